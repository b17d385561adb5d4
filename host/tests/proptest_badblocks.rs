//! Property tests of the bad-block list against a plain per-sector model: random
//! sets, clears, checks and acknowledgements keep the entries sorted, disjoint and at
//! most 512 sectors long, agree sector for sector with the model (acknowledged wins),
//! answer `check` as md expects, and survive the on-disk log's round trip; with the
//! list driven full, `set` only ever adds what was asked and never loses a sector.
//! Random bytes never make the log decoder or the sysfs parser panic (the fuzz
//! target's check).

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_md_host::badblocks::log;
use rust_md_host::badblocks::*;
use rust_md_host::fuzzing::check_badblocks_log;

#[derive(Clone, Debug)]
enum Op {
    Set(u64, u64, bool),
    Clear(u64, u64),
    Check(u64, u64),
    AckAll,
    Written,
}

fn op(space: u64, max_len: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..space, 1..=max_len, any::<bool>()).prop_map(|(s, n, a)| Op::Set(s, n, a)),
        2 => (0..space, 1..=max_len).prop_map(|(s, n)| Op::Clear(s, n)),
        2 => (0..space, 1..=max_len).prop_map(|(s, n)| Op::Check(s, n)),
        1 => Just(Op::AckAll),
        1 => Just(Op::Written),
    ]
}

/// sector -> acknowledged
type Model = BTreeMap<u64, bool>;

fn sectors_of(bb: &BadBlocks) -> Model {
    let mut m = Model::new();
    for r in bb.ranges() {
        for x in r.start..r.end() {
            m.insert(x, r.acked);
        }
    }
    m
}

fn well_formed(bb: &BadBlocks) {
    let v: Vec<Range> = bb.ranges().collect();
    assert_eq!(v.len(), bb.count());
    assert!(bb.count() <= MAX_ENTRIES);
    for r in &v {
        assert!((1..=MAX_RANGE).contains(&r.sectors), "{r:?}");
    }
    for w in v.windows(2) {
        assert!(w[0].end() <= w[1].start, "{:?} then {:?}", w[0], w[1]);
    }
    if v.iter().any(|r| !r.acked) {
        assert!(bb.unacked_exist());
    }
}

fn model_check(m: &Model, bb: &BadBlocks, s: u64, n: u64) -> Check {
    let bad: Vec<(u64, bool)> = m.range(s..s + n).map(|(&x, &a)| (x, a)).collect();
    let Some(&(lo, _)) = bad.first() else {
        return Check::Good;
    };
    let r = bb.ranges().find(|r| r.start <= lo && lo < r.end()).unwrap();
    Check::Bad {
        first: r.start,
        sectors: r.sectors,
        acked: bad.iter().all(|&(_, a)| a),
    }
}

