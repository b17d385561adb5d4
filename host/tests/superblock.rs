//! Handmade vectors, round trips, every refusal, the update functions and the
//! assembly freshness rule.

mod common;

use common::*;
use rust_md_host::superblock::*;

const MINORS: [u32; 3] = [0, 1, 2];

#[test]
fn offsets() {
    assert_eq!(sb_offset_sectors(2, DEV_SECTORS), Some(8));
    assert_eq!(sb_offset_sectors(1, DEV_SECTORS), Some(0));
    assert_eq!(sb_offset_sectors(0, DEV_SECTORS), Some(131056));
    assert_eq!(sb_offset_sectors(0, 131071), Some(131048));
    assert_eq!(sb_offset_sectors(0, 15), None);
    assert_eq!(sb_offset_sectors(0, 16), Some(0));
    assert_eq!(sb_offset_sectors(3, DEV_SECTORS), None);
    // v0.90: last 64 KiB-aligned 64 KiB.
    assert_eq!(sb0_offset_sectors(DEV_SECTORS), Some(DEV_SECTORS - 128));
    assert_eq!(
        sb0_offset_sectors(DEV_SECTORS + 127),
        Some(DEV_SECTORS - 128)
    );
    assert_eq!(sb0_offset_sectors(127), None);
}

#[test]
fn mdadm_create_vectors_round_trip() {
    for minor in MINORS {
        for n in 1..=4 {
            for dev in 0..n {
                let sb = mdadm_sb1(minor, n, dev);
                let buf = encode1(&sb);
                let back = Sb1::decode(&buf, minor, DEV_SECTORS).unwrap();
                assert_eq!(back, sb);
                assert_eq!(back.this_role(), Role::Active(dev as u16));
                assert!(!back.is_spare());
                assert!(!back.is_clean());
                assert_eq!(back.name(), b"vm:0");
                let again = encode1(&back);
                assert_eq!(buf[..512], again[..512]);
            }
        }
    }
}

#[test]
fn encode_leaves_rest_of_buffer_alone() {
    let sb = mdadm_sb1(2, 2, 0);
    let mut buf = vec![0xa5u8; 4096];
    assert_eq!(sb.encode(&mut buf), Ok(512));
    assert!(buf[512..].iter().all(|&b| b == 0xa5));
    let mut small = vec![0u8; 511];
    assert_eq!(sb.encode(&mut small), Err(SbError::BufferTooSmall));
}

/// Checksum as an independent reading of md's rule: the whole superblock summed as
/// le32 words (with sb_csum zeroed), the odd le16 tail added, folded once.
fn naive_csum(sb: &[u8]) -> u32 {
    let mut copy = sb.to_vec();
    copy[216..220].fill(0);
    let mut sum = 0u128;
    let mut i = 0;
    while i + 4 <= copy.len() {
        sum += u32::from_le_bytes(copy[i..i + 4].try_into().unwrap()) as u128;
        i += 4;
    }
    if i + 2 == copy.len() {
        sum += u16::from_le_bytes(copy[i..i + 2].try_into().unwrap()) as u128;
    }
    ((sum & 0xffff_ffff) + (sum >> 32)) as u32
}

#[test]
fn checksum_matches_md_rule_including_odd_max_dev() {
    for max_dev in [0u32, 1, 2, 3, 127, 128, 1919, 1920] {
        let mut sb = mdadm_sb1(2, 1, 0);
        sb.max_dev = max_dev;
        for r in sb.dev_roles.iter_mut().take(max_dev as usize) {
            *r = 0xffff;
        }
        sb.events = 0xffff_ffff_0000_0001;
        sb.resync_offset = MAX_SECTOR;
        let buf = encode1(&sb);
        let len = sb.sb_bytes();
        let stored = u32::from_le_bytes(buf[216..220].try_into().unwrap());
        assert_eq!(stored, naive_csum(&buf[..len]), "max_dev {max_dev}");
        assert_eq!(stored, sb1_checksum(&buf[..len]));
    }
}

#[test]
fn uuid_formats() {
    let sb = mdadm_sb1(2, 2, 0);
    assert_eq!(
        sb.mdadm_uuid().to_string(),
        "3aaa0122:29827cfa:5331ad66:ca767371"
    );
    assert_eq!(
        sb.sysfs_uuid().to_string(),
        "3aaa0122-2982-7cfa-5331-ad66ca767371"
    );
    let mut out = [0u8; 36];
    assert_eq!(sb.sysfs_uuid().write_to(&mut out), Ok(36));
    assert_eq!(&out, b"3aaa0122-2982-7cfa-5331-ad66ca767371");
    assert_eq!(sb.mdadm_uuid().write_to(&mut out), Ok(35));
    assert_eq!(
        sb.mdadm_uuid().write_to(&mut [0u8; 35][..34]),
        Err(SbError::BufferTooSmall)
    );
    // v0.90: mdadm prints each native word with %08x; md keeps the words' bytes.
    let sb0 = mdadm_sb0(2, 0);
    assert_eq!(
        sb0.mdadm_uuid().to_string(),
        "2201aa3a:fa7c8229:66ad3153:717376ca"
    );
    assert_eq!(sb0.uuid(), SET_UUID);
    assert_eq!(
        sb0.sysfs_uuid().to_string(),
        "3aaa0122-2982-7cfa-5331-ad66ca767371"
    );
}

