//! Resync arithmetic (resync.rs) and the /proc/mdstat progress line, checked
//! against the kernel's md: include/linux/hash.h (hash_64), drivers/md/raid1.h
//! (sector_to_idx), drivers/md/md.c (status_resync, md_seq_show, md_do_sync).
//!
//! Expected strings are either hand-computed from md's formulas or lines the C md
//! really printed in the VM logs (t-redund-* run on the C md); a literal
//! transcription of status_resync as compiled on a 64-bit kernel (`md_status_resync`)
//! is also compared with `write_progress` over random inputs.
//!
//! Tests marked `#[ignore]` are discrepancies with md, kept as failing reports.

use proptest::prelude::*;
use rust_md_host::mdstat::*;
use rust_md_host::resync::*;

// ---------------------------------------------------------------------------
// bucket(): md's sector_to_idx = hash_long(sector >> 17, 10), hash_64 on 64-bit
// ---------------------------------------------------------------------------

/// include/linux/hash.h: `#define GOLDEN_RATIO_64 0x61C8864680B583EBull`.
const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;

/// hash_64_generic(val, bits): `val * GOLDEN_RATIO_64 >> (64 - bits)`, computed
/// here in 128 bits and truncated (the C multiply is modulo 2^64).
fn hash_64(val: u64, bits: u32) -> u64 {
    let prod = (u128::from(val) * u128::from(GOLDEN_RATIO_64)) as u64;
    prod >> (64 - bits)
}

fn sector_to_idx(sector: u64) -> usize {
    hash_64(sector >> 17, 10) as usize
}

#[test]
fn bucket_constants_match_raid1_h() {
    // BARRIER_UNIT_SECTOR_BITS 17; BARRIER_BUCKETS_NR = 1 << (PAGE_SHIFT - ilog2(sizeof(atomic_t))) = 1 << 10.
    assert_eq!(BARRIER_UNIT_BITS, 17);
    assert_eq!(BUCKETS, 1 << 10);
    // RESYNC_BLOCK_SIZE 64 KiB in sectors; SYNC_MARKS 10; SYNC_MARK_STEP 3*HZ; UPDATE_FREQUENCY 5*60*HZ.
    assert_eq!(RESYNC_BLOCK, 64 * 1024 / 512);
    assert_eq!(MARKS, 10);
    assert_eq!(MARK_STEP_MS, 3000);
    assert_eq!(CHECKPOINT_MS, 5 * 60 * 1000);
    // A sync step fits in one barrier unit and is a whole number of resync blocks.
    assert_eq!(SYNC_IO_SECTORS % RESYNC_BLOCK, 0);
    assert!(u64::from(SYNC_IO_SECTORS) <= 1 << BARRIER_UNIT_BITS);
}

#[test]
fn bucket_golden_values() {
    // (unit, hash_64(unit, 10)), computed independently (Python, arbitrary precision).
    let golden: &[(u64, usize)] = &[
        (0, 0),
        (1, 391),
        (2, 782),
        (3, 149),
        (1023, 769),
        (1024, 136),
        (12345, 379),
        (0xffff_ffff, 123),
        ((1 << 47) - 1, 384), // the last unit of a u64 sector space
    ];
    for &(unit, want) in golden {
        assert_eq!(bucket(unit << 17), want, "unit {unit:#x}");
        assert_eq!(sector_to_idx(unit << 17), want, "oracle, unit {unit:#x}");
    }
    assert_eq!(bucket(u64::MAX), 384);
}

#[test]
fn bucket_matches_hash_64_for_many_units() {
    let mut units: Vec<u64> = (0..5000).collect();
    units.extend((0..64).map(|b| 1u64 << b));
    units.extend((1..64).map(|b| (1u64 << b) - 1));
    units.extend((0..2000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17));
    let mut seen = [false; BUCKETS];
    for unit in units {
        let unit = unit & ((1 << 47) - 1); // units of a 64-bit sector
        for sector in [unit << 17, (unit << 17) | 1, (unit << 17) | ((1 << 17) - 1)] {
            let b = bucket(sector);
            assert!(b < BUCKETS, "sector {sector:#x} -> {b}");
            assert_eq!(b as u64, hash_64(unit, 10), "sector {sector:#x}");
            seen[b] = true;
        }
    }
    // The first 5000 units alone reach every bucket.
    assert!(seen.iter().all(|s| *s));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn bucket_is_hash_64_of_the_unit(sector in any::<u64>(), off in 0u64..(1 << 17)) {
        let b = bucket(sector);
        prop_assert!(b < BUCKETS);
        prop_assert_eq!(b, sector_to_idx(sector));
        // Every sector of the same 64 MiB unit shares the bucket.
        let base = sector & !((1u64 << 17) - 1);
        prop_assert_eq!(bucket(base + off), b);
        prop_assert_eq!(bucket(base + ((1 << 17) - 1)), b);
    }
}

// ---------------------------------------------------------------------------
// unit_room() and chunk()
// ---------------------------------------------------------------------------

const UNIT: u64 = 1 << 17;

#[test]
fn unit_room_table() {
    assert_eq!(unit_room(0), 1 << 17);
    assert_eq!(unit_room(1), (1 << 17) - 1);
    assert_eq!(unit_room(UNIT - 1), 1);
    assert_eq!(unit_room(UNIT), 1 << 17);
    assert_eq!(unit_room(5 * UNIT + 1000), (1 << 17) - 1000);
    assert_eq!(unit_room(u64::MAX), 1);
}

