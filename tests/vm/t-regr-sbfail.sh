# Regression (issue 9): a failed superblock write fails its member (super_written -> md_error); MD_BROKEN refuses writes after the last member's error
# impls: rust c
# Repro (3 boots): superblock write errors are only logged (C md fails the member:
# super_written -> md_error). Boot 2: vdb's superblock sector cannot be written and
# one data range of vda cannot be written. The dirty mark never reaches vdb, then
# a write error fails vda, and the survivor vdb takes (and acknowledges) writes
# while its superblock still says "clean, vda active". After a power cut the array
# resyncs from vda (first in-sync mirror, dirty, one event ahead) over vdb: the
# acknowledged, fsynced write B is gone. (C md fails vdb at the first superblock
# error and then refuses writes, MD_BROKEN, once vda fails too.)
# boots: 3
# run-vm: --disks 3 --disk-size 64M
# run-vm-boot-2: --fault vdb:write:8 --fault vda:write:67584+64
M="/dev/vda /dev/vdb"
if [ "$BOOT" = 1 ]; then
    # shellcheck disable=SC2086
    nobbl_array $M
    pass "boot 1"; exit 0
fi
if [ "$BOOT" = 2 ]; then
    mdadm --assemble /dev/md0 $M > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail assemble; }
    dd if=/dev/urandom of=/tmp/A bs=1M count=1 2>/dev/null; dd if=/dev/urandom of=/tmp/B bs=1M count=1 2>/dev/null
    dd if=/tmp/A of=/dev/md0 bs=1M seek=1 oflag=direct conv=fsync 2>/dev/null; ra=$?
    dd if=/dev/zero of=/dev/md0 bs=512 seek=65536 count=64 oflag=direct conv=fsync 2>/dev/null; rx=$?
    sleep 1
    dd if=/tmp/B of=/dev/md0 bs=1M seek=8 oflag=direct conv=fsync 2>/dev/null; rb=$?
    echo "A rc=$ra  X rc=$rx  B rc=$rb"
    grep -A2 '^md0' /proc/mdstat
    dmesg | grep -E "superblock write failed|Disk failure|gets error" | head -5
    printf 'rb=%s md5=%s\n' $rb "$(md5sum < /tmp/B | cut -d' ' -f1)" | dd of=/dev/vdc bs=4k conv=sync,fsync 2>/dev/null
    crash_now
fi
# boot 3
dd if=/dev/vdc bs=4k count=1 2>/dev/null | tr -d '\000' > /tmp/rec; cat /tmp/rec
. /tmp/rec
for d in $M; do mdadm --examine $d | grep -E "^ +(State|Events|Device Role) :" | sed "s|^ *|$d: |"; done
mdadm --assemble --run /dev/md0 $M > /tmp/a.out 2>&1; cat /tmp/a.out
sync_fast; sleep 1
[ -d $MD ] && wait_idle "after the power cut"
grep -A2 '^md0' /proc/mdstat
now=$(region_md5 /dev/md0 $((8 << 20)) $((1 << 20)))
echo "B written with rc=$rb, md5 then $md5, now $now"
[ "$rb" = 0 ] && [ "$now" != "$md5" ] && fail "acknowledged write B lost after the power cut"
pass "no acknowledged write lost"
