// SPDX-License-Identifier: GPL-2.0
//! A member's list of bad blocks (the kernel's block/badblocks.c as md uses it):
//! at most [`MAX_ENTRIES`] sorted, disjoint ranges of at most [`MAX_RANGE`]
//! sectors each, every one acknowledged (on disk) or not yet, plus the `changed`
//! mark (the list must be written out) and the `unacked_exist` hint.
//!
//! Sectors are device sectors (data offset included), as in md's list, its on-disk
//! log and its sysfs files. The entries are laid out as badblocks.c lays them out:
//! [`BadBlocks::set`] walks the new range from its start and at each step either
//! grows a neighbouring entry, overwrites an unacknowledged one with an
//! acknowledged one, skips what is recorded already, or inserts a new entry, with
//! the same choices as the kernel, so the same operations give the same entries.
//!
//! Pure code (`core` only): the kernel module and the host tests compile this file.
//! The list lives in a fixed array (one 4 KiB page of packed entries, as md's).
//!
//! Where this differs from the kernel (6.12):
//! - A non-zero `shift` rounds: `set` and `check` outward, `clear` inward, to blocks
//!   of `1 << shift` sectors, and the entries stay in sectors (`show` prints them as
//!   they are). The 6.12 code means to round but drops the rounded values, and its
//!   `show` shifts sectors left once more. md only ever uses shift 0 (mdadm writes
//!   `bblog_shift` 0), where both agree.
//! - A range reaching beyond sector `1 << 54` (what an entry can hold) is not
//!   recorded (`set` returns false); the kernel would store a truncated start.
//! - `show` writes at most `out.len()` bytes, and at most 4095 (what a reader of
//!   the sysfs file gets when md's text overflows the page: md returns the
//!   untruncated length and sysfs cuts it to PAGE_SIZE - 1, logging
//!   "fill_read_buffer: ... returned bad count").

pub mod log;

use core::cell::Cell;

/// Entries the list holds (one page of 64-bit entries, md's MAX_BADBLOCKS).
pub const MAX_ENTRIES: usize = 512;
/// Longest entry in sectors (BB_MAX_LEN).
pub const MAX_RANGE: u64 = 512;
/// First sector an entry cannot start at (54 bits of start).
pub const SECTOR_LIMIT: u64 = 1 << 54;
/// Bytes of a sysfs page (`show`'s limit, as badblocks_show's PAGE_SIZE).
pub const PAGE_BYTES: usize = 4096;

/// One entry of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First bad sector.
    pub start: u64,
    /// Length in sectors (1..=MAX_RANGE).
    pub sectors: u64,
    /// Recorded on disk (or loaded from it).
    pub acked: bool,
}

impl Range {
    /// One past the last sector.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.sectors)
    }
}

/// badblocks_check's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// No entry overlaps the range.
    Good,
    /// The first entry overlapping the range (its whole extent), `acked` false when any
    /// overlapping entry is unacknowledged (md's -1).
    Bad {
        /// The entry's first sector (may be below the range asked).
        first: u64,
        /// The entry's length.
        sectors: u64,
        /// Every overlapping entry is acknowledged.
        acked: bool,
    },
}

/// Why `store` refused a write (badblocks_store's errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// Not "SECTOR LENGTH" with a positive length (EINVAL).
    Invalid,
    /// Not recorded: the list is full or disabled (ENOSPC).
    NoSpace,
}

impl StoreError {
    /// The errno the write returns (positive).
    pub fn errno(self) -> i32 {
        match self {
            StoreError::Invalid => 22,
            StoreError::NoSpace => 28,
        }
    }
}

// Packed entry, as md's page: start << 9 | (sectors - 1), acknowledged in bit 63.
const LEN_MASK: u64 = 0x1ff;
const OFFSET_MASK: u64 = 0x7fff_ffff_ffff_fe00;
const ACK_BIT: u64 = 1 << 63;

fn pack(start: u64, sectors: u64, acked: bool) -> u64 {
    ((start << 9) & OFFSET_MASK)
        | (sectors.saturating_sub(1) & LEN_MASK)
        | if acked { ACK_BIT } else { 0 }
}

fn unpack(e: u64) -> Range {
    Range {
        start: (e & OFFSET_MASK) >> 9,
        sectors: (e & LEN_MASK) + 1,
        acked: e & ACK_BIT != 0,
    }
}

