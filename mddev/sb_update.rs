// SPDX-License-Identifier: GPL-2.0
//! Superblock updates (md_update_sb): events, clean/dirty, roles, and the members
//! that fail while their superblock is written.

use super::*;

/// Publishes every member's state in its dev-NAME/.
pub(crate) fn publish_members(st: &MddevState) {
    for r in st.disks.iter() {
        r.publish();
    }
}

/// md_update_sb when something is pending (or, with `clean_change`, for a
/// clean/dirty transition), then the failed writes that waited for it.
pub(crate) fn service_sb(
    m: &Mddev,
    st: &mut MddevState,
    conf: &dyn Personality,
    clean_change: bool,
) {
    // The failed writes queued so far: their failures are recorded already, so the
    // update below records them (one queued later waits for the next).
    conf.sb_update_begin();
    if m.ro() != Ro::Rdwr {
        // md_update_sb does nothing on an array that is not read-write: the change
        // stays pending (written once it goes read-write), dev-NAME/ shows it now.
        // Such an array takes no writes; a failed one still in flight from before
        // completes, as md's check_recovery clears MD_SB_CHANGE_PENDING when read-only
        // (and Blocked: the failure is recorded when the array becomes writable).
        if m.sb_change.load(Ordering::Acquire) {
            publish_members(st);
        }
        unblock_faulty(m, st);
        conf.sb_update_end();
        return;
    }
    let devs = m.sb_change.swap(false, Ordering::AcqRel) || m.sb_pending.load(Ordering::SeqCst);
    if devs || clean_change {
        let clean = m.in_sync.load(Ordering::SeqCst);
        update_sb(m, st, clean, devs);
        publish_members(st);
    }
    conf.sb_update_end();
}

/// Clears Blocked on the failed members (their failure is on disk, or cannot be
/// written) and lets waiting writes go on.
pub(crate) fn unblock_faulty(m: &Mddev, st: &MddevState) {
    for r in st.disks.iter().filter(|r| r.faulty()) {
        r.clear(rdev::flag::BLOCKED);
    }
    m.sb_wait.wake();
}

/// md_update_sb: every working member's superblock gets the array's events, the
/// clean/dirty mark, the resync point and the members' roles and states. A
/// member whose superblock cannot be written is failed (super_written ->
/// md_error) and the superblocks are written again without it. Afterwards the
/// failures written are no longer pending: blocked members are released and
/// waiting writes go on. Nothing is written while the array is not read-write
/// (the change stays pending until it is). `devs`: more than a clean/dirty
/// transition (md's MD_SB_CHANGE_DEVS; the events never step back then).
pub(crate) fn update_sb(m: &Mddev, st: &mut MddevState, clean: bool, devs: bool) {
    let conf = m.conf();
    if m.ro() != Ro::Rdwr {
        m.sb_change.store(true, Ordering::Release);
        // Failed members of a read-only array get recorded when it becomes
        // writable; no write waits for them meanwhile (md_check_recovery).
        unblock_faulty(m, st);
        return;
    }
    let mut devs = devs;
    // md's any_badblocks_changed: a list goes out with these superblocks.
    let mut bb_written = false;
    // Each round fails at least one more member, so this ends; bounded anyway.
    for _ in 0..=st.disks.len() {
        bb_written |= bb_any_changed(st);
        m.sb_change.store(false, Ordering::Release);
        // The failed members this update records.
        let mut recorded: KVec<Arc<Rdev>> = KVec::new();
        for r in st.disks.iter().filter(|r| r.faulty()) {
            if recorded.push(r.clone(), GFP_KERNEL).is_err() {
                // Recorded or not, they are released below with the others.
                break;
            }
        }
        let step = superblock::next_events(
            st.events,
            superblock::EventsUpdate {
                clean_change_only: !devs,
                force_change: devs,
                degraded: st.degraded() != 0,
                in_sync: clean,
                resync_done: m.resync_offset() == superblock::MAX_SECTOR,
                can_decrease: st.can_decrease_events,
            },
        );
        st.events = step.events;
        m.events.store(step.events, Ordering::Release);
        st.can_decrease_events = step.can_decrease;
        let failed = write_superblocks(m, st, clean);
        let mut again = false;
        for dev in failed.iter() {
            again |= fail_member(m, st, conf.as_deref(), *dev);
        }
        for r in recorded.iter() {
            r.clear(rdev::flag::BLOCKED);
        }
        if !again {
            break;
        }
        devs = true;
    }
    // The lists written are on disk: what they recorded is acknowledged (writers
    // waiting for that are woken below).
    if bb_written {
        bb_ack_all(st);
    }
    m.sb_pending.store(false, Ordering::SeqCst);
    if m.sb_change.load(Ordering::SeqCst) {
        // A failure came in meanwhile: the array thread writes it next.
        m.set_sb_pending();
        m.wake_thread();
    }
    m.sb_wait.wake();
}

