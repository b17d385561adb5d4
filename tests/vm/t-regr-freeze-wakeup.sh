# Regression (issue 9, defect 4): a failed request queued for the array thread must
# wake a freeze waiter. 64 concurrent O_DIRECT reads (fio, libaio, sequential, so all
# on vda) over a range vda cannot read: the array thread freezes the array to repair the
# first failed read (it waits until every other request in flight is queued), and the
# other reads fail and are queued meanwhile. md's reschedule_retry wakes wait_barrier;
# without that wake the array thread and every submitter hang for good. Every read
# is then served by vdb, and the array stops. (fio submits the 64 reads in one
# io_submit; the review's aiostop also stopped the array with them in flight, which
# is another defect's test.)
# impls: rust c
# run-vm: --disks 2 --disk-size 64M --fault vda:read:10240+16384
# group: freeze
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 /dev/vda /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_data_offset /dev/vda 2048
# Array MiB 4..8 (vda sectors 10240..18431) on vdb only: a known pattern.
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
dd if=/tmp/pat of=/dev/vdb bs=1M seek=5 oflag=direct conv=notrunc 2>/dev/null || fail "pattern onto vdb"
fio --name=r --filename=/dev/md0 --rw=read --bs=64k --offset=4M --size=4M --direct=1 \
    --ioengine=libaio --iodepth=64 --iodepth_batch_submit=64 --iodepth_batch_complete_min=1 \
    > /tmp/aio.out 2>&1 &
ap=$!
wait_done $ap 20 || { cat /tmp/aio.out; hang_fail "64 reads failing on vda together did not complete in 20 s (freeze never woken)"; }
cat /tmp/aio.out
wait $ap || fail "fio: a read failed although vdb holds the data"
dmesg_has "rescheduling" "rescheduling sector"
# The data read through md0 is vdb's.
a=$(dd if=/dev/md0 bs=1M skip=4 count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
b=$(md5sum < /tmp/pat | cut -d' ' -f1)
expect_eq "$b" "$a" "array MiB 4..8 read back"
cat /proc/mdstat
timeout 30 mdadm --stop /dev/md0 >/tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "mdadm --stop"; }
pass "failed reads queued during a freeze woke it; all served by vdb"
