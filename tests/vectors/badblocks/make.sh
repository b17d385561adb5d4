#!/bin/bash
# Regenerates the golden bad-block logs from real mdadm and the kernel's own md:
#   tests/vectors/badblocks/make.sh [--impl c|rust] [--out DIR] [META...]
# META is any of 1.0 1.1 1.2 (default 1.2 1.0). One VM runs guest.sh over two 64 MiB
# members plus an output disk; its tar is extracted into DIR/<meta>/<case>/
# (default: host/tests/data/badblocks), each md superblock trimmed of its trailing
# zeros (whole 512-byte sectors).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
impl=c
out=$repo/host/tests/data/badblocks
while [ $# -gt 0 ]; do
    case $1 in
        --impl) impl=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
metas=("$@")
[ ${#metas[@]} -gt 0 ] || metas=(1.2 1.0)
work=$(mktemp -d "${TMPDIR:-/tmp}/make-badblocks.XXXXXX")
trap 'rm -rf "$work"' EXIT
RUN_VM_QUIET=${RUN_VM_QUIET:-1} RUN_VM_TIMEOUT=${RUN_VM_TIMEOUT:-1800} "$repo/qemu/run-vm" --impl "$impl" \
    --disks 3 --disk-size 64M --disk-dir "$work/disks" "$here/guest.sh" "${metas[@]}"
mkdir -p "$work/x"
tar -xf "$work/disks/vdc.img" -C "$work/x"
[ -f "$work/x/info.txt" ] || { echo "make: no vectors on the output disk" >&2; exit 1; }
mkdir -p "$out"
cp "$work/x/info.txt" "$out/info.txt"
for m in "${metas[@]}"; do
    [ -d "$work/x/$m" ] || { echo "make: guest produced nothing for $m" >&2; exit 1; }
    rm -rf "${out:?}/$m"
    cp -r "$work/x/$m" "$out/$m"
    for f in "$out/$m"/*/*.sb; do
        python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
s = open(p, 'rb').read()
n = -(-len(s.rstrip(b'\0')) // 512) * 512
open(p, 'wb').write(s[:max(n, 512)])
PY
    done
done
echo "make: wrote $(find "$out" -name '*.log' | wc -l) logs under $out"
