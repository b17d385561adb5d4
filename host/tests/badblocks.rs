//! The bad-block list (`badblocks.rs`) and its on-disk log (`badblocks/log.rs`):
//! badblocks.c's entry layout, acknowledgement, full-list and sysfs behaviour on
//! hand-made cases.

use rust_md_host::badblocks::log::{self, LogError};
use rust_md_host::badblocks::*;

fn ents(bb: &BadBlocks) -> Vec<(u64, u64, bool)> {
    bb.ranges().map(|r| (r.start, r.sectors, r.acked)).collect()
}

fn show(bb: &BadBlocks, unack: bool) -> String {
    let mut page = vec![0u8; PAGE_BYTES];
    let n = bb.show(unack, &mut page);
    String::from_utf8(page[..n].to_vec()).unwrap()
}

#[test]
fn disabled_records_nothing() {
    let mut bb = BadBlocks::disabled();
    assert!(!bb.enabled());
    assert!(!bb.set(0, 8, false));
    assert_eq!(bb.check(0, 8), Check::Good);
    assert!(!bb.clear(0, 8));
    assert_eq!(bb.store(b"0 8\n", false), Err(StoreError::NoSpace));
    assert_eq!(show(&bb, false), "");
    assert!(!bb.changed());
}

#[test]
fn set_merges_and_splits_at_512() {
    let mut bb = BadBlocks::new();
    assert!(bb.set(100, 10, true));
    assert!(bb.set(110, 10, true));
    assert_eq!(ents(&bb), [(100, 20, true)]);
    assert!(bb.set(0, 1000, true));
    assert_eq!(ents(&bb), [(0, 512, true), (512, 488, true)]);
    assert!(bb.changed());
    assert!(!bb.unacked_exist());
}

#[test]
fn kernel_layout_insert_before_is_not_rejoined() {
    // badblocks.c inserts in front of the first entry and does not join afterwards.
    let mut bb = BadBlocks::new();
    assert!(bb.set(300, 300, true));
    assert!(bb.set(0, 300, true));
    assert_eq!(ents(&bb), [(0, 300, true), (300, 300, true)]);
    // ... while growing an entry forward fills it to 512 first.
    let mut bb = BadBlocks::new();
    assert!(bb.set(0, 300, true));
    assert!(bb.set(300, 300, true));
    assert_eq!(ents(&bb), [(0, 512, true), (512, 88, true)]);
}

#[test]
fn acked_wins() {
    let mut bb = BadBlocks::new();
    assert!(bb.set(100, 100, false));
    assert!(bb.unacked_exist());
    // Acknowledged in the middle: split in three.
    assert!(bb.set(120, 10, true));
    assert_eq!(
        ents(&bb),
        [(100, 20, false), (120, 10, true), (130, 70, false)]
    );
    // Unacknowledged over acknowledged: stays acknowledged.
    assert!(!bb.set(120, 10, false) || ents(&bb)[1] == (120, 10, true));
    assert_eq!(ents(&bb)[1], (120, 10, true));
    assert_eq!(
        bb.check(110, 30),
        Check::Bad {
            first: 100,
            sectors: 20,
            acked: false
        }
    );
    assert_eq!(
        bb.check(121, 2),
        Check::Bad {
            first: 120,
            sectors: 10,
            acked: true
        }
    );
    assert_eq!(bb.check(0, 100), Check::Good);
    assert_eq!(bb.check(200, 100), Check::Good);
    assert_eq!(show(&bb, false), "100 20\n120 10\n130 70\n");
    assert_eq!(show(&bb, true), "100 20\n130 70\n");
}

#[test]
fn ack_all_only_when_unchanged() {
    let mut bb = BadBlocks::new();
    bb.set(8, 8, false);
    bb.ack_all();
    assert_eq!(ents(&bb), [(8, 8, false)]);
    bb.set_changed(false);
    bb.ack_all();
    assert_eq!(ents(&bb), [(8, 8, true)]);
    assert!(!bb.unacked_exist());
}

#[test]
fn clear_trims_and_splits() {
    let mut bb = BadBlocks::new();
    bb.set(0, 512, true);
    bb.set(512, 512, true);
    assert!(bb.clear(0, 10));
    assert_eq!(ents(&bb), [(10, 502, true), (512, 512, true)]);
    assert!(bb.clear(500, 20));
    assert_eq!(ents(&bb), [(10, 490, true), (520, 504, true)]);
    assert!(bb.clear(600, 8));
    assert_eq!(
        ents(&bb),
        [(10, 490, true), (520, 80, true), (608, 416, true)]
    );
    assert!(bb.clear(0, 2000));
    assert_eq!(bb.count(), 0);
    // Clearing where nothing is recorded succeeds.
    bb.set_changed(false);
    assert!(bb.clear(0, 8));
    assert!(bb.changed());
}

