# Shared helpers for the VM tests; tests/vm/run-all prepends this to each test.
# $IMPL is the implementation under test (rust or c), as given to run-vm --impl.
set -u
IMPL=${1:-rust}
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
expect_eq() { # expected actual what
    [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
# Waits up to 5 s for a path to disappear.
wait_gone() {
    i=0
    while [ -e "$1" ]; do
        i=$((i + 1)); [ $i -gt 50 ] && return 1
        sleep 0.1
    done
}
# Makes /dev/mdN (devtmpfs drops the node when the disk goes away).
mknod_md() { [ -b "/dev/md$1" ] || mknod "/dev/md$1" b 9 "$1"; }
load_md() { # rust|c
    case $1 in
        rust) insmod /opt/md/rust/md_mod.ko ;;
        c) insmod /opt/md/c/md-mod.ko && insmod /opt/md/c/raid1.ko ;;
    esac
}
unload_md() { # rust|c
    case $1 in
        rust) rmmod md_mod ;;
        c) rmmod raid1 && rmmod md_mod ;;
    esac
}

# --- redundancy helpers (resync, recovery, check/repair, faults, crashes) ---
# Boot number of a multi-boot test ("# boots: N" in run-all): 1, 2, ...
BOOT=${2:-1}
MD=/sys/block/md0/md
# Seconds since the VM booted, one decimal.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# Lets resync/recovery/check run at full speed, also next to normal I/O.
sync_fast() {
    echo 200000 > /proc/sys/dev/raid/speed_limit_min
    echo 2000000 > /proc/sys/dev/raid/speed_limit_max
}
# The progress lines of md0 in /proc/mdstat ("[==>...]  resync = ...",
# "resync=DELAYED", "recovery = ...", "check = ..."), if any.
mdstat_progress() {
    sed -n '/^md0 :/,/^$/p' /proc/mdstat | grep -E '(resync|recovery|check|repair|reshape) *=' || true
}
# The state line of md0 in /proc/mdstat: "<blocks> blocks super 1.2 [2/2] [UU]".
mdstat_state() { sed -n '/^md0 :/{n;p;}' /proc/mdstat | sed 's/^ *//'; }
# wait_idle WHAT [TIMEOUT_S]: waits until md0's sync_action is idle and mdstat
# shows no progress line; prints the progress every 10 s; fails after TIMEOUT_S
# (default 180). Samples every 0.2 s; the progress lines seen go to
# /tmp/progress.log (appended).
wait_idle() {
    _lim=$(( ${2:-180} * 5 )); _i=0
    while :; do
        _p=$(mdstat_progress)
        [ -n "$_p" ] && echo "$_p" >> /tmp/progress.log
        [ "$(cat $MD/sync_action)" = idle ] && [ -z "$_p" ] && break
        _i=$((_i + 1))
        [ $_i -gt $_lim ] && { cat /proc/mdstat; fail "$1: md0 not idle after ${2:-180} s (sync_action $(cat $MD/sync_action))"; }
        [ $((_i % 50)) = 0 ] && echo "  $1: waiting: $(cat $MD/sync_action) ${_p:-(no progress line)}"
        sleep 0.2
    done
}
# wait_array_state STATE [TIMEOUT_S]: waits (default 20 s) until md0's array_state
# reads STATE, e.g. clean after the safe-mode delay on a loaded host; says nothing,
# callers print or compare the state themselves.
wait_array_state() {
    _lim=$(( ${2:-20} * 2 )); _i=0
    while [ "$(cat $MD/array_state)" != "$1" ] && [ $_i -lt $_lim ]; do
        _i=$((_i + 1)); sleep 0.5
    done
}
# wait_action WHAT ACTION [TIMEOUT_S]: waits until sync_action reads ACTION
# (e.g. resync, recover) or the array is already back to idle with
# last_sync_action ACTION; default timeout 30 s.
wait_action() {
    _lim=$(( ${3:-30} * 10 )); _i=0
    while [ "$(cat $MD/sync_action)" != "$2" ]; do
        [ "$(cat $MD/sync_action)" = idle ] && [ "$(cat $MD/last_sync_action)" = "$2" ] && return 0
        _i=$((_i + 1)); [ $_i -gt $_lim ] && { cat /proc/mdstat; fail "$1: sync_action never became $2 (is $(cat $MD/sync_action))"; }
        sleep 0.1
    done
}
# sync_run WHAT check|repair: starts the action, waits until done (idle), and
# checks last_sync_action; the caller reads mismatch_cnt.
sync_run() {
    echo "$2" > $MD/sync_action || fail "$1: echo $2 > sync_action"
    wait_action "$1" "$2"
    wait_idle "$1"
    expect_eq "$2" "$(cat $MD/last_sync_action)" "$1: last_sync_action after $2"
}
mismatch_cnt() { cat $MD/mismatch_cnt; }
# check_clean WHAT: a check pass finds no mismatch.
check_clean() {
    sync_run "$1" check
    expect_eq 0 "$(mismatch_cnt)" "$1: mismatch_cnt after check"
}
# data_offset DEV: the member's data offset in sectors (mdadm --examine).
data_offset() {
    mdadm --examine "$1" 2>/dev/null | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p'
}
# expect_data_offset DEV SECTORS: the test placed something (a fault, an
# overwrite) assuming this data offset; fail clearly if mdadm chose another.
expect_data_offset() {
    _o=$(data_offset "$1")
    [ "$_o" = "$2" ] || { mdadm --examine "$1"; fail "$1: data offset is '$_o' sectors, the test assumes $2 (fix the test's sector numbers)"; }
}
# members_identical WHAT DEV...: the members' data areas (Data Offset ..
# + Array Size, read from the devices after dropping caches) are identical.
members_identical() {
    _what=$1; shift
    echo 3 > /proc/sys/vm/drop_caches
    _first=
    for _d in "$@"; do
        mdadm --examine "$_d" > /tmp/examine || { cat /tmp/examine; fail "$_what: --examine $_d"; }
        _off=$(sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p' /tmp/examine)
        _kib=$(sed -n 's/^ *Array Size : \([0-9]*\) KiB.*/\1/p' /tmp/examine)
        [ -n "$_off" ] && [ -n "$_kib" ] || { cat /tmp/examine; fail "$_what: no Data Offset / Array Size for $_d"; }
        _sum=$(dd if="$_d" bs=1M iflag=skip_bytes,count_bytes skip=$((_off * 512)) count=$((_kib * 1024)) \
            2>/tmp/dd.err | md5sum)
        grep -q "^$((_kib / 1024))+$((_kib % 1024 != 0)) records in" /tmp/dd.err \
            || { cat /tmp/dd.err; fail "$_what: reading the data area of $_d"; }
        if [ -z "$_first" ]; then _first=$_sum; else expect_eq "$_first" "$_sum" "$_what: data areas of $*"; fi
    done
}
# region_md5 DEV OFFSET_BYTES LEN_BYTES: md5 of a byte range of DEV (caches dropped).
region_md5() {
    echo 3 > /proc/sys/vm/drop_caches
    dd if="$1" bs=64k iflag=skip_bytes,count_bytes skip="$2" count="$3" 2>/dev/null | md5sum | cut -d' ' -f1
}
# dmesg_has WHAT TEXT: the kernel log has a line containing TEXT (fixed string).
dmesg_has() {
    dmesg | grep -qF -- "$2" || { dmesg | grep -E 'md|raid' | tail -30; fail "$1: no kernel log line with: $2"; }
}
dmesg_lacks() {
    ! dmesg | grep -F -- "$2" || fail "$1: unexpected kernel log line with: $2"
}
# dmesg_count TEXT: how many kernel log lines contain TEXT.
dmesg_count() { dmesg | grep -cF -- "$1"; }
# dev_errors DEV: the member's md/dev-DEV/errors (corrected read errors, sectors).
dev_errors() { cat "$MD/dev-$1/errors"; }
# crash_now: a power cut as far as md can tell (no reboot notifier, nothing
# synced): announce it to run-vm, then sysrq b.
crash_now() {
    echo RUN-VM-EXPECT-CRASH > /dev/kmsg
    echo b > /proc/sysrq-trigger
    sleep 10
    fail "still running after sysrq b"
}

# --- regression-test helpers ---
# nobbl_array MEMBER...: a 1.2 RAID1 over the members without bad-block logs (a
# write error then fails its member on both md's), created and stopped again.
nobbl_array() {
    mdadm --create /dev/md0 --run --assume-clean -l1 -n$# --metadata=1.2 "$@" >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
    expect_data_offset "$1" 2048
    mdadm --stop /dev/md0 >/dev/null 2>&1
    mdadm --assemble --update=no-bbl /dev/md0 "$@" >/dev/null 2>&1 || fail "assemble no-bbl"
    mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
}
# wait_done PID SECONDS: waits up to SECONDS for PID to end. If it has not, prints
# the stacks of the blocked tasks (and of PID's threads) and md's error lines, and
# returns 1.
wait_done() {
    _n=0
    while kill -0 "$1" 2>/dev/null && [ $_n -lt $(($2 * 10)) ]; do sleep 0.1; _n=$((_n + 1)); done
    kill -0 "$1" 2>/dev/null || return 0
    for p in $(ps -o pid,stat | awk '$2 ~ /D/ {print $1}'); do echo "--- D: $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
    for t in /proc/$1/task/*; do echo "--- task $t: $(grep State $t/status)"; cat $t/stack; done
    dmesg | grep -E "rescheduling|redirecting|corrected|Disk failure" | tail -5
    return 1
}
# hang_fail WHAT: a hung array also hangs the shutdown (reboot notifier): report and
# cut the power at once, unannounced, which run-vm counts as a failed run.
hang_fail() {
    echo "FAIL: $*"
    echo b > /proc/sysrq-trigger
    sleep 10
    exit 1
}

# --- write-intent bitmap helpers (t-bitmap-*) ---
# bm_x DEV: `mdadm -X DEV` (caches dropped first: md writes the bitmap with bios,
# past the member's page cache), into /tmp/bmx.out; its exit status.
bm_x() {
    echo 3 > /proc/sys/vm/drop_caches
    mdadm -X "$1" > /tmp/bmx.out 2>&1
}
# bm_dirty DEV / bm_bits DEV: the dirty and total chunk counts `mdadm -X DEV` prints
# ("Bitmap : 1022 bits (chunks), 4 dirty (0.4%)"); empty if there is no bitmap.
bm_dirty() { bm_x "$1"; sed -n 's/^ *Bitmap : [0-9]* bits (chunks), \([0-9]*\) dirty.*/\1/p' /tmp/bmx.out; }
bm_bits() { bm_x "$1"; sed -n 's/^ *Bitmap : \([0-9]*\) bits (chunks).*/\1/p' /tmp/bmx.out; }
# bm_sane WHAT DEV SYNC_SIZE_KIB: `mdadm -X DEV` reads a valid bitmap of this array:
# bitmap magic, version 3 or 4, the array's UUID (from --detail of md0), state OK,
# a power-of-two chunk, Sync Size = SYNC_SIZE_KIB, bits = sync size / chunk.
bm_sane() {
    bm_x "$2" || { cat /tmp/bmx.out; fail "$1: mdadm -X $2"; }
    grep -Eq '^ +Magic : 6d746962$' /tmp/bmx.out || { cat /tmp/bmx.out; fail "$1: $2: no bitmap magic"; }
    grep -Eq '^ +Version : [34]$' /tmp/bmx.out || { cat /tmp/bmx.out; fail "$1: $2: bitmap version"; }
    grep -Eq '^ +State : OK$' /tmp/bmx.out || { cat /tmp/bmx.out; fail "$1: $2: bitmap state not OK"; }
    _u=$(mdadm --detail /dev/md0 | sed -n 's/^ *UUID : \([0-9a-f:]*\).*/\1/p')
    grep -Eq "^ +UUID : $_u\$" /tmp/bmx.out || { cat /tmp/bmx.out; fail "$1: $2: bitmap UUID is not the array's ($_u)"; }
    _ss=$(sed -n 's/^ *Sync Size : \([0-9]*\) .*/\1/p' /tmp/bmx.out)
    expect_eq "$3" "$_ss" "$1: $2: bitmap Sync Size (KiB)"
    _cs=$(sed -n 's/^ *Chunksize : \([0-9]*\) \([KMG]*\)B$/\1 \2/p' /tmp/bmx.out)
    case $_cs in
        *" K") _ck=${_cs% K} ;; *" M") _ck=$((${_cs% M} * 1024)) ;; *" G") _ck=$((${_cs% G} * 1048576)) ;;
        *) cat /tmp/bmx.out; fail "$1: $2: bitmap chunk size '$_cs'" ;;
    esac
    [ $((_ck & (_ck - 1))) = 0 ] || fail "$1: $2: bitmap chunk $_ck KiB not a power of two"
    _b=$(sed -n 's/^ *Bitmap : \([0-9]*\) bits (chunks).*/\1/p' /tmp/bmx.out)
    expect_eq $(( ($3 + _ck - 1) / _ck )) "$_b" "$1: $2: bitmap bits for $3 KiB in $_ck KiB chunks"
}
# mdstat_bitmap: md0's "bitmap: N/M pages [XKB], YKB chunk" line of /proc/mdstat, if any.
mdstat_bitmap() { sed -n '/^md0 :/,/^$/p' /proc/mdstat | sed -n 's/^ *\(bitmap: .*\)$/\1/p'; }
# wait_bm_clean WHAT DEV [TIMEOUT_S]: waits (default 90 s) until `mdadm -X DEV` shows
# no dirty chunk (md clears the bits of idle chunks every daemon_sleep).
wait_bm_clean() {
    _lim=$(( ${3:-90} )); _t=0
    while [ "$(bm_dirty "$2")" != 0 ]; do
        _t=$((_t + 2)); [ $_t -gt $_lim ] && { cat /tmp/bmx.out; fail "$1: bitmap of $2 still has dirty chunks after ${3:-90} s"; }
        sleep 2
    done
}
# put_le DEV BYTE_OFFSET NBYTES VALUE: writes VALUE little-endian into DEV (synced).
put_le() {
    _v=$4; _s=; _n=0
    while [ $_n -lt "$3" ]; do _s="$_s\\$(printf '%03o' $((_v & 255)))"; _v=$((_v >> 8)); _n=$((_n + 1)); done
    # shellcheck disable=SC2059
    printf "$_s" | dd of="$1" bs=1 seek="$2" conv=notrunc,fsync 2>/dev/null || fail "put_le $*"
}
# dev_rd DEV / dev_wr DEV: sectors read / written on a disk so far (/sys/block/DEV/stat).
dev_rd() { awk '{print $3}' "/sys/block/$1/stat"; }
dev_wr() { awk '{print $7}' "/sys/block/$1/stat"; }
# check_window WHAT START END: a check of md0's sectors START..END only (sync_min,
# sync_max: the check waits at sync_max, is read there and stopped); prints nothing,
# fails unless it found no mismatch.
check_window() {
    echo "$3" > $MD/sync_max || fail "$1: sync_max $3"
    echo "$2" > $MD/sync_min || fail "$1: sync_min $2"
    echo check > $MD/sync_action || fail "$1: echo check > sync_action"
    _i=0
    while :; do
        _c=$(cut -d' ' -f1 $MD/sync_completed)
        [ "$_c" != none ] && [ "$_c" -ge "$3" ] 2>/dev/null && break
        [ "$(cat $MD/sync_action)" = idle ] && [ "$(cat $MD/last_sync_action)" = check ] && break
        _i=$((_i + 1)); [ $_i -gt 1800 ] && fail "$1: check of $2..$3 not done after 180 s ($(cat $MD/sync_completed))"
        sleep 0.1
    done
    _m=$(mismatch_cnt)
    echo idle > $MD/sync_action
    wait_idle "$1: stopping the check"
    echo max > $MD/sync_max; echo 0 > $MD/sync_min
    expect_eq 0 "$_m" "$1: mismatch_cnt of a check of sectors $2..$3"
}
# secs_since T0: seconds since uptime T0, one decimal.
secs_since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }

