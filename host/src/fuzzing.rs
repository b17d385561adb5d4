//! The check run on every fuzz input, shared by the cargo-fuzz target and the host test
//! that replays the saved corpus (`tests/fuzz_corpus.rs`).
//!
//! Input layout: byte 0 selects the format (bits 0-1: 0/1/2 = v1.0/1.1/1.2, 3 = v0.90)
//! and bit 2 asks to fix the checksum up before decoding, so the fuzzer can get past the
//! checksum test; bytes 1..9 are the device size in sectors (little endian); the rest is
//! the superblock buffer.

use crate::superblock::{sb0_checksum, sb1_checksum, Sb0, Sb1, SB0_BYTES, SB1_HEADER_BYTES};

/// Decodes `data` as described in the module docs; panics if an accepted superblock
/// does not re-encode to the same bytes. Returns whether it was accepted.
pub fn check_decode(data: &[u8]) -> bool {
    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    let Some((size, buf)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let dev_sectors = u64::from_le_bytes(*size);
    let mut buf = buf.to_vec();
    let fix_csum = sel & 4 != 0;
    match sel & 3 {
        3 => {
            if fix_csum && buf.len() >= SB0_BYTES {
                let c = sb0_checksum(&buf);
                buf[152..156].copy_from_slice(&c.to_ne_bytes());
            }
            check_sb0(&buf, dev_sectors)
        }
        minor => {
            if fix_csum && buf.len() >= SB1_HEADER_BYTES {
                let max_dev = u32::from_le_bytes(buf[220..224].try_into().unwrap()) as usize;
                if let Some(sb) = buf.get(..SB1_HEADER_BYTES + 2 * max_dev.min(1920)) {
                    let c = sb1_checksum(sb);
                    buf[216..220].copy_from_slice(&c.to_le_bytes());
                }
            }
            check_sb1(&buf, u32::from(minor), dev_sectors)
        }
    }
}

fn check_sb1(buf: &[u8], minor: u32, dev_sectors: u64) -> bool {
    let Ok(sb) = Sb1::decode(buf, minor, dev_sectors) else {
        return false;
    };
    let mut out = vec![0u8; 4096];
    let n = sb
        .encode(&mut out)
        .expect("accepted superblock must encode");
    assert_eq!(n, sb.sb_bytes());
    assert_eq!(&out[..n], &buf[..n], "v1.{minor} re-encode differs");
    let again = Sb1::decode(&out, minor, dev_sectors).expect("re-encoded must decode");
    assert_eq!(again, sb);
    true
}

fn check_sb0(buf: &[u8], dev_sectors: u64) -> bool {
    let Ok(sb) = Sb0::decode(buf, dev_sectors) else {
        return false;
    };
    let mut out = vec![0u8; SB0_BYTES];
    assert_eq!(sb.encode(&mut out), Ok(SB0_BYTES));
    // md accepts a checksum that only matches after folding to 16 bits; encode writes
    // the canonical one, so only that word may differ.
    assert_eq!(&out[..152], &buf[..152], "v0.90 re-encode differs");
    assert_eq!(
        &out[156..SB0_BYTES],
        &buf[156..SB0_BYTES],
        "v0.90 re-encode differs"
    );
    if sb.sb_csum == sb0_checksum(buf) {
        assert_eq!(&out[152..156], &buf[152..156]);
    }
    let mut again = Sb0::decode(&out, dev_sectors).expect("re-encoded must decode");
    again.sb_csum = sb.sb_csum;
    assert_eq!(again, sb);
    true
}

/// Runs every md/ and dev-NAME/ write parser (sysfs/parse.rs) on `data` and checks
/// what each accepts against its definition; panics on a violation. Returns whether
/// any number parser accepted it.
pub fn check_sysfs_parse(data: &[u8]) -> bool {
    use crate::sysfs_parse::*;

    let w = word(data);
    assert!(data.starts_with(w) && !w.contains(&b'\n') && !w.contains(&0));
    let s = cstr(data);
    assert!(data.starts_with(s) && !s.contains(&0));

    // The kernel's kstrtoull: an optional '+', digits (ERANGE once they overflow, whatever
    // follows), then nothing or a newline.
    let body = s.strip_prefix(b"+").unwrap_or(s);
    let n = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, tail) = body.split_at(n);
    let value = std::str::from_utf8(digits)
        .ok()
        .and_then(|t| t.parse::<u64>().ok());
    // Digits, at most a newline after them: what seconds_to_ms reads as whole seconds.
    let canonical = n > 0 && !s.starts_with(b"+") && matches!(tail, b"" | b"\n");
    let ull = kstrtoull(s);
    let expected = match value {
        _ if n == 0 => Err(ParseError::Inval),
        None => Err(ParseError::Range),
        Some(_) if !matches!(tail, b"" | b"\n") => Err(ParseError::Inval),
        Some(v) => Ok(v),
    };
    assert_eq!(ull, expected, "kstrtoull({s:?})");
    match kstrtouint(s) {
        Ok(v) => assert_eq!(ull, Ok(u64::from(v))),
        Err(ParseError::Range) => {
            assert!(ull.is_err() || ull.is_ok_and(|v| v > u64::from(u32::MAX)))
        }
        Err(e) => assert_eq!(ull, Err(e)),
    }
    if let Ok(n) = parse_u32(w) {
        assert_eq!(
            n.to_string().trim_start_matches('0'),
            std::str::from_utf8(w).unwrap().trim_start_matches('0')
        );
    }
    let _ = kstrtobool(s);
    if let Ok(sectors) = blocks_to_sectors(s) {
        assert_eq!(Ok(sectors), ull.map(|v| v * 2));
    }
    if let Ok(ms) = seconds_to_ms(s) {
        if canonical {
            assert_eq!(Some(ms), value.map(|v| v * 1000));
        }
    }
    for hz in [100, 250, 300, 1000] {
        if let Ok(j) = safe_delay_jiffies(s, hz) {
            let ms = seconds_to_ms(s).expect("accepted delay");
            assert!(ms <= u64::from(u32::MAX / hz));
            assert_eq!(j == 0, ms == 0);
            assert!(jiffies_to_ms(j, hz) <= ms.max(1000 / u64::from(hz)) as u32);
        }
    }
    if let Ok((major, minor)) = parse_dev(s) {
        assert!((0..1 << 12).contains(&major) && (0..1 << 20).contains(&minor));
    }
    if let Some(st) = ArrayState::parse(w) {
        assert_eq!(st.word().as_bytes(), w);
    }
    if let Some(a) = SyncAction::parse(s) {
        assert!(cmd_match(s, a.word().as_bytes()));
    }
    if let Some((level, by_name)) = parse_level(w) {
        assert_eq!(level, 1);
        assert_eq!(by_name, w == b"raid1");
    }
    let _ = parse_metadata_version(w);
    if let Ok(sectors) = chunk_size_sectors(s) {
        assert_eq!(Ok(sectors), ull.map(|v| (v >> 9) as u32));
        assert_eq!(chunk_size_show(sectors), (sectors as i32).wrapping_mul(512));
    }
    if let Some((chunk, _)) = data.split_first_chunk::<4>() {
        let _ = chunk_size_show(u32::from_le_bytes(*chunk));
        let _ = jiffies_to_ms(u32::from_le_bytes(*chunk), 250);
    }
    let _ = parse_resync_start(s);
    let _ = parse_reshape_direction(s);
    let _ = parse_array_size(s);
    if let Ok(n) = parse_max_read_errors(s) {
        assert!(n <= i32::MAX as u32);
    }
    if let Ok(v) = parse_sync_speed(s) {
        assert!(v != 0 || s.starts_with(b"system"));
    }
    let _ = parse_force_parallel(s);
    if let Ok(Some(max)) = parse_sync_max(s) {
        assert_eq!(parse_sync_sector(s), Ok(max));
    }
    let _ = parse_rdev_state(s);
    // md/bitmap/.
    match parse_bitmap_location(s) {
        Ok(BitmapLocation::Offset(n)) => assert_ne!(n, 0),
        Ok(BitmapLocation::None) => assert!(bitmap_location_is_none(s)),
        _ => {}
    }
    if let Ok(n) = kstrtoll(s) {
        if n >= 0 && !s.starts_with(b"-") {
            assert_eq!(ull, Ok(n as u64));
        }
    }
    if let Ok(v) = strtoul_scaled(s, 3) {
        assert_eq!(seconds_to_ms(s), Ok(v));
    }
    for hz in [100, 250, 300, 1000] {
        if let Ok(j) = bitmap_timeout_jiffies(s, hz) {
            assert!(j >= 1 && j < i64::MAX as u64);
            let (secs, ms) = bitmap_timeout_show(j, hz);
            assert!(ms.map_or(true, |ms| ms < 1000));
            assert_eq!(secs, j / u64::from(hz));
        }
    }
    if let Ok(n) = parse_bitmap_backlog(s) {
        assert!(n <= BITMAP_COUNTER_MAX);
    }
    if let Ok(c) = parse_bitmap_chunksize(s) {
        assert!(c >= 512 && c.is_power_of_two() && c < 1 << 32);
    }
    if let Ok(n) = parse_bitmap_space(s) {
        assert!(n != 0);
    }
    let _ = parse_bitmap_metadata(s);
    let _ = parse_can_clear(s);
    // bitmap_set_bits: every range handed out came from the input's digits.
    let mut ranges = 0usize;
    crate::sysfs_parse::chunk_list(s, |_, _| ranges += 1);
    assert!(ranges <= s.len());
    ull.is_ok()
}

