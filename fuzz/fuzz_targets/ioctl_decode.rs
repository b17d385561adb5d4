//! Fuzzes the ioctl argument decoders (ioctl.rs): no input may panic, and every
//! decoded `mdu_array_info_t` / `mdu_disk_info_t` must encode back to its bytes. The
//! input layout and checks are in `rust_md_host::fuzzing::check_ioctl_decode`, which
//! `host/tests/fuzz_corpus.rs` also replays the saved corpus through.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rust_md_host::fuzzing::check_ioctl_decode(data);
});
