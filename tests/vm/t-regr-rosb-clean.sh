# Regressions (issue 9): #11 a read-only array's members get no superblock writes
# (a failure stays pending until the array goes read-write, then it is recorded);
# #6 `clean` into array_state never waits for writes under the lock a writer needs,
# and never stops a running sync.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
events() { echo 3 > /proc/sys/vm/drop_caches; mdadm --examine "$1" | sed -n 's/ *Events : //p'; }

# --- #11: read-only array, member failed ---
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail "create"; }
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop"
ev0=$(events /dev/vdb)
before=$(md5sum < /dev/vdb)
mdadm --assemble --readonly /dev/md0 $M >/tmp/a.out 2>&1 || { cat /tmp/a.out; fail "assemble --readonly"; }
expect_eq readonly "$(cat $MD/array_state)" "array_state after assemble --readonly"
mdadm /dev/md0 --fail /dev/vda >/dev/null 2>&1 || fail "--fail vda on the read-only array"
sleep 1
echo 3 > /proc/sys/vm/drop_caches
[ "$before" = "$(md5sum < /dev/vdb)" ] || fail "#11: a member of a read-only array was written"
case $(cat $MD/dev-vda/state) in faulty*) ;; *) fail "#11: dev-vda/state is '$(cat $MD/dev-vda/state)', not faulty";; esac
pass "#11: read-only array untouched, vda shown faulty"
mdadm --readwrite /dev/md0 || fail "--readwrite"
i=0
while [ "$(events /dev/vdb)" = "$ev0" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ev1=$(events /dev/vdb)
echo "vdb events: $ev0 before, $ev1 after --readwrite"
[ "$ev1" -gt "$ev0" ] || fail "#11: the failure is not recorded once read-write"
mdadm --examine /dev/vdb | grep 'Array State' || true
pass "#11: the pending failure is written once the array is read-write"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop after #11"
mdadm --zero-superblock $M >/dev/null 2>&1

# --- #6: clean vs a write on the clean array, with a throttled resync running ---
mdadm --create /dev/md0 --run -l1 -n2 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail "create (resync)"; }
echo 1 > $MD/sync_speed_min; echo 1 > $MD/sync_speed_max
wait_action "#6" resync
for delay in 0.05 0.15 0.25 0.35; do
    wait_array_state clean 10
    sh -c "echo clean > $MD/array_state" &
    cp=$!
    sleep $delay
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 seek=100 oflag=direct 2>/dev/null &
    dp=$!
    # Bounded wait (a deadlocked task sleeps uninterruptibly: no timeout kills it).
    n=0
    while { kill -0 $cp 2>/dev/null || kill -0 $dp 2>/dev/null; } && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    if kill -0 $cp 2>/dev/null || kill -0 $dp 2>/dev/null; then
        for p in $(ps -o pid,stat | awk '$2 ~ /D/ {print $1}'); do echo "--- D: $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
        fail "#6: deadlock between array_state clean and a write on the clean array"
    fi
    wait $cp; crc=$?
    wait $dp; drc=$?
    echo "delay $delay: clean rc=$crc, write rc=$drc"
    [ $drc = 0 ] || fail "#6: the write failed"
done
expect_eq resync "$(cat $MD/sync_action)" "#6: sync_action after writing clean"
pass "#6: no deadlock, resync not stopped"
# An active array with no write pending turns clean at once, its resync going on.
echo 10 > $MD/safe_mode_delay
dd if=/dev/zero of=/dev/md0 bs=4k count=1 seek=200 oflag=direct 2>/dev/null || fail "#6: write"
expect_eq active "$(cat $MD/array_state)" "#6: array_state after a write"
echo clean > $MD/array_state || fail "#6: echo clean on an idle active array"
expect_eq clean "$(cat $MD/array_state)" "#6: array_state after writing clean"
expect_eq resync "$(cat $MD/sync_action)" "#6: sync_action after writing clean"
pass "#6: clean marks an idle array clean and leaves the resync running"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop after #6"