#[test]
fn accessors() {
    let mut sb = mdadm_sb1(2, 2, 1);
    sb.ctime = (123_456 << 40) | 1_700_000_000;
    sb.utime = (7 << 40) | 1_700_000_500;
    assert_eq!(sb.ctime_secs(), 1_700_000_000);
    assert_eq!(sb.utime_secs(), 1_700_000_500);
    assert_eq!(sb.level(), 1);
    sb.set_name(&[b'x'; 32]).unwrap();
    assert_eq!(sb.name(), &[b'x'; 32]);
    sb.set_name(b"foo").unwrap();
    assert_eq!(sb.name(), b"foo");
    assert_eq!(&sb.set_name[..5], b"foo\0\0");
    assert_eq!(sb.set_name(&[b'y'; 33]), Err(SbError::BufferTooSmall));
    assert_eq!(sb.bitmap_offset(), None);
    sb.feature_map |= FEATURE_BITMAP_OFFSET;
    sb.bitmap_offset = (-16i32) as u32;
    assert_eq!(sb.bitmap_offset(), Some(-16));
    sb.feature_map = FEATURE_PPL;
    sb.bitmap_offset = u32::from_le_bytes([0xf8, 0xff, 0x10, 0x00]);
    assert_eq!(sb.ppl(), Some((-8, 16)));
    assert_eq!(sb.sb_sectors(), 1);
    sb.max_dev = 129;
    assert_eq!(sb.sb_sectors(), 2);
    assert_eq!(sb.role_of(5000), None);
    assert_eq!(sb.new_data_offset(), Some(2048));
    sb.feature_map = FEATURE_RESHAPE_ACTIVE | FEATURE_NEW_OFFSET;
    sb.new_offset = -1024;
    assert_eq!(sb.new_data_offset(), Some(1024));
}

#[test]
fn roles() {
    assert_eq!(Role::from_raw(0xffff), Role::Spare);
    assert_eq!(Role::from_raw(0xfffe), Role::Faulty);
    assert_eq!(Role::from_raw(0xfffd), Role::Journal);
    assert_eq!(Role::from_raw(3), Role::Active(3));
    for r in [0u16, 7, 0xfffd, 0xfffe, 0xffff] {
        assert_eq!(Role::from_raw(r).raw(), r);
    }
    let mut sb = mdadm_sb1(2, 2, 1);
    sb.set_faulty(1).unwrap();
    assert_eq!(sb.this_role(), Role::Faulty);
    assert!(sb.is_spare());
    sb.set_spare(1).unwrap();
    assert_eq!(sb.role_of(1), Some(Role::Spare));
    sb.set_slot(1, 1).unwrap();
    assert_eq!(sb.this_role(), Role::Active(1));
    assert_eq!(sb.set_slot(1, 0xff00), Err(SbError::BadRole));
    // Growing max_dev like super_1_sync: new entries are spares.
    sb.set_slot(200, 1).unwrap();
    assert_eq!(sb.max_dev, 201);
    assert!(sb.roles()[128..200].iter().all(|&r| r == ROLE_SPARE));
    assert_eq!(
        sb.set_role(1920, Role::Spare),
        Err(SbError::DevNumberOutOfRange)
    );
    sb.set_role(1919, Role::Spare).unwrap();
    assert_eq!(sb.max_dev, 1920);
    sb.update_csum().unwrap();
    let buf = encode1(&sb);
    assert_eq!(Sb1::decode(&buf, 2, DEV_SECTORS).unwrap(), sb);
    // Journal role counts as not spare, like md.
    sb.feature_map |= FEATURE_JOURNAL;
    sb.set_role(1, Role::Journal).unwrap();
    assert!(!sb.is_spare());
}

#[test]
fn dirty_clean_recovery_utime() {
    let mut sb = mdadm_sb1(2, 2, 0);
    sb.mark_clean(MAX_SECTOR);
    assert!(sb.is_clean());
    sb.mark_dirty();
    assert_eq!(sb.resync_offset, 0);
    sb.mark_clean(4096);
    assert_eq!(sb.resync_offset, 4096);
    assert!(!sb.is_clean());

    sb.set_recovery_offset(Some(1234));
    assert_eq!(
        sb.feature_map & FEATURE_RECOVERY_OFFSET,
        FEATURE_RECOVERY_OFFSET
    );
    assert_eq!(sb.recovery(), Some(1234));
    let buf = encode1(&sb);
    assert_eq!(&buf[152..160], &1234u64.to_le_bytes());
    assert_eq!(buf[8] & 2, 2);
    assert_eq!(
        Sb1::decode(&buf, 2, DEV_SECTORS).unwrap().recovery(),
        Some(1234)
    );
    sb.set_recovery_offset(None);
    assert_eq!(sb.feature_map & FEATURE_RECOVERY_OFFSET, 0);
    assert_eq!(sb.recovery(), None);
    assert_eq!(sb.recovery_offset, 0);

    sb.set_utime(1_800_000_000);
    assert_eq!(sb.utime_secs(), 1_800_000_000);
    let buf = encode1(&sb);
    assert_eq!(&buf[192..200], &1_800_000_000u64.to_le_bytes());
}

