# An internal write-intent bitmap added to and removed from running arrays, as
# mdadm 4.2 does it (--grow --bitmap=internal: the bitmap written onto each in-sync
# member, then md/bitmap/location; --grow --bitmap=none: SET_ARRAY_INFO without
# MD_SB_BITMAP_PRESENT), under a verifying writer. 1.2: the bitmap shows in mdstat,
# --detail, -X and md/bitmap/; a fail/remove/write/re-add recovers only the dirty
# chunks; removed, it is gone everywhere; data verified, check 0. 0.90: the same
# add and remove, and the SET_ARRAY_INFO add at md's default place. Every
# md/bitmap/ file reads as the C md's at each step (same expectations for both).
# impls: rust c
# run-vm: --disks 4 --disk-size 64M
M="/dev/vda /dev/vdb"
# md/bitmap/'s files in one line (can_clear apart: under writes it flips with each
# superblock update and the daemon pass after it).
bmfiles() {
    for f in location space time_base backlog chunksize metadata max_backlog_used; do
        printf '%s=%s ' $f "$(cat $MD/bitmap/$f)"
    done | sed 's/ $//'
}
# The bitmap line of md0 in /proc/mdstat ("bitmap: N/M pages [XKB], YKB chunk"), if any.
mdstat_bitmap() { sed -n '/^md0 :/,/^$/p' /proc/mdstat | sed -n 's/^ *\(bitmap: .*\)/\1/p'; }
# "N bits (chunks), M dirty" of mdadm -X on DEV.
x_bits() { mdadm -X "$1" 2>&1 | sed -n 's/^ *Bitmap : \([0-9]*\) bits (chunks), \([0-9]*\) dirty.*/\1 \2/p'; }

mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 --bitmap=none $M \
    > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
sync_fast
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after create"
[ -d $MD/bitmap ] || fail "no $MD/bitmap/"
for f in location space time_base backlog chunksize metadata can_clear max_backlog_used; do
    expect_eq 644 "$(stat -c %a $MD/bitmap/$f)" "mode of bitmap/$f"
done
expect_eq "location=none space=0 time_base=0 backlog=0 chunksize=0 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "md/bitmap/ without a bitmap"
expect_eq "" "$(cat $MD/bitmap/can_clear)" "can_clear without a bitmap"
expect_eq absent "$(mdioctl /dev/md0 bitmap state)" "GET_ARRAY_INFO bit 8 without a bitmap"
expect_eq "" "$(mdstat_bitmap)" "mdstat bitmap line without a bitmap"
expect_eq resync "$(cat $MD/consistency_policy)" "consistency_policy without a bitmap"
# Refusals without a bitmap (md's location_store, can_clear_store, backlog_store).
wr() { bash -c 'printf "%s" "$2" > "$1" && echo ok' _ "$MD/bitmap/$1" "$2" 2>&1 | sed 's/.*: //'; }
expect_eq "Invalid argument" "$(wr location 0)" "location 0"
expect_eq "Invalid argument" "$(wr location file:/x)" "location file:"
expect_eq "Invalid argument" "$(wr location junk)" "location junk"
expect_eq ok "$(wr location none)" "location none without a bitmap"
expect_eq "No such file or directory" "$(wr can_clear true)" "can_clear without a bitmap"
expect_eq "Invalid argument" "$(wr backlog 10)" "backlog without a write-mostly member"
expect_eq "Invalid argument" "$(wr chunksize 1000)" "chunksize not a power of 2"
expect_eq "Invalid argument" "$(wr space 0)" "space 0"
expect_eq ok "$(wr max_backlog_used 5)" "max_backlog_used reset"
pass "md/bitmap/ without a bitmap: $(bmfiles)"

