//! Fuzzes `Sb1::decode` and `Sb0::decode`: no input may panic, and every accepted
//! superblock must re-encode to the same bytes. The input layout and the checks are in
//! `rust_md_host::fuzzing`, which `host/tests/fuzz_corpus.rs` also replays the saved
//! corpus through.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rust_md_host::fuzzing::check_decode(data);
});
