#!/bin/bash
# Regenerates the golden superblock vectors from real mdadm and the kernel's own md:
#   tests/vectors/make-vectors.sh [--impl c|rust] [--out DIR] [META...]
# META is any of 0.90 1.0 1.1 1.2 (default: all). One VM (qemu/run-vm) runs
# tests/vectors/guest.sh over three 64 MiB members plus an output disk; the guest tars
# its snapshots onto the output disk, whose image (kept with --disk-dir) is extracted
# here into DIR/<meta>/<case>/{vda.sb,examine-vda.txt,...} (default: tests/vectors).
# host/tests/vectors.rs checks the codec against them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
impl=c
out=$here
while [ $# -gt 0 ]; do
    case $1 in
        --impl) impl=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make-vectors: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
metas=("$@")
[ ${#metas[@]} -gt 0 ] || metas=(0.90 1.0 1.1 1.2)
for m in "${metas[@]}"; do
    case $m in 0.90|1.0|1.1|1.2) ;; *) echo "make-vectors: unknown metadata $m" >&2; exit 2 ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/make-vectors.XXXXXX")
trap 'rm -rf "$work"' EXIT
RUN_VM_QUIET=${RUN_VM_QUIET:-1} "$repo/qemu/run-vm" --impl "$impl" --disks 4 --disk-size 64M \
    --disk-dir "$work/disks" "$here/guest.sh" "${metas[@]}"
mkdir -p "$work/x"
tar -xf "$work/disks/vdd.img" -C "$work/x"
[ -f "$work/x/info.txt" ] || { echo "make-vectors: no vectors on the output disk" >&2; exit 1; }
mkdir -p "$out"
cp "$work/x/info.txt" "$out/info.txt"
for m in "${metas[@]}"; do
    [ -d "$work/x/$m" ] || { echo "make-vectors: guest produced nothing for $m" >&2; exit 1; }
    rm -rf "${out:?}/$m"
    cp -r "$work/x/$m" "$out/$m"
done
echo "make-vectors: wrote $(find "$out" -name '*.sb' | wc -l) superblocks under $out"
