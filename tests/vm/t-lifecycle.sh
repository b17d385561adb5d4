# Probe-on-open, md/ attributes, hold rules, clear + last close, new_array, rmmod while open.
# impls: rust c
# group: default
for i in 0 1 2 3; do mknod_md $i; done
exec 3</dev/md0 4</dev/md1 5</dev/md2 6</dev/md3
for i in 0 1 2 3; do
    d=/sys/block/md$i/md
    [ -d $d ] || fail "opening /dev/md$i did not create $d"
    expect_eq clear "$(cat $d/array_state)" "md$i array_state"
    expect_eq "" "$(cat $d/level)" "md$i level"
    expect_eq "" "$(cat $d/raid_disks)" "md$i raid_disks"
    expect_eq none "$(cat $d/metadata_version)" "md$i metadata_version"
    expect_eq "9:$i" "$(cat /sys/block/md$i/dev)" "md$i dev"
    expect_eq 0 "$(cat /sys/block/md$i/size)" "md$i capacity"
done
# A node made by open stays after a close with no ioctl in between.
exec 6<&-
sleep 0.3
[ -d /sys/block/md3 ] || fail "md3 vanished after a close without ioctl"
# clear, then the last close frees it.
for i in 0 1 2; do echo clear > /sys/block/md$i/md/array_state || fail "clear md$i"; done
[ -d /sys/block/md0 ] || fail "md0 freed while still open"
exec 3<&- 4<&- 5<&-
for i in 0 1 2; do wait_gone /sys/block/md$i || fail "md$i not freed at last close after clear"; done
# clear with no opener frees at the end of the write.
echo clear > /sys/block/md3/md/array_state || fail "clear md3"
wait_gone /sys/block/md3 || fail "md3 not freed after clear"
# Reopening recreates.
mknod_md 0
exec 3</dev/md0
[ -d /sys/block/md0/md ] || fail "md0 not recreated on reopen"
exec 3<&-
echo clear > /sys/block/md0/md/array_state
wait_gone /sys/block/md0 || fail "md0 not freed (2)"

# Named arrays stay until stopped.
echo md_test > /sys/module/md_mod/parameters/new_array || fail "new_array md_test"
[ -d /sys/block/md_test/md ] || fail "no /sys/block/md_test/md"
expect_eq "9:512" "$(cat /sys/block/md_test/dev)" "md_test dev"
echo md_test > /sys/module/md_mod/parameters/new_array 2>/dev/null && fail "duplicate new_array accepted"
echo bogus > /sys/module/md_mod/parameters/new_array 2>/dev/null && fail "new_array accepted 'bogus'"
[ -b /dev/md_test ] || mknod /dev/md_test b 9 512
exec 3</dev/md_test
exec 3<&-
sleep 0.3
[ -d /sys/block/md_test ] || fail "md_test freed at close"
echo clear > /sys/block/md_test/md/array_state
wait_gone /sys/block/md_test || fail "md_test not freed after clear"
echo md9 > /sys/module/md_mod/parameters/new_array || fail "new_array md9"
expect_eq "9:9" "$(cat /sys/block/md9/dev)" "md9 dev"

# The module cannot go while an array is open.
mknod_md 0
exec 3</dev/md0
[ "$IMPL" = c ] && rmmod raid1
rmmod md_mod 2>/dev/null && fail "rmmod succeeded while /dev/md0 is open"
exec 3<&-
rmmod md_mod || fail "rmmod after close"
[ -e /sys/block/md0 ] && fail "md0 left after rmmod"
[ -e /sys/block/md9 ] && fail "md9 left after rmmod"
pass "lifecycle ($IMPL)"
