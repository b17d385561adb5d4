# Write-intent bitmap (issue 11, test 1): arrays created by the C md over members
# above 100 GiB (sparse disks), where mdadm 4.2 adds an internal bitmap by default
# (0.90, 1.0, 1.2, --assume-clean), run on the implementation under test and go back
# to the C md. Under the implementation under test: the array starts with its bitmap
# (mdstat bitmap line, `mdadm -X` valid on both members, --detail "Intent Bitmap :
# Internal"), the regions the C md wrote read back intact, a new region is written.
# Back under the C md: the array assembles clean (no resync), keeps its bitmap, every
# region reads back intact, and checks of windows (sync_min/sync_max: the first
# 64 MiB and each written region; a whole check of 100 GiB is too slow under TCG)
# find no mismatch.
# impls: rust c
# run-vm: --disks 2 --disk-size 101G
M="/dev/vda /dev/vdb"
MIB_REGIONS="8 40000 100000"   # written by the C md at create (MiB offsets)
MIB_NEW=70000                  # written under the implementation under test
sync_fast
# put_region MIB: 1 MiB of random data at MIB of md0, checksum in /tmp/sum.MIB.
put_region() {
    dd if=/dev/urandom of=/tmp/region bs=1M count=1 2>/dev/null
    dd if=/tmp/region of=/dev/md0 bs=1M seek="$1" count=1 conv=notrunc,fsync 2>/dev/null || fail "write md0 at $1 MiB"
    md5sum < /tmp/region | cut -d' ' -f1 > "/tmp/sum.$1"
}
regions_ok() { # WHAT MIB...
    _w=$1; shift
    for _o in "$@"; do
        expect_eq "$(cat /tmp/sum.$_o)" "$(region_md5 /dev/md0 $((_o * 1048576)) 1048576)" "$_w: region at $_o MiB"
    done
}
# has_bitmap WHAT: md0 runs with its internal bitmap, both members' bitmaps valid.
has_bitmap() {
    [ -n "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "$1: no bitmap line in mdstat"; }
    mdadm --detail /dev/md0 > /tmp/detail.out
    grep -Eq '^ *Intent Bitmap : Internal$' /tmp/detail.out || { cat /tmp/detail.out; fail "$1: --detail: no Intent Bitmap : Internal"; }
    for _d in $M; do bm_sane "$1" $_d "$kib"; done
}
windows_clean() { # WHAT
    check_window "$1" 0 131072
    for _o in $MIB_REGIONS $MIB_NEW; do
        check_window "$1" $((_o * 2048 - 2048)) $((_o * 2048 + 4096))
    done
}
switch_to() { # FROM TO
    unload_md "$1" || fail "rmmod $1"
    load_md "$2" || fail "insmod $2"
}
cur=$IMPL
for meta in 0.90 1.0 1.2; do
    t0=$(uptime_s)
    [ $cur = c ] || { switch_to $cur c; cur=c; }
    mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=$meta $M > /tmp/create.out 2>&1 \
        || { cat /tmp/create.out; fail "$meta: create under the C md"; }
    kib=$(mdadm --detail /dev/md0 | sed -n 's/^ *Array Size : \([0-9]*\) .*/\1/p')
    [ "$kib" -gt $((100 << 20)) ] || fail "$meta: array of $kib KiB, not above 100 GiB"
    has_bitmap "$meta: created by the C md (mdadm's default bitmap)"
    echo "$meta: $(mdstat_bitmap); $(sed -n 's/^ *\(Chunksize : .*\)$/\1/p' /tmp/bmx.out)"
    for o in $MIB_REGIONS; do put_region $o; done
    rm -f /tmp/sum.$MIB_NEW
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$meta: stop under the C md"

    switch_to c $IMPL; cur=$IMPL
    mdadm --assemble /dev/md0 $M > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "$meta: assemble under $IMPL"; }
    has_bitmap "$meta: under $IMPL"
    grep -q '\[2/2\] \[UU\]' /proc/mdstat || { cat /proc/mdstat; fail "$meta: not [2/2] [UU] under $IMPL"; }
    regions_ok "$meta: under $IMPL" $MIB_REGIONS
    put_region $MIB_NEW
    regions_ok "$meta: under $IMPL" $MIB_NEW
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$meta: stop under $IMPL"
    for d in $M; do
        mdadm --examine $d > /tmp/ex.out 2>&1
        grep -Eq '^ +State : clean$' /tmp/ex.out || { cat /tmp/ex.out; fail "$meta: $d not clean after $IMPL stopped it"; }
    done

    switch_to $IMPL c; cur=c
    dmesg -c | grep -E "md|bitmap|raid" | sed "s/^/  (earlier) /"
    mdadm --assemble /dev/md0 $M > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "$meta: assemble back under the C md"; }
    sleep 1
    dmesg_lacks "$meta: back under the C md" "not clean"
    expect_eq idle "$(cat $MD/sync_action)" "$meta: sync_action back under the C md"
    has_bitmap "$meta: back under the C md"
    regions_ok "$meta: back under the C md" $MIB_REGIONS $MIB_NEW
    windows_clean "$meta: back under the C md"
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$meta: stop back under the C md"
    mdadm --zero-superblock $M || fail "$meta: zero-superblock"
    echo "bitmap-big: $meta C -> $IMPL -> C in $(secs_since $t0)s"
    pass "$meta: C md -> $IMPL -> C md with the bitmap"
done
[ $cur = $IMPL ] || switch_to $cur $IMPL
pass "big arrays with mdadm's default bitmap ($IMPL)"
