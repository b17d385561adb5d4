# #15: on a 4Kn member a 1.1/1.2 superblock is written as a whole 4 KiB block, so a
# data offset inside that block (1.2: sectors 9..15, 1.1: 1..7) would put array data
# under the next superblock write. md rounds the superblock size to the logical block
# size (super_1_load) and refuses such a member; the same superblock on a 512-byte
# disk is fine. Checked through raw ADD_NEW_DISK and mdadm --assemble --run: the 4Kn
# member is refused with one log line, nothing on it is written, the array runs
# degraded on the other member.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M --disk-lbs vdb:4096
nbad=0
bad() { echo "FAIL: $*"; nbad=$((nbad + 1)); }
check_eq() { [ "$1" = "$2" ] || bad "$3: expected [$1], got [$2]"; }
m=0
mark() { m=$((m + 1)); echo "<6>t-regr-4kn-sb mark $m" > /dev/kmsg; }
# The md lines of level warning or worse logged since the last mark().
kwarn() { dmesg -r | sed -n "/t-regr-4kn-sb mark $m\$/,\$p" | sed -n 's/^<[0-4]>\[[ 0-9.]*\] \(md.*\)/\1/p'; }
per_impl() { if [ "$IMPL" = c ]; then printf '%s' "$1"; else printf '%s' "$2"; fi; }
# md5 of the device's first and last MiB as on the device.
fingerprint() {
    echo 3 > /proc/sys/vm/drop_caches
    { dd if="$1" bs=1M count=1 2>/dev/null; dd if="$1" bs=1M skip=63 count=1 2>/dev/null; } | md5sum
}
md0_gone() { ! grep -q '^md0 ' /proc/mdstat; }

expect_eq 512 "$(cat /sys/block/vda/queue/logical_block_size)" "vda logical block size"
expect_eq 4096 "$(cat /sys/block/vdb/queue/logical_block_size)" "vdb logical block size (run-vm --disk-lbs)"

# meta MINOR SB_BYTE BAD_OFFSET
for spec in "1.2 4096 12" "1.1 0 4"; do
    set -- $spec
    meta=$1 sbb=$2 off=$3
    minor=${meta#1.}
    echo "--- metadata $meta, data offset $off on the 4Kn member"
    mdadm --create /dev/md0 --run --assume-clean --metadata=$meta -l1 -n2 /dev/vda /dev/vdb > /tmp/out 2>&1 \
        || { cat /tmp/out; fail "create $meta"; }
    mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop $meta"; }
    wait_gone /sys/block/md0 || fail "md0 not freed after stop"
    # The crafted superblock: data at $off, no bad block log (so the overlap with the
    # superblock's block is the only thing wrong), checksum recomputed. vda gets the
    # same data offset: on a 512-byte disk it is valid.
    for d in vda vdb; do
        mdioctl /dev/$d sb1set $sbb 188 le32 0 > /dev/null || fail "$d: bblog_offset"
        mdioctl /dev/$d sb1set $sbb 186 le16 0 > /dev/null || fail "$d: bblog_size"
        mdioctl /dev/$d sb1set $sbb 128 le64 $off > /dev/null || fail "$d: data_offset"
    done
    expect_eq "$off" "$(data_offset /dev/vdb)" "$meta: crafted data offset"
    # The data the 4Kn member's array area starts with, after its superblock.
    dd if=/dev/urandom of=/dev/vdb bs=512 seek=$off count=$((64 - off)) conv=notrunc,fsync 2>/dev/null \
        || fail "fill vdb after the superblock"
    fb=$(fingerprint /dev/vdb)

    klog=$(per_impl "md: vdb does not have a valid v$meta superblock, not importing!
md: md_import_device returned -22" "md: vdb: invalid superblock: data overlaps superblock")

    mark
    mknod_md 0
    out=$(mdioctl /dev/md0 add $minor /dev/vda /dev/vdb)
    check_eq "SET_ARRAY_INFO: ok
vda: ok
vdb: EINVAL 22" "$out" "$meta: raw ADD_NEW_DISK"
    check_eq ok "$(mdioctl /dev/md0 raw 0x932)" "$meta: STOP_ARRAY of the inactive array"
    md0_gone || bad "$meta: md0 still listed after STOP_ARRAY"
    wait_gone /sys/block/md0 || bad "$meta: md0 not freed after STOP_ARRAY and close"
    check_eq "$klog" "$(kwarn)" "$meta: kernel warnings (raw ADD_NEW_DISK)"

    # mdadm passes vdb to the kernel, which refuses it; --run starts md0 on vda alone.
    mark
    out=$(mdadm --assemble --run /dev/md0 /dev/vda /dev/vdb 2>&1); rc=$?
    out=$(echo "$out" | grep -v '^mdadm: Fail to create md0 when using /sys/module/md_mod/parameters/new_array, fallback to creation via node$')
    check_eq 0 "$rc" "$meta: mdadm --assemble --run exit status"
    check_eq "mdadm: failed to add /dev/vdb to /dev/md0: Invalid argument
mdadm: /dev/md0 has been started with 1 drive (out of 2)." "$out" "$meta: mdadm --assemble --run output"
    check_eq "[2/1] [U_]" "$(mdstat_state | grep -o '\[.*')" "$meta: md0 in mdstat"
    # A write marks the superblock dirty: only vda's is written.
    dd if=/dev/urandom of=/dev/md0 bs=4096 count=16 oflag=direct 2>/dev/null || bad "$meta: write md0"
    mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "$meta: stop the degraded md0"; }
    wait_gone /sys/block/md0 || fail "md0 not freed after stop"
    kw=$(kwarn | grep -v -e '^md/raid1:md0: active with 1 out of 2 mirrors$' -e '^md0: detected capacity change')
    check_eq "$klog" "$kw" "$meta: kernel warnings (mdadm --assemble --run)"
    check_eq "$fb" "$(fingerprint /dev/vdb)" "$meta: first+last MiB of the refused vdb"
    echo "done: metadata $meta"
done
[ $nbad -eq 0 ] || fail "$nbad checks failed"
pass "4Kn superblock/data overlap refused ($IMPL)"
