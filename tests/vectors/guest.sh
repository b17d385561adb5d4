#!/bin/sh
# Runs inside the qemu/run-vm guest (see make-vectors.sh): creates md arrays with the
# real mdadm on /dev/vda, vdb, vdc (64 MiB each) for each metadata version given as
# argument, and after each step snapshots every member's 4 KiB superblock region
# (read with O_DIRECT) plus its `mdadm --examine` output into
# /tmp/vectors/<meta>/<case>/. At the end the whole tree is written as a tar archive
# to the last disk (/dev/vdd), which the host extracts.
set -eu

OUT=/tmp/vectors
TARGET=/dev/vdd
MEMBERS="vda vdb vdc"
mkdir -p "$OUT"

log() { echo "vectors: $*"; }

# sb_sector META SECTORS: where the superblock of META sits on a device of SECTORS.
sb_sector() {
    case $1 in
        1.2) echo 8 ;;
        1.1) echo 0 ;;
        1.0) echo $(( ($2 - 16) / 8 * 8 )) ;;
        0.90) echo $(( $2 / 128 * 128 - 128 )) ;;
    esac
}

# read_sb DEV OFFSET_SECTORS FILE: 4 KiB at OFFSET, bypassing the page cache.
read_sb() {
    if ! dd if="/dev/$1" of="$3" bs=4096 skip=$(( $2 / 8 )) count=1 iflag=direct status=none 2>/dev/null; then
        blockdev --flushbufs "/dev/$1"
        echo 3 > /proc/sys/vm/drop_caches
        dd if="/dev/$1" of="$3" bs=4096 skip=$(( $2 / 8 )) count=1 status=none
    fi
}

# snap CASE DEV...: consistent superblock + examine snapshot of each DEV (re-read
# until the superblock did not change while mdadm examined it).
snap() {
    dir=$OUT/$META/$1
    shift
    mkdir -p "$dir"
    for d in "$@"; do
        sectors=$(cat "/sys/block/$d/size")
        off=$(sb_sector "$META" "$sectors")
        tries=0
        while :; do
            read_sb "$d" "$off" "$dir/$d.sb"
            mdadm --examine "/dev/$d" > "$dir/examine-$d.txt" 2>&1 || true
            read_sb "$d" "$off" "$dir/.again"
            cmp -s "$dir/$d.sb" "$dir/.again" && break
            tries=$((tries + 1))
            [ $tries -lt 20 ] || { log "$META/$dir: $d keeps changing"; exit 1; }
            sleep 0.1
        done
        rm -f "$dir/.again"
    done
    echo "$sectors" > "$dir/dev-sectors"
    cat /proc/mdstat > "$dir/mdstat.txt"
    if [ -e /sys/block/md0/md/array_state ]; then
        cat /sys/block/md0/md/array_state > "$dir/array_state"
    fi
    log "$META/$(basename "$dir"): $*"
}

# Wipes every metadata location on the members.
reset() {
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
    for d in $MEMBERS; do
        s=$(cat "/sys/block/$d/size")
        dd if=/dev/zero of="/dev/$d" bs=4096 count=2 conv=fsync status=none
        dd if=/dev/zero of="/dev/$d" bs=512 seek=$(( s - 256 )) count=256 conv=fsync status=none
    done
}

wait_clean() {
    mdadm --wait /dev/md0 >/dev/null 2>&1 || true
    i=0
    while [ "$(cat /sys/block/md0/md/array_state)" != clean ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || { log "md0 never became clean"; cat /proc/mdstat; exit 1; }
        sleep 0.1
    done
}

# Throttles resync/recovery to about 1 MB/s so a checkpoint can be caught mid-way.
slow() {
    echo 100 > /proc/sys/dev/raid/speed_limit_min
    echo 1000 > /proc/sys/dev/raid/speed_limit_max
}

fast() {
    echo 200000 > /proc/sys/dev/raid/speed_limit_max
    echo 1000 > /proc/sys/dev/raid/speed_limit_min
}

create() {
    mdadm --create /dev/md0 --run --metadata="$META" --level=1 "$@"
}

{ uname -r; mdadm --version 2>&1; echo "impl=${RUN_VM_IMPL:-?}"; } > "$OUT/info.txt"

for META in "$@"; do
    log "metadata $META"
    reset
    slow
    create --raid-devices=2 /dev/vda /dev/vdb
    sleep 6
    snap create vda vdb
    fast
    wait_clean
    snap resynced vda vdb
    mdadm /dev/md0 --fail /dev/vdb
    sleep 0.5
    snap failed vda vdb
    mdadm /dev/md0 --remove /dev/vdb
    snap removed vda vdb
    # Slow recovery so a checkpoint (recovery_offset, feature bit 2) can be caught.
    slow
    mdadm /dev/md0 --add /dev/vdb
    sleep 10
    snap recovering vda vdb
    fast
    wait_clean
    snap recovered vda vdb
    mdadm --stop /dev/md0
    snap stopped vda vdb

    reset
    create --raid-devices=2 --assume-clean /dev/vda /dev/vdb
    snap assume-clean vda vdb
    mdadm --stop /dev/md0

    reset
    create --raid-devices=3 /dev/vda /dev/vdb /dev/vdc
    wait_clean
    snap three vda vdb vdc
    mdadm --stop /dev/md0

    reset
    create --raid-devices=2 --spare-devices=1 /dev/vda /dev/vdb /dev/vdc
    wait_clean
    snap spare vda vdb vdc
    mdadm --stop /dev/md0

    if [ "$META" != 0.90 ]; then
        reset
        create --raid-devices=2 --assume-clean --name=foo /dev/vda /dev/vdb
        snap name vda vdb
        mdadm --stop /dev/md0
    fi
    reset
done

tar -C "$OUT" -cf "$TARGET" .
sync
log "done"