/// The bad-block list of one member.
pub struct BadBlocks {
    /// Sorted, disjoint; `ent[..count]` are used.
    ent: [u64; MAX_ENTRIES],
    count: usize,
    /// -1: disabled (no log); else the block size is `1 << shift` sectors.
    shift: i32,
    changed: bool,
    /// There may be unacknowledged entries (cleared when none is left, or when the
    /// unacknowledged list reads empty, as md's).
    unacked_exist: Cell<bool>,
}

impl Default for BadBlocks {
    fn default() -> Self {
        Self::new()
    }
}

impl BadBlocks {
    /// An enabled, empty list with shift 0 (badblocks_init(bb, 1)).
    pub const fn new() -> Self {
        BadBlocks {
            ent: [0; MAX_ENTRIES],
            count: 0,
            shift: 0,
            changed: false,
            unacked_exist: Cell::new(false),
        }
    }

    /// A list that records nothing (badblocks_init(bb, 0): a member without a log).
    pub fn disabled() -> Self {
        let mut bb = Self::new();
        bb.shift = -1;
        bb
    }

    /// Empties the list and disables it, in place.
    pub fn disable(&mut self) {
        self.reset();
        self.shift = -1;
    }

    /// Empties the list (count 0, nothing changed or unacknowledged), keeping its shift.
    pub fn reset(&mut self) {
        self.count = 0;
        self.changed = false;
        self.unacked_exist.set(false);
    }

    /// Whether it records bad blocks (md's shift >= 0).
    pub fn enabled(&self) -> bool {
        self.shift >= 0
    }

    /// The block size as a shift from sectors (0 when disabled).
    pub fn shift(&self) -> u32 {
        u32::try_from(self.shift).unwrap_or(0)
    }

    /// Enables the list with blocks of `1 << shift` sectors (md sets the log's
    /// `bblog_shift`); shifts beyond 63 are taken as 63.
    pub fn set_shift(&mut self, shift: u32) {
        self.shift = i32::try_from(shift.min(63)).unwrap_or(63);
    }

    /// Entries in use.
    pub fn count(&self) -> usize {
        self.count
    }

    /// No room for another entry (badblocks_full).
    pub fn full(&self) -> bool {
        self.count >= MAX_ENTRIES
    }

    /// The list changed since it was last written (md's `changed`).
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// Sets or clears `changed` (md_update_sb clears it once it copied the list).
    pub fn set_changed(&mut self, on: bool) {
        self.changed = on;
    }

    /// Unacknowledged entries may exist (md's `unacked_exist`).
    pub fn unacked_exist(&self) -> bool {
        self.unacked_exist.get()
    }

