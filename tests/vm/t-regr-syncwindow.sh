# Regression (issue 9, smaller differences): sync_min / sync_max bound a check as
# md's do: the check waits at sync_max (sync_completed shows where) until it is
# raised, a requested check starts at sync_min, and a completed one forgets both.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_data_offset /dev/vda 2048
sync_fast
# 1 MiB of vdb differs at array sector 4096 (2 MiB in).
# (Written through the page cache and synced: busybox dd may drop O_DIRECT.)
dd if=/dev/urandom of=/dev/vdb bs=1M seek=$(( (2048 + 4096) * 512 )) count=1 \
    oflag=seek_bytes conv=notrunc,fsync 2>/dev/null || fail "corrupt vdb"
echo 3 > /proc/sys/vm/drop_caches
# A window above the difference finds nothing.
echo 16384 > $MD/sync_min
echo check > $MD/sync_action
wait_idle "check from sync_min 16384" 120
expect_eq 0 "$(mismatch_cnt)" "mismatch_cnt of a check from sector 16384"
expect_eq 0 "$(cat $MD/sync_min)" "sync_min after a completed check"
pass "a check starts at sync_min"
# sync_max: the check waits there.
echo 8192 > $MD/sync_max
expect_eq 8192 "$(cat $MD/sync_max)" "sync_max"
echo check > $MD/sync_action
i=0
until [ "$(cut -d' ' -f1 $MD/sync_completed)" = 8192 ]; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "sync_completed never reached 8192: $(cat $MD/sync_completed)"
    sleep 0.1
done
sleep 1
expect_eq check "$(cat $MD/sync_action)" "sync_action while waiting at sync_max"
expect_eq 8192 "$(cut -d' ' -f1 $MD/sync_completed)" "sync_completed while waiting at sync_max"
pass "a check waits at sync_max ($(cat $MD/sync_completed))"
echo max > $MD/sync_max
wait_idle "check after sync_max max" 120
expect_eq max "$(cat $MD/sync_max)" "sync_max after the check"
[ "$(mismatch_cnt)" -gt 0 ] || fail "a whole check found no mismatch"
pass "sync_max max lets it finish: mismatch_cnt $(mismatch_cnt)"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
