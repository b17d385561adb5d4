//! Fuzzes the md/ and dev-NAME/ write parsers (sysfs/parse.rs): no input may panic,
//! and what each accepts must match its definition. The checks are in
//! `rust_md_host::fuzzing::check_sysfs_parse`, which `host/tests/fuzz_corpus.rs` also
//! replays the saved corpus through.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rust_md_host::fuzzing::check_sysfs_parse(data);
});
