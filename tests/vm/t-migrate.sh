# Arrays move between our md_mod and the C md in both directions: data intact, superblocks
# clean, mirrors identical (the C md's check finds no mismatch).
# impls: none
# run-vm: --disks 2 --disk-size 256M
mkdir -p /mnt
MEMBERS="/dev/vda /dev/vdb"

write_data() { # WHAT
    mkfs.ext4 -q -F /dev/md0 || fail "$1: mkfs.ext4"
    mount /dev/md0 /mnt || fail "$1: mount"
    for i in 1 2 3 4; do
        dd if=/dev/urandom of=/mnt/f$i bs=1M count=8 2>/dev/null || fail "$1: write /mnt/f$i"
    done
    md5sum /mnt/f* > /tmp/sums
    umount /mnt || fail "$1: umount"
}
check_data() { # WHAT
    mount /dev/md0 /mnt || fail "$1: mount"
    md5sum -c /tmp/sums > /dev/null || fail "$1: data differs"
    umount /mnt || fail "$1: umount"
    e2fsck -fn /dev/md0 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "$1: e2fsck -fn"; }
}
stop_md() { # WHAT
    mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "$1: mdadm --stop"; }
}
assemble() { # WHAT
    mdadm --assemble /dev/md0 $MEMBERS > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "$1: mdadm --assemble"; }
    grep -q '\[2/2\] \[UU\]$' /proc/mdstat || { cat /proc/mdstat; fail "$1: mdstat lacks [2/2] [UU]"; }
}
# Every member's superblock: checksum correct, clean.
examine_clean() { # WHAT
    for d in $MEMBERS; do
        mdadm --examine $d > /tmp/examine || { cat /tmp/examine; fail "$1: --examine $d"; }
        grep -Eq '^ +Checksum : [0-9a-f]+ - correct$' /tmp/examine || { cat /tmp/examine; fail "$1: $d checksum not correct"; }
        grep -Eq '^ +State : clean$' /tmp/examine || { cat /tmp/examine; fail "$1: $d superblock not clean"; }
    done
}
# The members' data areas are identical (read from the devices, not their page cache).
mirrors_identical() { # WHAT
    echo 3 > /proc/sys/vm/drop_caches
    first=
    for d in $MEMBERS; do
        mdadm --examine $d > /tmp/examine || fail "$1: --examine $d"
        off=$(sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p' /tmp/examine)
        kib=$(sed -n 's/^ *Array Size : \([0-9]*\) KiB.*/\1/p' /tmp/examine)
        [ -n "$off" ] && [ -n "$kib" ] || { cat /tmp/examine; fail "$1: no Data Offset / Array Size for $d"; }
        sum=$(dd if=$d bs=1M iflag=skip_bytes,count_bytes skip=$((off * 512)) count=$((kib * 1024)) \
            2>/tmp/dd.err | md5sum)
        grep -q "^$((kib / 1024))+$((kib % 1024 != 0)) records in" /tmp/dd.err \
            || { cat /tmp/dd.err; fail "$1: reading the data area of $d"; }
        if [ -z "$first" ]; then first=$sum; else expect_eq "$first" "$sum" "$1: data areas of $MEMBERS"; fi
    done
}
# The C md's scrub: a check pass over the whole array must find no mismatch.
c_check() { # WHAT
    a=/sys/block/md0/md
    echo check > $a/sync_action || fail "$1: echo check > sync_action"
    i=0
    while [ "$(cat $a/sync_action)" != idle ]; do
        i=$((i + 1)); [ $i -gt 600 ] && fail "$1: check still running after 300 s"
        sleep 0.5
    done
    mdadm --wait /dev/md0 > /dev/null 2>&1
    expect_eq check "$(cat $a/last_sync_action)" "$1: last_sync_action"
    expect_eq 0 "$(cat $a/mismatch_cnt)" "$1: mismatch_cnt after check"
}

# --- ours -> C md
load_md rust || fail "insmod ours"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $MEMBERS > /tmp/create.out 2>&1 \
    || { cat /tmp/create.out; fail "create under ours"; }
write_data "ours"
stop_md "ours"
examine_clean "stopped by ours"
unload_md rust || fail "rmmod ours"
load_md c || fail "insmod C md"
assemble "C md after ours"
sleep 1
grep -Eq 'resync|recovery' /proc/mdstat && { cat /proc/mdstat; fail "C md resyncs an array ours stopped clean"; }
expect_eq idle "$(cat /sys/block/md0/md/sync_action)" "C md sync_action after assembling ours"
check_data "C md after ours"
c_check "C md after ours"
stop_md "C md after ours"
unload_md c || fail "rmmod C md"
pass "ours -> C md"

# --- C md -> ours
load_md c || fail "insmod C md (2)"
mdadm --create /dev/md0 --run --assume-clean -l1 -n2 $MEMBERS > /tmp/create.out 2>&1 \
    || { cat /tmp/create.out; fail "create under the C md"; }
write_data "C md"
stop_md "C md"
examine_clean "stopped by the C md"
unload_md c || fail "rmmod C md (2)"
load_md rust || fail "insmod ours (2)"
assemble "ours after C md"
check_data "ours after C md"
stop_md "ours after C md"
examine_clean "stopped by ours after C md"
mirrors_identical "ours after C md"
unload_md rust || fail "rmmod ours (2)"
pass "C md -> ours"
pass "migrate"
