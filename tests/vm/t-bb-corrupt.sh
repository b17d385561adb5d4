# Bad-block log (issue 12, test 5): corrupt logs written onto a stopped member, then
# the array assembled (--run). The log sits at superblock + bblog_offset (mdadm 4.2:
# 16 sectors, so member sector 24 of a 1.2 member), 8 sectors of le64 entries
# `sector << 10 | count` (both in units of 1 << bblog_shift sectors, count in the low
# 10 bits) ended by an all-ones entry; md reads it only with feature bit 0x8
# (MD_FEATURE_BAD_BLOCKS) set; sb1set recomputes the checksum after each change.
# A valid log written the same way (the control case, first) is accepted by both
# implementations, so refusing every member with bit 0x8 does not pass.
# The cases: entries out of order, overlapping entries, a range beyond the device
# (131072 sectors), bblog_shift 64, an entry of zero sectors.
#
# The C md (checked with IMPL=c) accepts the first three: it stores each entry with
# badblocks_set, which sorts and merges as it goes and never compares with the
# device size, so vdb joins ([2/2] [UU]) with the sorted/merged list in
# dev-vdb/bad_blocks, and the next superblock write (sb_flush, done for the unsorted
# case) puts that normalized list back into the log. It refuses the last two: shift 64 with "md: vdb: bogus
# bblog_shift 64 for badblocks." plus md's generic "does not have a valid v1.2
# superblock, not importing!" and "md_import_device returned -22"; a zero count only
# with the generic two lines (badblocks_set fails on 0 sectors, super_1_load returns
# -EINVAL). mdadm then says "failed to add /dev/vdb" and --run starts md0 on vda
# alone ([2/1] [U_]). Nothing is written to vdb in any case until a superblock
# write (a clean assembly and stop write none).
#
# md_mod (IMPL=rust) checks a log when it loads it, as the issue asks: sorted, no
# overlap, inside the device, a sane shift, non-empty entries. It refuses vdb in all
# five cases with one kernel line naming vdb and the bad-block log (no generic
# follow-up lines), md0 runs degraded on vda, and vdb's metadata (superblock and log)
# is left byte for byte as it was. Hence the two outcomes differ for the first three
# cases: the C md silently repairs what md_mod refuses.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
SB=4096          # byte offset of the 1.2 superblock
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=1.2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
expect_data_offset /dev/vdb 2048
expect_eq "512 entries available at offset 16 sectors" "$(bblog_line /dev/vdb)" "vdb: Bad Block Log"
LOG=$(( (8 + 16) * 512 ))   # byte offset of vdb's log
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
expect_eq 0x0 "$(feature_map /dev/vdb)" "vdb: Feature Map after create"
expect_eq 0 "$(dd if=/dev/vdb bs=1 skip=184 count=2 2>/dev/null | od -An -tu2 | tr -d ' ')" "vdb: devflags and bblog_shift after create"
# The metadata md may write: 16 KiB = the superblock (4 KiB at 4 KiB) and the log.
for d in vda vdb; do dd if=/dev/$d of=/tmp/meta.$d bs=4k count=4 iflag=direct 2>/dev/null || fail "save $d's metadata"; done
END=-1           # the all-ones end marker
ent() { echo $(( ($1 << 10) | $2 )); }   # SECTOR COUNT: one entry

# corrupt SHIFT ENTRY...: both members' metadata restored, then vdb's log made of
# ENTRYs, its feature bit 0x8 set and bblog_shift set to SHIFT.
corrupt() {
    _sh=$1; shift
    for _d in vda vdb; do
        dd if=/tmp/meta.$_d of=/dev/$_d bs=4k count=4 conv=notrunc,fsync 2>/dev/null || fail "restore $_d's metadata"
    done
    _o=$LOG
    for _e in "$@"; do put_le /dev/vdb $_o 8 "$_e"; _o=$((_o + 8)); done
    mdioctl /dev/vdb sb1set $SB 8 le32 0x8 > /dev/null || fail "set feature bit 0x8"
    if [ "$_sh" != 0 ]; then
        # le16 at 184: devflags (0) and bblog_shift
        mdioctl /dev/vdb sb1set $SB 184 le16 $((_sh << 8)) > /dev/null || fail "set bblog_shift"
    fi
}
meta_md5() { dd if=/dev/vdb bs=4k count=4 iflag=direct 2>/dev/null | md5sum; }

