// SPDX-License-Identifier: GPL-2.0
//! RAID1: mirroring. Writes go to every in-sync mirror; a read goes to the one
//! mirror read_balance picks. Resync, failure handling and recovery come with
//! the redundancy issue.

use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::balance::{read_balance, MirrorView};
use crate::bio::{Bio, Kind};
use crate::personality::Personality;

/// The raid1 personality as registered at module load.
pub(crate) static RAID1: Personality = Personality {
    name: "raid1",
    level: 1,
};

/// A member file pointer owned by the array's rdev.
///
/// # Invariants
///
/// The file stays open while the `Conf` holding this exists and I/O through it
/// may be in flight: the array is stopped (conf dropped, in-flight I/O drained)
/// before its members are closed.
pub(crate) struct MemberRef(pub(crate) *mut bindings::file);

// SAFETY: The pointed-to bdev file is used from any thread by the block layer.
unsafe impl Send for MemberRef {}
// SAFETY: As above; we only pass the pointer to the block layer.
unsafe impl Sync for MemberRef {}

/// One slot of the mirror set (raid1's `struct raid1_info`).
pub(crate) struct Mirror {
    /// The member in this slot, if any.
    pub(crate) member: Option<MemberRef>,
    /// Where the data starts on the member, in sectors.
    pub(crate) data_offset: u64,
    /// Holds current data.
    pub(crate) in_sync: bool,
    /// Requests in flight (read_balance's load measure).
    pub(crate) pending: AtomicI32,
    /// Sector after the last read sent here.
    pub(crate) next_seq_sect: AtomicU64,
}

/// A running raid1 array (raid1's `struct r1conf`).
pub(crate) struct Conf {
    /// Slots in order.
    pub(crate) mirrors: KVec<Mirror>,
    /// The mirrors are known to hold the same data (resync_offset is MaxSector). Until
    /// resync exists, an array that is not reads from the first in-sync mirror only,
    /// as raid1 does for the region a resync has not reached.
    pub(crate) synced: bool,
}

impl Conf {
    /// Whether any request is in flight on any mirror.
    pub(crate) fn idle(&self) -> bool {
        self.mirrors
            .iter()
            .all(|m| m.pending.load(Ordering::Acquire) == 0)
    }

    /// raid1's make_request.
    pub(crate) fn make_request(&self, bio: Bio) {
        match bio.kind() {
            Kind::Read => self.read(bio),
            Kind::Write => self.write(bio),
            Kind::Other => bio.not_supported(),
        }
    }

    fn read(&self, bio: Bio) {
        let sector = bio.sector();
        let mut views = [MirrorView {
            in_sync: false,
            pending: 0,
            next_seq_sect: 0,
        }; 8];
        for (v, m) in views.iter_mut().zip(self.mirrors.iter()) {
            *v = MirrorView {
                in_sync: m.in_sync && m.member.is_some(),
                pending: m.pending.load(Ordering::Relaxed).max(0) as u32,
                next_seq_sect: m.next_seq_sect.load(Ordering::Relaxed),
            };
        }
        let mut n = self.mirrors.len().min(views.len());
        if !self.synced {
            n = views
                .iter()
                .take(n)
                .position(|v| v.in_sync)
                .map_or(0, |i| i + 1);
            for v in views.iter_mut().take(n.saturating_sub(1)) {
                v.in_sync = false;
            }
        }
        let chosen = read_balance(views.get(..n).unwrap_or(&[]), sector)
            .and_then(|i| self.mirrors.get(i))
            .and_then(|m| m.member.as_ref().map(|f| (m, f)));
        let Some((m, f)) = chosen else {
            bio.io_error();
            return;
        };
        m.next_seq_sect.store(
            sector.saturating_add(u64::from(bio.sectors())),
            Ordering::Relaxed,
        );
        // SAFETY: The member stays open and the mirror alive until its I/O drains
        // (`MemberRef` invariant; the array waits for `idle` before closing members).
        unsafe { bio.clone_to(f.0, m.data_offset, &m.pending) };
        bio.end();
    }

    /// Writes go to every member in a slot, in sync or still recovering (whose
    /// recovered region must stay current), as raid1 does.
    fn write(&self, bio: Bio) {
        let mut sent = false;
        if !self.mirrors.iter().any(|m| m.in_sync && m.member.is_some()) {
            bio.io_error();
            return;
        }
        for m in self.mirrors.iter() {
            if let Some(f) = &m.member {
                // SAFETY: As in `read`.
                unsafe { bio.clone_to(f.0, m.data_offset, &m.pending) };
                sent = true;
            }
        }
        if sent {
            bio.end();
        } else {
            bio.io_error();
        }
    }
}
