# Member flags through dev-NAME/state as the C md's state_store takes them, and
# fail-fast members (issue 14):
# - `failfast` / `-failfast`: the state word, `mdadm --detail`'s "failfast", the 1.x
#   devflags bit (`mdadm --examine` "Flags : failfast"), kept across stop/assemble;
#   `mdadm --add --failfast` (ADD_NEW_DISK's state bit);
# - `write_error` / `-write_error`: the word, without want_replacement (md sets that
#   only on a real write error);
# - `blocked` / `-blocked`: writes to the array wait while a member is blocked and
#   go on when it is unblocked;
# - a write error on a fail-fast member fails it at once (md_error), instead of
#   recording the range in its bad-block log; the write succeeds on the other mirror;
# - a read error on a fail-fast member fails it at once (handle_read_error), with no
#   "read error corrected" repair; the read is served by the other mirror.
# Data checksums throughout.
# impls: rust c
# run-vm: --disks 3 --disk-size 64M
# vdb fails writes at data MiB 8 (data offset 2048 + 16384), vdc fails reads at data
# MiB 4 (2048 + 8192); for every request, every time.
# run-vm: --fault vdb:write:18432+8 --fault vdc:read:10240+8
M=/sys/block/md0/md
ARRAY_KIB=16384
T0=$(date +%s)
sync_fast

mdadm --create /dev/md0 --run --assume-clean -e 1.2 -l1 -n2 --size=$ARRAY_KIB \
    /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_data_offset /dev/vda 2048
expect_data_offset /dev/vdb 2048
wait_array_state clean

# --- failfast round trip ---
echo failfast > $M/dev-vdb/state || fail "failfast > dev-vdb/state"
expect_state vdb in_sync,failfast "after failfast"
expect_eq "failfast" "$(flags_of vdb)" "--examine vdb Flags after failfast"
expect_eq "active sync failfast" "$(detail_of vdb)" "--detail vdb after failfast"
expect_eq "" "$(flags_of vda)" "--examine vda Flags"
echo -failfast > $M/dev-vdb/state || fail "-failfast > dev-vdb/state"
expect_state vdb in_sync "after -failfast"
expect_eq "" "$(flags_of vdb)" "--examine vdb Flags after -failfast"
expect_eq "active sync" "$(detail_of vdb)" "--detail vdb after -failfast"
echo failfast > $M/dev-vdb/state || fail "failfast > dev-vdb/state again"
expect_eq "failfast" "$(flags_of vdb)" "--examine vdb Flags after failfast again"
pass "failfast / -failfast: state, --examine, --detail ($IMPL, $(($(date +%s) - T0)) s)"

# --- write_error round trip ---
echo write_error > $M/dev-vda/state || fail "write_error > dev-vda/state"
expect_state vda in_sync,write_error "after write_error"
echo -write_error > $M/dev-vda/state || fail "-write_error > dev-vda/state"
expect_state vda in_sync "after -write_error"
echo bogus > $M/dev-vda/state 2>/dev/null && fail "bogus > dev-vda/state accepted"
pass "write_error / -write_error ($IMPL)"

# --- blocked: writes wait for the member ---
dd if=/dev/urandom of=/tmp/data bs=1M count=$((ARRAY_KIB / 1024)) 2>/dev/null
echo blocked > $M/dev-vda/state || fail "blocked > dev-vda/state"
expect_state vda in_sync,blocked "after blocked"
dd if=/tmp/data of=/dev/md0 bs=4k count=1 oflag=direct conv=notrunc 2>/dev/null &
w=$!
sleep 3
kill -0 $w 2>/dev/null || fail "a write went through while vda was blocked"
echo -blocked > $M/dev-vda/state || fail "-blocked > dev-vda/state"
i=0
while kill -0 $w 2>/dev/null; do
    i=$((i + 1)); [ $i -le 100 ] || fail "the write still waits 10 s after -blocked"
    sleep 0.1
done
wait $w || fail "the write held by blocked failed"
expect_state vda in_sync "after -blocked"
pass "blocked / -blocked: a write waits, then completes ($IMPL, $(($(date +%s) - T0)) s)"

# --- a write error on the fail-fast vdb: failed at once, nothing recorded ---
dd if=/tmp/data of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "writing md0 (vdb fail-fast)"
SUM=$(md5sum < /tmp/data); rm -f /tmp/data
md0_sum_ok "after the write error on vdb"
mdstat_state | grep -q '\[2/1\] \[U_\]' || fail "mdstat after the fail-fast write error: $(mdstat_state)"
grep -q faulty $M/dev-vdb/state || fail "dev-vdb/state after the write error: $(cat $M/dev-vdb/state)"
grep -q failfast $M/dev-vdb/state || fail "dev-vdb/state lost failfast: $(cat $M/dev-vdb/state)"
expect_eq "" "$(bb_sysfs vdb)" "dev-vdb/bad_blocks (a fail-fast member records nothing)"
dmesg_has "write error on the fail-fast vdb" "Disk failure on vdb"
pass "write error on a fail-fast member: failed at once, no bad blocks ($IMPL, $(($(date +%s) - T0)) s)"

# --- --add --failfast ---
mdadm /dev/md0 --remove /dev/vdb >/dev/null 2>&1 || fail "--remove vdb"
mdadm /dev/md0 --add --failfast /dev/vdc >/tmp/a.out 2>&1 || { cat /tmp/a.out; fail "--add --failfast vdc"; }
wait_action "recovery onto vdc" recover
wait_idle "recovery onto vdc"
mdstat_state | grep -q '\[2/2\] \[UU\]' || fail "mdstat after the recovery: $(mdstat_state)"
expect_state vdc in_sync,failfast "after --add --failfast"
expect_eq "active sync failfast" "$(detail_of vdc)" "--detail vdc after --add --failfast"
expect_eq "failfast" "$(flags_of vdc)" "--examine vdc Flags after --add --failfast"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
mdadm --assemble /dev/md0 /dev/vda /dev/vdc >/dev/null 2>&1 || fail "assemble vda vdc"
expect_state vdc in_sync,failfast "after stop and assemble"
expect_eq "active sync failfast" "$(detail_of vdc)" "--detail vdc after assemble"
md0_sum_ok "after the recovery onto vdc"
pass "--add --failfast, kept across stop/assemble ($IMPL, $(($(date +%s) - T0)) s)"

# --- a read error on the fail-fast vdc: failed at once, no repair ---
# vda write-mostly: reads go to vdc while it works.
echo writemostly > $M/dev-vda/state || fail "writemostly > dev-vda/state"
got=$(dd if=/dev/md0 bs=4k skip=1024 count=1 iflag=direct 2>/dev/null | md5sum)
want=$(dd if=/dev/vda bs=4k skip=$((2048 / 8 + 1024)) count=1 iflag=direct 2>/dev/null | md5sum)
expect_eq "$want" "$got" "the block vdc fails to read, read through md0"
mdstat_state | grep -q '\[2/1\] \[U_\]' || fail "mdstat after the fail-fast read error: $(mdstat_state)"
grep -q faulty $M/dev-vdc/state || fail "dev-vdc/state after the read error: $(cat $M/dev-vdc/state)"
dmesg_has "read error on the fail-fast vdc" "Disk failure on vdc"
dmesg_lacks "read error on the fail-fast vdc" "read error corrected"
md0_sum_ok "after the read error on vdc"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop at the end"
pass "read error on a fail-fast member: failed at once, read from vda ($IMPL, $(($(date +%s) - T0)) s)"