#[test]
fn chunk_table() {
    let s = u64::from(SYNC_IO_SECTORS);
    // Aligned: a full step.
    assert_eq!(chunk(0, 1 << 30), SYNC_IO_SECTORS);
    assert_eq!(chunk(7 * s, 1 << 30), SYNC_IO_SECTORS);
    // Limited by max.
    assert_eq!(chunk(0, 100), 100);
    assert_eq!(chunk(0, 1), 1);
    assert_eq!(chunk(1000, 1001), 1);
    // Nothing left.
    assert_eq!(chunk(5, 5), 0);
    assert_eq!(chunk(6, 5), 0);
    // Unaligned start: up to the next resync block.
    assert_eq!(chunk(1, 1 << 30), RESYNC_BLOCK - 1);
    assert_eq!(chunk(130, 1 << 30), 126);
    assert_eq!(chunk(130, 200), 70);
    // Aligned to a block but not to a step: a whole step still fits in the unit.
    assert_eq!(chunk(128, 1 << 30), SYNC_IO_SECTORS);
    // Barrier unit end: never crossed.
    assert_eq!(chunk(UNIT - 512, 1 << 30), 512);
    assert_eq!(chunk(UNIT - 128, 1 << 30), 128);
    assert_eq!(chunk(UNIT - 1, 1 << 30), 1);
    assert_eq!(chunk(UNIT, 1 << 30), SYNC_IO_SECTORS);
    // The last unit of a huge device.
    assert_eq!(chunk(u64::MAX - 1, u64::MAX), 1);
}

#[test]
fn copy_chunk_table() {
    let c = u64::from(COPY_SECTORS);
    assert_eq!(COPY_SECTORS % COPY_PIECE_SECTORS, 0);
    assert!(COPY_PIECE_SECTORS / 8 <= 256, "a piece is one bio of at most BIO_MAX_VECS pages");
    assert_eq!(copy_chunk(0, 1 << 30), COPY_SECTORS);
    // Unaligned starts are not cut back to a resync block (nothing is counted).
    assert_eq!(copy_chunk(1, 1 << 30), COPY_SECTORS);
    assert_eq!(copy_chunk(3 * c + 17, 1 << 30), COPY_SECTORS);
    // Limited by max, never past it.
    assert_eq!(copy_chunk(0, 5000), 5000);
    assert_eq!(copy_chunk(5, 5), 0);
    assert_eq!(copy_chunk(6, 5), 0);
    // Never across a barrier unit.
    assert_eq!(copy_chunk(UNIT - 100, 1 << 30), 100);
    assert_eq!(copy_chunk(UNIT, 1 << 30), COPY_SECTORS);
    assert_eq!(copy_chunk(u64::MAX - 1, u64::MAX), 1);
}

proptest! {
    #[test]
    fn copy_chunks_tile_without_crossing_units(j in 0u64..(1 << 40), len in 1u64..(1 << 22)) {
        let max = j.saturating_add(len);
        let mut pos = j;
        while pos < max {
            let n = u64::from(copy_chunk(pos, max));
            prop_assert!(n > 0 && n <= u64::from(COPY_SECTORS));
            prop_assert!(pos + n <= max);
            prop_assert_eq!(pos >> 17, (pos + n - 1) >> 17);
            pos += n;
        }
        prop_assert_eq!(pos, max);
    }
}

/// Checks one step and returns its length.
fn check_chunk(j: u64, max: u64) -> Result<u64, TestCaseError> {
    let n = u64::from(chunk(j, max));
    if j >= max {
        prop_assert_eq!(n, 0, "j {} max {}", j, max);
        return Ok(0);
    }
    prop_assert!(n > 0, "j {} max {}: empty step", j, max);
    prop_assert!(
        n <= u64::from(SYNC_IO_SECTORS),
        "j {} max {}: n {}",
        j,
        max,
        n
    );
    prop_assert!(n <= max - j, "j {} max {}: n {} past max", j, max, n);
    prop_assert_eq!(
        j >> 17,
        (j + n - 1) >> 17,
        "j {} n {}: crosses a barrier unit",
        j,
        n
    );
    prop_assert!(n <= u64::from(unit_room(j)));
    let end = j + n;
    let rb = u64::from(RESYNC_BLOCK);
    if j % rb == 0 && end != max {
        prop_assert_eq!(end % rb, 0, "aligned j {} max {}: ends at {}", j, max, end);
    }
    // An unaligned start only runs to the next block boundary (or max).
    if j % rb != 0 {
        prop_assert!(end <= (j / rb + 1) * rb, "j {} ends at {}", j, end);
    }
    Ok(n)
}

