# Write-intent bitmap (issue 11, test 2): a member is failed and removed, the array
# is written while degraded (the bits of the chunks written stay set, as a mirror
# missed them), and `--re-add` brings the member back with a recovery of the dirty
# chunks only: mdadm -X counts exactly the chunks written, the recovery writes about
# that much to the member (sectors written, /sys/block/vdb/stat) and ends quickly,
# the regions written while degraded are on the re-added member afterwards, and a
# check finds no mismatch. For comparison the same history on an array without a
# bitmap: --add (a re-add is refused there) recovers the whole member.
# impls: rust c
# run-vm: --disks 2 --disk-size 256M
# group: bitmap256
M="/dev/vda /dev/vdb"
CHUNK_KIB=1024
sync_fast
# write_regions TAG MIB...: 1 MiB of random data at each MiB offset of md0 (synced),
# its checksum remembered in /tmp/sum.TAG.MIB.
write_regions() {
    _tag=$1; shift
    for _o in "$@"; do
        dd if=/dev/urandom of=/tmp/region bs=1M count=1 2>/dev/null
        dd if=/tmp/region of=/dev/md0 bs=1M seek="$_o" count=1 conv=notrunc,fsync 2>/dev/null || fail "write md0 at $_o MiB"
        md5sum < /tmp/region | cut -d' ' -f1 > "/tmp/sum.$_tag.$_o"
    done
}
# verify_regions WHAT TAG DEV DATA_OFFSET_SECTORS MIB...: the regions on DEV (md0: offset 0).
verify_regions() {
    _w=$1 _tag=$2 _dev=$3 _off=$4; shift 4
    for _o in "$@"; do
        expect_eq "$(cat "/tmp/sum.$_tag.$_o")" "$(region_md5 "$_dev" $((_off * 512 + _o * 1048576)) 1048576)" \
            "$_w: $_dev at $_o MiB"
    done
}
# history BITMAP(yes|no): fail vdb, write 4 regions degraded, prints the degraded
# writes' chunk count on the way; then back with --re-add (bitmap) or --add.
BEFORE="20 60"
DEGRADED="20 40 100 180"
run_history() {
    if [ "$1" = yes ]; then
        mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=internal --bitmap-chunk=${CHUNK_KIB}K $M \
            > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create with a bitmap"; }
        mdstat_bitmap | grep -q "${CHUNK_KIB}KB chunk" || { cat /proc/mdstat; fail "no bitmap line with ${CHUNK_KIB}KB chunk"; }
        # mdadm 4.2 creates the bitmap all dirty even with --assume-clean; md clears
        # the bits of idle chunks within a few daemon periods.
        wait_bm_clean "bitmap after create" /dev/vda
    else
        mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=none $M \
            > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create without a bitmap"; }
        [ -z "$(mdstat_bitmap)" ] || { cat /proc/mdstat; fail "a bitmap line without a bitmap"; }
    fi
    off=$(data_offset /dev/vdb)
    size_kib=$(mdadm --detail /dev/md0 | sed -n "s/^ *Array Size : \([0-9]*\) .*/\1/p")
    write_regions "$1" $BEFORE
    mdadm /dev/md0 --fail /dev/vdb > /tmp/f.out 2>&1 || { cat /tmp/f.out; fail "--fail vdb"; }
    mdadm /dev/md0 --remove /dev/vdb > /tmp/f.out 2>&1 || { cat /tmp/f.out; fail "--remove vdb"; }
    write_regions "$1" $DEGRADED
    sleep 1
    if [ "$1" = yes ]; then
        # The degraded writes' chunks stay dirty (vdb missed them); other chunks clear.
        want=$(echo $DEGRADED | wc -w)
        i=0
        while dirty=$(bm_dirty /dev/vda); [ "$dirty" -gt "$want" ]; do
            i=$((i + 2)); [ $i -gt 60 ] && break
            sleep 2
        done
        expect_eq "$want" "$dirty" "dirty chunks in vda's bitmap after the degraded writes"
        sleep 6
        expect_eq "$dirty" "$(bm_dirty /dev/vda)" "dirty chunks stay until the re-add"
    fi
    w0=$(dev_wr vdb); r0=$(dev_rd vda); t0=$(uptime_s)
    if [ "$1" = yes ]; then
        mdadm /dev/md0 --re-add /dev/vdb > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail "--re-add vdb"; }
    else
        mdadm /dev/md0 --re-add /dev/vdb > /tmp/a.out 2>&1 && { cat /tmp/a.out; fail "--re-add accepted without a bitmap"; }
        mdadm /dev/md0 --add /dev/vdb > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail "--add vdb"; }
    fi
    wait_action "recovery ($1 bitmap)" recover 60
    wait_idle "recovery ($1 bitmap)" 300
    rec_s=$(secs_since "$t0")
    wrote=$(( $(dev_wr vdb) - w0 )); read=$(( $(dev_rd vda) - r0 ))
    expect_eq "${size_kib} blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the recovery ($1 bitmap)"
    expect_eq recover "$(cat $MD/last_sync_action)" "last_sync_action ($1 bitmap)"
    verify_regions "recovered vdb ($1 bitmap)" "$1" /dev/vdb "$off" $DEGRADED 60
    verify_regions "md0 ($1 bitmap)" "$1" /dev/md0 0 $DEGRADED 60
}

run_history yes
echo "bitmap-readd: bitmap: dirty=$dirty of $(bm_bits /dev/vda) chunks (${CHUNK_KIB} KiB) recovery_s=$rec_s vdb_written_sectors=$wrote vda_read_sectors=$read"
dchunk=$((dirty * CHUNK_KIB * 2))
# Each dirty chunk is copied; little else (superblocks, bitmap pages) is written.
[ "$wrote" -ge "$dchunk" ] || fail "the re-add wrote $wrote sectors to vdb, less than its $dirty dirty chunks ($dchunk)"
[ "$wrote" -le $((dchunk + 8192)) ] || fail "the re-add wrote $wrote sectors to vdb, far more than its $dirty dirty chunks ($dchunk)"
[ "$read" -le $((dchunk + 8192)) ] || fail "the re-add read $read sectors of vda, far more than its $dirty dirty chunks ($dchunk)"
bits_after=$(bm_dirty /dev/vda)
check_clean "check after the re-add"
wait_bm_clean "bitmap after the re-add" /dev/vda
pass "re-add: $dirty dirty chunks recovered, $wrote sectors written, ${rec_s}s (dirty right after: $bits_after)"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
mdadm --zero-superblock $M || fail "zero-superblock"
bm_rec_s=$rec_s bm_wrote=$wrote

run_history no
echo "bitmap-readd: no bitmap: full recovery recovery_s=$rec_s vdb_written_sectors=$wrote vda_read_sectors=$read array_kib=$size_kib"
[ "$wrote" -ge $((size_kib * 2)) ] || fail "the full recovery wrote $wrote sectors, less than the array ($((size_kib * 2)))"
[ "$bm_wrote" -lt $((wrote / 20)) ] || fail "the bitmap re-add wrote $bm_wrote sectors, not far less than a full recovery's $wrote"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
echo "bitmap-readd: bitmap re-add ${bm_rec_s}s vs full recovery ${rec_s}s"
pass "bitmap re-add ($IMPL)"
