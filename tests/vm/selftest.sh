#!/bin/sh
# Smoke test of qemu/run-vm itself (runs in the guest):
#   qemu/run-vm --impl c tests/vm/selftest.sh
# Creates a RAID1 over /dev/vda and /dev/vdb with whatever md is loaded, puts
# ext4 on it, writes a file, does a small O_DIRECT fio write, stops the array.
set -eux

test -e /proc/mdstat
cat /proc/mdstat
mdadm --create /dev/md0 --run -l1 -n2 /dev/vda /dev/vdb
cat /proc/mdstat
mkfs.ext4 -q -F /dev/md0
mkdir -p /mnt/md0
mount -t ext4 /dev/md0 /mnt/md0
echo "hello from run-vm" > /mnt/md0/hello
sync
umount /mnt/md0
e2fsck -fn /dev/md0
mount -t ext4 /dev/md0 /mnt/md0
grep -q "hello from run-vm" /mnt/md0/hello
umount /mnt/md0
fio --name=t --filename=/dev/md0 --rw=write --bs=64k --size=16M --direct=1 \
    --ioengine=libaio --output-format=terse --terse-version=3 >/tmp/fio.out
cut -d';' -f1-7 /tmp/fio.out
mdadm --detail /dev/md0
mdadm --stop /dev/md0
cat /proc/mdstat
echo "selftest: OK"
