//! The md/ and dev-NAME/ attribute parsers (sysfs/parse.rs), against what md's
//! kstrto*, simple_strtoul, strict_strtoul_scaled and cmd_match accept.

use rust_md_host::sysfs_parse::*;

use ParseError::{Inval, Overflow, Range};

#[test]
fn word_and_cstr() {
    assert_eq!(word(b"clean\n"), b"clean");
    assert_eq!(word(b"clean\nx"), b"clean");
    assert_eq!(word(b"a\0b"), b"a");
    assert_eq!(word(b""), b"");
    assert_eq!(cstr(b"1 2\n\0junk"), b"1 2\n");
    assert_eq!(cstr(b"abc"), b"abc");
    assert!(cmd_match(b"idle", b"idle"));
    assert!(cmd_match(b"idle\n", b"idle"));
    assert!(!cmd_match(b"idle\n\n", b"idle"));
    assert!(!cmd_match(b"idl", b"idle"));
    assert!(!cmd_match(b" idle", b"idle"));
}

#[test]
fn parse_u32_is_strict() {
    assert_eq!(parse_u32(b"0"), Ok(0));
    assert_eq!(parse_u32(b"1920"), Ok(1920));
    assert_eq!(parse_u32(b"4294967295"), Ok(u32::MAX));
    assert_eq!(parse_u32(b"4294967296"), Err(Inval));
    assert_eq!(parse_u32(b""), Err(Inval));
    assert_eq!(parse_u32(b"+1"), Err(Inval));
    assert_eq!(parse_u32(b"1 "), Err(Inval));
}

#[test]
fn kstrto_as_the_kernel() {
    assert_eq!(kstrtoull(b"12"), Ok(12));
    assert_eq!(kstrtoull(b"+12\n"), Ok(12));
    assert_eq!(kstrtoull(b"18446744073709551615"), Ok(u64::MAX));
    assert_eq!(kstrtoull(b"18446744073709551616"), Err(Range));
    assert_eq!(kstrtoull(b"12\n\n"), Err(Inval));
    assert_eq!(kstrtoull(b"-1"), Err(Inval));
    assert_eq!(kstrtoull(b"+"), Err(Inval));
    assert_eq!(kstrtoull(b"\n"), Err(Inval));
    assert_eq!(kstrtoull(b"1x"), Err(Inval));
    assert_eq!(kstrtouint(b"4294967295"), Ok(u32::MAX));
    assert_eq!(kstrtouint(b"4294967296"), Err(Range));
    for (s, v) in [
        (&b"y"[..], true),
        (b"Yes", true),
        (b"1", true),
        (b"on", true),
        (b"ON\n", true),
        (b"n", false),
        (b"0", false),
        (b"off", false),
        (b"false", false),
    ] {
        assert_eq!(kstrtobool(s), Ok(v), "{s:?}");
    }
    for s in [&b""[..], b"o", b"2", b"x", b" 1"] {
        assert_eq!(kstrtobool(s), Err(Inval), "{s:?}");
    }
}

#[test]
fn sizes_in_kib() {
    assert_eq!(blocks_to_sectors(b"1024\n"), Ok(2048));
    assert_eq!(blocks_to_sectors(b"9223372036854775807"), Ok(u64::MAX - 1));
    // Overflow of the doubling and of the number itself are both EINVAL.
    assert_eq!(blocks_to_sectors(b"9223372036854775808"), Err(Inval));
    assert_eq!(blocks_to_sectors(b"99999999999999999999"), Err(Inval));
    assert_eq!(parse_array_size(b"default\n"), Ok(None));
    assert_eq!(parse_array_size(b"defaultx"), Ok(None));
    assert_eq!(parse_array_size(b"8"), Ok(Some(16)));
    assert_eq!(parse_array_size(b"x"), Err(Inval));
}