# --- bad-block log helpers (t-bb-*) ---
# All sectors here are of the whole member device (data offset included), as md's
# sysfs bad_blocks and mdadm --examine-badblocks give them.
# bb_flushbufs DEV: drops DEV's page cache (BLKFLSBUF; much cheaper under KASAN than
# drop_caches), so that mdadm reads what md wrote with bios.
bb_flushbufs() { blockdev --flushbufs "$1" 2>/dev/null || echo 3 > /proc/sys/vm/drop_caches; }
# bb_sysfs NAME: md0's dev-NAME/bad_blocks ("SECTOR LEN" lines).
bb_sysfs() { cat "$MD/dev-$1/bad_blocks"; }
# bb_inject NAME SECTOR LEN: records a bad range through dev-NAME/bad_blocks (acknowledged).
bb_inject() { echo "$2 $3" > "$MD/dev-$1/bad_blocks" || fail "echo '$2 $3' > dev-$1/bad_blocks"; }
# bb_examine DEV: the list mdadm --examine-badblocks reads from DEV's log, as
# "SECTOR LEN" lines (DEV's page cache dropped first: md writes the log with bios);
# the full output is in /tmp/bbx.out.
bb_examine() {
    bb_flushbufs "$1"
    mdadm --examine-badblocks "$1" > /tmp/bbx.out 2>&1 || { cat /tmp/bbx.out; fail "mdadm --examine-badblocks $1"; }
    sed -n 's/^ *\([0-9]*\) for \([0-9]*\) sectors$/\1 \2/p' /tmp/bbx.out
}
# bb_examine_empty WHAT DEV: mdadm finds DEV's log empty.
bb_examine_empty() {
    [ -z "$(bb_examine "$2")" ] && grep -qx "Bad-blocks list is empty in $2" /tmp/bbx.out \
        || { cat /tmp/bbx.out; fail "$1: $2's bad-block log is not empty"; }
}
# feature_map DEV: the "Feature Map" mdadm --examine reads (0x0; 0x8 = bad blocks
# recorded, MD_FEATURE_BAD_BLOCKS); bblog_line DEV: its "Bad Block Log" line, e.g.
# "512 entries available at offset 16 sectors - bad blocks present.".
feature_map() {
    bb_flushbufs "$1"
    mdadm --examine "$1" 2>/dev/null | sed -n 's/^ *Feature Map : \(0x[0-9a-f]*\)$/\1/p'
}
bblog_line() {
    bb_flushbufs "$1"
    mdadm --examine "$1" 2>/dev/null | sed -n 's/^ *Bad Block Log : //p'
}
# sb_flush WHAT: has md write md0's superblocks (and with them the bad-block logs: a
# range stored through sysfs is only in memory until then): a 4 KiB O_DIRECT write
# of zeros at array sector 100000 (member sector 102048 with a data offset of 2048;
# the tests keep bad ranges and faults away from it; seek=12500 4 KiB blocks) switches the clean array to
# active, and md writes the superblocks before the write goes on; then md0 is left
# to go clean again (another superblock write).
sb_flush() {
    dd if=/dev/zero of=/dev/md0 bs=4k count=1 seek=12500 oflag=direct conv=notrunc 2>/dev/null || fail "$1: the write that flushes the superblocks"
    wait_array_state clean
    expect_eq clean "$(cat $MD/array_state)" "$1: array_state after the flushing write"
}
# klog_mark / klog_since: the kernel log lines after the mark.
klog_mark() { _klog_n=$(dmesg | wc -l); }
klog_since() { dmesg | tail -n +$((_klog_n + 1)); }

# ---- member state and flags (t-writemostly, t-failfast) ----
# expect_state DEV WORDS [WHAT]: md0's dev-DEV/state reads WORDS.
expect_state() { expect_eq "$2" "$(cat $MD/dev-$1/state)" "dev-$1/state${3:+ ($3)}"; }
# flags_of DEV: the examine "Flags" line of a 1.x member ("" when it has none).
flags_of() { mdadm --examine "/dev/$1" | sed -n 's/^ *Flags : //p'; }
# detail_of DEV: the --detail state words of a member, e.g. "active sync writemostly".
detail_of() {
    mdadm --detail /dev/md0 | sed -n "s,^ *[0-9-]* *[0-9]* *[0-9]* *[0-9-]* *\(.*[^ ]\) */dev/$1\$,\1,p"
}
# md0_sum_ok WHAT: all of md0 reads back (O_DIRECT) with the md5sum $SUM.
md0_sum_ok() {
    expect_eq "$SUM" "$(dd if=/dev/md0 bs=1M iflag=direct 2>/dev/null | md5sum)" "$1: md0 data"
}