/// Decodes `data` as an ioctl argument: byte 0 picks `mdu_array_info_t` (0),
/// `mdu_disk_info_t` (1) or a command number and dev_t (2); the rest is the bytes.
/// Every decoded structure must encode back to the same bytes. Returns whether the
/// input was long enough to decode.
pub fn check_ioctl_decode(data: &[u8]) -> bool {
    use crate::ioctl::*;

    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    match sel % 3 {
        0 => {
            let Some((b, _)) = rest.split_first_chunk::<ARRAY_INFO_SIZE>() else {
                return false;
            };
            let info = ArrayInfo::decode(b);
            assert_eq!(&info.encode(), b);
            assert_eq!(ArrayInfo::decode(&info.encode()), info);
            assert_eq!(info.is_version_only(), info.raid_disks == 0);
        }
        1 => {
            let Some((b, _)) = rest.split_first_chunk::<DISK_INFO_SIZE>() else {
                return false;
            };
            let info = DiskInfo::decode(b);
            assert_eq!(&info.encode(), b);
            assert_eq!(DiskInfo::decode(&info.encode()), info);
        }
        _ => {
            let Some((cmd, rest)) = rest.split_first_chunk::<4>() else {
                return false;
            };
            if let Some(c) = Cmd::from_raw(u32::from_le_bytes(*cmd)) {
                let _ = (c.known(), c.unprivileged(), c.allowed_unconfigured());
            }
            if let Some((dev, _)) = rest.split_first_chunk::<8>() {
                let (major, minor) = decode_dev(u64::from_le_bytes(*dev));
                assert!(major < 1 << 12 && minor < 1 << 20);
            }
        }
    }
    true
}

