//! raid1 read_balance: which mirror serves a read.

use rust_md_host::balance::{read_balance, MirrorView};

fn m(in_sync: bool, pending: u32, next: u64) -> MirrorView {
    MirrorView {
        in_sync,
        pending,
        next_seq_sect: next,
        write_mostly: false,
    }
}

/// A write-mostly mirror.
fn wm(in_sync: bool, pending: u32, next: u64) -> MirrorView {
    MirrorView {
        write_mostly: true,
        ..m(in_sync, pending, next)
    }
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

#[test]
fn write_mostly_is_avoided_while_another_mirror_serves() {
    // Idle, first, and even continuing its own stream: still not chosen.
    let mirrors = [wm(true, 0, 4096), m(true, 7, 8)];
    assert_eq!(read_balance(&mirrors, 4096), Some(1));
    assert_eq!(read_balance(&mirrors, 0), Some(1));
    // Among the others, the usual rules.
    let mirrors = [m(true, 3, 8), wm(true, 0, 0), m(true, 1, 16)];
    assert_eq!(read_balance(&mirrors, 4096), Some(2));
    let mirrors = [m(true, 3, 4096), wm(true, 0, 0), m(true, 1, 16)];
    assert_eq!(read_balance(&mirrors, 4096), Some(0));
}

#[test]
fn write_mostly_serves_when_it_is_the_only_readable_mirror() {
    // The fast mirror failed, is recovering or is blocked for this read.
    let mirrors = [m(false, 0, 4096), wm(true, 9, 0)];
    assert_eq!(read_balance(&mirrors, 4096), Some(1));
    assert_eq!(read_balance(&[wm(true, 0, 0)], 0), Some(0));
}

#[test]
fn among_write_mostly_mirrors_the_first_readable_one_serves() {
    // choose_slow_rdev: the first write-mostly mirror that can serve, not the least
    // loaded nor the sequential one.
    let mirrors = [m(false, 0, 0), wm(false, 0, 0), wm(true, 5, 0), wm(true, 0, 4096)];
    assert_eq!(read_balance(&mirrors, 4096), Some(2));
    assert_eq!(read_balance(&[wm(false, 0, 0), m(false, 0, 0)], 0), None);
}
