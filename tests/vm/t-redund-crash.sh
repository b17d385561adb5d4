# Crash consistency: power is cut (sysrq b: no reboot notifier, no clean mark) while
# an ext4 on md0 is being written. On the next boot the array assembles, md sees it
# was not shut down clean and resyncs it in the background ("not clean -- starting
# background reconstruction"); after that the mirrors are identical (check: 0
# mismatches), the file system is consistent (journal replayed by a mount, then
# e2fsck -fn clean) and the files synced before the crash have their checksums.
# The checksums survive on vdc, a plain scratch disk outside the array.
# impls: rust c
# boots: 2
# run-vm: --disks 3 --disk-size 128M
M="/dev/vda /dev/vdb"
mkdir -p /mnt
if [ "$BOOT" = 1 ]; then
    mdadm --create /dev/md0 --run -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
    sync_fast
    wait_idle "initial resync"
    mkfs.ext4 -q -F /dev/md0 || fail "mkfs.ext4"
    mount /dev/md0 /mnt || fail "mount"
    for i in 1 2 3 4; do
        dd if=/dev/urandom of=/mnt/f$i bs=1M count=4 2>/dev/null || fail "write /mnt/f$i"
    done
    mkdir /mnt/dir && cp /mnt/f1 /mnt/dir/copy
    sync
    (cd /mnt && md5sum f1 f2 f3 f4 dir/copy) > /tmp/sums
    # vdc: the checksums, NUL-padded, written through to the disk.
    dd if=/tmp/sums of=/dev/vdc bs=4k conv=sync,fsync 2>/dev/null || fail "saving the sums on vdc"
    cat /tmp/sums
    # md marks the array clean after safe_mode_delay (0.2 s) without writes; a long
    # delay keeps it dirty through any pause of the writers (a loaded host).
    echo 60 > $MD/safe_mode_delay
    # Writers that keep md0 busy (and so dirty) until the power cut: buffered
    # files with fsync, and O_DIRECT random writes.
    ( i=0; while :; do dd if=/dev/urandom of=/mnt/bg$i bs=64k count=32 conv=fsync 2>/dev/null; i=$((i + 1)); done ) &
    fio --name=bg --filename=/mnt/bgfio --size=8M --rw=randwrite --bs=4k --direct=1 --ioengine=libaio \
        --iodepth=8 --time_based --runtime=120 > /dev/null 2>&1 &
    sleep 4
    grep -A2 '^md0' /proc/mdstat
    st=$(cat $MD/array_state)
    echo "array_state before the power cut: $st"
    expect_eq active "$st" "array_state with writes in flight"
    echo "power cut at $(uptime_s) s"
    crash_now
fi

# --- boot 2
dd if=/dev/vdc bs=4k count=1 2>/dev/null | tr -d '\000' > /tmp/sums
[ -s /tmp/sums ] || fail "no checksums on vdc (boot 1 did not get that far?)"
for d in $M; do
    mdadm --examine $d > /tmp/examine
    grep -E '^ +(State|Events) :' /tmp/examine | sed "s|^ *|$d: |"
    grep -Eq '^ +State : active$' /tmp/examine || { cat /tmp/examine; fail "$d superblock not active (dirty) after the power cut"; }
done
mdadm --assemble /dev/md0 $M > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "mdadm --assemble after the power cut"; }
cat /tmp/assemble.out
dmesg_has "assemble" "md/raid1:md0: not clean -- starting background reconstruction"
dmesg_has "assemble" "md/raid1:md0: active with 2 out of 2 mirrors"
t0=$(uptime_s)
sync_fast
wait_action "assemble" resync
wait_idle "resync after the power cut"
echo "resync took $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s; $(grep -c resync /tmp/progress.log 2>/dev/null || echo 0) progress samples"
dmesg_has "resync" "md: resync of RAID array md0"
dmesg_has "resync" "md: md0: resync done."
expect_eq "130048 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the resync"
expect_eq resync "$(cat $MD/last_sync_action)" "last_sync_action"
pass "dirty array assembled and resynced"

# The journal is replayed by a mount; then the file system must be consistent.
mount /dev/md0 /mnt || fail "mount after the power cut"
(cd /mnt && md5sum -c /tmp/sums) || fail "files synced before the power cut differ"
ls /mnt | tr '\n' ' '; echo
umount /mnt || fail "umount"
e2fsck -fn /dev/md0 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck -fn after the journal replay"; }
tail -1 /tmp/fsck.out
pass "file system consistent, synced files intact"

check_clean "check after the crash resync"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
members_identical "after the crash resync" $M
pass "crash ($IMPL)"
