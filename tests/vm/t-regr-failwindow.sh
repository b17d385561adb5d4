# Regression (issue 9): a write that skips a just-failed member waits until the failure is on disk (Blocked, MD_SB_CHANGE_PENDING)
# impls: rust c
# Repro (3 boots): a write that skips a just-failed member is acknowledged before the
# failure is recorded in the survivors' superblocks (no Blocked rdev /
# MD_SB_CHANGE_PENDING wait as in C raid1_write_request / md_write_start). The
# window is widened here by "idle" into sync_action, which holds the state lock
# while it joins a throttled check thread (up to 500 ms), so the array thread
# cannot write the superblocks. Power cut inside the window: on the next boot the
# failed member (slot 0, still "active" everywhere) is the resync source and the
# acknowledged write B is lost.
# boots: 3
# run-vm: --disks 3 --disk-size 64M
# run-vm-boot-2: --fault vda:write:67584+64
M="/dev/vda /dev/vdb"
if [ "$BOOT" = 1 ]; then
    # shellcheck disable=SC2086
    nobbl_array $M
    dd if=/dev/zero of=/dev/vdc bs=4k count=1 conv=fsync 2>/dev/null
    pass "boot 1"; exit 0
fi
if [ "$BOOT" = 2 ]; then
    mdadm --assemble /dev/md0 $M > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail assemble; }
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null   # dirty
    echo 60 > $MD/safe_mode_delay
    echo 1 > $MD/sync_speed_min; echo 1 > $MD/sync_speed_max
    echo check > $MD/sync_action; sleep 1.5
    echo "sync_action $(cat $MD/sync_action) array_state $(cat $MD/array_state)"
    ( echo idle > $MD/sync_action ) &
    sleep 0.01
    failcrash /dev/md0 65536 16384 /dev/vdc
    fail "failcrash returned"
fi
# boot 3
rec=$(dd if=/dev/vdc bs=4k count=1 2>/dev/null | tr -d '\000'); echo "record: $rec"
for d in $M; do mdadm --examine $d | grep -E "^ +(State|Events) :|Array State" | sed "s|^ *|$d: |"; done
mdadm --assemble --run /dev/md0 $M > /tmp/a.out 2>&1; cat /tmp/a.out
sync_fast; sleep 1
[ -d $MD ] && wait_idle "after the power cut"
grep -A2 '^md0' /proc/mdstat
got=$(dd if=/dev/md0 bs=64k skip=128 count=1 iflag=direct 2>/dev/null | od -An -tx1 | head -1 | awk '{print $1}')
echo "first byte of B now: $got"
[ "$rec" = "B-ACKED" ] && [ "$got" != bb ] && fail "acknowledged write B lost after the power cut"
pass "no acknowledged write lost"
