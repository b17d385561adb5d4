#!/bin/bash
# Compiles the pure files the way the kernel crate sees them: a private `mod` of a
# no_std rlib, edition 2021, with the kernel's rustc and clippy lints, its clippy.toml
# and -Dwarnings.
# Catches lint failures without a kernel tree. Usage: host/scripts/kernel-lints.sh
# (`make test-host` runs it).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The pure files, each as the module the kernel crate compiles it as (md_core.rs and
# sysfs.rs declare them; sysfs/parse.rs is `sysfs::parse` there, a leaf here), with the
# same allows (superblock.rs carries its own). Nothing in the harness uses them, hence
# dead_code.
pure=(superblock.rs mdstat.rs resync.rs balance.rs ioctl.rs sysfs/parse.rs)
{
    echo '//! Lint harness.'
    echo '#![no_std]'
    for f in "${pure[@]}"; do
        m=$(basename "$f" .rs)
        [ "$f" = sysfs/parse.rs ] && m=sysfs_parse
        case $f in
        superblock.rs) echo '#[allow(dead_code)]' ;;
        *) echo '#[allow(dead_code, unreachable_pub)]' ;;
        esac
        echo "#[path = \"$here/$f\"]"
        echo "mod $m;"
    done
} > "$tmp/lib.rs"
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
(cd "$here" && rustfmt --edition 2021 --check "${pure[@]}")
echo "kernel lints: ok"