fn clean_change(can_decrease: bool, in_sync: bool) -> EventsUpdate {
    EventsUpdate {
        clean_change_only: true,
        in_sync,
        resync_done: in_sync,
        can_decrease,
        ..Default::default()
    }
}

#[test]
fn events_rule() {
    // Plain device change: forward, no rollback allowed afterwards.
    let s = next_events(
        10,
        EventsUpdate {
            force_change: true,
            clean_change_only: true,
            ..Default::default()
        },
    );
    assert_eq!((s.events, s.can_decrease, s.nospares), (11, false, false));

    // clean -> dirty: forward, remembers it may roll back.
    let s = next_events(10, clean_change(false, false));
    assert_eq!((s.events, s.can_decrease, s.nospares), (11, true, true));
    // dirty -> clean right after: back to 10.
    let s = next_events(s.events, clean_change(s.can_decrease, true));
    assert_eq!((s.events, s.can_decrease), (10, false));
    // and the next clean -> dirty goes forward again.
    let s = next_events(s.events, clean_change(s.can_decrease, false));
    assert_eq!((s.events, s.can_decrease), (11, true));

    // Degraded arrays never skip spares, so never roll back.
    let mut u = clean_change(true, true);
    u.degraded = true;
    assert_eq!(next_events(11, u).events, 12);
    // Not fully resynced: forward.
    let mut u = clean_change(true, true);
    u.resync_done = false;
    assert_eq!(next_events(11, u).events, 12);
    // Never back to 0.
    assert_eq!(next_events(1, clean_change(true, true)).events, 2);
    assert_eq!(next_events(0, clean_change(true, true)).events, 1);
    // The counter wraps like md's (md WARNs).
    assert_eq!(next_events(u64::MAX, EventsUpdate::default()).events, 0);

    let mut sb = mdadm_sb1(2, 2, 0);
    sb.events = 41;
    let s = sb.bump_events(clean_change(false, false));
    assert_eq!((sb.events, s.events), (42, 42));
    let mut sb0 = mdadm_sb0(2, 0);
    sb0.set_events(0xffff_ffff);
    sb0.bump_events(EventsUpdate::default());
    assert_eq!(
        (sb0.events_hi, sb0.events_lo, sb0.events()),
        (1, 0, 1 << 32)
    );
}

#[test]
fn sync_sbs_skips_spares() {
    assert!(skip_sync_super(5, 5, false, false));
    assert!(skip_sync_super(4, 5, true, true));
    assert!(!skip_sync_super(4, 5, false, true));
    assert!(!skip_sync_super(4, 5, true, false));
    assert!(!skip_sync_super(3, 5, true, true));
    assert!(!skip_sync_super(u64::MAX, 0, true, true));
}

fn m(events: u64, is_spare: bool) -> Member {
    Member { events, is_spare }
}

#[test]
fn freshest_and_stale_members() {
    assert_eq!(pick_freshest(&[]), None);
    assert_eq!(pick_freshest(&[m(9, true)]), None);
    // Spares never win, even with more events.
    assert_eq!(
        pick_freshest(&[m(5, false), m(9, true), m(7, false)]),
        Some(2)
    );
    // Ties keep the first one.
    assert_eq!(pick_freshest(&[m(7, false), m(7, false)]), Some(0));
    assert_eq!(
        pick_freshest(&[m(6, true), m(3, false), m(7, false), m(7, false)]),
        Some(2)
    );

    assert_eq!(freshness(m(10, false), 10), Freshness::Current);
    assert_eq!(freshness(m(11, true), 10), Freshness::Current);
    assert_eq!(freshness(m(9, false), 10), Freshness::RoleFromFreshest);
    assert_eq!(freshness(m(8, false), 10), Freshness::Stale);
    assert_eq!(freshness(m(0, false), 10), Freshness::Stale);
    // Spares don't need an event count.
    assert_eq!(freshness(m(0, true), 10), Freshness::RoleFromFreshest);
    assert_eq!(
        freshness(m(u64::MAX - 1, false), u64::MAX),
        Freshness::RoleFromFreshest
    );

    let sb = mdadm_sb1(2, 2, 0);
    let mut spare = mdadm_sb1(2, 2, 2);
    spare.set_spare(2).unwrap();
    assert!(!sb.is_spare());
    assert!(spare.is_spare());
    assert!(!mdadm_sb0(2, 0).is_spare());
}

// ---- refusals ----

fn decode_after(minor: u32, f: impl FnOnce(&mut Sb1)) -> Result<Sb1, SbError> {
    let mut sb = mdadm_sb1(minor, 2, 0);
    f(&mut sb);
    let buf = encode1(&sb);
    Sb1::decode(&buf, minor, DEV_SECTORS)
}

