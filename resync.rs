// SPDX-License-Identifier: GPL-2.0
//! Resync arithmetic as pure code (shared with the host tests): barrier
//! buckets, how far one sync step goes, checkpoints, the speed md reports and
//! throttles on, and the /proc/mdstat progress line (md's status_resync).

use core::fmt::{self, Write};

/// Sectors in a barrier unit: no request crosses one (BARRIER_UNIT_SECTOR_SIZE).
pub const BARRIER_UNIT_BITS: u32 = 17;
/// Barrier buckets (BARRIER_BUCKETS_NR).
pub const BUCKETS: usize = 1024;
/// md's RESYNC_BLOCK_SIZE in sectors: mismatches are counted in these.
pub const RESYNC_BLOCK: u32 = 128;
/// Sectors one sync step reads and writes under one barrier.
pub const SYNC_IO_SECTORS: u32 = 1024;
/// Sectors of one piece of a resync or recovery: one request (a bio of at most
/// BIO_MAX_VECS pages) read from one mirror and written to the others.
pub const COPY_PIECE_SECTORS: u32 = 2048;
/// Sectors one resync or recovery step copies under one barrier: pieces of
/// `COPY_PIECE_SECTORS`, each written while the next one is read (md keeps up to
/// RESYNC_DEPTH requests of a sync in flight for the same overlap).
pub const COPY_SECTORS: u32 = 4 * COPY_PIECE_SECTORS;
/// md's UPDATE_FREQUENCY: checkpoint at least this often (ms).
pub const CHECKPOINT_MS: u64 = 5 * 60 * 1000;
/// md's SYNC_MARKS and SYNC_MARK_STEP (3 s): the speed window.
pub const MARKS: usize = 10;
/// Milliseconds between marks.
pub const MARK_STEP_MS: u64 = 3000;

/// The bucket of `sector`'s barrier unit (hash_long(unit, 10) on 64-bit).
pub fn bucket(sector: u64) -> usize {
    const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;
    let unit = sector >> BARRIER_UNIT_BITS;
    (unit.wrapping_mul(GOLDEN_RATIO_64) >> (64 - 10)) as usize % BUCKETS
}

/// Sectors from `sector` to the end of its barrier unit.
pub fn unit_room(sector: u64) -> u32 {
    let unit = 1u64 << BARRIER_UNIT_BITS;
    (unit - (sector & (unit - 1))) as u32
}

/// Length of the sync step at `j` (before `max`): at most `SYNC_IO_SECTORS`,
/// never crossing a barrier unit, and ending on a `RESYNC_BLOCK` boundary when
/// it can, so mismatch counts fall on the blocks md counts.
pub fn chunk(j: u64, max: u64) -> u32 {
    let left = max.saturating_sub(j);
    let mut n = u64::from(SYNC_IO_SECTORS)
        .min(left)
        .min(u64::from(unit_room(j)));
    let to_block = u64::from(RESYNC_BLOCK) - (j % u64::from(RESYNC_BLOCK));
    if n > to_block && to_block < u64::from(RESYNC_BLOCK) {
        n = to_block;
    }
    n as u32
}

/// Length of the copy step (resync, recovery) at `j` (before `max`): at most
/// `COPY_SECTORS`, never crossing a barrier unit.
pub fn copy_chunk(j: u64, max: u64) -> u32 {
    u64::from(COPY_SECTORS)
        .min(max.saturating_sub(j))
        .min(u64::from(unit_room(j))) as u32
}

/// Whether to record `j` as the sync's completed point (md_do_sync): a
/// sixteenth of the array since the last one, or `CHECKPOINT_MS`.
pub fn checkpoint_due(j: u64, completed: u64, max: u64, now_ms: u64, last_ms: u64) -> bool {
    (j > completed && j - completed > (max >> 4))
        || now_ms.saturating_sub(last_ms) >= CHECKPOINT_MS
        || j >= max
}

/// KiB/s for `sectors` in `ms` as md computes currspeed (whole seconds + 1, + 1).
pub fn speed_kib(sectors: u64, ms: u64) -> u64 {
    sectors / 2 / (ms / 1000 + 1) + 1
}

/// What the sync thread does after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Carry on.
    Go,
    /// Normal I/O is running: give it room.
    Yield,
    /// Over the maximum: wait half a second and ask again.
    Pause,
}

/// md_do_sync's rate limit: below `min` KiB/s always go; above `max` pause;
/// in between, yield when the array is busy with normal I/O.
pub fn throttle(speed: u64, min: u32, max: u32, busy: bool) -> Throttle {
    if speed <= u64::from(min) {
        Throttle::Go
    } else if speed > u64::from(max) {
        Throttle::Pause
    } else if busy {
        Throttle::Yield
    } else {
        Throttle::Go
    }
}

