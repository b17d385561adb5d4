//! Replays every saved fuzz input (`fuzz/corpus/<target>/`) through its fuzz target's
//! check, so plain `cargo test` covers what the fuzzer found without nightly.

use std::path::Path;

use rust_md_host::fuzzing::{
    check_badblocks_log, check_bitmap_decode, check_decode, check_ioctl_decode, check_sysfs_parse,
};

/// Replays `fuzz/corpus/<target>/` through `check`; returns (inputs, accepted).
fn replay(target: &str, check: fn(&[u8]) -> bool) -> (usize, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let ok = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("fuzz input {} fails", path.display()));
        inputs += 1;
        accepted += usize::from(ok);
    }
    assert!(inputs > 0, "empty corpus at {}", dir.display());
    eprintln!("{target}: replayed {inputs} corpus inputs, {accepted} accepted");
    (inputs, accepted)
}

#[test]
fn replay_fuzz_corpus() {
    replay("decode", check_decode);
}

#[test]
fn replay_sysfs_parse_corpus() {
    replay("sysfs_parse", check_sysfs_parse);
}

#[test]
fn replay_ioctl_decode_corpus() {
    replay("ioctl_decode", check_ioctl_decode);
}

#[test]
fn replay_bitmap_decode_corpus() {
    let (_, accepted) = replay("bitmap_decode", check_bitmap_decode);
    assert!(accepted > 0, "no accepted bitmap in the corpus");
}

#[test]
fn replay_badblocks_log_corpus() {
    let (_, accepted) = replay("badblocks_log", check_badblocks_log);
    assert!(accepted > 0, "no accepted log or write in the corpus");
}
