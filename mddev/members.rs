// SPDX-License-Identifier: GPL-2.0
//! Members joining and leaving: ADD_NEW_DISK, SET_DISK_FAULTY, HOT_REMOVE_DISK
//! and their sysfs equivalents.

use super::*;

/// The kernel's dev_t for major:minor (MKDEV).
pub(crate) fn mkdev(major: i32, minor: i32) -> Result<u32> {
    let major = u32::try_from(major).map_err(|_| EINVAL)?;
    let minor = u32::try_from(minor).map_err(|_| EINVAL)?;
    if major >= 1 << 12 || minor >= 1 << 20 {
        return Err(EINVAL);
    }
    Ok((major << 20) | minor)
}

/// ADD_NEW_DISK before the array runs: open, load and check the member, bind it.
pub(crate) fn add_new_disk(m: &Mddev, st: &mut MddevState, info: &ioctl::DiskInfo) -> Result {
    let known = matches!((st.major_version, st.minor_version), (0, 90) | (1, 0..=2));
    if !st.persistent || !known {
        md_warn!(
            "md: {}: superblock version {}.{} is not supported\n",
            m.name(),
            st.major_version,
            st.minor_version
        );
        return Err(EINVAL);
    }
    let dev = mkdev(info.major, info.minor)?;
    if st.disks.iter().any(|r| r.dev == dev) {
        return Err(EBUSY);
    }
    let major = u32::try_from(st.major_version).map_err(|_| EINVAL)?;
    let minor = u32::try_from(st.minor_version).map_err(|_| EINVAL)?;
    let rdev = Rdev::import(dev, m, major, minor)?;
    // What the checks below need from its superblock (one member's superblock lock
    // at a time).
    let (unsupported, uuid, events, role) = {
        let meta = rdev.meta();
        (
            meta.sb.unsupported(),
            meta.sb.uuid(),
            meta.sb.events(),
            meta.sb.role_of(rdev.desc_nr as u32),
        )
    };
    // On-disk state we would not maintain (a reshape position, a journal, PPL...):
    // running without it would leave metadata that md later trusts.
    if let Some(what) = unsupported {
        md_warn!(
            "md: {}: {} is not supported by this md_mod\n",
            rdev.name(),
            what
        );
        return Err(EINVAL);
    }
    if let Some(first) = st.disks.first() {
        if first.meta().sb.uuid() != uuid {
            md_warn!(
                "md: {} has different UUID to {}\n",
                rdev.name(),
                first.name()
            );
            return Err(EINVAL);
        }
        if st.disks.iter().any(|r| r.desc_nr == rdev.desc_nr) {
            md_warn!(
                "md: {}: descriptor {} already in use\n",
                rdev.name(),
                rdev.desc_nr
            );
            return Err(EBUSY);
        }
    }
    let mut saved_slot = -1;
    if st.pers.is_some() {
        // A hot add: the member joins as a spare and is recovered. A re-add asking
        // for its old slot must still be current, or (super_1_validate with a
        // bitmap) no older than what the bitmap remembers: then it goes back to
        // that slot and only the chunks it missed are recovered.
        let wants_slot = info.state & ioctl::disk_state::SYNC != 0;
        let old_role = role
            == Some(superblock::Role::Active(
                info.raid_disk.clamp(0, 0xfffd) as u16
            ));
        let within_bitmap = m
            .bitmap()
            .is_some_and(|b| events >= b.stats().events_cleared && events <= st.events);
        if wants_slot && (!old_role || (events < st.events && !within_bitmap)) {
            return Err(EINVAL);
        }
        if wants_slot && within_bitmap {
            saved_slot = info.raid_disk;
        }
        if rdev.data_sectors() < st.dev_sectors {
            md_warn!("md: {}: device too small for {}\n", rdev.name(), m.name());
            return Err(ENOSPC);
        }
        rdev.make_spare();
        rdev.saved_raid_disk.store(saved_slot, Ordering::Release);
        // md_add_new_disk's hot add: write-mostly and fail-fast as mdadm asks
        // (`--write-mostly`, `--failfast`).
        rdev.assign(
            rdev::flag::WRITE_MOSTLY,
            info.state & ioctl::disk_state::WRITEMOSTLY != 0,
        );
        rdev.assign(
            rdev::flag::FAIL_FAST,
            info.state & ioctl::disk_state::FAILFAST != 0,
        );
    }
    // Room first: once dev-NAME/ exists the rdev must not be dropped under the lock.
    st.disks.reserve(1, GFP_KERNEL)?;
    if let Some(k) = st.kobj.as_ref() {
        rdev.add_kobj(k)?;
    }
    md_debug!("md: bind<{}>\n", rdev.name());
    st.disks.push(rdev, GFP_KERNEL)?;
    m.update_configured(st);
    if m.conf().is_some() {
        m.sb_change.store(true, Ordering::Release);
        m.need_check();
    }
    Ok(())
}

/// dev-NAME/state `faulty`.
pub(crate) fn set_disk_faulty_dev(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    set_disk_faulty(m, st, dev)
}

