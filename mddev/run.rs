// SPDX-License-Identifier: GPL-2.0
//! RUN_ARRAY (do_md_run): assembly from the members' superblocks.

use super::*;

/// RUN_ARRAY (do_md_run): geometry and roles from the freshest superblock,
/// raid1 conf, queue limits, capacity.
pub(crate) fn do_md_run(m: &Mddev, st: &mut MddevState) -> Result {
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    if st.disks.is_empty() {
        return Err(EINVAL);
    }
    // analyze_sbs: the freshest member, then each member against it.
    let mut seen: KVec<superblock::Member> = KVec::with_capacity(st.disks.len(), GFP_KERNEL)?;
    for r in st.disks.iter() {
        let meta = r.meta();
        seen.push(
            superblock::Member {
                events: meta.sb.events(),
                is_spare: meta.sb.is_spare(),
            },
            GFP_KERNEL,
        )?;
    }
    let Some(freshest) = superblock::pick_freshest(&seen).and_then(|i| st.disks.get(i).cloned())
    else {
        md_warn!("md: {}: no member holds a slot\n", m.name());
        return Err(EINVAL);
    };
    let fresh = freshest.meta().sb.events();
    // Kick members too old to be trusted (md's "non-fresh").
    let mut kept: KVec<(Arc<Rdev>, superblock::Freshness)> =
        KVec::with_capacity(st.disks.len(), GFP_KERNEL)?;
    st.deleting.reserve(st.disks.len(), GFP_KERNEL)?;
    let disks = core::mem::replace(&mut st.disks, KVec::new());
    for (r, seen) in disks.into_iter().zip(seen.iter()) {
        match superblock::freshness(*seen, fresh) {
            superblock::Freshness::Stale => {
                // Its dev-NAME/ goes once the lock is released (a store there may be
                // waiting for the lock).
                md_warn!("md: kicking non-fresh {} from array!\n", r.name());
                md_debug!("md: unbind<{}>\n", r.name());
                md_debug!("md: export_rdev({})\n", r.name());
                let _ = st.deleting.push(r, GFP_KERNEL);
            }
            f => {
                let _ = kept.push((r, f), GFP_KERNEL);
            }
        }
    }
    let fsb = freshest.meta();
    let level = fsb.sb.level();
    let raid_disks = fsb.sb.raid_disks();
    let dev_sectors = fsb.sb.size_sectors();
    let (ctime, utime, layout, chunk, resync) = (
        fsb.sb.ctime(),
        fsb.sb.utime(),
        fsb.sb.layout(),
        fsb.sb.chunk_sectors(),
        fsb.sb.resync_offset(),
    );
    // A current member's own superblock gives its role; one behind takes it from
    // the freshest (super_1_validate / super_90_validate).
    let mut roles: KVec<Option<superblock::Role>> = KVec::with_capacity(kept.len(), GFP_KERNEL)?;
    for (r, _) in kept.iter() {
        roles.push(fsb.sb.role_of(r.desc_nr as u32), GFP_KERNEL)?;
    }
    drop(fsb);
    for ((r, f), role) in kept.iter().zip(roles.iter_mut()) {
        if *f == superblock::Freshness::Current && !core::ptr::eq(&**r, &*freshest) {
            *role = r.meta().sb.role_of(r.desc_nr as u32);
        }
    }
    for ((r, _), role) in kept.into_iter().zip(roles.iter()) {
        {
            let meta = r.meta();
            r.set_role_from(&meta.sb, *role, raid_disks);
        }
        if r.raid_disk() >= 0 && r.data_sectors() < dev_sectors {
            md_warn!("md: {}: device too small for {}\n", r.name(), m.name());
            r.make_spare();
        }
        let _ = st.disks.push(r, GFP_KERNEL);
    }
    drop(freshest);
    let Some(g) = globals() else {
        return Err(ENODEV);
    };
    let Some(pers) = g.pers.find(level) else {
        md_warn!("md: personality for level {} is not loaded!\n", level);
        return Err(EINVAL);
    };
    if raid_disks == 0 || raid_disks as usize > superblock::SB1_MAX_DEV {
        return Err(EINVAL);
    }
    // The limits stack every member, spares too (raid1_set_limits walks all rdevs).
    let mut files = KVec::with_capacity(st.disks.len(), GFP_KERNEL)?;
    let mut offsets = KVec::with_capacity(st.disks.len(), GFP_KERNEL)?;
    for r in st.disks.iter() {
        files.push(r.file(), GFP_KERNEL)?;
        offsets.push(r.data_offset(), GFP_KERNEL)?;
    }
    m.disk.set_limits(&files, &offsets)?;
    drop(files);
    // md-level state the run starts from; the personality may change the resync point.
    m.set_resync_offset(resync);
    m.broken.store(false, Ordering::Release);
    m.sb_change.store(false, Ordering::Release);
    m.sync.intr.store(false, Ordering::Release);
    let conf = (pers.run)(m, raid_disks, &st.disks)?;
    let me = globals()
        .and_then(|g| g.all.lock().find(m.minor).cloned())
        .ok_or(ENODEV)?;
    let tname = CString::try_from_fmt(fmt!("{}_{}", m.name(), pers.name))?;
    let thread = Thread::start(me.clone(), 0, &tname)?;
    st.array = Some(me);
    // SAFETY: The stop clears the slot before it drops the thread (`do_md_stop`).
    unsafe { m.waker.publish(&thread) };
    st.thread = Some(thread);
    m.sync.action.store(0, Ordering::Release);
    m.sync.done.store(false, Ordering::Release);
    m.sync
        .resync_max
        .store(st.knobs.sync_window().1, Ordering::Release);
    st.level = level;
    st.raid_disks = raid_disks;
    st.dev_sectors = dev_sectors;
    st.ctime = ctime;
    st.utime = utime;
    st.layout = layout;
    st.chunk_sectors = chunk;
    st.events = fresh;
    st.can_decrease_events = false;
    st.pers = Some(pers);
    knobs_on_run(m, st);
    if let Some(k) = st.kobj.as_ref() {
        for r in st.disks.iter() {
            r.publish();
            r.set_rd_link(k, true);
        }
    }
    // md_run: clean until the first write, whether or not a resync is pending (that
    // is tracked apart, in resync_offset), so an idle resyncing array reads `clean`.
    m.in_sync.store(true, Ordering::SeqCst);
    if sys::module::start_readonly() != 0 && m.ro() == Ro::Rdwr {
        m.set_ro(Ro::AutoRead);
    }
    *m.running.lock() = Some(conf.clone());
    *m.io.lock() = Some(conf);
    m.update_configured(st);
    m.set_knob_copies(
        st.knobs.max_read_errors(),
        st.knobs.speed_min(),
        st.knobs.speed_max(),
    );
    m.need_check();
    m.disk.set_capacity(dev_sectors);
    m.disk.change_uevent();
    Ok(())
}