#[test]
fn safe_mode_delay_seconds() {
    assert_eq!(seconds_to_ms(b"0.200"), Ok(200));
    assert_eq!(seconds_to_ms(b"0.2\n"), Ok(200));
    assert_eq!(seconds_to_ms(b"1"), Ok(1000));
    assert_eq!(seconds_to_ms(b"1."), Ok(1000));
    assert_eq!(seconds_to_ms(b".5"), Ok(500));
    // Digits past the third decimal are ignored.
    assert_eq!(seconds_to_ms(b"0.12345"), Ok(123));
    assert_eq!(seconds_to_ms(b""), Ok(0));
    assert_eq!(seconds_to_ms(b"1.2.3"), Err(Inval));
    assert_eq!(seconds_to_ms(b"-1"), Err(Inval));
    assert_eq!(seconds_to_ms(b"99999999999999999999"), Err(Inval));
    // HZ=250: 200 ms is 50 jiffies; anything above 0 is at least one.
    assert_eq!(safe_delay_jiffies(b"0.200", 250), Ok(50));
    assert_eq!(safe_delay_jiffies(b"0.001", 250), Ok(1));
    assert_eq!(safe_delay_jiffies(b"0", 250), Ok(0));
    let max_ms = u32::MAX / 250;
    let ok = format!("{}.{:03}", max_ms / 1000, max_ms % 1000);
    assert_eq!(
        safe_delay_jiffies(ok.as_bytes(), 250),
        Ok(max_ms * 250 / 1000)
    );
    let over = format!("{}.{:03}", (max_ms + 1) / 1000, (max_ms + 1) % 1000);
    assert_eq!(safe_delay_jiffies(over.as_bytes(), 250), Err(Inval));
    assert_eq!(jiffies_to_ms(50, 250), 200);
    assert_eq!(jiffies_to_ms(51, 250), 204);
    assert_eq!(jiffies_to_ms(u32::MAX, 100), u32::MAX);
    assert_eq!(jiffies_to_ms(1, 0), u32::MAX);
}

#[test]
fn new_dev_major_minor() {
    assert_eq!(parse_dev(b"8:16"), Ok((8, 16)));
    assert_eq!(parse_dev(b"8:16\n"), Ok((8, 16)));
    assert_eq!(parse_dev(b":16"), Ok((0, 16)));
    assert_eq!(parse_dev(b"8:"), Err(Inval));
    assert_eq!(parse_dev(b"8:\n"), Err(Inval));
    assert_eq!(parse_dev(b"8"), Err(Inval));
    assert_eq!(parse_dev(b"8:16x"), Err(Inval));
    assert_eq!(parse_dev(b"4095:1048575"), Ok((4095, 1048575)));
    assert_eq!(parse_dev(b"4096:0"), Err(Overflow));
    assert_eq!(parse_dev(b"0:1048576"), Err(Overflow));
}

#[test]
fn array_state_words() {
    for s in ArrayState::ALL {
        assert_eq!(ArrayState::parse(s.word().as_bytes()), Some(s));
    }
    assert_eq!(ArrayState::parse(b"read-auto"), Some(ArrayState::ReadAuto));
    assert_eq!(
        ArrayState::parse(b"clean\n"),
        None,
        "callers strip the newline"
    );
    assert_eq!(ArrayState::parse(b"Clean"), None);
    let closing: Vec<_> = ArrayState::ALL.into_iter().filter(|s| s.closes()).collect();
    assert_eq!(
        closing,
        [
            ArrayState::Clear,
            ArrayState::Inactive,
            ArrayState::Readonly,
            ArrayState::ReadAuto
        ]
    );
}

#[test]
fn sync_action_words() {
    for a in SyncAction::ALL {
        assert_eq!(SyncAction::parse(a.word().as_bytes()), Some(a));
        let nl = format!("{}\n", a.word());
        assert_eq!(SyncAction::parse(nl.as_bytes()), Some(a));
    }
    assert_eq!(SyncAction::parse(b"checkx"), None);
    assert_eq!(SyncAction::parse(b""), None);
}

#[test]
fn level_and_metadata_words() {
    assert_eq!(parse_level(b"raid1"), Some((1, true)));
    assert_eq!(parse_level(b"1"), Some((1, false)));
    assert_eq!(parse_level(b"raid5"), None);
    assert_eq!(parse_metadata_version(b"none"), Some(Metadata::None));
    assert_eq!(
        parse_metadata_version(b"0.90"),
        Some(Metadata::Persistent(0, 90))
    );
    for (w, minor) in [
        (&b"1.0"[..], 0),
        (b"1.00", 0),
        (b"1.1", 1),
        (b"1.01", 1),
        (b"1.2", 2),
        (b"1.02", 2),
    ] {
        assert_eq!(
            parse_metadata_version(w),
            Some(Metadata::Persistent(1, minor))
        );
    }
    assert_eq!(parse_metadata_version(b"1.3"), None);
    assert_eq!(parse_metadata_version(b"external:imsm"), None);
}

