# Regression (issue 9, #8): stopping a sync (idle into sync_action) while its barrier waits for a
# failed write that needs the superblock update: raise_barrier ends on MD_RECOVERY_INTR (race; not every run hit it before the fix).
# impls: rust c
# Repro (race): "idle" into sync_action stops the sync thread (kthread_stop) while
# holding the state lock; the sync thread may be in raise_barrier waiting for normal
# I/O of its bucket to drain (uninterruptibly, MD_RECOVERY_INTR is not checked), and
# a failed write of that bucket waits for the superblock update, which the array
# thread can only do with the state lock -> deadlock.
# run-vm: --disks 2 --disk-size 64M --fault vda:write:2048+65536
mdadm --create /dev/md0 --run -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
sync_fast
( i=0; while [ $i -lt 400 ]; do echo idle > $MD/sync_action; sleep 0.02; i=$((i + 1)); done; echo idle-loop-done ) > /tmp/idle.out 2>&1 &
ip=$!
sleep 0.5
fio --name=w --filename=/dev/md0 --direct=1 --rw=randwrite --bs=4k --iodepth=8 --ioengine=libaio \
    --size=60M --runtime=8 --time_based > /tmp/fio.out 2>&1 &
fp=$!
n=0
while { kill -0 $fp 2>/dev/null || kill -0 $ip 2>/dev/null; } && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
cat /tmp/idle.out; grep -E "err=|WRITE:" /tmp/fio.out | head -3
dmesg | grep -E "Disk failure" | head -2
if kill -0 $fp 2>/dev/null || kill -0 $ip 2>/dev/null; then
    for p in $(ps -o pid,stat | awk '$2 ~ /D/ {print $1}'); do echo "--- D: $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
    fail "hang: sync_action idle vs a failed write"
fi
sleep 2
( sync; echo "sync done" ) &
sp=$!; sleep 10
if kill -0 $sp 2>/dev/null; then
    echo "sync still blocked after 10 s"
    cat /proc/mdstat & sleep 2
    for p in $(ps -o pid,stat | awk '$2 ~ /D/ {print $1}'); do echo "--- D: $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
    for p in $(pgrep md0_); do echo "--- $p $(cat /proc/$p/comm) $(grep State /proc/$p/status)"; cat /proc/$p/stack; done
    # A blocked sync would also block the shutdown: report and cut the power
    # unannounced, which run-vm counts as a failure.
    echo "FAIL: sync blocked after the sync thread was stopped"
    echo b > /proc/sysrq-trigger
fi
pass "no hang"
