# Write-intent bitmap (issue 11, test 4): `mdadm --grow --bitmap=internal` and then
# `--grow --bitmap=none` on a running array while an application writes and
# verifies through md0 (fio, O_DIRECT, crc32c-verified blocks, a new seed per
# pass). With the bitmap: mdstat's bitmap line, `mdadm -X` valid on both members,
# --detail "Intent Bitmap : Internal", md/bitmap/location +8 and writes mark
# chunks dirty; without it: no bitmap line, -X finds none, --detail none, location
# "none", feature map without the bitmap bit. fio never sees an error or bad data,
# and a check of the region written finds no mismatch.
# impls: rust c
# run-vm: --disks 2 --disk-size 256M
# group: bitmap256
M="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=none $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
array_kib=$(mdadm --detail /dev/md0 | sed -n 's/^ *Array Size : \([0-9]*\) .*/\1/p')
[ -z "$(mdstat_bitmap)" ] || fail "a bitmap line before --grow"
fio_pass() { # N
    fio --name=p$1 --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 \
        --rw=randwrite --bs=16k --offset=16M --size=32M --io_size=2M --randseed=$((1000 + $1)) \
        --verify=crc32c --verify_backlog=64 --verify_fatal=1 --do_verify=1 \
        --output=/tmp/fio.$1.out > /dev/null 2>&1
    echo $? > /tmp/fio.$1.rc
}
(
    n=1
    while [ ! -e /tmp/fio.stop ]; do
        fio_pass $n
        [ "$(cat /tmp/fio.$n.rc)" = 0 ] || break
        echo $n > /tmp/fio.done
        n=$((n + 1))
    done
) &
fio_loop=$!
sleep 3
no_bitmap() { # WHAT
    [ -z "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "$1: mdstat has a bitmap line"; }
    bm_x /dev/vda && { cat /tmp/bmx.out; fail "$1: mdadm -X finds a bitmap on vda"; }
    grep -q "doesn't have bitmap" /tmp/bmx.out || { cat /tmp/bmx.out; fail "$1: mdadm -X vda"; }
    mdadm --detail /dev/md0 > /tmp/detail.out
    grep -q 'Intent Bitmap' /tmp/detail.out && { cat /tmp/detail.out; fail "$1: --detail shows an intent bitmap"; }
    grep -Eq '^ *Consistency Policy : resync$' /tmp/detail.out || { cat /tmp/detail.out; fail "$1: --detail consistency policy"; }
    expect_eq none "$(cat $MD/bitmap/location)" "$1: md/bitmap/location"
    mdadm --examine /dev/vda | grep -Eq '^ *Feature Map : 0x0$' || { mdadm --examine /dev/vda; fail "$1: feature map of vda"; }
}
no_bitmap "before --grow"

# --- add the bitmap
mdadm --grow /dev/md0 --bitmap=internal > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "--grow --bitmap=internal"; }
cat /tmp/grow.out
[ -n "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "no bitmap line after --grow --bitmap=internal"; }
echo "mdstat: $(mdstat_bitmap)"
for d in $M; do bm_sane "after --grow --bitmap=internal" $d "$array_kib"; done
mdadm --detail /dev/md0 > /tmp/detail.out
grep -Eq '^ *Intent Bitmap : Internal$' /tmp/detail.out || { cat /tmp/detail.out; fail "--detail: no Intent Bitmap : Internal"; }
grep -Eq '^ *Consistency Policy : bitmap$' /tmp/detail.out || { cat /tmp/detail.out; fail "--detail consistency policy bitmap"; }
expect_eq +8 "$(cat $MD/bitmap/location)" "md/bitmap/location"
mdadm --examine /dev/vda | grep -Eq '^ *Internal Bitmap : 8 sectors from superblock$' || { mdadm --examine /dev/vda; fail "--examine: no internal bitmap"; }
# The writes keep chunks of the region dirty.
sleep 3
d1=$(bm_dirty /dev/vda)
echo "bitmap-grow: chunk=$(sed -n 's/^ *Chunksize : //p' /tmp/bmx.out) dirty=$d1 of $(bm_bits /dev/vda) while fio writes"
[ "$d1" -gt 0 ] || fail "no dirty chunk while fio writes"
done1=$(cat /tmp/fio.done 2>/dev/null || echo 0)
pass "bitmap added under I/O"

# --- remove it
mdadm --grow /dev/md0 --bitmap=none > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "--grow --bitmap=none"; }
no_bitmap "after --grow --bitmap=none"
pass "bitmap removed under I/O"
# fio keeps going (at least one more pass) without the bitmap.
i=0
while [ "$(cat /tmp/fio.done 2>/dev/null || echo 0)" -le "$((done1 + 1))" ]; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "fio made no progress after --bitmap=none"
    kill -0 $fio_loop 2>/dev/null || break
    sleep 0.2
done
touch /tmp/fio.stop
wait $fio_loop
for f in /tmp/fio.*.rc; do
    [ "$(cat $f)" = 0 ] || { cat "${f%.rc}.out"; fail "fio pass ${f#/tmp/fio.} failed"; }
done
echo "bitmap-grow: $(ls /tmp/fio.*.rc | wc -l) fio passes verified"
sync_fast
check_window "after the grows" 0 $(( (48 << 20) / 512 ))
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
pass "grow bitmap internal/none ($IMPL)"
