// SPDX-License-Identifier: GPL-2.0
//! raid1's read_balance decision, as pure code: which mirror serves a read, and
//! how much of it (a mirror with recorded bad blocks serves only up to them).

/// A recorded bad range of a mirror (sectors relative to its data, as md's
/// is_badblock reports them): the first one overlapping the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bad {
    /// First bad sector (may lie before the read).
    pub first: u64,
    /// Length in sectors.
    pub sectors: u64,
}

/// What read_balance needs to know about one mirror.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MirrorView {
    /// The mirror holds current data for the whole array.
    pub in_sync: bool,
    /// Requests in flight on it.
    pub pending: u32,
    /// The sector right after the last read sent to it.
    pub next_seq_sect: u64,
    /// A write-mostly member: read only when no other mirror can serve.
    pub write_mostly: bool,
    /// The first recorded bad range overlapping the read on this mirror, if any.
    pub bad: Option<Bad>,
    /// Where the last request it completed ended (md's head_position).
    pub head_position: u64,
    /// A non-rotational member (md's Nonrot): with one in the array, reads go to the
    /// least busy mirror rather than the one whose head is closest.
    pub nonrot: bool,
    /// Its sequential stream has outgrown the member's optimal I/O size
    /// (should_choose_next): an idle mirror takes the next read instead.
    pub choose_next: bool,
}

/// read_balance's answer: the mirror and how many sectors of the read it serves
/// (md's `max_sectors`; the rest is read separately).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Index of the mirror.
    pub disk: usize,
    /// Sectors from the start of the read it serves (at least 1).
    pub sectors: u32,
}

/// raid1_check_read_range: how many sectors from `sector` the mirror with first
/// bad range `bad` can read, out of `*len`. 0 when the read starts in a bad range;
/// then, if the bad range ends inside the read, `*len` becomes the sectors up to its
/// end (md passes that shortened length on to the next mirror it looks at).
pub fn check_read_range(bad: Option<Bad>, sector: u64, len: &mut u32) -> u32 {
    let end = sector.saturating_add(u64::from(*len));
    let Some(b) = bad else { return *len };
    let bad_end = b.first.saturating_add(b.sectors);
    if b.sectors == 0 || b.first >= end || bad_end <= sector {
        // Not within this read.
        return *len;
    }
    if b.first > sector {
        // Good up to the bad range.
        return u32::try_from(b.first - sector).unwrap_or(*len).min(*len);
    }
    if end <= bad_end {
        return 0;
    }
    *len = u32::try_from(bad_end - sector).unwrap_or(*len).min(*len);
    0
}

/// Whether `bad` overlaps `[sector, sector + len)`.
fn overlaps(bad: Option<Bad>, sector: u64, len: u32) -> bool {
    let mut l = len;
    check_read_range(bad, sector, &mut l) != len
}

/// choose_best_rdev among the in-sync mirrors `usable` accepts: a sequential
/// continuation (of the last read sent there or of the last request done there)
/// stays on its disk unless its stream outgrew the optimal I/O size and another
/// mirror is idle; otherwise, with a non-rotational mirror in the array or an
/// idle one, the one with the fewest pending requests, else the one whose head is
/// closest (the first one on a tie).
fn best(
    mirrors: &[MirrorView],
    sector: u64,
    usable: impl Fn(&MirrorView) -> bool,
) -> Option<usize> {
    best_seen(mirrors, sector, usable).map(|(i, _)| i)
}

/// `best`, and how many usable mirrors it looked at before it chose (md's
/// `readable_disks`).
fn best_seen(
    mirrors: &[MirrorView],
    sector: u64,
    usable: impl Fn(&MirrorView) -> bool,
) -> Option<(usize, usize)> {
    let any_nonrot = mirrors.iter().any(|m| m.nonrot);
    let mut seen = 0;
    let mut min_pending: Option<(usize, u64)> = None;
    let mut closest: Option<(usize, u64)> = None;
    let mut sequential = None;
    for (i, m) in mirrors.iter().enumerate() {
        if !m.in_sync || !usable(m) {
            continue;
        }
        seen += 1;
        let mut pending = u64::from(m.pending);
        let dist = sector.abs_diff(m.head_position);
        if (m.next_seq_sect == sector || m.head_position == sector) && sector != 0 {
            if !m.choose_next {
                return Some((i, seen));
            }
            // Only if no other mirror is idle.
            pending += 1;
            sequential = Some(i);
        }
        if min_pending.map_or(true, |(_, p)| p > pending) {
            min_pending = Some((i, pending));
        }
        if closest.map_or(true, |(_, d)| d > dist) {
            closest = Some((i, dist));
        }
    }
    let idle = min_pending.is_some_and(|(_, p)| p == 0);
    if let (Some(i), false) = (sequential, idle) {
        return Some((i, seen));
    }
    match min_pending {
        Some((i, _)) if any_nonrot || idle => Some((i, seen)),
        _ => closest.map(|(i, _)| (i, seen)),
    }
}