#[test]
fn full_list() {
    let mut bb = BadBlocks::new();
    for i in 0..MAX_ENTRIES as u64 {
        assert!(bb.set(i * 10, 1, true), "entry {i}");
    }
    assert!(bb.full());
    assert!(!bb.set(100_000, 1, true));
    assert_eq!(bb.store(b"100000 1", false), Err(StoreError::NoSpace));
    // Growing an entry still works when full.
    assert!(bb.set(1, 1, true));
    assert_eq!(ents(&bb)[0], (0, 2, true));
    assert_eq!(bb.count(), MAX_ENTRIES);
    // A clear that must split cannot.
    bb.set(20, 5, true);
    assert!(!bb.clear(22, 1));
}

#[test]
fn store_parsing() {
    let mut bb = BadBlocks::new();
    assert_eq!(bb.store(b"8 4\n", false), Ok(()));
    assert_eq!(bb.store(b"  16\t\n4", true), Ok(()));
    assert_eq!(bb.store(b"32 4\nrubbish", false), Ok(()));
    assert_eq!(ents(&bb), [(8, 4, true), (16, 4, false), (32, 4, true)]);
    for bad in [
        &b""[..],
        b"8",
        b"8 ",
        b"8 0",
        b"8 -1",
        b"8 +1",
        b"-8 1",
        b"8 4 ",
        b"8 4x",
        b"x 4",
        b"0x8 4",
        b"8,4",
        b"-8 4",
    ] {
        assert_eq!(
            bb.store(bad, false),
            Err(StoreError::Invalid),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // The length is an int: wrapped to 32 bits, as the kernel's sscanf stores it.
    assert_eq!(bb.store(b"1000 4294967297", false), Ok(()));
    assert_eq!(ents(&bb)[3], (1000, 1, true));
    // Text ends at a NUL.
    assert_eq!(bb.store(b"2000 1\0junk", false), Ok(()));
}

#[test]
fn log_round_trip() {
    let mut bb = BadBlocks::new();
    bb.set(100, 8, true);
    bb.set(2048, 600, false);
    let mut page = vec![0u8; log::LOG_BYTES];
    assert_eq!(log::encode(&bb, &mut page), 3);
    assert_eq!(
        u64::from_le_bytes(page[..8].try_into().unwrap()),
        100 << 10 | 8
    );
    assert!(page[24..].iter().all(|&b| b == 0xff));
    let mut back = BadBlocks::disabled();
    log::decode(&page, 0, 1 << 20, &mut back).unwrap();
    assert!(back.enabled());
    assert_eq!(
        ents(&back),
        [(100, 8, true), (2048, 512, true), (2560, 88, true)]
    );
}

fn mklog(entries: &[u64]) -> Vec<u8> {
    let mut v = vec![0xffu8; log::LOG_BYTES];
    for (i, e) in entries.iter().enumerate() {
        v[i * 8..i * 8 + 8].copy_from_slice(&e.to_le_bytes());
    }
    v
}

#[test]
fn log_refusals() {
    let mut bb = BadBlocks::new();
    let e = |s: u64, n: u64| s << 10 | n;
    let dev = 10_000;
    assert_eq!(
        log::decode(&mklog(&[e(10, 5), e(0, 5)]), 0, dev, &mut bb),
        Err(LogError::Unsorted)
    );
    assert_eq!(
        log::decode(&mklog(&[e(10, 5), e(12, 5)]), 0, dev, &mut bb),
        Err(LogError::Overlap)
    );
    assert_eq!(
        log::decode(&mklog(&[e(10, 0)]), 0, dev, &mut bb),
        Err(LogError::ZeroLength)
    );
    assert_eq!(
        log::decode(&mklog(&[e(9_999, 2)]), 0, dev, &mut bb),
        Err(LogError::BeyondDevice)
    );
    assert_eq!(
        log::decode(&mklog(&[e(1, 1)]), 64, dev, &mut bb),
        Err(LogError::BadShift)
    );
    assert_eq!(
        log::decode(&mklog(&[e(1, 1)]), 10, dev, &mut bb),
        Err(LogError::ShiftTooLarge)
    );
    assert_eq!(
        log::decode(&[0xff; 4104], 0, dev, &mut bb),
        Err(LogError::TooLarge)
    );
    assert_eq!(bb.count(), 0);
    // Adjacent entries are fine (md writes them when a range passes 512 sectors).
    assert_eq!(
        log::decode(&mklog(&[e(0, 512), e(512, 10)]), 0, dev, &mut bb),
        Ok(())
    );
    assert_eq!(bb.count(), 2);
    // Entries after the end mark are ignored.
    assert_eq!(
        log::decode(&mklog(&[e(0, 1), u64::MAX, e(0, 0)]), 0, dev, &mut bb),
        Ok(())
    );
    assert_eq!(bb.count(), 1);
    // A shift: blocks of 8 sectors.
    assert_eq!(log::decode(&mklog(&[e(2, 3)]), 3, dev, &mut bb), Ok(()));
    assert_eq!(ents(&bb), [(16, 24, true)]);
    for r in [LogError::Unsorted, LogError::TooMany] {
        assert!(!r.reason().is_empty());
    }
}
