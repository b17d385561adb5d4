# Regression (issue 9): safe_mode_delay 0 means "never mark clean while running"
# (md arms no safe-mode timer), not "clean at once"; a new delay takes effect at once.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
wait_array_state clean
expect_eq clean "$(cat $MD/array_state)" "idle array after create"
echo 0 > $MD/safe_mode_delay
expect_eq 0.000 "$(cat $MD/safe_mode_delay)" "safe_mode_delay 0 reads back"
dd if=/dev/urandom of=/dev/md0 bs=4k count=16 oflag=direct 2>/dev/null || fail "write"
sleep 2
expect_eq active "$(cat $MD/array_state)" "2 s after a write with safe_mode_delay 0"
mdadm --examine /dev/vda | grep -q "State : active" || fail "superblock not dirty with safe_mode_delay 0"
pass "safe_mode_delay 0: stays active"
echo 0.2 > $MD/safe_mode_delay
wait_array_state clean
expect_eq clean "$(cat $MD/array_state)" "after safe_mode_delay 0.2 was set"
mdadm --examine /dev/vda | grep -q "State : clean" || fail "superblock not clean after safe mode"
pass "a new delay marks it clean"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