fn refuse(minor: u32, err: SbError, f: impl FnOnce(&mut Sb1)) {
    assert_eq!(
        decode_after(minor, f),
        Err(err),
        "v1.{minor}: expected {err}"
    );
}

/// Edits raw bytes, then fixes the checksum.
fn refuse_raw(minor: u32, err: SbError, f: impl FnOnce(&mut [u8])) {
    let sb = mdadm_sb1(minor, 2, 0);
    let mut buf = encode1(&sb);
    f(&mut buf);
    let max_dev = u32::from_le_bytes(buf[220..224].try_into().unwrap()).min(1920) as usize;
    let c = sb1_checksum(&buf[..256 + 2 * max_dev]);
    buf[216..220].copy_from_slice(&c.to_le_bytes());
    assert_eq!(
        Sb1::decode(&buf, minor, DEV_SECTORS),
        Err(err),
        "expected {err}"
    );
}

#[test]
fn refusals_framing() {
    let buf = encode1(&mdadm_sb1(2, 2, 0));
    assert_eq!(
        Sb1::decode(&buf[..255], 2, DEV_SECTORS),
        Err(SbError::TooShort)
    );
    assert_eq!(
        Sb1::decode(&buf[..511], 2, DEV_SECTORS),
        Err(SbError::TooShort)
    );
    assert!(Sb1::decode(&buf[..512], 2, DEV_SECTORS).is_ok());
    assert_eq!(
        Sb1::decode(&buf, 3, DEV_SECTORS),
        Err(SbError::BadMinorVersion)
    );
    assert_eq!(Sb1::decode(&buf, 0, 15), Err(SbError::DeviceTooSmall));
    let mut bad = buf.clone();
    bad[0] ^= 1;
    assert_eq!(Sb1::decode(&bad, 2, DEV_SECTORS), Err(SbError::BadMagic));
    let mut bad = buf.clone();
    bad[300] ^= 1;
    assert_eq!(Sb1::decode(&bad, 2, DEV_SECTORS), Err(SbError::BadChecksum));
    let mut bad = buf.clone();
    bad[216] ^= 1;
    assert_eq!(Sb1::decode(&bad, 2, DEV_SECTORS), Err(SbError::BadChecksum));
    // Bytes past max_dev are not covered.
    let mut ok = buf.clone();
    ok[600] ^= 1;
    assert!(Sb1::decode(&ok, 2, DEV_SECTORS).is_ok());
    refuse_raw(2, SbError::BadMajorVersion, |b| b[4] = 2);
    refuse_raw(2, SbError::MaxDevTooLarge, |b| {
        b[220..224].copy_from_slice(&1921u32.to_le_bytes())
    });
    refuse_raw(2, SbError::NonzeroPadding, |b| b[12] = 1);
    refuse_raw(2, SbError::NonzeroPadding, |b| b[255] = 1);
    refuse_raw(2, SbError::NonzeroPadding, |b| b[224] = 1);
    // A superblock for another place on the disk (e.g. a 1.1 one read as 1.2).
    let sb11 = encode1(&mdadm_sb1(1, 2, 0));
    assert_eq!(
        Sb1::decode(&sb11, 2, DEV_SECTORS),
        Err(SbError::SuperOffsetMismatch)
    );
    let sb10 = encode1(&mdadm_sb1(0, 2, 0));
    assert_eq!(
        Sb1::decode(&sb10, 0, DEV_SECTORS + 8),
        Err(SbError::SuperOffsetMismatch)
    );
    let mut sb = mdadm_sb1(2, 2, 0);
    sb.max_dev = 1921;
    assert_eq!(sb.encode(&mut [0u8; 8192]), Err(SbError::MaxDevTooLarge));
}

#[test]
fn refusals_features() {
    refuse(2, SbError::UnknownFeatures, |s| s.feature_map = 0x2000);
    refuse(2, SbError::UnknownFeatures, |s| s.feature_map = 0x8000_0000);
    refuse(2, SbError::Raid0LayoutNotRaid0, |s| {
        s.feature_map = FEATURE_RAID0_LAYOUT
    });
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_RAID0_LAYOUT;
        s.level = 0;
    })
    .is_ok());
    refuse(2, SbError::PplWithBitmapOrJournal, |s| {
        s.feature_map = FEATURE_PPL | FEATURE_BITMAP_OFFSET
    });
    refuse(2, SbError::PplWithBitmapOrJournal, |s| {
        s.feature_map = FEATURE_MULTIPLE_PPLS | FEATURE_JOURNAL
    });
    refuse(2, SbError::PplAndMultiplePpls, |s| {
        s.feature_map = FEATURE_PPL | FEATURE_MULTIPLE_PPLS
    });
    // Every known bit that needs nothing else is accepted.
    for bit in [1, 2, 16, 128, 256, 512, 1024, 2048] {
        assert!(
            decode_after(2, |s| s.feature_map = bit).is_ok(),
            "bit {bit}"
        );
    }
}

