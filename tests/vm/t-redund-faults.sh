# Read errors on one mirror are repaired as md does: the first member (the one md
# reads from) fails reads once in 8 places (each 4 KiB block of 8 x 64 KiB, "bad
# sectors" that a rewrite cures: blkdebug rules with once). Every read through md0
# still returns the data written (fio verify, O_DIRECT); md retries the failed
# reads on the other mirror, rewrites the bad blocks from it ("read error corrected"
# in the log, corrected sectors counted in md/dev-vda/errors) and keeps both members
# in sync: no member fails, mdstat stays [2/2] [UU], a check finds 0 mismatches.
# (The C md retries a failed read page by page on the failing disk first, then
# reads the other mirror, writes the page back and reads it again.)
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# The faulted sectors: data offset 2048 + array MiB 8, 9, ..., 15 (x 2048 sectors),
# 128 sectors (64 KiB) each, one rule per 4 KiB block.
# run-vm: --fault vda:read:18432+128:once:step=8 --fault vda:read:20480+128:once:step=8
# run-vm: --fault vda:read:22528+128:once:step=8 --fault vda:read:24576+128:once:step=8
# run-vm: --fault vda:read:26624+128:once:step=8 --fault vda:read:28672+128:once:step=8
# run-vm: --fault vda:read:30720+128:once:step=8 --fault vda:read:32768+128:once:step=8
M="/dev/vda /dev/vdb"
DOFF=2048
echo "faults: $RUN_VM_FAULTS"
n=0
for f in $RUN_VM_FAULTS; do
    n=$((n + 1))
    s=$(echo "$f" | cut -d: -f3); s=${s%+*}
    expect_eq $(( DOFF + (7 + n) * 2048 )) "$s" "fault $n's first sector (data offset + (7 + $n) MiB)"
done
expect_eq 8 $n "number of --fault regions"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
expect_data_offset /dev/vda $DOFF
expect_data_offset /dev/vdb $DOFF
sync_fast

# 16 MiB of fio-verifiable data over array MiB 8..24 (writes are not faulted).
JOB="--name=data --filename=/dev/md0 --direct=1 --ioengine=psync --rw=write --bs=64k --offset=8M --size=16M --verify=crc32c"
fio $JOB --do_verify=0 --output=/tmp/write.out > /dev/null 2>&1 || { cat /tmp/write.out; fail "fio write"; }
expect_eq 0 "$(dmesg_count 'I/O error')" "I/O errors before reading the faulted region"
e0=$(dev_errors vda)
expect_eq 0 "$e0" "dev-vda/errors before"

# Read it all back through md0, O_DIRECT, verifying every block.
t0=$(uptime_s)
fio $JOB --verify_only --output=/tmp/read1.out > /dev/null 2>&1 || { cat /tmp/read1.out; fail "reading through md0 with read errors on vda: fio failed"; }
grep -Eq 'err= *0' /tmp/read1.out || { cat /tmp/read1.out; fail "fio saw errors"; }
ioe=$(dmesg_count 'I/O error, dev vda')
ea=$(dev_errors vda); eb=$(dev_errors vdb)
corr=$(dmesg_count 'md/raid1:md0: read error corrected (')
echo "read 16 MiB in $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s: $ioe I/O errors on vda; dev-vda/errors $ea, dev-vdb/errors $eb; $corr 'read error corrected' lines"
dmesg | grep -E 'md/raid1:md0: (read error corrected|redirecting|vda: rescheduling)' | head -4
[ "$ioe" -gt 0 ] || fail "no read error happened on vda: md read the region from vdb only?"
[ "$ea" -gt 0 ] || fail "dev-vda/errors did not rise ($ea) after $ioe read errors on vda"
dmesg_has "read errors" "md/raid1:md0: read error corrected ("
dmesg_has "read errors" " on vda)"
dmesg_lacks "read errors" "Disk failure on"
dmesg_has "read errors" "md/raid1:md0: vda: rescheduling sector "
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after corrected read errors"
expect_eq 0 "$(cat $MD/degraded)" "degraded after corrected read errors"
expect_eq in_sync "$(cat $MD/dev-vda/state)" "dev-vda/state"
expect_eq in_sync "$(cat $MD/dev-vdb/state)" "dev-vdb/state"
pass "read errors on vda corrected, data intact (dev-vda/errors $ea)"

# Again: the data is still right, and corrected blocks stay corrected.
fio $JOB --verify_only --output=/tmp/read2.out > /dev/null 2>&1 || { cat /tmp/read2.out; fail "second read through md0"; }
echo "second read: $(( $(dmesg_count 'I/O error, dev vda') - ioe )) more I/O errors on vda, dev-vda/errors $(dev_errors vda)"
pass "second read intact"

# Rules md never hit (blocks it did not read from vda) are used up here with raw
# reads, so that check and the comparison below read vda cleanly.
raw=
for r in 0 1 2 3 4 5 6 7; do raw="$raw --name=r$r --offset=$(( (DOFF + (8 + r) * 2048) * 512 ))"; done
fio --filename=/dev/vda --direct=1 --ioengine=psync --rw=read --bs=4k --size=64k \
    --continue_on_error=read $raw --output=/tmp/raw.out > /dev/null 2>&1
left=$(sed -n 's/.*errors *: total=\([0-9]*\).*/\1/p' /tmp/raw.out | awk '{ n += $1 } END { print n + 0 }')
echo "faulted 4 KiB blocks of vda md never read: $left of 128"
check_clean "check after corrected read errors"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
members_identical "after corrected read errors" $M
pass "faults ($IMPL)"
