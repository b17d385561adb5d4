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

use core::ffi::c_void;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, AtomicU64, Ordering};

use kernel::bindings;
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

/// One request of the array (raid1's r1bio): the array's bio and its clones.
struct R1Bio {
    conf: *const Conf,
    master: *mut bindings::bio,
    sector: u64,
    sectors: u32,
    write: bool,
    /// Errors of its clones are not member errors (discard, read-ahead, NOWAIT):
    /// a failed write clone counts as done, a failed read is not retried.
    errors_ignored: bool,
    /// Clones outstanding plus the submitter's hold.
    remaining: AtomicU32,
    /// Mirrors whose clone failed.
    failed: AtomicU32,
    /// Mirrors a write clone went to.
    sent: u32,
    /// The mirror a read went to.
    read_disk: usize,
    /// Mirrors a retried read must not use.
    blocked: u32,
    /// Status to complete a failed write with once the superblocks record the failure.
    status: u8,
    /// Link in the lists of the array thread.
    next: *mut R1Bio,
}

/// Bytes of a request, for the pool.
pub(crate) const R1BIO_SIZE: usize = core::mem::size_of::<R1Bio>();

/// A lock-free stack of r1bios (pushed from interrupts, emptied at once).
struct R1List(AtomicPtr<R1Bio>);

