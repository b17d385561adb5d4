#!/bin/bash
# The benchmark's guest side (run by tests/bench/run through qemu/run-vm on the
# bench kernel): every fio job on the raw member disk, on both member disks at once
# (raw2: what two mirrors can give on this host), the C md RAID1 and md_mod's
# RAID1, each also with an internal write-intent bitmap, in one boot and on the same
# two disks, over ROUNDS rounds (each job on every target in turn, in a rotating
# order); then the resync and the check of the whole array on each md, beside a
# raw copy of one member onto the other (what a resync can reach on this host). Results (fio JSON, /proc/stat
# around each job, timings) go as a tar archive onto the third disk, where the
# host reads them after the boot (the serial line is too slow for them).
# Arguments (tests/bench/run passes its BENCH_* variables): ROUNDS (default 5),
# RUNTIME (seconds per fio job, default 5), JOBS (names, default
# all), TARGETS (default all: raw raw2 c rust c+bm rust+bm), PROFILE ("TARGET:JOB ...":
# those runs under `perf record -a -g`, perf from the fourth disk; the report goes
# back as profile.TARGET.JOB.txt).
set -u
rounds=${1:-5}
rt=${2:-5}
res=/tmp/res
rm -rf $res; mkdir -p $res
log() { echo "bench: $*"; }
die() { echo "bench: FAIL: $*"; exit 1; }

# name:rw:bs:iodepth:numjobs[:extra fio options, comma separated]
all_jobs="seqwrite:write:1M:8:1
seqread:read:1M:8:1
seqread4:read:1M:8:4:--offset_increment=256M
randread:randread:4k:32:1
randwrite:randwrite:4k:32:1
randrw:randrw:4k:16:1:--rwmixread=70
syncwrite:write:4k:1:1:--fsync=1"
all_targets="raw raw2 c rust c+bm rust+bm"
jobs=${3:-$(echo "$all_jobs" | cut -d: -f1 | tr '\n' ' ')}
targets=${4:-$all_targets}
profile=${5:-}
if [ -n "$profile" ]; then
    mkdir -p /mnt/perf && mount -o ro /dev/vdd /mnt/perf || die "no perf disk"
    echo 0 > /proc/sys/kernel/kptr_restrict
    echo -1 > /proc/sys/kernel/perf_event_paranoid
fi
perf() { /mnt/perf/ld-linux-x86-64.so.2 --library-path /mnt/perf/lib /mnt/perf/perf "$@"; }

cpu_line() { head -1 /proc/stat; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# fio's per-device job sections: "DEV[:RW] ..." -> --name=NAME.I --filename=DEV
# [--rw=RW] per device (the options before them are every section's).
sections() { # name dev[:rw]...
    n=$1; shift; i=0
    for d in "$@"; do
        echo "--name=$n.$i --filename=${d%%:*}"
        case $d in *:*) echo "--rw=${d#*:}" ;; esac
        i=$((i + 1))
    done
}
run_job() { # round target "dev[:rw] ..." jobname
    if [ "$4" = copy ]; then
        spec="copy:read:1M:8:1"
    else
        spec=$(echo "$all_jobs" | grep "^$4:") || die "unknown job $4"
    fi
    IFS=: read -r name rw bs qd nj extra <<EOF
$spec
EOF
    size=1G
    [ "$nj" -gt 1 ] && size=256M
    out=$res/$1.$2.$name
    cpu_line > $out.cpu0
    wrap=
    case " $profile " in *" $2:$name "*) wrap="perf record -q -a -g -o /tmp/perf.data --" ;; esac
    # shellcheck disable=SC2046,SC2086
    $wrap fio --rw="$rw" --bs="$bs" --iodepth="$qd" \
        --numjobs="$nj" --direct=1 --ioengine=libaio --runtime="$rt" \
        --time_based --size=$size --group_reporting --randseed=1234 \
        $(echo "$extra" | tr ',' ' ') --output-format=json --output=$out.json \
        $(sections "$name" $3) \
        > $out.err 2>&1 || { cat $out.err; die "fio $name on $2 (round $1)"; }
    cpu_line > $out.cpu1
    if [ -n "$wrap" ]; then
        perf report -i /tmp/perf.data --stdio --no-children --sort sym --percent-limit 0.3 \
            -g none > $res/profile.$2.$name.txt 2> /dev/null
        perf report -i /tmp/perf.data --stdio --no-children --sort dso --percent-limit 0.5 \
            -g none >> $res/profile.$2.$name.txt 2> /dev/null
        rm -f /tmp/perf.data
    fi
}

