// SPDX-License-Identifier: GPL-2.0
//! raid1's read_balance decision, as pure code: which mirror serves a read.

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
}

/// Picks the mirror for a read starting at `sector`, as raid1's read_balance:
/// among the in-sync mirrors that are not write-mostly (choose_best_rdev), a
/// sequential continuation stays on its disk, otherwise the one with the fewest
/// pending requests (the first one on a tie); only when none of those can serve,
/// the first in-sync write-mostly mirror (choose_slow_rdev). `None` when no
/// mirror is in sync.
pub fn read_balance(mirrors: &[MirrorView], sector: u64) -> Option<usize> {
    let mut best: Option<(usize, u32)> = None;
    for (i, m) in mirrors.iter().enumerate() {
        if !m.in_sync || m.write_mostly {
            continue;
        }
        if m.next_seq_sect == sector && sector != 0 {
            return Some(i);
        }
        match best {
            Some((_, p)) if p <= m.pending => {}
            _ => best = Some((i, m.pending)),
        }
    }
    best.map(|(i, _)| i)
        .or_else(|| mirrors.iter().position(|m| m.in_sync && m.write_mostly))
}