#[test]
fn chunk_size_as_md() {
    assert_eq!(chunk_size_sectors(b"65536"), Ok(128));
    assert_eq!(chunk_size_sectors(b"511"), Ok(0));
    // md keeps `n >> 9` in an int: the high bits are lost.
    assert_eq!(chunk_size_sectors(b"2199023255552"), Ok(0));
    assert_eq!(chunk_size_sectors(b"x"), Err(Inval));
    assert_eq!(chunk_size_show(128), 65536);
    assert_eq!(chunk_size_show(0), 0);
    // md prints the int `chunk_sectors << 9`: 2^22 sectors (2 GiB) wraps.
    assert_eq!(chunk_size_show(1 << 21), 1 << 30);
    assert_eq!(chunk_size_show(1 << 22), i32::MIN);
    assert_eq!(chunk_size_show(1 << 23), 0);
    assert_eq!(chunk_size_show(u32::MAX), -512);
}

#[test]
fn the_other_words() {
    assert_eq!(parse_resync_start(b"none\n"), Ok(None));
    assert_eq!(parse_resync_start(b"100"), Ok(Some(100)));
    assert_eq!(parse_resync_start(b"nonex"), Err(Inval));
    assert_eq!(parse_reshape_direction(b"forwards"), Ok(false));
    assert_eq!(parse_reshape_direction(b"backwards\n"), Ok(true));
    assert_eq!(parse_reshape_direction(b"back"), Err(Inval));
    assert_eq!(parse_max_read_errors(b"20"), Ok(20));
    assert_eq!(parse_max_read_errors(b"2147483647"), Ok(i32::MAX as u32));
    assert_eq!(parse_max_read_errors(b"2147483648"), Err(Inval));
    assert_eq!(parse_max_read_errors(b"4294967296"), Err(Range));
    assert_eq!(parse_sync_speed(b"system"), Ok(0));
    assert_eq!(parse_sync_speed(b"systemx"), Ok(0));
    assert_eq!(parse_sync_speed(b"1000\n"), Ok(1000));
    assert_eq!(parse_sync_speed(b"0"), Err(Inval));
    assert_eq!(parse_sync_speed(b"4294967296"), Err(Range));
    assert_eq!(parse_force_parallel(b"0"), Ok(false));
    assert_eq!(parse_force_parallel(b"-0"), Ok(false));
    assert_eq!(parse_force_parallel(b"1\n"), Ok(true));
    assert_eq!(parse_force_parallel(b"-1"), Err(Inval));
    assert_eq!(parse_force_parallel(b"2"), Err(Inval));
    assert_eq!(parse_sync_sector(b"18446744073709551616"), Err(Inval));
    assert_eq!(parse_sync_max(b"max\n"), Ok(None));
    assert_eq!(parse_sync_max(b"1024"), Ok(Some(1024)));
    assert_eq!(parse_sync_max(b"-1"), Err(Inval));
    assert_eq!(parse_rdev_state(b"faulty\n"), Some(RdevStateWord::Faulty));
    assert_eq!(parse_rdev_state(b"remove"), Some(RdevStateWord::Remove));
    assert_eq!(parse_rdev_state(b"blocked\n"), Some(RdevStateWord::Blocked(true)));
    assert_eq!(parse_rdev_state(b"-blocked"), Some(RdevStateWord::Blocked(false)));
    assert_eq!(parse_rdev_state(b"failfast"), Some(RdevStateWord::FailFast(true)));
    assert_eq!(parse_rdev_state(b"-failfast\n"), Some(RdevStateWord::FailFast(false)));
    assert_eq!(parse_rdev_state(b"write_error"), Some(RdevStateWord::WriteError(true)));
    assert_eq!(parse_rdev_state(b"-write_error"), Some(RdevStateWord::WriteError(false)));
    // md's other words md_mod does not act on yet, and near misses.
    assert_eq!(parse_rdev_state(b"fail_fast"), None);
    assert_eq!(parse_rdev_state(b"blocked\n\n"), None);
    assert_eq!(parse_rdev_state(b"want_replacement"), None);
    assert_eq!(
        parse_rdev_state(b"writemostly\n"),
        Some(RdevStateWord::WriteMostly(true))
    );
    assert_eq!(
        parse_rdev_state(b"-writemostly"),
        Some(RdevStateWord::WriteMostly(false))
    );
    assert_eq!(parse_rdev_state(b"write_mostly"), None);
    assert_eq!(parse_rdev_state(b"writemostly\n\n"), None);
}

/// Nothing panics on any short input (the fuzz target covers long ones).
#[test]
fn no_panic_on_short_inputs() {
    let alphabet = b"09+-.:\n\0amxyn";
    let mut buf = Vec::new();
    for len in 0..=4 {
        let total = alphabet.len().pow(len);
        for mut i in 0..total {
            buf.clear();
            for _ in 0..len {
                buf.push(alphabet[i % alphabet.len()]);
                i /= alphabet.len();
            }
            rust_md_host::fuzzing::check_sysfs_parse(&buf);
        }
    }
}

