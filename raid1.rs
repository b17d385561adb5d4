// SPDX-License-Identifier: GPL-2.0
//! RAID1: mirroring. This file owns the personality; its I/O path (read_balance,
//! r1bio, barriers, sync_request) arrives with the data-path issue.

use crate::personality::Personality;

/// The raid1 personality as registered at module load.
pub(crate) static RAID1: Personality = Personality {
    name: "raid1",
    level: 1,
};
