// SPDX-License-Identifier: GPL-2.0
//! What md/ and dev-NAME/ attribute writes take, parsed as md parses them (its
//! kstrto*, simple_strtoul, strict_strtoul_scaled and cmd_match uses), and the
//! few values the attributes compute for show.
//!
//! Pure `core` code: the host tests it (host/tests/sysfs_parse.rs) and fuzzes it
//! (fuzz/fuzz_targets/sysfs_parse.rs); sysfs.rs maps [`ParseError`] to errnos.

/// Why a write is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// EINVAL.
    Inval,
    /// ERANGE.
    Range,
    /// EOVERFLOW.
    Overflow,
}

/// A parser's result.
pub type ParseResult<T> = Result<T, ParseError>;

/// The first word of a sysfs write, without the trailing newline.
pub fn word(input: &[u8]) -> &[u8] {
    let end = input
        .iter()
        .position(|b| *b == b'\n' || *b == 0)
        .unwrap_or(input.len());
    input.get(..end).unwrap_or(&[])
}

/// The C string a store gets: its bytes up to the first NUL.
pub fn cstr(input: &[u8]) -> &[u8] {
    let end = input.iter().position(|b| *b == 0).unwrap_or(input.len());
    input.get(..end).unwrap_or(&[])
}

/// md's cmd_match: `s` is `word`, optionally followed by a newline.
pub fn cmd_match(s: &[u8], word: &[u8]) -> bool {
    s == word || s.strip_suffix(b"\n") == Some(word)
}

/// Decimal digits only, at least one, no overflow (raid_disks).
pub fn parse_u32(s: &[u8]) -> ParseResult<u32> {
    if s.is_empty() {
        return Err(ParseError::Inval);
    }
    let mut n: u32 = 0;
    for b in s {
        if !b.is_ascii_digit() {
            return Err(ParseError::Inval);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(b - b'0')))
            .ok_or(ParseError::Inval)?;
    }
    Ok(n)
}

/// Leading decimal digits of `s`: their value (wrapping, as simple_strtoul), how
/// many there are, and whether the value overflowed.
fn leading_digits(s: &[u8]) -> (u64, usize, bool) {
    let (mut v, mut n, mut over) = (0u64, 0usize, false);
    for d in s.iter().take_while(|b| b.is_ascii_digit()) {
        let digit = u64::from(d.saturating_sub(b'0'));
        match v.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(x) => v = x,
            None => {
                over = true;
                v = v.wrapping_mul(10).wrapping_add(digit);
            }
        }
        n += 1;
    }
    (v, n, over)
}

/// kstrtoull(s, 10): an optional '+', digits, an optional newline.
pub fn kstrtoull(s: &[u8]) -> ParseResult<u64> {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (v, n, over) = leading_digits(s);
    if over {
        return Err(ParseError::Range);
    }
    match s.get(n..) {
        _ if n == 0 => Err(ParseError::Inval),
        Some(b"" | b"\n") => Ok(v),
        _ => Err(ParseError::Inval),
    }
}

/// kstrtouint(s, 10).
pub fn kstrtouint(s: &[u8]) -> ParseResult<u32> {
    u32::try_from(kstrtoull(s)?).map_err(|_| ParseError::Range)
}

/// kstrtobool.
pub fn kstrtobool(s: &[u8]) -> ParseResult<bool> {
    match s {
        [b'y' | b'Y' | b't' | b'T' | b'1', ..] => Ok(true),
        [b'n' | b'N' | b'f' | b'F' | b'0', ..] => Ok(false),
        [b'o' | b'O', b'n' | b'N', ..] => Ok(true),
        [b'o' | b'O', b'f' | b'F', ..] => Ok(false),
        _ => Err(ParseError::Inval),
    }
}

/// md's strict_blocks_to_sectors: KiB to sectors.
pub fn blocks_to_sectors(s: &[u8]) -> ParseResult<u64> {
    kstrtoull(s)
        .ok()
        .and_then(|blocks| blocks.checked_mul(2))
        .ok_or(ParseError::Inval)
}

