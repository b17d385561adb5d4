// SPDX-License-Identifier: GPL-2.0
//! The 1.x superblock's bad-block log (`bblog_offset` sectors from the superblock,
//! `bblog_size` sectors long): little-endian 64-bit entries `start << 10 | length`,
//! both in blocks of `1 << bblog_shift` sectors (length 1..=1023 in the low 10
//! bits), ended by an entry of all ones; the rest of the log is all ones too.
//! Every entry on disk is acknowledged.
//!
//! md's super_1_load reads it into the list (refusing only a shift of 64 or more and
//! entries of length 0 or that do not fit); [`decode`] refuses more, each with a
//! reason: entries out of order, overlapping or beyond the device, and a shift over
//! 9 (a block longer than an entry of the list). super_1_sync writes the list back
//! ([`encode`]); unlike 6.12's, which writes sectors whatever the shift, in blocks.
//!
//! Pure code (`core` only): the kernel module and the host tests compile this file.

use super::{BadBlocks, MAX_RANGE};

/// Longest log md reads (one page: 8 sectors, 512 entries).
pub const LOG_BYTES: usize = 4096;
/// Bytes of one entry.
pub const ENTRY_BYTES: usize = 8;
/// The entry ending the log.
pub const END: u64 = u64::MAX;

/// Why a log was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogError {
    /// Longer than one page (md: `bblog_size` over 8 sectors).
    TooLarge,
    /// `bblog_shift` of 64 or more.
    BadShift,
    /// `bblog_shift` over 9: one block would be longer than an entry of the list
    /// (512 sectors), so the list could not be written back in blocks.
    ShiftTooLarge,
    /// An entry of length 0.
    ZeroLength,
    /// An entry starting before the one before it.
    Unsorted,
    /// An entry starting inside the one before it.
    Overlap,
    /// An entry reaching beyond the end of the device.
    BeyondDevice,
    /// More entries than the list holds.
    TooMany,
}

impl LogError {
    /// One line for the kernel log.
    pub fn reason(&self) -> &'static str {
        match self {
            LogError::TooLarge => "bad block log larger than a page",
            LogError::BadShift => "bogus bblog_shift for bad blocks",
            LogError::ShiftTooLarge => "bblog_shift larger than a bad block entry",
            LogError::ZeroLength => "bad block log entry of length 0",
            LogError::Unsorted => "bad block log not sorted",
            LogError::Overlap => "bad block log entries overlap",
            LogError::BeyondDevice => "bad block log entry beyond the end of the device",
            LogError::TooMany => "bad block log has more entries than fit",
        }
    }
}

/// Decodes `log` (the log's sectors as read) into `into`, which is emptied first and
/// takes `bblog_shift` as its shift; every entry is loaded acknowledged (with
/// `changed` set, as md's loading leaves it). `dev_sectors` is the member device's
/// size. On error `into` is left empty.
pub fn decode(
    log: &[u8],
    bblog_shift: u8,
    dev_sectors: u64,
    into: &mut BadBlocks,
) -> Result<(), LogError> {
    into.reset();
    let r = load(log, bblog_shift, dev_sectors, into);
    if r.is_err() {
        into.reset();
    }
    r
}

fn load(log: &[u8], shift: u8, dev_sectors: u64, into: &mut BadBlocks) -> Result<(), LogError> {
    if log.len() > LOG_BYTES {
        return Err(LogError::TooLarge);
    }
    if shift >= 64 {
        return Err(LogError::BadShift);
    }
    if (1u64 << shift) > MAX_RANGE {
        return Err(LogError::ShiftTooLarge);
    }
    into.set_shift(u32::from(shift));
    let mut prev_start = 0u64;
    let mut prev_end = 0u64;
    for chunk in log.chunks_exact(ENTRY_BYTES) {
        let mut b = [0u8; ENTRY_BYTES];
        b.copy_from_slice(chunk);
        let v = u64::from_le_bytes(b);
        if v == END {
            break;
        }
        let count = v & 0x3ff;
        if count == 0 {
            return Err(LogError::ZeroLength);
        }
        let start = (v >> 10)
            .checked_mul(1u64 << shift)
            .ok_or(LogError::BeyondDevice)?;
        let sectors = count
            .checked_mul(1u64 << shift)
            .ok_or(LogError::BeyondDevice)?;
        let end = start.checked_add(sectors).ok_or(LogError::BeyondDevice)?;
        if end > dev_sectors {
            return Err(LogError::BeyondDevice);
        }
        if start < prev_start {
            return Err(LogError::Unsorted);
        }
        if start < prev_end {
            return Err(LogError::Overlap);
        }
        prev_start = start;
        prev_end = end;
        if !into.set(start, sectors, true) {
            return Err(LogError::TooMany);
        }
        // A full list may have grown an entry without recording all of this one.
        if !covered(into, start, end) {
            return Err(LogError::TooMany);
        }
    }
    Ok(())
}

/// Whether the list holds every sector of `[start, end)`.
fn covered(bb: &BadBlocks, start: u64, end: u64) -> bool {
    let mut s = start;
    for r in bb.ranges() {
        if r.end() <= s {
            continue;
        }
        if r.start > s {
            return false;
        }
        s = r.end();
        if s >= end {
            return true;
        }
    }
    s >= end
}

/// Encodes the list into `out` as super_1_sync writes it: one entry per range in
/// blocks of `1 << shift` sectors, then all ones to the end of `out`. Returns the
/// entries written (those that do not fit in `out` are left out).
pub fn encode(bb: &BadBlocks, out: &mut [u8]) -> usize {
    out.fill(0xff);
    let shift = bb.shift().min(63);
    let mut n = 0;
    for (r, slot) in bb.ranges().zip(out.chunks_exact_mut(ENTRY_BYTES)) {
        // Whole blocks covering the range (exact for the shifts `decode` accepts: the
        // list keeps its entries block-aligned).
        let first = r.start >> shift;
        let last = r.end().saturating_sub(1) >> shift;
        let count = (last - first + 1).clamp(1, 0x3ff);
        let v = (first << 10) | count;
        slot.copy_from_slice(&v.to_le_bytes());
        n += 1;
    }
    n
}
