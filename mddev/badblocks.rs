// SPDX-License-Identifier: GPL-2.0
//! md.c's bad-block calls on a member (rdev_set_badblocks / rdev_clear_badblocks):
//! sectors relative to the member's data, recorded in its list (device sectors);
//! a new record is written out with the superblocks before writes go on.

use super::*;

// Called by raid1's error and sync paths and by bb-core (issue 12, other branches).
impl Mddev {
    /// rdev_set_badblocks(rdev, s, n, 0): records `[sector, sector + sectors)` of the
    /// member's data as bad (unacknowledged). On success a superblock update is
    /// pending (writes wait for it, as md's MD_SB_CHANGE_CLEAN|PENDING) and the array
    /// thread is woken to write it. False when the member cannot record it (no log,
    /// list full): the caller then fails the member.
    ///
    /// md also notifies dev-NAME/state here; there is no helper for that yet.
    pub(crate) fn rdev_set_badblocks(&self, rdev: &Rdev, sector: u64, sectors: u64) -> bool {
        let Some(s) = sector.checked_add(rdev.data_offset()) else {
            return false;
        };
        if !rdev.badblocks().set(s, sectors, false) {
            return false;
        }
        self.sb_change.store(true, Ordering::Release);
        self.set_sb_pending();
        self.wake_thread();
        true
    }

    /// rdev_clear_badblocks(rdev, s, n, 0): forgets `[sector, sector + sectors)` of the
    /// member's data (after a successful write there); the list goes out with the
    /// next superblock update.
    pub(crate) fn rdev_clear_badblocks(&self, rdev: &Rdev, sector: u64, sectors: u64) {
        if let Some(s) = sector.checked_add(rdev.data_offset()) {
            rdev.badblocks().clear(s, sectors);
        }
    }
}
