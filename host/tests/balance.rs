//! raid1 read_balance: which mirror serves a read.

use rust_md_host::balance::{
    check_read_range, choose, fail_fast_read, read_balance, Bad, Choice, MirrorView,
};

fn m(in_sync: bool, pending: u32, next: u64) -> MirrorView {
    MirrorView {
        in_sync,
        pending,
        next_seq_sect: next,
        write_mostly: false,
        bad: None,
        head_position: 0,
        nonrot: true,
        choose_next: false,
    }
}

/// A rotational mirror whose last request ended at `head`.
fn rot(in_sync: bool, pending: u32, next: u64, head: u64) -> MirrorView {
    MirrorView {
        nonrot: false,
        head_position: head,
        ..m(in_sync, pending, next)
    }
}

#[test]
fn rotational_mirrors_read_from_the_closest_head() {
    // Both busy: the head nearest the read wins, busier or not (md's closest_dist).
    let mirrors = [rot(true, 1, 0, 100), rot(true, 4, 0, 9000)];
    assert_eq!(read_balance(&mirrors, 8000), Some(1));
    assert_eq!(read_balance(&mirrors, 200), Some(0));
    // An idle one is taken whatever its head.
    let mirrors = [rot(true, 1, 0, 100), rot(true, 0, 0, 9000)];
    assert_eq!(read_balance(&mirrors, 200), Some(1));
    // A tie in distance: the first.
    let mirrors = [rot(true, 2, 0, 100), rot(true, 1, 0, 300)];
    assert_eq!(read_balance(&mirrors, 200), Some(0));
    // One non-rotational member in the array: the least busy one.
    let mirrors = [
        rot(true, 2, 0, 100),
        MirrorView {
            head_position: 9000,
            ..m(true, 1, 0)
        },
    ];
    assert_eq!(read_balance(&mirrors, 200), Some(1));
}

#[test]
fn a_read_where_the_last_request_ended_is_sequential() {
    // head_position == sector counts as sequential, as next_seq_sect does.
    let mirrors = [rot(true, 0, 0, 100), rot(true, 7, 0, 5000)];
    assert_eq!(read_balance(&mirrors, 5000), Some(1));
}

#[test]
fn an_outgrown_stream_moves_to_an_idle_mirror() {
    let long = MirrorView {
        choose_next: true,
        ..m(true, 3, 4096)
    };
    // Another mirror idle: it takes the read.
    assert_eq!(read_balance(&[long, m(true, 0, 0)], 4096), Some(1));
    // None idle: the stream stays.
    assert_eq!(read_balance(&[long, m(true, 1, 0)], 4096), Some(0));
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
    let mirrors = [
        m(false, 0, 0),
        wm(false, 0, 0),
        wm(true, 5, 0),
        wm(true, 0, 4096),
    ];
    assert_eq!(read_balance(&mirrors, 4096), Some(2));
    assert_eq!(read_balance(&[wm(false, 0, 0), m(false, 0, 0)], 0), None);
}

// ---- bad blocks (read_balance's choose_first/best/bb/slow_rdev) ----

/// `mv` with a recorded bad range.
fn bad(mv: MirrorView, first: u64, sectors: u64) -> MirrorView {
    MirrorView {
        bad: Some(Bad { first, sectors }),
        ..mv
    }
}

fn c(disk: usize, sectors: u32) -> Option<Choice> {
    Some(Choice { disk, sectors })
}

#[test]
fn check_read_range_as_md() {
    let mut len = 64;
    assert_eq!(check_read_range(None, 100, &mut len), 64);
    // Outside the read (before, after, right after its end).
    assert_eq!(
        check_read_range(
            Some(Bad {
                first: 0,
                sectors: 100
            }),
            100,
            &mut len
        ),
        64
    );
    assert_eq!(
        check_read_range(
            Some(Bad {
                first: 164,
                sectors: 8
            }),
            100,
            &mut len
        ),
        64
    );
    assert_eq!(len, 64);
    // Starts inside: good up to it.
    assert_eq!(
        check_read_range(
            Some(Bad {
                first: 110,
                sectors: 8
            }),
            100,
            &mut len
        ),
        10
    );
    assert_eq!(len, 64);
    // Covers all of it.
    assert_eq!(
        check_read_range(
            Some(Bad {
                first: 96,
                sectors: 68
            }),
            100,
            &mut len
        ),
        0
    );
    assert_eq!(len, 64);
    // Starts before, ends inside: nothing readable, len up to its end.
    assert_eq!(
        check_read_range(
            Some(Bad {
                first: 96,
                sectors: 8
            }),
            100,
            &mut len
        ),
        0
    );
    assert_eq!(len, 4);
}

#[test]
fn a_mirror_with_bad_blocks_in_the_read_is_avoided() {
    // Mirror 0 would win on load, but has a bad range inside the read.
    let mirrors = [bad(m(true, 0, 0), 120, 8), m(true, 5, 0)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(1, 64));
    // Even a sequential continuation leaves it.
    let mirrors = [bad(m(true, 0, 100), 100, 8), m(true, 5, 0)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(1, 64));
    // A bad range outside the read does not matter.
    let mirrors = [bad(m(true, 0, 0), 200, 8), m(true, 5, 0)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(0, 64));
}

