// SPDX-License-Identifier: GPL-2.0
//! Recovery control: the array thread (md_check_recovery), the choice of sync,
//! and the sync thread's start and reaping.

use super::*;

/// The sync thread's job: one run of the personality's sync.
pub(crate) struct SyncJob {
    pub(crate) m: Arc<Mddev>,
    pub(crate) conf: Arc<dyn Personality>,
    pub(crate) action: Action,
    pub(crate) start: u64,
    pub(crate) max: u64,
    pub(crate) ran: AtomicBool,
}

impl ThreadFn for SyncJob {
    fn run(this: ArcBorrow<'_, Self>) {
        if this.ran.swap(true, Ordering::AcqRel) {
            return;
        }
        let p = &this.m.sync;
        let (_, interrupted) = this.conf.sync(this.action, this.start, this.max);
        p.interrupted.store(interrupted, Ordering::Release);
        p.done.store(true, Ordering::Release);
        this.m.need_check();
    }
}

impl ThreadFn for Mddev {
    /// raid1d: failed requests, then md_check_recovery.
    fn run(this: ArcBorrow<'_, Self>) {
        let Some(conf) = this.conf() else { return };
        let _noio = sys::util::NoIo::enter();
        conf.daemon();
        // md_check_recovery: the bitmap's daemon pass (every daemon_sleep).
        this.bitmap_daemon();
        let check = this.need_check.load(Ordering::Acquire)
            || this.sb_change.load(Ordering::Acquire)
            || this.sb_pending.load(Ordering::SeqCst)
            || this.sync.done.load(Ordering::Acquire);
        if !check {
            return;
        }
        // md_check_recovery's mddev_trylock: whoever holds the lock services the
        // superblocks while waiting, and wakes us once it unlocks (`Unlocked`).
        this.thread_deferred.store(true, Ordering::SeqCst);
        if let Some(mut st) = this.state.try_lock() {
            this.thread_deferred.store(false, Ordering::SeqCst);
            if st.pers.is_some() {
                check_recovery(&this, &mut st, &conf);
            }
        }
    }
}

/// Stops a running sync and records where it got to.
pub(crate) fn stop_sync(m: &Mddev, st: &mut MddevState, conf: &dyn Personality) {
    if st.sync_thread.is_none() {
        return;
    }
    // Its barrier waits end too (md's raise_barrier sees MD_RECOVERY_INTR).
    m.sync.intr.store(true, Ordering::Release);
    conf.wake_sync();
    // Joins the thread (it checks for the stop between steps).
    drop(st.sync_thread.take());
    reap_sync(m, st, conf);
}

/// md_reap_sync_thread: the end of a sync (the thread is stopped).
pub(crate) fn reap_sync(m: &Mddev, st: &mut MddevState, conf: &dyn Personality) {
    let p = &m.sync;
    let Some(action) = p.running() else { return };
    let end = p.curr.load(Ordering::Acquire);
    let interrupted = p.interrupted.load(Ordering::Acquire) || !p.done.load(Ordering::Acquire);
    // md_do_sync's end: a completed sync forgets sync_max (and a check or repair
    // sync_min); an interrupted check or repair resumes where it got to.
    let (min, _) = st.knobs.sync_window();
    let requested = matches!(action, Action::Check | Action::Repair);
    if !interrupted {
        st.knobs
            .set_sync_window(if requested { 0 } else { min }, superblock::MAX_SECTOR);
        m.set_resync_max(superblock::MAX_SECTOR);
    } else if requested {
        let (_, max) = st.knobs.sync_window();
        st.knobs
            .set_sync_window(p.completed.load(Ordering::Acquire).min(max), max);
    }
    match action {
        Action::Resync | Action::Repair => {
            if !interrupted {
                m.set_resync_offset(superblock::MAX_SECTOR);
            } else if end > m.resync_offset() && action == Action::Resync {
                m.set_resync_offset(end);
            }
        }
        Action::Recover => {
            if !interrupted {
                // md's spare_active: recovered members are in sync now.
                for r in st.disks.iter() {
                    if r.slot().is_some()
                        && !r.faulty()
                        && !r.test(rdev::flag::IN_SYNC)
                        && r.recovery_offset() >= st.dev_sectors
                    {
                        r.set(rdev::flag::IN_SYNC);
                    }
                }
            }
        }
        Action::Check => {}
    }
    // md_reap_sync_thread: once the array is whole, no member's old slot matters.
    if st.degraded() == 0 {
        for r in st.disks.iter() {
            r.saved_raid_disk.store(-1, Ordering::Release);
        }
    }
    p.action.store(0, Ordering::Release);
    p.done.store(false, Ordering::Release);
    p.interrupted.store(false, Ordering::Release);
    p.intr.store(false, Ordering::Release);
    m.sb_change.store(true, Ordering::Release);
    service_sb(m, st, conf, false);
    notify(st, c_str!("sync_action"));
    notify(st, c_str!("degraded"));
    // Idle again: mark clean after the safe-mode delay.
    m.arm_safemode();
}

pub(crate) fn notify(st: &MddevState, attr: &'static CStr) {
    if let Some(k) = st.kobj.as_ref() {
        k.notify(attr);
    }
}

/// Takes a failed member out of its slot (remove_and_add_spares): it stays
/// listed as faulty until removed. False when the personality keeps it for now.
pub(crate) fn remove_from_slot(st: &MddevState, conf: &dyn Personality, r: &Rdev) -> bool {
    if conf.hot_remove_disk(r).is_err() {
        return false;
    }
    r.clear(rdev::flag::IN_SYNC);
    r.set_raid_disk(-1);
    if let Some(k) = st.kobj.as_ref() {
        r.set_rd_link(k, false);
    }
    true
}

