# Write-mostly members as the C md: `--write-mostly` at --create and --add, devflags /
# the 0.90 descriptor bit kept by every superblock write (`mdadm --examine`), (W) in
# /proc/mdstat, `writemostly` in `mdadm --detail`, dev-NAME/state `write_mostly` and
# `writemostly` / `-writemostly` writes; reads (counted in /sys/block/vdX/stat) avoid
# a write-mostly member while another mirror can serve and come from it once it is
# the only one (the first write-mostly one when all are); data checksums throughout.
# impls: rust c
# group: default
M=/sys/block/md0/md
T0=$(date +%s)
ARRAY_KIB=16384
sync_fast

# read_load: O_DIRECT reads of the whole array, four parallel streams of 64 KiB
# reads (so a balancer would spread them) and one sequential pass; sets RA / RB to
# the sectors vda / vdb served meanwhile.
read_load() {
    _a=$(dev_rd vda); _b=$(dev_rd vdb)
    _q=$((ARRAY_KIB / 64 / 4))
    for _i in 0 1 2 3; do
        dd if=/dev/md0 of=/dev/null bs=64k iflag=direct skip=$((_i * _q)) count=$_q 2>/dev/null &
    done
    wait
    dd if=/dev/md0 of=/dev/null bs=1M iflag=direct 2>/dev/null || fail "reading md0"
    RA=$(($(dev_rd vda) - _a)); RB=$(($(dev_rd vdb) - _b))
}
# expect_reads WHAT FAST SLOW: FAST (vda or vdb) served (almost) all of read_load's
# reads, SLOW (almost) none.
expect_reads() {
    read_load
    if [ "$2" = vda ]; then _f=$RA _s=$RB; else _f=$RB _s=$RA; fi
    _total=$((2 * ARRAY_KIB * 2))
    echo "$1: reads vda=$RA vdb=$RB sectors"
    [ "$_f" -ge $((_total * 99 / 100)) ] || fail "$1: $2 served only $_f of $_total sectors"
    [ "$_s" -le $((_total / 100)) ] || fail "$1: $3 served $_s sectors (expected almost none)"
}
# The member part of md0's mdstat line.
mdstat_members() { sed -n 's/^md0 : active raid1 //p' /proc/mdstat; }

# --- 1.2: create with vdb write-mostly ---
mdadm --create /dev/md0 --run --assume-clean -e 1.2 -l1 -n2 --size=$ARRAY_KIB \
    /dev/vda --write-mostly /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
expect_eq "vdb[1](W) vda[0]" "$(mdstat_members)" "mdstat after create"
expect_state vdb in_sync,write_mostly
expect_state vda in_sync
expect_eq "active sync writemostly" "$(detail_of vdb)" "--detail vdb"
expect_eq "active sync" "$(detail_of vda)" "--detail vda"
dd if=/dev/urandom of=/tmp/data bs=1M count=$((ARRAY_KIB / 1024)) 2>/dev/null
dd if=/tmp/data of=/dev/md0 bs=1M oflag=direct 2>/dev/null || fail "writing md0"
SUM=$(md5sum < /tmp/data); rm -f /tmp/data
wait_array_state clean
# The superblocks the driver wrote (dirty, then clean) keep the flag.
expect_eq "write-mostly" "$(flags_of vdb)" "--examine vdb Flags"
expect_eq "" "$(flags_of vda)" "--examine vda Flags"
expect_reads "vdb write-mostly" vda vdb
md0_sum_ok "vdb write-mostly"
pass "create --write-mostly: (W), state, --detail, --examine, reads from vda ($IMPL, $(($(date +%s) - T0)) s)"

# --- sysfs: both write-mostly, then only vda, then back ---
echo writemostly > $M/dev-vda/state || fail "writemostly > dev-vda/state"
expect_eq "vdb[1](W) vda[0](W)" "$(mdstat_members)" "mdstat, both write-mostly"
expect_state vda in_sync,write_mostly
expect_eq "write-mostly" "$(flags_of vda)" "--examine vda Flags after writemostly"
expect_eq "active sync writemostly" "$(detail_of vda)" "--detail vda, both write-mostly"
# No mirror but write-mostly ones: the first serves (choose_slow_rdev).
expect_reads "both write-mostly" vda vdb
echo -writemostly > $M/dev-vdb/state || fail "-writemostly > dev-vdb/state"
expect_eq "vdb[1] vda[0](W)" "$(mdstat_members)" "mdstat, vda write-mostly"
expect_state vdb in_sync
expect_eq "" "$(flags_of vdb)" "--examine vdb Flags after -writemostly"
expect_eq "active sync" "$(detail_of vdb)" "--detail vdb after -writemostly"
expect_reads "vda write-mostly" vdb vda
echo -writemostly > $M/dev-vda/state || fail "-writemostly > dev-vda/state"
echo writemostly > $M/dev-vdb/state || fail "writemostly > dev-vdb/state"
expect_eq "vdb[1](W) vda[0]" "$(mdstat_members)" "mdstat, vdb write-mostly again"
expect_eq "" "$(flags_of vda)" "--examine vda Flags after -writemostly"
expect_eq "write-mostly" "$(flags_of vdb)" "--examine vdb Flags after writemostly"
expect_reads "vdb write-mostly again" vda vdb
echo bogus > $M/dev-vdb/state 2>/dev/null && fail "bogus > dev-vdb/state accepted"
md0_sum_ok "after the sysfs toggles"
pass "sysfs writemostly / -writemostly ($IMPL, $(($(date +%s) - T0)) s)"