fn max_strategy() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..5000,
        1u64..(3 * UNIT),
        (1u64..8, -300i64..300).prop_map(|(k, d)| (k * UNIT).saturating_add_signed(d).max(1)),
        (1u64..(1 << 21)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chunk_properties(j in prop_oneof![0u64..(1 << 22), any::<u64>()], extra in 0u64..(1 << 20)) {
        let max = j.saturating_add(extra);
        check_chunk(j, max)?;
        check_chunk(j, u64::MAX)?;
    }

    #[test]
    fn chunks_cover_zero_to_max_exactly(max in max_strategy()) {
        let mut j = 0u64;
        let mut steps = 0u64;
        while j < max {
            let n = check_chunk(j, max)?;
            j += n;
            steps += 1;
        }
        prop_assert_eq!(j, max);
        // From 0 every step is whole except the last one of each barrier unit
        // (units are multiples of the step) and the one that reaches max.
        let units = max.div_ceil(UNIT);
        prop_assert!(steps <= max.div_ceil(u64::from(SYNC_IO_SECTORS)) + units);
    }

    #[test]
    fn chunks_cover_any_start_to_max_exactly(start in 0u64..(4 * UNIT), len in 0u64..(1 << 19)) {
        let max = start + len;
        let mut j = start;
        let mut unaligned_steps = 0;
        while j < max {
            if j % u64::from(RESYNC_BLOCK) != 0 {
                unaligned_steps += 1;
            }
            j += check_chunk(j, max)?;
        }
        prop_assert_eq!(j, max);
        // Only the first step can start off a resync block boundary.
        prop_assert!(unaligned_steps <= 1);
    }
}

// ---------------------------------------------------------------------------
// checkpoint_due(): md_do_sync's curr_resync_completed update
// ---------------------------------------------------------------------------

#[test]
fn checkpoint_due_table() {
    let max = 16 * 1000;
    // (j, completed, now_ms, last_ms, due)
    let cases: &[(u64, u64, u64, u64, bool)] = &[
        (0, 0, 0, 0, false),
        (1000, 0, 10, 0, false), // exactly max>>4: not more than it
        (1001, 0, 10, 0, true),  // more than a sixteenth
        (5000, 4000, 10, 0, false),
        (5001, 4000, 10, 0, true),
        (3000, 4000, 10, 0, false), // behind the checkpoint
        (10, 0, CHECKPOINT_MS - 1, 0, false),
        (10, 0, CHECKPOINT_MS, 0, true), // time_after_eq(jiffies, update_time + UPDATE_FREQUENCY)
        (10, 0, 7 + CHECKPOINT_MS, 7, true),
        (10, 0, 5, 7, false),        // clock before the last checkpoint
        (max, max - 1, 10, 0, true), // the end
    ];
    for &(j, completed, now, last, due) in cases {
        assert_eq!(
            checkpoint_due(j, completed, max, now, last),
            due,
            "j {j} completed {completed} now {now} last {last}"
        );
    }
}

// ---------------------------------------------------------------------------
// speed_kib() and throttle(): md_do_sync's currspeed and rate limit
// ---------------------------------------------------------------------------

/// md: `currspeed = ((unsigned long)(recovery_done - resync_mark_cnt))/2
///       /((jiffies-resync_mark)/HZ +1) +1;`
fn md_currspeed(sectors: u64, ms: u64) -> u64 {
    sectors / 2 / (ms / 1000 + 1) + 1
}