/// md's strict_strtoul_scaled(s, 3): a decimal number of seconds in ms; digits
/// past the third decimal are ignored.
pub fn seconds_to_ms(s: &[u8]) -> ParseResult<u64> {
    let (mut v, mut decimals, mut i) = (0u64, None::<u32>, 0usize);
    while let Some(&c) = s.get(i) {
        if c == b'.' && decimals.is_none() {
            decimals = Some(0);
        } else if c.is_ascii_digit() {
            if decimals.map_or(true, |d| d < 3) {
                v = v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                    .ok_or(ParseError::Inval)?;
                decimals = decimals.map(|d| d + 1);
            }
        } else {
            break;
        }
        i += 1;
    }
    match s.get(i..) {
        Some(b"" | b"\n") => {}
        _ => return Err(ParseError::Inval),
    }
    let scale = 10u64.pow(3 - decimals.unwrap_or(0).min(3));
    v.checked_mul(scale).ok_or(ParseError::Inval)
}

/// safe_mode_delay's write: decimal seconds to jiffies at `hz` (0: off; else at
/// least one jiffy), refused past what md's unsigned long msec fits.
pub fn safe_delay_jiffies(s: &[u8], hz: u32) -> ParseResult<u32> {
    let ms = seconds_to_ms(s)?;
    if hz == 0 || ms > u64::from(u32::MAX / hz) {
        return Err(ParseError::Inval);
    }
    match ms {
        0 => Ok(0),
        // Fits in u32 after the check above.
        _ => u32::try_from(ms * u64::from(hz) / 1000)
            .map(|j| j.max(1))
            .map_err(|_| ParseError::Inval),
    }
}

/// Jiffies at `hz` to ms, as md's safe_delay_show computes them.
pub fn jiffies_to_ms(j: u32, hz: u32) -> u32 {
    match u64::from(j)
        .checked_mul(1000)
        .and_then(|v| v.checked_div(u64::from(hz)))
    {
        Some(ms) => u32::try_from(ms).unwrap_or(u32::MAX),
        None => u32::MAX,
    }
}

/// new_dev's "major:minor" (md parses it with simple_strtoul).
pub fn parse_dev(s: &[u8]) -> ParseResult<(i32, i32)> {
    let (major, n, _) = leading_digits(s);
    let rest = match s.get(n..) {
        Some([b':', rest @ ..]) => rest,
        _ => return Err(ParseError::Inval),
    };
    if matches!(rest.first(), None | Some(b'\n')) {
        return Err(ParseError::Inval);
    }
    let (minor, n, _) = leading_digits(rest);
    if !matches!(rest.get(n), None | Some(b'\n')) {
        return Err(ParseError::Inval);
    }
    // md keeps both in ints and checks that they survive MKDEV.
    let (major, minor) = (major as u32, minor as u32);
    if major >= 1 << 12 || minor >= 1 << 20 {
        return Err(ParseError::Overflow);
    }
    Ok((major as i32, minor as i32))
}

/// md's array_state words, in md's order (`enum array_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayState {
    /// `clear`.
    Clear,
    /// `inactive`.
    Inactive,
    /// `suspended`.
    Suspended,
    /// `readonly`.
    Readonly,
    /// `read-auto`.
    ReadAuto,
    /// `clean`.
    Clean,
    /// `active`.
    Active,
    /// `write-pending`.
    WritePending,
    /// `active-idle`.
    ActiveIdle,
    /// `broken`.
    Broken,
}

impl ArrayState {
    /// Every state, in md's order.
    pub const ALL: [ArrayState; 10] = [
        ArrayState::Clear,
        ArrayState::Inactive,
        ArrayState::Suspended,
        ArrayState::Readonly,
        ArrayState::ReadAuto,
        ArrayState::Clean,
        ArrayState::Active,
        ArrayState::WritePending,
        ArrayState::ActiveIdle,
        ArrayState::Broken,
    ];

