# Bad-block log (issue 12, test 2): logs move between the C md and the implementation
# under test in both directions. The C md records bad ranges (through sysfs
# dev-NAME/bad_blocks, whole-member sectors) on both members and writes them out with
# the superblocks; the array is then assembled on $IMPL with both members ([2/2] [UU]:
# a member with recorded bad blocks is not refused), dev-vdX/bad_blocks shows the same
# lists as --examine-badblocks, the data reads back, reads of a range bad on vdb come
# from vda only; more ranges are recorded under $IMPL and written out; back on the C md
# both members assemble and both lists are complete (the C md's ranges and $IMPL's),
# in sysfs and on disk. The test loads each driver itself.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
# Bad ranges (member sectors) away from the data (array sectors 0..2047 = member
# 2048..4095), sb_flush's write (member 102048) and the faulted sectors (67648).
C_VDB="10240 8
18432 16"
C_VDA="14336 8"
I_VDB="30000 8"
I_VDA="40000 32"
ALL_VDB="$C_VDB
$I_VDB"
ALL_VDA="$C_VDA
$I_VDA"
# lists WHAT VDA VDB: both members' lists, in sysfs and on disk, are these.
lists() {
    expect_eq "$2" "$(bb_sysfs vda)" "$1: dev-vda/bad_blocks"
    expect_eq "$3" "$(bb_sysfs vdb)" "$1: dev-vdb/bad_blocks"
    expect_eq "" "$(cat $MD/dev-vda/unacknowledged_bad_blocks)$(cat $MD/dev-vdb/unacknowledged_bad_blocks)" \
        "$1: unacknowledged_bad_blocks"
    expect_eq "$2" "$(bb_examine /dev/vda)" "$1: --examine-badblocks vda"
    expect_eq "$3" "$(bb_examine /dev/vdb)" "$1: --examine-badblocks vdb"
    for d in $M; do expect_eq 0x8 "$(feature_map $d)" "$1: $d: Feature Map"; done
}
data_ok() { # WHAT: md0's first MiB is /tmp/data
    dd if=/dev/md0 of=/tmp/back bs=64k count=16 iflag=direct 2>/dev/null || fail "$1: read the data"
    cmp /tmp/data /tmp/back || fail "$1: data differs"
}
assemble() { # WHAT
    mdadm --assemble /dev/md0 $M > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "$1: assemble"; }
    expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "$1: mdstat"
    expect_eq "in_sync in_sync" "$(cat $MD/dev-vda/state) $(cat $MD/dev-vdb/state)" "$1: member states"
}

unload_md $IMPL || fail "rmmod $IMPL"
load_md c || fail "insmod the C md"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create (C md)"; }
expect_data_offset /dev/vdb $DOFF
dd if=/dev/urandom of=/tmp/data bs=1M count=1 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=64k oflag=direct conv=notrunc 2>/dev/null || fail "write the data"
echo "$C_VDB" | while read -r s l; do bb_inject vdb $s $l; done
echo "$C_VDA" | while read -r s l; do bb_inject vda $s $l; done
sb_flush "C md"
lists "C md" "$C_VDA" "$C_VDB"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop (C md)"
pass "the C md wrote both logs"

unload_md c || fail "rmmod the C md"
load_md $IMPL || fail "insmod $IMPL"
assemble "on $IMPL"
lists "on $IMPL" "$C_VDA" "$C_VDB"
data_ok "on $IMPL"
# Member sectors 10240..10247 (array 8192..8199) are bad on vdb: read from vda.
ra=$(dev_rd vda); rb=$(dev_rd vdb)
dd if=/dev/md0 of=/dev/null bs=4k count=1 iflag=direct,skip_bytes skip=$(((10240 - DOFF) * 512)) 2>/dev/null || fail "read of vdb's bad range"
expect_eq "0 8" "$(( $(dev_rd vdb) - rb )) $(( $(dev_rd vda) - ra ))" "sectors read from vdb and vda for vdb's bad range on $IMPL"
echo "$I_VDB" | while read -r s l; do bb_inject vdb $s $l; done
echo "$I_VDA" | while read -r s l; do bb_inject vda $s $l; done
sb_flush "$IMPL"
lists "$IMPL, more recorded" "$ALL_VDA" "$ALL_VDB"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop ($IMPL)"
pass "$IMPL took the C md's logs and added to them"

unload_md $IMPL || fail "rmmod $IMPL"
load_md c || fail "insmod the C md (2)"
assemble "back on the C md"
lists "back on the C md" "$ALL_VDA" "$ALL_VDB"
data_ok "back on the C md"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop (C md, 2)"
unload_md c || fail "rmmod the C md (2)"
load_md $IMPL || fail "insmod $IMPL (2)"
pass "bb-migrate ($IMPL)"