/// `decode_after` on a device with `lbs`-byte logical blocks.
fn decode_after_on(minor: u32, lbs: u32, f: impl FnOnce(&mut Sb1)) -> Result<Sb1, SbError> {
    let mut sb = mdadm_sb1(minor, 2, 0);
    f(&mut sb);
    let buf = encode1(&sb);
    Sb1::decode_on(&buf, minor, DEV_SECTORS, lbs)
}

/// No bad block log, data at `at` sectors.
fn data_at(at: u64) -> impl FnOnce(&mut Sb1) {
    move |s: &mut Sb1| {
        s.data_offset = at;
        s.bblog_offset = 0;
        s.bblog_size = 0;
    }
}

#[test]
fn sb_sectors_by_block_size() {
    let mut sb = mdadm_sb1(2, 2, 0);
    // 256 + 2 * 128 = 512 bytes.
    assert_eq!(sb.sb_sectors_on(512), 1);
    assert_eq!(sb.sb_sectors_on(0), 1);
    assert_eq!(sb.sb_sectors_on(1024), 2);
    assert_eq!(sb.sb_sectors_on(4096), 8);
    sb.max_dev = 1920; // 4096 bytes: one 4 KiB block, eight sectors
    assert_eq!(sb.sb_sectors_on(512), 8);
    assert_eq!(sb.sb_sectors_on(4096), 8);
    assert_eq!(sb.sb_sectors_on(8192), 16);
    sb.max_dev = 129; // 514 bytes
    assert_eq!(sb.sb_sectors_on(512), 2);
    assert_eq!(sb.sb_sectors_on(4096), 8);
    assert_eq!(sb.sb_sectors_on(u32::MAX), u64::from(u32::MAX) / 512);
}

/// A 4 KiB-sector member: superblock writes cover a whole 4 KiB block, so a 1.1/1.2
/// data area starting inside that block is refused (md's super_1_load), while on a
/// 512-byte-sector member only the superblock's own sectors count.
#[test]
fn refusals_data_inside_superblock_block() {
    // 1.2: superblock at sector 8; its 4 KiB block ends at sector 16.
    for at in 9..16 {
        assert!(decode_after_on(2, 512, data_at(at)).is_ok(), "1.2 at {at}, 512");
        assert_eq!(
            decode_after_on(2, 4096, data_at(at)),
            Err(SbError::DataOverlapsSuper),
            "1.2 at {at}, 4096"
        );
    }
    assert!(decode_after_on(2, 4096, data_at(16)).is_ok());
    assert_eq!(
        decode_after_on(2, 4096, data_at(8)),
        Err(SbError::DataOverlapsSuper)
    );
    // decode is decode_on with 512-byte blocks.
    assert_eq!(
        decode_after(2, data_at(9)),
        decode_after_on(2, 512, data_at(9))
    );
    // 1.1: superblock at sector 0.
    for at in 1..8 {
        assert!(decode_after_on(1, 512, data_at(at)).is_ok(), "1.1 at {at}, 512");
        assert_eq!(
            decode_after_on(1, 4096, data_at(at)),
            Err(SbError::DataOverlapsSuper),
            "1.1 at {at}, 4096"
        );
    }
    assert!(decode_after_on(1, 4096, data_at(8)).is_ok());
    // The data offset after a reshape is held to the same bound.
    let reshape_to = |new_offset: i32| {
        move |s: &mut Sb1| {
            s.feature_map = FEATURE_RESHAPE_ACTIVE | FEATURE_NEW_OFFSET;
            s.new_offset = new_offset;
            s.bblog_offset = 0;
            s.bblog_size = 0;
        }
    };
    assert!(decode_after_on(2, 512, reshape_to(-2048 + 12)).is_ok());
    assert_eq!(
        decode_after_on(2, 4096, reshape_to(-2048 + 12)),
        Err(SbError::NewDataOverlapsSuper)
    );
    assert!(decode_after_on(2, 4096, reshape_to(-2048 + 16)).is_ok());
    // 1.0 keeps its data before the superblock: the block size does not matter.
    assert!(decode_after_on(0, 4096, |_| {}).is_ok());
}

