# #16: a member that joins a running array (a spare taking a failed member's slot)
# brings its queue limits with it, as md's mddev_stack_new_rdev does in
# raid1_add_disk: a 4Kn spare recovered into an array of two 512-byte disks raises
# the array's logical block size to 4096 before any bio is cloned to it, so a
# 512-byte direct write to the array is refused up front (EINVAL) instead of being
# cloned misaligned to the 4Kn member and failing it. The array stays [2/2] [UU]
# and the members identical. An array started with a 4Kn spare stacks it too.
# impls: rust c
# run-vm: --disks 3 --disk-size 64M --disk-lbs vdc:4096
lbs() { cat /sys/block/$1/queue/logical_block_size; }
expect_eq 4096 "$(lbs vdc)" "vdc logical block size (run-vm --disk-lbs)"
sync_fast
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 /dev/vda /dev/vdb > /tmp/out 2>&1 \
    || { cat /tmp/out; fail "create"; }
expect_eq 512 "$(lbs md0)" "md0 logical block size of two 512-byte members"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
dd if=/tmp/pattern of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "write the pattern"

mdadm /dev/md0 --add /dev/vdc > /tmp/out 2>&1 || { cat /tmp/out; fail "--add vdc"; }
expect_eq spare "$(cat $MD/dev-vdc/state)" "vdc after --add to a full array"
mdadm /dev/md0 --fail /dev/vdb > /tmp/out 2>&1 || { cat /tmp/out; fail "--fail vdb"; }
wait_action "recovery onto vdc" recover
wait_idle "recovery onto vdc" 120
mdadm /dev/md0 --remove /dev/vdb > /tmp/out 2>&1 || { cat /tmp/out; fail "--remove vdb"; }
expect_eq "[2/2] [UU]" "$(mdstat_state | grep -o '\[.*')" "md0 after recovery onto vdc"
expect_eq in_sync "$(cat $MD/dev-vdc/state)" "vdc after recovery"
expect_eq 4096 "$(lbs md0)" "md0 logical block size with vdc in a slot"

# A 512-byte direct write no longer fits the array's blocks: refused by the block layer.
# (fio, not busybox dd: that retries a refused O_DIRECT write without O_DIRECT.)
fio --name=w512 --filename=/dev/md0 --rw=write --bs=512 --size=512 --offset=512 \
    --direct=1 --ioengine=psync > /tmp/fio.out 2>&1 \
    && { cat /tmp/fio.out; fail "a 512-byte direct write at sector 1 of md0 was accepted"; }
grep -q 'err=22' /tmp/fio.out || { cat /tmp/fio.out; fail "512-byte direct write: not EINVAL"; }
# 4 KiB direct writes go to both members.
dd if=/dev/urandom of=/tmp/more bs=4096 count=64 2>/dev/null
dd if=/tmp/more of=/dev/md0 bs=4096 seek=2048 oflag=direct 2>/dev/null || fail "4 KiB direct writes"
# Buffered writes through the page cache too.
dd if=/tmp/more of=/dev/md0 bs=512 seek=24576 conv=notrunc,fsync 2>/dev/null || fail "buffered writes"
expect_eq "[2/2] [UU]" "$(mdstat_state | grep -o '\[.*')" "md0 after the writes"
expect_eq in_sync "$(cat $MD/dev-vdc/state)" "vdc after the writes"
dmesg_lacks "writes" "Disk failure on vdc"
expect_eq "$(md5sum < /tmp/pattern)" "$(dd if=/dev/md0 bs=1M count=4 iflag=direct 2>/dev/null | md5sum)" "pattern read back"
expect_eq "$(md5sum < /tmp/more)" "$(dd if=/dev/md0 bs=4096 skip=2048 count=64 iflag=direct 2>/dev/null | md5sum)" "4 KiB writes read back"
check_clean "check after the writes"
mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop"; }
members_identical "after stop" /dev/vda /dev/vdc

# When an array starts, the limits stack every member, spares too (raid1_set_limits).
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 -x1 /dev/vda /dev/vdb /dev/vdc > /tmp/out 2>&1 \
    || { cat /tmp/out; fail "create with a 4Kn spare"; }
expect_eq spare "$(cat $MD/dev-vdc/state)" "vdc created as a spare"
expect_eq 4096 "$(lbs md0)" "md0 logical block size with a 4Kn spare"
mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop"; }
pass "4Kn spare restacks the queue limits ($IMPL)"
