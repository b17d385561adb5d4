# Regression (issue 9, #4 with #7): 64 reads failing on vda at once while STOP_ARRAY follows on the same fd: the freeze for the first repair ends, the stop drains the retries.
# impls: rust c
# Repro: 64 concurrent O_DIRECT reads (aiostop submits them, sequential, so all go to
# vda) over a range where vda cannot be read. The array thread freezes the array to
# repair the first failed read (freeze(1) waits for total_pending == nr_queued + 1);
# the other reads fail while it waits and are queued with nr_queued++ but no wake of
# conf.wq (put_r1), so the freeze never ends: the array thread and every submitter
# (io_submit here) hang for good. STOP_ARRAY is never even reached. C md: fine.
# run-vm: --disks 2 --disk-size 64M --fault vda:read:10240+16384
# group: freeze
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_data_offset /dev/vda 2048
aiostop /dev/md0 64 65536 4 > /tmp/aio.out 2>&1 &
ap=$!
wait_done $ap 20 || { cat /tmp/aio.out; hang_fail "STOP_ARRAY with failed reads in flight did not return in 20 s"; }
cat /tmp/aio.out
pass "STOP_ARRAY returned"