fn show(bb: &BadBlocks, unack: bool) -> String {
    let mut page = vec![0u8; PAGE_BYTES];
    let n = bb.show(unack, &mut page);
    String::from_utf8(page[..n].to_vec()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Never near full: every operation does exactly what the model does.
    #[test]
    fn agrees_with_per_sector_model(ops in prop::collection::vec(op(3000, 1100), 1..60)) {
        let mut bb = BadBlocks::new();
        let mut m = Model::new();
        for o in &ops {
            match *o {
                Op::Set(s, n, a) => {
                    // False (md's "nothing added") only for an unacknowledged range
                    // wholly acknowledged already (and even then true when entries
                    // it walks over could be joined, as md's).
                    let noop = !a && (s..s + n).all(|x| m.get(&x) == Some(&true));
                    let changed = bb.changed();
                    let ok = bb.set(s, n, a);
                    prop_assert!(ok || noop);
                    prop_assert_eq!(bb.changed(), changed || ok);
                    for x in s..s + n {
                        let e = m.entry(x).or_insert(a);
                        *e |= a;
                    }
                }
                Op::Clear(s, n) => {
                    prop_assert!(bb.clear(s, n));
                    for x in s..s + n {
                        m.remove(&x);
                    }
                    prop_assert!(bb.changed());
                }
                Op::Check(s, n) => {
                    prop_assert_eq!(bb.check(s, n), model_check(&m, &bb, s, n));
                }
                Op::AckAll => {
                    let changed = bb.changed();
                    bb.ack_all();
                    if !changed {
                        for a in m.values_mut() {
                            *a = true;
                        }
                        prop_assert!(!bb.unacked_exist());
                    }
                }
                Op::Written => bb.set_changed(false),
            }
            well_formed(&bb);
            prop_assert_eq!(&sectors_of(&bb), &m);
        }
        // sysfs text: one line per entry; the unacknowledged file only those.
        let all: String = bb.ranges().map(|r| format!("{} {}\n", r.start, r.sectors)).collect();
        let unack: String = bb
            .ranges()
            .filter(|r| !r.acked)
            .map(|r| format!("{} {}\n", r.start, r.sectors))
            .collect();
        prop_assert_eq!(show(&bb, false), all);
        prop_assert_eq!(show(&bb, true), unack.clone());
        if unack.is_empty() {
            prop_assert!(!bb.unacked_exist());
        }
        // The on-disk log: what comes back is the same sectors, all acknowledged, and
        // a second round trip changes nothing.
        let mut page = vec![0u8; log::LOG_BYTES];
        prop_assert_eq!(log::encode(&bb, &mut page), bb.count());
        let mut back = BadBlocks::disabled();
        prop_assert_eq!(log::decode(&page, 0, 1 << 40, &mut back), Ok(()));
        let acked: Model = m.keys().map(|&x| (x, true)).collect();
        prop_assert_eq!(sectors_of(&back), acked);
        let mut page2 = vec![0u8; log::LOG_BYTES];
        log::encode(&back, &mut page2);
        let mut again = BadBlocks::disabled();
        prop_assert_eq!(log::decode(&page2, 0, 1 << 40, &mut again), Ok(()));
        let mut page3 = vec![0u8; log::LOG_BYTES];
        log::encode(&again, &mut page3);
        prop_assert_eq!(page2, page3);
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 200, ..ProptestConfig::default() })]

    /// Driven to full: a set adds only sectors it was asked for, never drops or
    /// unacknowledges one; false means nothing changed. A clear removes only sectors
    /// it was asked for; false means nothing changed.
    #[test]
    fn full_list_never_loses_sectors(
        seeds in prop::collection::vec((0u64..700, 1u64..4, any::<bool>()), 500..900),
        tail in prop::collection::vec(op(3000, 40), 1..40),
    ) {
        let mut bb = BadBlocks::new();
        let ops = seeds
            .iter()
            .map(|&(k, n, a)| Op::Set(k * 4, n, a))
            .chain(tail.iter().cloned());
        for o in ops {
            let before = sectors_of(&bb);
            let count = bb.count();
            match o {
                Op::Set(s, n, a) => {
                    let ok = bb.set(s, n, a);
                    let after = sectors_of(&bb);
                    for (x, &acked) in &before {
                        prop_assert!(after.get(x).is_some_and(|&b| b || !acked), "lost {x}");
                    }
                    for (x, &acked) in &after {
                        match before.get(x) {
                            Some(&was) => prop_assert!(acked == was || (acked && a)),
                            None => prop_assert!((s..s + n).contains(x) && acked == a),
                        }
                    }
                    if !ok {
                        prop_assert_eq!(&after, &before);
                    }
                    let noop = !a && (s..s + n).all(|x| before.get(&x) == Some(&true));
                    if (count as u64) + 2 * (n + 1) < MAX_ENTRIES as u64 && !noop {
                        // Room for it (each sector walked over adds at most two entries): all
                        // of it recorded.
                        prop_assert!(ok);
                        for x in s..s + n {
                            prop_assert!(after.contains_key(&x));
                        }
                    }
                }
                Op::Clear(s, n) => {
                    let ok = bb.clear(s, n);
                    let after = sectors_of(&bb);
                    for (x, a) in &before {
                        if !(s..s + n).contains(x) {
                            prop_assert_eq!(after.get(x), Some(a));
                        }
                    }
                    prop_assert!(after.keys().all(|x| before.contains_key(x)));
                    if ok {
                        prop_assert!(after.keys().all(|x| !(s..s + n).contains(x)));
                    } else {
                        prop_assert_eq!(&after, &before);
                    }
                }
                Op::Check(s, n) => {
                    prop_assert_eq!(bb.check(s, n), model_check(&before, &bb, s, n));
                }
                Op::AckAll => bb.ack_all(),
                Op::Written => bb.set_changed(false),
            }
            well_formed(&bb);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// With a shift, set and check round outward and clear inward to blocks.
    #[test]
    fn shift_rounds(shift in 1u32..5, s in 0u64..2000, n in 1u64..700, cs in 0u64..2000, cn in 1u64..300) {
        let b = 1u64 << shift;
        let mut bb = BadBlocks::new();
        bb.set_shift(shift);
        prop_assert!(bb.set(s, n, true));
        let lo = s / b * b;
        let hi = (s + n).div_ceil(b) * b;
        let want: Model = (lo..hi).map(|x| (x, true)).collect();
        prop_assert_eq!(sectors_of(&bb), want.clone());
        prop_assert!(bb.clear(cs, cn));
        let clo = cs.div_ceil(b) * b;
        let chi = (cs + cn) / b * b;
        let want: Model = want.into_iter().filter(|(x, _)| !(clo <= *x && *x < chi)).collect();
        prop_assert_eq!(sectors_of(&bb), want);
    }

    /// Random bytes: the log decoder and the sysfs parser never panic, and what they
    /// accept obeys their contracts.
    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600)) {
        check_badblocks_log(&data);
    }

    /// Random but plausible logs: entries of random starts and lengths.
    #[test]
    fn random_logs(shift in 0u8..4, dev in 0u64..100_000, ents in prop::collection::vec((0u64..20_000, 0u64..1024), 0..40)) {
        let mut data = vec![shift];
        data.extend_from_slice(&dev.to_le_bytes());
        for (s, n) in ents {
            data.extend_from_slice(&(s << 10 | n).to_le_bytes());
        }
        check_badblocks_log(&data);
    }
}
