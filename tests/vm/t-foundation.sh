# Module start: major 9, /proc/mdstat byte-identical to the C md's, workqueues, sysctls, parameters.
# impls: none
load_md rust || fail "insmod md_mod"
grep -Eq '^ *9 md$' /proc/devices || fail "/proc/devices has no '9 md'"
cat /proc/mdstat > /tmp/rust.mdstat
expect_eq 1000 "$(cat /proc/sys/dev/raid/speed_limit_min)" speed_limit_min
expect_eq 200000 "$(cat /proc/sys/dev/raid/speed_limit_max)" speed_limit_max
for p in new_array create_on_open start_ro start_dirty_degraded; do
    [ -e /sys/module/md_mod/parameters/$p ] || fail "no parameter $p"
done
# The md workqueue is WQ_MEM_RECLAIM: its rescuer thread is kworker/R-md (6.12 naming).
found=0
for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = kworker/R-md ] && found=1; done
expect_eq 1 $found "rescuer thread kworker/R-md"
grep -q '^md_mod ' /proc/modules || fail "module not named md_mod"
unload_md rust || fail "rmmod md_mod"
grep -Eq '^ *9 md$' /proc/devices && fail "major 9 still registered after rmmod"
[ -e /proc/mdstat ] && fail "/proc/mdstat left behind"
[ -e /proc/sys/dev/raid ] && fail "dev.raid sysctls left behind"

load_md c || fail "insmod C md"
cat /proc/mdstat > /tmp/c.mdstat
unload_md c || fail "rmmod C md"
echo "--- ours"; od -c /tmp/rust.mdstat
echo "--- C md"; od -c /tmp/c.mdstat
cmp /tmp/rust.mdstat /tmp/c.mdstat || fail "/proc/mdstat differs from the C md's"
pass "foundation"