impl R1List {
    fn push(&self, r1: *mut R1Bio) {
        let mut head = self.0.load(Ordering::Acquire);
        loop {
            // SAFETY: `r1` is a live request owned by the pusher until it is on the list.
            unsafe { (*r1).next = head };
            match self
                .0
                .compare_exchange(head, r1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    /// Takes every entry, oldest first.
    fn take(&self) -> *mut R1Bio {
        let mut p = self.0.swap(null_mut(), Ordering::AcqRel);
        let mut out: *mut R1Bio = null_mut();
        while !p.is_null() {
            // SAFETY: Entries are live requests owned by the list, now by us.
            let next = unsafe { (*p).next };
            // SAFETY: As above.
            unsafe { (*p).next = out };
            out = p;
            p = next;
        }
        out
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
            retry: R1List(AtomicPtr::new(null_mut())),
            sb_wait: R1List(AtomicPtr::new(null_mut())),
            sb_inflight: R1List(AtomicPtr::new(null_mut())),
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

    fn alloc_r1(&self, bio: Bio, write: bool) -> *mut R1Bio {
        let sector = bio.sector();
        let sectors = bio.sectors();
        let errors_ignored = bio.errors_ignored();
        let r1 = sys::bio::r1_alloc(core::mem::size_of::<R1Bio>()).cast::<R1Bio>();
        // SAFETY: The pool hands out blocks of at least `size_of::<R1Bio>()` bytes with
        // kmalloc alignment (enough for R1Bio's fields); never NULL (mempool, GFP_NOIO).
        unsafe {
            r1.write(R1Bio {
                conf: self,
                master: bio.into_raw(),
                sector,
                sectors,
                write,
                errors_ignored,
                remaining: AtomicU32::new(1),
                failed: AtomicU32::new(0),
                sent: 0,
                read_disk: 0,
                blocked: 0,
                status: 0,
                next: null_mut(),
            })
        };
        r1
    }

    fn read(&self, bio: Bio) {
        self.wait_barrier(bio.sector());
        let r1 = self.alloc_r1(bio, false);
        self.submit_read(r1, false);
    }

    /// Sends a read to the mirror read_balance picks, or fails it.
    fn submit_read(&self, r1: *mut R1Bio, retry: bool) {
        // SAFETY: `r1` is a live request owned by the caller.
        let r = unsafe { &mut *r1 };
        let end = r.sector.saturating_add(u64::from(r.sectors));
        let mut views = [MirrorView {
            in_sync: false,
            pending: 0,
            next_seq_sect: 0,
        }; MAX_MIRRORS];
        for (i, (v, m)) in views.iter_mut().zip(self.mirrors.iter()).enumerate() {
            *v = MirrorView {
                in_sync: m.readable(end) && r.blocked & (1 << i) == 0,
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
        let chosen = read_balance(views.get(..n).unwrap_or(&[]), r.sector).and_then(|i| {
            self.mirrors
                .get(i)
                .and_then(|m| m.rdev().map(|rd| (i, m, rd)))
        });
        let Some((i, m, rd)) = chosen else {
            if retry {
                let dev = self.mirrors.get(r.read_disk).map_or("?", Mirror::name);
                md_crit!(
                    "md/raid1:{}: {}: unrecoverable I/O read error for block {}\n",
                    self.name(),
                    dev,
                    r.sector
                );
            }
            self.end_r1(r1, bio::BLK_STS_IOERR);
            return;
        };
        if retry {
            md_info!(
                "md/raid1:{}: redirecting sector {} to other mirror: {}\n",
                self.name(),
                r.sector,
                rd.name()
            );
        }
        m.next_seq_sect.store(end, Ordering::Relaxed);
        r.read_disk = i;
        r.failed.store(0, Ordering::Relaxed);
        r.remaining.store(1, Ordering::Release);
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        // SAFETY: The member stays open while a clone is in flight (removal freezes the
        // array and waits for `nr_pending`); `r1` lives until its last clone ends.
        unsafe {
            bio::clone_raw(
                r.master,
                rd.file().as_ptr(),
                rd.data_offset(),
                r1.cast(),
                i as i32,
            )
        };
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
        let r1 = self.alloc_r1(bio, true);
        // SAFETY: Freshly allocated, ours.
        let r = unsafe { &mut *r1 };
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
        r.sent = sent;
        r.remaining
            .store(sent.count_ones().saturating_add(1), Ordering::Release);
        for (i, m) in self.mirrors.iter().enumerate() {
            if sent & (1 << i) == 0 {
                continue;
            }
            match m.rdev() {
                Some(rd) => {
                    rd.nr_pending.fetch_add(1, Ordering::AcqRel);
                    // SAFETY: As in `submit_read`.
                    unsafe {
                        bio::clone_raw(
                            r.master,
                            rd.file().as_ptr(),
                            rd.data_offset(),
                            r1.cast(),
                            i as i32,
                        )
                    };
                }
                None => {
                    // Removed meanwhile (only possible while frozen, so not here); count
                    // it as failed so the request still completes.
                    r.failed.fetch_or(1 << i, Ordering::AcqRel);
                    self.put_r1(r1);
                }
            }
        }
        self.put_r1(r1);
    }

    /// Completes the array's bio with `status` and frees the request.
    fn end_r1(&self, r1: *mut R1Bio, status: u8) {
        // SAFETY: `r1` is live and ours; read out before freeing it.
        let (master, sector) = unsafe { ((*r1).master, (*r1).sector) };
        // SAFETY: `r1` came from `r1_alloc`, is freed once, here, and not used after.
        unsafe { sys::bio::r1_free(r1.cast()) };
        // SAFETY: The master bio was handed to us by the block layer and not ended.
        unsafe { bio::end_raw(master, status) };
        self.allow_barrier(bucket(sector));
    }

    /// Drops one hold on a request; the last one completes it or queues it for
    /// the array thread.
    fn put_r1(&self, r1: *mut R1Bio) {
        // SAFETY: `r1` is live while holds remain.
        let r = unsafe { &*r1 };
        if r.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        if r.failed.load(Ordering::Acquire) == 0 {
            self.end_r1(r1, 0);
            return;
        }
        if !r.write {
            // raid1_end_read_request: a read-ahead or NOWAIT read, or the only copy
            // left, returns its error as is; otherwise the read is retried elsewhere
            // by the array thread.
            if r.errors_ignored {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            }
            let active = self.mirrors.iter().filter(|m| m.active()).count();
            let Some(m) = self.mirrors.get(r.read_disk) else {
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
                    r.sector
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
        let mut p = self.retry.take();
        while !p.is_null() {
            // SAFETY: Taken from the retry list: live and ours.
            let r = unsafe { &mut *p };
            let next = r.next;
            if r.write {
                self.write_finished(p);
            } else {
                self.nr_queued.fetch_sub(1, Ordering::SeqCst);
                self.read_error(p);
            }
            p = next;
        }
    }

    /// A write some clone of which failed: fail those members; the write succeeds
    /// if an in-sync member took it, once the superblocks say so.
    fn write_finished(&self, r1: *mut R1Bio) {
        // SAFETY: Live and ours.
        let r = unsafe { &mut *r1 };
        let failed = r.failed.load(Ordering::Acquire);
        for i in 0..self.mirrors.len().min(MAX_MIRRORS) {
            if failed & (1 << i) != 0 {
                self.write_error(i);
            }
        }
        let ok = self
            .mirrors
            .iter()
            .enumerate()
            .any(|(i, m)| r.sent & (1 << i) != 0 && failed & (1 << i) == 0 && m.active());
        r.status = if ok { 0 } else { bio::BLK_STS_IOERR };
        self.mddev().sb_change.store(true, Ordering::Release);
        // Still counted in nr_queued until ended.
        self.sb_wait.push(r1);
        self.mddev().sb_work_queued();
    }

    /// Completes the failed writes on `list` (their failure is on disk).
    fn end_sb_waiters(&self, list: &R1List) {
        let mut p = list.take();
        while !p.is_null() {
            // SAFETY: Taken from the list: live and ours.
            let (next, status) = unsafe { ((*p).next, (*p).status) };
            self.nr_queued.fetch_sub(1, Ordering::SeqCst);
            self.end_r1(p, status);
            p = next;
        }
    }

    /// handle_read_error: repair the range from another mirror (array frozen),
    /// then read again.
    fn read_error(&self, r1: *mut R1Bio) {
        // SAFETY: Live and ours.
        let r = unsafe { &mut *r1 };
        if self.mddev().ro() == Ro::Rdwr {
            self.freeze(1);
            if !self.fix_read_error(r.read_disk, r.sector, r.sectors) {
                r.blocked |= 1 << r.read_disk;
            }
            self.unfreeze();
        } else {
            r.blocked |= 1 << r.read_disk;
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
        let end = j.saturating_add(u64::from(n));
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
                if action == Action::Recover && targets == 0 {
                    return true;
                }
                // Read from the first in-sync mirror that can; the others are written.
                let mut src = None;
                for i in 0..nm {
                    if sources & (1 << i) == 0 {
                        continue;
                    }
                    let Some(m) = self.mirrors.get(i) else {
                        continue;
                    };
                    let Some(b) = bufs.get_mut(i) else { continue };
                    if self.sync_rw(m, j, n, b, false).is_ok() {
                        src = Some(i);
                        break;
                    }
                    self.error(i);
                }
                let Some(src) = src else {
                    md_crit!(
                        "md/raid1:{}: unrecoverable I/O read error for block {}\n",
                        self.name(),
                        j
                    );
                    return false;
                };
                let writes = if action == Action::Resync {
                    (sources | targets) & !(1 << src)
                } else {
                    targets
                };
                let written = self.write_from(src, writes, j, n, bufs);
                if action == Action::Recover {
                    for (i, m) in self.mirrors.iter().enumerate().take(nm) {
                        // A member is current up to `end` only if it already was up
                        // to `j`; one ahead of `j` keeps its offset until passed.
                        let Some(rd) = m.rdev() else { continue };
                        let off = rd.recovery_offset();
                        if targets & written & (1 << i) != 0 && m.working() && off >= j && off < end
                        {
                            rd.set_recovery_offset(end);
                        }
                    }
                }
                true
            }
            Action::Check | Action::Repair => {
                // Read every in-sync mirror at once.
                let mut reads = KVec::new();
                for (i, b) in bufs.iter().enumerate().take(nm) {
                    if sources & (1 << i) == 0 {
                        continue;
                    }
                    let Some(m) = self.mirrors.get(i) else {
                        continue;
                    };
                    let Some(rd) = m.rdev() else { continue };
                    rd.nr_pending.fetch_add(1, Ordering::AcqRel);
                    let req = IoReq {
                        file: rd.file().as_ptr(),
                        buf: b,
                        sector: j.saturating_add(rd.data_offset()),
                        sectors: n,
                        write: false,
                        result: Ok(()),
                    };
                    if reads.push((i, req), GFP_KERNEL).is_err() {
                        rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                let mut failed_reads = 0u32;
                {
                    let mut reqs = KVec::new();
                    for (_, r) in reads.iter() {
                        let _ = reqs.push(
                            IoReq {
                                file: r.file,
                                buf: r.buf,
                                sector: r.sector,
                                sectors: r.sectors,
                                write: false,
                                result: Ok(()),
                            },
                            GFP_KERNEL,
                        );
                    }
                    // SAFETY: Members stay open while `pending` counts these reads; every
                    // request reads into its own mirror's buffer.
                    unsafe { sys::pages::io_batch(&mut reqs) };
                    for ((i, _), r) in reads.iter().zip(reqs.iter()) {
                        if r.result.is_err() {
                            failed_reads |= 1 << i;
                        }
                    }
                }
                for (i, _) in reads.iter() {
                    if let Some(rd) = self.mirrors.get(*i).and_then(Mirror::rdev) {
                        rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                drop(reads);
                self.wq.wake();
                let good = sources & !failed_reads;
                let Some(src) = (0..nm).find(|i| good & (1 << i) != 0) else {
                    md_crit!(
                        "md/raid1:{}: unrecoverable I/O read error for block {}\n",
                        self.name(),
                        j
                    );
                    return false;
                };
                // Compare each mirror with the first good one, a sync block at a time.
                let mut rewrite = failed_reads & sources;
                for i in 0..nm {
                    if good & (1 << i) == 0 || i == src {
                        continue;
                    }
                    let (Some(a), Some(b)) = (bufs.get(src), bufs.get(i)) else {
                        continue;
                    };
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
                // Read errors are rewritten even by `check`, as md's scrub does.
                self.write_from(src, rewrite, j, n, bufs);
                true
            }
        }
    }

    /// Writes `bufs[src]` to the mirrors in `mask`; a failed write fails its member.
    /// Returns the mirrors really written.
    fn write_from(&self, src: usize, mask: u32, j: u64, n: u32, bufs: &KVec<PageBuf>) -> u32 {
        if mask == 0 {
            return 0;
        }
        let Some(data) = bufs.get(src) else { return 0 };
        let mut reqs = KVec::new();
        let mut slots = [0usize; MAX_MIRRORS];
        let mut ns = 0;
        for (i, m) in self.mirrors.iter().enumerate() {
            if i >= MAX_MIRRORS || mask & (1 << i) == 0 || !m.working() {
                continue;
            }
            let Some(rd) = m.rdev() else { continue };
            rd.nr_pending.fetch_add(1, Ordering::AcqRel);
            let req = IoReq {
                file: rd.file().as_ptr(),
                buf: data,
                sector: j.saturating_add(rd.data_offset()),
                sectors: n,
                write: true,
                result: Ok(()),
            };
            if reqs.push(req, GFP_KERNEL).is_err() {
                rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
                continue;
            }
            if let Some(s) = slots.get_mut(ns) {
                *s = i;
                ns += 1;
            }
        }
        // SAFETY: Members stay open while `pending` counts these writes; writes only
        // read the shared buffer.
        unsafe { sys::pages::io_batch(&mut reqs) };
        let mut written = 0u32;
        for (i, r) in slots.iter().take(ns).zip(reqs.iter()) {
            if let Some(rd) = self.mirrors.get(*i).and_then(Mirror::rdev) {
                rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
            }
            if r.result.is_err() {
                self.write_error(*i);
            } else {
                written |= 1 << *i;
            }
        }
        self.wq.wake();
        written
    }
}

/// The end of a clone (called by helpers.c from the bio's completion).
///
/// # Safety
///
/// `r1` must be the request the clone was sent for, with the clone counted in its
/// `remaining`.
pub(crate) unsafe fn clone_end(r1: *mut c_void, idx: i32, status: u8) {
    let r1 = r1.cast::<R1Bio>();
    // SAFETY: Live while this clone is outstanding (the caller's promise); the conf
    // outlives every request.
    let conf = unsafe { &*(*r1).conf };
    if let Some(rd) = usize::try_from(idx)
        .ok()
        .and_then(|i| conf.mirrors.get(i))
        .and_then(Mirror::rdev)
    {
        // The last clone of a member: `uninstall` may wait for it, and this request
        // need not end here (other clones, or queued for the array thread).
        if rd.nr_pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            conf.wq.wake();
        }
    }
    // SAFETY: As above.
    let (write, ignored) = unsafe { ((*r1).write, (*r1).errors_ignored) };
    // A failed discard (or read-ahead/NOWAIT write) leaves its member alone and
    // counts as done (raid1_end_write_request's ignore_error).
    if status != 0 && (0..32).contains(&idx) && !(write && ignored) {
        // SAFETY: As above.
        unsafe { (*r1).failed.fetch_or(1 << idx, Ordering::AcqRel) };
    }
    conf.put_r1(r1);
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
        let mut p = self.sb_wait.take();
        while !p.is_null() {
            // SAFETY: Taken from the list: live and ours until pushed again.
            let next = unsafe { (*p).next };
            self.sb_inflight.push(p);
            p = next;
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
