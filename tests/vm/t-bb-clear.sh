# Bad-block log (issue 12, test 3): recorded bad ranges clear once the sectors are
# written successfully, and feature bit 0x8 (MD_FEATURE_BAD_BLOCKS, "Feature Map" in
# --examine, "- bad blocks present." on its Bad Block Log line) clears with the last
# one, as the C md does. Ranges are recorded on vdb through dev-vdb/bad_blocks (vdb
# never saw a write error, so md still writes to them) and written out with the
# superblock; then:
# - `repair`: md reads those sectors from vda only and rewrites them on vdb (raid1's
#   sync_request makes an in-sync member with bad blocks a write target for a resync
#   or repair), which clears the ranges; the next superblock write clears bit 0x8 and
#   empties the on-disk log. The C md (6.12) writes the wrong data there: with
#   `repair` (MD_RECOVERY_REQUESTED) every bio of a resync buffer has its own pages,
#   and process_checks copies the data read from vda only into the other *read*
#   bios, never into the write-target bio of the member with the bad range, so vdb
#   gets whatever that bio's pages last held (observed: the repaired sectors differ
#   from vda's, mismatch_cnt 0, and md0 may then serve the stale sectors from vdb).
#   So for IMPL=c the test checks the data everywhere except vdb's two repaired
#   ranges (and md0 there), prints whether those match, and rewrites them through md0
#   before going on; md_mod must write the data it read (checked exactly);
# - a rewrite through md0 of one whole range and of half of another: the whole range
#   clears, the half-written one shrinks to its unwritten half (md's badblocks_clear
#   splits), on disk too; rewriting that half empties the list and bit 0x8 clears.
# The data stays intact (md0 and both members' data areas) throughout.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
expect_data_offset /dev/vdb $DOFF
# 4 MiB of data at array sector 0 (member sectors 2048..10239); the faulted sectors
# (67648) are never written here.
dd if=/dev/urandom of=/tmp/data bs=1M count=4 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=64k oflag=direct conv=notrunc 2>/dev/null || fail "write the data"
# mask FILE ARRAY_SECTOR SECTORS...: zeroes these sectors of a copy of the 4 MiB.
mask() {
    _f=$1; shift
    while [ $# -ge 2 ]; do
        dd if=/dev/zero of="$_f" bs=512 seek="$1" count="$2" conv=notrunc 2>/dev/null || fail "mask $_f"
        shift 2
    done
}
# data_ok WHAT [ARRAY_SECTOR SECTORS...]: md0 and both members' data areas hold
# /tmp/data; the ranges given are left out of the comparison for md0 and vdb.
data_ok() {
    _w=$1; shift
    cp /tmp/data /tmp/want; mask /tmp/want "$@"
    dd if=/dev/md0 of=/tmp/back bs=64k count=64 iflag=direct 2>/dev/null || fail "$_w: read md0"
    mask /tmp/back "$@"
    cmp /tmp/want /tmp/back || fail "$_w: md0's data differs"
    dd if=/dev/vda of=/tmp/back bs=64k count=64 skip=$((DOFF / 128)) iflag=direct 2>/dev/null || fail "$_w: read vda"
    cmp /tmp/data /tmp/back || fail "$_w: vda's data area differs"
    dd if=/dev/vdb of=/tmp/back bs=64k count=64 skip=$((DOFF / 128)) iflag=direct 2>/dev/null || fail "$_w: read vdb"
    mask /tmp/back "$@"
    cmp /tmp/want /tmp/back || fail "$_w: vdb's data area differs"
}
# same_on_vdb ARRAY_SECTOR SECTORS: vdb holds the data there.
same_on_vdb() {
    [ "$(dd if=/dev/vdb bs=512 skip=$((DOFF + $1)) count="$2" iflag=direct 2>/dev/null | md5sum)" = \
      "$(dd if=/tmp/data bs=512 skip="$1" count="$2" 2>/dev/null | md5sum)" ]
}
# rewrite ARRAY_SECTOR SECTORS: the same data written again there (O_DIRECT).
rewrite() {
    dd if=/tmp/data of=/dev/md0 bs=512 skip="$1" seek="$1" count="$2" oflag=direct conv=notrunc 2>/dev/null \
        || fail "rewrite of array sectors $1+$2"
}
cleared() { # WHAT: no bad blocks on vdb, in sysfs and on disk, bit 0x8 clear
    expect_eq "" "$(bb_sysfs vdb)" "$1: dev-vdb/bad_blocks"
    sb_flush "$1"
    bb_examine_empty "$1" /dev/vdb
    expect_eq 0x0 "$(feature_map /dev/vdb)" "$1: vdb: Feature Map"
    expect_eq "512 entries available at offset 16 sectors" "$(bblog_line /dev/vdb)" "$1: vdb: Bad Block Log line"
}
recorded() { # WHAT LIST: vdb's list in sysfs and on disk, bit 0x8 set
    expect_eq "$2" "$(bb_sysfs vdb)" "$1: dev-vdb/bad_blocks"
    sb_flush "$1"
    expect_eq "$2" "$(bb_examine /dev/vdb)" "$1: --examine-badblocks vdb"
    expect_eq 0x8 "$(feature_map /dev/vdb)" "$1: vdb: Feature Map"
    expect_eq "512 entries available at offset 16 sectors - bad blocks present." "$(bblog_line /dev/vdb)" "$1: vdb: Bad Block Log line"
}

# Member sectors 2148+8 and 8048+24 = array 100+8 and 6000+24.
bb_inject vdb 2148 8
bb_inject vdb 8048 24
recorded "recorded" "2148 8
8048 24"
sync_run "repair" repair
echo "repair: mismatch_cnt $(mismatch_cnt)"
expect_eq "in_sync" "$(cat $MD/dev-vdb/state)" "dev-vdb/state after repair"
cleared "after repair"
if [ "$IMPL" = c ]; then
    for r in "100 8" "6000 24"; do
        # shellcheck disable=SC2086
        if same_on_vdb $r; then echo "C md: vdb's repaired array sectors $r hold the data"
        else echo "C md: vdb's repaired array sectors $r do NOT hold the data (stale resync pages)"; fi
    done
    data_ok "after repair (C md: vdb's repaired ranges left out)" 100 8 6000 24
    rewrite 100 8
    rewrite 6000 24
fi
data_ok "after repair"
pass "repair cleared the ranges and bit 0x8"

# Member 4048+16 (array 2000+16) and 5048+16 (array 3000+16).
bb_inject vdb 4048 16
bb_inject vdb 5048 16
recorded "recorded again" "4048 16
5048 16"
rewrite 2000 16
rewrite 3000 8
recorded "after rewriting one range and half of another" "5056 8"
rewrite 3008 8
cleared "after rewriting the rest"
data_ok "after the rewrites"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
bb_examine_empty "stopped" /dev/vdb
pass "bb-clear ($IMPL)"