# fio passes over 16 MiB in the middle of the array: 2 MiB of 16 KiB random writes
# per pass, each block verified, every pass with its own seed (as t-redund-recovery).
fio_pass() { # N
    fio --name=p$1 --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 \
        --rw=randwrite --bs=16k --offset=40M --size=16M --io_size=2M --randseed=$((2000 + $1)) \
        --verify=crc32c --verify_backlog=64 --verify_fatal=1 --do_verify=1 \
        --output=/tmp/fio.$1.out > /dev/null 2>&1
    echo $? > /tmp/fio.$1.rc
}
fio_start() {
    rm -f /tmp/fio.stop /tmp/fio.done /tmp/fio.*.rc /tmp/fio.*.out
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
}
# fio_stop WHAT: one more whole pass, then the loop ends; every pass verified.
fio_done() { _n=$(cat /tmp/fio.done 2>/dev/null); echo "${_n:-0}"; }
fio_stop() {
    last=$(fio_done)
    i=0
    while [ "$(fio_done)" -lt $((last + 1)) ] && kill -0 $fio_loop 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 1200 ] && fail "$1: fio passes stuck"
        sleep 0.1
    done
    touch /tmp/fio.stop
    wait $fio_loop
    for f in /tmp/fio.*.rc; do
        n=${f#/tmp/fio.}; n=${n%.rc}
        [ "$(cat $f)" = 0 ] || { cat /tmp/fio.$n.out; fail "$1: fio pass $n failed (rc $(cat $f))"; }
        grep -Eq 'err= *0' /tmp/fio.$n.out || { cat /tmp/fio.$n.out; fail "$1: fio pass $n: errors"; }
    done
    pass "$1: $(ls /tmp/fio.*.rc | wc -l) fio passes with verify, no error"
}

# --- add under I/O
fio_start
sleep 2
mdadm --grow /dev/md0 --bitmap=internal --bitmap-chunk=1M > /tmp/grow.out 2>&1 \
    || { cat /tmp/grow.out; dmesg | tail; fail "mdadm --grow --bitmap=internal"; }
b=$(mdstat_bitmap)
echo "$b" | grep -Eq '^bitmap: [0-9]+/1 pages \[[0-9]+KB\], 1024KB chunk$' || { cat /proc/mdstat; fail "mdstat bitmap line after grow: '$b'"; }
mdadm -D /dev/md0 | grep -Eq '^ *Intent Bitmap : Internal$' || { mdadm -D /dev/md0; fail "--detail: no Intent Bitmap : Internal"; }
expect_eq bitmap "$(cat $MD/consistency_policy)" "consistency_policy with a bitmap"
expect_eq present "$(mdioctl /dev/md0 bitmap state)" "GET_ARRAY_INFO bit 8 with a bitmap"
for d in $M; do
    mdadm --examine $d | grep -Eq '^ *Internal Bitmap : 8 sectors from superblock$' \
        || { mdadm --examine $d; fail "$d: --examine has no bitmap at 8 sectors"; }
    mdadm -X $d > /tmp/x.out 2>&1 || { cat /tmp/x.out; fail "mdadm -X $d"; }
    grep -Eq '^ *Magic : 6d746962$' /tmp/x.out && grep -Eq '^ *Version : 4$' /tmp/x.out \
        && grep -Eq '^ *Chunksize : 1 MB$' /tmp/x.out && grep -Eq '^ *Daemon : 5s flush period$' /tmp/x.out \
        && grep -Eq '^ *Sync Size : 64512 \(63.00 MiB 66.06 MB\)$' /tmp/x.out \
        || { cat /tmp/x.out; fail "mdadm -X $d after grow"; }
    expect_eq 63 "$(x_bits $d | cut -d' ' -f1)" "$d: -X bits"
done
# mdadm's bitmap reserves no sectors in its superblock: space 0 (md takes that
# when it had none).
expect_eq "location=+8 space=0 time_base=5 backlog=0 chunksize=1048576 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "md/bitmap/ after grow"
grep -Eqx 'true|false' $MD/bitmap/can_clear || fail "can_clear with a bitmap: $(cat $MD/bitmap/can_clear)"
expect_eq "Device or resource busy" "$(wr location +8)" "location while a bitmap is there"
expect_eq "Device or resource busy" "$(wr chunksize 65536)" "chunksize while a bitmap is there"
expect_eq "Device or resource busy" "$(wr metadata external)" "metadata while a bitmap is there"
# 63 chunks: superblock and bits fit one sector.
expect_eq ok "$(wr space 1)" "space of the bitmap's size"
expect_eq 1 "$(cat $MD/bitmap/space)" "space after its store"
# Bit 8 already set: nothing changes.
expect_eq ok "$(mdioctl /dev/md0 bitmap on)" "SET_ARRAY_INFO bit 8 while a bitmap is there"
expect_eq ok "$(wr time_base 2.5)" "time_base 2.5"
expect_eq 2.500 "$(cat $MD/bitmap/time_base)" "time_base after 2.5"
expect_eq ok "$(wr time_base 5)" "time_base 5"
pass "bitmap added: $b"

