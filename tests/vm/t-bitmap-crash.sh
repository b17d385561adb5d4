# Write-intent bitmap (issue 11, test 3): power cut (sysrq b) while an ext4 on a
# bitmap array is written. Next boot: the bitmap on the members shows a few dirty
# chunks (the ones being written), the assembly resyncs and the resync reads only
# those chunks (sectors read from the members, /sys/block/vdX/stat, about dirty x
# chunk x 2 mirrors, far below the array), after it the bitmap is clean again, the
# file system is consistent (journal replayed, e2fsck -fn clean), the files synced
# before the cut have their checksums, and a check finds no mismatch.
# impls: rust c
# boots: 2
# run-vm: --disks 3 --disk-size 256M
M="/dev/vda /dev/vdb"
CHUNK_KIB=1024
mkdir -p /mnt
if [ "$BOOT" = 1 ]; then
    mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=internal --bitmap-chunk=${CHUNK_KIB}K $M \
        > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/md0 || fail "mkfs.ext4"
    mount /dev/md0 /mnt || fail "mount"
    for i in 1 2 3; do
        dd if=/dev/urandom of=/mnt/f$i bs=1M count=4 2>/dev/null || fail "write /mnt/f$i"
    done
    sync
    (cd /mnt && md5sum f1 f2 f3) > /tmp/sums
    dd if=/tmp/sums of=/dev/vdc bs=4k conv=sync,fsync 2>/dev/null || fail "saving the sums on vdc"
    # Everything written so far settles: the bitmap clean (mdadm 4.2 creates it all
    # dirty; md clears idle chunks), so the dirty chunks at the cut are the writers'.
    wait_bm_clean "bitmap before the writers" /dev/vda 120
    echo 60 > $MD/safe_mode_delay
    # Writers confined to two files (fio O_DIRECT random writes over 8 MiB; a 2 MiB
    # file rewritten with fsync), so that a few chunks are dirty at the cut.
    ( while :; do dd if=/dev/urandom of=/mnt/bg bs=64k count=32 conv=fsync 2>/dev/null; done ) &
    fio --name=bg --filename=/mnt/bgfio --size=8M --rw=randwrite --bs=4k --direct=1 --ioengine=libaio \
        --iodepth=8 --time_based --runtime=120 > /dev/null 2>&1 &
    sleep 5
    echo 3 > /proc/sys/vm/drop_caches
    echo "dirty chunks before the cut: $(bm_dirty /dev/vda) of $(bm_bits /dev/vda)"
    expect_eq active "$(cat $MD/array_state)" "array_state with writes in flight"
    crash_now
fi

# --- boot 2
dd if=/dev/vdc bs=4k count=1 2>/dev/null | tr -d '\000' > /tmp/sums
[ -s /tmp/sums ] || fail "no checksums on vdc"
for d in $M; do
    mdadm --examine $d | grep -Eq '^ +State : active$' || { mdadm --examine $d; fail "$d superblock not active after the power cut"; }
done
dirty=$(bm_dirty /dev/vda); bits=$(bm_bits /dev/vda)
dirty_b=$(bm_dirty /dev/vdb)
echo "bitmap at assembly: vda $dirty dirty, vdb $dirty_b dirty, of $bits chunks"
[ "$dirty" -ge 1 ] || fail "no dirty chunk in the bitmap after a power cut during writes"
[ "$dirty" -le $((bits / 4)) ] || fail "$dirty of $bits chunks dirty: not a few"
ra0=$(dev_rd vda); rb0=$(dev_rd vdb)
mdadm --assemble /dev/md0 $M > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "assemble after the power cut"; }
t0=$(uptime_s)
sync_fast
dmesg_has "assemble" "md/raid1:md0: not clean -- starting background reconstruction"
wait_action "assemble" resync 60
wait_idle "resync after the power cut" 300
res_s=$(secs_since "$t0")
read_s=$(( $(dev_rd vda) - ra0 + $(dev_rd vdb) - rb0 ))
dmesg_has "resync" "md: md0: resync done."
expect_eq resync "$(cat $MD/last_sync_action)" "last_sync_action"
array_kib=$(mdadm --detail /dev/md0 | sed -n 's/^ *Array Size : \([0-9]*\) .*/\1/p')
echo "bitmap-crash: dirty=$dirty of $bits chunks (${CHUNK_KIB} KiB) resync_s=$res_s members_read_sectors=$read_s array_sectors=$((array_kib * 2))"
# The resync reads each dirty chunk from both mirrors; the assembly itself reads
# superblocks and bitmap pages.
lim=$(( dirty * CHUNK_KIB * 2 * 2 + 4096 ))
[ "$read_s" -le "$lim" ] || fail "the resync read $read_s sectors, more than $dirty dirty chunks on 2 mirrors ($lim)"
[ "$read_s" -lt "$array_kib" ] || fail "the resync read $read_s sectors: a full resync"
pass "resync of $dirty dirty chunks: $read_s sectors read in ${res_s}s"

mount /dev/md0 /mnt || fail "mount after the power cut"
(cd /mnt && md5sum -c /tmp/sums) || fail "files synced before the power cut differ"
umount /mnt || fail "umount"
e2fsck -fn /dev/md0 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck -fn after the journal replay"; }
tail -1 /tmp/fsck.out
check_clean "check after the bitmap resync"
wait_bm_clean "bitmap after the resync" /dev/vda 120
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
pass "bitmap crash ($IMPL)"
