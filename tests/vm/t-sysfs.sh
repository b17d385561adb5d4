# md/ array attributes: modes, values after create and before run, and the
# write rules we share with the C md (same expectations for both).
# impls: rust c
# run-vm: --disks 3
d=/sys/block/md0/md
# Writes $2 to attribute $1; prints "ok" or the error text (bash: dash hides errno).
wr() { bash -c 'printf "%s" "$2" > "$1" && echo ok' _ "$d/$1" "$2" 2>&1 | sed 's/.*: //'; }
check() { expect_eq "$2" "$(cat "$d/$1")" "$1"; }
# md rounds the safe-mode delay to jiffies: what reads back after writing $1 ms.
jiffy_ms() { echo $(( ($1 * HZ / 1000) * 1000 / HZ )); }
ms3() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

mdadm --create /dev/md0 --run --assume-clean -l1 -n2 /dev/vda /dev/vdb >/dev/null 2>&1 ||
    fail "mdadm --create"

# Modes as md's (its redundancy group included: raid1 has one).
for am in array_size:644 bitmap_set_bits:200 chunk_size:644 component_size:644 \
    consistency_policy:644 degraded:444 fail_last_dev:644 last_sync_action:444 \
    layout:644 max_read_errors:644 mismatch_cnt:444 new_dev:200 new_level:664 \
    reshape_direction:644 reshape_position:644 resync_start:644 safe_mode_delay:644 \
    serialize_policy:644 suspend_hi:644 suspend_lo:644 sync_action:644 \
    sync_completed:444 sync_force_parallel:644 sync_max:644 sync_min:644 \
    sync_speed:444 sync_speed_max:644 sync_speed_min:644 uuid:444; do
    a=${am%:*}
    [ -f "$d/$a" ] || fail "no $d/$a"
    expect_eq "${am#*:}" "$(stat -c %a "$d/$a")" "mode of $a"
done

# Values after create.
used=$(mdadm --detail /dev/md0 | sed -n 's/^ *Used Dev Size : \([0-9]*\).*/\1/p')
check component_size "$used"
check array_size default
check chunk_size 0
check layout 0
check new_level 1
check resync_start none
check consistency_policy resync
check max_read_errors 20
check reshape_position none
check reshape_direction forwards
check fail_last_dev 0
check serialize_policy 0
check degraded 0
check sync_action idle
check last_sync_action idle
check mismatch_cnt 0
check sync_completed none
check sync_speed none
check sync_force_parallel 0
check sync_min 0
check sync_max max
check suspend_lo 0
check suspend_hi 0
check sync_speed_min "$(cat /proc/sys/dev/raid/speed_limit_min) (system)"
check sync_speed_max "$(cat /proc/sys/dev/raid/speed_limit_max) (system)"
uuid=$(cat $d/uuid)
expect_eq "$(mdadm --detail /dev/md0 | sed -n 's/^ *UUID : //p' | tr -d :)" \
    "$(echo "$uuid" | tr -d -)" "uuid vs mdadm --detail"
mdadm --detail /dev/md0 | grep -q "Consistency Policy : resync" ||
    fail "mdadm --detail: no 'Consistency Policy : resync'"

# dev-NAME/ of the running members: modes and values as md's.
for m in vda vdb; do
    for a in state slot offset size errors; do
        expect_eq 644 "$(stat -c %a $d/dev-$m/$a)" "mode of dev-$m/$a"
    done
    expect_eq in_sync "$(cat $d/dev-$m/state)" "dev-$m/state"
    expect_eq 0 "$(cat $d/dev-$m/errors)" "dev-$m/errors"
    ex=$(mdadm --examine /dev/$m)
    expect_eq "$(echo "$ex" | sed -n 's/^ *Data Offset : \([0-9]*\) sectors.*/\1/p')" \
        "$(cat $d/dev-$m/offset)" "dev-$m/offset vs mdadm --examine"
    avail=$(echo "$ex" | sed -n 's/^ *Avail Dev Size : \([0-9]*\) sectors.*/\1/p')
    expect_eq "$((avail / 2))" "$(cat $d/dev-$m/size)" "dev-$m/size vs mdadm --examine"
done
expect_eq "0 1" "$(cat $d/dev-vda/slot) $(cat $d/dev-vdb/slot)" "dev-vda/slot dev-vdb/slot"

# safe_mode_delay: md's 200 ms default + 1 jiffy, shown in ms of whole jiffies.
default_delay=$(cat $d/safe_mode_delay)
expect_eq ok "$(wr safe_mode_delay 0.001)" "safe_mode_delay 0.001"
one=$(sed 's/^0\.0*//' $d/safe_mode_delay)
[ -n "$one" ] && [ "$one" -gt 0 ] || fail "safe_mode_delay 0.001 reads back '$one'"
HZ=$((1000 / one))
expect_eq "$(ms3 $(( (200 * HZ / 1000 + 1) * 1000 / HZ )))" "$default_delay" "default safe_mode_delay"
expect_eq ok "$(wr safe_mode_delay '0.25
')" "safe_mode_delay 0.25"
check safe_mode_delay "$(ms3 "$(jiffy_ms 250)")"
expect_eq ok "$(wr safe_mode_delay 1.23456)" "safe_mode_delay 1.23456"
check safe_mode_delay "$(ms3 "$(jiffy_ms 1234)")"
expect_eq "Invalid argument" "$(wr safe_mode_delay abc)" "safe_mode_delay abc"
expect_eq ok "$(wr safe_mode_delay 0)" "safe_mode_delay 0"
check safe_mode_delay 0.000
expect_eq ok "$(wr safe_mode_delay 0.2)" "safe_mode_delay 0.2"

