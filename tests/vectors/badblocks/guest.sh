#!/bin/sh
# Runs inside the qemu/run-vm guest (see make.sh): creates RAID1 arrays with the real
# mdadm on /dev/vda and /dev/vdb for each 1.x metadata version given, injects bad
# blocks through md/dev-vdX/bad_blocks and unacknowledged_bad_blocks, makes md write
# its superblocks (one array write, then stop) and snapshots every member's
# bad-block log (bblog_size sectors at bblog_offset from the superblock), its md
# superblock (4 KiB), `mdadm --examine-badblocks`, and while running the sysfs
# lists, into /tmp/bb/<meta>/<case>/. The operations are logged per member in
# ops-vdX.txt ("a SECTOR LEN RC" acknowledged, "u ..." unacknowledged, RC the write's
# exit status; "load" where the array was assembled again and md reloaded its logs).
# The tree is written as a tar archive onto /dev/vdc, which the host extracts.
set -eu

OUT=/tmp/bb
TARGET=/dev/vdc
mkdir -p "$OUT"
log() { echo "badblocks-vectors: $*"; }

sb_sector() {
    case $1 in
        1.2) echo 8 ;;
        1.1) echo 0 ;;
        1.0) echo $(( ($2 - 16) / 8 * 8 )) ;;
    esac
}

# le FILE BYTE-OFFSET SIZE [u|d]: a little-endian field of FILE (unsigned or signed).
le() {
    od -An -t "${4:-u}$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

rd() {
    blockdev --flushbufs "/dev/$1"
    dd if="/dev/$1" of="$4" bs=512 skip="$2" count="$3" iflag=direct status=none
}

# The member's data offset, read from its superblock once per array (setdo).
setdo() {
    for d in vda vdb; do
        s=$(cat "/sys/block/$d/size")
        rd "$d" "$(sb_sector "$META" "$s")" 8 /tmp/sb.bin
        eval "DO_$d=$(le /tmp/sb.bin 128 8)"
    done
}
data_offset() {
    eval "echo \$DO_$1"
}

# bad DEV a|u START LEN: one sysfs write, START relative to the member's data.
bad() {
    f=bad_blocks
    [ "$2" = u ] && f=unacknowledged_bad_blocks
    s=$(( $(data_offset "$1") + $3 ))
    rc=0
    echo "$s $4" > "/sys/block/md0/md/dev-$1/$f" 2>/dev/null || rc=$?
    echo "$2 $s $4 $rc" >> "$OPS/ops-$1.txt"
}

# Makes md write the superblocks (and with them the logs): a write turns the array
# dirty, safe mode clean again.
flush_sb() {
    dd if=/dev/zero of=/dev/md0 bs=4096 count=1 oflag=direct status=none
    sleep 1
}

snap() {
    dir=$OUT/$META/$1
    mkdir -p "$dir"
    for d in vda vdb; do
        s=$(cat "/sys/block/$d/size")
        sb=$(sb_sector "$META" "$s")
        rd "$d" "$sb" 8 "$dir/$d.sb"
        # bblog_offset: signed 32-bit sectors from the superblock.
        off=$(le "$dir/$d.sb" 188 4 d)
        size=$(le "$dir/$d.sb" 186 2)
        echo "$(( sb + off ))" > "$dir/$d.log-sector"
        [ "$size" -gt 0 ] && rd "$d" $(( sb + off )) "$size" "$dir/$d.log"
        echo "$sb" > "$dir/$d.sb-sector"
        echo "$s" > "$dir/dev-sectors"
        mdadm --examine-badblocks "/dev/$d" > "$dir/examine-bb-$d.txt" 2>&1 || true
        mdadm --examine "/dev/$d" > "$dir/examine-$d.txt" 2>&1 || true
        cp "$OPS/ops-$d.txt" "$dir/ops-$d.txt" 2>/dev/null || : > "$dir/ops-$d.txt"
        if [ -e "/sys/block/md0/md/dev-$d/bad_blocks" ]; then
            cat "/sys/block/md0/md/dev-$d/bad_blocks" > "$dir/sysfs-bb-$d.txt"
            cat "/sys/block/md0/md/dev-$d/unacknowledged_bad_blocks" > "$dir/sysfs-ubb-$d.txt"
        fi
    done
    cat /proc/mdstat > "$dir/mdstat.txt"
    log "$META/$1"
}

reset() {
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
    for d in vda vdb; do
        s=$(cat "/sys/block/$d/size")
        dd if=/dev/zero of="/dev/$d" bs=1M count=4 conv=fsync status=none
        dd if=/dev/zero of="/dev/$d" bs=512 seek=$(( s - 8192 )) count=8192 conv=fsync status=none
    done
    OPS=$(mktemp -d)
}

create() {
    mdadm --create /dev/md0 --run --metadata="$META" --level=1 --raid-devices=2 \
        --assume-clean /dev/vda /dev/vdb
    setdo
}

reload() {
    mdadm --stop /dev/md0
    mdadm --assemble /dev/md0 /dev/vda /dev/vdb
    echo load >> "$OPS/ops-vda.txt"
    echo load >> "$OPS/ops-vdb.txt"
}

{ uname -r; mdadm --version 2>&1; echo "impl=${RUN_VM_IMPL:-?}"; } > "$OUT/info.txt"

for META in "$@"; do
    log "metadata $META"

    reset
    create
    snap fresh
    bad vda a 100 8
    snap single-running
    flush_sb
    snap single-written
    mdadm --stop /dev/md0
    snap single-stopped

    # Entries past 512 sectors, an acknowledged range inside an unacknowledged one,
    # badblocks.c's layout when a range is inserted in front of another, overlaps,
    # a second member.
    reset
    create
    bad vda a 1000 600
    bad vda u 3000 16
    bad vda a 3008 4
    bad vda a 5300 300
    bad vda a 5000 300
    bad vda a 7000 8
    bad vda a 7004 8
    bad vda u 9000 1
    bad vda a 12000 1100
    bad vda a 11990 20
    bad vdb a 64 512
    bad vdb a 576 1
    bad vdb u 2000 3
    snap mixed-running
    flush_sb
    snap mixed-written
    # md reloads the logs at assembly (its own merging of what it wrote).
    reload
    snap mixed-reloaded
    bad vda a 20000 8
    flush_sb
    mdadm --stop /dev/md0
    snap mixed-stopped

    # A full list: 512 ranges with gaps; the 513th write fails (ENOSPC); a range
    # touching an entry still grows it.
    reset
    create
    i=0
    while [ $i -lt 513 ]; do
        bad vda a $(( 10000 + i * 4 )) 1
        i=$(( i + 1 ))
    done
    bad vda a 10001 1
    bad vda a 9000 2
    snap full-running
    flush_sb
    mdadm --stop /dev/md0
    snap full-stopped
    mdadm --assemble /dev/md0 /dev/vda /dev/vdb
    echo load >> "$OPS/ops-vda.txt"
    echo load >> "$OPS/ops-vdb.txt"
    snap full-reloaded
    mdadm --stop /dev/md0
    reset
done

tar -C "$OUT" -cf "$TARGET" .
sync
log "done"
