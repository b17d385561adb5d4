// SPDX-License-Identifier: GPL-2.0
//! RAID1: mirroring (raid1.c's r1conf, r1bio, raid1d and sync_request).
//!
//! Writes go to every working mirror; a read goes to the one read_balance picks.
//! Every request passes a barrier bucket (64 MiB units hashed into 1024
//! buckets) that resync, recovery and scrubs raise one region at a time, so
//! normal I/O only waits where the sync thread is working. Failed clones are
//! handed to the array thread: a failed write fails its member and completes
//! once the superblocks record that; a failed read is rewritten from a good
//! copy and retried on another mirror.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, Ordering};

use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow, Mutex};

use crate::balance::{read_balance, MirrorView};
use crate::personality::{Personality, PersonalityType};
use crate::rdev::{flag, Rdev};
use crate::resync::{self, Action};
use crate::superblock::MAX_SECTOR;
use crate::sys;
use crate::sys::bio::{self, Bio, Kind};
use crate::sys::pages::{IoReq, PageBuf};
use crate::sys::wait::WaitQ;
use crate::{Mddev, Ro, SyncProgress};

mod r1bio;

pub(crate) use r1bio::clone_end;
use r1bio::{R1List, R1Ref};

/// The raid1 personality as registered at module load.
pub(crate) static RAID1: PersonalityType = PersonalityType {
    name: "raid1",
    level: 1,
    run,
};

/// Registers raid1 with the personality registry (raid1_init).
pub(crate) fn register(reg: &crate::personality::Registry) -> Result {
    reg.register(&RAID1)
}

/// Mirrors a conf can hold (bit masks of mirrors are `u32`).
pub(crate) const MAX_MIRRORS: usize = 32;

/// Sets up what raid1 needs before any array runs (its request pool); module load.
pub(crate) fn init() -> Result {
    r1bio::pool_init()
}

/// Undoes `init`; module unload, after every array is gone.
pub(crate) fn exit() {
    r1bio::pool_exit()
}

/// raid1_run: a conf with the placed members in their slots.
fn run(mddev: &Mddev, raid_disks: u32, members: &[Arc<Rdev>]) -> Result<Arc<dyn Personality>> {
    if raid_disks as usize > MAX_MIRRORS {
        md_err!(
            "md/raid1:{}: {} mirrors: at most {} are supported\n",
            mddev.name(),
            raid_disks,
            MAX_MIRRORS
        );
        return Err(EINVAL);
    }
    let conf = Conf::new(mddev, raid_disks as usize, members)?;
    let working = conf.mirrors.iter().filter(|m| m.active()).count();
    if working == 0 {
        md_err!("md/raid1:{}: no operational mirrors\n", mddev.name());
        return Err(EIO);
    }
    // One working mirror has nothing to resync with.
    if working == 1 {
        mddev.set_resync_offset(MAX_SECTOR);
    }
    if mddev.resync_offset() != MAX_SECTOR {
        md_info!(
            "md/raid1:{}: not clean -- starting background reconstruction\n",
            mddev.name()
        );
    }
    md_info!(
        "md/raid1:{}: active with {} out of {} mirrors\n",
        mddev.name(),
        working,
        raid_disks
    );
    let conf: Arc<dyn Personality> = Arc::new(conf, GFP_KERNEL)?;
    Ok(conf)
}

/// One slot of the mirror set (raid1's `struct raid1_info`): the member in it and
/// where the last read sent there ended. The member's own state (failed, in sync,
/// recovery point, I/O in flight) lives in its [`Rdev`], shared with the md core.
pub(crate) struct Mirror {
    /// The member (a reference from `Arc::into_raw`), or NULL: an empty slot. Only
    /// taken away with the array frozen, then waiting for the member's `nr_pending`.
    rdev: AtomicPtr<Rdev>,
    /// Sector after the last read sent here.
    next_seq_sect: AtomicU64,
}

impl Mirror {
    fn empty() -> Mirror {
        Mirror {
            rdev: AtomicPtr::new(null_mut()),
            next_seq_sect: AtomicU64::new(0),
        }
    }

    /// The member in this slot.
    fn rdev(&self) -> Option<&Rdev> {
        let p = self.rdev.load(Ordering::Acquire);
        // SAFETY: A non-NULL slot holds a reference to the member (from `Arc::into_raw`,
        // see `Conf::install`). `uninstall` takes it away only with the array frozen
        // (no request between wait_barrier and its clones, no sync running) and then
        // waits for the member's `nr_pending`, so every user of the slot (one holding
        // a barrier, the sync thread, or one counted in `nr_pending`) is done with it
        // before that reference is dropped. Whoever must wait beyond that takes a
        // counted reference first (`rdev_arc`).
        unsafe { p.as_ref() }
    }

    /// A counted reference to the member in this slot, for use after the caller's
    /// barrier is released.
    fn rdev_arc(&self) -> Option<Arc<Rdev>> {
        let p = self.rdev.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `Arc::into_raw` and the slot's reference is live (see
        // `rdev`); the borrow only serves to take a new reference.
        let borrow = unsafe { ArcBorrow::from_raw(p) };
        Some(Arc::from(borrow))
    }

    /// Whether a member sits in this slot.
    pub(crate) fn occupied(&self) -> bool {
        !self.rdev.load(Ordering::Acquire).is_null()
    }

    /// In a slot and not failed: writes go here.
    pub(crate) fn working(&self) -> bool {
        self.rdev().is_some_and(|r| !r.faulty())
    }

    /// Working and in sync.
    pub(crate) fn active(&self) -> bool {
        self.rdev().is_some_and(|r| r.in_sync())
    }

    /// Holds current data for `[.., end)`.
    fn readable(&self, end: u64) -> bool {
        self.rdev().is_some_and(|r| r.readable(end))
    }

    /// A member still being recovered.
    pub(crate) fn recovering(&self) -> bool {
        self.rdev()
            .is_some_and(|r| !r.faulty() && !r.test(flag::IN_SYNC))
    }

    /// The member's name for messages.
    fn name(&self) -> &str {
        self.rdev().map_or("?", Rdev::name)
    }
}

