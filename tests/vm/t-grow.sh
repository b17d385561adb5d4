# Growing and shrinking the mirror count (mdadm --grow --raid-devices, md's
# update_raid_disks + raid1_reshape) while an application writes and verifies
# through md0 (fio, O_DIRECT): 2 -> 3 without a spare ([3/2] [UU_]), --add then
# recovers the new slot; a shrink with three working mirrors is refused; after
# failing and removing the middle one, 3 -> 2 packs the last member into slot 1
# (no data moved); with a spare present 2 -> 3 recovers it at once; a shrink
# through md/raid_disks moves the last member down. md/raid_disks,
# md/rdN, mdstat, --detail and --examine (Raid Devices, Device Role) follow each
# step; the data stays intact, check finds 0 mismatches, and the array assembles
# again with the new count.
# impls: rust c
# run-vm: --disks 3 --disk-size 64M
M=/sys/block/md0/md
sync_fast
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 /dev/vda /dev/vdb > /tmp/create.out 2>&1 \
    || { cat /tmp/create.out; fail "mdadm --create"; }
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after create"

# A pattern over the whole array first, read back at the end (past fio's region).
dd if=/dev/urandom of=/tmp/head bs=1M count=40 2>/dev/null
dd if=/tmp/head of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "writing the pattern"
HEAD=$(md5sum < /tmp/head | cut -d' ' -f1); rm -f /tmp/head

# fio passes over the last 16 MiB (as t-redund-recovery): 16 KiB random writes,
# each verified, a new seed per pass; they run until /tmp/fio.stop appears.
fio_pass() { # N
    fio --name=p$1 --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=4 \
        --rw=randwrite --bs=16k --offset=44M --size=16M --io_size=2M --randseed=$((2000 + $1)) \
        --verify=crc32c --verify_backlog=64 --verify_fatal=1 --do_verify=1 \
        --output=/tmp/fio.$1.out > /dev/null 2>&1
    echo $? > /tmp/fio.$1.rc
}
(
    n=1
    while [ ! -e /tmp/fio.stop ]; do
        fio_pass $n
        [ "$(cat /tmp/fio.$n.rc)" = 0 ] || break
        echo $n > /tmp/fio.done
        n=$((n + 1))
    done
) &
fio_loop=$!
sleep 2

# members: md0's mdstat member list, e.g. "vdc[3] vdb[1] vda[0]".
members() { sed -n 's/^md0 : active raid1 //p' /proc/mdstat; }
# raid_devices DEV: "Raid Devices" of DEV's superblock.
raid_devices() { mdadm --examine "/dev/$1" | sed -n 's/^ *Raid Devices : //p'; }
# role_of DEV: "Device Role" of DEV's superblock, e.g. "Active device 1".
role_of() { mdadm --examine "/dev/$1" | sed -n 's/^ *Device Role : //p'; }
# rd_links: md/rdN and the member each names, e.g. "rd0=vda rd1=vdc".
rd_links() {
    for _l in $M/rd*; do
        [ -e "$_l" ] || continue
        printf '%s=%s ' "${_l##*/}" "$(readlink "$_l" | sed 's,.*dev-,,')"
    done | sed 's/ $//'
}
# grow N WHAT [OPTION...]: mdadm --grow --raid-devices=N succeeds.
grow() {
    _n=$1 _what=$2; shift 2
    mdadm --grow /dev/md0 --raid-devices=$_n "$@" > /tmp/grow.out 2>&1 || { cat /tmp/grow.out; fail "$_what: mdadm --grow --raid-devices=$_n $*"; }
    cat /tmp/grow.out
}