expect_eq ok "$(wr sync_speed_min 5000)" "sync_speed_min 5000"
check sync_speed_min "5000 (local)"
expect_eq "Invalid argument" "$(wr sync_speed_min 0)" "sync_speed_min 0"
expect_eq ok "$(wr sync_speed_min system)" "sync_speed_min system"
check sync_speed_min "$(cat /proc/sys/dev/raid/speed_limit_min) (system)"
expect_eq ok "$(wr sync_speed_max 7000)" "sync_speed_max 7000"
check sync_speed_max "7000 (local)"

expect_eq ok "$(wr max_read_errors 30)" "max_read_errors 30"
check max_read_errors 30
expect_eq "Numerical result out of range" "$(wr max_read_errors 4294967296)" "max_read_errors 2^32"
expect_eq "Invalid argument" "$(wr max_read_errors 2147483648)" "max_read_errors 2^31"
expect_eq "Invalid argument" "$(wr max_read_errors ' 5')" "max_read_errors ' 5'"
expect_eq ok "$(wr max_read_errors +7)" "max_read_errors +7"
check max_read_errors 7

# raid1 keeps its chunk size and layout; running arrays refuse these.
expect_eq ok "$(wr chunk_size 0)" "chunk_size 0"
expect_eq "Invalid argument" "$(wr chunk_size 65536)" "chunk_size 65536"
expect_eq ok "$(wr layout 0)" "layout 0"
expect_eq "Invalid argument" "$(wr layout 5)" "layout 5"
expect_eq "Device or resource busy" "$(wr resync_start 100)" "resync_start running"
expect_eq "Device or resource busy" "$(wr consistency_policy bitmap)" "consistency_policy"
expect_eq "Device or resource busy" "$(wr reshape_position 0)" "reshape_position running"
expect_eq "Value too large for defined data type" "$(wr new_dev 9999:1)" "new_dev 9999:1"
expect_eq "Invalid argument" "$(wr new_dev x)" "new_dev x"
expect_eq "Invalid argument" "$(wr new_dev 8:)" "new_dev 8:"
expect_eq "Invalid argument" "$(wr sync_action bogus)" "sync_action bogus"
expect_eq ok "$(wr sync_action idle)" "sync_action idle"
check sync_action idle
expect_eq ok "$(wr array_size default)" "array_size default"
expect_eq "Invalid argument" "$(wr array_size x)" "array_size x"
expect_eq ok "$(wr reshape_direction backwards)" "reshape_direction backwards"
check reshape_direction backwards
expect_eq ok "$(wr reshape_direction forwards)" "reshape_direction forwards"
expect_eq ok "$(wr fail_last_dev 1)" "fail_last_dev 1"
check fail_last_dev 1
expect_eq ok "$(wr fail_last_dev 0)" "fail_last_dev 0"
expect_eq ok "$(wr serialize_policy 0)" "serialize_policy 0"
expect_eq "Invalid argument" "$(wr sync_force_parallel 2)" "sync_force_parallel 2"
expect_eq ok "$(wr sync_min 13)" "sync_min 13"
check sync_min 8
expect_eq ok "$(wr sync_min 0)" "sync_min 0"
expect_eq ok "$(wr sync_max max)" "sync_max max"
expect_eq ok "$(wr suspend_lo 0)" "suspend_lo 0"
expect_eq ok "$(wr bitmap_set_bits 1)" "bitmap_set_bits"
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "mdadm --stop"
wait_gone /sys/block/md0 || fail "md0 not freed after stop"

# Before running: md's fresh values; then assembled by sysfs alone (new_dev, array_state).
mknod_md 0
exec 3</dev/md0
check array_state clear
check uuid 00000000-0000-0000-0000-000000000000
check resync_start 0
check safe_mode_delay 0.000
check max_read_errors 0
check new_level 0
check consistency_policy unknown
check serialize_policy n/a
check component_size 0
check array_size default
expect_eq ok "$(wr metadata_version 1.2)" "metadata_version 1.2"
expect_eq ok "$(wr new_dev "$(cat /sys/block/vda/dev)")" "new_dev vda"
expect_eq ok "$(wr new_dev "$(cat /sys/block/vdb/dev)")" "new_dev vdb"
[ -d $d/dev-vda ] && [ -d $d/dev-vdb ] || fail "new_dev did not bind dev-vda/dev-vdb"
check array_state inactive
check uuid 00000000-0000-0000-0000-000000000000
expect_eq ok "$(wr array_state active)" "array_state active"
check level raid1
check raid_disks 2
check uuid "$uuid"
check max_read_errors 20
check safe_mode_delay "$default_delay"
check resync_start none
check degraded 0
exec 3<&-
mdadm --stop /dev/md0 >/dev/null 2>&1 || fail "mdadm --stop (2)"

# A mirror created with a missing half is degraded by one.
mdadm --create /dev/md1 --run --assume-clean -l1 -n2 /dev/vdc missing >/dev/null 2>&1 ||
    fail "mdadm --create degraded"
expect_eq 1 "$(cat /sys/block/md1/md/degraded)" "degraded with a missing mirror"
mdadm --stop /dev/md1 >/dev/null 2>&1 || fail "mdadm --stop md1"
pass "sysfs ($IMPL)"