    /// The entries, in order.
    pub fn ranges(&self) -> impl Iterator<Item = Range> + '_ {
        self.ent.iter().take(self.count).map(|&e| unpack(e))
    }

    /// Entry `i` (`i < count`).
    pub fn get(&self, i: usize) -> Option<Range> {
        if i < self.count {
            self.ent.get(i).map(|&e| unpack(e))
        } else {
            None
        }
    }

    // ---- entry helpers (indices below `count`) ----

    fn at(&self, i: usize) -> Range {
        self.get(i).unwrap_or(Range {
            start: 0,
            sectors: 1,
            acked: false,
        })
    }

    fn put(&mut self, i: usize, start: u64, sectors: u64, acked: bool) {
        if let Some(e) = self.ent.get_mut(i) {
            *e = pack(start, sectors, acked);
        }
    }

    /// Opens `n` slots at `i` (the caller checked the room).
    fn open(&mut self, i: usize, n: usize) {
        let end = self.count.min(MAX_ENTRIES - n);
        if i < end {
            self.ent.copy_within(i..end, i + n);
        }
        self.count = (self.count + n).min(MAX_ENTRIES);
    }

    /// Removes slot `i`.
    fn remove(&mut self, i: usize) {
        if i < self.count {
            self.ent.copy_within(i + 1..self.count, i);
            self.count -= 1;
        }
    }

    /// The last entry starting at or before `s`.
    fn prev_of(&self, s: u64) -> Option<usize> {
        // Entries are sorted by start: the number starting at or before `s`.
        let n = self
            .ent
            .get(..self.count)
            .unwrap_or(&[])
            .partition_point(|&e| unpack(e).start <= s);
        n.checked_sub(1)
    }

    /// Entries `i - 1` and `i` touch at `s` (where `i` starts), have the same state
    /// and fit in one entry.
    fn joinable_at(&self, i: usize, s: u64) -> bool {
        if i == 0 || i >= self.count {
            return false;
        }
        let (a, b) = (self.at(i - 1), self.at(i));
        b.start == s
            && a.end() == b.start
            && a.sectors + b.sectors <= MAX_RANGE
            && a.acked == b.acked
    }

    /// Merges entry `i + 1` into entry `i`.
    fn join(&mut self, i: usize) {
        let (a, b) = (self.at(i), self.at(i + 1));
        self.put(i, a.start, a.sectors + b.sectors, a.acked);
        self.remove(i + 1);
    }

    fn block(&self) -> u64 {
        1u64 << self.shift().min(63)
    }

    /// `[s, s + sectors)` rounded outward to blocks; None when it overflows.
    fn round_out(&self, s: u64, sectors: u64) -> Option<(u64, u64)> {
        let b = self.block();
        let e = s.checked_add(sectors)?;
        let s = s - s % b;
        let e = match e % b {
            0 => e,
            r => e.checked_add(b - r)?,
        };
        Some((s, e))
    }

    fn note_unacked(&mut self) {
        if self.unacked_exist.get() && self.ranges().all(|r| r.acked) {
            self.unacked_exist.set(false);
        }
    }

    /// badblocks_set: records `[s, s + sectors)` as bad, acknowledged or not. Where an
    /// acknowledged entry exists it stays; an unacknowledged one becomes acknowledged
    /// where an acknowledged range is set over it. With the list full, what can be
    /// recorded by growing existing entries is. False when nothing was recorded
    /// (disabled, empty range, full, or beyond [`SECTOR_LIMIT`]).
    pub fn set(&mut self, s: u64, sectors: u64, acked: bool) -> bool {
        if !self.enabled() || sectors == 0 {
            return false;
        }
        let Some((start, end)) = self.round_out(s, sectors) else {
            return false;
        };
        if end > SECTOR_LIMIT {
            return false;
        }
        let mut added = false;
        let mut retries = 0;
        let mut s = start;
        let mut prev: Option<usize> = None;
        'again: loop {
            let mut want_room = false;
            while s < end {
                let n = end - s;
                let step;
                if self.count == 0 {
                    step = n.min(MAX_RANGE);
                    self.open(0, 1);
                    self.put(0, s, step, acked);
                    added = true;
                    s += step;
                    continue;
                }
                prev = self.prev_of(s);
                let Some(p) = prev else {
                    // Before every entry.
                    let first = self.at(0);
                    if !self.full() {
                        step = n.min(first.start - s).min(MAX_RANGE);
                        self.open(0, 1);
                        self.put(0, s, step, acked);
                        added = true;
                    } else if end > first.start {
                        if first.acked == acked && first.end() - s <= MAX_RANGE {
                            // Grow the first entry down to `s`.
                            self.put(0, s, first.end() - s, acked);
                            added = true;
                        } else {
                            want_room = true;
                        }
                        step = first.start - s;
                    } else {
                        // Full and nothing to grow: give up.
                        break 'again;
                    }
                    s += step;
                    continue;
                };
                if self.joinable_at(p, s) {
                    // Two touching entries can be one: join them and look again.
                    self.join(p - 1);
                    added = true;
                    continue;
                }
                let cur = self.at(p);
                if s < cur.end() {
                    if cur.acked == acked {
                        // Recorded already, in the same state.
                        step = n.min(cur.end() - s);
                        added = true;
                    } else if cur.acked {
                        // Acknowledged already: stays so.
                        step = n.min(cur.end() - s);
                    } else {
                        // Unacknowledged, set acknowledged: overwrite its part.
                        let seg_end = end.min(cur.end());
                        let head = s > cur.start;
                        let tail = cur.end() > seg_end;
                        let extra = usize::from(head) + usize::from(tail);
                        step = seg_end - s;
                        // md keeps one slot free here (its `>=` on the grown count).
                        if self.count + extra >= MAX_ENTRIES {
                            s += step;
                            continue;
                        }
                        let mut i = p;
                        self.open(p + 1, extra);
                        if head {
                            self.put(i, cur.start, s - cur.start, false);
                            i += 1;
                        }
                        self.put(i, s, seg_end - s, true);
                        if tail {
                            self.put(i + 1, seg_end, cur.end() - seg_end, false);
                        }
                        added = true;
                        if self.joinable_at(p, s) {
                            self.join(p - 1);
                        }
                    }
                    s += step;
                    continue;
                }
                let next = self.get(p + 1);
                if cur.acked == acked && s == cur.end() && cur.sectors < MAX_RANGE {
                    // Grow the entry before it.
                    let mut grow = n.min(MAX_RANGE - cur.sectors);
                    if let Some(nx) = next {
                        grow = grow.min(nx.start - cur.end());
                    }
                    self.put(p, cur.start, cur.sectors + grow, acked);
                    added = true;
                    s += grow;
                    continue;
                }
                if self.full() {
                    match next {
                        Some(nx) if end > nx.start && end >= nx.end() => {
                            // Skip to beyond the next entry and try to grow it.
                            s = nx.end();
                        }
                        _ => {
                            want_room = true;
                            s = end;
                        }
                    }
                    continue;
                }
                // A new entry after `p`, up to the next one.
                step = match next {
                    Some(nx) if end > nx.start => n.min(nx.start - s),
                    _ => n,
                }
                .min(MAX_RANGE);
                self.open(p + 1, 1);
                self.put(p + 1, s, step, acked);
                added = true;
                s += step;
            }
            // The entry after the last one looked at may now touch it.
            if let Some(p) = prev {
                if p + 1 < self.count {
                    let (a, b) = (self.at(p), self.at(p + 1));
                    if a.end() == b.start
                        && a.sectors + b.sectors <= MAX_RANGE
                        && a.acked == b.acked
                    {
                        self.join(p);
                    }
                }
            }
            if want_room && !self.full() && retries < 3 {
                // Joining made room: walk the range once more.
                retries += 1;
                s = start;
                continue 'again;
            }
            break;
        }
        if added {
            self.changed = true;
            if !acked {
                self.unacked_exist.set(true);
            } else {
                self.note_unacked();
            }
        }
        added
    }

    /// badblocks_clear: forgets `[s, s + sectors)` (rounded inward to blocks). False
    /// when nothing could be done: disabled, empty range, or the only entry touched
    /// would have to split while the list is (nearly) full. Clearing where nothing is
    /// recorded succeeds and marks the list changed, as md's.
    pub fn clear(&mut self, s: u64, sectors: u64) -> bool {
        if !self.enabled() || sectors == 0 {
            return false;
        }
        let b = self.block();
        let e = s.saturating_add(sectors);
        let e = e - e % b;
        let mut s = match s % b {
            0 => s,
            r => s.saturating_add(b - r),
        };
        let mut cleared = false;
        if s >= e {
            // Nothing left once rounded: nothing to clear.
            cleared = true;
        }
        while s < e {
            let n = e - s;
            let Some(p) = self.prev_of(s) else {
                // Before every entry (or none): up to the first one.
                cleared = true;
                s += match self.get(0) {
                    Some(f) if e > f.start => f.start - s,
                    _ => n,
                };
                continue;
            };
            let cur = self.at(p);
            if s >= cur.end() {
                // Not in `cur`: up to the next entry.
                cleared = true;
                s += match self.get(p + 1) {
                    Some(nx) if e > nx.start => nx.start - s,
                    _ => n,
                };
                continue;
            }
            if cur.start < s && cur.end() > e {
                // Inside `cur`: split it (md keeps one slot free).
                if self.count + 1 < MAX_ENTRIES {
                    self.open(p + 1, 1);
                    self.put(p, cur.start, s - cur.start, cur.acked);
                    self.put(p + 1, e, cur.end() - e, cur.acked);
                    cleared = true;
                }
                s = e;
                continue;
            }
            cleared = true;
            if s == cur.start {
                if cur.sectors > n {
                    self.put(p, s + n, cur.sectors - n, cur.acked);
                    s += n;
                } else {
                    self.remove(p);
                    s += cur.sectors;
                }
            } else {
                // The tail of `cur` (it ends within the range).
                self.put(p, cur.start, s - cur.start, cur.acked);
                s = cur.end();
            }
        }
        if cleared {
            self.note_unacked();
            self.changed = true;
        }
        cleared
    }

    /// badblocks_check for `[s, s + sectors)` (rounded outward to blocks).
    pub fn check(&self, s: u64, sectors: u64) -> Check {
        if !self.enabled() || sectors == 0 || self.count == 0 {
            return Check::Good;
        }
        let (s, e) = self
            .round_out(s, sectors)
            .unwrap_or((s, s.saturating_add(sectors)));
        let from = self.prev_of(s).unwrap_or(0);
        let mut found: Option<Range> = None;
        let mut all_acked = true;
        for r in self.ranges().skip(from) {
            if r.start >= e {
                break;
            }
            if r.end() <= s {
                continue;
            }
            found.get_or_insert(r);
            all_acked &= r.acked;
        }
        match found {
            None => Check::Good,
            Some(r) => Check::Bad {
                first: r.start,
                sectors: r.sectors,
                acked: all_acked,
            },
        }
    }

    /// ack_all_badblocks: every entry acknowledged, unless the list changed since it
    /// was last written (then there is no point: the write acknowledges them later).
    pub fn ack_all(&mut self) {
        if self.changed || !self.unacked_exist.get() {
            return;
        }
        for i in 0..self.count {
            let r = self.at(i);
            self.put(i, r.start, r.sectors, true);
        }
        self.unacked_exist.set(false);
    }

    /// badblocks_show: "SECTOR LENGTH\n" per entry (only the unacknowledged ones with
    /// `unack_only`), cut at 4095 bytes (what sysfs hands the reader when md's text
    /// overflows its page) or at `out.len()`.
    /// Returns the bytes written. Reading an empty unacknowledged list clears
    /// `unacked_exist`, as md's does. Nothing for a disabled list.
    pub fn show(&self, unack_only: bool, out: &mut [u8]) -> usize {
        if !self.enabled() {
            return 0;
        }
        // md's text may run past the page (it returns the full length); sysfs then
        // hands the reader PAGE_SIZE - 1 bytes ("returned bad count").
        let cap = out.len().min(PAGE_BYTES - 1);
        let mut len = 0;
        for r in self.ranges() {
            if len >= cap {
                break;
            }
            if unack_only && r.acked {
                continue;
            }
            let mut w = Writer {
                buf: out.get_mut(len..cap).unwrap_or(&mut []),
                len: 0,
            };
            w.num(r.start);
            w.byte(b' ');
            w.num(r.sectors);
            w.byte(b'\n');
            len += w.len;
        }
        if unack_only && len == 0 {
            self.unacked_exist.set(false);
        }
        len
    }

    /// badblocks_store: "SECTOR LENGTH" (decimal, blanks between, optionally one
    /// newline right after the length; what follows it is ignored) recorded as bad,
    /// acknowledged unless `unack`.
    pub fn store(&mut self, text: &[u8], unack: bool) -> Result<(), StoreError> {
        let (sector, length) = parse_store(text).ok_or(StoreError::Invalid)?;
        let length = u64::try_from(length).map_err(|_| StoreError::Invalid)?;
        if self.set(sector, length, !unack) {
            Ok(())
        } else {
            Err(StoreError::NoSpace)
        }
    }
}