/// md_check_recovery with remove_and_add_spares and the choice of sync.
pub(crate) fn check_recovery(m: &Mddev, st: &mut MddevState, conf: &Arc<dyn Personality>) {
    m.need_check.store(false, Ordering::Release);
    service_sb(m, st, &**conf, false);
    if st.sync_thread.is_some() {
        if !m.sync.done.load(Ordering::Acquire) {
            return;
        }
        drop(st.sync_thread.take());
        reap_sync(m, st, &**conf);
    }
    if m.ro() != Ro::Rdwr {
        return;
    }
    // Failed members leave their slots (they stay listed as faulty until removed).
    let mut changed = false;
    for r in st.disks.iter() {
        if r.slot().is_some() && r.faulty() {
            changed |= remove_from_slot(st, &**conf, r);
        }
    }
    if m.sync.frozen.load(Ordering::Acquire) {
        if changed {
            m.sb_change.store(true, Ordering::Release);
            service_sb(m, st, &**conf, false);
        }
        return;
    }
    // Spares take free slots and are recovered (raid1_add_disk).
    if !m.broken.load(Ordering::Acquire) {
        for r in st.disks.iter() {
            if r.slot().is_some() || r.faulty() || r.data_sectors() < st.dev_sectors {
                continue;
            }
            // raid1_add_disk: the queue limits take the member in first
            // (mddev_stack_new_rdev); if they cannot, it stays a spare.
            if m.disk.stack_new_member(r.file(), r.data_offset()).is_err() {
                continue;
            }
            r.clear(rdev::flag::IN_SYNC);
            r.set_recovery_offset(0);
            let Ok(slot) = conf.hot_add_disk(r) else {
                break;
            };
            r.set_raid_disk(slot as i32);
            if let Some(k) = st.kobj.as_ref() {
                r.set_rd_link(k, true);
            }
            changed = true;
        }
    }
    if changed {
        // remove_and_add_spares: a member joined, so every bitmap page goes to it.
        if let Some(bm) = m.bitmap() {
            bm.write_all();
        }
        m.sb_change.store(true, Ordering::Release);
        service_sb(m, st, &**conf, false);
        notify(st, c_str!("degraded"));
    }
    // What to run: recovery first, then resync, then a requested scrub.
    let max = st.dev_sectors;
    let recovering = st
        .disks
        .iter()
        .filter(|r| r.slot().is_some() && !r.faulty() && !r.test(rdev::flag::IN_SYNC))
        .map(|r| r.recovery_offset())
        .min();
    let any_in_sync = st.disks.iter().any(|r| r.slot().is_some() && r.in_sync());
    let resync_cp = m.resync_offset();
    let (action, start) = if m.broken.load(Ordering::Acquire) {
        return;
    } else if let Some(from) = recovering.filter(|_| any_in_sync) {
        (Action::Recover, from.min(max))
    } else if resync_cp < max {
        (Action::Resync, resync_cp)
    } else if let Some(a) = Action::from_u8(m.sync.requested.swap(0, Ordering::AcqRel)) {
        // md_sync_position: a requested check or repair starts at sync_min.
        (a, st.knobs.sync_window().0.min(max))
    } else {
        if resync_cp != superblock::MAX_SECTOR && resync_cp >= max {
            m.set_resync_offset(superblock::MAX_SECTOR);
            m.sb_change.store(true, Ordering::Release);
            service_sb(m, st, &**conf, false);
        }
        return;
    };
    start_sync(m, st, conf, action, start, max);
}

/// Starts mdN_resync for `action` over `[start, max)`.
pub(crate) fn start_sync(
    m: &Mddev,
    st: &mut MddevState,
    conf: &Arc<dyn Personality>,
    action: Action,
    start: u64,
    max: u64,
) {
    let Some(me) = globals().and_then(|g| g.all.lock().find(m.minor).cloned()) else {
        return;
    };
    let job = Arc::new(
        SyncJob {
            m: me,
            conf: conf.clone(),
            action,
            start,
            max,
            ran: AtomicBool::new(false),
        },
        GFP_KERNEL,
    );
    let Ok(job) = job else { return };
    let Ok(name) = CString::try_from_fmt(fmt!("{}_resync", m.name())) else {
        return;
    };
    m.sync.done.store(false, Ordering::Release);
    m.sync.interrupted.store(false, Ordering::Release);
    m.sync.intr.store(false, Ordering::Release);
    m.sync.action.store(action as u8, Ordering::Release);
    m.sync.curr.store(start, Ordering::Release);
    m.sync.max.store(max, Ordering::Release);
    match Thread::start(job, 0, &name) {
        Ok(t) => {
            t.wake();
            st.sync_thread = Some(t);
            notify(st, c_str!("sync_action"));
        }
        Err(e) => {
            m.sync.action.store(0, Ordering::Release);
            md_err!(
                "md: {}: could not start the sync thread: {}\n",
                m.name(),
                e.to_errno()
            );
        }
    }
}

/// sync_action `idle`/`frozen`: stop a running sync where it is (checkpointed).
pub(crate) fn interrupt_sync(m: &Mddev, st: &mut MddevState, conf: &dyn Personality) {
    stop_sync(m, st, conf);
}
