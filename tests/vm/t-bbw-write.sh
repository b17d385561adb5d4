# raid1's write side with bad-block logs (1.2 members as mdadm makes them).
# A bad block entered through dev-vdb/bad_blocks is cleared by a write that
# reaches vdb over it (raid1's MadeGood: vdb never saw a write error, so writes go
# to it there). Then vdb fails every write to 8 sectors (the bb group's fault): a
# 64 KiB write over them succeeds, md narrows the failure to those 8 sectors
# (rewriting the range sector by sector), records them as a bad block and keeps vdb
# ([2/2] [UU], no "Disk failure"); vdb got the rest of the write. A second write
# over the range leaves vdb's bad range out (no new I/O error on vdb) and writes the
# rest to it. Stopped and assembled again, the bad block is back from the log and
# vdb is in sync without write_error (md keeps WriteErrorSeen in memory only).
# (Clearing by a write after a fresh assembly: t-bb-clear; loading: t-bb-migrate.)
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# The faulted sectors: data offset 2048 + array MiB 32 (65536) + 64 sectors.
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
BAD=$((DOFF + 65536 + 64))

# pattern FILE SEED: 64 KiB of data that differs with SEED.
pattern() {
    awk -v s="$2" 'BEGIN { for (i = 0; i < 4096; i++) printf "%015d\n", s * 100000 + i }' > "$1"
}
# vdb_but_bad FILE: vdb's 64 KiB at array MiB 32 equals FILE except the 8 bad sectors.
vdb_but_bad() {
    echo 3 > /proc/sys/vm/drop_caches
    dd if=/dev/vdb bs=512 skip=$((DOFF + 65536)) count=128 iflag=direct 2>/dev/null > /tmp/vdb.bin
    for part in "0 64" "72 56"; do
        set -- $part
        a=$(dd if=/tmp/vdb.bin bs=512 skip=$1 count=$2 2>/dev/null | md5sum)
        b=$(dd if="$FILE" bs=512 skip=$1 count=$2 2>/dev/null | md5sum)
        expect_eq "$b" "$a" "$WHAT: vdb's sectors $1+$2 around the bad range"
    done
}
bad_blocks() { cat $MD/dev-vdb/bad_blocks | tr '\n' ';'; }

mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
expect_data_offset /dev/vdb $DOFF
mdadm --examine /dev/vdb | grep -q 'Bad Block Log' || { mdadm --examine /dev/vdb; fail "vdb has no bad-block log"; }

# MadeGood: a bad block at array MiB 16, written over.
echo "$((DOFF + 32768)) 8" > $MD/dev-vdb/bad_blocks || fail "writing dev-vdb/bad_blocks"
expect_eq "$((DOFF + 32768)) 8;" "$(bad_blocks)" "bad_blocks after the sysfs write"
pattern /tmp/p0 0
dd if=/tmp/p0 of=/dev/md0 bs=64k seek=256 count=1 oflag=direct 2>/dev/null || fail "write at MiB 16"
sleep 1
expect_eq "" "$(bad_blocks)" "bad_blocks after a write over the bad block"
pass "a write over a bad block clears it"

# The write error.
pattern /tmp/p1 1
dd if=/tmp/p1 of=/dev/md0 bs=64k seek=512 count=1 oflag=direct 2>/tmp/dd.err \
    || { cat /tmp/dd.err; fail "the write over the faulted sectors failed (vda took it)"; }
sleep 1
dmesg | grep -E 'I/O error, dev vdb|md/raid1:md0' | head -5
dmesg_lacks "write error with a log" "Disk failure on vdb"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the write error"
expect_eq "$BAD 8;" "$(bad_blocks)" "bad_blocks after the write error"
expect_eq "" "$(cat $MD/dev-vdb/unacknowledged_bad_blocks)" "unacknowledged_bad_blocks"
echo "dev-vdb/state: $(cat $MD/dev-vdb/state)"
case ",$(cat $MD/dev-vdb/state)," in *,write_error,*) ;; *) fail "dev-vdb/state lacks write_error";; esac
mdadm --examine-badblocks /dev/vdb > /tmp/ebb 2>&1
cat /tmp/ebb
grep -Eq "^ +$BAD for 8 sectors$" /tmp/ebb || fail "--examine-badblocks does not list $BAD for 8 sectors"
expect_eq "$(md5sum < /tmp/p1)" "$(dd if=/dev/vda bs=512 skip=$((DOFF + 65536)) count=128 iflag=direct 2>/dev/null | md5sum)" "vda's copy"
FILE=/tmp/p1 WHAT="after the write error" vdb_but_bad
pass "write error recorded as a bad block, vdb kept"

# Written again: vdb's bad range is left out.
errs=$(dmesg_count "I/O error, dev vdb")
pattern /tmp/p2 2
dd if=/tmp/p2 of=/dev/md0 bs=64k seek=512 count=1 oflag=direct 2>/tmp/dd.err || { cat /tmp/dd.err; fail "second write"; }
sleep 1
expect_eq "$errs" "$(dmesg_count "I/O error, dev vdb")" "I/O errors on vdb after the second write"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after the second write"
expect_eq "$BAD 8;" "$(bad_blocks)" "bad_blocks after the second write"
expect_eq "$(md5sum < /tmp/p2)" "$(dd if=/dev/vda bs=512 skip=$((DOFF + 65536)) count=128 iflag=direct 2>/dev/null | md5sum)" "vda's copy (2)"
FILE=/tmp/p2 WHAT="after the second write" vdb_but_bad
pass "a write skips vdb's bad range"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"

# Assembled again: the bad block is loaded from vdb's log.
mdadm --assemble /dev/md0 $M > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail "mdadm --assemble"; }
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after assembling"
expect_eq "$BAD 8;" "$(bad_blocks)" "bad_blocks after assembling"
expect_eq in_sync "$(cat $MD/dev-vdb/state)" "dev-vdb/state after assembling"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop (2)"
pass "the bad block is loaded again at assembly"
