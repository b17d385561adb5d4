# A mirror fails, is removed and added back while an application keeps writing and
# verifying through md0 (fio, O_DIRECT, every pass with new data): md degrades
# ([2/1] [U_], (F), "Disk failure on vdb"), the I/O never sees an error or stale
# data, --add starts a recovery ("recovery =" in mdstat) that ends with [2/2] [UU],
# and afterwards the mirrors are identical (check finds 0 mismatches).
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
sync_fast
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after create"

# fio passes over 16 MiB near the end of the array (which a recovery reaches last,
# so reads there must avoid the recovering mirror for most of it): 2 MiB of 16 KiB
# random writes per pass (no block twice), 4 in flight, each block verified (crc32c
# header with offset and seed) 64 writes later and all again at the end of the pass.
# Each pass has its own seed, so a stale block from an earlier pass cannot pass
# verification. Small passes keep the test short on a slow (loaded) host; they run
# until /tmp/fio.stop appears.
fio_pass() { # N
    fio --name=p$1 --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 \
        --rw=randwrite --bs=16k --offset=44M --size=16M --io_size=2M --randseed=$((1000 + $1)) \
        --verify=crc32c --verify_backlog=64 --verify_fatal=1 --do_verify=1 \
        --output=/tmp/fio.$1.out > /dev/null 2>&1
    echo $? > /tmp/fio.$1.rc
}
(
    n=1
    while [ ! -e /tmp/fio.stop ]; do
        echo "$(uptime_s) pass $n start" >> /tmp/fio.log
        fio_pass $n
        echo "$(uptime_s) pass $n end rc=$(cat /tmp/fio.$n.rc)" >> /tmp/fio.log
        [ "$(cat /tmp/fio.$n.rc)" = 0 ] || break
        echo $n > /tmp/fio.done
        n=$((n + 1))
    done
) &
fio_loop=$!
sleep 4

# --- fail
mdadm /dev/md0 --fail /dev/vdb > /tmp/fail.out 2>&1 || { cat /tmp/fail.out; fail "mdadm --fail"; }
cat /tmp/fail.out
expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "mdstat state after --fail"
grep -Eq '^md0 : active raid1 vdb\[1\]\(F\) vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "mdstat does not show vdb[1](F)"; }
grep '^md0' /proc/mdstat
dmesg_has "--fail" "md/raid1:md0: Disk failure on vdb, disabling device."
dmesg_has "--fail" "md/raid1:md0: Operation continuing on 1 devices."
expect_eq 1 "$(cat $MD/degraded)" "degraded after --fail"
expect_eq faulty "$(cat $MD/dev-vdb/state)" "dev-vdb/state after --fail"
pass "vdb failed: $(mdstat_state)"
sleep 3

# --- remove
mdadm /dev/md0 --remove /dev/vdb > /tmp/remove.out 2>&1 || { cat /tmp/remove.out; fail "mdadm --remove"; }
cat /tmp/remove.out
grep -Eq '^md0 : active raid1 vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "mdstat still lists vdb after --remove"; }
expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "mdstat state after --remove"
[ -e $MD/dev-vdb ] && fail "dev-vdb still in sysfs after --remove"
pass "vdb removed"
sleep 2

# --- add back: a full recovery (no bitmap)
t0=$(uptime_s)
mdadm /dev/md0 --add /dev/vdb > /tmp/add.out 2>&1 || { cat /tmp/add.out; fail "mdadm --add"; }
cat /tmp/add.out
wait_action "--add" recover
wait_idle "recovery" 300
echo "recovery took $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s"
re_bar='^ +\[=*>\.*\]  recovery = *[0-9]+\.[0-9]% \([0-9]+/64512\) finish=[0-9]+\.[0-9]min speed=[0-9]+K/sec$'
if grep -q 'recovery' /tmp/progress.log; then
    grep 'recovery' /tmp/progress.log | head -3
    grep 'recovery' /tmp/progress.log | grep -Evq "$re_bar|^ +recovery=(DELAYED|PENDING)$" \
        && { grep recovery /tmp/progress.log | grep -Ev "$re_bar"; fail "recovery progress line not in md's format"; }
else
    echo "(recovery finished before mdstat was sampled)"
fi
dmesg_has "recovery" "md: recover of RAID array md0"
dmesg_has "recovery" "md: md0: recover done."
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat state after recovery"
grep -Eq '^md0 : active raid1 vdb\[[0-9]+\] vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "mdstat members after recovery"; }
grep '^md0' /proc/mdstat
expect_eq 0 "$(cat $MD/degraded)" "degraded after recovery"
expect_eq recover "$(cat $MD/last_sync_action)" "last_sync_action after recovery"
expect_eq in_sync "$(cat $MD/dev-vdb/state)" "dev-vdb/state after recovery"
pass "recovery done: $(mdstat_state)"

# --- one more whole fio pass after the recovery, then stop
last=$(cat /tmp/fio.done 2>/dev/null || echo 0)
i=0
while [ "$(cat /tmp/fio.done 2>/dev/null || echo 0)" -lt $((last + 2)) ] && kill -0 $fio_loop 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "fio passes stuck"
    sleep 0.1
done
touch /tmp/fio.stop
wait $fio_loop
cat /tmp/fio.log
for f in /tmp/fio.*.rc; do
    n=${f#/tmp/fio.}; n=${n%.rc}
    [ "$(cat $f)" = 0 ] || { cat /tmp/fio.$n.out; fail "fio pass $n failed (rc $(cat $f))"; }
    grep -Eq 'err= *0' /tmp/fio.$n.out || { cat /tmp/fio.$n.out; fail "fio pass $n: errors"; }
done
passes=$(ls /tmp/fio.*.rc | wc -l)
[ "$passes" -ge 3 ] || fail "only $passes fio passes"
grep -E 'write: IOPS|read: IOPS' /tmp/fio.1.out | sed 's/^ */fio pass 1: /'
pass "$passes fio passes with verify, no error"

check_clean "check after recovery"
members_identical "after recovery" $M
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
for d in $M; do
    mdadm --examine $d | grep -Eq '^ +State : clean$' || { mdadm --examine $d; fail "$d superblock not clean after stop"; }
done
pass "recovery ($IMPL)"
