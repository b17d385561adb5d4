// SPDX-License-Identifier: GPL-2.0
//! Growing and shrinking a running array: its number of slots (update_raid_disks,
//! `mdadm --grow --raid-devices`) and the space it uses of each member
//! (update_size and dev-NAME/size, `mdadm --grow --size`), through md/ sysfs or
//! SET_ARRAY_INFO.

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
    // Both callers pass a count that differs from the current one.
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

/// dev-NAME/size (rdev_size_store): the space member `dev` gives the array, in
/// sectors (0: all that fits). A member in a slot of a running array with
/// metadata goes through its superblock's rule (md's rdev_size_change); nothing
/// may drop below the array's component size.
pub(crate) fn rdev_size_store(m: &Mddev, st: &mut MddevState, dev: u32, sectors: u64) -> Result {
    let r = st
        .disks
        .iter()
        .find(|r| r.dev == dev)
        .cloned()
        .ok_or(ENODEV)?;
    let mut sectors = sectors;
    if st.pers.is_some() && r.raid_disk() >= 0 {
        if st.persistent {
            sectors = r
                .size_change(sectors, st.dev_sectors, m.bitmap().is_some())
                .ok_or(EBUSY)?;
        } else if sectors == 0 {
            sectors = r.file().sectors().saturating_sub(r.data_offset());
        }
        if m.conf().is_some_and(|c| !c.can_resize()) {
            return Err(EINVAL);
        }
    }
    if sectors < st.dev_sectors {
        return Err(EINVAL);
    }
    r.set_data_sectors(sectors);
    if st.pers.is_some() && st.persistent {
        // The superblock records the new data_size with the next write.
        m.sb_change.store(true, Ordering::Release);
        m.wake_thread();
    }
    Ok(())
}

/// update_size: the running array uses `sectors` of each member (0: the most
/// every member has room for). A larger size is resynced from the old end (as
/// raid1_resize sets the resync point there), the disk's capacity follows with a
/// change uevent, and the superblocks record it.
pub(crate) fn update_size(m: &Mddev, st: &mut MddevState, sectors: u64) -> Result {
    let conf = m.conf().ok_or(EINVAL)?;
    if !conf.can_resize() {
        return Err(EINVAL);
    }
    // A sync running or not yet reaped (md's MD_RECOVERY_RUNNING).
    if st.sync_thread.is_some() {
        return Err(EBUSY);
    }
    if m.ro() != Ro::Rdwr {
        return Err(EROFS);
    }
    let fit = sectors == 0;
    let mut sectors = sectors;
    for r in st.disks.iter() {
        let avail = r.data_sectors();
        if fit && (sectors == 0 || sectors > avail) {
            sectors = avail;
        }
        if avail < sectors {
            return Err(ENOSPC);
        }
    }
    if m.bitmap().is_some() {
        // md resizes the bitmap with the array (md_bitmap_resize); ours cannot yet.
        md_warn!(
            "md: {}: cannot resize an array with a write-intent bitmap; remove the bitmap first\n",
            m.name()
        );
        return Err(EBUSY);
    }
    let array_sectors = conf.resize(sectors)?;
    let old = st.dev_sectors;
    if sectors > old && m.resync_offset() > old {
        // raid1_resize: the new space is resynced (MD_RECOVERY_NEEDED below).
        m.set_resync_offset(old);
    }
    st.dev_sectors = sectors;
    m.disk.set_capacity(array_sectors);
    m.sb_change.store(true, Ordering::Release);
    service_sb(m, st, &*conf, false);
    m.need_check();
    Ok(())
}
