# `make run`: the first thing a new user runs. Two virtio disks, a RAID1 made
# by the unmodified mdadm on md_mod, a filesystem, data that survives stop and
# assemble.
set -e
step() { printf '\n### %s\n' "$*"; }
step "md_mod is loaded"
grep md_mod /proc/modules
step "mdadm --create /dev/md0 --run --assume-clean --level=1 --raid-devices=2 /dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --assume-clean --level=1 --raid-devices=2 /dev/vda /dev/vdb
step "cat /proc/mdstat"
cat /proc/mdstat
step "mkfs.ext4 /dev/md0, mount, write 32 MiB, read back"
mkfs.ext4 -q /dev/md0
mkdir -p /mnt
mount /dev/md0 /mnt
dd if=/dev/urandom of=/mnt/data bs=1M count=32 2>/dev/null
md5sum /mnt/data | tee /tmp/sum
sync
echo 3 > /proc/sys/vm/drop_caches
md5sum -c /tmp/sum
step "mdadm --detail /dev/md0"
mdadm --detail /dev/md0
umount /mnt
step "mdadm --stop /dev/md0"
mdadm --stop /dev/md0
step "mdadm --examine /dev/vdb"
mdadm --examine /dev/vdb
step "mdadm --assemble /dev/md0 /dev/vda /dev/vdb"
mdadm --assemble /dev/md0 /dev/vda /dev/vdb
cat /proc/mdstat
mount /dev/md0 /mnt
step "the data after stop and assemble"
md5sum -c /tmp/sum
umount /mnt
mdadm --stop /dev/md0
step "kernel log"
dmesg | grep -E '(^|\] )(md[:/]|md0:)'
step "done: data intact"
