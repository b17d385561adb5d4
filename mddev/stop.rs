// SPDX-License-Identifier: GPL-2.0
//! Stopping an array: do_md_stop, read-only, restart, and the reboot notifier.

use super::*;

impl Mddev {
    /// Takes the conf away from new bios and waits for those in flight, writing
    /// the superblocks failed writes wait for (the array thread cannot: we hold
    /// the lock it would take).
    pub(crate) fn quiesce(&self, st: &mut MddevState) -> Option<Arc<dyn Personality>> {
        self.draining.store(true, Ordering::SeqCst);
        let conf = self.io.lock().take();
        // Writers waiting for the superblocks see the array going away.
        self.sb_wait.wake();
        let drained = || {
            self.active_io.load(Ordering::Acquire) == 0 && conf.as_ref().map_or(true, |c| c.idle())
        };
        loop {
            let gen = self.sb_work_gen.load(Ordering::Acquire);
            if let Some(c) = &conf {
                service_sb(self, st, &**c, false);
            }
            if drained() {
                break;
            }
            // Woken by the last bio or request leaving (`drained_wake`) or by failed
            // writes that need the superblocks written (`sb_work_queued`); the
            // timeout only bounds a wake-up we might not have thought of.
            self.sb_wait.wait_idle_timeout(1000, || {
                drained() || self.sb_work_gen.load(Ordering::Acquire) != gen
            });
        }
        self.draining.store(false, Ordering::SeqCst);
        conf
    }
}

/// Stops an array (do_md_stop); `final_stop` forgets its configuration.
/// `allowed_openers` is how many opens the caller itself holds.
pub(crate) fn do_md_stop(
    m: &Mddev,
    st: &mut MddevState,
    final_stop: bool,
    allowed_openers: u32,
) -> Result {
    if st.pers.is_some() {
        // Held open by someone else (mounted): refused quietly, as md does.
        if m.openers.load(Ordering::Relaxed) > allowed_openers {
            return Err(EBUSY);
        }
        if let Some(conf) = m.conf() {
            stop_sync(m, st, &*conf);
        }
        if let Some(conf) = m.quiesce(st) {
            m.waker.clear();
            drop(st.thread.take());
            st.array = None;
            conf.daemon();
            service_sb(m, st, &*conf, false);
        }
        // __md_stop_writes: md_bitmap_flush before the clean mark.
        if m.ro() == Ro::Rdwr {
            if let Some(bm) = m.bitmap() {
                flush_bitmap(m, st, &bm);
            }
        }
        // __md_stop_writes: a writable array that is not clean on disk is marked
        // clean; one that already is gets no superblock write at all.
        if m.ro() == Ro::Rdwr && !m.in_sync.load(Ordering::SeqCst) {
            update_sb(m, st, true, true);
            m.in_sync.store(true, Ordering::SeqCst);
        }
        // The array thread is gone: the conf goes with the personality, the bitmap
        // with the run (bitmap_destroy).
        drop(m.running.lock().take());
        drop(m.bitmap.replace(None));
        m.disk.set_capacity(0);
        m.set_ro(Ro::Rdwr);
        st.pers = None;
        if let Some(k) = st.kobj.as_ref() {
            for r in st.disks.iter_mut() {
                r.set_rd_link(k, false);
            }
        }
    }
    if final_stop {
        md_info!("md: {} stopped.\n", m.name());
        st.clean();
        // md_clean: an array still held for later use may be opened again.
        if m.hold() != Hold::Nothing {
            m.closing.store(false, Ordering::Relaxed);
        }
        if m.hold() == Hold::UntilStop {
            m.set_hold(Hold::Nothing);
        }
    }
    m.update_configured(st);
    Ok(())
}