/// The speed window: (time, position) marks every `MARK_STEP_MS`, the oldest of
/// the last `MARKS` being what speeds are measured from.
pub struct Marks {
    at: [(u64, u64); MARKS],
    last: usize,
    /// md's resync_mark / resync_mark_cnt: the slot a step replaced.
    mark: (u64, u64),
}

impl Marks {
    /// Starts the window at `now_ms`, position `pos`.
    pub fn new(now_ms: u64, pos: u64) -> Marks {
        Marks {
            at: [(now_ms, pos); MARKS],
            last: 0,
            mark: (now_ms, pos),
        }
    }

    /// Records a new mark when one is due (md_do_sync's "step marks"): the mark
    /// speeds are measured from becomes the one being replaced, about
    /// `MARKS * MARK_STEP_MS` old. Returns it when it changed.
    pub fn step(&mut self, now_ms: u64, pos: u64) -> Option<(u64, u64)> {
        let (t, _) = self.at[self.last];
        if now_ms < t.saturating_add(MARK_STEP_MS) {
            return None;
        }
        let next = (self.last + 1) % MARKS;
        self.mark = self.at[next];
        self.at[next] = (now_ms, pos);
        self.last = next;
        Some(self.mark)
    }

    /// The mark speeds are measured from (time, position).
    pub fn oldest(&self) -> (u64, u64) {
        self.mark
    }
}

/// A sync action (md's enum sync_action, the parts raid1 runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Action {
    /// Make the mirrors equal after an unclean shutdown or creation.
    Resync = 1,
    /// Bring a new member up to date.
    Recover = 2,
    /// Read every mirror and count differences.
    Check = 3,
    /// As check, and rewrite differing mirrors from the first.
    Repair = 4,
}

impl Action {
    /// From its `u8` value.
    pub fn from_u8(v: u8) -> Option<Action> {
        match v {
            1 => Some(Action::Resync),
            2 => Some(Action::Recover),
            3 => Some(Action::Check),
            4 => Some(Action::Repair),
            _ => None,
        }
    }

    /// The word in kernel messages (md_do_sync's desc: the action's name).
    pub fn desc(self) -> &'static str {
        self.sysfs()
    }

    /// The word sync_action and last_sync_action show.
    pub fn sysfs(self) -> &'static str {
        match self {
            Action::Resync => "resync",
            Action::Recover => "recover",
            Action::Check => "check",
            Action::Repair => "repair",
        }
    }

    /// The word on the /proc/mdstat progress line.
    pub fn mdstat(self) -> &'static str {
        match self {
            Action::Resync | Action::Repair => "resync",
            Action::Recover => "recovery",
            Action::Check => "check",
        }
    }

    /// md's MD_RECOVERY_SYNC: the mirrors are made (or checked to be) equal.
    pub fn is_sync(self) -> bool {
        !matches!(self, Action::Recover)
    }
}

/// What the progress line shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The running action.
    pub action: Action,
    /// Sectors done (md's curr_resync).
    pub done: u64,
    /// Sectors in all (max_sectors).
    pub total: u64,
    /// Milliseconds since the oldest speed mark.
    pub since_mark_ms: u64,
    /// Sectors done since that mark.
    pub since_mark_sectors: u64,
}

/// Writes md's status_resync text, e.g.
/// `[=>...................]  resync =  8.2% (21888/261120) finish=0.3min speed=10944K/sec`.
pub fn write_progress(w: &mut impl Write, p: &Progress) -> fmt::Result {
    let total = p.total.max(1);
    let done = p.done.min(total);
    // md on 64-bit: scale 10, and sector_div by a u32 (which wraps for totals of
    // 2^42 sectors and more; a zero divisor, where md would fault, counts as 1).
    let divisor = u64::from(((total >> 10) + 1) as u32).max(1);
    // md keeps the result in an unsigned int.
    let per_milli = u64::from((((done >> 10).wrapping_mul(1000)) / divisor) as u32);
    // md prints per_milli / 50 bars; past 100% (only for totals md mis-divides) cap it.
    let x = (per_milli / 50).min(64) as usize;
    w.write_char('[')?;
    for _ in 0..x {
        w.write_char('=')?;
    }
    w.write_char('>')?;
    for _ in 0..20usize.saturating_sub(x) {
        w.write_char('.')?;
    }
    w.write_str("] ")?;
    write!(
        w,
        " {} ={:3}.{}% ({}/{})",
        p.action.mdstat(),
        per_milli / 10,
        per_milli % 10,
        done / 2,
        total / 2
    )?;
    let dt = (p.since_mark_ms / 1000).max(1);
    let db = p.since_mark_sectors;
    let mut rt = (total - done) / (db / 32 + 1);
    rt = rt.saturating_mul(dt) >> 5;
    write!(w, " finish={}.{}min", rt / 60, (rt % 60) / 6)?;
    write!(w, " speed={}K/sec", db / 2 / dt)
}