/// md_error for the member `dev` (its superblock write failed). True when it is
/// now faulty and the superblocks must be written again.
pub(crate) fn fail_member(
    m: &Mddev,
    st: &MddevState,
    conf: Option<&dyn Personality>,
    dev: u32,
) -> bool {
    let Some(r) = st.disks.iter().find(|r| r.dev == dev) else {
        return false;
    };
    if r.faulty() {
        return false;
    }
    match conf {
        Some(c) => c.error_handler(r),
        None => {
            // No personality to ask (md_error without pers): just failed.
            r.set(rdev::flag::FAULTY);
            md_crit!("md: {}: Disk failure on {}\n", m.name(), r.name());
            true
        }
    }
}

/// md_update_sb for a clean or dirty state: every working member gets the
/// array's events, time, resync point and roles, with PREFLUSH|FUA.
/// Returns the members whose superblock write failed (dev_t).
pub(crate) fn write_superblocks(m: &Mddev, st: &mut MddevState, clean: bool) -> KVec<u32> {
    let mut failed = KVec::new();
    let now = sys::time::real_seconds();
    let events = st.events;
    let resync = m.resync_offset();
    let bitmap = m.bitmap();
    // md_update_sb: the bitmap's superblock first (bitmap_update_sb), to the
    // members as they are now.
    if let Some(bm) = bitmap.as_ref() {
        if bm.set_members(&st.disks).is_err() {
            md_err!(
                "md: {}: out of memory updating the bitmap's members\n",
                m.name()
            );
        }
        for r in bm.update_sb(events) {
            if failed.push(r.dev, GFP_KERNEL).is_err() {
                md_err!("md: out of memory recording a failed superblock write\n");
            }
        }
    }
    let info = super_any::SyncInfo {
        events,
        utime: now,
        clean,
        resync_offset: resync,
        raid_disks: st.raid_disks,
        dev_sectors: st.dev_sectors,
        members: &st.disks,
        bitmap: bitmap.as_ref().map(|b| b.offset()),
    };
    for r in st.disks.iter().filter(|r| !r.faulty()) {
        let mut meta = r.meta();
        meta.sb.sync(r.desc_nr as u32, &info);
        let recovery = (r.raid_disk() >= 0 && !r.in_sync()).then_some(r.recovery_offset());
        meta.sb.set_member(recovery, r.corrected());
        // super_1_sync: a recovery the bitmap guides says so (MD_FEATURE_RECOVERY_BITMAP).
        meta.sb.set_recovery_bitmap(
            bitmap.is_some() && r.saved_raid_disk.load(Ordering::Acquire) >= 0,
        );
        // super_1_sync: the bad-block log, encoded when the list changed.
        let log = match r.bb_sync(&mut meta.sb) {
            Ok(rdev::BbSync::Write(w)) => Some(w),
            Ok(rdev::BbSync::Nothing) => None,
            Ok(rdev::BbSync::NoLog) => {
                // Bad blocks it cannot record: md_error.
                if failed.push(r.dev, GFP_KERNEL).is_err() {
                    md_err!("md: out of memory recording a failed superblock write\n");
                }
                None
            }
            Err(_) => {
                // No memory for the log's page: it stays changed for the next update.
                md_err!(
                    "md: {}: out of memory writing the bad block log of {}\n",
                    m.name(),
                    r.name()
                );
                None
            }
        };
        // md_update_sb: the superblock, then the log.
        let res = r.write_sb(&mut meta).and_then(|()| match log {
            Some(w) => r.write_bblog(w),
            None => Ok(()),
        });
        if let Err(e) = res {
            // md's super_written line (it names the function, not the member).
            md_err!("md: super_written gets error={}\n", e.to_errno());
            if failed.push(r.dev, GFP_KERNEL).is_err() {
                md_err!("md: out of memory recording a failed superblock write\n");
            }
        }
    }
    st.utime = now;
    failed
}
