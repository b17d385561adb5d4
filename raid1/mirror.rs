// SPDX-License-Identifier: GPL-2.0
//! A slot of the mirror set (raid1's `struct raid1_info`).

use super::*;

/// One slot of the mirror set (raid1's `struct raid1_info`): the member in it and
/// where the last read sent there ended. The member's own state (failed, in sync,
/// recovery point, I/O in flight) lives in its [`Rdev`], shared with the md core.
pub(crate) struct Mirror {
    /// The member (a reference from `Arc::into_raw`), or NULL: an empty slot. Only
    /// taken away with the array frozen, then waiting for the member's `nr_pending`.
    pub(super) rdev: AtomicPtr<Rdev>,
    /// Sector after the last read sent here.
    pub(super) next_seq_sect: AtomicU64,
    /// Where the read stream ending at `next_seq_sect` began (md's seq_start).
    pub(super) seq_start: AtomicU64,
    /// Array sector after the last request completed here (md's head_position).
    pub(super) head_position: AtomicU64,
}

impl Mirror {
    pub(super) fn empty() -> Mirror {
        Mirror {
            rdev: AtomicPtr::new(null_mut()),
            next_seq_sect: AtomicU64::new(0),
            seq_start: AtomicU64::new(u64::MAX),
            head_position: AtomicU64::new(0),
        }
    }

    /// The member in this slot.
    pub(super) fn rdev(&self) -> Option<&Rdev> {
        let p = self.rdev.load(Ordering::Acquire);
        // SAFETY: A non-NULL slot holds a reference to the member (from `Arc::into_raw`,
        // see `Conf::install`). `uninstall` takes it away only with the array frozen
        // (no request between wait_barrier and its clones, no sync running) and then
        // waits for the member's `nr_pending`, so every user of the slot (one holding
        // a barrier, the sync thread, or one counted in `nr_pending`) is done with it
        // before that reference is dropped. Whoever must wait beyond that takes a
        // counted reference first (`rdev_arc`).
        unsafe { p.as_ref() }
    }

    /// A counted reference to the member in this slot, for use after the caller's
    /// barrier is released.
    pub(super) fn rdev_arc(&self) -> Option<Arc<Rdev>> {
        let p = self.rdev.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `Arc::into_raw` and the slot's reference is live (see
        // `rdev`); the borrow only serves to take a new reference.
        let borrow = unsafe { ArcBorrow::from_raw(p) };
        Some(Arc::from(borrow))
    }

    /// Whether a member sits in this slot.
    pub(crate) fn occupied(&self) -> bool {
        !self.rdev.load(Ordering::Acquire).is_null()
    }

    /// In a slot and not failed: writes go here.
    pub(crate) fn working(&self) -> bool {
        self.rdev().is_some_and(|r| !r.faulty())
    }

    /// Working and in sync.
    pub(crate) fn active(&self) -> bool {
        self.rdev().is_some_and(|r| r.in_sync())
    }

    /// Holds current data for `[.., end)`.
    pub(super) fn readable(&self, end: u64) -> bool {
        self.rdev().is_some_and(|r| r.readable(end))
    }

    /// A write-mostly member sits here (reads go elsewhere while they can).
    pub(super) fn write_mostly(&self) -> bool {
        self.rdev().is_some_and(|r| r.test(flag::WRITE_MOSTLY))
    }

    /// A fail-fast member sits here: an I/O error fails it at once while another
    /// mirror can take over.
    pub(super) fn fail_fast(&self) -> bool {
        self.rdev().is_some_and(|r| r.test(flag::FAIL_FAST))
    }

    /// A member still being recovered.
    pub(crate) fn recovering(&self) -> bool {
        self.rdev()
            .is_some_and(|r| !r.faulty() && !r.test(flag::IN_SYNC))
    }

    /// The first recorded bad range of the member overlapping `[sector, sector +
    /// sectors)` (md's is_badblock), data-relative.
    pub(super) fn bad(&self, sector: u64, sectors: u64) -> Option<Bad> {
        let r = self.rdev()?;
        let b = r.bad_range(sector, sectors)?;
        Some(Bad {
            first: b.first,
            sectors: b.sectors,
        })
    }

    /// update_read_sectors: a read of `[sector, end)` goes here.
    pub(super) fn note_read(&self, sector: u64, end: u64) {
        if self.next_seq_sect.load(Ordering::Relaxed) != sector {
            self.seq_start.store(sector, Ordering::Relaxed);
        }
        self.next_seq_sect.store(end, Ordering::Relaxed);
    }

    /// should_choose_next: the read stream here has outgrown a non-rotational
    /// member's optimal I/O size, so an idle mirror should take the next read.
    pub(super) fn stream_outgrown(&self, rd: &Rdev) -> bool {
        let opt = u64::from(rd.io_opt_sectors());
        let (start, next) = (
            self.seq_start.load(Ordering::Relaxed),
            self.next_seq_sect.load(Ordering::Relaxed),
        );
        rd.nonrot() && opt > 0 && start != u64::MAX && next > opt && next - opt >= start
    }

    /// The member's name for messages.
    pub(super) fn name(&self) -> &str {
        self.rdev().map_or("?", Rdev::name)
    }
}