# --- 2 -> 3 without a spare: a missing third mirror (mdadm wants --force for that)
mdadm --grow /dev/md0 --raid-devices=3 > /tmp/grow.out 2>&1 && { cat /tmp/grow.out; fail "2 -> 3 without a spare or --force succeeded"; }
grep -q "Need 1 spare to avoid degraded array" /tmp/grow.out || { cat /tmp/grow.out; fail "2 -> 3 without --force: mdadm's message"; }
grow 3 "2 -> 3" --force
expect_eq 3 "$(cat $M/raid_disks)" "md/raid_disks after 2 -> 3"
expect_eq "64512 blocks super 1.2 [3/2] [UU_]" "$(mdstat_state)" "mdstat after 2 -> 3"
expect_eq 1 "$(cat $M/degraded)" "degraded after 2 -> 3"
expect_eq 3 "$(raid_devices vda)" "--examine vda Raid Devices after 2 -> 3"
expect_eq 3 "$(raid_devices vdb)" "--examine vdb Raid Devices after 2 -> 3"
mdadm --detail /dev/md0 | grep -Eq '^ *Raid Devices : 3$' || { mdadm --detail /dev/md0; fail "--detail Raid Devices after 2 -> 3"; }
mdadm --detail /dev/md0 | grep -Eq '^ *State : clean, degraded|^ *State : active, degraded' || { mdadm --detail /dev/md0; fail "--detail State after 2 -> 3"; }
pass "2 -> 3 without a spare: $(mdstat_state)"

# --- --add: the spare recovers into slot 2
mdadm /dev/md0 --add /dev/vdc > /tmp/add.out 2>&1 || { cat /tmp/add.out; fail "mdadm --add vdc"; }
wait_action "--add vdc" recover
wait_idle "recovery of vdc" 300
expect_eq "64512 blocks super 1.2 [3/3] [UUU]" "$(mdstat_state)" "mdstat after recovering vdc"
expect_eq "vdc[3] vdb[1] vda[0]" "$(members)" "mdstat members after recovering vdc"
expect_eq "Active device 2" "$(role_of vdc)" "--examine vdc role"
expect_eq "rd0=vda rd1=vdb rd2=vdc" "$(rd_links)" "md/rdN with three mirrors"
pass "vdc recovered: $(mdstat_state)"

# --- 3 -> 2 with three working mirrors: refused, nothing changes
mdadm --grow /dev/md0 --raid-devices=2 > /tmp/shrink.out 2>&1 && { cat /tmp/shrink.out; fail "3 -> 2 with three working mirrors succeeded"; }
cat /tmp/shrink.out
expect_eq 3 "$(cat $M/raid_disks)" "md/raid_disks after the refused shrink"
expect_eq "64512 blocks super 1.2 [3/3] [UUU]" "$(mdstat_state)" "mdstat after the refused shrink"
echo 2 > $M/raid_disks 2>/dev/null && fail "echo 2 > md/raid_disks accepted with three working mirrors"
echo 0 > $M/raid_disks 2>/dev/null && fail "echo 0 > md/raid_disks accepted on a running array"
expect_eq 3 "$(cat $M/raid_disks)" "md/raid_disks after the refused writes"
pass "3 -> 2 refused with three working mirrors"

# --- fail and remove the middle mirror, then 3 -> 2: vdc moves to slot 1
mdadm /dev/md0 --fail /dev/vdb > /dev/null 2>&1 || fail "mdadm --fail vdb"
mdadm /dev/md0 --remove /dev/vdb > /dev/null 2>&1 || fail "mdadm --remove vdb"
expect_eq "64512 blocks super 1.2 [3/2] [U_U]" "$(mdstat_state)" "mdstat without vdb"
grow 2 "3 -> 2"
expect_eq 2 "$(cat $M/raid_disks)" "md/raid_disks after 3 -> 2"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after 3 -> 2"
expect_eq "vdc[3] vda[0]" "$(members)" "mdstat members after 3 -> 2"
expect_eq 0 "$(cat $M/degraded)" "degraded after 3 -> 2"
expect_eq 1 "$(cat $M/dev-vdc/slot)" "dev-vdc/slot after 3 -> 2"
expect_eq "rd0=vda rd1=vdc" "$(rd_links)" "md/rdN after 3 -> 2"
expect_eq "Active device 1" "$(role_of vdc)" "--examine vdc role after 3 -> 2"
expect_eq 2 "$(raid_devices vdc)" "--examine vdc Raid Devices after 3 -> 2"
mdadm --detail /dev/md0 | grep -Eq '^ *[0-9]+ +[0-9]+ +[0-9]+ +1 +active sync +/dev/vdc$' \
    || { mdadm --detail /dev/md0; fail "--detail: vdc is not RaidDevice 1"; }