/// Decodes `data` as a write-intent bitmap (`bitmap/format.rs`): byte 0 bit 0 makes the
/// array expect the superblock's own UUID (so the later checks are reached), bit 1 its
/// own events; bytes 1..9 are the array's events and 9..17 its sync size in sectors
/// (little endian); the rest is the bitmap (superblock and bits). An accepted
/// superblock must write back to the same bytes; what validate accepts must obey md's
/// rules; the bit and size helpers must stay in range. Returns whether validate
/// accepted it.
pub fn check_bitmap_decode(data: &[u8]) -> bool {
    use crate::bitmap_format::*;

    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    let Some((ev, rest)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let Some((sync, buf)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let sync_sectors = u64::from_le_bytes(*sync);
    let Ok(sb) = BitmapSuper::decode(buf) else {
        assert!(buf.len() < SB_BYTES || !buf.starts_with(b"bitm"));
        return false;
    };
    // Written back over the bytes it came from, nothing changes; encoded afresh, only
    // the padding may differ.
    let mut copy = buf.to_vec();
    sb.update(&mut copy).unwrap();
    assert_eq!(copy, buf);
    let mut out = [0u8; SB_BYTES];
    sb.encode(&mut out).unwrap();
    assert_eq!(&out[..136], &buf[..136]);
    assert!(out[136..].iter().all(|&b| b == 0));
    assert_eq!(BitmapSuper::decode(&out), Ok(sb));

    let e = Expect {
        uuid: if sel & 1 != 0 { sb.uuid } else { [sel; 16] },
        events: if sel & 2 != 0 {
            sb.events
        } else {
            u64::from_le_bytes(*ev)
        },
        sync_sectors,
    };
    let total = mdadm_total_bits(&sb);
    let dirty = count_dirty(buf, total);
    assert!(dirty <= total && dirty <= 8 * buf.len().saturating_sub(SB_BYTES) as u64);
    let _ = status_line(&mut String::new(), dirty, total, sb.chunksize, Some("a b"));
    let _ = (
        storage_pages(total),
        counter_pages(total),
        space_v1(sb.state & 3, sb.events as i32),
        room_v1(sb.events, sb.events_cleared, sb.sync_size, sb.nodes as i32),
        loaded_space(sb.sync_size, sb.sectors_reserved),
    );
    let len = page_write_len(u64::from(sb.state), sb.sync_size, sb.write_behind);
    assert!(len <= 4096 || sb.write_behind > 4096);
    let _ = write_fits(
        sb.events,
        sb.events_cleared,
        sb.sync_size,
        i64::from(sb.nodes as i32),
        u64::from(sb.daemon_sleep),
        sb.write_behind,
    );

    let res = validate(&sb, &e);
    let Ok(l) = res else {
        let err = res.unwrap_err();
        assert!(!err.to_string().is_empty());
        return false;
    };
    assert!((VERSION_LO..=VERSION_CLUSTERED).contains(&sb.version));
    assert!(sb.chunksize.is_power_of_two() && sb.chunksize >= 512);
    assert_eq!(1u64 << (l.chunk_shift + 9), u64::from(sb.chunksize));
    assert!(sb.daemon_sleep != 0 && sb.write_behind <= u32::from(COUNTER_MAX));
    assert_eq!(sb.uuid, e.uuid);
    assert_eq!(sb.state & STATE_WRITE_ERROR, 0);
    assert_eq!(l.stale, sb.events < e.events || sb.state & STATE_STALE != 0);
    assert_eq!(
        l.events_cleared,
        if l.stale { e.events } else { sb.events_cleared }
    );
    // chunks covers sync_sectors, and not by a whole chunk more.
    let chunk = 1u128 << l.chunk_shift;
    assert!(u128::from(l.chunks) * chunk >= u128::from(sync_sectors));
    assert!(l.chunks == 0 || u128::from(l.chunks - 1) * chunk < u128::from(sync_sectors));
    // The bit helpers on the storage this bitmap has.
    let mut bits = buf.to_vec();
    for c in [0, l.chunks / 2, l.chunks.saturating_sub(1), l.chunks] {
        let (byte, bit) = bit_pos(c);
        let inside = byte < bits.len() as u64;
        assert!(bit < 8);
        let was = test_bit(&bits, c);
        assert_eq!(set_bit(&mut bits, c), inside);
        assert_eq!(test_bit(&bits, c), inside);
        assert_eq!(clear_bit(&mut bits, c), inside);
        assert!(!test_bit(&bits, c));
        if was {
            set_bit(&mut bits, c);
        }
    }
    assert_eq!(bits, buf);
    true
}

/// The check of the `badblocks_log` fuzz target. Input: byte 0 selects: bit 7 set:
/// the rest is a sysfs `bad_blocks` write (`BadBlocks::store`, unacknowledged when
/// bit 6 is set) on a list holding one entry; otherwise byte 0 is the log's
/// `bblog_shift`, bytes 1..9 the device size in sectors (little endian) and the rest
/// the log. An accepted log must give a well-formed list of acknowledged entries
/// holding exactly the log's sectors, within the device, and survive encode and
/// decode (a second round trip changes no byte). Returns whether it was accepted.
pub fn check_badblocks_log(data: &[u8]) -> bool {
    use crate::badblocks::log::{decode, encode, LOG_BYTES};
    use crate::badblocks::{BadBlocks, StoreError, MAX_ENTRIES, MAX_RANGE};

    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    if sel & 0x80 != 0 {
        let mut bb = BadBlocks::new();
        assert!(bb.set(1 << 20, 8, true));
        let unack = sel & 0x40 != 0;
        let r = bb.store(rest, unack);
        let mut page = vec![0u8; 4096];
        let n = bb.show(false, &mut page);
        assert!(n <= page.len());
        return match r {
            Ok(()) => {
                assert!(bb.changed());
                true
            }
            Err(StoreError::NoSpace) => {
                assert_eq!(bb.count(), 1);
                false
            }
            Err(StoreError::Invalid) => false,
        };
    }
    let Some((size, log)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let dev_sectors = u64::from_le_bytes(*size);
    let mut bb = BadBlocks::new();
    if decode(log, sel, dev_sectors, &mut bb).is_err() {
        assert_eq!(bb.count(), 0);
        return false;
    }
    assert!(bb.count() <= MAX_ENTRIES);
    assert_eq!(bb.shift(), u32::from(sel));
    let mut prev_end = 0;
    for r in bb.ranges() {
        assert!(r.acked);
        assert!((1..=MAX_RANGE).contains(&r.sectors));
        assert!(r.start >= prev_end);
        assert!(r.end() <= dev_sectors);
        prev_end = r.end();
    }
    // The same sectors as the log's entries (up to its end mark).
    let mut want: Vec<(u64, u64)> = Vec::new();
    for c in log.chunks_exact(8) {
        let v = u64::from_le_bytes(c.try_into().unwrap());
        if v == u64::MAX {
            break;
        }
        let s = (v >> 10) << sel;
        let e = s + ((v & 0x3ff) << sel);
        match want.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => want.push((s, e)),
        }
    }
    let mut have: Vec<(u64, u64)> = Vec::new();
    for r in bb.ranges() {
        match have.last_mut() {
            Some(last) if last.1 == r.start => last.1 = r.end(),
            _ => have.push((r.start, r.end())),
        }
    }
    assert_eq!(have, want);
    // Round trips.
    let mut page = vec![0u8; LOG_BYTES];
    assert_eq!(encode(&bb, &mut page), bb.count());
    let mut back = BadBlocks::disabled();
    decode(&page, sel, dev_sectors, &mut back).expect("encoded log must decode");
    let mut page2 = vec![0u8; LOG_BYTES];
    encode(&back, &mut page2);
    let mut again = BadBlocks::disabled();
    decode(&page2, sel, dev_sectors, &mut again).expect("re-encoded log must decode");
    let mut page3 = vec![0u8; LOG_BYTES];
    encode(&again, &mut page3);
    assert_eq!(page2, page3);
    true
}
