#!/bin/sh
# Runs inside the qemu/run-vm guest (see make.sh): creates RAID1 arrays with internal
# write-intent bitmaps with the real mdadm on /dev/vda and /dev/vdb for each metadata
# version given, and after each step snapshots every member's bitmap (superblock and
# bits: 8 KiB from the bitmap's first sector, read with O_DIRECT), its md superblock
# (4 KiB) and the `mdadm -X` / `mdadm --examine` output into /tmp/bm/<meta>/<case>/.
# The tree is written as a tar archive onto /dev/vdc, which the host extracts.
set -eu

OUT=/tmp/bm
TARGET=/dev/vdc
mkdir -p "$OUT"
log() { echo "bitmap-vectors: $*"; }

sb_sector() {
    case $1 in
        1.2) echo 8 ;;
        1.1) echo 0 ;;
        1.0) echo $(( ($2 - 16) / 8 * 8 )) ;;
        0.90) echo $(( $2 / 128 * 128 - 128 )) ;;
    esac
}

# bm_sector META DEV: the bitmap's first sector on DEV (0.90: 4 KiB after the
# superblock; 1.x: bitmap_offset sectors from the superblock, as --examine prints).
bm_sector() {
    s=$(cat "/sys/block/$2/size")
    sb=$(sb_sector "$1" "$s")
    case $1 in
        0.90) echo $(( sb + 8 )) ;;
        *)
            off=$(mdadm --examine "/dev/$2" | sed -n 's/.*Internal Bitmap : \(-\{0,1\}[0-9]*\) sectors from superblock.*/\1/p')
            echo $(( sb + ${off:-0} )) ;;
    esac
}

# rd DEV SECTOR COUNT FILE. busybox dd drops O_DIRECT when its buffer is not aligned,
# so the member's page cache (which md's own writes bypass) is dropped first.
rd() {
    blockdev --flushbufs "/dev/$1"
    dd if="/dev/$1" of="$4" bs=512 skip="$2" count="$3" iflag=direct status=none
}

snap() {
    dir=$OUT/$META/$1
    shift
    mkdir -p "$dir"
    for d in "$@"; do
        s=$(cat "/sys/block/$d/size")
        sb=$(sb_sector "$META" "$s")
        bm=$(bm_sector "$META" "$d")
        tries=0
        while :; do
            rd "$d" "$bm" 16 "$dir/$d.bitmap"
            rd "$d" "$sb" 8 "$dir/$d.sb"
            mdadm -X "/dev/$d" > "$dir/X-$d.txt" 2>&1 || true
            mdadm --examine "/dev/$d" > "$dir/examine-$d.txt" 2>&1 || true
            rd "$d" "$bm" 16 "$dir/.again"
            cmp -s "$dir/$d.bitmap" "$dir/.again" && break
            tries=$((tries + 1))
            [ $tries -lt 20 ] || { log "$META/$dir: $d keeps changing"; exit 1; }
        done
        rm -f "$dir/.again"
        echo "$bm" > "$dir/$d.bitmap-sector"
        echo "$sb" > "$dir/$d.sb-sector"
        echo "$s" > "$dir/dev-sectors"
    done
    cat /proc/mdstat > "$dir/mdstat.txt"
    for f in location chunksize time_base backlog space metadata can_clear max_backlog_used; do
        [ -e /sys/block/md0/md/bitmap/$f ] && echo "$f: $(cat /sys/block/md0/md/bitmap/$f 2>&1)" >> "$dir/sysfs-bitmap.txt"
    done
    true
    log "$META/$(basename "$dir"): $*"
}

reset() {
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
    for d in vda vdb; do
        s=$(cat "/sys/block/$d/size")
        dd if=/dev/zero of="/dev/$d" bs=1M count=4 conv=fsync status=none
        dd if=/dev/zero of="/dev/$d" bs=512 seek=$(( s - 4096 )) count=4096 conv=fsync status=none
    done
}

# Waits for any resync/recovery to end, then for the daemon to clear idle chunks.
wait_sync() {
    mdadm --wait /dev/md0 >/dev/null 2>&1 || true
    i=0
    while [ "$(cat /sys/block/md0/md/sync_action)" != idle ]; do
        i=$((i + 1))
        [ $i -lt 600 ] || { log "md0 never became idle"; cat /proc/mdstat; exit 1; }
        sleep 0.5
    done
    sleep 12
}

# wr CHUNK...: one 4 KiB direct write at the start of each 64 KiB chunk of md0.
wr() {
    for c in "$@"; do
        dd if=/dev/urandom of=/dev/md0 bs=4096 seek=$(( c * 16 )) count=1 oflag=direct status=none
    done
}

create() {
    mdadm --create /dev/md0 --run --metadata="$META" --level=1 --raid-devices=2 "$@"
}

{ uname -r; mdadm --version 2>&1; echo "impl=${RUN_VM_IMPL:-?}"; } > "$OUT/info.txt"

for META in "$@"; do
    log "metadata $META"
    reset
    create --bitmap=internal --bitmap-chunk=64K --assume-clean /dev/vda /dev/vdb
    snap fresh vda vdb
    # mdadm's bitmap has events 0 (0.90: md's are 1 at once): md finds it out of
    # date and recovers every chunk first.
    wait_sync
    snap clean vda vdb
    last=$(( $(cat /sys/block/md0/size) / 128 - 1 ))
    wr 0 3 8 100 511 $last
    snap written vda vdb
    sleep 16
    snap cleared vda vdb
    mdadm /dev/md0 --fail /dev/vdb
    sleep 1
    wr 1 2 9 200 $last
    sleep 12
    snap degraded vda vdb
    mdadm /dev/md0 --remove /dev/vdb
    mdadm /dev/md0 --re-add /dev/vdb
    wait_sync
    snap readded vda vdb
    mdadm --stop /dev/md0
    snap stopped vda vdb

    # Bits after create without --assume-clean: all set, cleared by the resync.
    reset
    echo 100 > /proc/sys/dev/raid/speed_limit_min
    echo 1000 > /proc/sys/dev/raid/speed_limit_max
    create --bitmap=internal --bitmap-chunk=64K /dev/vda /dev/vdb
    sleep 3
    snap resyncing vda vdb
    echo 200000 > /proc/sys/dev/raid/speed_limit_max
    echo 1000 > /proc/sys/dev/raid/speed_limit_min
    wait_sync
    snap resynced vda vdb
    mdadm --stop /dev/md0

    # Knobs: --delay, --write-behind with a write-mostly member, mdadm's default chunk.
    reset
    create --bitmap=internal --delay=7 --write-behind=100 --assume-clean /dev/vda --write-mostly /dev/vdb
    snap behind vda vdb
    mdadm --stop /dev/md0

    # What md writes itself when a bitmap is added to a running array.
    reset
    create --assume-clean /dev/vda /dev/vdb
    mdadm --grow /dev/md0 --bitmap=internal --bitmap-chunk=128K
    sleep 1
    snap grown vda vdb
    mdadm --stop /dev/md0
    reset
done

tar -C "$OUT" -cf "$TARGET" .
sync
log "done"
