//! raid1 read_balance: which mirror serves a read.

use rust_md_host::balance::{read_balance, MirrorView};

fn m(in_sync: bool, pending: u32, next: u64) -> MirrorView {
    MirrorView { in_sync, pending, next_seq_sect: next }
}

#[test]
fn sequential_read_stays_on_its_disk() {
    // Mirror 1 is busier but the read continues its stream.
    let mirrors = [m(true, 0, 0), m(true, 5, 1000)];
    assert_eq!(read_balance(&mirrors, 1000), Some(1));
}

#[test]
fn otherwise_fewest_pending_wins() {
    let mirrors = [m(true, 3, 8), m(true, 1, 16), m(true, 2, 24)];
    assert_eq!(read_balance(&mirrors, 4096), Some(1));
}

#[test]
fn ties_go_to_the_first() {
    let mirrors = [m(true, 1, 8), m(true, 1, 16)];
    assert_eq!(read_balance(&mirrors, 4096), Some(0));
}

#[test]
fn out_of_sync_mirrors_are_never_chosen() {
    let mirrors = [m(false, 0, 4096), m(true, 9, 0)];
    assert_eq!(read_balance(&mirrors, 4096), Some(1));
    assert_eq!(read_balance(&[m(false, 0, 0)], 0), None);
    assert_eq!(read_balance(&[], 0), None);
}

#[test]
fn sector_zero_is_not_mistaken_for_a_continuation() {
    // A fresh mirror has next_seq_sect 0; a read at 0 balances by load.
    let mirrors = [m(true, 4, 0), m(true, 0, 0)];
    assert_eq!(read_balance(&mirrors, 0), Some(1));
}