/// Picks the mirror for a read starting at `sector`, as raid1's read_balance
/// without bad blocks: among the in-sync mirrors that are not write-mostly
/// (choose_best_rdev), a sequential continuation stays on its disk, otherwise the
/// one with the fewest pending requests or the closest head (see `best`); only when
/// none of those can serve, the first in-sync write-mostly mirror (choose_slow_rdev).
/// `None` when no mirror is in sync.
pub fn read_balance(mirrors: &[MirrorView], sector: u64) -> Option<usize> {
    best(mirrors, sector, |m| !m.write_mostly)
        .or_else(|| mirrors.iter().position(|m| m.in_sync && m.write_mostly))
}

/// R1BIO_FailFast: whether [`choose`] picks the mirror for this read the way
/// choose_best_rdev does, after looking at a second mirror that could serve it.
/// md then sends the read fail-fast, and a failure fails a fail-fast member at
/// once. Reads placed by the resync window, around bad blocks or on a
/// write-mostly member are never fail-fast.
pub fn fail_fast_read(mirrors: &[MirrorView], sector: u64, sectors: u32, read_first: bool) -> bool {
    if read_first && sectors != 0 {
        return false;
    }
    best_seen(mirrors, sector, |m| {
        !m.write_mostly && (sectors == 0 || !overlaps(m.bad, sector, sectors))
    })
    .is_some_and(|(_, seen)| seen >= 2)
}

/// raid1's read_balance for a read of `sectors` at `sector`, with the mirrors'
/// bad ranges:
/// - `read_first` (resync has not been there yet: raid1_should_read_first): the
///   first in-sync mirror whose copy is good at `sector`, write-mostly or not, for
///   as far as it is good (choose_first_rdev);
/// - else a mirror without bad blocks in the range as [`read_balance`] picks it
///   (choose_best_rdev), for the whole read;
/// - else the mirror that is not write-mostly with the longest good run from
///   `sector` (choose_bb_rdev, the first one on a tie);
/// - else a write-mostly mirror: the first one good for the whole read, or the
///   one with the longest good run (choose_slow_rdev).
///
/// `None` when no in-sync mirror has a good copy at `sector`: the read fails.
pub fn choose(
    mirrors: &[MirrorView],
    sector: u64,
    sectors: u32,
    read_first: bool,
) -> Option<Choice> {
    if sectors == 0 {
        return read_balance(mirrors, sector).map(|disk| Choice { disk, sectors });
    }
    if read_first {
        let mut len = sectors;
        for (disk, m) in mirrors.iter().enumerate() {
            if !m.in_sync {
                continue;
            }
            let n = check_read_range(m.bad, sector, &mut len);
            if n > 0 {
                return Some(Choice { disk, sectors: n });
            }
        }
        return None;
    }
    if let Some(disk) = best(mirrors, sector, |m| {
        !m.write_mostly && !overlaps(m.bad, sector, sectors)
    }) {
        return Some(Choice { disk, sectors });
    }
    // The longest good run; `fast` picks the mirrors looked at.
    let longest = |fast: bool| -> Option<Choice> {
        let mut found: Option<Choice> = None;
        for (disk, m) in mirrors.iter().enumerate() {
            if !m.in_sync || m.write_mostly == fast {
                continue;
            }
            let mut len = sectors;
            let n = check_read_range(m.bad, sector, &mut len);
            if !fast && n == sectors {
                return Some(Choice { disk, sectors: n });
            }
            if n > found.map_or(0, |c| c.sectors) {
                found = Some(Choice { disk, sectors: n });
            }
        }
        found
    };
    longest(true).or_else(|| longest(false))
}
