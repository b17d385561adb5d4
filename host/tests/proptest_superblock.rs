//! Property tests: random valid superblocks round-trip byte for byte; random mutations
//! of valid ones and random bytes never panic and are accepted (and then re-encode
//! exactly) or refused with a reason.

use proptest::prelude::*;
use rust_md_host::fuzzing::check_decode;
use rust_md_host::superblock::*;

/// splitmix64: a small deterministic generator fed by proptest's seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        core::array::from_fn(|_| self.next() as u8)
    }
}

/// A random superblock that md would accept on a v1.`minor` device of `dev_sectors`.
fn valid_sb1(minor: u32, dev_sectors: u64, seed: u64) -> Sb1 {
    let mut r = Rng(seed);
    let mut sb = Sb1::new();
    sb.max_dev = match r.next() % 4 {
        0 => r.range(1, 1920),
        1 => 128,
        2 => r.range(1, 8),
        _ => 384,
    } as u32;
    sb.raid_disks = r.range(0, u64::from(sb.max_dev).min(64)) as u32;
    sb.dev_number = r.range(0, u64::from(sb.max_dev) - 1) as u32;
    sb.level = [-1, 0, 1, 4, 5, 6, 10][r.range(0, 6) as usize];

    let mut f = 0;
    for bit in [
        FEATURE_BITMAP_OFFSET,
        FEATURE_RECOVERY_OFFSET,
        FEATURE_RESHAPE_ACTIVE,
        FEATURE_BAD_BLOCKS,
        FEATURE_REPLACEMENT,
        FEATURE_RESHAPE_BACKWARDS,
        FEATURE_NEW_OFFSET,
        FEATURE_RECOVERY_BITMAP,
        FEATURE_CLUSTERED,
        FEATURE_JOURNAL,
    ] {
        if r.chance(4) {
            f |= bit;
        }
    }
    if f & (FEATURE_BITMAP_OFFSET | FEATURE_JOURNAL) == 0 && r.chance(4) {
        f |= if r.chance(2) {
            FEATURE_PPL
        } else {
            FEATURE_MULTIPLE_PPLS
        };
    }
    if sb.level == 0 && r.chance(2) {
        f |= FEATURE_RAID0_LAYOUT;
    }
    sb.feature_map = f;
    if f & FEATURE_RESHAPE_ACTIVE != 0 {
        sb.delta_disks = r.range(0, 4) as i32 - 2;
        sb.reshape_position = r.next();
        sb.new_level = r.next() as i32;
        sb.new_layout = r.next() as u32;
        sb.new_chunk = r.next() as u32;
    }

    sb.super_offset = sb_offset_sectors(minor, dev_sectors).unwrap();
    sb.bblog_size = if r.chance(3) { 0 } else { r.range(1, 8) as u16 };
    if minor == 0 {
        // Data first, then the bad block log (if any), then the superblock.
        let gap = r.range(0, 64);
        let bbl_start = sb.super_offset - u64::from(sb.bblog_size) - gap;
        if sb.bblog_size > 0 {
            sb.bblog_offset = -((u64::from(sb.bblog_size) + gap) as i32);
        }
        sb.data_offset = r.range(0, 1024);
        let room = bbl_start - sb.data_offset;
        sb.data_size = r.range(10, room);
    } else {
        // Superblock, then the bad block log, then data.
        let sb_end = sb.super_offset + sb.sb_sectors();
        let bbl_at = sb.sb_sectors() + r.range(0, 64);
        if sb.bblog_size > 0 {
            sb.bblog_offset = bbl_at as i32;
        }
        let lowest = sb.super_offset + bbl_at + u64::from(sb.bblog_size);
        sb.data_offset = lowest.max(sb_end) + r.range(0, 4096);
        sb.data_size = r.range(10, dev_sectors - sb.data_offset);
        if f & FEATURE_RESHAPE_ACTIVE != 0 && f & FEATURE_NEW_OFFSET != 0 {
            let down = (sb.data_offset - sb_end).min(i32::MAX as u64);
            sb.new_offset = r.range(0, down) as i32 - r.range(0, down / 2) as i32;
            if sb.new_offset < 0 && sb.new_offset.unsigned_abs() as u64 > sb.data_offset - sb_end {
                sb.new_offset = 0;
            }
        }
    }
    if sb.bblog_size == 0 && r.chance(2) {
        // An offset with no size reserves nothing.
        sb.bblog_offset = r.next() as i32;
        sb.bblog_size = 0;
    }
    if f & FEATURE_BAD_BLOCKS != 0 && sb.bblog_offset == 0 {
        sb.feature_map &= !FEATURE_BAD_BLOCKS;
    }
    sb.bblog_shift = if sb.feature_map & FEATURE_BAD_BLOCKS != 0 {
        r.range(0, 63) as u8
    } else {
        r.next() as u8
    };
    sb.size = if sb.level >= 1 {
        r.range(0, sb.data_size)
    } else {
        r.next()
    };

    sb.set_uuid = r.bytes();
    sb.set_name = r.bytes();
    sb.device_uuid = r.bytes();
    sb.ctime = r.next();
    sb.utime = r.next();
    sb.layout = r.next() as u32;
    sb.chunksize = r.next() as u32;
    sb.bitmap_offset = r.next() as u32;
    sb.recovery_offset = r.next();
    sb.cnt_corrected_read = r.next() as u32;
    sb.devflags = r.next() as u8;
    sb.events = r.next();
    sb.resync_offset = match r.next() % 3 {
        0 => MAX_SECTOR,
        1 => 0,
        _ => r.next(),
    };
    let limit = sb.role_limit();
    for i in 0..sb.max_dev {
        let role = match r.next() % 4 {
            0 if limit > 0 => Role::Active(r.range(0, u64::from(limit) - 1) as u16),
            1 => Role::Faulty,
            2 if sb.feature_map & FEATURE_JOURNAL != 0 => Role::Journal,
            _ => Role::Spare,
        };
        sb.set_role(i, role).unwrap();
    }
    sb.update_csum().unwrap();
    sb
}

