# Bad-block log (issue 12, test 1): a write error on one member of a 1.2 array whose
# members have bad-block logs (mdadm reserves one by default: "Bad Block Log : 512
# entries available at offset 16 sectors"). As the C md: the write succeeds (vda took
# it); md narrows the failure to the 8 faulted sectors (retrying the 64 KiB write
# sector by sector), records them in vdb's log and keeps vdb in the array ([2/2] [UU],
# --detail "active sync" for both, no "Disk failure" line); vdb's state gains
# write_error and want_replacement (md's WriteErrorSeen/WantReplacement). The range is
# in dev-vdb/bad_blocks (acknowledged: unacknowledged_bad_blocks empty) and, once the
# write has returned, already on disk (md ends the write only after the superblock
# with the new bad block is written): --examine-badblocks lists exactly that range,
# Feature Map 0x8 ("bad blocks present"); vda's log stays empty. The data reads back
# byte for byte; reads touching the range never go to vdb (its read counter in
# /sys/block/vdb/stat stays put while vda's grows by exactly the sectors read); and
# with vda failed, a read of the range fails with EIO (never stale data) while the
# rest of the written MiB still reads back from vdb.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# The faulted sectors (shared by the bb group; t-bb-full uses them too): data offset
# 2048 + array MiB 32 (65536) + 64 sectors.
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
BAD=67648        # member sectors BAD..BAD+7 of vdb fail every write
ABAD=$((BAD - DOFF))   # the same sectors in the array
expect_eq "vdb:write:$BAD+8" "$RUN_VM_FAULTS" "the --fault rule"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
expect_data_offset /dev/vdb $DOFF
for d in $M; do
    expect_eq "512 entries available at offset 16 sectors" "$(bblog_line $d)" "$d: Bad Block Log before the write error"
    expect_eq 0x0 "$(feature_map $d)" "$d: Feature Map before the write error"
done
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat before the write error"

# 1 MiB at array MiB 32 in 64 KiB O_DIRECT writes: the one at 32 MiB covers the fault.
dd if=/dev/urandom of=/tmp/data bs=1M count=1 2>/dev/null
klog_mark
dd if=/tmp/data of=/dev/md0 bs=64k seek=512 oflag=direct conv=notrunc 2>/tmp/dd.err \
    || { cat /tmp/dd.err; fail "the write over the faulted sectors failed (vda took it: it must succeed)"; }
klog_since | grep -E 'md|raid1|I/O error' | head -12
klog_since | grep -q "I/O error, dev vdb, sector " || fail "no write error on vdb (the fault did not fire)"
! klog_since | grep -F "Disk failure on vdb" || fail "vdb was failed, although its log could record the range"
# md retries the failed 64 KiB write sector by sector (narrow_write_error): the
# retries of the faulted sectors fail on their own.
klog_since | grep -q "I/O error, dev vdb, sector $BAD " || fail "no write error at sector $BAD itself: the failed write was not retried in smaller pieces"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the write error"
expect_eq 0 "$(cat $MD/degraded)" "degraded after the write error"
expect_eq in_sync,write_error,want_replacement "$(cat $MD/dev-vdb/state)" "dev-vdb/state after the write error"
expect_eq in_sync "$(cat $MD/dev-vda/state)" "dev-vda/state after the write error"
mdadm --detail /dev/md0 > /tmp/detail
grep -Eq '^ *Active Devices : 2$' /tmp/detail && grep -Eq '^ *Failed Devices : 0$' /tmp/detail \
    && grep -Eq 'active sync +/dev/vda$' /tmp/detail && grep -Eq 'active sync +/dev/vdb$' /tmp/detail \
    || { cat /tmp/detail; fail "--detail after the write error: both members must be active sync"; }
pass "write error recorded, vdb kept"