    /// The state's word.
    pub fn word(self) -> &'static str {
        match self {
            ArrayState::Clear => "clear",
            ArrayState::Inactive => "inactive",
            ArrayState::Suspended => "suspended",
            ArrayState::Readonly => "readonly",
            ArrayState::ReadAuto => "read-auto",
            ArrayState::Clean => "clean",
            ArrayState::Active => "active",
            ArrayState::WritePending => "write-pending",
            ArrayState::ActiveIdle => "active-idle",
            ArrayState::Broken => "broken",
        }
    }

    /// The state `w` (a [`word`]) names.
    pub fn parse(w: &[u8]) -> Option<ArrayState> {
        ArrayState::ALL
            .iter()
            .copied()
            .find(|s| s.word().as_bytes() == w)
    }

    /// Whether writing it stops writes on a writable array (md's array_state_store
    /// closes the array to new openers first).
    pub fn closes(self) -> bool {
        matches!(
            self,
            ArrayState::Clear | ArrayState::Readonly | ArrayState::Inactive | ArrayState::ReadAuto
        )
    }
}

/// md's sync_action words (action_name), in md's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncAction {
    /// `resync`.
    Resync,
    /// `recover`.
    Recover,
    /// `check`.
    Check,
    /// `repair`.
    Repair,
    /// `reshape`.
    Reshape,
    /// `frozen`.
    Frozen,
    /// `idle`.
    Idle,
}

impl SyncAction {
    /// Every action, in md's order.
    pub const ALL: [SyncAction; 7] = [
        SyncAction::Resync,
        SyncAction::Recover,
        SyncAction::Check,
        SyncAction::Repair,
        SyncAction::Reshape,
        SyncAction::Frozen,
        SyncAction::Idle,
    ];

    /// The action's word.
    pub fn word(self) -> &'static str {
        match self {
            SyncAction::Resync => "resync",
            SyncAction::Recover => "recover",
            SyncAction::Check => "check",
            SyncAction::Repair => "repair",
            SyncAction::Reshape => "reshape",
            SyncAction::Frozen => "frozen",
            SyncAction::Idle => "idle",
        }
    }

    /// The action a sync_action write (a [`cstr`]) names, by md's cmd_match.
    pub fn parse(s: &[u8]) -> Option<SyncAction> {
        SyncAction::ALL
            .iter()
            .copied()
            .find(|a| cmd_match(s, a.word().as_bytes()))
    }
}

/// A level write (a [`word`]): the level and whether it was given by name (md's
/// clevel, which reads back as written).
pub fn parse_level(w: &[u8]) -> Option<(i32, bool)> {
    match w {
        b"raid1" => Some((1, true)),
        b"1" => Some((1, false)),
        _ => None,
    }
}

/// A metadata_version write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metadata {
    /// `none`: no superblocks.
    None,
    /// A superblock format, major and minor.
    Persistent(i32, i32),
}

/// The metadata_version a write (a [`word`]) names.
pub fn parse_metadata_version(w: &[u8]) -> Option<Metadata> {
    Some(match w {
        b"none" => Metadata::None,
        b"0.90" => Metadata::Persistent(0, 90),
        b"1.0" | b"1.00" => Metadata::Persistent(1, 0),
        b"1.1" | b"1.01" => Metadata::Persistent(1, 1),
        b"1.2" | b"1.02" => Metadata::Persistent(1, 2),
        _ => return None,
    })
}

/// chunk_size's write: bytes to sectors, which md keeps (`n >> 9`) in an int.
pub fn chunk_size_sectors(s: &[u8]) -> ParseResult<u32> {
    Ok((kstrtoull(s)? >> 9) as u32)
}

/// chunk_size's show: md prints the int `chunk_sectors << 9`, which wraps (the
/// kernel builds with -fno-strict-overflow) for chunks of 1 GiB and more.
pub fn chunk_size_show(chunk_sectors: u32) -> i32 {
    (chunk_sectors as i32).wrapping_shl(9)
}

/// resync_start's write: `none` (None: in sync) or a sector.
pub fn parse_resync_start(s: &[u8]) -> ParseResult<Option<u64>> {
    if cmd_match(s, b"none") {
        Ok(None)
    } else {
        kstrtoull(s).map(Some)
    }
}

/// reshape_direction's write: whether it says `backwards`.
pub fn parse_reshape_direction(s: &[u8]) -> ParseResult<bool> {
    if cmd_match(s, b"forwards") {
        Ok(false)
    } else if cmd_match(s, b"backwards") {
        Ok(true)
    } else {
        Err(ParseError::Inval)
    }
}