#[test]
fn refusals_geometry() {
    refuse(2, SbError::DataSizeTooSmall, |s| {
        s.data_size = 9;
        s.size = 9;
    });
    assert!(decode_after(2, |s| {
        s.data_size = 10;
        s.size = 10;
    })
    .is_ok());
    // 1.2: data must start after the superblock (one sector with max_dev 128) ...
    refuse(2, SbError::DataOverlapsSuper, |s| s.data_offset = 8);
    assert!(decode_after(2, |s| {
        s.data_offset = 9;
        s.bblog_offset = 0;
        s.bblog_size = 0;
    })
    .is_ok());
    // ... and after two sectors with max_dev 129.
    refuse(2, SbError::DataOverlapsSuper, |s| {
        s.data_offset = 9;
        s.bblog_offset = 0;
        s.bblog_size = 0;
        s.max_dev = 129;
        s.dev_roles[128] = ROLE_SPARE;
    });
    refuse(1, SbError::DataOverlapsSuper, |s| s.data_offset = 0);
    // 1.0: data must end before the superblock.
    refuse(0, SbError::DataOverlapsSuper, |s| {
        s.data_size = s.super_offset + 1
    });
    refuse(0, SbError::DataOverlapsSuper, |s| s.data_offset = 17);
    refuse(2, SbError::NewDataOverlapsSuper, |s| {
        s.feature_map = FEATURE_RESHAPE_ACTIVE | FEATURE_NEW_OFFSET;
        s.new_offset = -2048;
    });
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_RESHAPE_ACTIVE | FEATURE_NEW_OFFSET;
        s.new_offset = -1024;
    })
    .is_ok());
    // new_offset only counts with both bits.
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_RESHAPE_ACTIVE;
        s.new_offset = -2048;
    })
    .is_ok());
    refuse(2, SbError::DataRangeOverflow, |s| {
        s.data_offset = u64::MAX - 5;
    });
    refuse(0, SbError::DataRangeOverflow, |s| {
        s.data_size = u64::MAX;
        s.data_offset = 1;
    });
    refuse(2, SbError::DataBeyondDevice, |s| s.data_size += 1);
    refuse(1, SbError::DataBeyondDevice, |s| s.data_offset += 8);
    refuse(2, SbError::SizeBeyondData, |s| s.size = s.data_size + 1);
    // raid0 and linear keep no meaningful size.
    assert!(decode_after(2, |s| {
        s.level = 0;
        s.size = u64::MAX;
    })
    .is_ok());
    assert!(decode_after(2, |s| {
        s.level = -1;
        s.size = u64::MAX;
    })
    .is_ok());
}

#[test]
fn refusals_bad_block_log() {
    refuse(2, SbError::BblogTooLarge, |s| s.bblog_size = 9);
    refuse(2, SbError::BblogTooLarge, |s| {
        s.feature_map = FEATURE_BAD_BLOCKS;
        s.bblog_size = 16;
    });
    // Without an offset the size means nothing (md ignores it).
    assert!(decode_after(2, |s| {
        s.bblog_offset = 0;
        s.bblog_size = 100;
    })
    .is_ok());
    refuse(2, SbError::BadBlocksWithoutLog, |s| {
        s.feature_map = FEATURE_BAD_BLOCKS;
        s.bblog_offset = 0;
    });
    refuse(2, SbError::BadBblogShift, |s| {
        s.feature_map = FEATURE_BAD_BLOCKS;
        s.bblog_shift = 64;
    });
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_BAD_BLOCKS;
        s.bblog_shift = 63;
    })
    .is_ok());
    refuse(2, SbError::BblogOverlapsData, |s| s.bblog_offset = 2040);
    refuse(0, SbError::BblogOverlapsData, |s| s.bblog_offset = -17);
    assert!(decode_after(0, |s| s.bblog_offset = -16).is_ok());
    refuse(2, SbError::BblogOutsideDevice, |s| s.bblog_offset = -9);
    refuse(0, SbError::BblogOutsideDevice, |s| s.bblog_offset = 10);
    refuse(2, SbError::BblogOutsideDevice, |s| {
        s.bblog_offset = i32::MIN
    });
}

#[test]
fn refusals_roles() {
    refuse(2, SbError::DevNumberOutOfRange, |s| s.dev_number = 128);
    refuse(2, SbError::TooManyRaidDisks, |s| s.raid_disks = 129);
    refuse(2, SbError::BadRole, |s| s.dev_roles[5] = 2);
    refuse(2, SbError::BadRole, |s| s.dev_roles[0] = 0xff00);
    refuse(2, SbError::BadRole, |s| s.dev_roles[127] = 0xfffc);
    // A shrinking reshape keeps the old slots valid.
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_RESHAPE_ACTIVE;
        s.raid_disks = 2;
        s.delta_disks = -1;
        s.dev_roles[2] = 2;
    })
    .is_ok());
    refuse(2, SbError::JournalWithoutFeature, |s| {
        s.dev_roles[0] = ROLE_JOURNAL
    });
    assert!(decode_after(2, |s| {
        s.feature_map = FEATURE_JOURNAL;
        s.dev_roles[0] = ROLE_JOURNAL;
    })
    .is_ok());
    // Another device being a journal is not this device's problem.
    assert!(decode_after(2, |s| s.dev_roles[1] = ROLE_JOURNAL).is_ok());
}

// ---- v0.90 ----

#[test]
fn sb0_round_trip_and_fields() {
    for n in 1..=4 {
        for this in 0..n {
            let sb = mdadm_sb0(n, this);
            let buf = encode0(&sb);
            let back = Sb0::decode(&buf, DEV_SECTORS).unwrap();
            assert_eq!(back, sb);
            assert_eq!(encode0(&back), buf);
            assert_eq!(back.events(), 1);
            assert!(back.is_clean());
            assert_eq!(back.resync_offset(), MAX_SECTOR);
        }
    }
    // The superblock words land where md_p.h says.
    let mut sb = mdadm_sb0(2, 1);
    sb.reshape_position = 0x1122_3344_5566_7788;
    sb.minor_version = 91;
    sb.update_csum();
    let buf = encode0(&sb);
    let word = |i: usize| u32::from_ne_bytes(buf[i * 4..i * 4 + 4].try_into().unwrap());
    assert_eq!(word(0), MD_SB_MAGIC);
    assert_eq!(word(2), 91);
    assert_eq!(word(10), 2);
    assert_eq!(word(39), 1);
    assert_eq!(&buf[176..184], &0x1122_3344_5566_7788u64.to_ne_bytes());
    assert_eq!(word(128 + 32 + 3), 1);
    assert_eq!(word(992), 1);
    assert_eq!(Sb0::decode(&buf, DEV_SECTORS).unwrap(), sb);
}