/// A running raid1 array (raid1's `struct r1conf`).
///
/// # Invariants
///
/// `mddev` is the array owning this conf; it outlives the conf, which it drops
/// only after every request has finished (`Mddev::quiesce`).
pub(crate) struct Conf {
    /// Slots in order.
    pub(crate) mirrors: KVec<Mirror>,
    mddev: *const Mddev,
    nr_pending: KVec<AtomicI32>,
    nr_waiting: KVec<AtomicI32>,
    barrier: KVec<AtomicI32>,
    /// Requests between `wait_barrier` and `allow_barrier`.
    total_pending: AtomicI32,
    /// Of those, the ones waiting for the array thread.
    nr_queued: AtomicI32,
    /// freeze_array depth.
    frozen: AtomicI32,
    wq: WaitQ,
    retry: R1List,
    /// Failed writes to complete once the superblocks record the failure.
    sb_wait: R1List,
    /// Those taken by `sb_update_begin`, completed by `sb_update_end` (only the
    /// superblock writer, under the array's state lock, touches this list).
    sb_inflight: R1List,
    /// Sectors of normal I/O seen (the sync's idleness test).
    normal_io: AtomicU64,
    /// Serialises failure decisions (raid1's device_lock in raid1_error).
    error_lock: Pin<KBox<Mutex<()>>>,
}

// SAFETY: Shared between submitters, completions and the array's threads; every
// field is atomic or a lock, and `mddev` is only read.
unsafe impl Send for Conf {}
// SAFETY: As above.
unsafe impl Sync for Conf {}

/// md's hash of a sector's 64 MiB barrier unit into a bucket.
fn bucket(sector: u64) -> usize {
    resync::bucket(sector)
}

impl Conf {
    /// A conf for `raid_disks` slots with the placed members in their slots.
    fn new(mddev: &Mddev, raid_disks: usize, members: &[Arc<Rdev>]) -> Result<Conf> {
        if raid_disks == 0 || raid_disks > MAX_MIRRORS {
            return Err(EINVAL);
        }
        let mut mirrors = KVec::with_capacity(raid_disks, GFP_KERNEL)?;
        for _ in 0..raid_disks {
            mirrors.push(Mirror::empty(), GFP_KERNEL)?;
        }
        let counters = || -> Result<KVec<AtomicI32>> {
            let mut v = KVec::with_capacity(resync::BUCKETS, GFP_KERNEL)?;
            for _ in 0..resync::BUCKETS {
                v.push(AtomicI32::new(0), GFP_KERNEL)?;
            }
            Ok(v)
        };
        let conf = Conf {
            mirrors,
            // INVARIANT: The caller stores this conf in `mddev`.
            mddev,
            nr_pending: counters()?,
            nr_waiting: counters()?,
            barrier: counters()?,
            total_pending: AtomicI32::new(0),
            nr_queued: AtomicI32::new(0),
            frozen: AtomicI32::new(0),
            wq: WaitQ::new()?,
            retry: R1List::new(),
            sb_wait: R1List::new(),
            sb_inflight: R1List::new(),
            normal_io: AtomicU64::new(0),
            error_lock: KBox::pin_init(kernel::new_mutex!((), "md:raid1_error"), GFP_KERNEL)?,
        };
        for r in members {
            if let Some(slot) = r.slot() {
                // raid1_add_conf: two members for one slot refuse the array.
                if conf.mirrors.get(slot).map_or(true, Mirror::occupied) {
                    md_warn!("md: pers->run() failed ...\n");
                    return Err(EINVAL);
                }
                conf.install(slot, r);
            }
        }
        Ok(conf)
    }

    fn mddev(&self) -> &Mddev {
        // SAFETY: The array outlives its conf (type invariant).
        unsafe { &*self.mddev }
    }

    fn name(&self) -> &str {
        self.mddev().name()
    }

    /// md_wakeup_thread of the array thread.
    fn wake_thread(&self) {
        self.mddev().wake_thread();
    }

    /// Puts the member into `slot` (run, or raid1_add_disk for a spare); its own
    /// state (in sync, recovery point) was set by the core.
    fn install(&self, slot: usize, r: &Arc<Rdev>) {
        let Some(mi) = self.mirrors.get(slot) else {
            return;
        };
        mi.next_seq_sect.store(0, Ordering::Relaxed);
        r.clear(flag::BLOCKED);
        let old = mi
            .rdev
            .swap(Arc::into_raw(r.clone()).cast_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: A non-NULL slot owns the reference `Arc::into_raw` made for it;
            // it was just taken out of the slot.
            drop(unsafe { Arc::from_raw(old) });
        }
    }

    /// Takes the member out of `slot` (raid1_remove_disk): the array is frozen
    /// around it so no clone can still be using the member afterwards.
    fn uninstall(&self, slot: usize) {
        let Some(mi) = self.mirrors.get(slot) else {
            return;
        };
        self.freeze(0);
        if let Some(r) = mi.rdev_arc() {
            // As raid1_remove_disk: the clones still in flight end first (they find
            // the member in its slot), then the slot is emptied.
            self.wq.wait(|| r.nr_pending.load(Ordering::Acquire) == 0);
            let old = mi.rdev.swap(null_mut(), Ordering::AcqRel);
            if !old.is_null() {
                // SAFETY: The slot's own reference, just taken out of it.
                drop(unsafe { Arc::from_raw(old) });
            }
            // A user that took the member from the slot just before it was emptied.
            self.wq.wait(|| r.nr_pending.load(Ordering::Acquire) == 0);
            // Its failure needs no more waiting for.
            r.clear(flag::BLOCKED);
        }
        self.unfreeze();
        self.mddev().sb_wait.wake();
    }

    /// The slot `rdev` occupies in this conf, if any.
    fn slot_of(&self, rdev: &Rdev) -> Option<usize> {
        let slot = rdev.slot()?;
        let mi = self.mirrors.get(slot)?;
        core::ptr::eq(mi.rdev.load(Ordering::Acquire), rdev).then_some(slot)
    }

    /// Slots without a working in-sync member (md's `degraded`).
    fn degraded(&self) -> usize {
        self.mirrors.iter().filter(|m| !m.active()).count()
    }