/// array_size's write: `default` (None) or a size in KiB, in sectors.
pub fn parse_array_size(s: &[u8]) -> ParseResult<Option<u64>> {
    if s.starts_with(b"default") {
        Ok(None)
    } else {
        blocks_to_sectors(s).map(Some)
    }
}

/// max_read_errors' write: an unsigned int that fits md's atomic_t.
pub fn parse_max_read_errors(s: &[u8]) -> ParseResult<u32> {
    let n = kstrtouint(s)?;
    if n > i32::MAX as u32 {
        return Err(ParseError::Inval);
    }
    Ok(n)
}

/// sync_speed_min / sync_speed_max's write: `system` (0) or a non-zero KiB/s.
pub fn parse_sync_speed(s: &[u8]) -> ParseResult<u32> {
    if s.starts_with(b"system") {
        return Ok(0);
    }
    match kstrtouint(s)? {
        0 => Err(ParseError::Inval),
        v => Ok(v),
    }
}

/// sync_force_parallel's write: 0 or 1 (md's kstrtol, so `-0` is 0 too).
pub fn parse_force_parallel(s: &[u8]) -> ParseResult<bool> {
    let (negative, digits) = match s.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, s),
    };
    match (negative, kstrtoull(digits)) {
        (_, Ok(0)) => Ok(false),
        (false, Ok(1)) => Ok(true),
        _ => Err(ParseError::Inval),
    }
}

/// sync_min's write, and sync_max's when not `max`: a sector (any error EINVAL).
pub fn parse_sync_sector(s: &[u8]) -> ParseResult<u64> {
    kstrtoull(s).map_err(|_| ParseError::Inval)
}

/// sync_max's write: `max` (None) or a sector.
pub fn parse_sync_max(s: &[u8]) -> ParseResult<Option<u64>> {
    if s.starts_with(b"max") {
        Ok(None)
    } else {
        parse_sync_sector(s).map(Some)
    }
}

/// The dev-NAME/state words md_mod acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdevStateWord {
    /// `faulty`: fail the member.
    Faulty,
    /// `remove`: remove a failed or spare member.
    Remove,
    /// `writemostly` (true) / `-writemostly` (false): set or clear write-mostly.
    WriteMostly(bool),
    /// `blocked` / `-blocked`: hold writes for the member, or let them go.
    Blocked(bool),
    /// `failfast` / `-failfast`: set or clear fail-fast.
    FailFast(bool),
    /// `write_error` / `-write_error`: set or clear WriteErrorSeen.
    WriteError(bool),
}

/// The dev-NAME/state write (a [`cstr`]) md_mod acts on; None for any other.
pub fn parse_rdev_state(s: &[u8]) -> Option<RdevStateWord> {
    use RdevStateWord::*;
    const WORDS: [(&[u8], RdevStateWord); 10] = [
        (b"faulty", Faulty),
        (b"remove", Remove),
        (b"writemostly", WriteMostly(true)),
        (b"-writemostly", WriteMostly(false)),
        (b"blocked", Blocked(true)),
        (b"-blocked", Blocked(false)),
        (b"failfast", FailFast(true)),
        (b"-failfast", FailFast(false)),
        (b"write_error", WriteError(true)),
        (b"-write_error", WriteError(false)),
    ];
    WORDS
        .iter()
        .find(|(word, _)| cmd_match(s, word))
        .map(|(_, w)| *w)
}

// ---- md/bitmap/ (md-bitmap.c's attributes) ----

/// kstrtoull(s, 10) without the leading '+' it allows (the kernel's _kstrtoull).
fn kstrtoull_unsigned(s: &[u8]) -> ParseResult<u64> {
    if s.first() == Some(&b'+') {
        return Err(ParseError::Inval);
    }
    kstrtoull(s)
}

