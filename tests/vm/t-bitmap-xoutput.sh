# Write-intent bitmap (issue 11, test 7): `mdadm -X` of the members reads the same
# for the C md and the implementation under test after the same history: create
# with a bitmap (1 MiB chunks), writes, idle until the bitmap is clean, a member
# failed, writes while degraded (their chunks stay dirty), a stop; then assembled
# degraded, written again, stopped. The history runs under the C md first, then
# under the implementation under test (the test loads each); the -X outputs, with
# the array UUID and the bitmap's Events normalized, must be identical (events
# cleared, state, chunk size, daemon, write mode, sync size, bits, dirty count).
# The Events line follows the array's events, which every clean/dirty switch of a
# degraded array bumps: how many the writes cause depends on their timing against
# the safe-mode delay (md_mod's writes run at another speed than the C md's under
# TCG), so the count is printed but not compared.
# impls: rust c
# run-vm: --disks 2 --disk-size 256M
# group: bitmap256
M="/dev/vda /dev/vdb"
wr() { # MIB...: 1 MiB of data at each offset of md0, synced
    for _o in "$@"; do
        dd if=/dev/urandom of=/dev/md0 bs=1M seek="$_o" count=1 conv=notrunc,fsync 2>/dev/null || fail "write at $_o MiB"
    done
}
# xout TAG STEP: both members' -X (UUID normalized) into /tmp/x.TAG.STEP.
xout() {
    for _d in $M; do
        bm_x $_d || { cat /tmp/bmx.out; fail "$1 $2: mdadm -X $_d"; }
        echo "$1 $2 ${_d#/dev/}: bitmap $(grep -E '^ *Events( Cleared)? :' /tmp/bmx.out | tr -s ' ' | tr '\n' ' '); sb $(mdadm --examine $_d 2>/dev/null | grep -E '^ *Events :' | tr -s ' ')" >> /tmp/x.events
        sed -e 's/^\( *UUID : \).*/\1<uuid>/' -e 's/^\( *Events : \).*/\1<events>/' /tmp/bmx.out
    done > /tmp/x.$1.$2
}
history() { # TAG
    mdadm --create /dev/md0 --run --assume-clean -l1 -n2 --bitmap=internal --bitmap-chunk=1M $M \
        > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "$1: create"; }
    xout $1 created
    # Events Cleared is the array's events when the writes completed, and those
    # depend on how many clean/dirty switches the three writes cause (each dd is
    # its own process; at the default 200 ms delay that varies from run to run on
    # both drivers). A 3 s delay keeps the three in one dirty period on both.
    echo 3 > /sys/block/md0/md/safe_mode_delay || fail "$1: safe_mode_delay"
    wr 1 30 31
    wait_bm_clean "$1: bitmap after the first writes" /dev/vda 120
    xout $1 clean
    mdadm /dev/md0 --fail /dev/vdb > /dev/null 2>&1 || fail "$1: --fail vdb"
    wr 1 50 100 200
    # Only the degraded writes' chunks stay dirty; wait out the daemon passes.
    i=0
    while [ "$(bm_dirty /dev/vda)" -gt 4 ]; do i=$((i + 2)); [ $i -gt 60 ] && break; sleep 2; done
    sleep 6
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$1: stop"
    xout $1 degraded
    mdadm --assemble --run /dev/md0 /dev/vda > /tmp/as.out 2>&1 || { cat /tmp/as.out; fail "$1: assemble degraded"; }
    wr 120
    sleep 6
    mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "$1: stop (2)"
    xout $1 stopped
    mdadm --zero-superblock $M || fail "$1: zero-superblock"
}
unload_md $IMPL || fail "rmmod $IMPL"
load_md c || fail "insmod the C md"
history c
unload_md c || fail "rmmod the C md"
load_md $IMPL || fail "insmod $IMPL"
history $IMPL
cat /tmp/x.events
for s in created clean degraded stopped; do
    echo "--- -X after '$s' (vda, vdb), C md:"; cat /tmp/x.c.$s
    diff /tmp/x.c.$s /tmp/x.$IMPL.$s > /tmp/x.diff || { cat /tmp/x.diff; fail "mdadm -X after '$s' differs between the C md and $IMPL"; }
done
echo "bitmap-xoutput: dirty after the degraded history: $(sed -n 's/.*bits (chunks), \([0-9]*\) dirty.*/\1/p' /tmp/x.c.stopped | tr '\n' ' ')"
pass "mdadm -X equal for the C md and $IMPL"
