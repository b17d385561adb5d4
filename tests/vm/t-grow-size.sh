# mdadm --grow --size (md's update_size + raid1_resize, dev-NAME/size through the
# superblock's rdev_size_change) on arrays created smaller than their members, 1.2
# and 1.0: --size=max takes all the space (component_size, the disk's capacity,
# --detail Used Dev Size, --examine Array Size), the new region is resynced and the old data
# stays; a size past the members is refused (ENOSPC); shrinking back keeps the front;
# check finds 0 mismatches and the size survives a stop and assemble.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M=/sys/block/md0/md
sync_fast

md0_bytes() { blockdev --getsize64 /dev/md0; }
# array_kib DEV: "Array Size" (KiB) of DEV's superblock.
array_kib() { mdadm --examine "/dev/$1" | sed -n 's/^ *Array Size : \([0-9]*\) KiB.*/\1/p'; }

# size_case META MAX_KIB: one metadata version; MAX_KIB is what --size=max gives
# (a multiple of 16 KiB here).
size_case() {
    _meta=$1 _max=$2
    mdadm --create /dev/md0 --run --assume-clean -e $_meta -l1 -n2 --size=32768 /dev/vda /dev/vdb \
        > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "$_meta: mdadm --create --size=32768"; }
    expect_eq 32768 "$(cat $M/component_size)" "$_meta: component_size after create"
    dd if=/dev/urandom of=/tmp/front bs=1M count=32 2>/dev/null
    dd if=/tmp/front of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "$_meta: writing the front"
    FRONT=$(md5sum < /tmp/front | cut -d' ' -f1); rm -f /tmp/front

    # Past the members: refused, nothing changes.
    mdadm --grow /dev/md0 --size=200000 > /tmp/grow.out 2>&1 && { cat /tmp/grow.out; fail "$_meta: --size=200000 accepted"; }
    grep -q "No space left on device" /tmp/grow.out || { cat /tmp/grow.out; fail "$_meta: --size=200000: mdadm's message"; }
    expect_eq 32768 "$(cat $M/component_size)" "$_meta: component_size after the refused grow"

    # --size=max: all the space, the new region resynced.
    mdadm --grow /dev/md0 --size=max > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "$_meta: --grow --size=max"; }
    cat /tmp/grow.out
    grep -q "component size of /dev/md0 has been set to ${_max}K" /tmp/grow.out || fail "$_meta: mdadm's message for --size=max"
    expect_eq "$_max" "$(cat $M/component_size)" "$_meta: component_size after --size=max"
    expect_eq $((_max * 1024)) "$(md0_bytes)" "$_meta: md0's capacity after --size=max"
    wait_action "$_meta: --size=max" resync
    wait_idle "$_meta: resync of the new region"
    expect_eq none "$(cat $M/resync_start)" "$_meta: resync_start after the resync"
    expect_eq "$_max blocks super $_meta [2/2] [UU]" "$(mdstat_state)" "$_meta: mdstat after --size=max"
    expect_eq "$_max" "$(array_kib vda)" "$_meta: --examine vda Array Size"
    mdadm --detail /dev/md0 | grep -Eq "^ *Used Dev Size : $_max " || { mdadm --detail /dev/md0; fail "$_meta: --detail Used Dev Size"; }
    expect_eq "$FRONT" "$(dd if=/dev/md0 bs=1M count=32 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)" "$_meta: the front after --size=max"
    # The new region takes data like the rest.
    dd if=/dev/urandom of=/tmp/back bs=16k count=$(((_max - 32768) / 16)) 2>/dev/null
    dd if=/tmp/back of=/dev/md0 bs=16k seek=2048 oflag=direct 2>/dev/null || fail "$_meta: writing the new region"
    BACK=$(md5sum < /tmp/back | cut -d' ' -f1); rm -f /tmp/back
    expect_eq "$BACK" "$(dd if=/dev/md0 bs=16k skip=2048 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)" "$_meta: the new region"
    check_clean "$_meta: check after --size=max"
    pass "$_meta: --size=max: $(mdstat_state)"

    # Stop and assemble: the size is on disk.
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$_meta: mdadm --stop"
    mdadm --assemble /dev/md0 /dev/vda /dev/vdb > /tmp/asm.out 2>&1 || { cat /tmp/asm.out; fail "$_meta: mdadm --assemble"; }
    expect_eq "$_max" "$(cat $M/component_size)" "$_meta: component_size after assembling"
    expect_eq "$BACK" "$(dd if=/dev/md0 bs=16k skip=2048 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)" "$_meta: the new region after assembling"

    # Shrinking back keeps the front (and resyncs nothing).
    mdadm --grow /dev/md0 --size=32768 > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "$_meta: --grow --size=32768"; }
    expect_eq 32768 "$(cat $M/component_size)" "$_meta: component_size after shrinking"
    expect_eq $((32768 * 1024)) "$(md0_bytes)" "$_meta: md0's capacity after shrinking"
    expect_eq idle "$(cat $M/sync_action)" "$_meta: sync_action after shrinking"
    expect_eq 32768 "$(array_kib vdb)" "$_meta: --examine vdb Array Size after shrinking"
    expect_eq "$FRONT" "$(dd if=/dev/md0 bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)" "$_meta: the front after shrinking"
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$_meta: mdadm --stop after shrinking"
    mdadm --zero-superblock /dev/vda /dev/vdb
    pass "$_meta: shrunk back, assembled, data intact ($IMPL)"
}

size_case 1.2 64512
size_case 1.0 65520