# try NAME SHIFT C_LIST C_LINE ENTRY...: assembles with the corrupt log; C_LIST is the
# list the C md accepts ("" = it refuses vdb), C_LINE its specific kernel line if any.
try() {
    _name=$1 _shift=$2 _clist=$3 _cline=$4; shift 4
    corrupt "$_shift" "$@"
    _before=$(meta_md5)
    klog_mark
    mdadm --assemble --run /dev/md0 $M > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "$_name: assemble --run"; }
    klog_since | grep -v 'I/O error' | sed "s/^/  $_name: /"
    if [ -n "$_clist" ] && { [ "$IMPL" = c ] || [ "$_name" = valid ]; }; then
        expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "$_name: mdstat (vdb accepted)"
        expect_eq "$_clist" "$(bb_sysfs vdb)" "$_name: dev-vdb/bad_blocks (as loaded: sorted, merged)"
        expect_eq "$_before" "$(meta_md5)" "$_name: vdb's metadata after assembly"
        if [ "$_name" = unsorted ]; then   # (once: each superblock write is slow under TCG)
            sb_flush "$_name"
            expect_eq "$_clist" "$(bb_examine /dev/vdb)" "$_name: the log after a superblock write (C md: rewritten sorted)"
        fi
    else
        grep -qF "mdadm: failed to add /dev/vdb to /dev/md0: Invalid argument" /tmp/as.out || { cat /tmp/as.out; fail "$_name: mdadm did not fail to add vdb"; }
        expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "$_name: mdstat (vdb refused)"
        grep -Eq '^md0 : active raid1 vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "$_name: md0 should run on vda alone"; }
        [ -e $MD/dev-vdb ] && fail "$_name: dev-vdb exists although vdb was refused"
        if [ "$IMPL" = c ]; then
            _want="md: vdb does not have a valid v1.2 superblock, not importing!
md: md_import_device returned -22"
            [ -n "$_cline" ] && _want="$_cline
$_want"
            expect_eq "$_want" "$(klog_since | grep -E '^\[ *[0-9.]*\] md: (vdb|md_import)' | sed 's/^\[ *[0-9.]*\] //')" "$_name: C md's kernel lines"
        else
            klog_since | grep -F vdb | grep -v 'I/O error' > /tmp/lines
            expect_eq 1 "$(wc -l < /tmp/lines)" "$_name: kernel lines about vdb (want one, with the reason)"
            grep -Eiq '^\[ *[0-9.]*\] md: vdb: .*(bad.block|bblog)' /tmp/lines || { cat /tmp/lines; fail "$_name: the refusal line must name vdb and its bad-block log"; }
        fi
        expect_eq "$_before" "$(meta_md5)" "$_name: vdb's metadata after the refusal"
    fi
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$_name: stop"
    if [ -z "$_clist" ] || { [ "$IMPL" != c ] && [ "$_name" != valid ]; }; then
        expect_eq "$_before" "$(meta_md5)" "$_name: vdb's metadata after stopping md0"
    fi
    pass "$_name"
}

# The control: a valid log written the same way is accepted by both.
try valid 0 "10000 8
20000 8" "" "$(ent 10000 8)" "$(ent 20000 8)" $END
try unsorted 0 "10000 8
20000 8" "" "$(ent 20000 8)" "$(ent 10000 8)" $END
try overlapping 0 "10000 24" "" "$(ent 10000 16)" "$(ent 10008 16)" $END
try beyond-device 0 "200000 8" "" "$(ent 200000 8)" $END
try shift-64 64 "" "md: vdb: bogus bblog_shift 64 for badblocks." "$(ent 10000 8)" $END
try zero-count 0 "" "" "$(ent 10000 0)" $END

pass "bb-corrupt ($IMPL)"