/// kstrtoll(s, 10): an optional '-' (or kstrtoull's '+'), digits, an optional
/// newline; ERANGE outside i64.
pub fn kstrtoll(s: &[u8]) -> ParseResult<i64> {
    match s.strip_prefix(b"-") {
        Some(rest) => {
            let v = kstrtoull_unsigned(rest)?;
            if v > 1u64 << 63 {
                return Err(ParseError::Range);
            }
            // v <= 2^63: its negation fits (2^63 is i64::MIN).
            Ok(0i64.wrapping_sub_unsigned(v))
        }
        None => i64::try_from(kstrtoull(s)?).map_err(|_| ParseError::Range),
    }
}

/// What a write to bitmap/location asks for when the array has no bitmap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitmapLocation {
    /// `none...`: nothing to do.
    None,
    /// `file:...`: an external bitmap file (md: not supported this way).
    File,
    /// `[+]N` or `-N` sectors from the superblock, never 0.
    Offset(i64),
}

/// md's location_store parse: `none` and `file:` are prefixes; otherwise an
/// optional '+' then kstrtoll; 0 is EINVAL.
pub fn parse_bitmap_location(s: &[u8]) -> ParseResult<BitmapLocation> {
    if s.starts_with(b"none") {
        return Ok(BitmapLocation::None);
    }
    if s.starts_with(b"file:") {
        return Ok(BitmapLocation::File);
    }
    let body = s.strip_prefix(b"+").unwrap_or(s);
    match kstrtoll(body)? {
        0 => Err(ParseError::Inval),
        n => Ok(BitmapLocation::Offset(n)),
    }
}

/// Whether a write to the location of an array that has a bitmap removes it
/// (anything else is EBUSY).
pub fn bitmap_location_is_none(s: &[u8]) -> bool {
    s.starts_with(b"none")
}

/// md's strict_strtoul_scaled(s, scale): a decimal number times 10^scale; digits
/// past the scale-th decimal are ignored; an optional newline; EINVAL on
/// anything else (and where md's unsigned long would wrap).
pub fn strtoul_scaled(s: &[u8], scale: u32) -> ParseResult<u64> {
    let (mut v, mut decimals, mut i) = (0u64, None::<u32>, 0usize);
    while let Some(&c) = s.get(i) {
        if c == b'.' && decimals.is_none() {
            decimals = Some(0);
        } else if c.is_ascii_digit() {
            if decimals.map_or(true, |d| d < scale) {
                v = v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                    .ok_or(ParseError::Inval)?;
                decimals = decimals.map(|d| d + 1);
            }
        } else {
            break;
        }
        i += 1;
    }
    match s.get(i..) {
        Some(b"" | b"\n") => {}
        _ => return Err(ParseError::Inval),
    }
    let left = scale.saturating_sub(decimals.unwrap_or(0));
    10u64
        .checked_pow(left)
        .and_then(|p| v.checked_mul(p))
        .ok_or(ParseError::Inval)
}

/// The kernel's LONG_MAX (64-bit), which is also MAX_SCHEDULE_TIMEOUT.
const LONG_MAX: u64 = i64::MAX as u64;

/// bitmap/time_base's write (md's timeout_store): seconds with up to 4 decimals
/// to jiffies at `hz`; EINVAL from LONG_MAX / HZ ten-thousandths on; at least one
/// jiffy and below MAX_SCHEDULE_TIMEOUT.
pub fn bitmap_timeout_jiffies(s: &[u8], hz: u32) -> ParseResult<u64> {
    let t = strtoul_scaled(s, 4)?;
    let hz = u64::from(hz.max(1));
    if t >= LONG_MAX / hz {
        return Err(ParseError::Inval);
    }
    // t * hz < LONG_MAX after the check.
    let j = t * hz / 10000;
    let j = if j >= LONG_MAX { LONG_MAX - 1 } else { j };
    Ok(j.max(1))
}

/// The kernel's jiffies_to_msecs at `hz`.
pub fn jiffies_to_msecs(j: u64, hz: u32) -> u64 {
    let hz = u64::from(hz.max(1));
    if hz <= 1000 {
        j.saturating_mul(1000) / hz
    } else {
        j.saturating_add(hz / 1000 - 1) / (hz / 1000)
    }
}