#[test]
fn sb0_checksum_folds() {
    let sb = mdadm_sb0(2, 0);
    let buf = encode0(&sb);
    let canonical = sb0_checksum(&buf);
    assert_eq!(
        u32::from_ne_bytes(buf[152..156].try_into().unwrap()),
        canonical
    );
    // md compares folded checksums, so another value with the same fold passes.
    let other = (canonical & 0xffff_0000).wrapping_sub(0x1_0000) | ((canonical & 0xffff) + 1);
    assert_ne!(other, canonical);
    assert_eq!(csum_fold(other), csum_fold(canonical));
    let mut alt = buf.clone();
    alt[152..156].copy_from_slice(&other.to_ne_bytes());
    assert_eq!(Sb0::decode(&alt, DEV_SECTORS).unwrap().sb_csum, other);
    alt[152] ^= 0x40;
    assert_eq!(Sb0::decode(&alt, DEV_SECTORS), Err(SbError::BadChecksum));
    assert_eq!(csum_fold(0xffff_ffff), 0xffff);
    assert_eq!(csum_fold(0x0001_ffff), 1);
}

fn refuse0(err: SbError, f: impl FnOnce(&mut Sb0)) {
    let mut sb = mdadm_sb0(2, 0);
    f(&mut sb);
    let buf = encode0(&sb);
    assert_eq!(Sb0::decode(&buf, DEV_SECTORS), Err(err), "expected {err}");
}

#[test]
fn sb0_refusals() {
    let buf = encode0(&mdadm_sb0(2, 0));
    assert_eq!(
        Sb0::decode(&buf[..4095], DEV_SECTORS),
        Err(SbError::TooShort)
    );
    assert_eq!(Sb0::decode(&buf, 127), Err(SbError::DeviceTooSmall));
    refuse0(SbError::BadMagic, |s| s.md_magic = 0xa92b4efd);
    refuse0(SbError::BadVersion, |s| s.major_version = 1);
    refuse0(SbError::BadVersion, |s| s.minor_version = 89);
    refuse0(SbError::BadVersion, |s| s.minor_version = 92);
    refuse0(SbError::NoRaidDisks, |s| s.raid_disks = 0);
    refuse0(SbError::TooManyRaidDisks, |s| s.raid_disks = 28);
    refuse0(SbError::TooManyDisks, |s| s.nr_disks = 28);
    refuse0(SbError::ThisDiskOutOfRange, |s| s.this_disk.number = 27);
    refuse0(SbError::BadRole, |s| s.disks[1].raid_disk = 27);
    refuse0(SbError::BadRole, |s| s.this_disk.raid_disk = u32::MAX);
    refuse0(SbError::DataBeyondDevice, |s| {
        s.size = (sb0_start() / 2 + 1) as u32
    });
    // raid0 records no per-member size.
    let mut sb = mdadm_sb0(2, 0);
    sb.level = 0;
    sb.size = u32::MAX;
    assert!(Sb0::decode(&encode0(&sb), DEV_SECTORS).is_ok());
    // 0.91 is accepted.
    let mut sb = mdadm_sb0(2, 0);
    sb.minor_version = 91;
    assert!(Sb0::decode(&encode0(&sb), DEV_SECTORS).is_ok());
    // A spare: its descriptor is neither active nor in sync.
    let mut sb = mdadm_sb0(2, 0);
    sb.disks[2] = Sb0Disk {
        number: 2,
        raid_disk: 2,
        ..Default::default()
    };
    sb.this_disk = sb.disks[2];
    let sb = Sb0::decode(&encode0(&sb), DEV_SECTORS).unwrap();
    assert!(sb.is_spare());
}

#[test]
fn sb0_updates() {
    let mut sb = mdadm_sb0(2, 0);
    sb.set_events(7);
    sb.mark_dirty();
    assert!(!sb.is_clean());
    assert_eq!(sb.resync_offset(), 0);
    sb.mark_clean(1000);
    assert!(!sb.is_clean());
    assert_eq!(sb.cp_events(), 7);
    assert_eq!(sb.resync_offset(), 1000);
    sb.set_events(8);
    // A stale checkpoint means "resync from 0".
    assert_eq!(sb.resync_offset(), 0);
    sb.mark_clean(MAX_SECTOR);
    assert!(sb.is_clean());
    assert_eq!(sb.resync_offset(), MAX_SECTOR);
    sb.set_utime(1_800_000_000);
    let back = Sb0::decode(&encode0(&sb), DEV_SECTORS).unwrap();
    assert_eq!(back.utime, 1_800_000_000);
    assert_eq!(back.events(), 8);
}

