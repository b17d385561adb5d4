# Regression (issue 9): a read failing during STOP_ARRAY is still retried by the array thread
# impls: rust c
# Repro: STOP_ARRAY quiesces (takes the conf from new bios, waits for all requests);
# the array thread returns at once without a conf, so a read that fails during the
# stop is never retried and STOP_ARRAY never returns (state lock held: /proc/mdstat
# and every md/ attribute read block too).
# vda: 1 MiB at array 4 MiB has one "once" bad block per 4 KiB (R1's repair takes a
# while, with the array frozen); the 64 KiB after it always fails (R2, sequential
# to R1, so read_balance sends it to vda as well).
# run-vm: --disks 2 --disk-size 64M --fault vda:read:10240+2048:once:step=8 --fault vda:read:12288+128
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_data_offset /dev/vda 2048
stoprace /dev/md0 ${DELAY:-1000} > /tmp/sr.out 2>&1 &
sp=$!
wait_done $sp 30 || { cat /tmp/sr.out; hang_fail "STOP_ARRAY did not return in 30 s"; }
cat /tmp/sr.out
pass "STOP_ARRAY returned"