/// bitmap/time_base's show (md's timeout_show): whole seconds, then `.mmm` when
/// the delay is not a whole number of seconds.
pub fn bitmap_timeout_show(j: u64, hz: u32) -> (u64, Option<u64>) {
    let h = u64::from(hz.max(1));
    let (secs, jifs) = (j / h, j % h);
    (secs, (jifs != 0).then(|| jiffies_to_msecs(jifs, hz)))
}

/// md's COUNTER_MAX: the largest bitmap/backlog.
pub const BITMAP_COUNTER_MAX: u32 = 16383;

/// bitmap/backlog's write: kstrtoul, at most COUNTER_MAX.
pub fn parse_bitmap_backlog(s: &[u8]) -> ParseResult<u32> {
    let n = kstrtoull(s)?;
    if n > u64::from(BITMAP_COUNTER_MAX) {
        return Err(ParseError::Inval);
    }
    Ok(n as u32)
}

/// bitmap/chunksize's write: kstrtoul, a power of two from 512 bytes on;
/// EOVERFLOW if the superblock's 32-bit field cannot hold it.
pub fn parse_bitmap_chunksize(s: &[u8]) -> ParseResult<u64> {
    let c = kstrtoull(s)?;
    if c < 512 || !c.is_power_of_two() {
        return Err(ParseError::Inval);
    }
    if c >= 1u64 << 32 {
        return Err(ParseError::Overflow);
    }
    Ok(c)
}

/// bitmap/space's write: kstrtoul sectors, not 0.
pub fn parse_bitmap_space(s: &[u8]) -> ParseResult<u64> {
    match kstrtoull(s)? {
        0 => Err(ParseError::Inval),
        n => Ok(n),
    }
}

/// bitmap/metadata's write (prefixes, as md's strncmp): `Some(true)` external,
/// `Some(false)` internal (or clustered), `None` EINVAL.
pub fn parse_bitmap_metadata(s: &[u8]) -> Option<bool> {
    if s.starts_with(b"external") {
        Some(true)
    } else if s.starts_with(b"internal") || s.starts_with(b"clustered") {
        Some(false)
    } else {
        None
    }
}

/// bitmap/can_clear's write (prefixes): `Some(true)` for `true`, `Some(false)`
/// for `false`, `None` EINVAL.
pub fn parse_can_clear(s: &[u8]) -> Option<bool> {
    if s.starts_with(b"false") {
        Some(false)
    } else if s.starts_with(b"true") {
        Some(true)
    } else {
        None
    }
}

/// simple_strtoul(s, &end, 0): the number at the start of `s` (`0x` hex, `0` octal,
/// else decimal; saturating) and the bytes it took (0: no number).
fn simple_strtoul(s: &[u8]) -> (u64, usize) {
    let (radix, skip) = match s {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut v: u64 = 0;
    let mut n = skip;
    while let Some(c) = s.get(n) {
        let Some(d) = (*c as char).to_digit(radix) else {
            break;
        };
        v = v
            .saturating_mul(u64::from(radix))
            .saturating_add(u64::from(d));
        n += 1;
    }
    if n == skip {
        (0, 0)
    } else {
        (v, n)
    }
}

/// md/bitmap_set_bits (md's bitmap_store): `<chunk>` or `<chunk>-<chunk>` items
/// separated by white space; each range is handed to `f` (first, last), up to the
/// first item that does not parse (md stops there and still accepts the write).
pub fn chunk_list(input: &[u8], mut f: impl FnMut(u64, u64)) {
    let mut s = input;
    while !s.is_empty() {
        let (first, n) = simple_strtoul(s);
        if n == 0 {
            return;
        }
        s = s.get(n..).unwrap_or(&[]);
        let mut last = first;
        if let [b'-', rest @ ..] = s {
            let (v, n) = simple_strtoul(rest);
            if n == 0 {
                return;
            }
            last = v;
            s = rest.get(n..).unwrap_or(&[]);
        }
        if let Some(c) = s.first() {
            if !c.is_ascii_whitespace() {
                return;
            }
        }
        f(first, last);
        while let [c, rest @ ..] = s {
            if !c.is_ascii_whitespace() {
                break;
            }
            s = rest;
        }
    }
}