load_impl() { # c|rust
    case $1 in
        c) insmod /opt/md/c/md-mod.ko && insmod /opt/md/c/raid1.ko ;;
        rust) insmod /opt/md/rust/md_mod.ko ;;
    esac || die "loading $1"
    echo 10000000 > /proc/sys/dev/raid/speed_limit_max
    echo 10000000 > /proc/sys/dev/raid/speed_limit_min
}
unload_impl() { # c|rust
    case $1 in
        c) rmmod raid1 md_mod ;;
        rust) rmmod md_mod ;;
    esac || die "unloading $1"
}
create() { # extra mdadm options...
    mdadm --create /dev/md0 --run -l1 -n2 --metadata=1.2 "$@" /dev/vda /dev/vdb \
        > /tmp/create.out 2>&1 || { cat /tmp/create.out; die "mdadm --create $*"; }
}
stop() { mdadm --stop /dev/md0 > /dev/null 2>&1 || die "mdadm --stop"; }
# Seconds (as /proc/uptime gives them) until sync_action reads idle.
wait_idle() {
    t0=$(uptime_s)
    while [ "$(cat /sys/block/md0/md/sync_action)" != idle ]; do sleep 0.05; done
    t1=$(uptime_s)
    echo "$t0 $t1"
}

log "kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2}' /proc/meminfo) KiB"
log "rounds=$rounds runtime=${rt}s jobs: $jobs; targets: $targets"
{
    echo "kernel $(uname -r)"
    echo "rounds $rounds"
    echo "runtime $rt"
    echo "jobs $jobs"
    echo "targets $targets"
    echo "cpus $(nproc)"
} > $res/meta
# Every block of both disks written once, so no target pays the host's first
# allocation of its image.
for d in vda vdb; do
    dd if=/dev/zero of=/dev/$d bs=1M oflag=direct 2> /dev/null
done
log "disks preconditioned"

ntargets=$(echo $targets | wc -w)
# Each job runs on every target back to back (the targets' figures for a job are
# taken within a minute of each other, whatever the host does meanwhile), in an
# order that rotates with the round and the job: each target comes at each place.
k=0
for r in $(seq 1 "$rounds"); do
    log "round $r"
    for j in $jobs; do
        order=$(echo $targets $targets | tr ' ' '\n' | sed -n "$((k % ntargets + 1)),+$((ntargets - 1))p" | tr '\n' ' ')
        k=$((k + 1))
        for t in $order; do
            impl=${t%+bm}
            case $t in
                raw) run_job "$r" raw /dev/vda "$j" ;;
                raw2) run_job "$r" raw2 "/dev/vda /dev/vdb" "$j" ;;
                *)
                    load_impl "$impl"
                    opts="--assume-clean --bitmap=none"
                    [ "$t" != "$impl" ] && opts="--assume-clean --bitmap=internal"
                    # shellcheck disable=SC2086
                    create $opts
                    run_job "$r" "$t" /dev/md0 "$j"
                    stop
                    unload_impl "$impl"
                    ;;
            esac
        done
    done
done

# Resync of the whole array (no bitmap: one member read, the other written), then
# a check of it (both read), on each md, alternating; beside them, each round, a raw
# copy (vda read while vdb is written, 1M QD8 each): the host's bound for a resync.
for r in $(seq 1 "$rounds"); do
    case " $targets " in *" raw2 "*) run_job "$r" raw2 "/dev/vda:read /dev/vdb:write" copy ;; esac
    order="c rust"; [ $((r % 2)) = 0 ] && order="rust c"
    for impl in $order; do
        case " $targets " in *" $impl "*) ;; *) continue ;; esac
        load_impl "$impl"
        cpu_line > $res/$r.$impl.resync.cpu0
        create --bitmap=none
        wait_idle > $res/$r.$impl.resync.time
        cpu_line > $res/$r.$impl.resync.cpu1
        cat /sys/block/md0/md/component_size > $res/$r.$impl.resync.kib
        echo check > /sys/block/md0/md/sync_action
        cpu_line > $res/$r.$impl.check.cpu0
        wait_idle > $res/$r.$impl.check.time
        cpu_line > $res/$r.$impl.check.cpu1
        cp $res/$r.$impl.resync.kib $res/$r.$impl.check.kib
        mm=$(cat /sys/block/md0/md/mismatch_cnt)
        [ "$mm" = 0 ] || die "$impl: check after resync found $mm mismatches"
        stop
        unload_impl "$impl"
        log "resync/check round $r $impl: $(cat $res/$r.$impl.resync.time) / $(cat $res/$r.$impl.check.time)"
    done
done

dmesg > $res/dmesg
tar -C /tmp -cf /dev/vdc res || die "writing the results to vdc"
sync
log "results on vdc ($(du -sk $res | cut -f1) KiB)"
