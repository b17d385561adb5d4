# A write error fails the member, as md does for an array without a bad-block log:
# the second member fails every write to 8 sectors (a blkdebug rule). A write through
# md0 that covers them still succeeds (the first mirror took it); md marks vdb
# faulty ("Disk failure on vdb, disabling device.", mdstat (F) and [2/1] [U_]),
# records that in the superblock, and the data reads back intact. Reassembled, the
# array comes up with vda only.
# (mdadm gives new 1.2 members a bad-block log; with one the C md records the failed
# sectors as bad blocks and keeps the member in sync instead. The log is dropped here
# with --update=no-bbl so that a write error means a failed member.)
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# The faulted sectors: data offset 2048 + array MiB 32 (65536) + 64 sectors.
# run-vm: --fault vdb:write:67648+8
# group: bb
M="/dev/vda /dev/vdb"
DOFF=2048
expect_eq "vdb:write:$(( DOFF + 32 * 2048 + 64 ))+8" "$RUN_VM_FAULTS" "the --fault rule"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
expect_data_offset /dev/vdb $DOFF
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop"
mdadm --assemble /dev/md0 --update=no-bbl $M > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "mdadm --assemble --update=no-bbl"; }
for d in $M; do
    mdadm --examine $d | grep -q 'Bad Block Log' && { mdadm --examine $d; fail "$d still has a bad-block log"; }
done
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat before the write error"

# Writes outside the faulted sectors are fine.
fio_job() { # NAME OFFSET SIZE: sequential 64 KiB O_DIRECT writes with verify headers
    echo "--name=$1 --filename=/dev/md0 --direct=1 --ioengine=psync --rw=write --bs=64k --offset=$2 --size=$3 --verify=crc32c"
}
fio $(fio_job before 16M 1M) --do_verify=1 --output=/tmp/before.out > /dev/null 2>&1 || { cat /tmp/before.out; fail "fio write before the fault"; }
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat after writes elsewhere"

# 1 MiB over array MiB 32: one 64 KiB write hits the faulted sectors on vdb.
fio $(fio_job hit 32M 1M) --do_verify=0 --output=/tmp/hit.out > /dev/null 2>&1 \
    || { cat /tmp/hit.out; fail "the write over the faulted sectors failed (vda took it: it must succeed)"; }
grep -Eq 'err= *0' /tmp/hit.out || { cat /tmp/hit.out; fail "fio saw an error"; }
sleep 1
dmesg | grep -E 'I/O error, dev vdb|md/raid1:md0' | head -5
dmesg_has "write error" "md/raid1:md0: Disk failure on vdb, disabling device."
dmesg_has "write error" "md/raid1:md0: Operation continuing on 1 devices."
expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "mdstat after the write error"
# (members in the order md lists them: the C md gives "vda[0] vdb[1](F)" here, after
# an assemble, and "vdb[1](F) vda[0]" after a create)
grep -Eq '^md0 : active raid1 (vda\[0\] vdb\[1\]\(F\)|vdb\[1\]\(F\) vda\[0\])$' /proc/mdstat || { cat /proc/mdstat; fail "mdstat does not show vdb[1](F)"; }
grep '^md0' /proc/mdstat
expect_eq 1 "$(cat $MD/degraded)" "degraded after the write error"
# write_error: md saw a write error on it (WriteErrorSeen), besides faulty.
expect_eq faulty,write_error "$(cat $MD/dev-vdb/state)" "dev-vdb/state after the write error"
expect_eq in_sync "$(cat $MD/dev-vda/state)" "dev-vda/state after the write error"
pass "write error failed vdb, the write succeeded"

# The data is intact (read from vda), and the array keeps working degraded.
fio $(fio_job hit 32M 1M) --verify_only --output=/tmp/v1.out > /dev/null 2>&1 || { cat /tmp/v1.out; fail "data written over the fault"; }
fio $(fio_job before 16M 1M) --verify_only --output=/tmp/v2.out > /dev/null 2>&1 || { cat /tmp/v2.out; fail "data written before the fault"; }
fio $(fio_job after 48M 1M) --do_verify=1 --output=/tmp/after.out > /dev/null 2>&1 || { cat /tmp/after.out; fail "degraded write + verify"; }
mdadm --detail /dev/md0 > /tmp/detail
grep -Eq '^ *State : (clean|active), degraded *$' /tmp/detail || { cat /tmp/detail; fail "--detail State"; }
grep -Eq 'faulty +/dev/vdb$' /tmp/detail || { cat /tmp/detail; fail "--detail does not list vdb as faulty"; }
pass "data intact, degraded array works"

# The failure is in the superblock: vda's says vdb is gone; assembled again, the
# array starts without vdb.
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop (2)"
mdadm --examine /dev/vda | grep -E '^ *(Events|Array State) :' | sed 's/^ */vda: /'
mdadm --examine /dev/vdb | grep -E '^ *(Events|Array State) :' | sed 's/^ */vdb: /'
mdadm --examine /dev/vda | grep -Eq "^ *Array State : A\. " || { mdadm --examine /dev/vda; fail "vda's superblock does not record vdb's failure"; }
mdadm --assemble /dev/md0 $M > /tmp/assemble.out 2>&1
cat /tmp/assemble.out
expect_eq "64512 blocks super 1.2 [2/1] [U_]" "$(mdstat_state)" "mdstat after reassembling"
grep -Eq '^md0 : active raid1 vda\[0\]$' /proc/mdstat || { cat /proc/mdstat; fail "reassembled array should have vda only"; }
fio $(fio_job hit 32M 1M) --verify_only --output=/tmp/v3.out > /dev/null 2>&1 || { cat /tmp/v3.out; fail "data after reassembling"; }
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop (3)"
pass "wfault ($IMPL)"
