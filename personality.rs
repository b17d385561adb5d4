// SPDX-License-Identifier: GPL-2.0
//! Personalities: the RAID levels this md can run (md's `struct md_personality`).
//!
//! The md core knows a level only through this interface: a registered
//! [`PersonalityType`] makes a running [`Personality`] at RUN_ARRAY, and the core
//! calls its operations (I/O, member failure, spares, sync, quiesce). The core never
//! names a personality; a personality may use the core (the array it runs in).

use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

use crate::rdev::Rdev;
use crate::resync::Action;
use crate::sys::bio::Bio;
use crate::Mddev;

/// A running personality (md's `mddev->private` with the `pers` operations).
pub(crate) trait Personality: Send + Sync {
    /// md's `make_request`: a bio for the array, already split at the queue limits.
    fn make_request(&self, bio: Bio);

    /// md's `error_handler` for the member `rdev` (in one of this personality's
    /// slots): fails it unless it holds the last copy. Returns whether it is now
    /// faulty.
    fn error_handler(&self, rdev: &Rdev) -> bool;

    /// md's `hot_add_disk`: the spare `rdev` takes a free slot; returns the slot.
    /// The caller then sets the member's `raid_disk` and starts recovery.
    fn hot_add_disk(&self, rdev: &Arc<Rdev>) -> Result<usize>;

    /// md's `hot_remove_disk`: the member leaves its slot (no I/O is in flight to it
    /// afterwards). EBUSY when it cannot leave now.
    fn hot_remove_disk(&self, rdev: &Rdev) -> Result;

    /// md's `quiesce`: `true` stops new I/O and waits for what is in flight (apart from
    /// requests waiting for the array thread); `false` resumes.
    fn quiesce(&self, on: bool);

    /// Whether no request is in flight (the stop's drain and safe mode test it).
    fn idle(&self) -> bool;

    /// The array thread's personality work (raid1d): failed requests.
    fn daemon(&self);

    /// The superblocks are about to be written: the failed writes waiting so far
    /// complete once this update is on disk (`sb_update_end`).
    fn sb_update_begin(&self);

    /// The superblock update started by `sb_update_begin` is done.
    fn sb_update_end(&self);

    /// md_do_sync's loop with the personality's `sync_request`: runs `action` over
    /// `[start, max)`; returns where it got to and whether it was interrupted.
    fn sync(&self, action: Action, start: u64, max: u64) -> (u64, bool);

    /// Wakes the sync thread's waits (a new sync_max, an interrupt).
    fn wake_sync(&self);

    /// md's `check_reshape` for a new number of slots, no sync running (the core
    /// checked): the members are packed into the lowest slots, each member's
    /// `raid_disk` follows its slot, and the level runs over `raid_disks` slots.
    /// EINVAL from a level that cannot change its slot count; EBUSY when more
    /// members are placed than the new count holds.
    fn reshape(&self, raid_disks: u32) -> Result {
        let _ = raid_disks;
        Err(EINVAL)
    }

    /// Whether this level can change the space it uses of each member (md's
    /// `resize` operation is set).
    fn can_resize(&self) -> bool {
        false
    }

    /// md's `resize`: the array now uses `dev_sectors` of each member (the core
    /// checked they fit and no sync runs); returns the array's new size in sectors.
    fn resize(&self, dev_sectors: u64) -> Result<u64> {
        let _ = dev_sectors;
        Err(EINVAL)
    }
}

/// A personality as registered at module load (md's `struct md_personality`).
pub(crate) struct PersonalityType {
    /// Name as /proc/mdstat and md/level print it.
    pub(crate) name: &'static str,
    /// The level number in superblocks and ioctls.
    pub(crate) level: i32,
    /// md's `run`: a running personality for `mddev` over `raid_disks` slots, with
    /// `members` already placed (`raid_disk`, in-sync and recovery state set); spares
    /// have no slot. May change md-level state (the resync point).
    pub(crate) run: RunFn,
}

/// md's `run`, see [`PersonalityType::run`].
pub(crate) type RunFn =
    fn(mddev: &Mddev, raid_disks: u32, members: &[Arc<Rdev>]) -> Result<Arc<dyn Personality>>;

/// Registered personalities, in registration order.
#[pin_data]
pub(crate) struct Registry {
    #[pin]
    list: Mutex<KVec<&'static PersonalityType>>,
}

impl Registry {
    /// An empty registry.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Registry {
            list <- kernel::new_mutex!(KVec::new(), "md:pers_list"),
        })
    }

    /// Adds a personality (md's `register_md_personality`).
    pub(crate) fn register(&self, p: &'static PersonalityType) -> Result {
        self.list.lock().push(p, GFP_KERNEL)?;
        Ok(())
    }

    /// Finds the personality for `level`.
    pub(crate) fn find(&self, level: i32) -> Option<&'static PersonalityType> {
        self.list.lock().iter().copied().find(|p| p.level == level)
    }

    /// Calls `f` with the registered names, in order.
    pub(crate) fn with_names<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R {
        let list = self.list.lock();
        let mut names: [&str; 8] = [""; 8];
        let mut n = 0;
        for (slot, p) in names.iter_mut().zip(list.iter()) {
            *slot = p.name;
            n += 1;
        }
        f(names.get(..n).unwrap_or(&[]))
    }
}