#[test]
fn without_a_clean_mirror_the_read_is_shortened_to_the_longest_good_run() {
    // Both bad inside the read: the one good for longer serves, up to its bad range.
    let mirrors = [bad(m(true, 0, 0), 110, 8), bad(m(true, 0, 0), 140, 8)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(1, 40));
    // Bad at the start on one: the other serves up to its own bad range.
    let mirrors = [bad(m(true, 0, 0), 96, 8), bad(m(true, 0, 0), 140, 8)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(1, 40));
    // Tie: the first.
    let mirrors = [bad(m(true, 0, 0), 110, 8), bad(m(true, 0, 0), 110, 1)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(0, 10));
    // Bad at the start on the only other mirror: that one serves the start.
    let mirrors = [m(false, 0, 0), bad(m(true, 0, 0), 100, 8)];
    assert_eq!(choose(&mirrors, 100, 64, false), None);
    let mirrors = [bad(m(true, 0, 0), 104, 200), bad(m(true, 0, 0), 100, 8)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(0, 4));
}

#[test]
fn no_good_copy_fails_the_read() {
    let mirrors = [bad(m(true, 0, 0), 100, 8), bad(m(true, 0, 0), 90, 20)];
    assert_eq!(choose(&mirrors, 100, 64, false), None);
    // Blocked (not in sync for this read) mirrors do not count.
    let mirrors = [m(false, 0, 0), bad(m(true, 0, 0), 0, 1000)];
    assert_eq!(choose(&mirrors, 100, 64, false), None);
    assert_eq!(choose(&mirrors, 100, 64, true), None);
}

#[test]
fn write_mostly_serves_around_bad_blocks_last() {
    // The fast mirror is bad at the start: a clean write-mostly mirror serves all.
    let mirrors = [bad(m(true, 0, 0), 100, 8), wm(true, 0, 0)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(1, 64));
    // The fast mirror is good for a part: it serves that part (choose_bb_rdev
    // comes before choose_slow_rdev).
    let mirrors = [bad(m(true, 0, 0), 120, 8), wm(true, 0, 0)];
    assert_eq!(choose(&mirrors, 100, 64, false), c(0, 20));
    // Among write-mostly mirrors: the first clean one, else the longest run.
    let mirrors = [
        bad(m(true, 0, 0), 100, 8),
        bad(wm(true, 0, 0), 110, 8),
        wm(true, 0, 0),
    ];
    assert_eq!(choose(&mirrors, 100, 64, false), c(2, 64));
    let mirrors = [
        bad(m(true, 0, 0), 100, 8),
        bad(wm(true, 0, 0), 110, 8),
        bad(wm(true, 0, 0), 130, 8),
    ];
    assert_eq!(choose(&mirrors, 100, 64, false), c(2, 30));
    // With no bad blocks, as read_balance.
    let mirrors = [wm(true, 0, 4096), m(true, 7, 8)];
    assert_eq!(choose(&mirrors, 4096, 8, false), c(1, 8));
}

#[test]
fn before_resync_the_first_good_mirror_serves() {
    // choose_first_rdev: the first in-sync mirror, even write-mostly or busy.
    let mirrors = [wm(true, 9, 0), m(true, 0, 100)];
    assert_eq!(choose(&mirrors, 100, 64, true), c(0, 64));
    // Bad inside: the first one serves up to its bad range.
    let mirrors = [bad(m(true, 0, 0), 120, 8), m(true, 0, 0)];
    assert_eq!(choose(&mirrors, 100, 64, true), c(0, 20));
    // Bad at the start: the next one serves, only up to where the first is good
    // again (md passes the shortened length on).
    let mirrors = [bad(m(true, 0, 0), 96, 8), m(true, 0, 0)];
    assert_eq!(choose(&mirrors, 100, 64, true), c(1, 4));
    // Out-of-sync mirrors are skipped.
    let mirrors = [m(false, 0, 0), m(true, 3, 0)];
    assert_eq!(choose(&mirrors, 100, 64, true), c(1, 64));
}

// ---- R1BIO_FailFast: choose_best_rdev looked at a second readable mirror ----

#[test]
fn fail_fast_needs_a_second_mirror_looked_at() {
    // Two readable mirrors, neither a sequential continuation: both looked at.
    let two = [m(true, 0, 0), m(true, 3, 0)];
    assert!(fail_fast_read(&two, 4096, 8, false));
    assert!(fail_fast_read(&two, 4096, 0, false));
    // A sequential continuation on the first: chosen before the second is seen.
    let seq0 = [m(true, 0, 4096), m(true, 0, 0)];
    assert_eq!(read_balance(&seq0, 4096), Some(0));
    assert!(!fail_fast_read(&seq0, 4096, 8, false));
    // On the second: the first was seen already.
    let seq1 = [m(true, 0, 0), m(true, 0, 4096)];
    assert_eq!(read_balance(&seq1, 4096), Some(1));
    assert!(fail_fast_read(&seq1, 4096, 8, false));
    // Only one mirror readable (the other out of sync, write-mostly, or bad there).
    assert!(!fail_fast_read(&[m(true, 0, 0), m(false, 0, 0)], 4096, 8, false));
    let wmost = [m(true, 0, 0), wm(true, 0, 0)];
    assert!(!fail_fast_read(&wmost, 4096, 8, false));
    let badb = [m(true, 0, 0), bad(m(true, 0, 0), 4090, 16)];
    assert!(!fail_fast_read(&badb, 4096, 8, false));
    // A bad range elsewhere does not count.
    let bad_far = [m(true, 0, 0), bad(m(true, 0, 0), 9000, 16)];
    assert!(fail_fast_read(&bad_far, 4096, 8, false));
    // The resync window (choose_first_rdev): never.
    assert!(!fail_fast_read(&two, 4096, 8, true));
    // A single mirror: never.
    assert!(!fail_fast_read(&[m(true, 0, 0)], 4096, 8, false));
}