    // ---- barrier (raid1's wait_barrier / raise_barrier / freeze_array) ----

    fn wait_barrier(&self, sector: u64) -> usize {
        let idx = bucket(sector);
        let (Some(p), Some(w), Some(b)) = (
            self.nr_pending.get(idx),
            self.nr_waiting.get(idx),
            self.barrier.get(idx),
        ) else {
            return 0;
        };
        loop {
            p.fetch_add(1, Ordering::SeqCst);
            self.total_pending.fetch_add(1, Ordering::SeqCst);
            if b.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0 {
                return idx;
            }
            // Back off so the barrier can be raised, wait, and try again.
            w.fetch_add(1, Ordering::SeqCst);
            p.fetch_sub(1, Ordering::SeqCst);
            self.total_pending.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
            self.wq
                .wait(|| b.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0);
            w.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
        }
    }

    fn allow_barrier(&self, idx: usize) {
        if let Some(p) = self.nr_pending.get(idx) {
            p.fetch_sub(1, Ordering::SeqCst);
        }
        if self.total_pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            // The last request: a stop draining the array waits for this.
            self.mddev().drained_wake();
        }
        self.wq.wake();
    }

    /// Whether the running sync is asked to stop (MD_RECOVERY_INTR or kthread_stop).
    fn sync_interrupted(&self) -> bool {
        self.mddev().sync.intr.load(Ordering::Acquire) || sys::thread::thread_should_stop()
    }

    /// Stops normal I/O in `sector`'s bucket and waits for what is in flight there.
    /// False when the sync was interrupted meanwhile (no barrier is left raised):
    /// the I/O it waits for may itself wait for whoever is stopping the sync.
    fn raise_barrier(&self, sector: u64) -> bool {
        let idx = bucket(sector);
        let (Some(p), Some(w), Some(b)) = (
            self.nr_pending.get(idx),
            self.nr_waiting.get(idx),
            self.barrier.get(idx),
        ) else {
            return false;
        };
        // Let waiting normal I/O in first, as raid1 does.
        self.wq.wait(|| {
            (w.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0)
                || self.sync_interrupted()
        });
        if self.sync_interrupted() {
            return false;
        }
        b.fetch_add(1, Ordering::SeqCst);
        self.wq
            .wait(|| p.load(Ordering::SeqCst) == 0 || self.sync_interrupted());
        if p.load(Ordering::SeqCst) != 0 {
            b.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
            return false;
        }
        true
    }

    /// md's set_bit(MD_RECOVERY_INTR): the running sync stops.
    fn interrupt_sync(&self) {
        self.mddev().sync.intr.store(true, Ordering::Release);
        self.wq.wake();
    }

    fn lower_barrier(&self, sector: u64) {
        if let Some(b) = self.barrier.get(bucket(sector)) {
            b.fetch_sub(1, Ordering::SeqCst);
        }
        self.wq.wake();
    }

    /// Stops all new I/O and waits until the only requests left are queued for
    /// the array thread, plus `extra` held by the caller.
    pub(crate) fn freeze(&self, extra: i32) {
        self.frozen.fetch_add(1, Ordering::SeqCst);
        self.wq.wait(|| {
            self.total_pending.load(Ordering::SeqCst)
                == self.nr_queued.load(Ordering::SeqCst) + extra
        });
    }

    /// Ends a `freeze`.
    pub(crate) fn unfreeze(&self) {
        self.frozen.fetch_sub(1, Ordering::SeqCst);
        self.wq.wake();
    }

    // ---- requests ----

    /// raid1's make_request.
    pub(crate) fn make_request(&self, bio: Bio) {
        let bio = match bio.kind() {
            Kind::Other => return bio.not_supported(),
            _ => {
                // No request crosses a barrier unit.
                let room = resync::unit_room(bio.sector());
                match bio.split_front(room) {
                    Some(b) => b,
                    None => return,
                }
            }
        };
        self.normal_io
            .fetch_add(u64::from(bio.sectors()), Ordering::Relaxed);
        match bio.kind() {
            Kind::Read => self.read(bio),
            _ => self.write(bio),
        }
    }

    /// A request for `bio`; `None` (the bio failed and its barrier dropped) if none
    /// can be had.
    fn alloc_r1(&self, bio: Bio, write: bool) -> Option<R1Ref> {
        match R1Ref::new(self, bio, write) {
            Ok(r1) => Some(r1),
            Err(bio) => {
                let sector = bio.sector();
                bio.io_error();
                self.allow_barrier(bucket(sector));
                None
            }
        }
    }

    fn read(&self, bio: Bio) {
        self.wait_barrier(bio.sector());
        if let Some(r1) = self.alloc_r1(bio, false) {
            self.submit_read(r1, false);
        }
    }

    /// Sends a read to the mirror read_balance picks, or fails it.
    fn submit_read(&self, r1: R1Ref, retry: bool) {
        let end = r1.end();
        let blocked = r1.blocked();
        let mut views = [MirrorView {
            in_sync: false,
            pending: 0,
            next_seq_sect: 0,
        }; MAX_MIRRORS];
        for (i, (v, m)) in views.iter_mut().zip(self.mirrors.iter()).enumerate() {
            *v = MirrorView {
                in_sync: m.readable(end) && blocked & (1 << i) == 0,
                pending: m
                    .rdev()
                    .map_or(0, |r| r.nr_pending.load(Ordering::Relaxed).max(0) as u32),
                next_seq_sect: m.next_seq_sect.load(Ordering::Relaxed),
            };
        }
        let mut n = self.mirrors.len().min(views.len());
        // Where resync has not been, only the first readable mirror has the data
        // everyone will get (raid1_should_read_first).
        if self.mddev().resync_offset() < end {
            n = views
                .iter()
                .take(n)
                .position(|v| v.in_sync)
                .map_or(0, |i| i + 1);
            for v in views.iter_mut().take(n.saturating_sub(1)) {
                v.in_sync = false;
            }
        }
        let chosen = read_balance(views.get(..n).unwrap_or(&[]), r1.sector())
            .and_then(|i| self.mirrors.get(i).filter(|m| m.occupied()).map(|m| (i, m)));
        let Some((i, m)) = chosen else {
            if retry {
                let dev = self.mirrors.get(r1.read_disk()).map_or("?", Mirror::name);
                md_crit!(
                    "md/raid1:{}: {}: unrecoverable I/O read error for block {}\n",
                    self.name(),
                    dev,
                    r1.sector()
                );
            }
            self.end_r1(r1, bio::BLK_STS_IOERR);
            return;
        };
        if retry {
            md_info!(
                "md/raid1:{}: redirecting sector {} to other mirror: {}\n",
                self.name(),
                r1.sector(),
                m.name()
            );
        }
        m.next_seq_sect.store(end, Ordering::Relaxed);
        r1.set_read_disk(i);
        let s = r1.start();
        if !s.clone_to(i, m) {
            // Removed meanwhile (only possible while frozen, so not here): a failed read.
            s.fail(i);
        }
        if let Some(r1) = s.release() {
            self.request_done(r1);
        }
    }

    /// Writes go to every working member, in sync or still recovering (whose
    /// recovered region must stay current), as raid1 does.
    fn write(&self, bio: Bio) {
        // md_submit_bio: the last member failed, so writes cannot be kept (MD_BROKEN).
        if self.mddev().broken.load(Ordering::Acquire) {
            return bio.io_error();
        }
        loop {
            let idx = self.wait_barrier(bio.sector());
            // raid1_write_request: wait for a failed member until the superblocks
            // record its failure. `faulty` is read before `blocked` (set in the other
            // order), so a member seen faulty and not blocked is already on disk.
            let blocked = self
                .mirrors
                .iter()
                .find(|m| {
                    m.rdev()
                        .is_some_and(|r| r.test(flag::FAULTY | flag::BLOCKED))
                })
                .and_then(Mirror::rdev_arc);
            let Some(rd) = blocked else { break };
            self.allow_barrier(idx);
            self.wake_thread();
            self.mddev()
                .sb_wait
                .wait(|| !rd.test(flag::BLOCKED) || self.slot_of(&rd).is_none());
        }
        let Some(r1) = self.alloc_r1(bio, true) else {
            return;
        };
        let mut sent = 0u32;
        let mut any_active = false;
        for (i, m) in self.mirrors.iter().enumerate() {
            if m.working() {
                sent |= 1 << i;
                any_active |= m.active();
            }
        }
        if !any_active {
            self.end_r1(r1, bio::BLK_STS_IOERR);
            return;
        }
        r1.set_sent(sent);
        let s = r1.start();
        for (i, m) in self.mirrors.iter().enumerate() {
            if sent & (1 << i) != 0 && !s.clone_to(i, m) {
                // Removed meanwhile (only possible while frozen, so not here); count
                // it as failed so the request still completes.
                s.fail(i);
            }
        }
        if let Some(r1) = s.release() {
            self.request_done(r1);
        }
    }

    /// Completes the array's bio with `status` and frees the request.
    fn end_r1(&self, r1: R1Ref, status: u8) {
        let sector = r1.sector();
        r1.complete(status);
        self.allow_barrier(bucket(sector));
    }

    /// A request whose last hold was dropped: completes it or queues it for the
    /// array thread.
    fn request_done(&self, r1: R1Ref) {
        if r1.failed() == 0 {
            self.end_r1(r1, 0);
            return;
        }
        if !r1.is_write() {
            // raid1_end_read_request: a read-ahead or NOWAIT read, or the only copy
            // left, returns its error as is; otherwise the read is retried elsewhere
            // by the array thread.
            if r1.errors_ignored() {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            }
            let active = self.mirrors.iter().filter(|m| m.active()).count();
            let Some(m) = self.mirrors.get(r1.read_disk()) else {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            };
            if active == 0 || (active == 1 && m.active()) {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            }
            static RESCHEDULE: crate::sys::log::Ratelimit = crate::sys::log::Ratelimit::new();
            if RESCHEDULE.allow() {
                md_err!(
                    "md/raid1:{}: {}: rescheduling sector {}\n",
                    self.name(),
                    m.name(),
                    r1.sector()
                );
            }
        }
        self.nr_queued.fetch_add(1, Ordering::SeqCst);
        self.retry.push(r1);
        // A freeze waits for every pending request to be queued (reschedule_retry
        // wakes wait_barrier too).
        self.wq.wake();
        self.wake_thread();
    }

    // ---- failure (raid1_error) ----

    /// A write to the member in `slot` failed: remember it, then fail the member
    /// (there is no bad-block log to record the range in instead).
    fn write_error(&self, slot: usize) -> bool {
        if let Some(r) = self.mirrors.get(slot).and_then(Mirror::rdev) {
            r.set(flag::WRITE_ERROR);
        }
        self.error(slot)
    }

    /// Fails the member in `slot`, unless it is the last one holding the data.
    /// Returns whether the member is now faulty.
    fn error(&self, slot: usize) -> bool {
        let Some(rd) = self.mirrors.get(slot).and_then(Mirror::rdev) else {
            return false;
        };
        let guard = self.error_lock.lock();
        if rd.faulty() {
            return true;
        }
        let active = self.mirrors.iter().filter(|m| m.active()).count();
        if rd.in_sync() && active == 1 {
            // Never fail the last copy: the array is broken, writes fail instead.
            self.mddev().broken.store(true, Ordering::Release);
            return false;
        }
        // Blocked before Faulty: a write that sees the member failed also sees it
        // blocked until the superblocks record the failure.
        rd.set(flag::BLOCKED);
        rd.clear(flag::IN_SYNC);
        rd.set(flag::FAULTY);
        drop(guard);
        self.mddev().set_sb_pending();
        self.interrupt_sync();
        self.mddev().sb_change.store(true, Ordering::Release);
        self.report_failure(rd);
        self.wake_thread();
        true
    }

    /// raid1_error's lines for a member just failed; the array looks at it next.
    fn report_failure(&self, rdev: &Rdev) {
        md_crit!(
            "md/raid1:{}: Disk failure on {}, disabling device.\n",
            self.name(),
            rdev.name()
        );
        md_crit!(
            "md/raid1:{}: Operation continuing on {} devices.\n",
            self.name(),
            self.mirrors.len().saturating_sub(self.degraded())
        );
        self.mddev().need_check();
    }

    // ---- the array thread (raid1d) ----

    /// One round of raid1d's I/O work: failed requests.
    pub(crate) fn handle_retries(&self) {
        for r1 in self.retry.take() {
            if r1.is_write() {
                self.write_finished(r1);
            } else {
                self.nr_queued.fetch_sub(1, Ordering::SeqCst);
                self.read_error(r1);
            }
        }
    }

    /// A write some clone of which failed: fail those members; the write succeeds
    /// if an in-sync member took it, once the superblocks say so.
    fn write_finished(&self, r1: R1Ref) {
        let failed = r1.failed();
        for i in 0..self.mirrors.len().min(MAX_MIRRORS) {
            if failed & (1 << i) != 0 {
                self.write_error(i);
            }
        }
        let sent = r1.sent();
        let ok = self
            .mirrors
            .iter()
            .enumerate()
            .any(|(i, m)| sent & (1 << i) != 0 && failed & (1 << i) == 0 && m.active());
        r1.set_status(if ok { 0 } else { bio::BLK_STS_IOERR });
        self.mddev().sb_change.store(true, Ordering::Release);
        // Still counted in nr_queued until ended.
        self.sb_wait.push(r1);
        self.mddev().sb_work_queued();
    }

    /// Completes the failed writes on `list` (their failure is on disk).
    fn end_sb_waiters(&self, list: &R1List) {
        for r1 in list.take() {
            let status = r1.status();
            self.nr_queued.fetch_sub(1, Ordering::SeqCst);
            self.end_r1(r1, status);
        }
    }

    /// handle_read_error: repair the range from another mirror (array frozen),
    /// then read again.
    fn read_error(&self, r1: R1Ref) {
        let disk = r1.read_disk();
        if self.mddev().ro() == Ro::Rdwr {
            self.freeze(1);
            if !self.fix_read_error(disk, r1.sector(), r1.sectors()) {
                r1.block(disk);
            }
            self.unfreeze();
        } else {
            r1.block(disk);
        }
        self.submit_read(r1, true);
    }

    /// exceed_read_errors: counts an error (halved for every hour since the last)
    /// and fails a member past the limit.
    fn exceed_read_errors(&self, slot: usize) -> bool {
        let Some(m) = self.mirrors.get(slot).and_then(Mirror::rdev) else {
            return true;
        };
        let now = sys::time::real_seconds();
        let last = m.last_read_error_s.swap(now, Ordering::AcqRel);
        let hours = now.saturating_sub(last) / 3600;
        let cur = m.read_errors.load(Ordering::Acquire);
        let decayed = if hours >= 32 { 0 } else { cur >> hours };
        let errors = decayed.saturating_add(1);
        m.read_errors.store(errors, Ordering::Release);
        let max = self.mddev().max_read_errors();
        if errors > max {
            let dev = m.name();
            md_notice!(
                "md/raid1:{}: {}: Raid device exceeded read_error threshold [cur {}:max {}]\n",
                self.name(),
                dev,
                errors,
                max
            );
            md_notice!("md/raid1:{}: {}: Failing raid device\n", self.name(), dev);
            self.error(slot);
            return true;
        }
        false
    }

    /// fix_read_error: for each page of the range, read it from another mirror,
    /// write it to every mirror back to the failed one, and read it back there.
    /// Returns false when the failed mirror should not be read again.
    fn fix_read_error(&self, read_disk: usize, sector: u64, sectors: u32) -> bool {
        if self.exceed_read_errors(read_disk) {
            return false;
        }
        let Ok(mut buf) = PageBuf::new(1) else {
            return false;
        };
        let n = self.mirrors.len();
        let (mut sect, mut left) = (sector, sectors);
        while left > 0 {
            let s = left.min(buf.sectors());
            let end = sect.saturating_add(u64::from(s));
            let mut d = read_disk;
            let mut success = false;
            loop {
                if let Some(m) = self.mirrors.get(d) {
                    if m.readable(end) && self.sync_rw(m, sect, s, &mut buf, false).is_ok() {
                        success = true;
                        break;
                    }
                }
                d = (d + 1) % n;
                if d == read_disk {
                    break;
                }
            }
            if !success {
                // Nowhere to read it from: this member's copy is lost.
                self.error(read_disk);
                return false;
            }
            let start = d;
            while d != read_disk {
                d = if d == 0 { n - 1 } else { d - 1 };
                if let Some(m) = self.mirrors.get(d) {
                    if m.working() && self.sync_rw(m, sect, s, &mut buf, true).is_err() {
                        self.write_error(d);
                    }
                }
            }
            d = start;
            while d != read_disk {
                d = if d == 0 { n - 1 } else { d - 1 };
                let Some(m) = self.mirrors.get(d) else {
                    continue;
                };
                if !m.working() {
                    continue;
                }
                let Ok(mut check) = PageBuf::new(1) else {
                    continue;
                };
                if self.sync_rw(m, sect, s, &mut check, false).is_ok() {
                    let Some(rd) = m.rdev() else { continue };
                    rd.add_corrected(s);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    md_info!(
                        "md/raid1:{}: read error corrected ({} sectors at {} on {})\n",
                        self.name(),
                        s,
                        sect.saturating_add(rd.data_offset()),
                        rd.name()
                    );
                } else {
                    self.error(d);
                }
            }
            left -= s;
            sect = end;
        }
        true
    }

    /// Synchronous I/O of `sectors` at array sector `sector` on mirror `m`.
    fn sync_rw(
        &self,
        m: &Mirror,
        sector: u64,
        sectors: u32,
        buf: &mut PageBuf,
        write: bool,
    ) -> Result {
        let rd = m.rdev().ok_or(ENODEV)?;
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        let mut req = [IoReq {
            file: rd.file().as_ptr(),
            buf,
            sector: sector.saturating_add(rd.data_offset()),
            sectors,
            write,
            result: Ok(()),
        }];
        // SAFETY: The member stays open while `nr_pending` counts us (removal waits).
        unsafe { sys::pages::io_batch(&mut req) };
        rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
        self.wq.wake();
        let [r] = req;
        r.result
    }

    // ---- resync, recovery, check, repair (md_do_sync + raid1's sync_request) ----

    /// Runs `action` over `[start, max)`; returns where it got to and whether it
    /// was interrupted.
    fn do_sync(&self, action: Action, start: u64, max: u64) -> (u64, bool) {
        let p = &self.mddev().sync;
        // Allocations here happen with a barrier raised, which holds up the array's
        // writes: reclaim must not write to the array (raid1 allocates with GFP_NOIO).
        let _noio = sys::util::NoIo::enter();
        let name = self.name();
        md_info!("md: {} of RAID array {}\n", action.desc(), name);
        if start > 0 {
            md_debug!(
                "md: resuming {} of {} from checkpoint.\n",
                action.desc(),
                name
            );
        }
        let mut bufs = KVec::new();
        for _ in 0..self.mirrors.len() {
            match PageBuf::new((resync::SYNC_IO_SECTORS / 8) as usize) {
                Ok(b) => {
                    if bufs.push(b, GFP_KERNEL).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let mut interrupted = bufs.len() != self.mirrors.len();
        let mut j = start;
        let mut marks = resync::Marks::new(sys::time::now_ms(), start);
        p.start(action, start, max, sys::time::now_ms());
        let mut last_io = self.normal_io.load(Ordering::Relaxed);
        let mut last_checkpoint_ms = sys::time::now_ms();
        while j < max && !interrupted {
            if sys::thread::thread_should_stop() || self.mddev().sync.intr.load(Ordering::Acquire) {
                interrupted = true;
                break;
            }
            if self.nothing_to_write(action) {
                // raid1_sync_request skips the rest when there is no write target
                // (say the other mirrors failed meanwhile): the sync is complete.
                j = max;
                break;
            }
            // md_do_sync: wait at sync_max (user space moves it, e.g. mdcheck),
            // with the position reached published as sync_completed.
            if j >= self.mddev().resync_max() {
                p.completed.store(j, Ordering::Release);
                if action.is_sync() && j > self.mddev().resync_offset() {
                    self.mddev().set_resync_offset(j);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    self.wake_thread();
                }
                self.wq.wait_interruptible(|| {
                    self.mddev().resync_max() > j || self.sync_interrupted()
                });
                if self.sync_interrupted() {
                    interrupted = true;
                    break;
                }
            }
            let n = resync::chunk(j, max);
            if !self.raise_barrier(j) {
                interrupted = true;
                break;
            }
            let ok = self.sync_chunk(p, action, j, n, &mut bufs);
            self.lower_barrier(j);
            if !ok {
                interrupted = true;
                break;
            }
            j += u64::from(n);
            p.curr.store(j, Ordering::Release);
            let now = sys::time::now_ms();
            if let Some((ms, cnt)) = marks.step(now, j) {
                p.mark_ms.store(ms, Ordering::Release);
                p.mark_cnt.store(cnt, Ordering::Release);
            }
            if resync::checkpoint_due(
                j,
                p.completed.load(Ordering::Acquire),
                max,
                now,
                last_checkpoint_ms,
            ) {
                p.completed.store(j, Ordering::Release);
                last_checkpoint_ms = now;
                if action.is_sync() && j > self.mddev().resync_offset() {
                    self.mddev().set_resync_offset(j);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    self.wake_thread();
                }
            }
            // Rate limits: above the minimum, yield to normal I/O; above the maximum, pause.
            loop {
                let (lo, hi) = self.mddev().speed_limits();
                let (mark_ms, mark_pos) = marks.oldest();
                let speed = resync::speed_kib(
                    j.saturating_sub(mark_pos),
                    sys::time::now_ms().saturating_sub(mark_ms),
                );
                let io = self.normal_io.load(Ordering::Relaxed);
                let busy = io != last_io;
                last_io = io;
                match resync::throttle(speed, lo, hi, busy) {
                    resync::Throttle::Go => break,
                    resync::Throttle::Yield => {
                        sys::time::msleep(10);
                        break;
                    }
                    resync::Throttle::Pause => {
                        sys::time::msleep(500);
                        if sys::thread::thread_should_stop()
                            || self.mddev().sync.intr.load(Ordering::Acquire)
                        {
                            break;
                        }
                    }
                }
            }
        }
        p.curr.store(j, Ordering::Release);
        md_info!(
            "md: {}: {} {}.\n",
            name,
            action.desc(),
            if interrupted { "interrupted" } else { "done" }
        );
        (j, interrupted)
    }

    /// Whether a sync step would have no member to write (raid1_sync_request's
    /// `write_targets == 0`, with the extra in-sync mirrors of a resync, check or
    /// repair counted as targets); with no in-sync mirror at all the step fails.
    fn nothing_to_write(&self, action: Action) -> bool {
        let sources = self.mirrors.iter().filter(|m| m.active()).count();
        let targets = self.mirrors.iter().filter(|m| m.recovering()).count();
        if sources == 0 {
            return false;
        }
        match action {
            Action::Recover => targets == 0,
            Action::Resync | Action::Check | Action::Repair => targets + sources - 1 == 0,
        }
    }

    /// One region of a sync: read, compare or copy, write. False: stop the sync.
    fn sync_chunk(
        &self,
        p: &SyncProgress,
        action: Action,
        j: u64,
        n: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> bool {
        let nm = self.mirrors.len().min(bufs.len());
        // Which mirrors take part: every working member not in sync is written,
        // whatever its own recovery offset (raid1_sync_request), so members
        // recovering from different offsets are all covered by one pass.
        let mut sources = 0u32;
        let mut targets = 0u32;
        for (i, m) in self.mirrors.iter().enumerate().take(nm) {
            if m.active() {
                sources |= 1 << i;
            } else if m.working() {
                targets |= 1 << i;
            }
        }
        if sources == 0 {
            return false;
        }
        match action {
            Action::Resync | Action::Recover => {
                self.copy_step(action, j, n, sources, targets, bufs)
            }
            Action::Check | Action::Repair => self.scrub_step(p, action, j, n, sources, bufs),
        }
    }

    /// Resync or recovery of one region: read it from the first in-sync mirror that
    /// can, write it to the other working mirrors (resync) or the recovering ones.
    fn copy_step(
        &self,
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        targets: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> bool {
        if action == Action::Recover && targets == 0 {
            return true;
        }
        let Some(src) = self.read_first(j, n, sources, bufs) else {
            self.unrecoverable(j);
            return false;
        };
        let writes = if action == Action::Resync {
            (sources | targets) & !(1 << src)
        } else {
            targets
        };
        let Ok(written) = self.write_from(src, writes, j, n, bufs) else {
            self.sync_nomem(j);
            return false;
        };
        if action == Action::Recover {
            self.advance_recovery(targets & written, j, j.saturating_add(u64::from(n)));
        }
        true
    }

    /// Reads `[j, j + n)` from the first mirror in `sources` that can (a failed read
    /// fails its member) into that mirror's buffer; the mirror read.
    fn read_first(&self, j: u64, n: u32, sources: u32, bufs: &mut KVec<PageBuf>) -> Option<usize> {
        for (i, (m, b)) in self.mirrors.iter().zip(bufs.iter_mut()).enumerate() {
            if sources & (1 << i) == 0 {
                continue;
            }
            if self.sync_rw(m, j, n, b, false).is_ok() {
                return Some(i);
            }
            self.error(i);
        }
        None
    }

    /// Recovery wrote `[j, end)` to the mirrors in `written`.
    fn advance_recovery(&self, written: u32, j: u64, end: u64) {
        for (i, m) in self.mirrors.iter().enumerate().take(MAX_MIRRORS) {
            // A member is current up to `end` only if it already was up to `j`; one
            // ahead of `j` keeps its offset until passed.
            let Some(rd) = m.rdev() else { continue };
            let off = rd.recovery_offset();
            if written & (1 << i) != 0 && m.working() && off >= j && off < end {
                rd.set_recovery_offset(end);
            }
        }
    }

    /// Check or repair of one region: read every in-sync mirror at once, compare each
    /// with the first good copy, rewrite what failed to read and (repair) what differs.
    fn scrub_step(
        &self,
        p: &SyncProgress,
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        bufs: &KVec<PageBuf>,
    ) -> bool {
        let Ok(failed_reads) = self.read_sources(j, n, sources, bufs) else {
            self.sync_nomem(j);
            return false;
        };
        let nm = self.mirrors.len().min(bufs.len());
        let good = sources & !failed_reads;
        let Some(src) = (0..nm).find(|i| good & (1 << i) != 0) else {
            self.unrecoverable(j);
            return false;
        };
        // Read errors are rewritten even by `check`, as md's scrub does.
        let rewrite = (failed_reads & sources) | self.compare(p, action, src, good, n, bufs);
        if self.write_from(src, rewrite, j, n, bufs).is_err() {
            self.sync_nomem(j);
            return false;
        }
        true
    }

    /// Reads `[j, j + n)` from every mirror in `sources` at once, each into its own
    /// buffer. Returns the mirrors not read (the read failed, or the member is gone);
    /// `Err` (nothing read) when the requests cannot be allocated.
    fn read_sources(&self, j: u64, n: u32, sources: u32, bufs: &KVec<PageBuf>) -> Result<u32> {
        let mut batch = SyncBatch::new(self, bufs, sources)?;
        for i in 0..self.mirrors.len().min(bufs.len()) {
            if sources & (1 << i) != 0 {
                batch.add(i, None, j, n)?;
            }
        }
        let (read, _) = batch.run();
        Ok(sources & !read)
    }

    /// Compares every good mirror's copy with `src`'s, a sync block at a time,
    /// counting the differing sectors; returns the mirrors a repair rewrites.
    fn compare(
        &self,
        p: &SyncProgress,
        action: Action,
        src: usize,
        good: u32,
        n: u32,
        bufs: &KVec<PageBuf>,
    ) -> u32 {
        let Some(a) = bufs.get(src) else { return 0 };
        let mut rewrite = 0u32;
        for (i, b) in bufs.iter().enumerate().take(self.mirrors.len()) {
            if good & (1 << i) == 0 || i == src {
                continue;
            }
            let mut off = 0u32;
            let mut differs = false;
            while off < n {
                let len = (n - off).min(resync::RESYNC_BLOCK);
                if !a.same(b, off, len) {
                    p.mismatches.fetch_add(u64::from(len), Ordering::AcqRel);
                    differs = true;
                }
                off += len;
            }
            if differs && action == Action::Repair {
                rewrite |= 1 << i;
            }
        }
        rewrite
    }

    /// md_crit of a region no in-sync mirror could read.
    fn unrecoverable(&self, j: u64) {
        md_crit!(
            "md/raid1:{}: unrecoverable I/O read error for block {}\n",
            self.name(),
            j
        );
    }

    /// The sync step at `j` could not allocate its member requests: the sync stops
    /// (interrupted) rather than go on with part of the mirrors.
    fn sync_nomem(&self, j: u64) {
        md_err!(
            "md/raid1:{}: out of memory for sync I/O at block {}\n",
            self.name(),
            j
        );
    }

    /// Writes `bufs[src]` to the working mirrors in `mask`; a failed write fails its
    /// member. Returns the mirrors really written; `Err` (nothing written) when the
    /// requests cannot be allocated.
    fn write_from(
        &self,
        src: usize,
        mask: u32,
        j: u64,
        n: u32,
        bufs: &KVec<PageBuf>,
    ) -> Result<u32> {
        if mask == 0 {
            return Ok(0);
        }
        let mut batch = SyncBatch::new(self, bufs, mask)?;
        for (i, m) in self.mirrors.iter().enumerate().take(MAX_MIRRORS) {
            if mask & (1 << i) != 0 && m.working() {
                batch.add(i, Some(src), j, n)?;
            }
        }
        let (written, failed) = batch.run();
        for i in 0..self.mirrors.len().min(MAX_MIRRORS) {
            if failed & (1 << i) != 0 {
                self.write_error(i);
            }
        }
        Ok(written)
    }
}

/// Synchronous member requests of a sync step, sent together: reads of mirrors into
/// their own buffers, or writes of one buffer to several mirrors.
///
/// # Invariants
///
/// `reqs[k]` goes to mirror `slots[k]` and is counted in its `pending` until the batch
/// is dropped; no mirror is in the batch twice (`used`), and a read goes into its
/// mirror's own buffer `bufs[slot]`.
struct SyncBatch<'a> {
    conf: &'a Conf,
    bufs: &'a KVec<PageBuf>,
    reqs: KVec<IoReq<'a>>,
    slots: [usize; MAX_MIRRORS],
    used: u32,
}

impl<'a> SyncBatch<'a> {
    /// An empty batch with room for a request to every mirror in `mask`, allocated
    /// now: adding them cannot fail afterwards.
    fn new(conf: &'a Conf, bufs: &'a KVec<PageBuf>, mask: u32) -> Result<SyncBatch<'a>> {
        Ok(SyncBatch {
            conf,
            bufs,
            reqs: KVec::with_capacity(mask.count_ones() as usize, GFP_KERNEL)?,
            slots: [0; MAX_MIRRORS],
            used: 0,
        })
    }

    /// Adds a read of `[j, j + n)` on mirror `slot` into its own buffer, or (`src`)
    /// a write of `bufs[src]` there. `Ok(false)`: nothing added (no member in the
    /// slot, or already in the batch); `Err`: no room.
    fn add(&mut self, slot: usize, src: Option<usize>, j: u64, n: u32) -> Result<bool> {
        let (Some(m), Some(bit)) = (self.conf.mirrors.get(slot), slot_bit(slot)) else {
            return Ok(false);
        };
        let Some(buf) = self.bufs.get(src.unwrap_or(slot)) else {
            return Ok(false);
        };
        if self.used & bit != 0 {
            return Ok(false);
        }
        let Some(rd) = m.rdev() else { return Ok(false) };
        let Some(s) = self.slots.get_mut(self.reqs.len()) else {
            return Err(ENOMEM);
        };
        let req = IoReq {
            file: rd.file().as_ptr(),
            buf,
            sector: j.saturating_add(rd.data_offset()),
            sectors: n,
            write: src.is_some(),
            result: Ok(()),
        };
        self.reqs.push(req, GFP_KERNEL)?;
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        *s = slot;
        self.used |= bit;
        Ok(true)
    }

    /// Sends every request at once and waits for all; returns the mirrors whose
    /// request succeeded and those whose request failed.
    fn run(mut self) -> (u32, u32) {
        // SAFETY: Every member stays open while its `pending` counts our request
        // (removal waits for it), and no two reads share a buffer (type invariant).
        unsafe { sys::pages::io_batch(&mut self.reqs) };
        let (mut ok, mut failed) = (0u32, 0u32);
        for (slot, r) in self.slots.iter().zip(self.reqs.iter()) {
            let bit = slot_bit(*slot).unwrap_or(0);
            if r.result.is_ok() {
                ok |= bit;
            } else {
                failed |= bit;
            }
        }
        (ok, failed)
    }
}

impl Drop for SyncBatch<'_> {
    fn drop(&mut self) {
        for slot in self.slots.iter().take(self.reqs.len()) {
            if let Some(rd) = self.conf.mirrors.get(*slot).and_then(Mirror::rdev) {
                rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
            }
        }
        if !self.reqs.is_empty() {
            self.conf.wq.wake();
        }
    }
}

/// The bit of mirror `slot` in a mask of mirrors.
fn slot_bit(slot: usize) -> Option<u32> {
    (slot < MAX_MIRRORS).then(|| 1u32 << slot)
}

impl Drop for Conf {
    fn drop(&mut self) {
        // Nothing can be queued: the array drained before dropping the conf. Be safe.
        self.end_sb_waiters(&self.sb_inflight);
        self.end_sb_waiters(&self.sb_wait);
        for mi in self.mirrors.iter() {
            let old = mi.rdev.swap(null_mut(), Ordering::AcqRel);
            if !old.is_null() {
                // SAFETY: The slot's own reference (see `install`); no I/O is left.
                drop(unsafe { Arc::from_raw(old) });
            }
        }
    }
}

impl Personality for Conf {
    fn make_request(&self, bio: Bio) {
        Conf::make_request(self, bio);
    }

    fn error_handler(&self, rdev: &Rdev) -> bool {
        if let Some(slot) = self.slot_of(rdev) {
            return self.error(slot);
        }
        // A spare (raid1_error on a member without a slot): just failed.
        if !rdev.faulty() {
            rdev.set(flag::FAULTY);
            self.mddev().sb_change.store(true, Ordering::Release);
            self.report_failure(rdev);
        }
        true
    }

    fn hot_add_disk(&self, rdev: &Arc<Rdev>) -> Result<usize> {
        // raid1_add_disk: the first free slot.
        let slot = self
            .mirrors
            .iter()
            .position(|mi| !mi.occupied())
            .ok_or(EBUSY)?;
        self.install(slot, rdev);
        Ok(slot)
    }

    fn hot_remove_disk(&self, rdev: &Rdev) -> Result {
        let slot = self.slot_of(rdev).ok_or(ENODEV)?;
        self.uninstall(slot);
        Ok(())
    }

    fn quiesce(&self, on: bool) {
        if on {
            self.freeze(0);
        } else {
            self.unfreeze();
        }
    }

    fn idle(&self) -> bool {
        self.total_pending.load(Ordering::Acquire) == 0
            && self.mirrors.iter().all(|m| {
                m.rdev()
                    .map_or(true, |r| r.nr_pending.load(Ordering::Acquire) == 0)
            })
    }

    fn daemon(&self) {
        self.handle_retries();
    }

    fn sb_update_begin(&self) {
        for r1 in self.sb_wait.take() {
            self.sb_inflight.push(r1);
        }
    }

    fn sb_update_end(&self) {
        self.end_sb_waiters(&self.sb_inflight);
    }

    fn sync(&self, action: Action, start: u64, max: u64) -> (u64, bool) {
        self.do_sync(action, start, max)
    }

    fn wake_sync(&self) {
        self.wq.wake();
    }
}
