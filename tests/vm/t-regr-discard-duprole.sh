# Regressions (issue 9), on two 64 MiB members:
# 1. (discard, defect 9) A failed discard clone is not a member error: md ignores
#    errors of discards (and of read-ahead and NOWAIT bios). A spare that cannot
#    discard (a loop device on ramfs: its discards end with BLK_STS_NOTSUPP) replaces
#    vdb; a discard of md0 then fails on it, and it must stay in the array.
# 2. (duprole, defect 10) Two members whose freshest superblock gives both role 0:
#    md's raid1 setup_conf finds the slot taken and refuses to run the array
#    (RUN_ARRAY: EINVAL, "md: pers->run() failed ..."); nothing on disk changes.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"

# --- 1: a failed discard
mkdir -p /mnt/r && mount -t ramfs ramfs /mnt/r || fail "mount ramfs"
dd if=/dev/zero of=/mnt/r/img bs=1M count=64 2>/dev/null
losetup /dev/loop0 /mnt/r/img || fail losetup
echo "vda discard_max_bytes: $(cat /sys/block/vda/queue/discard_max_bytes), loop0: $(cat /sys/block/loop0/queue/discard_max_bytes)"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
mdadm /dev/md0 --fail /dev/vdb >/dev/null 2>&1 || fail "--fail vdb"
sleep 1
mdadm /dev/md0 --remove /dev/vdb >/dev/null 2>&1 || fail remove
mdadm /dev/md0 --add /dev/loop0 > /tmp/add.out 2>&1 || { cat /tmp/add.out; fail "add loop0"; }
sync_fast
sleep 1
wait_idle recovery 60
grep -q "\[2/2\] \[UU\]" /proc/mdstat || { cat /proc/mdstat; fail "loop0 not recovered"; }
echo "md0 discard_max_bytes: $(cat /sys/block/md0/queue/discard_max_bytes)"
[ "$(cat /sys/block/md0/queue/discard_max_bytes)" != 0 ] || fail "md0 does not advertise discard (the test needs it)"
blkdiscard /dev/md0; echo "blkdiscard rc=$?"
sleep 1
cat /proc/mdstat
dmesg | grep -E "Disk failure|Operation continuing" | tail -3
grep -q "loop0\[.\](F)" /proc/mdstat && fail "a failed discard failed the member loop0"
grep -q "\[2/2\] \[UU\]" /proc/mdstat || fail "not [2/2] [UU] after the discard"
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop 1"
losetup -d /dev/loop0
mdadm --zero-superblock $M 2>/dev/null
pass "a failed discard left its member in the array"

# --- 2: two members claiming one slot
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop 2"
# dev_roles[1] (superblock byte 256 + 2) = 0 on both members
mdioctl /dev/vda sb1set 4096 258 le16 0 >/dev/null && mdioctl /dev/vdb sb1set 4096 258 le16 0 >/dev/null || fail sb1set
sbsum() { dd if=$1 bs=4096 skip=1 count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
before="$(sbsum /dev/vda) $(sbsum /dev/vdb)"
sleep 0.3; mknod_md 0
mdioctl /dev/md0 add 2 $M || fail "adding the members"
out=$(mdioctl /dev/md0 raw 0x400c0930 null); echo "RUN_ARRAY: $out"
cat /proc/mdstat
expect_eq "EINVAL 22" "$out" "RUN_ARRAY with two members in slot 0"
grep -q '^md0 : active' /proc/mdstat && fail "md0 runs with two members in slot 0"
dmesg_has "refused run" "md: pers->run() failed ..."
expect_eq "$before" "$(sbsum /dev/vda) $(sbsum /dev/vdb)" "superblocks after the refused run"
timeout 30 mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "stop 3"
pass "an array with two members in one slot is refused"
