//! Fuzzes the write-intent bitmap codec (bitmap/format.rs): no input may panic, accepted
//! superblocks must write back byte for byte and what md's checks accept must obey
//! them. The checks are in `rust_md_host::fuzzing::check_bitmap_decode`, which
//! `host/tests/fuzz_corpus.rs` also replays the saved corpus through.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rust_md_host::fuzzing::check_bitmap_decode(data);
});
