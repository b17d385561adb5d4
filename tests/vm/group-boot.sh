# Guest side of a group boot (tests/vm/run-all, "# group: NAME"): runs the tests of
# one group one after another in this boot, each in its own process group with its
# own time budget, and between two tests resets the guest to what a fresh boot gives
# a test. run-all writes the script: "#!/bin/bash", the settings below, the tests as
# $D/1.sh ... $D/$N.sh (lib.sh + test), then this file. Not a test itself (no t-).
#
# Settings: G (group), IMPL (rust|c), N, NAMES[1..N], BUDGET (s per test),
# RESET_BUDGET (s per reset), D (/run/run-all).
#
# Markers, written to the kernel log (so they appear live on the console and again in
# the dmesg dumps, in order with the kernel's own lines; run-all reads them):
#   RUN-ALL-BEGIN K NAME jiffies=J     test K starts (J: jiffies then, for kmemleak)
#   RUN-ALL-RESULT K NAME rc=RC secs=S [NOTE]   test K and the reset after it are done
#                                      (S by the guest's clock, which under TCG runs
#                                      slow: run-all times the markers on the host)
#   RUN-ALL-RESET-FAILED K NAME: WHY   the guest could not be reset after test K; no
#                                      further test runs in this boot
# Each test's kernel log is dumped (RUN-VM-DMESG-BEGIN/END, hidden from the live
# console as /init's dump is) and cleared after its reset, so dmesg_has/dmesg_count
# see only the test's own lines, as after a fresh boot; the last test's log is
# dumped by /init.

