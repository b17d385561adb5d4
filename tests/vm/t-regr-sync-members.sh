# Regressions (issue 9): which members a sync covers.
# 1. (fail-during-resync) After mdadm's tests/01r1fail: a member failing during the
#    initial resync interrupts it and md starts it again from its checkpoint with the
#    members left; once only one in-sync member is left there is nothing to write and
#    the resync ends at once (raid1_sync_request skips the rest when it has no write
#    target), so the array is in sync and spares added later are just recovered.
# 2. (recovery-gap, defect 3) Two members recovering from different recovery offsets
#    (vdb from 0, vdc from 1152, as md checkpoints them): md writes every step to
#    every member not in sync, so vdc's sectors 1152..2047 are recovered too.
# impls: rust c
# run-vm: --disks 5 --disk-size 64M
M="/dev/vda /dev/vdb /dev/vdc"
idle_now() { [ "$(cat $MD/sync_action)" = idle ] && [ -z "$(mdstat_progress)" ]; }

# --- 1: members fail during the initial resync (01r1fail)
echo 1000 > /proc/sys/dev/raid/speed_limit_min
echo 2000 > /proc/sys/dev/raid/speed_limit_max
mdadm --create /dev/md0 --run -l1 -n4 --metadata=1.2 $M missing >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
sleep 1
grep -q "resync =" /proc/mdstat || { cat /proc/mdstat; fail "no resync after create"; }
mdadm /dev/md0 --fail /dev/vdc >/dev/null 2>&1 || fail "--fail vdc"
i=0
until grep -q "resync =" /proc/mdstat && [ "$(cat $MD/sync_action)" = resync ]; do
    sleep 1; i=$((i+1))
    [ $i -lt 10 ] || { cat /proc/mdstat; dmesg | grep -E "md|raid" | tail -20; fail "resync not running again 10 s after a member failed during it (sync_action: $(cat $MD/sync_action))"; }
done
cat /proc/mdstat
mdadm /dev/md0 --fail /dev/vdb >/dev/null 2>&1 || fail "--fail vdb"
i=0
until idle_now; do
    sleep 1; i=$((i+1))
    [ $i -lt 10 ] || { cat /proc/mdstat; fail "a resync with one in-sync member left still runs 10 s later (sync_action: $(cat $MD/sync_action))"; }
done
cat /proc/mdstat
grep -q "\[4/1\] \[U___\]" /proc/mdstat || fail "not [4/1] [U___] with vdb and vdc failed"
sync_fast
mdadm /dev/md0 --add /dev/vde /dev/vdd >/tmp/add.out 2>&1 || { cat /tmp/add.out; fail "--add vde vdd"; }
sleep 1
# There may be one recovery per spare.
wait_idle recovery 120; sleep 1; wait_idle recovery 120
mdadm /dev/md0 --remove /dev/vdc /dev/vdb >/tmp/rm.out 2>&1 || { cat /tmp/rm.out; fail "--remove vdc vdb"; }
sleep 1
idle_now || { cat /proc/mdstat; fail "a sync runs after the spares were recovered"; }
grep -q "\[4/3\] \[UUU_\]" /proc/mdstat || { cat /proc/mdstat; fail "not [4/3] [UUU_] after the recovery"; }
mdadm --zero-superblock /dev/vdc
mdadm /dev/md0 --add /dev/vdc >/tmp/add.out 2>&1 || { cat /tmp/add.out; fail "--add vdc"; }
sleep 1
wait_idle recovery 120
grep -q "\[4/4\] \[UUUU\]" /proc/mdstat || { cat /proc/mdstat; fail "not [4/4] [UUUU] after adding vdc again"; }
check_clean "after the recoveries"
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop 1"
mdadm --zero-superblock $M /dev/vdd /dev/vde 2>/dev/null
pass "resync restarted after a member failed during it, ended once nothing was left to write"

# --- 2: two members recovering from different offsets
mdadm --create /dev/md0 --run --assume-clean -l1 -n3 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
dd if=/dev/zero of=/dev/md0 bs=1M count=4 oflag=direct 2>/dev/null
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
expect_data_offset /dev/vda 2048
# New data in array sectors 1152..2047 on the in-sync source (vda) only.
dd if=/dev/urandom of=/dev/vda bs=512 seek=$((2048 + 1152)) count=896 oflag=direct conv=notrunc 2>/dev/null
# vdb and vdc: recovering (feature bit 2) from 0 and from 1152.
mdioctl /dev/vdb sb1set 4096 8 le32 2 >/dev/null && mdioctl /dev/vdb sb1set 4096 152 le64 0 >/dev/null || fail sb1set
mdioctl /dev/vdc sb1set 4096 8 le32 2 >/dev/null && mdioctl /dev/vdc sb1set 4096 152 le64 1152 >/dev/null || fail sb1set
mdadm --assemble /dev/md0 $M > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail assemble; }
sleep 1
wait_idle recovery 120
cat /proc/mdstat
grep -q "\[3/3\] \[UUU\]" /proc/mdstat || fail "not [3/3] [UUU] after the recovery"
a=$(region_md5 /dev/vda $(( (2048 + 1152) * 512 )) $((896 * 512)))
b=$(region_md5 /dev/vdb $(( (2048 + 1152) * 512 )) $((896 * 512)))
c=$(region_md5 /dev/vdc $(( (2048 + 1152) * 512 )) $((896 * 512)))
echo "vda $a vdb $b vdc $c"
expect_eq "$a" "$b" "vdb's sectors 1152..2047 after the recovery"
expect_eq "$a" "$c" "vdc's sectors 1152..2047 after the recovery (marked in sync)"
check_clean "after the recovery"
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop 2"
pass "both recovering members recovered from their own offsets"