fn minor_and_size() -> impl Strategy<Value = (u32, u64)> {
    (
        0u32..3,
        prop_oneof![8192u64..1 << 20, (1u64 << 20)..(1 << 44)],
    )
}

fn fuzz_input(sel: u8, dev_sectors: u64, buf: &[u8]) -> Vec<u8> {
    let mut v = vec![sel];
    v.extend_from_slice(&dev_sectors.to_le_bytes());
    v.extend_from_slice(buf);
    v
}

/// A random v0.90 superblock that md would accept on a device of `dev_sectors`.
fn valid_sb0(dev_sectors: u64, seed: u64) -> Sb0 {
    let mut r = Rng(seed);
    let mut sb = Sb0::new();
    sb.md_magic = MD_SB_MAGIC;
    sb.minor_version = r.range(90, 91) as u32;
    sb.patch_version = r.next() as u32;
    sb.raid_disks = r.range(1, 27) as u32;
    sb.nr_disks = r.range(0, 27) as u32;
    sb.level = [-1, 0, 1, 4, 5, 6, 10][r.range(0, 6) as usize];
    let sectors = sb0_offset_sectors(dev_sectors).unwrap().min((2 << 32) - 2);
    sb.size = if sb.level == 0 {
        r.next() as u32
    } else {
        r.range(0, sectors / 2) as u32
    };
    for w in [
        &mut sb.gvalid_words,
        &mut sb.set_uuid0,
        &mut sb.ctime,
        &mut sb.md_minor,
        &mut sb.set_uuid1,
        &mut sb.set_uuid2,
        &mut sb.set_uuid3,
        &mut sb.utime,
        &mut sb.state,
        &mut sb.active_disks,
        &mut sb.events_lo,
        &mut sb.events_hi,
        &mut sb.cp_events_lo,
        &mut sb.recovery_cp,
        &mut sb.layout,
        &mut sb.chunk_size,
    ] {
        *w = r.next() as u32;
    }
    sb.reshape_position = r.next();
    for (i, d) in sb.disks.iter_mut().enumerate() {
        d.number = i as u32;
        d.major = r.next() as u32;
        d.minor = r.next() as u32;
        d.state = r.next() as u32 & 0x60f;
        d.raid_disk = if d.state & (DISK_ACTIVE | DISK_SYNC) != 0 {
            r.range(0, 26) as u32
        } else {
            r.next() as u32
        };
    }
    sb.this_disk = sb.disks[r.range(0, 26) as usize];
    sb.update_csum();
    sb
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn valid_sb1_round_trips((minor, dev) in minor_and_size(), seed in any::<u64>()) {
        let sb = valid_sb1(minor, dev, seed);
        let mut buf = vec![0u8; 4096];
        let n = sb.encode(&mut buf).unwrap();
        let back = Sb1::decode(&buf, minor, dev);
        prop_assert_eq!(back.as_ref(), Ok(&sb));
        let mut again = vec![0u8; 4096];
        prop_assert_eq!(back.unwrap().encode(&mut again), Ok(n));
        prop_assert_eq!(&buf[..n], &again[..n]);
        prop_assert!(check_decode(&fuzz_input(minor as u8, dev, &buf)));
    }

    #[test]
    fn mutated_sb1_never_panics(
        (minor, dev) in minor_and_size(),
        seed in any::<u64>(),
        edits in prop::collection::vec((0usize..4096, any::<u8>()), 1..8),
        fix_csum in any::<bool>(),
        wrong_geometry in 0u8..8,
    ) {
        let sb = valid_sb1(minor, dev, seed);
        let mut buf = vec![0u8; 4096];
        let n = sb.encode(&mut buf).unwrap();
        for (pos, val) in edits {
            // Mostly inside the superblock proper.
            buf[if pos % 4 == 0 { pos } else { pos % n }] = val;
        }
        let (minor, dev) = match wrong_geometry {
            0 => ((minor + 1) % 3, dev),
            1 => (minor, dev.saturating_sub(8)),
            _ => (minor, dev),
        };
        let sel = minor as u8 | if fix_csum { 4 } else { 0 };
        let input = fuzz_input(sel, dev, &buf);
        check_decode(&input);
        if let Err(e) = Sb1::decode(&buf, minor, dev) {
            prop_assert!(!e.reason().is_empty());
        }
    }

    #[test]
    fn valid_sb0_round_trips(dev in 256u64..1 << 44, seed in any::<u64>()) {
        let sb = valid_sb0(dev, seed);
        let mut buf = vec![0u8; 4096];
        sb.encode(&mut buf).unwrap();
        let back = Sb0::decode(&buf, dev);
        prop_assert_eq!(back.as_ref(), Ok(&sb));
        prop_assert!(check_decode(&fuzz_input(3, dev, &buf)));
    }

    #[test]
    fn mutated_sb0_never_panics(
        dev in 256u64..1 << 44,
        seed in any::<u64>(),
        edits in prop::collection::vec((0usize..4096, any::<u8>()), 1..8),
        fix_csum in any::<bool>(),
    ) {
        let sb = valid_sb0(dev, seed);
        let mut buf = vec![0u8; 4096];
        sb.encode(&mut buf).unwrap();
        for (pos, val) in edits {
            buf[pos] = val;
        }
        check_decode(&fuzz_input(3 | if fix_csum { 4 } else { 0 }, dev, &buf));
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..5000)) {
        check_decode(&data);
    }

    #[test]
    fn events_round_trip(start in 2u64..u64::MAX - 2, degraded in any::<bool>()) {
        // clean -> dirty -> clean on a quiet array comes back to where it was, unless
        // the array is degraded, when both steps go forward.
        let up = |can_decrease, in_sync| EventsUpdate {
            clean_change_only: true,
            degraded,
            in_sync,
            resync_done: in_sync,
            can_decrease,
            ..Default::default()
        };
        let dirty = next_events(start, up(false, false));
        prop_assert_eq!(dirty.events, start + 1);
        let clean = next_events(dirty.events, up(dirty.can_decrease, true));
        prop_assert_eq!(clean.events, if degraded { start + 2 } else { start });
        prop_assert!(!clean.can_decrease || degraded);
    }

    #[test]
    fn freshest_is_newest_non_spare(
        members in prop::collection::vec((0u64..20, any::<bool>()), 0..12),
    ) {
        let members: Vec<Member> =
            members.iter().map(|&(events, is_spare)| Member { events, is_spare }).collect();
        match pick_freshest(&members) {
            None => prop_assert!(members.iter().all(|m| m.is_spare)),
            Some(i) => {
                let best = members[i];
                prop_assert!(!best.is_spare);
                for (j, m) in members.iter().enumerate() {
                    if !m.is_spare {
                        prop_assert!(m.events <= best.events);
                        if j < i {
                            prop_assert!(m.events < best.events);
                        }
                    }
                    let v = freshness(*m, best.events);
                    prop_assert_eq!(v == Freshness::Stale, !m.is_spare && m.events + 1 < best.events);
                }
            }
        }
    }
}
