# A new array (created without --assume-clean) resyncs in the background as md does:
# the log lines, /proc/mdstat's progress line in md's format while it runs, the sysfs
# view during and after (sync_action, sync_completed, last_sync_action, degraded,
# resync_start), and afterwards the mirrors really are identical (a check pass finds
# no mismatch; the members' data areas compare equal).
# impls: rust c
# run-vm: --disks 2 --disk-size 64M
# group: redund64
M="/dev/vda /dev/vdb"
# 5 MB/s at first, so the resync surely runs long enough (13 s) to be watched.
echo 5000 > /proc/sys/dev/raid/speed_limit_max
t0=$(uptime_s)
mdadm --create /dev/md0 --run -l1 -n2 $M > /tmp/create.out 2>&1 || { cat /tmp/create.out; fail "mdadm --create"; }

# The progress line, as md prints it:
#   "      [=>...................]  resync =  7.5% (9856/64512) finish=0.2min speed=9856K/sec"
# (or "resync=DELAYED" / "resync=PENDING" before the resync thread starts).
re_bar='^ +\[=*>\.*\]  resync = *[0-9]+\.[0-9]% \([0-9]+/64512\) finish=[0-9]+\.[0-9]min speed=[0-9]+K/sec$'
re_wait='^ +resync=(DELAYED|PENDING)$'
seen=; i=0
while [ $i -lt 100 ]; do
    p=$(mdstat_progress)
    if [ -n "$p" ]; then
        echo "$p" >> /tmp/progress.log
        if echo "$p" | grep -Eq "$re_bar"; then
            seen=$p
            # A bar is 21 characters between the brackets.
            bar=$(echo "$p" | sed 's/^ *\[\([^]]*\)\].*/\1/')
            expect_eq 21 "${#bar}" "progress bar width in '$p'"
            break
        fi
        echo "$p" | grep -Eq "$re_wait" || fail "mdstat progress line not in md's format: '$p'"
    fi
    i=$((i + 1)); sleep 0.1
done
[ -n "$seen" ] || { cat /proc/mdstat; fail "no resync progress line in /proc/mdstat within 10 s"; }
echo "mdstat during resync: $seen"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat state line during resync"
expect_eq resync "$(cat $MD/sync_action)" "sync_action during resync"
sc=$(cat $MD/sync_completed)
echo "$sc" | grep -Eq '^[0-9]+ / 129024$' || fail "sync_completed during resync: '$sc', want 'N / 129024'"
echo "sync_completed during resync: $sc"
expect_eq 0 "$(cat $MD/degraded)" "degraded during resync"
mdadm --detail /dev/md0 > /tmp/detail
grep -Eq '^ *Resync Status : [0-9]+% complete$' /tmp/detail || { cat /tmp/detail; fail "--detail has no 'Resync Status : N% complete' during resync"; }
# No write since the array started: clean (md_run sets in_sync; the resync is tracked
# apart from it, in resync_offset), so mdadm says "clean, resyncing".
expect_eq clean "$(cat $MD/array_state)" "array_state during resync (no writes yet)"
grep -Eq '^ *State : clean, resyncing *$' /tmp/detail || { cat /tmp/detail; fail "--detail State during resync: want 'clean, resyncing'"; }
pass "resync running: $(grep -E 'State :|Resync Status' /tmp/detail | sed 's/^ *//' | tr '\n' ' ')"

sync_fast
wait_idle "resync"
echo "resync done $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s after create; $(wc -l < /tmp/progress.log) progress samples"
dmesg_has "after create" "md/raid1:md0: not clean -- starting background reconstruction"
dmesg_has "after create" "md/raid1:md0: active with 2 out of 2 mirrors"
dmesg_has "resync start" "md: resync of RAID array md0"
dmesg_has "resync end" "md: md0: resync done."
expect_eq 1 "$(dmesg_count 'md: resync of RAID array md0')" "resync started once"
expect_eq "" "$(mdstat_progress)" "mdstat progress line when idle"
expect_eq "64512 blocks super 1.2 [2/2] [UU]" "$(mdstat_state)" "mdstat state line after resync"
expect_eq idle "$(cat $MD/sync_action)" "sync_action after resync"
expect_eq resync "$(cat $MD/last_sync_action)" "last_sync_action after resync"
expect_eq none "$(cat $MD/sync_completed)" "sync_completed when idle"
expect_eq none "$(cat $MD/resync_start)" "resync_start after resync"
expect_eq 0 "$(cat $MD/degraded)" "degraded after resync"
expect_eq 0 "$(mismatch_cnt)" "mismatch_cnt after resync"
mdadm --detail /dev/md0 > /tmp/detail
grep -Eq '^ *State : clean *$' /tmp/detail || { cat /tmp/detail; fail "--detail State after resync"; }
grep -q 'Resync Status' /tmp/detail && { cat /tmp/detail; fail "--detail still has a Resync Status"; }
pass "resync finished"

# check: reads both mirrors and compares.
check_clean "check after resync"
expect_eq none "$(cat $MD/sync_completed)" "sync_completed after check"
dmesg_has "check" "md: check of RAID array md0"
dmesg_has "check" "md: md0: check done."
pass "check after resync: mismatch_cnt 0"

mdadm --stop /dev/md0 > /tmp/stop.out 2>&1 || { cat /tmp/stop.out; fail "mdadm --stop"; }
for d in $M; do
    mdadm --examine $d | grep -Eq '^ +State : clean$' || { mdadm --examine $d; fail "$d superblock not clean after stop"; }
done
members_identical "after resync" $M
mdadm --assemble /dev/md0 $M > /tmp/assemble.out 2>&1 || { cat /tmp/assemble.out; fail "mdadm --assemble"; }
sleep 1
expect_eq "" "$(mdstat_progress)" "no resync after assembling a synced array"
expect_eq 1 "$(dmesg_count 'md: resync of RAID array md0')" "no second resync"
mdadm --stop /dev/md0 > /dev/null 2>&1 || fail "mdadm --stop (2)"
pass "resync ($IMPL)"
