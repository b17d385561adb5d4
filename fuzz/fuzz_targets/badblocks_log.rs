//! Fuzzes the bad-block log codec (badblocks/log.rs) and the sysfs `bad_blocks`
//! parser (badblocks.rs): no input may panic, an accepted log must give a
//! well-formed list with exactly its sectors and survive the decode-encode round
//! trip. The checks are in `rust_md_host::fuzzing::check_badblocks_log`, which
//! `host/tests/fuzz_corpus.rs` also replays the saved corpus through.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rust_md_host::fuzzing::check_badblocks_log(data);
});