# --- fail, remove, writes while degraded, re-add: only the dirty chunks recover
# mdadm writes the new bitmap with events 0 and every bit set: md takes it as out of
# date and the daemon clears the stale chunks lazily (a few daemon_sleep passes). Wait
# for that before the member goes, or the stale bits stay dirty while degraded.
i=0
while :; do
    read bits dirty <<EOF
$(x_bits /dev/vda)
EOF
    [ "${dirty:-63}" -le 18 ] && break
    i=$((i + 1)); [ $i -gt 60 ] && { mdadm -X /dev/vda; fail "stale bits not cleared after the grow: $dirty of $bits dirty"; }
    sleep 1
done
pass "stale bits cleared after the grow within ${i} s more ($dirty of $bits dirty under fio)"
mdadm /dev/md0 --fail /dev/vdb > /tmp/fail.out 2>&1 || { cat /tmp/fail.out; fail "mdadm --fail"; }
mdadm /dev/md0 --remove /dev/vdb > /tmp/remove.out 2>&1 || { cat /tmp/remove.out; fail "mdadm --remove"; }
sleep 3
read bits dirty <<EOF
$(x_bits /dev/vda)
EOF
# fio writes 16 chunks (16 MiB at 40 MiB) while vdb is out.
[ "$dirty" -gt 0 ] && [ "$dirty" -le 18 ] || { mdadm -X /dev/vda; fail "dirty chunks while degraded: $dirty of $bits"; }
mdadm /dev/md0 --re-add /dev/vdb > /tmp/readd.out 2>&1 || { cat /tmp/readd.out; fail "mdadm --re-add"; }
wait_action "--re-add" recover
wait_idle "recovery" 120
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after re-add"
expect_eq in_sync "$(cat $MD/dev-vdb/state)" "dev-vdb/state after re-add"
dmesg_has "re-add" "md: recover of RAID array md0"
pass "re-add recovered $dirty of $bits chunks"

# --- remove under I/O
mdadm --grow /dev/md0 --bitmap=none > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "mdadm --grow --bitmap=none"; }
expect_eq "" "$(mdstat_bitmap)" "mdstat bitmap line after --bitmap=none"
mdadm -D /dev/md0 | grep -q 'Intent Bitmap' && { mdadm -D /dev/md0; fail "--detail still has an Intent Bitmap"; }
expect_eq resync "$(cat $MD/consistency_policy)" "consistency_policy after --bitmap=none"
expect_eq absent "$(mdioctl /dev/md0 bitmap state)" "GET_ARRAY_INFO bit 8 after --bitmap=none"
for d in $M; do
    mdadm --examine $d | grep -q 'Internal Bitmap' && { mdadm --examine $d; fail "$d: --examine still has a bitmap"; }
    mdadm -X $d > /tmp/x.out 2>&1 && grep -q 'Magic : 6d746962' /tmp/x.out && { cat /tmp/x.out; fail "mdadm -X $d finds a bitmap after --bitmap=none"; }
done
# md keeps the bitmap's settings in bitmap_info; only the offset goes.
expect_eq "location=none space=1 time_base=5 backlog=0 chunksize=1048576 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "md/bitmap/ after --bitmap=none"
expect_eq "" "$(cat $MD/bitmap/can_clear)" "can_clear after --bitmap=none"
expect_eq ok "$(wr chunksize 65536)" "chunksize without a bitmap"
expect_eq 65536 "$(cat $MD/bitmap/chunksize)" "chunksize after its store"
# A bitmap at 1.x's default place (2 sectors after the superblock): none there, md refuses
# and keeps the offset (update_array_info does not reset it).
expect_eq "EINVAL 22" "$(mdioctl /dev/md0 bitmap on)" "SET_ARRAY_INFO bit 8 on 1.2 (nothing at +2)"
dmesg_has "SET_ARRAY_INFO on 1.2" "md0: invalid bitmap file superblock: "
dmesg_has "SET_ARRAY_INFO on 1.2" "md: couldn't update array info. -22"
expect_eq absent "$(mdioctl /dev/md0 bitmap state)" "bit 8 after the refused SET_ARRAY_INFO"
expect_eq "location=+2 space=6 time_base=5 backlog=0 chunksize=65536 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "md/bitmap/ after the refused SET_ARRAY_INFO"
expect_eq "Device or resource busy" "$(wr location +8)" "location +8 while md keeps +2"
expect_eq ok "$(wr location none)" "location none"
expect_eq none "$(cat $MD/bitmap/location)" "location after none"
fio_stop "1.2"
check_clean "1.2 after the bitmap's removal"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
for d in $M; do
    mdadm --examine $d | grep -Eq '^ +State : clean$' || { mdadm --examine $d; fail "$d superblock not clean after stop"; }