/// Every refusal has its own non-empty reason, as the kernel logs it.
#[test]
fn reasons_are_distinct() {
    use SbError::*;
    let all = [
        TooShort,
        BufferTooSmall,
        BadMinorVersion,
        DeviceTooSmall,
        BadMagic,
        BadMajorVersion,
        BadVersion,
        UnknownFeatures,
        MaxDevTooLarge,
        SuperOffsetMismatch,
        BadChecksum,
        DataSizeTooSmall,
        NonzeroPadding,
        DataOverlapsSuper,
        NewDataOverlapsSuper,
        DataRangeOverflow,
        DataBeyondDevice,
        SizeBeyondData,
        BblogTooLarge,
        BadBlocksWithoutLog,
        BadBblogShift,
        BblogOutsideDevice,
        BblogOverlapsData,
        Raid0LayoutNotRaid0,
        PplWithBitmapOrJournal,
        PplAndMultiplePpls,
        DevNumberOutOfRange,
        TooManyRaidDisks,
        NoRaidDisks,
        TooManyDisks,
        ThisDiskOutOfRange,
        BadRole,
        JournalWithoutFeature,
    ];
    // Fails to compile when a variant is added without being listed above.
    fn listed(e: SbError) {
        match e {
            TooShort
            | BufferTooSmall
            | BadMinorVersion
            | DeviceTooSmall
            | BadMagic
            | BadMajorVersion
            | BadVersion
            | UnknownFeatures
            | MaxDevTooLarge
            | SuperOffsetMismatch
            | BadChecksum
            | DataSizeTooSmall
            | NonzeroPadding
            | DataOverlapsSuper
            | NewDataOverlapsSuper
            | DataRangeOverflow
            | DataBeyondDevice
            | SizeBeyondData
            | BblogTooLarge
            | BadBlocksWithoutLog
            | BadBblogShift
            | BblogOutsideDevice
            | BblogOverlapsData
            | Raid0LayoutNotRaid0
            | PplWithBitmapOrJournal
            | PplAndMultiplePpls
            | DevNumberOutOfRange
            | TooManyRaidDisks
            | NoRaidDisks
            | TooManyDisks
            | ThisDiskOutOfRange
            | BadRole
            | JournalWithoutFeature => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    for e in all {
        listed(e);
        assert!(!e.reason().is_empty());
        assert_eq!(e.to_string(), e.reason());
        assert!(seen.insert(e.reason()), "duplicate reason {}", e.reason());
    }
    assert_eq!(BadChecksum.reason(), "bad checksum");
    assert_eq!(BadMagic.reason(), "bad magic");
}

#[test]
fn member_size_change_follows_md() {
    let front = SizeLayout::V1Front { data_offset: 2048 };
    // 1.2: everything after the data offset; a request is kept when it fits, cut
    // to the space when it does not, refused below what the array uses.
    assert_eq!(member_size_change(front, 131072, 0, 65536, false), Some(129024));
    assert_eq!(member_size_change(front, 131072, 100000, 65536, false), Some(100000));
    assert_eq!(member_size_change(front, 131072, 200000, 65536, false), Some(129024));
    assert_eq!(member_size_change(front, 131072, 1000, 65536, false), None);
    // A bitmap next to a 1.2 superblock sits before the data: no matter.
    assert_eq!(member_size_change(front, 131072, 0, 65536, true), Some(129024));
    assert_eq!(member_size_change(front, 1000, 0, 0, false), None);

    // 1.0 on a 64 MiB device: the superblock 8 KiB from the end, 4 KiB for a
    // bitmap and 4 KiB for a bad-block log before it.
    let sb = (131072 - 16) & !7;
    let end = SizeLayout::V1End { sb_offset: sb };
    assert_eq!(member_size_change(end, 131072, 0, 65536, false), Some(sb - 8 - 8));
    assert_eq!(v1_bm_space(131072), 8);
    assert_eq!(v1_bm_space(100), 0);
    assert_eq!(v1_bm_space(16 * 1024 * 1024 * 2), 128);
    assert_eq!(v1_bm_space(300 * 1024 * 1024 * 2), 256);
    // The device grew: the superblock would have to move.
    assert_eq!(member_size_change(end, 262144, 0, 65536, false), None);
    // A bitmap keeps a 1.0 or 0.90 superblock where it is.
    assert_eq!(member_size_change(end, 131072, 0, 65536, true), None);

    let sb0 = sb0_offset_sectors(131072).unwrap();
    let v0 = SizeLayout::V0 { sb_offset: sb0 };
    assert_eq!(member_size_change(v0, 131072, 0, 65536, false), Some(sb0));
    assert_eq!(member_size_change(v0, 131072, 0, 65536, true), None);
    assert_eq!(member_size_change(v0, 262144, 0, 65536, false), None);
    // 0.90 stops at 4 TiB.
    let big = 10u64 << 32;
    let v0big = SizeLayout::V0 { sb_offset: sb0_offset_sectors(big).unwrap() };
    assert_eq!(member_size_change(v0big, big, 0, 0, false), Some((2u64 << 32) - 2));
}
