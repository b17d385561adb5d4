// SPDX-License-Identifier: GPL-2.0
//! RUN_ARRAY (do_md_run): assembly from the members' superblocks.

use super::*;

/// What the freshest superblock says of the array.
struct Geometry {
    level: i32,
    raid_disks: u32,
    dev_sectors: u64,
    ctime: u64,
    utime: u64,
    layout: i32,
    chunk_sectors: u32,
    resync_offset: u64,
    events: u64,
    /// The internal bitmap's place (sectors from each superblock), if any.
    bitmap: Option<i64>,
    uuid: [u8; 16],
}

/// analyze_sbs and the validate step: the freshest member (`pick_freshest`), every
/// member judged against it (`freshness`): stale ones are kicked, the others take
/// their role (a current member from its own superblock, one behind from the
/// freshest's). Every allocation comes first, so a failure leaves the members as
/// they were.
fn analyze_members(m: &Mddev, st: &mut MddevState) -> Result<Geometry> {
    let n = st.disks.len();
    let mut seen: KVec<superblock::Member> = KVec::with_capacity(n, GFP_KERNEL)?;
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
    let Some((fi, freshest)) =
        superblock::pick_freshest(&seen).and_then(|i| Some((i, st.disks.get(i)?.clone())))
    else {
        md_warn!("md: {}: no member holds a slot\n", m.name());
        return Err(EINVAL);
    };
    let events = seen.get(fi).map_or(0, |s| s.events);
    let mut verdict = KVec::with_capacity(n, GFP_KERNEL)?;
    for s in seen.iter() {
        verdict.push(superblock::freshness(*s, events), GFP_KERNEL)?;
    }
    let mut roles: KVec<Option<superblock::Role>> = KVec::with_capacity(n, GFP_KERNEL)?;
    let geometry = {
        let fsb = freshest.meta();
        for r in st.disks.iter() {
            roles.push(fsb.sb.role_of(r.desc_nr as u32), GFP_KERNEL)?;
        }
        Geometry {
            level: fsb.sb.level(),
            raid_disks: fsb.sb.raid_disks(),
            dev_sectors: fsb.sb.size_sectors(),
            ctime: fsb.sb.ctime(),
            utime: fsb.sb.utime(),
            layout: fsb.sb.layout(),
            chunk_sectors: fsb.sb.chunk_sectors(),
            resync_offset: fsb.sb.resync_offset(),
            events,
            bitmap: fsb.sb.bitmap_location(),
            uuid: fsb.sb.uuid(),
        }
    };
    let stale = verdict
        .iter()
        .filter(|v| **v == superblock::Freshness::Stale)
        .count();
    st.deleting.reserve(stale, GFP_KERNEL)?;
    // From here on nothing fails. One member's superblock lock at a time.
    for (i, ((r, v), role)) in st
        .disks
        .iter()
        .zip(verdict.iter())
        .zip(roles.iter_mut())
        .enumerate()
    {
        match v {
            superblock::Freshness::Stale => {
                md_warn!("md: kicking non-fresh {} from array!\n", r.name());
                continue;
            }
            superblock::Freshness::Current if i != fi => {
                *role = r.meta().sb.role_of(r.desc_nr as u32);
            }
            _ => {}
        }
        {
            let meta = r.meta();
            r.set_role_from(&meta.sb, *role, geometry.raid_disks);
            // super_1_validate: a recovery the bitmap guided goes on that way; any
            // other recovery is a full one.
            let saved = match r.slot() {
                Some(slot)
                    if geometry.bitmap.is_some() && !r.in_sync() && meta.sb.recovery_bitmap() =>
                {
                    slot as i32
                }
                _ => -1,
            };
            r.saved_raid_disk.store(saved, Ordering::Release);
        }
        if r.raid_disk() >= 0 && r.data_sectors() < geometry.dev_sectors {
            md_warn!("md: {}: device too small for {}\n", r.name(), m.name());
            r.make_spare();
        }
    }
    // The kicked members' dev-NAME/ goes once the lock is released (a store there
    // may be waiting for the lock).
    for i in (0..n).rev() {
        if verdict.get(i) == Some(&superblock::Freshness::Stale) {
            if let Some(r) = sys::util::kvec_remove(&mut st.disks, i) {
                md_debug!("md: unbind<{}>\n", r.name());
                md_debug!("md: export_rdev({})\n", r.name());
                let _ = st.deleting.push(r, GFP_KERNEL);
            }
        }
    }
    Ok(geometry)
}

/// RUN_ARRAY (do_md_run): geometry and roles from the freshest superblock, the
/// personality's run, queue limits, the array thread, capacity.
pub(crate) fn do_md_run(m: &Mddev, st: &mut MddevState) -> Result {
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    if st.disks.is_empty() {
        return Err(EINVAL);
    }
    let Geometry {
        level,
        raid_disks,
        dev_sectors,
        ctime,
        utime,
        layout,
        chunk_sectors: chunk,
        resync_offset: resync,
        events: fresh,
        bitmap: bitmap_at,
        uuid,
    } = analyze_members(m, st)?;
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
    // md_run's bitmap_ops->create and do_md_run's load: a bitmap that cannot be
    // loaded refuses the run.
    let bitmap = match bitmap_at {
        Some(at) => {
            let degraded = (0..raid_disks)
                .filter(|slot| {
                    !st.disks
                        .iter()
                        .any(|r| r.raid_disk() == *slot as i32 && r.in_sync())
                })
                .count()
                != 0;
            Some(load_bitmap(
                m,
                &st.disks,
                BitmapAt {
                    location: at,
                    uuid,
                    events: fresh,
                    dev_sectors,
                    degraded,
                },
            )?)
        }
        None => None,
    };
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
    m.events.store(fresh, Ordering::Release);
    st.can_decrease_events = false;
    if let Some(bm) = bitmap {
        install_bitmap(m, st, bm);
    }
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
