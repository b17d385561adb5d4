# Members with corrupted superblocks or from another array are refused (through mdadm and
# through raw ADD_NEW_DISK) with a kernel warning and nothing written to them; a mounted
# array refuses to stop and keeps working; bad ioctl numbers and pointers on a running array.
# impls: rust c
# run-vm: --disks 4 --disk-size 128M
nbad=0
bad() { echo "FAIL: $*"; nbad=$((nbad + 1)); }
check_eq() { [ "$1" = "$2" ] || bad "$3: expected [$1], got [$2]"; }
# The md lines of level warning or worse logged since the last mark().
m=0
mark() { m=$((m + 1)); echo "<6>t-badinput mark $m" > /dev/kmsg; }
kwarn() { dmesg -r | sed -n "/t-badinput mark $m\$/,\$p" | sed -n 's/^<[0-4]>\[[ 0-9.]*\] \(md.*\)/\1/p'; }
# The expected text for this implementation: C_TEXT RUST_TEXT
per_impl() { if [ "$IMPL" = c ]; then printf '%s' "$1"; else printf '%s' "$2"; fi; }
# md5 of a device's first and last MiB, as on the device (not its page cache).
fingerprint() {
    echo 3 > /proc/sys/vm/drop_caches
    mib=$(($(cat /sys/class/block/${1#/dev/}/size) / 2048))
    { dd if="$1" bs=1M count=1 2>/dev/null; dd if="$1" bs=1M skip=$((mib - 1)) count=1 2>/dev/null; } | md5sum
}
md0_gone() { ! grep -q '^md0 ' /proc/mdstat; }
SB=4096 # v1.2: the superblock is 4 KiB into the member

# Two arrays: vda+vdb (with data) and vdc+vdd.
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 /dev/vda /dev/vdb > /tmp/out 2>&1 || { cat /tmp/out; fail "create md0"; }
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
dd if=/tmp/pattern of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "write md0"
mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop md0"; }
mdadm --create /dev/md1 --run --assume-clean -l1 -n2 /dev/vdc /dev/vdd > /tmp/out 2>&1 || { cat /tmp/out; fail "create md1"; }
mdadm --stop /dev/md1 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop md1"; }
dd if=/dev/vdb of=/tmp/vdb.sb bs=4096 skip=1 count=1 2>/dev/null || fail "save vdb superblock"

# try NAME MEMBER ASSEMBLE_RC ASSEMBLE_OUTPUT KERNEL C_KLOG RUST_KLOG
# MEMBER (vdb, corrupted, or vdc, from md1) is offered with vda, first by mdadm --assemble,
# then by raw SET_ARRAY_INFO + ADD_NEW_DISK; both refuse it and write nothing. KERNEL is
# "kernel" when mdadm passes the member to the kernel, "mdadm" when it refuses it itself
# (then only the raw pass logs C_KLOG / RUST_KLOG).
try() {
    name=$1; dev=/dev/$2
    klog=$(per_impl "$6" "$7")
    if [ "$5" = kernel ]; then mdadm_klog=$klog; else mdadm_klog=; fi
    fa=$(fingerprint /dev/vda); fm=$(fingerprint $dev)
    mark
    # (mdadm falls back to mknod when its new_array write fails because md0 is not yet
    # freed from the previous attempt: with both mds, timing-dependent.)
    out=$(mdadm --assemble /dev/md0 /dev/vda $dev 2>&1); rc=$?
    out=$(echo "$out" | grep -v '^mdadm: Fail to create md0 when using /sys/module/md_mod/parameters/new_array, fallback to creation via node$')
    check_eq "$3" "$rc" "$name: mdadm --assemble exit status"
    check_eq "$4" "$out" "$name: mdadm --assemble output"
    # Refused: md0 is not configured (it may exist, as clear, when mdadm opened it).
    md0_gone || { bad "$name: md0 left configured after the refused assembly"; mdadm --stop /dev/md0; }
    check_eq "$mdadm_klog" "$(kwarn)" "$name: kernel warnings (mdadm --assemble)"

    mark
    mknod_md 0
    out=$(mdioctl /dev/md0 add 2 /dev/vda $dev)
    check_eq "SET_ARRAY_INFO: ok
vda: ok
$2: EINVAL 22" "$out" "$name: raw ADD_NEW_DISK"
    check_eq "md0 : inactive vda[0](S)" "$(grep '^md0 ' /proc/mdstat)" "$name: mdstat after the refused ADD_NEW_DISK"
    check_eq ok "$(mdioctl /dev/md0 raw 0x932)" "$name: STOP_ARRAY of the inactive array"
    md0_gone || bad "$name: md0 still listed after STOP_ARRAY"
    # md frees md0 after the last close, asynchronously: mdadm's next create of md0
    # through new_array must not race with it.
    wait_gone /sys/block/md0 || bad "$name: md0 not freed after STOP_ARRAY and close"
    check_eq "$klog" "$(kwarn)" "$name: kernel warnings (raw ADD_NEW_DISK)"

    check_eq "$fm" "$(fingerprint $dev)" "$name: first+last MiB of refused $dev"
    check_eq "$fa" "$(fingerprint /dev/vda)" "$name: first+last MiB of vda"
    dd if=/tmp/vdb.sb of=/dev/vdb bs=4096 seek=1 conv=notrunc,fsync 2>/dev/null || fail "restore vdb superblock"
    echo "done: $name"
}

NOTADDED="mdadm: failed to add /dev/vdb to /dev/md0: Invalid argument
mdadm: /dev/md0 assembled from 1 drive - need all 2 to start it (use --run to insist)."
NOTIMPORTED="md: vdb does not have a valid v1.2 superblock, not importing!
md: md_import_device returned -22"

mdioctl /dev/vdb sb1set $SB 216 le32 0x12345678 > /dev/null || fail "corrupt sb_csum"
try "bad checksum" vdb 1 "$NOTADDED" kernel \
    "md: invalid superblock checksum on vdb
$NOTIMPORTED" \
    "md: vdb: invalid superblock: bad checksum"

mdioctl /dev/vdb sb1set $SB 0 le32 0x12345678 > /dev/null || fail "corrupt magic"
try "bad magic" vdb 1 "mdadm: No super block found on /dev/vdb (Expected magic a92b4efc, got 12345678)
mdadm: no RAID superblock on /dev/vdb
mdadm: /dev/vdb has no superblock - assembly aborted" mdadm \
    "$NOTIMPORTED" \
    "md: vdb: invalid superblock: bad magic"

mdioctl /dev/vdb sb1set $SB 4 le32 2 > /dev/null || fail "corrupt major_version"
try "major version 2" vdb 1 "mdadm: Cannot interpret superblock on /dev/vdb - version is 2
mdadm: no RAID superblock on /dev/vdb
mdadm: /dev/vdb has no superblock - assembly aborted" mdadm \
    "$NOTIMPORTED" \
    "md: vdb: invalid superblock: bad major version"

# data_size (le64 at 136) far beyond the 128 MiB device, checksum recomputed.
mdioctl /dev/vdb sb1set $SB 136 le64 0x1000000000 > /dev/null || fail "corrupt data_size"
try "data_size beyond the device" vdb 1 "$NOTADDED" kernel \
    "$NOTIMPORTED" \
    "md: vdb: invalid superblock: data beyond end of device"

try "member of another array" vdc 1 "mdadm: superblock on /dev/vdc doesn't match others - assembly aborted" mdadm \
    "md: vdc has strangely different superblock to vda
md: vdc has different UUID to vda" \
    "md: vdc has different UUID to vda"

# The intact members still assemble, with their data.
out=$(mdadm --assemble /dev/md0 /dev/vda /dev/vdb 2>&1) || fail "assemble after the refusals: $out"
grep -q '^md0 : active raid1 ' /proc/mdstat && grep -q '\[2/2\] \[UU\]$' /proc/mdstat \
    || { cat /proc/mdstat; fail "md0 not active with [2/2] [UU] after assembling the intact members"; }
check_eq "$(md5sum < /tmp/pattern)" "$(dd if=/dev/md0 bs=1M count=4 iflag=direct 2>/dev/null | md5sum)" "md0 data after the refusals"

# A mounted array refuses to stop (mdadm cannot get it exclusively; STOP_ARRAY and
# STOP_ARRAY_RO say EBUSY) and keeps working.
mkfs.ext4 -q -F /dev/md0 || fail mkfs.ext4
mkdir -p /mnt
mount /dev/md0 /mnt || fail mount
line=$(grep '^md0 ' /proc/mdstat)
mark
out=$(mdadm --stop /dev/md0 2>&1); rc=$?
check_eq 1 "$rc" "mdadm --stop of a mounted array: exit status"
check_eq "mdadm: Cannot get exclusive access to /dev/md0:Perhaps a running process, mounted filesystem or active volume group?" \
    "$out" "mdadm --stop of a mounted array: output"
check_eq "EBUSY 16" "$(mdioctl /dev/md0 raw 0x932)" "STOP_ARRAY while mounted"
check_eq "EBUSY 16" "$(mdioctl /dev/md0 raw 0x933)" "STOP_ARRAY_RO while mounted"
check_eq "" "$(kwarn)" "kernel warnings for the refused stops"
check_eq "$line" "$(grep '^md0 ' /proc/mdstat)" "mdstat after the refused stops"
dd if=/dev/urandom of=/mnt/after bs=1M count=8 2>/dev/null || bad "write after the refused stops"
sum=$(md5sum < /mnt/after)
sync; echo 3 > /proc/sys/vm/drop_caches
check_eq "$sum" "$(md5sum < /mnt/after)" "file written after the refused stops, read back"

# ioctls on the running array: unknown numbers ENOTTY, bad pointers EFAULT.
mark
check_eq "ENOTTY 25" "$(mdioctl /dev/md0 raw 0x1234)" "unknown ioctl 0x1234 (running)"
check_eq "ENOTTY 25" "$(mdioctl /dev/md0 raw 0x0914)" "RAID_AUTORUN (running)"
check_eq "ENOTTY 25" "$(mdioctl /dev/md0 raw 0x800c09ff)" "unknown md ioctl 0xff (running)"
for c in 0x800c0910:RAID_VERSION 0x80480911:GET_ARRAY_INFO 0x80140912:GET_DISK_INFO \
         0x90000915:GET_BITMAP_FILE 0x40140921:ADD_NEW_DISK; do
    check_eq "EFAULT 14" "$(mdioctl /dev/md0 raw ${c%%:*} null)" "${c#*:} with NULL (running)"
    check_eq "EFAULT 14" "$(mdioctl /dev/md0 raw ${c%%:*} bad)" "${c#*:} with an unmapped pointer (running)"
done
check_eq "EFAULT 14" "$(mdioctl /dev/md0 raw 0x40480923 bad)" "SET_ARRAY_INFO from an unmapped pointer (running)"
# NULL SET_ARRAY_INFO is read as all zeroes: an update of a running array md refuses.
check_eq "EINVAL 22" "$(mdioctl /dev/md0 raw 0x40480923 null)" "SET_ARRAY_INFO from NULL (running)"
check_eq "EBUSY 16" "$(mdioctl /dev/md0 raw 0x400c0930)" "RUN_ARRAY (running)"
check_eq "md: couldn't update array info. -22" "$(kwarn)" "kernel warnings for the bad ioctls"
check_eq "$line" "$(grep '^md0 ' /proc/mdstat)" "mdstat after the bad ioctls"
check_eq "$sum" "$(md5sum < /mnt/after)" "file after the bad ioctls"

umount /mnt || fail umount
e2fsck -fn /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; bad "e2fsck -fn"; }
mdadm --stop /dev/md0 > /tmp/out 2>&1 || { cat /tmp/out; fail "stop after umount"; }
for d in /dev/vda /dev/vdb; do
    mdadm --examine $d > /tmp/out 2>&1
    grep -Eq '^ +Checksum : [0-9a-f]+ - correct$' /tmp/out || { cat /tmp/out; bad "$d checksum at the end"; }
    grep -Eq '^ +State : clean$' /tmp/out || { cat /tmp/out; bad "$d not clean at the end"; }
done
[ $nbad -eq 0 ] || fail "$nbad checks failed"
pass "badinput ($IMPL)"