done
pass "1.2 grow add/remove"

# --- 0.90
M="/dev/vdc /dev/vdd"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=0.90 --bitmap=none $M \
    > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create 0.90"; }
expect_eq "65472 blocks [2/2] [UU]" "$(mdstat_state)" "0.90 mdstat after create"
expect_eq "location=none space=0 time_base=0 backlog=0 chunksize=0 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "0.90: md/bitmap/ without a bitmap"
expect_eq "Invalid argument" "$(wr location +16)" "0.90: location other than +8"
fio_start
sleep 1
mdadm --grow /dev/md0 --bitmap=internal --bitmap-chunk=1M > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; dmesg | tail; fail "0.90: mdadm --grow --bitmap=internal"; }
b=$(mdstat_bitmap)
[ -n "$b" ] || { cat /proc/mdstat; fail "0.90: no mdstat bitmap line after grow"; }
mdadm -D /dev/md0 | grep -Eq '^ *Intent Bitmap : Internal$' || { mdadm -D /dev/md0; fail "0.90: --detail: no Intent Bitmap"; }
mdadm -X /dev/vdc > /tmp/x.out 2>&1 || { cat /tmp/x.out; fail "0.90: mdadm -X"; }
grep -Eq '^ *Magic : 6d746962$' /tmp/x.out || { cat /tmp/x.out; fail "0.90: mdadm -X after grow"; }
expect_eq "location=+8 space=0 time_base=5 backlog=0 chunksize=1048576 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "0.90: md/bitmap/ after grow"
pass "0.90 bitmap added: $b"
mdadm --grow /dev/md0 --bitmap=none > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "0.90: mdadm --grow --bitmap=none"; }
expect_eq "" "$(mdstat_bitmap)" "0.90: mdstat bitmap line after --bitmap=none"
mdadm -D /dev/md0 | grep -q 'Intent Bitmap' && { mdadm -D /dev/md0; fail "0.90: --detail still has an Intent Bitmap"; }
expect_eq absent "$(mdioctl /dev/md0 bitmap state)" "0.90: bit 8 after --bitmap=none"
# SET_ARRAY_INFO with bit 8 (mdadm's way without md/bitmap/): md adds the bitmap at
# 0.90's default place, where the one mdadm wrote still is (out of date now).
expect_eq ok "$(mdioctl /dev/md0 bitmap on)" "0.90: SET_ARRAY_INFO bit 8"
expect_eq present "$(mdioctl /dev/md0 bitmap state)" "0.90: bit 8 after SET_ARRAY_INFO"
[ -n "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "0.90: no mdstat bitmap line after SET_ARRAY_INFO"; }
mdadm -D /dev/md0 | grep -Eq '^ *Intent Bitmap : Internal$' || { mdadm -D /dev/md0; fail "0.90: --detail after SET_ARRAY_INFO"; }
# md took its default space (120 sectors), then the superblock's 0.
expect_eq "location=+8 space=0 time_base=5 backlog=0 chunksize=1048576 metadata=internal max_backlog_used=0" \
    "$(bmfiles)" "0.90: md/bitmap/ after SET_ARRAY_INFO"
expect_eq ok "$(mdioctl /dev/md0 bitmap off)" "0.90: SET_ARRAY_INFO without bit 8"
expect_eq "" "$(mdstat_bitmap)" "0.90: mdstat bitmap line after SET_ARRAY_INFO off"
fio_stop "0.90"
check_clean "0.90 after the bitmap's removal"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop 0.90"
pass "bitmap grow ($IMPL)"