pass "3 -> 2 after removing vdb: $(members)"

# --- 2 -> 3 with a spare present: it recovers at once
mdadm --zero-superblock /dev/vdb > /dev/null 2>&1
mdadm /dev/md0 --add /dev/vdb > /tmp/add.out 2>&1 || { cat /tmp/add.out; fail "mdadm --add vdb"; }
expect_eq "vdb[2](S) vdc[3] vda[0]" "$(members)" "mdstat members with the spare vdb"
grow 3 "2 -> 3 with a spare"
wait_action "2 -> 3 with a spare" recover
wait_idle "recovery of vdb" 300
expect_eq "64512 blocks super 1.2 [3/3] [UUU]" "$(mdstat_state)" "mdstat after 2 -> 3 with a spare"
expect_eq "Active device 2" "$(role_of vdb)" "--examine vdb role after 2 -> 3"
expect_eq "rd0=vda rd1=vdc rd2=vdb" "$(rd_links)" "md/rdN after 2 -> 3 with a spare"
pass "2 -> 3 with a spare: $(mdstat_state)"

# --- through md/raid_disks: vdc (slot 1) leaves, 3 -> 2 moves vdb into slot 1
mdadm /dev/md0 --fail /dev/vdc > /dev/null 2>&1 || fail "mdadm --fail vdc"
mdadm /dev/md0 --remove /dev/vdc > /dev/null 2>&1 || fail "mdadm --remove vdc"
echo 2 > $M/raid_disks || fail "echo 2 > md/raid_disks"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after echo 2 > raid_disks"
expect_eq "rd0=vda rd1=vdb" "$(rd_links)" "md/rdN after echo 2 > raid_disks"
expect_eq "Active device 1" "$(role_of vdb)" "--examine vdb role after echo 2 > raid_disks"
expect_eq 2 "$(raid_devices vda)" "--examine vda Raid Devices after echo 2 > raid_disks"
pass "3 -> 2 through md/raid_disks: $(members)"

# --- the application saw no error and no stale data
last=$(cat /tmp/fio.done 2>/dev/null || echo 0)
i=0
while [ "$(cat /tmp/fio.done 2>/dev/null || echo 0)" -lt $((last + 1)) ] && kill -0 $fio_loop 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "fio passes stuck"
    sleep 0.1
done
touch /tmp/fio.stop
wait $fio_loop
for f in /tmp/fio.*.rc; do
    n=${f#/tmp/fio.}; n=${n%.rc}
    [ "$(cat $f)" = 0 ] || { cat /tmp/fio.$n.out; fail "fio pass $n failed (rc $(cat $f))"; }
    grep -Eq 'err= *0' /tmp/fio.$n.out || { cat /tmp/fio.$n.out; fail "fio pass $n: errors"; }
done
passes=$(ls /tmp/fio.*.rc | wc -l)
[ "$passes" -ge 2 ] || fail "only $passes fio passes"
expect_eq "$HEAD" "$(dd if=/dev/md0 bs=1M count=40 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)" "the pattern before fio's region"
pass "$passes fio passes with verify, no error; the pattern intact"

check_clean "check after the grows"
members_identical "after the grows" /dev/vda /dev/vdb
SUM=$(dd if=/dev/md0 bs=1M iflag=direct 2>/dev/null | md5sum)
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
for d in vda vdb; do
    expect_eq 2 "$(raid_devices $d)" "--examine $d Raid Devices after stop"
done
mdadm --assemble /dev/md0 /dev/vda /dev/vdb > /tmp/asm.out 2>&1 || { cat /tmp/asm.out; fail "mdadm --assemble"; }
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after assembling again"
expect_eq "vda[0] vdb[2]" "$(members)" "members after assembling again"
md0_sum_ok "after assembling again"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop after assembling"
pass "grow 2 -> 3 -> 2 -> 3 -> 2 ($IMPL)"
