// SPDX-License-Identifier: GPL-2.0
//! md.c's bad-block handling around the superblocks: the members' logs written
//! with them (md_update_sb), acknowledged once on disk, and dev-NAME/bad_blocks and
//! unacknowledged_bad_blocks (bb_store / ubb_store).

use super::*;

/// md_update_sb's `any_badblocks_changed`: some member's list changed since it was
/// last written (counted before the superblocks are encoded).
pub(crate) fn bb_any_changed(st: &MddevState) -> bool {
    st.disks.iter().any(|r| r.bb_changed())
}

/// md_update_sb's tail once the superblocks (and logs) are on disk: with a list
/// written, every member's recorded ranges are acknowledged (ack_all_badblocks: not
/// those of a list changed again meanwhile, which the next update writes), and
/// dev-NAME/state no longer shows them blocked. The caller then wakes the writers
/// waiting on `sb_wait` (md's blocked_wait).
pub(crate) fn bb_ack_all(st: &MddevState) {
    for r in st.disks.iter() {
        let had = r.bb_unacked_exist();
        r.bb_ack_all();
        if had {
            r.publish();
        }
    }
}

/// dev-NAME/bad_blocks (`unack` false: md's bb_store) and unacknowledged_bad_blocks
/// (ubb_store): records `SECTOR LENGTH` (device sectors) in the member's list.
pub(crate) fn bb_sysfs_store(
    m: &Mddev,
    st: &mut MddevState,
    dev: u32,
    input: &[u8],
    unack: bool,
) -> Result {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    let changed = {
        let mut bb = r.badblocks();
        bb.store(input, unack)
            .map_err(|e| Error::from_errno(-e.errno()))?;
        bb.changed()
    };
    // dev-NAME/state shows unacknowledged ranges (faulty, blocked).
    r.publish();
    if unack {
        // As md: left unacknowledged until the next superblock write.
        return Ok(());
    }
    // bb_store: maybe that acknowledged what writers wait for.
    m.sb_wait.wake();
    // Written out promptly, as rdev_set_badblocks does: the next superblock update
    // (which the array thread does now) carries the list.
    if changed && st.pers.is_some() {
        m.sb_change.store(true, Ordering::Release);
        m.set_sb_pending();
        m.wake_thread();
    }
    Ok(())
}