#[test]
fn speed_kib_table() {
    // (sectors since the mark, ms since the mark, KiB/s)
    let cases: &[(u64, u64, u64)] = &[
        (0, 0, 1),
        (1, 0, 1),
        (2, 0, 2),
        (2048, 999, 1025),         // under a second counts as 1
        (2048, 1000, 513),         // a whole second: divided by 2
        (20480, 9999, 1025),       // 9 whole seconds + 1
        (60 * 2048, 30_000, 1982), // 61440 / 31 + 1
        (u64::MAX, 0, u64::MAX / 2 + 1),
        (
            u64::MAX,
            u64::MAX,
            1 + (u64::MAX / 2) / (u64::MAX / 1000 + 1),
        ),
    ];
    for &(s, ms, want) in cases {
        assert_eq!(speed_kib(s, ms), want, "{s} sectors in {ms} ms");
        assert_eq!(md_currspeed(s, ms), want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn speed_kib_is_md_currspeed(s in any::<u64>(), ms in any::<u64>()) {
        prop_assert_eq!(speed_kib(s, ms), md_currspeed(s, ms));
        prop_assert!(speed_kib(s, ms) >= 1);
    }

    #[test]
    fn throttle_is_md_rate_limit(speed in 0u64..300_000, min in 0u32..200_000, max in 0u32..300_000, busy: bool) {
        // md_do_sync: if (currspeed > speed_min) { if (currspeed > speed_max) { msleep(500); goto repeat; }
        //             if (!is_mddev_idle()) wait_event(...); }
        let want = if speed > u64::from(min) {
            if speed > u64::from(max) {
                Throttle::Pause
            } else if busy {
                Throttle::Yield
            } else {
                Throttle::Go
            }
        } else {
            Throttle::Go
        };
        prop_assert_eq!(throttle(speed, min, max, busy), want);
    }
}

#[test]
fn throttle_table() {
    use Throttle::*;
    // md's defaults: speed_limit_min 1000, speed_limit_max 200000 (KiB/s).
    // (speed, min, max, busy, result)
    let cases: &[(u64, u32, u32, bool, Throttle)] = &[
        (0, 1000, 200_000, false, Go),
        (0, 1000, 200_000, true, Go),
        (1000, 1000, 200_000, true, Go), // at the minimum: not above it
        (1001, 1000, 200_000, true, Yield),
        (1001, 1000, 200_000, false, Go),
        (200_000, 1000, 200_000, true, Yield),
        (200_000, 1000, 200_000, false, Go),
        (200_001, 1000, 200_000, false, Pause), // above the maximum, idle or not
        (200_001, 1000, 200_000, true, Pause),
        (u64::MAX, 1000, 200_000, false, Pause),
        (u64::from(u32::MAX), 1000, u32::MAX, true, Yield),
        // min above max (sysfs allows it): below min go, above min and max pause.
        (700, 1000, 500, true, Go),
        (1200, 1000, 500, false, Pause),
        // max 0: anything above min pauses.
        (1, 0, 0, false, Pause),
        (0, 0, 0, true, Go),
    ];
    for &(speed, min, max, busy, want) in cases {
        assert_eq!(
            throttle(speed, min, max, busy),
            want,
            "speed {speed} min {min} max {max} busy {busy}"
        );
    }
}

// ---------------------------------------------------------------------------
// Marks: md_do_sync's mark[SYNC_MARKS] / mark_cnt[SYNC_MARKS] window
// ---------------------------------------------------------------------------

#[test]
fn marks_start_at_new() {
    let m = Marks::new(12_345, 678);
    assert_eq!(m.oldest(), (12_345, 678));
}

#[test]
fn marks_step_only_after_mark_step() {
    let mut m = Marks::new(1000, 0);
    for now in [1000, 1001, 2000, 1000 + MARK_STEP_MS - 1] {
        assert_eq!(m.step(now, now * 7), None, "now {now}");
        assert_eq!(m.oldest(), (1000, 0));
    }
    // time_after_eq(jiffies, mark[last_mark] + SYNC_MARK_STEP): due at exactly +3 s.
    assert!(m.step(1000 + MARK_STEP_MS, 50).is_some());
    // The next one is due 3 s after the time that mark was really taken, not on a grid.
    let mut m = Marks::new(0, 0);
    assert!(m.step(3500, 10).is_some());
    assert_eq!(m.step(6499, 20), None);
    assert!(m.step(6500, 30).is_some());
    // A clock that went backwards (or an equal time) never steps.
    assert_eq!(m.step(0, 40), None);
    assert_eq!(m.step(6500, 40), None);
}

#[test]
fn marks_keep_the_start_for_the_first_steps() {
    // Both md and Marks measure from the start until the window has filled.
    let mut m = Marks::new(100, 5);
    for k in 1..MARKS as u64 {
        assert_eq!(
            m.step(100 + k * MARK_STEP_MS, 5 + k * 1000),
            Some((100, 5)),
            "step {k}"
        );
        assert_eq!(m.oldest(), (100, 5));
    }
}

#[test]
fn marks_window_is_bounded_and_moves_forward() {
    let mut m = Marks::new(0, 0);
    let mut taken = vec![(0u64, 0u64)];
    let mut last_oldest = m.oldest();
    let mut now = 0;
    for k in 1..200u64 {
        // Irregular loop timing: several polls per mark.
        now += 700 + (k * 37) % 900;
        let pos = now * 3;
        if let Some(o) = m.step(now, pos) {
            taken.push((now, pos));
            assert_eq!(o, m.oldest(), "step returns the new oldest");
        }
        let o = m.oldest();
        assert!(o >= last_oldest, "the window start never moves back");
        last_oldest = o;
        assert!(taken.contains(&o), "oldest {o:?} is a mark that was taken");
        // At most MARKS steps back: the speed window is at most ~30 s.
        let n = taken.len();
        assert!(
            o >= taken[n.saturating_sub(1 + MARKS)],
            "oldest {o:?} older than {MARKS} steps"
        );
        assert!(now - o.0 <= (MARKS as u64 + 1) * (MARK_STEP_MS + 900));
    }
}

/// md_do_sync keeps the mark it measures from apart from the ring:
///
/// ```c
/// int next = (last_mark+1) % SYNC_MARKS;
/// mddev->resync_mark = mark[next];          // read before it is overwritten
/// mddev->resync_mark_cnt = mark_cnt[next];
/// mark[next] = jiffies;
/// ```
///
/// so after step k, resync_mark is the mark of step k-10 (SYNC_MARKS steps back,
/// a 30-33 s window). Marks::step overwrites the slot first and returns
/// `at[(last+1) % MARKS]`, the mark of step k-9: the window is MARKS-1 steps
/// (27-30 s). At step 10 md still measures from the start (t=0) while Marks
/// measures from step 1 (t=3000). Effect: mdstat's speed/finish and the
/// throttle's currspeed use a 3 s shorter window than md's.
#[test]
fn marks_oldest_is_marks_steps_back_as_md() {
    let mut m = Marks::new(0, 0);
    // md_marks[k] = (time, pos) of step k; step 0 is the start.
    let mut taken = vec![(0u64, 0u64)];
    for k in 1..=3 * MARKS as u64 {
        let mark = (k * MARK_STEP_MS, k * 1000);
        let got = m.step(mark.0, mark.1);
        taken.push(mark);
        let want = taken[(k as usize).saturating_sub(MARKS)];
        assert_eq!(
            got,
            Some(want),
            "step {k}: md's resync_mark is step {}",
            (k as usize).saturating_sub(MARKS)
        );
        assert_eq!(m.oldest(), want, "step {k}");
    }
}

// ---------------------------------------------------------------------------
// Action names
// ---------------------------------------------------------------------------

#[test]
fn action_names() {
    use Action::*;
    for (a, v) in [(Resync, 1u8), (Recover, 2), (Check, 3), (Repair, 4)] {
        assert_eq!(Action::from_u8(v), Some(a));
        assert_eq!(a as u8, v);
    }
    assert_eq!(Action::from_u8(0), None);
    assert_eq!(Action::from_u8(5), None);
    assert_eq!(Action::from_u8(255), None);
    // md.c action_name[]: sync_action, and md_do_sync's desc ("md: md0: check done.").
    assert_eq!(
        [Resync, Recover, Check, Repair].map(Action::sysfs),
        ["resync", "recover", "check", "repair"]
    );
    assert_eq!(
        [Resync, Recover, Check, Repair].map(Action::desc),
        ["resync", "recover", "check", "repair"]
    );
    // status_resync: RESHAPE ? "reshape" : CHECK ? "check" : SYNC ? "resync" : "recovery";
    // repair is SYNC|REQUESTED without CHECK.
    assert_eq!(
        [Resync, Recover, Check, Repair].map(Action::mdstat),
        ["resync", "recovery", "check", "resync"]
    );
    assert_eq!(
        [Resync, Recover, Check, Repair].map(Action::is_sync),
        [true, false, true, true]
    );
}

// ---------------------------------------------------------------------------
// write_progress(): md's status_resync
// ---------------------------------------------------------------------------

fn progress(
    action: Action,
    done: u64,
    total: u64,
    since_mark_ms: u64,
    since_mark_sectors: u64,
) -> Progress {
    Progress {
        action,
        done,
        total,
        since_mark_ms,
        since_mark_sectors,
    }
}

fn line(p: &Progress) -> String {
    let mut s = String::new();
    write_progress(&mut s, p).unwrap();
    s
}

/// status_resync from "Pick 'scale'" on, transcribed literally for a 64-bit
/// kernel (sector_t and unsigned long both 64 bits, so the scale loop is
/// compiled out; sector_div is do_div with a u32 divisor; per_milli is an
/// unsigned int; rt is a wrapping sector_t). `resync` is curr_resync after the
/// clamp to max_sectors; `jiffies_since_mark_ms` stands for (jiffies - resync_mark).
fn md_status_resync(
    name: &str,
    resync: u64,
    max_sectors: u64,
    since_mark_ms: u64,
    db: u64,
) -> String {
    let resync = resync.min(max_sectors); // "else if (resync > max_sectors) resync = max_sectors;"
    let scale = 10u32;
    let mut res: u64 = (resync >> scale).wrapping_mul(1000);
    let divisor = ((max_sectors >> scale) + 1) as u32;
    assert_ne!(divisor, 0, "md divides by zero here (do_div by (u32)0)");
    res /= u64::from(divisor);
    let per_milli = res as u32;
    let x = (per_milli / 50) as i32;
    let y = 20 - x;
    let mut s = String::from("[");
    for _ in 0..x {
        s.push('=');
    }
    s.push('>');
    for _ in 0..y {
        s.push('.');
    }
    s.push_str("] ");
    s += &format!(
        " {} ={:3}.{}% ({}/{})",
        name,
        per_milli / 10,
        per_milli % 10,
        resync / 2,
        max_sectors / 2
    );
    let mut dt = since_mark_ms / 1000;
    if dt == 0 {
        dt += 1;
    }
    let mut rt = max_sectors - resync;
    rt /= db / 32 + 1;
    rt = rt.wrapping_mul(dt);
    rt >>= 5;
    s += &format!(" finish={}.{}min", rt / 60, (rt % 60) / 6);
    s += &format!(" speed={}K/sec", db / 2 / dt);
    s
}

/// Lines the C md printed in /proc/mdstat during the VM tests (harness logs of
/// t-redund-resync, t-redund-recovery, t-redund-resyncwrite and explore1, all
/// on the C md, 128 MiB mirrors: 260096 sectors), with inputs that reproduce
/// them: (action, done KiB, since_mark_ms, since_mark_sectors, line).
const C_MD_LINES: &[(Action, u64, u64, u64, &str)] = &[
    (
        Action::Resync,
        3328,
        1500,
        6656,
        "[>....................]  resync =  2.3% (3328/130048) finish=0.6min speed=3328K/sec",
    ),
    (
        Action::Resync,
        26560,
        1000,
        53120,
        "[====>................]  resync = 20.0% (26560/130048) finish=0.0min speed=26560K/sec",
    ),
    (
        Action::Resync,
        49152,
        1999,
        98304,
        "[=======>.............]  resync = 37.6% (49152/130048) finish=0.0min speed=49152K/sec",
    ),
    (
        Action::Resync,
        84864,
        1200,
        169728,
        "[============>........]  resync = 64.7% (84864/130048) finish=0.0min speed=84864K/sec",
    ),
    (
        Action::Resync,
        113408,
        1900,
        113408,
        "[=================>...]  resync = 86.6% (113408/130048) finish=0.0min speed=56704K/sec",
    ),
    (
        Action::Resync,
        2880,
        400,
        5760,
        "[>....................]  resync =  1.9% (2880/130048) finish=0.7min speed=2880K/sec",
    ),
    (
        Action::Resync,
        3840,
        1000,
        7680,
        "[>....................]  resync =  2.7% (3840/130048) finish=0.5min speed=3840K/sec",
    ),
    (
        Action::Resync,
        16128,
        1100,
        8064,
        "[==>..................]  resync = 12.1% (16128/130048) finish=0.4min speed=4032K/sec",
    ),
    (
        Action::Resync,
        7424,
        1000,
        7424,
        "[=>...................]  resync =  5.4% (7424/130048) finish=0.5min speed=3712K/sec",
    ),
    (
        Action::Resync,
        73600,
        1000,
        6132,
        "[===========>.........]  resync = 56.0% (73600/130048) finish=0.3min speed=3066K/sec",
    ),
    (
        Action::Recover,
        6336,
        1000,
        12672,
        "[>....................]  recovery =  4.7% (6336/130048) finish=0.3min speed=6336K/sec",
    ),
    (
        Action::Recover,
        12032,
        1500,
        24064,
        "[=>...................]  recovery =  9.0% (12032/130048) finish=0.1min speed=12032K/sec",
    ),
    (
        Action::Recover,
        24576,
        999,
        49152,
        "[===>.................]  recovery = 18.8% (24576/130048) finish=0.0min speed=24576K/sec",
    ),
    (
        Action::Recover,
        9728,
        1000,
        19456,
        "[=>...................]  recovery =  7.4% (9728/130048) finish=0.2min speed=9728K/sec",
    ),
    (
        Action::Recover,
        18496,
        1000,
        36992,
        "[==>..................]  recovery = 14.1% (18496/130048) finish=0.1min speed=18496K/sec",
    ),
    (
        Action::Recover,
        30336,
        1000,
        60672,
        "[====>................]  recovery = 23.1% (30336/130048) finish=0.0min speed=30336K/sec",
    ),
    (
        Action::Recover,
        8192,
        1000,
        16384,
        "[=>...................]  recovery =  6.2% (8192/130048) finish=0.2min speed=8192K/sec",
    ),
    (
        Action::Recover,
        30400,
        1000,
        60800,
        "[====>................]  recovery = 23.1% (30400/130048) finish=0.0min speed=30400K/sec",
    ),
    (
        Action::Recover,
        52032,
        1000,
        104064,
        "[=======>.............]  recovery = 39.6% (52032/130048) finish=0.0min speed=52032K/sec",
    ),
    // Check lines as the Rust module printed them in the smoke logs (no C md check
    // line was captured); they agree with the md transcription below.
    (
        Action::Check,
        39424,
        1000,
        78848,
        "[======>..............]  check = 30.1% (39424/130048) finish=0.0min speed=39424K/sec",
    ),
    (
        Action::Check,
        114688,
        1000,
        229376,
        "[=================>...]  check = 87.8% (114688/130048) finish=0.0min speed=114688K/sec",
    ),
];

#[test]
fn progress_reproduces_c_md_lines() {
    for &(action, done_kib, ms, db, want) in C_MD_LINES {
        let p = progress(action, done_kib * 2, 260096, ms, db);
        assert_eq!(line(&p), want);
        assert_eq!(
            md_status_resync(action.mdstat(), done_kib * 2, 260096, ms, db),
            want
        );
    }
}

#[test]
fn progress_hand_computed() {
    // 1 GiB array a quarter done, 30.5 s since the mark (dt = 30), 600000 sectors since:
    // per_milli = (524288>>10)*1000 / ((2097152>>10)+1) = 512000/2049 = 249 -> 24.9%, 4 '='
    // rt = (2097152-524288) / (600000/32+1) = 1572864/18751 = 83; *30 = 2490; >>5 = 77 -> 1.2min
    // speed = 600000/2/30 = 10000
    assert_eq!(
        line(&progress(Action::Resync, 524288, 2097152, 30_500, 600_000)),
        "[====>................]  resync = 24.9% (262144/1048576) finish=1.2min speed=10000K/sec"
    );
    // The example in resync.rs's doc comment of write_progress reads "8.3%" for these
    // numbers, but md's formula gives (43776>>10)*1000/((522240>>10)+1) = 42000/511 = 82:
    // md prints 8.2% (the exact ratio is 8.38%). Finish and speed do match md.
    assert_eq!(
        line(&progress(Action::Resync, 43776, 522240, 1000, 21888)),
        "[=>...................]  resync =  8.2% (21888/261120) finish=0.3min speed=10944K/sec"
    );
    assert_eq!(
        md_status_resync("resync", 43776, 522240, 1000, 21888),
        "[=>...................]  resync =  8.2% (21888/261120) finish=0.3min speed=10944K/sec"
    );
    // 0%: nothing since the mark; rt = 260096/1*1>>5 = 8128 s = 135 min 28 s -> 135.4min.
    assert_eq!(
        line(&progress(Action::Resync, 0, 260096, 1500, 0)),
        "[>....................]  resync =  0.0% (0/130048) finish=135.4min speed=0K/sec"
    );
    // All done: md's (max>>10)+1 divisor never lets it show 100%: 254000/255 = 996.
    assert_eq!(
        line(&progress(Action::Resync, 260096, 260096, 1000, 1000)),
        "[===================>.]  resync = 99.6% (130048/130048) finish=0.0min speed=500K/sec"
    );
    // Past the end (curr_resync > max_sectors): clamped like md.
    assert_eq!(
        line(&progress(Action::Check, 300000, 260096, 1000, 1000)),
        "[===================>.]  check = 99.6% (130048/130048) finish=0.0min speed=500K/sec"
    );
    // Repair shows "resync" (MD_RECOVERY_CHECK is not set for repair); 127000/255 = 498.
    assert_eq!(
        line(&progress(Action::Repair, 130048, 260096, 3000, 60000)),
        "[=========>...........]  resync = 49.8% (65024/130048) finish=0.1min speed=10000K/sec"
    );
    // Tiny totals: under 1024 sectors md's per_milli is 0.
    assert_eq!(
        line(&progress(Action::Resync, 4, 8, 999, 4)),
        "[>....................]  resync =  0.0% (2/4) finish=0.0min speed=2K/sec"
    );
    assert_eq!(
        line(&progress(Action::Resync, 5, 7, 500, 1)),
        "[>....................]  resync =  0.0% (2/3) finish=0.0min speed=0K/sec"
    );
    assert_eq!(
        line(&progress(Action::Recover, 0, 1, 0, 0)),
        "[>....................]  recovery =  0.0% (0/0) finish=0.0min speed=0K/sec"
    );
    // Finish in hours: 10 MiB/s over 30 s against ~1 TiB left.
    // rt = (2^31 - 2^20)/(600000/32+1) = 2146435072/18751 = 114470; *30 = 3434100; >>5 = 107315
    // -> 1788 min, (107315 % 60)/6 = 35/6 = 5.
    assert_eq!(
        line(&progress(Action::Resync, 1 << 20, 1 << 31, 30_000, 600_000)),
        "[>....................]  resync =  0.0% (524288/1073741824) finish=1788.5min speed=10000K/sec"
    );
}

#[test]
fn progress_speed_under_a_second_uses_dt_1() {
    // (jiffies - resync_mark)/HZ == 0 -> dt = 1: the same line for 0..999 ms.
    let want =
        "[====>................]  resync = 20.0% (26560/130048) finish=0.0min speed=26560K/sec";
    for ms in [0, 1, 500, 999, 1000, 1999] {
        assert_eq!(
            line(&progress(Action::Resync, 53120, 260096, ms, 53120)),
            want,
            "{ms} ms"
        );
    }
    // 2 s halves the speed and doubles rt: 206976/(53120/32+1) = 124; *2 >> 5 = 7 s -> 0.1min.
    assert_eq!(
        line(&progress(Action::Resync, 53120, 260096, 2000, 53120)),
        "[====>................]  resync = 20.0% (26560/130048) finish=0.1min speed=13280K/sec"
    );
    // A slow sync: 1 KiB/s over 0.3 s (dt 1): 2000/255 = 7 -> 0.7%;
    // rt = 258048/(2/32+1) = 258048 -> >>5 = 8064 s = 134 min 24 s.
    assert_eq!(
        line(&progress(Action::Check, 2048, 260096, 300, 2)),
        "[>....................]  check =  0.7% (1024/130048) finish=134.4min speed=1K/sec"
    );
}

#[test]
fn progress_bar_shape() {
    // The bar is always 21 characters between the brackets: x '=' , '>', 20-x '.'.
    for done in (0..=260096u64).step_by(4096) {
        let s = line(&progress(Action::Resync, done, 260096, 1000, 0));
        let bar = &s[1..s.find(']').unwrap()];
        assert_eq!(bar.len(), 21, "{s}");
        let x = bar.find('>').unwrap();
        assert!(bar[..x].bytes().all(|b| b == b'='));
        assert!(bar[x + 1..].bytes().all(|b| b == b'.'));
        let per_milli = ((done >> 10) * 1000) / ((260096 >> 10) + 1);
        assert_eq!(x as u64, per_milli / 50);
        assert!(s.starts_with('[') && &s[22..25] == "]  ", "{s}");
    }
}

/// Any total, however absurd: no overflow, no panic, a bounded line.
#[test]
fn progress_any_total_is_safe() {
    for (done, total) in [
        (u64::MAX, u64::MAX),
        (0, u64::MAX),
        (1 << 43, 1 << 44),
        ((u64::from(u32::MAX)) << 10, (u64::from(u32::MAX)) << 10),
    ] {
        for ms in [0, 1000, u64::MAX] {
            for db in [0, 1 << 20, u64::MAX] {
                let s = line(&progress(Action::Resync, done, total, ms, db));
                assert!(s.len() < 300, "{s}");
            }
        }
    }
}

/// On a 64-bit kernel (sizeof(sector_t) == sizeof(unsigned long)) md skips the
/// scale loop and divides by `(u32)((max_sectors>>10)+1)`: from 2^42 sectors
/// (2 PiB) on the divisor is truncated and md prints nonsense (or, for
/// max_sectors>>10 == 0xffffffff, divides by zero). write_progress prints the
/// sane scaled value instead. Not an error worth copying, but it is a
/// difference from "exactly what md prints".
#[test]
fn huge_totals_as_md_on_64_bit() {
    // 3 PiB half done: (max>>10)+1 = 3*2^31+1 -> (u32) 2^31+1; (3*2^30)*1000/(2^31+1) = 1499.
    let p = progress(Action::Resync, 3 << 40, 3 << 41, 1000, 1 << 20);
    assert_eq!(
        md_status_resync("resync", 3 << 40, 3 << 41, 1000, 1 << 20),
        "[=============================>]  resync =149.9% (1649267441664/3298534883328) finish=52427.2min speed=524288K/sec"
    );
    assert_eq!(
        line(&p),
        md_status_resync("resync", 3 << 40, 3 << 41, 1000, 1 << 20)
    );
    // 8 PiB half done: divisor (u32)(2^34+1) = 1; per_milli = (u32)(2^33*1000) = 0.
    assert_eq!(
        line(&progress(Action::Resync, 1 << 43, 1 << 44, 2000, 1 << 21)),
        "[>....................]  resync =  0.0% (4398046511104/8796093022208) finish=139808.0min speed=524288K/sec"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Wherever md's u32 divisor does not truncate (max_sectors < 2^42 - 1024),
    /// write_progress is byte-identical to md's status_resync.
    #[test]
    fn progress_matches_md_transcription(
        total in prop_oneof![1u64..4096, 1u64..(1 << 30), 1u64..((u64::from(u32::MAX) - 1) << 10)],
        frac in 0u64..=1100,
        ms in prop_oneof![0u64..3000, 0u64..40_000, 0u64..(1 << 32)],
        db in prop_oneof![0u64..64, 0u64..(1 << 22), 0u64..(1 << 40)],
        action in prop_oneof![Just(Action::Resync), Just(Action::Recover), Just(Action::Check), Just(Action::Repair)],
    ) {
        let done = ((u128::from(total) * u128::from(frac)) / 1000) as u64;
        let p = progress(action, done, total, ms, db);
        prop_assert_eq!(line(&p), md_status_resync(action.mdstat(), done, total, ms, db));
    }
}

// ---------------------------------------------------------------------------
// The whole array block in /proc/mdstat (md_seq_show + raid1_status + status_resync)
// ---------------------------------------------------------------------------

fn member(name: &str, desc_nr: i32) -> Member<'_> {
    Member {
        name,
        desc_nr,
        flags: MemberFlags::default(),
        sectors: 260096,
    }
}

fn array<'a>(
    members: &'a [Member<'a>],
    in_sync: &'a [bool],
    auto_ro: bool,
    sync: Option<SyncLine>,
) -> ArrayStatus<'a> {
    ArrayStatus {
        name: "md0",
        members,
        running: Some(Running {
            personality: "raid1",
            broken: false,
            read_only: false,
            auto_read_only: auto_ro,
            array_sectors: 260096,
            raid_disks: 2,
            in_sync,
            sync,
        }),
        metadata: Metadata::Persistent { major: 1, minor: 2 },
        raid_disks: 2,
        bitmap: None,
    }
}