kmsg() { echo "$*" > /dev/kmsg; }
# The kernel's jiffies (kmemleak dates objects by them): sched's debugfs header.
jiffies() { sed -n 's/^jiffies *: *\([0-9]*\)$/\1/p;/^$/q' /sys/kernel/debug/sched/debug 2>/dev/null | head -1; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# The sysctl and module-parameter knobs tests change (speed limits, start_ro, ...).
knobs() { grep -H . /proc/sys/dev/raid/* /sys/module/md_mod/parameters/* 2>/dev/null; }
modules() { cut -d' ' -f1 /proc/modules | sort; }
mounts() { cut -d' ' -f2 /proc/mounts; }
# pgrp_pids PGID: the live (not zombie) processes of a process group; builtins
# only (a process per /proc entry would take seconds under TCG).
pgrp_pids() {
    local s l f
    for s in /proc/[0-9]*/stat; do
        read -r l < "$s" 2>/dev/null || continue
        l=${l##*) }
        read -r -a f <<< "$l"
        [ "${f[2]}" = "$1" ] && [ "${f[0]}" != Z ] && { s=${s#/proc/}; echo "${s%/stat}"; }
    done
}
d_stacks() {
    local p
    for p in $(ps -o pid,stat | awk '$2 ~ /D/ {print $1}'); do
        echo "--- D: $p $(cat /proc/$p/comm 2>/dev/null)"; cat /proc/$p/stack 2>/dev/null
    done
}
dump_dmesg() { echo RUN-VM-DMESG-BEGIN; dmesg -c; echo RUN-VM-DMESG-END; }

# What a fresh boot gives, recorded before the first test (md loaded by /init).
# (Builtins where it is cheap: every process costs under TCG.)
declare -A base_mod=() base_mnt=() base_md=()
base_modules=$(modules)
for m in $base_modules; do base_mod[$m]=1; done
while read -r _ m _; do base_mnt[$m]=1; done < /proc/mounts
base_mounts=$(mounts)
base_knobs=$(knobs)
# md's modules: md_mod and what depends on it (raid1 for the C md).
md_modules() {
    local h
    [ -d /sys/module/md_mod ] || return 0
    for h in /sys/module/md_mod/holders/*; do [ -e "$h" ] && echo "${h##*/}"; done
    echo md_mod
}
for m in $(md_modules); do base_md[$m]=1; done

# reset_guest: back to a fresh boot's state; prints what failed and returns 1.
reset_guest() {
    local m a n st dev left t0 pass busy t_stop t_unload t_zero mnts=() h
    t0=$(now)
    # Mounts the test made, innermost first.
    while read -r _ m _; do [ -n "${base_mnt[$m]:-}" ] || mnts=("$m" "${mnts[@]}"); done < /proc/mounts
    for m in "${mnts[@]}"; do
        umount "$m" 2>/dev/null || umount -l "$m" || { echo "umount $m failed"; return 1; }
    done
    # Loop devices (bound ones have a loop/ directory in sysfs).
    for a in /sys/block/loop*; do
        [ -d "$a/loop" ] || continue
        losetup -d "/dev/${a##*/}" || { echo "losetup -d /dev/${a##*/} failed"; return 1; }
    done
    # Every md array stopped: mdadm, then array_state clear, then STOP_ARRAY.
    md_configured() { # prints the arrays not clear
        local a st n
        for a in /sys/block/md*/md; do
            [ -e "$a/array_state" ] || continue
            st=; read -r st < "$a/array_state" 2>/dev/null
            [ "$st" = clear ] && continue
            n=${a%/md}; echo "${n##*/}($st)"
        done
    }
    if [ -n "$(md_configured)" ]; then
        mdadm --stop --scan > /dev/null 2>&1
        for a in $(md_configured); do
            n=${a%%(*}
            echo clear 2>/dev/null > "/sys/block/$n/md/array_state" && continue
            read -r dev < "/sys/block/$n/dev" 2>/dev/null || continue
            rm -f "$D/node"; mknod "$D/node" b "${dev%:*}" "${dev#*:}"
            mdioctl "$D/node" raw 0x0932 > /dev/null 2>&1
            rm -f "$D/node"
        done
        left=$(md_configured)
        [ -z "$left" ] || { cat /proc/mdstat; echo "md arrays still configured:" $left; return 1; }
    fi
    t_stop=$(since "$t0")
    # md's modules out (holders first), and any module the test loaded.
    for pass in 1 2 3 4; do
        busy=
        for m in $(md_modules) $(modules); do
            [ -d "/sys/module/$m" ] || continue
            [ -n "${base_mod[$m]:-}" ] && [ -z "${base_md[$m]:-}" ] && continue
            for h in "/sys/module/$m/holders/"*; do [ -e "$h" ] && { busy="$busy $m"; continue 2; }; done
            rmmod "$m" 2>/dev/null || busy="$busy $m"
        done
        [ -z "$busy" ] && break
    done
    [ -z "$busy" ] || { lsmod; echo "modules could not be unloaded:$busy"; return 1; }
    t_unload=$(since "$t0")
    # The member disks zeroed, as fresh images (every superblock location and the data).
    # shellcheck disable=SC2046
    zeroout $(ls -d /dev/vd[a-z] 2>/dev/null) || { echo "zeroing the disks failed"; return 1; }
    # Files and nodes the tests leave: /tmp, mdadm's map, /dev/mdN and /dev/md/.
    rm -rf /tmp/* /tmp/.[!.]* /tmp/..?* /run/mdadm/* /dev/md /mnt/*
    for n in /dev/md*; do
        [ -b "$n" ] && [ "$(stat -c %t "$n")" = 9 ] && rm -f "$n"
    done
    t_zero=$(since "$t0")
    sync
    echo 3 > /proc/sys/vm/drop_caches
    # md loaded again as /init does: its sysctls and parameters back to their defaults.
    case $IMPL in
        rust) insmod /opt/md/rust/md_mod.ko || { echo "insmod md_mod failed"; return 1; } ;;
        c) { insmod /opt/md/c/md-mod.ko && insmod /opt/md/c/raid1.ko; } || { echo "insmod md-mod/raid1 failed"; return 1; } ;;
    esac
    [ "$(modules)" = "$base_modules" ] || { echo "modules differ from the boot's: $(modules | tr '\n' ' ')"; return 1; }
    [ "$(knobs)" = "$base_knobs" ] || { diff <(echo "$base_knobs") <(knobs); echo "sysctl/parameter knobs differ from the boot's"; return 1; }
    [ "$(mounts)" = "$base_mounts" ] || { echo "mounts differ from the boot's"; return 1; }
    echo "run-all: guest reset in $(since "$t0")s (at ${t_stop}s arrays stopped, ${t_unload}s md unloaded, ${t_zero}s disks zeroed; write_zeroes_max_bytes $(cat /sys/block/vda/queue/write_zeroes_max_bytes 2>/dev/null))"
}

# run_bounded SECONDS CMD...: runs CMD in its own process group, killed (the whole
# group) after SECONDS; sets rc (124 on timeout) and leaves pgid set.
run_bounded() {
    local lim=$1 end; shift
    set -m
    "$@" < /dev/null &
    pgid=$!
    set +m
    end=$((SECONDS + lim)); rc=
    while kill -0 "$pgid" 2>/dev/null; do
        if [ $SECONDS -ge $end ]; then
            echo "run-all: still running after ${lim}s: killed (tasks in D state below, if any)"
            d_stacks
            kill -KILL -- "-$pgid" 2>/dev/null
            rc=124
            break
        fi
        sleep 0.1
    done
    wait "$pgid"
    local wrc=$?
    [ -n "$rc" ] || rc=$wrc
}
# end_pgrp PGID: kills what is left of a process group; fails if it will not go.
end_pgrp() {
    local i=0
    kill -KILL -- "-$1" 2>/dev/null
    while [ -n "$(pgrp_pids "$1")" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && { d_stacks; echo "processes of the test did not end: $(pgrp_pids "$1" | tr '\n' ' ')"; return 1; }
        sleep 0.1
    done
}
reset_to() { reset_guest > "$1" 2>&1; }
run_test() { cd /tmp && exec /bin/sh "$D/$1.sh" "$IMPL"; }

echo "run-all: group $G ($IMPL): $N tests in this boot: ${NAMES[*]:1}"
status=0
for ((k = 1; k <= N; k++)); do
    name=${NAMES[k]}
    kmsg "RUN-ALL-BEGIN $k $name jiffies=$(jiffies)"
    echo "=== $name ($IMPL): test $k of $N in the boot of group $G"
    t0=$(now)
    run_bounded "$BUDGET" run_test "$k"
    trc=$rc note=
    [ "$trc" = 124 ] && note="timeout after ${BUDGET}s in the guest"
    [ "$trc" = 0 ] || status=1
    why=$(end_pgrp "$pgid") || { echo "$why"; why=$(echo "$why" | tail -1); note="${note:+$note; }$why"; trc=${trc/#0/1}; }
    reset_ok=1
    if [ -n "$why" ]; then
        reset_ok=0
    elif [ $k -lt $N ]; then
        cd /
        run_bounded "$RESET_BUDGET" reset_to "$D/reset.out"
        cat "$D/reset.out"
        if [ "$rc" != 0 ]; then
            reset_ok=0
            why="reset: $(tail -1 "$D/reset.out")"
            [ "$rc" = 124 ] && why="reset: took more than ${RESET_BUDGET}s"
        fi
    fi
    kmsg "RUN-ALL-RESULT $k $name rc=$trc secs=$(since "$t0")${note:+ $note}"
    if [ $reset_ok = 0 ]; then
        kmsg "RUN-ALL-RESET-FAILED $k $name: $why"
        status=1
        # A stuck md may also hang /init's sync: dump the log now, and power off if
        # sync does not return.
        dump_dmesg
        sync & sp=$!
        for i in $(seq 300); do kill -0 $sp 2>/dev/null || break; sleep 0.1; done
        kill -0 $sp 2>/dev/null && { echo "run-all: sync hangs: powering off"; echo b > /proc/sysrq-trigger; sleep 10; }
        break
    fi
    [ $k -lt $N ] && dump_dmesg
done
exit $status
