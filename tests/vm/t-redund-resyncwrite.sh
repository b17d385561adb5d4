# Writes racing a resync: while the initial resync of a new array runs (held slow),
# fio writes and verifies blocks all over the array and right at the moving resync
# position. Every verify passes, the resync completes, and afterwards the data is
# still what was written last, the mirrors are identical (check: 0 mismatches) and
# the members' data areas compare equal.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
echo 1000 > /proc/sys/dev/raid/speed_limit_max     # 63 MiB: >= 60 s at 1 MB/s
echo 1000 > /proc/sys/dev/raid/speed_limit_min
mdadm --create /dev/md0 --run -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
wait_action "create" resync
# still_resyncing WHAT: the resync must still be running (the writes raced it);
# with "soft", only a note (a very slow VM).
still_resyncing() {
    [ "$(cat $MD/sync_action)" = resync ] && return 0
    cat /proc/mdstat
    [ "${2:-}" = soft ] && { echo "note: $1: the resync has already finished"; return 0; }
    fail "$1: resync no longer running (at 1 MB/s it should take a minute)"
}
fio_w() { # NAME SEED OFFSET SIZE BS [more fio options]: random writes, verified
    _n=$1 _s=$2 _o=$3 _z=$4 _b=$5; shift 5
    fio --name=$_n --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 --rw=randwrite \
        --bs=$_b --offset=$_o --size=$_z --randseed=$_s --verify=crc32c --verify_backlog=32 \
        --verify_fatal=1 --do_verify=1 "$@" --output=/tmp/$_n.out > /dev/null 2>&1 \
        || { cat /tmp/$_n.out; fail "fio $_n (writes during resync) failed"; }
    grep -Eq 'err= *0' /tmp/$_n.out || { cat /tmp/$_n.out; fail "fio $_n: errors"; }
}

# 1: 64 KiB writes scattered over the whole array (ahead of and behind the resync).
fio_w all1 11 0 63M 64k --io_size=4M
echo "after all1: $(mdstat_progress | sed 's/^ *//')"
still_resyncing "after all1"
# 2: 16 KiB writes into the 4 MiB around the current resync position (1 MiB behind
# it, 3 MiB ahead), three times as it moves on.
for k in 1 2 3; do
    # KiB resynced, from mdstat's "(done/total)"
    pos=$(mdstat_progress | sed -n 's/.*resync = *[0-9.]*% (\([0-9]*\)\/.*/\1/p')
    [ -n "$pos" ] || { cat /proc/mdstat; fail "no resync position in mdstat"; }
    off=$(( pos / 1024 ))                              # MiB
    [ $off -ge 1 ] && off=$((off - 1))
    [ $off -gt 59 ] && off=59
    fio_w at$k $((20 + k)) ${off}M 4M 16k --io_size=2M
    echo "writes at resync position ${off} MiB (mdstat: $pos KiB done): $(mdstat_progress | sed 's/^ *//')"
    still_resyncing "after at$k" soft
    sleep 1
done
# 3: the last pass over the whole array, verified again after the resync.
fio_w all2 12 0 63M 64k --io_size=4M
still_resyncing "after all2" soft
pass "writes during the resync verified ($(uptime_s) s)"

sync_fast
wait_idle "resync" 240
echo "resync done at $(uptime_s) s"
dmesg_has "resync" "md: resync of RAID array md0"
dmesg_has "resync" "md: md0: resync done."
expect_eq resync "$(cat $MD/last_sync_action)" "last_sync_action"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the resync"
# all2's blocks, read again now that the resync is over (without writing).
fio --name=all2 --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 --rw=randwrite \
    --bs=64k --offset=0 --size=63M --randseed=12 --verify=crc32c --verify_fatal=1 \
    --io_size=4M --verify_only --output=/tmp/verify.out > /dev/null 2>&1 \
    || { cat /tmp/verify.out; fail "all2's data changed by the resync"; }
grep -E 'read: IOPS' /tmp/verify.out | sed 's/^ */verify after resync: /'
check_clean "check after the resync"
echo "check done at $(uptime_s) s"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
members_identical "after resync with writes" $M
pass "resync with writes ($IMPL)"
