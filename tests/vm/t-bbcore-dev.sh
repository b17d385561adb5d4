# dev (bb-core): bad-block logs across md_mod and the C md: load at bind, sysfs,
# written with the superblock, --examine-badblocks, refusals, no-bbl, --add, 0.90.
# impls: none
# run-vm: --disks 3 --disk-size 64M
M="/dev/vda /dev/vdb"
D=/sys/block/md0/md
bbl() { mdadm --examine-badblocks "$1" 2>&1; }
feat() { mdadm --examine "$1" | sed -n 's/^ *Feature Map : //p'; }
wr() { bash -c 'printf "%s" "$2" > "$1" && echo ok' _ "$D/$1" "$2" 2>&1 | sed 's/.*: //'; }
asm() { mdadm --assemble /dev/md0 "$@" > /tmp/a.out 2>&1 || { cat /tmp/a.out; dmesg | tail; fail "assemble $*"; }; }
stop() { mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "stop"; }

echo "== C md: create, inject, write, stop"
load_md c
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/c.out 2>&1 || { cat /tmp/c.out; fail create; }
echo "4096 8" > $D/dev-vdb/bad_blocks || fail "C: inject"
echo "20000 100" > $D/dev-vdb/bad_blocks || fail "C: inject 2"
echo "6000 1" > $D/dev-vda/bad_blocks || fail "C: inject vda"
dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null
sleep 1
stop
expect_eq 0x8 "$(feat /dev/vdb)" "C: vdb feature map"
bbl /dev/vdb > /tmp/c-vdb.bbl; bbl /dev/vda > /tmp/c-vda.bbl; cat /tmp/c-vdb.bbl
unload_md c

echo "== md_mod: assemble, load, inject more"
load_md rust
asm $M
expect_eq "$(printf '4096 8\n20000 100')" "$(cat $D/dev-vdb/bad_blocks)" "rust: vdb bad_blocks loaded"
expect_eq "6000 1" "$(cat $D/dev-vda/bad_blocks)" "rust: vda bad_blocks loaded"
expect_eq "" "$(cat $D/dev-vdb/unacknowledged_bad_blocks)" "rust: vdb ubb"
expect_eq 644 "$(stat -c %a $D/dev-vdb/bad_blocks)" "mode bad_blocks"
expect_eq 644 "$(stat -c %a $D/dev-vdb/unacknowledged_bad_blocks)" "mode ubb"
expect_eq "Invalid argument" "$(wr dev-vdb/bad_blocks junk)" "junk"
expect_eq "Invalid argument" "$(wr dev-vdb/bad_blocks '10 0')" "length 0"
expect_eq ok "$(wr dev-vdb/bad_blocks '30000 16')" "inject under rust"
ev0=$(mdadm --examine /dev/vdb | sed -n 's/^ *Events : //p')
sleep 1
bbl /dev/vdb
bbl /dev/vdb | grep -q "30000 for 16" || fail "rust: injected range not on disk promptly"
expect_eq ok "$(wr dev-vdb/unacknowledged_bad_blocks '40000 8')" "ubb under rust"
expect_eq "40000 8" "$(cat $D/dev-vdb/unacknowledged_bad_blocks)" "rust: ubb shows it"
expect_eq "faulty,in_sync,blocked" "$(cat $D/dev-vdb/state)" "rust: state with unacked"
dd if=/dev/zero of=/dev/md0 bs=4k count=1 oflag=direct 2>/dev/null
sleep 1
expect_eq "" "$(cat $D/dev-vdb/unacknowledged_bad_blocks)" "rust: ubb acked after a superblock write"
expect_eq "in_sync" "$(cat $D/dev-vdb/state)" "rust: state after ack"
stop
expect_eq 0x8 "$(feat /dev/vdb)" "rust: vdb feature map"
bbl /dev/vdb | tee /tmp/r-vdb.bbl
expect_eq "$(sed 's/^ *//' /tmp/c-vdb.bbl | grep -v 'Bad-blocks on'; echo '30000 for 16 sectors'; echo '40000 for 8 sectors')" \
    "$(sed 's/^ *//' /tmp/r-vdb.bbl | grep -v 'Bad-blocks on' | sort -n)" "rust: examine-badblocks vdb"
expect_eq "$(cat /tmp/c-vda.bbl)" "$(bbl /dev/vda)" "rust: examine-badblocks vda unchanged"
unload_md rust

echo "== back on the C md"
load_md c
asm $M
expect_eq "$(printf '4096 8\n20000 100\n30000 16\n40000 8')" "$(cat $D/dev-vdb/bad_blocks)" "C: vdb list after md_mod"
stop
unload_md c

echo "== md_mod: corrupt log refused"
load_md rust
cp /tmp/r-vdb.bbl /dev/null
# Swap the first two entries of vdb's log (sb at 8, log at +16).
dd if=/dev/vdb of=/tmp/log bs=512 skip=24 count=8 2>/dev/null
{ dd if=/tmp/log bs=8 skip=1 count=1; dd if=/tmp/log bs=8 count=1; dd if=/tmp/log bs=8 skip=2; } 2>/dev/null > /tmp/log2
dd if=/tmp/log2 of=/dev/vdb bs=512 seek=24 conv=notrunc 2>/dev/null
mdadm --assemble /dev/md0 $M > /tmp/a.out 2>&1
cat /tmp/a.out
dmesg | grep "vdb: invalid" || fail "no refusal line"
dmesg_has "refusal" "md: vdb: invalid superblock: bad block log not sorted"
mdadm --stop /dev/md0 > /dev/null 2>&1
dd if=/tmp/log of=/dev/vdb bs=512 seek=24 conv=notrunc 2>/dev/null

echo "== md_mod: no-bbl"
mdadm --assemble /dev/md0 --update=no-bbl $M > /tmp/a.out 2>&1; cat /tmp/a.out
mdadm --stop /dev/md0 > /dev/null 2>&1
mdadm --assemble /dev/md0 --update=force-no-bbl $M > /tmp/a.out 2>&1 || { cat /tmp/a.out; fail force-no-bbl; }
cat /proc/mdstat
expect_eq "" "$(cat $D/dev-vdb/bad_blocks)" "force-no-bbl: empty list"
expect_eq "No space left on device" "$(wr dev-vdb/bad_blocks '100 8')" "force-no-bbl: store refused"
bbl /dev/vdb
stop

echo "== md_mod: --add gets an empty log"
mdadm --zero-superblock /dev/vda /dev/vdb
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $M > /tmp/c.out 2>&1 || { cat /tmp/c.out; fail create2; }
mdadm /dev/md0 --fail /dev/vdb --remove /dev/vdb > /dev/null 2>&1 || fail remove
mdadm /dev/md0 --add /dev/vdc > /dev/null 2>&1 || fail add
sleep 2
mdadm --examine /dev/vdc | grep "Bad Block Log" || fail "vdc has no log"
expect_eq "" "$(cat $D/dev-vdc/bad_blocks)" "added: empty"
expect_eq ok "$(wr dev-vdc/bad_blocks '5000 8')" "added: store"
sleep 1
bbl /dev/vdc | grep -q "5000 for 8" || fail "added member log not written"
stop

echo "== md_mod: 0.90"
mdadm --zero-superblock /dev/vda /dev/vdb /dev/vdc
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --metadata=0.90 $M > /tmp/c.out 2>&1 || { cat /tmp/c.out; fail create090; }
expect_eq "" "$(cat $D/dev-vdb/bad_blocks)" "0.90: empty"
expect_eq "No space left on device" "$(wr dev-vdb/bad_blocks '100 8')" "0.90: store refused"
stop
pass "bb-core dev"