/// __md_stop_writes (STOP_ARRAY_RO, the reboot notifier): the requests already in
/// the personality drain (raid1's quiesce: they never need this lock), pending
/// superblock changes are written and a writable array is marked clean. Writers not
/// yet in the personality are not waited for: one may be waiting in `write_start` for
/// `dirty_work`, which needs this lock. The sync thread is left alone, as md's.
pub(crate) fn stop_writes(m: &Mddev, st: &mut MddevState) {
    let Some(conf) = m.conf() else { return };
    conf.quiesce(true);
    service_sb(m, st, &*conf, false);
    if m.ro() == Ro::Rdwr {
        if let Some(bm) = m.bitmap() {
            flush_bitmap(m, st, &bm);
        }
    }
    if m.ro() == Ro::Rdwr && !m.in_sync.load(Ordering::SeqCst) {
        mark_clean(m, st, &*conf);
    }
    conf.quiesce(false);
}

/// md's set_in_sync, for array_state `clean`: marks the superblocks clean unless a
/// write is pending (then false: EBUSY). Never waits for a writer and leaves a
/// running sync alone (the clean superblock records its checkpoint).
pub(crate) fn set_in_sync(m: &Mddev, st: &mut MddevState) -> bool {
    if m.in_sync.load(Ordering::SeqCst) {
        return true;
    }
    let Some(conf) = m.conf() else { return false };
    // Writes already in raid1 finish without this lock; a write still counted in
    // `writes_pending` afterwards has not reached it and keeps the array dirty.
    conf.quiesce(true);
    let clean = mark_clean(m, st, &*conf);
    conf.quiesce(false);
    clean
}

/// With the conf frozen: publishes clean, then backs off if a write has started
/// meanwhile (it either sees `in_sync` and waits for `dirty_work`, or we see it in
/// `writes_pending`), else writes the clean superblocks.
pub(crate) fn mark_clean(m: &Mddev, st: &mut MddevState, conf: &dyn Personality) -> bool {
    m.in_sync.store(true, Ordering::SeqCst);
    if m.writes_pending.load(Ordering::SeqCst) != 0 {
        m.in_sync.store(false, Ordering::SeqCst);
        return false;
    }
    service_sb(m, st, conf, true);
    true
}

/// md_set_readonly: STOP_ARRAY_RO and array_state `readonly`.
pub(crate) fn md_set_readonly(m: &Mddev, st: &mut MddevState, allowed_openers: u32) -> Result {
    if st.pers.is_none() {
        return Ok(());
    }
    if m.openers.load(Ordering::Relaxed) > allowed_openers {
        return Err(EBUSY);
    }
    if let Some(conf) = m.conf() {
        stop_sync(m, st, &*conf);
    }
    stop_writes(m, st);
    if m.ro() == Ro::Rdonly {
        return Err(ENXIO);
    }
    m.set_ro(Ro::Rdonly);
    Ok(())
}

/// restart_array: RESTART_ARRAY_RW and array_state `active`/`clean` on a read-only array.
pub(crate) fn restart_array(m: &Mddev, st: &MddevState) -> Result {
    if st.disks.is_empty() {
        return Err(ENXIO);
    }
    if st.pers.is_none() {
        return Err(EINVAL);
    }
    if m.ro() == Ro::Rdwr {
        return Err(EBUSY);
    }
    m.set_ro(Ro::Rdwr);
    // A resync or recovery held back while read-only may start now.
    m.need_check();
    Ok(())
}

/// md_notify_reboot: every running array is marked clean (a sync goes on, as md's).
pub(crate) fn md_reboot() {
    let Some(g) = globals() else { return };
    let mut arrays: KVec<Arc<Mddev>> = KVec::new();
    {
        let all = g.all.lock();
        for m in all.iter() {
            if arrays.push(m.clone(), GFP_KERNEL).is_err() {
                break;
            }
        }
    }
    let mut need_delay = false;
    // The superblock writes under the state lock must not reclaim into array writes.
    let _noio = sys::util::NoIo::enter();
    for m in arrays.iter() {
        if let Some(mut st) = m.state.try_lock() {
            if st.pers.is_some() {
                stop_writes(m, &mut st);
                need_delay = true;
            }
        }
    }
    // As md: give the members a moment to settle their caches.
    if need_delay {
        sys::time::msleep(1000);
    }
}