#[test]
fn kstrtoll_as_the_kernel() {
    assert_eq!(kstrtoll(b"8"), Ok(8));
    assert_eq!(kstrtoll(b"+8\n"), Ok(8));
    assert_eq!(kstrtoll(b"-16"), Ok(-16));
    assert_eq!(kstrtoll(b"-0"), Ok(0));
    assert_eq!(kstrtoll(b"9223372036854775807"), Ok(i64::MAX));
    assert_eq!(kstrtoll(b"9223372036854775808"), Err(Range));
    assert_eq!(kstrtoll(b"-9223372036854775808"), Ok(i64::MIN));
    assert_eq!(kstrtoll(b"-9223372036854775809"), Err(Range));
    assert_eq!(kstrtoll(b"-+1"), Err(Inval));
    assert_eq!(kstrtoll(b"--1"), Err(Inval));
    assert_eq!(kstrtoll(b"-"), Err(Inval));
    assert_eq!(kstrtoll(b"1 "), Err(Inval));
    assert_eq!(kstrtoll(b""), Err(Inval));
}

#[test]
fn bitmap_location_as_md() {
    use BitmapLocation::*;
    assert_eq!(parse_bitmap_location(b"none"), Ok(None));
    assert_eq!(parse_bitmap_location(b"none\n"), Ok(None));
    // Prefixes, as md's strncmp.
    assert_eq!(parse_bitmap_location(b"nonesense"), Ok(None));
    assert_eq!(parse_bitmap_location(b"file:/x"), Ok(File));
    assert_eq!(parse_bitmap_location(b"+8\n"), Ok(Offset(8)));
    assert_eq!(parse_bitmap_location(b"8"), Ok(Offset(8)));
    assert_eq!(parse_bitmap_location(b"-16"), Ok(Offset(-16)));
    // md strips one '+', kstrtoll takes another.
    assert_eq!(parse_bitmap_location(b"++2"), Ok(Offset(2)));
    assert_eq!(parse_bitmap_location(b"+-2"), Ok(Offset(-2)));
    assert_eq!(parse_bitmap_location(b"0"), Err(Inval));
    assert_eq!(parse_bitmap_location(b"+0"), Err(Inval));
    assert_eq!(parse_bitmap_location(b"file"), Err(Inval));
    assert_eq!(parse_bitmap_location(b"internal"), Err(Inval));
    assert_eq!(parse_bitmap_location(b""), Err(Inval));
    assert_eq!(parse_bitmap_location(b"99999999999999999999"), Err(Range));
    assert!(bitmap_location_is_none(b"none\n"));
    assert!(bitmap_location_is_none(b"nonexyz"));
    assert!(!bitmap_location_is_none(b"+8"));
    assert!(!bitmap_location_is_none(b"non"));
}

#[test]
fn strtoul_scaled_as_md() {
    assert_eq!(strtoul_scaled(b"5", 4), Ok(50000));
    assert_eq!(strtoul_scaled(b"5\n", 4), Ok(50000));
    assert_eq!(strtoul_scaled(b"0.5", 4), Ok(5000));
    assert_eq!(strtoul_scaled(b"1.23456", 4), Ok(12345));
    assert_eq!(strtoul_scaled(b".1", 4), Ok(1000));
    assert_eq!(strtoul_scaled(b"1.", 4), Ok(10000));
    assert_eq!(strtoul_scaled(b"", 4), Ok(0));
    assert_eq!(strtoul_scaled(b"1.2.3", 4), Err(Inval));
    assert_eq!(strtoul_scaled(b"-1", 4), Err(Inval));
    assert_eq!(strtoul_scaled(b"1 ", 4), Err(Inval));
    assert_eq!(strtoul_scaled(b"99999999999999999999", 4), Err(Inval));
    assert_eq!(strtoul_scaled(b"2.5", 3), seconds_to_ms(b"2.5"));
}

