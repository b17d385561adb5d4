# Write-intent bitmap (issue 11, test 6): bad bitmap superblocks written onto the
# members of a stopped 1.2 array (at the bitmap offset --examine gives), then the
# array assembled. As the C md: a bad magic, an unknown version, a chunk size below
# 512 or not a power of two, a daemon sleep of 0, a write-behind limit above 16383
# or another array's UUID refuse the array ("invalid bitmap file superblock: REASON"
# or "bitmap superblock UUID mismatch", then "failed to create bitmap (-22)"); a
# sync size beyond the device is corrected (the array starts with its bitmap, Sync
# Size = the array's); a chunk size so small that the bitmap would run into the
# data area (512 B over 256 MiB: 64 KiB of bits in the 56 KiB before the data) starts
# without touching the data. mdadm 4.2 itself dies (SIGFPE) on chunk size 0, so
# that one is assembled through sysfs (metadata_version, new_dev, array_state).
# Afterwards the restored bitmap assembles and the data is intact. No splat.
# impls: rust c
# run-vm: --disks 2 --disk-size 256M
# group: bitmap256
M="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 --data-offset=64K \
    --bitmap=internal --bitmap-chunk=1M $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
expect_data_offset /dev/vda 128
mdadm --examine /dev/vda > /tmp/ex.out
sb=$(sed -n 's/^ *Super Offset : \([0-9]*\) sectors.*/\1/p' /tmp/ex.out)
bo=$(sed -n 's/^ *Internal Bitmap : \([0-9-]*\) sectors from superblock.*/\1/p' /tmp/ex.out)
[ -n "$sb" ] && [ -n "$bo" ] || { cat /tmp/ex.out; fail "no Super Offset / Internal Bitmap in --examine"; }
B=$(( (sb + bo) * 512 ))   # byte offset of the bitmap superblock on each member
echo "bitmap superblock at byte $B (superblock at sector $sb, bitmap at +$bo)"
array_kib=$(mdadm --detail /dev/md0 | sed -n 's/^ *Array Size : \([0-9]*\) .*/\1/p')
dd if=/dev/urandom of=/tmp/data bs=1M count=4 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=1M seek=0 conv=fsync 2>/dev/null || fail "write data"
sum=$(md5sum < /tmp/data | cut -d' ' -f1)
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
echo 3 > /proc/sys/vm/drop_caches
for d in $M; do
    dd if=$d of=/tmp/bsb.${d#/dev/} bs=512 skip=$((B / 512)) count=1 2>/dev/null || fail "save the bitmap superblock of $d"
done
od -A d -t x1 /tmp/bsb.vda | head -5
# The saved copy is a valid bitmap superblock of this array.
[ "$(head -c4 /tmp/bsb.vda)" = bitm ] || fail "no bitmap superblock at byte $B"

restore() { for d in $M; do dd if=/tmp/bsb.${d#/dev/} of=$d bs=512 seek=$((B / 512)) count=1 conv=notrunc,fsync 2>/dev/null || fail "restore $d"; done; }
# corrupt CASE: writes the case's bad field(s) into every member's bitmap superblock
# (offsets: bitmap_super_t of md-bitmap.h, little-endian).
corrupt() {
    for d in $M; do
        case $1 in
            magic) put_le $d $B 4 0x12345678 ;;
            version) put_le $d $((B + 4)) 4 9 ;;
            uuid) put_le $d $((B + 8)) 4 0xdeadbeef ;;
            syncsize) put_le $d $((B + 40)) 8 $((1 << 40)) ;;
            chunk0) put_le $d $((B + 52)) 4 0 ;;
            chunk256) put_le $d $((B + 52)) 4 256 ;;
            chunk3000) put_le $d $((B + 52)) 4 3000 ;;
            chunk512) put_le $d $((B + 52)) 4 512 ;;
            daemon0) put_le $d $((B + 56)) 4 0 ;;
            writebehind) put_le $d $((B + 60)) 4 20000 ;;
            *) fail "unknown case $1" ;;
        esac
    done
}
# assemble_sysfs: what mdadm --assemble does, through sysfs (the array stays
# configured, inactive, when array_state active fails).
assemble_sysfs() {
    mknod_md 0
    exec 3< /dev/md0
    echo 1.2 > $MD/metadata_version || fail "metadata_version 1.2"
    for d in $M; do cat /sys/block/${d#/dev/}/dev > $MD/new_dev || fail "new_dev $d"; done
    bash -c "echo active > $MD/array_state" 2> /tmp/as.err
    _rc=$?
    exec 3<&-
    return $_rc
}
# run_case CASE OUTCOME [KERNEL LINE]: OUTCOME refused (no array runs; the line is
# in the log) or started (md0 runs with its bitmap; the line, if given, is in the log).
run_case() {
    restore
    corrupt "$1"
    dmesg -c | grep -E "md|bitmap|raid" | sed "s/^/  (earlier) /"
    if [ "$1" = chunk0 ]; then
        assemble_sysfs; rc=$?
    else
        mdadm --assemble /dev/md0 $M > /tmp/as.out 2>&1; rc=$?
    fi
    st=$(cat $MD/array_state 2>/dev/null || echo none)
    echo "case $1: assemble status $rc, array_state $st, kernel: $(dmesg | grep -E 'bitmap|md0' | grep -v 'capacity change' | tr '\n' '|')"
    case $2 in
        refused)
            [ "$rc" != 0 ] || fail "case $1: assembled, md refuses it"
            grep -q '^md0 : active' /proc/mdstat && { cat /proc/mdstat; fail "case $1: md0 active"; }
            dmesg_has "case $1" "$3"
            dmesg_has "case $1" "md0: failed to create bitmap (-22)"
            ;;
        started)
            [ "$rc" = 0 ] || { cat /tmp/as.out; fail "case $1: assembly failed (status $rc)"; }
            expect_eq clean "$st" "case $1: array_state"
            [ -n "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "case $1: started without the bitmap"; }
            [ $# -ge 3 ] && dmesg_has "case $1" "$3"
            dmesg_lacks "case $1" "failed to create bitmap"
            mdstat_bitmap
            expect_eq "$sum" "$(region_md5 /dev/md0 0 $((4 << 20)))" "case $1: data"
            ;;
    esac
    mdadm --stop /dev/md0 > /dev/null 2>&1
    [ -e $MD ] && { echo clear > $MD/array_state 2>/dev/null; mdadm --stop /dev/md0 > /dev/null 2>&1; }
    grep -q '^md0' /proc/mdstat && { cat /proc/mdstat; fail "case $1: md0 left over"; }
    pass "case $1: $2"
}
run_case magic refused "md0: invalid bitmap file superblock: bad magic"
run_case version refused "md0: invalid bitmap file superblock: unrecognized superblock version"
run_case chunk0 refused "md0: invalid bitmap file superblock: bitmap chunksize too small"
run_case chunk256 refused "md0: invalid bitmap file superblock: bitmap chunksize too small"
run_case chunk3000 refused "md0: invalid bitmap file superblock: bitmap chunksize not a power of 2"
run_case daemon0 refused "md0: invalid bitmap file superblock: daemon sleep period out of range"
run_case writebehind refused "md0: invalid bitmap file superblock: write-behind limit out of range (0 - 16383)"
run_case uuid refused "md0: bitmap superblock UUID mismatch"
run_case syncsize started
# md rewrites sync_size with the array's size.
mdadm --assemble /dev/md0 $M > /dev/null 2>&1 || fail "assemble after syncsize"
mdadm --stop /dev/md0 > /dev/null 2>&1
mdadm --assemble /dev/md0 $M > /dev/null 2>&1 || fail "assemble after syncsize (2)"
bm_sane "after a bad sync_size" /dev/vda "$array_kib"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
run_case chunk512 started
# The first MiBs of data right after the bitmap area are intact (checked with the
# restored bitmap: the 512 B chunk bitmap would have run into them).
restore
mdadm --assemble /dev/md0 $M > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "assemble with the restored bitmap"; }
bm_sane "restored bitmap" /dev/vda "$array_kib"
expect_eq "$sum" "$(region_md5 /dev/md0 0 $((4 << 20)))" "data with the restored bitmap"
check_window "restored bitmap" 0 262144
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
pass "corrupt bitmap superblocks ($IMPL)"