fn block(a: &ArrayStatus<'_>) -> String {
    let mut s = String::new();
    write_array(&mut s, a).unwrap();
    s
}

#[test]
fn mdstat_block_during_resync_as_c_md() {
    // explore1 on the C md (cat /proc/mdstat during the initial resync):
    //   md0 : active raid1 vdb[1] vda[0]
    //         130048 blocks super 1.2 [2/2] [UU]
    //         [>....................]  resync =  2.3% (3328/130048) finish=0.6min speed=3328K/sec
    //         (six spaces)
    let members = [member("vdb", 1), member("vda", 0)];
    let a = array(
        &members,
        &[true, true],
        false,
        Some(SyncLine::Progress(progress(
            Action::Resync,
            6656,
            260096,
            1500,
            6656,
        ))),
    );
    assert_eq!(
        block(&a),
        "md0 : active raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      \
         [>....................]  resync =  2.3% (3328/130048) finish=0.6min speed=3328K/sec\n      \n"
    );
    for &(action, done_kib, ms, db, want) in C_MD_LINES.iter().filter(|c| c.0 == Action::Resync) {
        let a = array(
            &members,
            &[true, true],
            false,
            Some(SyncLine::Progress(progress(
                action,
                done_kib * 2,
                260096,
                ms,
                db,
            ))),
        );
        assert_eq!(
            block(&a),
            format!("md0 : active raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      {want}\n      \n")
        );
    }
}

