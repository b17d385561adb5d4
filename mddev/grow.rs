// SPDX-License-Identifier: GPL-2.0
//! Growing and shrinking a running array: its number of slots (update_raid_disks),
//! as `mdadm --grow --raid-devices=N` asks through md/raid_disks or SET_ARRAY_INFO.

use super::*;

/// md's `max_disks` of the metadata: a slot count must stay below it.
fn max_disks(st: &MddevState) -> Option<usize> {
    if !st.persistent {
        None
    } else if st.major_version == 0 {
        Some(superblock::SB0_DISKS)
    } else {
        // (4096 - 256) / 2 roles fit a version-1 superblock's 4 KiB.
        Some(1920)
    }
}

/// update_raid_disks: the running array gets `n` slots. The personality packs its
/// members into the lowest slots (a shrink needs the members beyond the new count
/// gone already); the superblocks record the new count at once, and spares are
/// looked at (a grown array recovers a spare into each new slot).
pub(crate) fn update_raid_disks(m: &Mddev, st: &mut MddevState, n: u32) -> Result {
    let conf = m.conf().ok_or(EINVAL)?;
    if m.ro() != Ro::Rdwr {
        return Err(EROFS);
    }
    if n == 0 || max_disks(st).is_some_and(|max| n as usize >= max) {
        return Err(EINVAL);
    }
    // A sync running or not yet reaped (md's MD_RECOVERY_RUNNING).
    if st.sync_thread.is_some() {
        return Err(EBUSY);
    }
    if n == st.raid_disks {
        return Ok(());
    }
    conf.reshape(n)?;
    st.raid_disks = n;
    // md/rdN follow the members' new slots: all go first, so that no new name is
    // still taken by an old one.
    if let Some(k) = st.kobj.as_ref() {
        for r in st.disks.iter() {
            r.set_rd_link(k, false);
        }
        for r in st.disks.iter().filter(|r| r.slot().is_some()) {
            r.set_rd_link(k, true);
        }
    }
    m.sb_change.store(true, Ordering::Release);
    service_sb(m, st, &*conf, false);
    notify(st, c_str!("degraded"));
    // md's MD_RECOVERY_RECOVER | MD_RECOVERY_NEEDED: spares take the new slots.
    m.need_check();
    Ok(())
}
