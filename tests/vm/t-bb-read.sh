# Reads avoid a member's recorded bad blocks, as md's read_balance: with 1 MiB of
# array sectors recorded bad on vdb (written into md/dev-vdb/bad_blocks, sectors of
# the whole member), every read of that range comes from vda (counted in
# /sys/block/vdX/stat) and returns the data written, also reads that straddle the
# range's edges (split: the good part may come from either). `repair` rewrites the
# range on vdb and clears the entries. With the range recorded again and vda failed,
# reads of the range fail with EIO (no stale data) while the rest of the array reads.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
sync_fast
DOFF=$(data_offset /dev/vdb)
[ -n "$DOFF" ] || fail "no data offset for vdb"
BAD=8192        # array sector of the bad range: 4 MiB
LEN=2048        # 1 MiB, as four entries of 512 sectors (md's longest entry)
inject() {
    for k in 0 1 2 3; do
        echo "$((DOFF + BAD + k * 512)) 512" > $MD/dev-vdb/bad_blocks || fail "writing dev-vdb/bad_blocks"
    done
}
# The entries inject leaves: four of 512 sectors (md merges none past 512).
WANT="$((DOFF + BAD)) 512 $((DOFF + BAD + 512)) 512 $((DOFF + BAD + 1024)) 512 $((DOFF + BAD + 1536)) 512 "
expect_bb() { # WHAT EXPECTED
    expect_eq "$2" "$(cat $MD/dev-vdb/bad_blocks | tr '\n' ' ')" "$1: dev-vdb/bad_blocks"
}

dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "writing the data"
inject
expect_bb "after injecting" "$WANT"
pass "bad blocks recorded on vdb: $(cat $MD/dev-vdb/bad_blocks | tr '\n' ' ')"

# rd_range OFF_SECTORS LEN_SECTORS: O_DIRECT reads of the range through md0 (4 KiB
# and 64 KiB reads, two streams each), compared with what was written.
rd_range() {
    for bs in 4096 65536; do
        for s in 0 1; do
            dd if=/dev/md0 of=/tmp/got.$s bs=$bs iflag=direct,skip_bytes,count_bytes \
                skip=$(($1 * 512)) count=$(($2 * 512)) 2>/dev/null &
        done
        wait
        for s in 0 1; do
            dd if=/tmp/data bs=$bs iflag=skip_bytes,count_bytes skip=$(($1 * 512)) count=$(($2 * 512)) 2>/dev/null \
                | cmp -s - /tmp/got.$s || fail "data read at sector $1 (+$2, bs $bs) differs"
        done
    done
}
a0=$(dev_rd vda); b0=$(dev_rd vdb)
rd_range $BAD $LEN
a1=$(dev_rd vda); b1=$(dev_rd vdb)
echo "range reads: vda $((a1 - a0)) sectors, vdb $((b1 - b0)) sectors"
expect_eq 0 "$((b1 - b0))" "sectors read from vdb for its bad range"
[ $((a1 - a0)) -ge $((4 * LEN)) ] || fail "vda served only $((a1 - a0)) sectors of $((4 * LEN))"
pass "reads of the bad range all came from vda"

# Reads straddling the edges (start 64 KiB before, end 64 KiB after): data intact,
# and vdb serves nothing inside the range (at most the 128 sectors outside it per read).
a0=$(dev_rd vda); b0=$(dev_rd vdb)
rd_range $((BAD - 128)) 256
rd_range $((BAD + LEN - 128)) 256
a1=$(dev_rd vda); b1=$(dev_rd vdb)
echo "edge reads: vda $((a1 - a0)) sectors, vdb $((b1 - b0)) sectors"
[ $((b1 - b0)) -le $((8 * 128)) ] || fail "vdb served $((b1 - b0)) sectors of edge reads (more than the good halves)"
pass "reads straddling the bad range: data intact"

# Other ranges still read from both (no bad block there): the array is not degraded.
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat with bad blocks on vdb"

# repair rewrites the range on vdb from vda and clears the entries.
sync_run "repair" repair
expect_bb "after repair" ""
echo "mismatch_cnt after repair: $(mismatch_cnt)"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after repair"
# (Not compared: what repair wrote there. The C md's repair writes the bad member's
# range from that member's own, never filled, resync pages, so vdb's copy of the
# range differs from vda's afterwards; md_mod writes vda's data.)
pass "repair cleared vdb's bad blocks"

# Recorded again, with vda failed: no good copy of the range is left.
inject
expect_bb "injected again" "$WANT"
mdadm /dev/md0 --fail /dev/vda > /tmp/fail.out 2>&1 || { cat /tmp/fail.out; fail "mdadm --fail vda"; }
expect_eq "64512 blocks super 1.2 [2/1] [_U]" "$(mdstat_state)" "mdstat after failing vda"
for s in $BAD $((BAD + 1000)) $((BAD + LEN - 8)); do
    if dd if=/dev/md0 of=/dev/null bs=4096 iflag=direct,skip_bytes skip=$((s * 512)) count=1 2>/tmp/dd.err; then
        fail "read of sector $s (bad on vdb, vda failed) succeeded"
    fi
    grep -q "Input/output error" /tmp/dd.err || { cat /tmp/dd.err; fail "read of sector $s: not EIO"; }
done
# A read straddling the start fails as a whole too.
dd if=/dev/md0 of=/dev/null bs=65536 iflag=direct,skip_bytes skip=$(((BAD - 64) * 512)) count=1 2>/dev/null \
    && fail "a read straddling the bad range succeeded"
pass "reads of the bad range fail with EIO"
rd_range 0 $BAD
rd_range $((BAD + LEN)) 4096
expect_eq "64512 blocks super 1.2 [2/1] [_U]" "$(mdstat_state)" "mdstat after the failed reads"
expect_bb "after the failed reads" "$WANT"
pass "the rest of the array reads fine"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
pass "bad-block reads ($IMPL)"
