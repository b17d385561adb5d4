// SPDX-License-Identifier: GPL-2.0
//! TEMPORARY: stand-ins for bb-lib's member-level bad-block API (removed at the merge).

use crate::rdev::Rdev;
use crate::Mddev;

pub(crate) struct BadRange {
    pub(crate) first: u64,
    pub(crate) sectors: u64,
}

impl Rdev {
    pub(crate) fn bad_range(&self, _sector: u64, _sectors: u64) -> Option<BadRange> {
        None
    }
}

impl Mddev {
    pub(crate) fn rdev_set_badblocks(&self, _rdev: &Rdev, _sector: u64, _sectors: u64) -> bool {
        false
    }
    pub(crate) fn rdev_clear_badblocks(&self, _rdev: &Rdev, _sector: u64, _sectors: u64) {}
}
