#!/bin/bash
# Compiles the pure files the way the kernel crate sees them: a private `mod` of a
# no_std rlib, edition 2021, with the kernel's rustc and clippy lints, its clippy.toml
# and -Dwarnings.
# Catches lint failures without a kernel tree. Usage: host/scripts/kernel-lints.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/lib.rs" <<RS
//! Lint harness.
#![no_std]
#[allow(dead_code)]
#[path = "$here/superblock.rs"]
mod superblock;
RS
flags=(--edition=2021 --crate-type rlib --crate-name lint_harness --out-dir "$tmp"
    -Dwarnings -Dnon_ascii_idents -Dunsafe_op_in_unsafe_fn -Wmissing_docs
    -Wrust_2018_idioms -Wunreachable_pub -Wclippy::all -Aclippy::collapsible_if
    -Aclippy::collapsible_match -Wclippy::ignored_unit_patterns -Wclippy::mut_mut
    -Wclippy::needless_bitwise_bool -Aclippy::needless_lifetimes
    -Wclippy::no_mangle_with_rust_abi -Wclippy::undocumented_unsafe_blocks
    -Aclippy::uninlined_format_args -Wclippy::unnecessary_safety_comment
    -Wclippy::unnecessary_safety_doc -Aclippy::unwrap_or_default
    -Wrustdoc::missing_crate_level_docs -Wrustdoc::unescaped_backticks
    -Aunknown_lints)
# The kernel tree's .clippy.toml: Rust 1.78 is the oldest compiler 6.12 supports, so
# newer std APIs are refused (incompatible_msrv).
printf 'msrv = "1.78.0"\ncheck-private-items = true\n' > "$tmp/clippy.toml"
CLIPPY_CONF_DIR=$tmp clippy-driver rustc "${flags[@]}" "$tmp/lib.rs"
rustfmt --edition 2021 --check "$here/superblock.rs"
echo "kernel lints: ok"
