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
}

/// Picks the mirror for a read starting at `sector`: a sequential continuation
/// stays on its disk, otherwise the in-sync mirror with the fewest pending
/// requests (the first one on a tie). `None` when no mirror is in sync.
pub fn read_balance(mirrors: &[MirrorView], sector: u64) -> Option<usize> {
    let mut best: Option<(usize, u32)> = None;
    for (i, m) in mirrors.iter().enumerate() {
        if !m.in_sync {
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
}
