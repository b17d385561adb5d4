# make bench: the same fio jobs on a raw disk, the C md and md_mod, in one VM
# and on the same disks, reported as ratios. Under TCG the CPU is the limit, so
# only ratios within one boot mean anything, and anything else running on the
# host skews a phase: the C md and md_mod alternate twice and each side's best
# run counts.
set -u
rt=${BENCH_RUNTIME:-5}
jobs="seqwrite:write:1M:4 seqread:read:1M:4 randwrite:randwrite:4k:16 randread:randread:4k:16"

run_fio() { # dev name rw bs depth -> prints KiB/s
    fio --name="$2" --filename="$1" --rw="$3" --bs="$4" --iodepth="$5" --direct=1 \
        --ioengine=libaio --runtime="$rt" --time_based --size=512M --group_reporting \
        --output-format=terse --terse-version=3 2>/dev/null |
        awk -F';' -v rw="$3" '{ if (rw ~ /read/) print $7; else print $48 }'
}

measure() { # label dev
    for j in $jobs; do
        IFS=: read -r name rw bs depth <<EOF2
$j
EOF2
        v=$(run_fio "$2" "$name" "$rw" "$bs" "$depth")
        echo "$1 $name ${v:-0}" >> /tmp/results
    done
}

make_array() { # [mdadm options]
    mdadm --create /dev/md0 --run --assume-clean -l1 -n2 "$@" /dev/vda /dev/vdb >/dev/null 2>&1 || return 1
}

: > /tmp/results
measure raw /dev/vda
# Each implementation without and with an internal write-intent bitmap (mdadm's
# default chunk), the latter labelled c+bm / rust+bm.
for round in 1 2; do
    for bm in "" "+bm"; do
        opts=""; [ -n "$bm" ] && opts="--bitmap=internal"
        insmod /opt/md/c/md-mod.ko && insmod /opt/md/c/raid1.ko
        make_array $opts || { echo "C md create failed"; exit 1; }
        measure "c$bm" /dev/md0
        mdadm --stop /dev/md0 >/dev/null; rmmod raid1 md_mod
        insmod /opt/md/rust/md_mod.ko
        make_array $opts || { echo "md_mod create failed"; exit 1; }
        measure "rust$bm" /dev/md0
        mdadm --stop /dev/md0 >/dev/null; rmmod md_mod
    done
done

best() { awk -v who="$1" -v n="$2" '$1==who && $2==n && $3>m {m=$3} END {print m+0}' /tmp/results; }
for bm in "" "+bm"; do
    [ -n "$bm" ] && printf '\nwith an internal bitmap:'
    printf '\n%-10s %12s %12s %12s %10s %10s\n' job "raw KiB/s" "C md KiB/s" "md_mod KiB/s" "md_mod/C" "md_mod/raw"
    for j in $jobs; do
        name=${j%%:*}
        raw=$(best raw "$name")
        c=$(best "c$bm" "$name")
        r=$(best "rust$bm" "$name")
        awk -v n="$name" -v raw="$raw" -v c="$c" -v r="$r" 'BEGIN {
            printf "%-10s %12d %12d %12d %10.2f %10.2f\n", n, raw, c, r,
                (c > 0 ? r / c : 0), (raw > 0 ? r / raw : 0) }'
    done
done