/// Writes into a slice, dropping what does not fit.
struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        if let Some(d) = self.buf.get_mut(self.len) {
            *d = b;
            self.len += 1;
        }
    }

    fn num(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut n = 0;
        loop {
            if let Some(d) = digits.get_mut(n) {
                *d = b'0' + (v % 10) as u8;
            }
            n += 1;
            v /= 10;
            if v == 0 || n >= digits.len() {
                break;
            }
        }
        for i in (0..n).rev() {
            self.byte(digits.get(i).copied().unwrap_or(b'0'));
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Decimal digits from `*i` (at least one), wrapping as the kernel's sscanf does.
fn digits(t: &[u8], i: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    let from = *i;
    while let Some(&c) = t.get(*i).filter(|c| c.is_ascii_digit()) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        *i += 1;
    }
    (*i > from).then_some(v)
}

/// The kernel's `sscanf(page, "%llu %d%c", ...)` as badblocks_store checks it: the
/// sector and the length (an `int`: sign allowed, wrapped to 32 bits), and the
/// character right after the length must be a newline if there is one. The text
/// ends at its first NUL.
fn parse_store(text: &[u8]) -> Option<(u64, i32)> {
    let t = match text.iter().position(|&c| c == 0) {
        Some(n) => text.get(..n).unwrap_or(&[]),
        None => text,
    };
    let mut i = 0;
    let skip = |i: &mut usize| {
        while t.get(*i).is_some_and(|&c| is_space(c)) {
            *i += 1;
        }
    };
    skip(&mut i);
    let sector = digits(t, &mut i)?;
    skip(&mut i);
    let neg = t.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }
    let mag = digits(t, &mut i)?;
    let len = if neg { mag.wrapping_neg() } else { mag } as i32;
    match t.get(i) {
        None | Some(b'\n') => {}
        Some(_) => return None,
    }
    (len > 0).then_some((sector, len))
}