# --- the fast member fails: reads come from the write-mostly one ---
mdadm /dev/md0 --fail /dev/vda >/dev/null 2>&1 || fail "--fail vda"
expect_eq "vdb[1](W) vda[0](F)" "$(mdstat_members)" "mdstat after --fail vda"
expect_reads "vda failed" vdb vda
md0_sum_ok "vda failed"
mdadm /dev/md0 --remove /dev/vda >/dev/null 2>&1 || fail "--remove vda"
mdadm --zero-superblock /dev/vda || fail "--zero-superblock vda"
# --add --write-mostly (ADD_NEW_DISK's state bit): a write-mostly spare, recovered
# from the write-mostly vdb.
mdadm /dev/md0 --add --write-mostly /dev/vda >/tmp/a.out 2>&1 || { cat /tmp/a.out; fail "--add --write-mostly vda"; }
wait_action "recovery onto vda" recover
wait_idle "recovery onto vda"
mdstat_members | grep -qE '^vda\[[0-9]+\]\(W\) vdb\[1\]\(W\)$' \
    || fail "mdstat after --add --write-mostly: $(mdstat_members)"
expect_state vda in_sync,write_mostly
expect_eq "active sync writemostly" "$(detail_of vda)" "--detail vda after --add --write-mostly"
expect_eq "write-mostly" "$(flags_of vda)" "--examine vda Flags after --add --write-mostly"
# Both write-mostly: the first slot (vda took slot 0) serves.
expect_reads "both write-mostly after --add" vda vdb
md0_sum_ok "after recovery (read from vda)"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
mdadm --assemble /dev/md0 /dev/vda /dev/vdb >/dev/null 2>&1 || fail assemble
mdstat_members | grep -qE '^vda\[[0-9]+\]\(W\) vdb\[1\]\(W\)$' \
    || fail "mdstat after assemble: $(mdstat_members)"
echo -writemostly > $M/dev-vdb/state || fail "-writemostly > dev-vdb/state"
expect_reads "vda write-mostly after assemble" vdb vda
md0_sum_ok "after assemble (read from vdb)"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail stop
pass "fail, --add --write-mostly, recovery, assemble ($IMPL, $(($(date +%s) - T0)) s)"

# --- 0.90: the descriptor's write-mostly bit ---
# mdadm 4.2 records only active/sync in a 0.90 descriptor at --create (super0's
# add_to_super) and md takes write-mostly from the descriptor at RUN_ARRAY
# (super_90_validate), so a 0.90 member is not write-mostly after --create on
# either md; the kernel's own superblock writes (super_90_sync) record it.
mdadm --zero-superblock /dev/vda /dev/vdb
mdadm --create /dev/md0 --run --assume-clean -e 0.90 -l1 -n2 --size=$ARRAY_KIB \
    /dev/vda --write-mostly /dev/vdb >/tmp/c.out 2>&1 || { cat /tmp/c.out; fail "create 0.90"; }
expect_eq "vdb[1] vda[0]" "$(mdstat_members)" "0.90: mdstat after create"
# examine090 DEV: the member table lines of DEV's superblock, spaces squeezed.
examine090() { mdadm --examine "/dev/$1" | grep -E '^ *(this|[0-9]) ' | tr -s ' ' | sed 's/^ //'; }
echo writemostly > $M/dev-vdb/state || fail "0.90: writemostly > dev-vdb/state"
expect_eq "vdb[1](W) vda[0]" "$(mdstat_members)" "0.90: mdstat after writemostly"
expect_eq "active sync writemostly" "$(detail_of vdb)" "0.90: --detail vdb"
cat > /tmp/expected <<'EXPECTED'
this 1 254 16 1 active sync write-mostly /dev/vdb
0 0 254 0 0 active sync /dev/vda
1 1 254 16 1 active sync write-mostly /dev/vdb
EXPECTED
examine090 vdb | diff /tmp/expected - || fail "0.90: --examine vdb"
dd if=/dev/zero of=/dev/md0 bs=1M count=1 oflag=direct 2>/dev/null || fail "0.90: write"
wait_array_state clean
examine090 vda | grep -q "^1 1 254 16 1 active sync write-mostly /dev/vdb$" \
    || { examine090 vda; fail "0.90: write-mostly not in vda's table"; }
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "0.90: stop"
mdadm --assemble /dev/md0 /dev/vda /dev/vdb >/dev/null 2>&1 || fail "0.90: assemble"
# (mdadm binds them in the other order here; mdstat lists the newest first)
expect_eq "vda[0] vdb[1](W)" "$(mdstat_members)" "0.90: mdstat after assemble"
expect_state vdb in_sync,write_mostly
expect_reads "0.90: vdb write-mostly" vda vdb
echo -writemostly > $M/dev-vdb/state || fail "0.90: -writemostly > dev-vdb/state"
expect_eq "vda[0] vdb[1]" "$(mdstat_members)" "0.90: mdstat after -writemostly"
examine090 vda | grep -q write-mostly && { examine090 vda; fail "0.90: write-mostly still in vda's table"; }
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "0.90: stop"
pass "0.90 write-mostly ($IMPL, $(($(date +%s) - T0)) s)"
