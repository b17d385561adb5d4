# check finds a difference between the mirrors and repair fixes it, as md: 1 MiB of
# the second member's data area is overwritten behind md's back; a check pass reports
# it in mismatch_cnt without changing anything, repair rewrites it from the first
# mirror, and a second check finds nothing. The data read through md0 stays what was
# written, and the members' data areas end identical.
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
DOFF=2048                  # data offset (sectors) mdadm 4.2 picks for 64 MiB members
CORRUPT_MIB=4              # the overwritten MiB: array offset 4 MiB .. 5 MiB
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }
expect_data_offset /dev/vdb $DOFF
sync_fast

# 16 MiB of known data at the start of the array.
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=1M conv=fsync 2>/dev/null || fail "writing the data"
want=$(md5sum < /tmp/data | cut -d' ' -f1)
expect_eq "$want" "$(region_md5 /dev/md0 0 $((16 << 20)))" "data read back through md0"
check_clean "check before the corruption"
mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "mdadm --stop"; }

# 1 MiB of random bytes into vdb's data area, md not looking.
dd if=/dev/urandom of=/dev/vdb bs=1M seek=$(( DOFF * 512 + (CORRUPT_MIB << 20) )) count=1 \
    oflag=seek_bytes conv=notrunc,fsync 2>/dev/null || fail "overwriting vdb"
a=$(region_md5 /dev/vda $(( DOFF * 512 )) $((16 << 20)))
b=$(region_md5 /dev/vdb $(( DOFF * 512 )) $((16 << 20)))
[ "$a" != "$b" ] || fail "the overwrite did not change vdb"
expect_eq "$want" "$a" "vda's copy untouched"

mdadm --assemble /dev/md0 $M > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "mdadm --assemble"; }
sleep 1
expect_eq "" "$(mdstat_progress)" "no resync after assembling a clean array"
t0=$(uptime_s)
sync_run "check" check
mm=$(mismatch_cnt)
echo "mismatch_cnt after check: $mm (check took $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s)"
[ "$mm" -gt 0 ] || fail "check found no mismatch after vdb was overwritten"
# check only counts: vdb still differs.
expect_eq "$b" "$(region_md5 /dev/vdb $(( DOFF * 512 )) $((16 << 20)))" "vdb after check (check must not write)"
# (Reads through md0 now may come from either mirror, so they are not checked here.)
pass "check: mismatch_cnt $mm"

sync_run "repair" repair
# repair counts what it rewrote (the C md: the same 2048 sectors check found).
mr=$(mismatch_cnt)
echo "mismatch_cnt after repair: $mr"
[ "$mr" -gt 0 ] || fail "repair reports no mismatch (mismatch_cnt $mr) where check found $mm"
dmesg_has "repair" "md: repair of RAID array md0"
dmesg_has "repair" "md: md0: repair done."
sync_run "check after repair" check
expect_eq 0 "$(mismatch_cnt)" "mismatch_cnt of a check after repair"
expect_eq "$want" "$(region_md5 /dev/md0 0 $((16 << 20)))" "data through md0 after repair"
expect_eq "$want" "$(region_md5 /dev/vdb $(( DOFF * 512 )) $((16 << 20)))" "vdb's copy after repair"
pass "repair, then check: mismatch_cnt 0"

mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "mdadm --stop (2)"; }
members_identical "after repair" $M
pass "repair ($IMPL)"
