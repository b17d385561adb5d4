#!/bin/bash
# Differential test of badblocks.rs against the kernel's own block/badblocks.c (from
# the Debian tree `qemu/kdir` prints), compiled for the host with a few stub
# headers (host/scripts/bb-oracle/): random operation sequences must leave the same
# entries, count, changed and unacked_exist, and give the same answers.
#   host/scripts/badblocks-oracle.sh [CASES]   (default 2000 sequences)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$("$here/qemu/kdir")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/inc/linux"
cp "$kdir/include/linux/badblocks.h" "$tmp/inc/linux/"
for h in seqlock device kernel module stddef types slab; do
    echo '#include "shim.h"' > "$tmp/inc/linux/$h.h"
done
cp "$here/host/scripts/bb-oracle/shim.h" "$tmp/inc/"
gcc -O1 -w -std=gnu11 -I"$tmp/inc" -o "$tmp/oracle" \
    "$here/host/scripts/bb-oracle/oracle.c" "$kdir/block/badblocks.c"
cd "$here/host"
RUST_MD_BB_ORACLE=$tmp/oracle RUST_MD_BB_ORACLE_CASES=${1:-2000} \
    cargo test --release --test badblocks_oracle -- --nocapture