#[test]
fn mdstat_block_during_recovery_and_check() {
    // Recovery onto a re-added mirror: in a slot but not in sync, so [2/1] [U_].
    let members = [member("vdb", 2), member("vda", 0)];
    let a = array(
        &members,
        &[true, false],
        false,
        Some(SyncLine::Progress(progress(
            Action::Recover,
            12672,
            260096,
            1000,
            12672,
        ))),
    );
    assert_eq!(
        block(&a),
        "md0 : active raid1 vdb[2] vda[0]\n      130048 blocks super 1.2 [2/1] [U_]\n      \
         [>....................]  recovery =  4.7% (6336/130048) finish=0.3min speed=6336K/sec\n      \n"
    );
    let members = [member("vdb", 1), member("vda", 0)];
    let a = array(
        &members,
        &[true, true],
        false,
        Some(SyncLine::Progress(progress(
            Action::Check,
            78848,
            260096,
            1000,
            78848,
        ))),
    );
    assert_eq!(
        block(&a),
        "md0 : active raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      \
         [======>..............]  check = 30.1% (39424/130048) finish=0.0min speed=39424K/sec\n      \n"
    );
}

#[test]
fn mdstat_block_resync_pending_and_delayed() {
    // status_resync: seq_printf(seq, "\tresync=PENDING"); return 1; -> md_seq_show adds "\n      ".
    let members = [member("vdb", 1), member("vda", 0)];
    let a = array(&members, &[true, true], true, Some(SyncLine::Pending));
    assert_eq!(
        block(&a),
        "md0 : active (auto-read-only) raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      \tresync=PENDING\n      \n"
    );
    let a = array(&members, &[true, true], false, Some(SyncLine::Delayed));
    assert_eq!(
        block(&a),
        "md0 : active raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      \tresync=DELAYED\n      \n"
    );
    // No sync: status_resync returns 0, nothing but the "\n      " after the status.
    let a = array(&members, &[true, true], false, None);
    assert_eq!(
        block(&a),
        "md0 : active raid1 vdb[1] vda[0]\n      130048 blocks super 1.2 [2/2] [UU]\n      \n"
    );
}
