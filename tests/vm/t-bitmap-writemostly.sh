# Write-intent bitmap (issue 11, test 5): a write-mostly member with write-behind
# (`--write-behind=4 ... /dev/vda --write-mostly /dev/vdb`) under fio with verify:
# mdstat marks it (W), dev-vdb/state has write_mostly, md/bitmap/backlog is 4; while
# fio writes (16 in flight) and verifies, and while it only reads, vdb serves no
# read (reads avoid a write-mostly member while another mirror can serve), vda
# serves them all; vdb gets the writes; behind writes happened and stayed bounded
# (1 <= md/bitmap/max_backlog_used <= backlog); fio finds no bad block; afterwards
# the members' data are identical and a check finds no mismatch.
# impls: rust c
# run-vm: --disks 2 --disk-size 256M
# group: bitmap256
WB=4
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=internal --bitmap-chunk=1M \
    --write-behind=$WB /dev/vda --write-mostly /dev/vdb > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "create"; }
grep -Eq '^md0 : active raid1 vdb\[1\]\(W\) vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "mdstat: no vdb[1](W)"; }
grep -q write_mostly $MD/dev-vdb/state || fail "dev-vdb/state lacks write_mostly: $(cat $MD/dev-vdb/state)"
grep -q write_mostly $MD/dev-vda/state && fail "dev-vda/state has write_mostly: $(cat $MD/dev-vda/state)"
expect_eq $WB "$(cat $MD/bitmap/backlog)" "md/bitmap/backlog"
mdadm --detail /dev/md0 | grep -Eq 'active sync writemostly +/dev/vdb$' || { mdadm --detail /dev/md0; fail "--detail: vdb not writemostly"; }
bm_x /dev/vdb; grep -Eq "^ +Write Mode : Allow write behind, max $WB\$" /tmp/bmx.out || { cat /tmp/bmx.out; fail "mdadm -X: write mode"; }
expect_eq 0 "$(cat $MD/bitmap/max_backlog_used)" "max_backlog_used before any write"
sync_fast

ra0=$(dev_rd vda); rb0=$(dev_rd vdb); wb0=$(dev_wr vdb)
fio --name=wm --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=16 \
    --rw=randwrite --bs=16k --offset=8M --size=32M --randseed=77 \
    --verify=crc32c --verify_backlog=128 --verify_fatal=1 --do_verify=1 \
    --output=/tmp/fio.w.out > /dev/null 2>&1 || { cat /tmp/fio.w.out; fail "fio write+verify"; }
ra1=$(dev_rd vda); rb1=$(dev_rd vdb); wb1=$(dev_wr vdb)
used=$(cat $MD/bitmap/max_backlog_used)
echo "bitmap-writemostly: write phase: vda_read=$((ra1 - ra0)) vdb_read=$((rb1 - rb0)) vdb_written=$((wb1 - wb0)) max_backlog_used=$used backlog=$WB"
expect_eq 0 "$((rb1 - rb0))" "sectors read from the write-mostly vdb while fio writes and verifies"
[ $((ra1 - ra0)) -ge $(( (32 << 20) / 512 )) ] || fail "vda served only $((ra1 - ra0)) sectors of fio's verify reads"
[ $((wb1 - wb0)) -ge $(( (32 << 20) / 512 )) ] || fail "vdb got only $((wb1 - wb0)) sectors of 32 MiB written"
[ "$used" -ge 1 ] || fail "no write went behind (max_backlog_used $used)"
[ "$used" -le $WB ] || fail "max_backlog_used $used above the write-behind limit $WB"

# The verify pass alone: reads only.
ra0=$ra1; rb0=$rb1
fio --name=wm --filename=/dev/md0 --direct=1 --ioengine=libaio --iodepth=16 \
    --rw=randwrite --bs=16k --offset=8M --size=32M --randseed=77 \
    --verify=crc32c --verify_only=1 --verify_fatal=1 \
    --output=/tmp/fio.v.out > /dev/null 2>&1 || { cat /tmp/fio.v.out; fail "fio verify_only"; }
ra1=$(dev_rd vda); rb1=$(dev_rd vdb)
echo "bitmap-writemostly: read phase: vda_read=$((ra1 - ra0)) vdb_read=$((rb1 - rb0))"
expect_eq 0 "$((rb1 - rb0))" "sectors read from the write-mostly vdb by a read-only pass"
[ $((ra1 - ra0)) -ge $(( (32 << 20) / 512 )) ] || fail "vda served only $((ra1 - ra0)) sectors of a 32 MiB read pass"
pass "reads on vda only; behind writes bounded ($used of $WB)"

# Behind writes all reached vdb: the members are identical.
sleep 1
expect_eq "$(region_md5 /dev/vda $(( ($(data_offset /dev/vda) * 512) + (8 << 20) )) $((32 << 20)))" \
    "$(region_md5 /dev/vdb $(( ($(data_offset /dev/vdb) * 512) + (8 << 20) )) $((32 << 20)))" "the members' written region"
check_window "write-behind" 0 $(( (48 << 20) / 512 ))
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"
pass "write-mostly + write-behind ($IMPL)"