expect_eq "$BAD 8" "$(bb_sysfs vdb)" "dev-vdb/bad_blocks"
expect_eq "" "$(cat $MD/dev-vdb/unacknowledged_bad_blocks)" "dev-vdb/unacknowledged_bad_blocks"
expect_eq "" "$(bb_sysfs vda)" "dev-vda/bad_blocks"
expect_eq "$BAD 8" "$(bb_examine /dev/vdb)" "--examine-badblocks vdb"
grep -qx "Bad-blocks on /dev/vdb:" /tmp/bbx.out || { cat /tmp/bbx.out; fail "--examine-badblocks vdb header"; }
expect_eq 0x8 "$(feature_map /dev/vdb)" "vdb: Feature Map with a bad block"
expect_eq "512 entries available at offset 16 sectors - bad blocks present." "$(bblog_line /dev/vdb)" "vdb: Bad Block Log line"
bb_examine_empty "vda after the write error" /dev/vda
expect_eq 0x0 "$(feature_map /dev/vda)" "vda: Feature Map"
pass "the range is in vdb's log (sysfs and on disk)"

# The data reads back; reads of the range come from vda only.
dd if=/dev/md0 of=/tmp/back bs=64k skip=512 count=16 iflag=direct 2>/dev/null || fail "read back the MiB"
cmp /tmp/data /tmp/back || fail "data read back differs"
ra=$(dev_rd vda); rb=$(dev_rd vdb)
for i in 1 2 3 4 5; do
    dd if=/dev/md0 of=/dev/null bs=4k count=1 iflag=direct,skip_bytes skip=$((ABAD * 512)) 2>/dev/null || fail "read of the bad range ($i)"
done
dd if=/dev/md0 of=/dev/null bs=64k count=1 skip=512 iflag=direct 2>/dev/null || fail "64 KiB read over the bad range"
dd if=/dev/md0 of=/dev/null bs=4k count=4 iflag=direct,skip_bytes skip=$(((ABAD - 12) * 512)) 2>/dev/null || fail "16 KiB read across the bad range"
expect_eq 0 $(( $(dev_rd vdb) - rb )) "sectors read from vdb by reads of its bad range"
expect_eq $((5 * 8 + 128 + 32)) $(( $(dev_rd vda) - ra )) "sectors read from vda by reads of vdb's bad range"
pass "data intact, the bad range read from vda only"

# With vda gone, vdb has no good copy of the range: EIO, never stale data.
mdadm /dev/md0 --fail /dev/vda > /dev/null 2>&1 || fail "--fail vda"
expect_eq "64512 blocks super 1.2 [2/1] [_U]" "$(mdstat_state)" "mdstat with vda failed"
dd if=/dev/md0 of=/dev/null bs=4k count=1 iflag=direct,skip_bytes skip=$((ABAD * 512)) 2>/tmp/dd.err \
    && fail "a read of the bad range with vda failed succeeded (it must fail: no good copy)"
grep -q "Input/output error" /tmp/dd.err || { cat /tmp/dd.err; fail "the read of the bad range must fail with EIO"; }
dd if=/dev/md0 of=/dev/null bs=512 count=1 iflag=direct,skip_bytes skip=$(((ABAD + 7) * 512)) 2>/dev/null \
    && fail "a read of the bad range's last sector succeeded"
# The MiB in 4 KiB reads, failures zero-filled: exactly the block of the range fails.
dd if=/dev/md0 of=/tmp/back bs=4k skip=$((32 * 256)) count=256 iflag=direct conv=noerror,sync 2>/tmp/dd.err
expect_eq 1 "$(grep -c 'Input/output error' /tmp/dd.err)" "4 KiB reads of the MiB that fail"
cp /tmp/data /tmp/expect
dd if=/dev/zero of=/tmp/expect bs=4k seek=$(((ABAD - 32 * 2048) / 8)) count=1 conv=notrunc 2>/dev/null
cmp /tmp/expect /tmp/back || fail "the MiB read from vdb alone differs outside the bad range"
expect_eq "$BAD 8" "$(bb_sysfs vdb)" "dev-vdb/bad_blocks after the failed reads"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
pass "bb-wfault ($IMPL)"