/// dev-NAME/state `writemostly` / `-writemostly` (md's state_store): sets or clears
/// the flag and, on a running array, writes the superblocks at once (md_update_sb
/// with force_change; a read-only array keeps the change pending).
pub(crate) fn set_write_mostly_dev(m: &Mddev, st: &mut MddevState, dev: u32, on: bool) -> Result {
    set_sb_flag_dev(m, st, dev, rdev::flag::WRITE_MOSTLY, on)
}

/// dev-NAME/state `failfast` / `-failfast` (md's state_store): as write-mostly.
pub(crate) fn set_fail_fast_dev(m: &Mddev, st: &mut MddevState, dev: u32, on: bool) -> Result {
    set_sb_flag_dev(m, st, dev, rdev::flag::FAIL_FAST, on)
}

/// A member flag the superblocks record: set or cleared, then the superblocks
/// written at once on a running array.
fn set_sb_flag_dev(m: &Mddev, st: &mut MddevState, dev: u32, flag: u32, on: bool) -> Result {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    r.assign(flag, on);
    r.publish();
    if let Some(conf) = m.conf() {
        m.sb_change.store(true, Ordering::Release);
        service_sb(m, st, &*conf, false);
    }
    Ok(())
}

/// dev-NAME/state `blocked` / `-blocked` (md's state_store): writes to the array
/// wait while a member is blocked. Unblocking a working member with bad blocks
/// not yet acknowledged fails it (md: a metadata handler that does not know of
/// them), then lets the writes go and has the array look at its members.
pub(crate) fn set_blocked_dev(m: &Mddev, st: &mut MddevState, dev: u32, on: bool) -> Result {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    if on {
        r.set(rdev::flag::BLOCKED);
        r.publish();
        return Ok(());
    }
    let r = r.clone();
    if !r.faulty() && r.bb_unacked_exist() {
        // md_error (refused for the last copy, and a no-op on a stopped array).
        let _ = set_disk_faulty(m, st, r.dev);
    }
    r.clear(rdev::flag::BLOCKED);
    r.publish();
    m.sb_wait.wake();
    m.need_check();
    Ok(())
}

/// dev-NAME/state `write_error` / `-write_error` (md's state_store): sets or clears
/// WriteErrorSeen (a resync then leaves or rewrites the member's bad ranges).
pub(crate) fn set_write_error_dev(st: &MddevState, dev: u32, on: bool) -> Result {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    r.assign(rdev::flag::WRITE_ERROR, on);
    r.publish();
    Ok(())
}

/// dev-NAME/state `remove`: from a running array as HOT_REMOVE_DISK; from a
/// stopped one the member is simply let go.
pub(crate) fn remove_dev(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    if st.pers.is_some() {
        return hot_remove_disk(m, st, dev);
    }
    let Some(i) = st.disks.iter().position(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    // Room first, so the member always leaves through `deleting`.
    st.deleting.reserve(1, GFP_KERNEL)?;
    if let Some(r) = sys::util::kvec_remove(&mut st.disks, i) {
        md_debug!("md: unbind<{}>\n", r.name());
        md_debug!("md: export_rdev({})\n", r.name());
        st.deleting.push(r, GFP_KERNEL)?;
    }
    m.update_configured(st);
    Ok(())
}

/// SET_DISK_FAULTY (md_error on a member); EBUSY when it is the last copy.
pub(crate) fn set_disk_faulty(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    let Some(conf) = m.conf() else {
        return Err(ENODEV);
    };
    // md_error; the personality refuses to fail the last copy.
    if !r.faulty() && !conf.error_handler(r) {
        return Err(EBUSY);
    }
    r.publish();
    Ok(())
}

/// HOT_REMOVE_DISK and dev-NAME/state `remove`: a spare or failed member leaves
/// the array (closed once the lock is released).
pub(crate) fn hot_remove_disk(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    if st.pers.is_none() {
        return Err(ENODEV);
    }
    let Some(i) = st.disks.iter().position(|r| r.dev == dev) else {
        return Err(ENXIO);
    };
    // Room first, so the member always leaves through `deleting`.
    st.deleting.reserve(1, GFP_KERNEL)?;
    if let (Some(conf), Some(r)) = (m.conf(), st.disks.get(i)) {
        // A failed member still in its slot leaves it now (remove_and_add_spares).
        if r.faulty() && r.slot().is_some() && st.sync_thread.is_none() {
            remove_from_slot(st, &*conf, r);
        }
    }
    let Some(r) = st.disks.get(i) else {
        return Err(ENXIO);
    };
    if r.raid_disk() >= 0 {
        md_warn!(
            "md: cannot remove active disk {} from {} ...\n",
            r.name(),
            m.name()
        );
        return Err(EBUSY);
    }
    let Some(r) = sys::util::kvec_remove(&mut st.disks, i) else {
        return Err(ENXIO);
    };
    md_debug!("md: unbind<{}>\n", r.name());
    md_debug!("md: export_rdev({})\n", r.name());
    st.deleting.push(r, GFP_KERNEL)?;
    if m.conf().is_some() {
        m.sb_change.store(true, Ordering::Release);
        m.need_check();
    } else if st.pers.is_some() {
        update_sb(m, st, m.in_sync.load(Ordering::SeqCst), true);
    }
    m.update_configured(st);
    Ok(())
}
