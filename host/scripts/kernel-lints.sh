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
# The pure files are the ones the host crate compiles (its `#[path]` modules in
# host/src/lib.rs), here under the same module names so their `crate::` paths resolve
# as there, with the kernel crate's allows (unreachable_pub unless the file allows it
# itself). Nothing in the harness uses them, hence dead_code.
pure=()
{
    echo '//! Lint harness.'
    echo '#![no_std]'
    while read -r f m; do
        pure+=("$f")
        if grep -q '^#!\[allow(unreachable_pub)\]' "$here/$f"; then
            echo '#[allow(dead_code)]'
        else
            echo '#[allow(dead_code, unreachable_pub)]'
        fi
        echo "#[path = \"$here/$f\"]"
        echo "mod $m;"
    done < <(awk '/^#\[path = "\.\.\/\.\.\// { f = $3; gsub(/"|\]|\.\.\//, "", f); getline;
        if (match($0, /mod [A-Za-z0-9_]+/)) print f, substr($0, RSTART + 4, RLENGTH - 4) }' \
        "$here/host/src/lib.rs")
    # Pure modules with a folder of their own: host/src/lib.rs declares them inside
    # its `mod top` rooted at the top level (so their `mod x;` find x in their folder).
    tops=$(awk '/^mod top \{/ { t = 1; next } t && /^\}/ { t = 0 }
        t && match($0, /mod [A-Za-z0-9_]+;/) { print substr($0, RSTART + 4, RLENGTH - 5) }' \
        "$here/host/src/lib.rs")
    if [ -n "$tops" ]; then
        echo "#[path = \"$here\"]"
        echo 'mod top {'
        for m in $tops; do
            pure+=("$m.rs")
            while IFS= read -r sub; do pure+=("$sub"); done < <(cd "$here" && find "$m" -name '*.rs' | sort)
            if grep -q '^#!\[allow(unreachable_pub)\]' "$here/$m.rs"; then
                echo '    #[allow(dead_code)]'
            else
                echo '    #[allow(dead_code, unreachable_pub)]'
            fi
            echo "    pub(crate) mod $m;"
        done
        echo '}'
        for m in $tops; do echo "#[allow(unused_imports)] use top::$m;"; done
    fi
} > "$tmp/lib.rs"
[ ${#pure[@]} -gt 0 ] || { echo "kernel lints: no pure files found in host/src/lib.rs" >&2; exit 1; }
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
echo "kernel lints: ok (${pure[*]})"
