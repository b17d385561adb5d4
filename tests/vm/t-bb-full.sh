# Bad-block log (issue 12, test 4): a full log, then a write error. 512 disjoint
# ranges (md's limit: one page of 8-byte entries, the 4 KiB mdadm reserves) are
# recorded on vdb through dev-vdb/bad_blocks; as the C md: a 513th disjoint range is
# refused with ENOSPC ("No space left on device") and leaves the list as it was, a
# range inside a recorded one is accepted (nothing to add); the superblock write puts
# all 512 on disk (--examine-badblocks lists the same 512, the log has no room left
# for an end marker). Then a write error on vdb (--fault) on sectors outside every
# recorded range: md cannot record them, so it fails vdb as it would without a log
# ("Disk failure on vdb, disabling device.", [2/1] [U_], faulty), the write itself
# succeeds (vda took it) and reads back; vdb's list is left as it was.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# The faulted sectors (shared with t-bb-wfault): data offset 2048 + array MiB 32 + 64.
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
BAD=67648
expect_eq "vdb:write:$BAD+8" "$RUN_VM_FAULTS" "the --fault rule"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
expect_data_offset /dev/vdb $DOFF
# Member sectors 4096+16i, 8 each, i = 0..511 (4096..12287; not adjacent, so md
# cannot merge them).
i=0
while [ $i -lt 512 ]; do
    echo "$((4096 + 16 * i)) 8" > $MD/dev-vdb/bad_blocks || fail "range $i ($((4096 + 16 * i)) 8) refused"
    i=$((i + 1))
done
awk 'BEGIN { for (i = 0; i < 512; i++) print 4096 + 16 * i, 8 }' > /tmp/full.list
bb_sysfs vdb > /tmp/sysfs.list
cmp /tmp/full.list /tmp/sysfs.list || { wc -l /tmp/sysfs.list; fail "dev-vdb/bad_blocks after 512 ranges"; }
# (bash's echo names the errno; dash's says "I/O error" for every failed write)
bash -c "echo '20000 8' > $MD/dev-vdb/bad_blocks" 2>/tmp/echo.err && fail "a 513th range was accepted (the log holds 512)"
grep -q "No space left on device" /tmp/echo.err || { cat /tmp/echo.err; fail "the 513th range: expected ENOSPC"; }
echo "4096 4" > $MD/dev-vdb/bad_blocks || fail "a range inside a recorded one was refused in a full log"
bb_sysfs vdb > /tmp/sysfs.list
cmp /tmp/full.list /tmp/sysfs.list || { wc -l /tmp/sysfs.list; fail "dev-vdb/bad_blocks changed by the refused and the covered range"; }
pass "512 ranges recorded, the 513th refused (ENOSPC)"
sb_flush "full log"
bb_examine /dev/vdb > /tmp/examine.list
cmp /tmp/full.list /tmp/examine.list || { wc -l /tmp/examine.list; head -3 /tmp/bbx.out; fail "--examine-badblocks vdb after 512 ranges"; }
expect_eq 0x8 "$(feature_map /dev/vdb)" "vdb: Feature Map with a full log"
pass "the full log is on disk"

# The write error: array MiB 32 + 64 sectors (member 67648), far from every range.
dd if=/dev/urandom of=/tmp/data bs=64k count=1 2>/dev/null
klog_mark
dd if=/tmp/data of=/dev/md0 bs=64k seek=512 count=1 oflag=direct conv=notrunc 2>/tmp/dd.err \
    || { cat /tmp/dd.err; fail "the write over the faulted sectors failed (vda took it: it must succeed)"; }
klog_since | grep -E 'md|raid1' | head -5
klog_since | grep -qF "md/raid1:md0: Disk failure on vdb, disabling device." || { klog_since | tail -20; fail "vdb was not failed"; }
klog_since | grep -qF "md/raid1:md0: Operation continuing on 1 devices." || fail "no 'Operation continuing on 1 devices.'"
expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "mdstat after the write error with a full log"
expect_eq faulty,write_error "$(cat $MD/dev-vdb/state)" "dev-vdb/state after the write error"
expect_eq 1 "$(cat $MD/degraded)" "degraded"
bb_sysfs vdb > /tmp/sysfs.list
cmp /tmp/full.list /tmp/sysfs.list || fail "dev-vdb/bad_blocks changed by the write error"
dd if=/dev/md0 of=/tmp/back bs=64k skip=512 count=1 iflag=direct 2>/dev/null || fail "read back"
cmp /tmp/data /tmp/back || fail "the data written over the fault differs"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
pass "bb-full ($IMPL)"
