# Regressions (issue 9): #14 no open gets in while STOP_ARRAY runs or after it
# (MD_CLOSING: ENODEV, never an opener that then reads EIO); #5 a member kicked as
# non-fresh at RUN_ARRAY loses its dev-NAME/ only after the state lock is released
# (no ABBA deadlock with a dev-NAME/state store); #12 rmmod racing a sysfs write that
# configures an array leaves no array behind (md_exit clears every array; md_mod
# only, the C md has the same race).
# impls: rust c
# run-vm: --disks 3 --disk-size 64M
M="/dev/vda /dev/vdb /dev/vdc"

# --- #14: opens racing STOP_ARRAY ---
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail "create"; }
stopopen /dev/md0 20000 > /tmp/so.out || { cat /tmp/so.out; fail "#14: stopopen"; }
cat /tmp/so.out
grep -q '^stop: ok' /tmp/so.out || fail "#14: STOP_ARRAY never succeeded"
grep -q ' 0 EIO' /tmp/so.out || fail "#14: an open racing STOP_ARRAY got in and read EIO"
grep -q '^open after stop: No such device' /tmp/so.out || fail "#14: an open after STOP_ARRAY (stopper still open) was not refused with ENODEV"
wait_gone /sys/block/md0 || fail "#14: md0 still there after the stopper closed"
mdadm --zero-superblock /dev/vda /dev/vdb >/dev/null 2>&1
pass "#14: opens refused while and after STOP_ARRAY"

# --- #5: kick at RUN_ARRAY vs a dev-vdc/state store ---
mknod_md 0
mdadm --create /dev/md0 --run --assume-clean -l1 -n3 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail "create (3)"; }
mdadm /dev/md0 --fail /dev/vdc >/dev/null 2>&1; sleep 0.5
mdadm /dev/md0 --remove /dev/vdc >/dev/null 2>&1; sleep 0.5
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop"
for i in $(seq 1 15); do
    sleep 0.3; mknod_md 0
    mdioctl /dev/md0 add 2 $M > /tmp/add.out || { cat /tmp/add.out; fail "#5: add $i"; }
    [ -e $MD/dev-vdc/state ] || fail "#5: no dev-vdc"
    hammer $MD/dev-vdc/state x 1500 > /tmp/hammer.out &
    hp=$!
    sleep 0.3
    mdioctl /dev/md0 raw 0x400c0930 null > /tmp/run.out 2>&1 &
    rp=$!
    n=0
    while kill -0 $rp 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    if kill -0 $rp 2>/dev/null; then
        for p in $rp $hp; do echo "--- pid $p ($(cat /proc/$p/comm)): $(grep State /proc/$p/status)"; cat /proc/$p/stack; done
        fail "#5: iteration $i: deadlock between RUN_ARRAY's kick and a dev-vdc/state store"
    fi
    wait $hp
    [ -e $MD/dev-vdc ] && fail "#5: iteration $i: dev-vdc still there after the kick"
    mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "#5: stop $i"
done
dmesg_has "#5" "kicking non-fresh vdc from array"
mdadm --zero-superblock $M >/dev/null 2>&1
pass "#5: no deadlock in 15 kicks"

# --- #12: rmmod racing a configuring sysfs write (last: it unloads md) ---
# md_mod only: the C md 6.12 has the same race (its md_exit leaves md_x behind
# when a store configures it meanwhile; a later store WARNs in __queue_work).
if [ "$IMPL" != rust ]; then
    echo "#12: skipped on the C md (it has the race too)"
    exit 0
fi
KO=/opt/md/rust/md_mod.ko
for i in $(seq 1 12); do
    lsmod | grep -q '^md_mod' || insmod $KO || fail "#12: insmod $i"
    echo md_x > /sys/module/md_mod/parameters/new_array || fail "#12: new_array $i"
    hammer2 /sys/block/md_x/md/raid_disks 2 /sys/block/md_x/md/array_state clear 1000 > /dev/null &
    hp=$!
    ok=0
    for j in $(seq 1 100); do rmmod md_mod 2>/dev/null && { ok=1; break; }; done
    wait $hp
    if [ $ok = 1 ] && [ -e /sys/block/md_x ]; then
        ls /sys/block/md_x/md | head -3
        fail "#12: iteration $i: md_mod unloaded, /sys/block/md_x still there"
    fi
    [ $ok = 1 ] || rmmod md_mod 2>/dev/null || fail "#12: iteration $i: rmmod after the race"
    sleep 0.2
done
pass "#12: no array left behind by rmmod in 12 tries"
