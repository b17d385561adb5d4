#!/bin/bash
# Regenerates the golden bitmap vectors from real mdadm and the kernel's own md:
#   tests/vectors/bitmap/make.sh [--impl c|rust] [--out DIR] [META...]
# META is any of 0.90 1.0 1.1 1.2 (default 0.90 1.0 1.2). One VM runs guest.sh over two
# 64 MiB members plus an output disk (about 15-28 minutes under TCG); its tar is extracted here, and each snapshot's
# bitmap is trimmed to what md keeps on disk (superblock + bits, in 512-byte sectors)
# into DIR/<meta>/<case>/ (default: host/tests/data/bitmap).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
impl=c
out=$repo/host/tests/data/bitmap
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
[ ${#metas[@]} -gt 0 ] || metas=(0.90 1.0 1.2)
work=$(mktemp -d "${TMPDIR:-/tmp}/make-bitmap.XXXXXX")
trap 'rm -rf "$work"' EXIT
RUN_VM_QUIET=${RUN_VM_QUIET:-1} RUN_VM_TIMEOUT=${RUN_VM_TIMEOUT:-2400} "$repo/qemu/run-vm" --impl "$impl" --disks 3 --disk-size 64M \
    --disk-dir "$work/disks" "$here/guest.sh" "${metas[@]}"
mkdir -p "$work/x"
tar -xf "$work/disks/vdc.img" -C "$work/x"
[ -f "$work/x/info.txt" ] || { echo "make: no vectors on the output disk" >&2; exit 1; }
mkdir -p "$out"
cp "$work/x/info.txt" "$out/info.txt"
for m in "${metas[@]}"; do
    [ -d "$work/x/$m" ] || { echo "make: guest produced nothing for $m" >&2; exit 1; }
    rm -rf "${out:?}/$m"
    cp -r "$work/x/$m" "$out/$m"
    # Keep what md keeps: the bitmap's superblock + bits (256 + ceil(chunks / 8) bytes
    # from the superblock's sync_size at offset 40 and chunksize at 52) and the md
    # superblock without its trailing zeros, both in whole 512-byte sectors.
    for f in "$out/$m"/*/*.bitmap; do
        python3 - "$f" "${f%.bitmap}.sb" <<'PY'
import struct, sys
bm, sb = sys.argv[1], sys.argv[2]
b = open(bm, 'rb').read()
if b[:4] == b'bitm':
    sync, = struct.unpack_from('<Q', b, 40)
    chunk, = struct.unpack_from('<I', b, 52)
    chunks = -(-sync // (chunk >> 9)) if chunk >= 512 else 0
    n = -(-(256 + -(-chunks // 8)) // 512) * 512
    open(bm, 'wb').write(b[:n])
s = open(sb, 'rb').read()
n = -(-len(s.rstrip(b'\0')) // 512) * 512
open(sb, 'wb').write(s[:max(n, 512)])
PY
    done
done
echo "make: wrote $(find "$out" -name '*.bitmap' | wc -l) bitmaps under $out"