#[test]
fn bitmap_time_base_as_md() {
    // 250 Hz: 5 s is 1250 jiffies; shown back as whole seconds.
    assert_eq!(bitmap_timeout_jiffies(b"5", 250), Ok(1250));
    assert_eq!(bitmap_timeout_show(1250, 250), (5, None));
    assert_eq!(bitmap_timeout_jiffies(b"0.5\n", 250), Ok(125));
    assert_eq!(bitmap_timeout_show(125, 250), (0, Some(500)));
    assert_eq!(bitmap_timeout_jiffies(b"1.25", 250), Ok(312));
    assert_eq!(bitmap_timeout_show(312, 250), (1, Some(248)));
    // At least one jiffy.
    assert_eq!(bitmap_timeout_jiffies(b"0", 250), Ok(1));
    assert_eq!(bitmap_timeout_jiffies(b"0.0001", 250), Ok(1));
    assert_eq!(bitmap_timeout_show(1, 250), (0, Some(4)));
    assert_eq!(bitmap_timeout_show(0, 250), (0, None));
    assert_eq!(bitmap_timeout_jiffies(b"x", 250), Err(Inval));
    // Refused from LONG_MAX / HZ ten-thousandths on.
    let lim = (i64::MAX as u64) / 250;
    let just_below = format!("{}.{:04}", (lim - 1) / 10000, (lim - 1) % 10000);
    assert!(bitmap_timeout_jiffies(just_below.as_bytes(), 250).is_ok());
    let at = format!("{}.{:04}", lim / 10000, lim % 10000);
    assert_eq!(bitmap_timeout_jiffies(at.as_bytes(), 250), Err(Inval));
    assert_eq!(bitmap_timeout_jiffies(b"1", 1000), Ok(1000));
    assert_eq!(bitmap_timeout_show(1500, 1000), (1, Some(500)));
    assert_eq!(jiffies_to_msecs(1, 100), 10);
    assert_eq!(jiffies_to_msecs(1, 300), 3);
}

#[test]
fn bitmap_numbers_as_md() {
    assert_eq!(parse_bitmap_backlog(b"0"), Ok(0));
    assert_eq!(parse_bitmap_backlog(b"16383\n"), Ok(16383));
    assert_eq!(parse_bitmap_backlog(b"16384"), Err(Inval));
    assert_eq!(parse_bitmap_backlog(b"-1"), Err(Inval));
    assert_eq!(parse_bitmap_backlog(b"99999999999999999999"), Err(Range));
    assert_eq!(parse_bitmap_chunksize(b"512"), Ok(512));
    assert_eq!(parse_bitmap_chunksize(b"67108864\n"), Ok(1 << 26));
    assert_eq!(parse_bitmap_chunksize(b"256"), Err(Inval));
    assert_eq!(parse_bitmap_chunksize(b"1000"), Err(Inval));
    assert_eq!(parse_bitmap_chunksize(b"0"), Err(Inval));
    assert_eq!(parse_bitmap_chunksize(b"2147483648"), Ok(1 << 31));
    assert_eq!(parse_bitmap_chunksize(b"4294967296"), Err(Overflow));
    assert_eq!(parse_bitmap_chunksize(b"x"), Err(Inval));
    assert_eq!(parse_bitmap_space(b"6"), Ok(6));
    assert_eq!(parse_bitmap_space(b"0"), Err(Inval));
    assert_eq!(parse_bitmap_space(b""), Err(Inval));
}

#[test]
fn bitmap_words_as_md() {
    assert_eq!(parse_bitmap_metadata(b"external\n"), Some(true));
    assert_eq!(parse_bitmap_metadata(b"internal"), Some(false));
    assert_eq!(parse_bitmap_metadata(b"clustered"), Some(false));
    assert_eq!(parse_bitmap_metadata(b"internalx"), Some(false));
    assert_eq!(parse_bitmap_metadata(b"intern"), None);
    assert_eq!(parse_can_clear(b"true\n"), Some(true));
    assert_eq!(parse_can_clear(b"false"), Some(false));
    assert_eq!(parse_can_clear(b"1"), None);
}

/// md/bitmap_set_bits' list, as md's bitmap_store reads it.
#[test]
fn bitmap_set_bits_chunk_list() {
    let list = |s: &[u8]| {
        let mut v = Vec::new();
        rust_md_host::sysfs_parse::chunk_list(s, |a, b| v.push((a, b)));
        v
    };
    assert_eq!(list(b"3"), vec![(3, 3)]);
    assert_eq!(list(b"1-4 7\n"), vec![(1, 4), (7, 7)]);
    assert_eq!(list(b"0x10 010"), vec![(16, 16), (8, 8)]);
    assert_eq!(list(b"2 x 5"), vec![(2, 2)]);
    assert_eq!(list(b"2-"), vec![]);
    assert_eq!(list(b"5,6"), vec![]);
    assert_eq!(list(b""), vec![]);
    assert_eq!(list(b"99999999999999999999999"), vec![(u64::MAX, u64::MAX)]);
}
