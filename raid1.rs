// SPDX-License-Identifier: GPL-2.0
//! RAID1: mirroring (raid1.c's r1conf, r1bio, raid1d and sync_request).
//!
//! Writes go to every working mirror; a read goes to the one read_balance picks.
//! Every request passes a barrier bucket (64 MiB units hashed into 1024
//! buckets) that resync, recovery and scrubs raise one region at a time, so
//! normal I/O only waits where the sync thread is working. Failed clones are
//! handed to the array thread: a failed write on a member with a bad-block log
//! is narrowed to the failing blocks, which are recorded (the member stays);
//! without a log, or with a full one, it fails its member. Either way the write
//! completes once the superblocks record it. A failed read is rewritten from a
//! good copy and retried on another mirror. Reads and writes keep away from a
//! member's recorded bad blocks; a successful write or sync over them clears them.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow, Mutex};

use crate::balance::{self, Bad, MirrorView};
use crate::personality::{Personality, PersonalityType};
use crate::rdev::{flag, Rdev};
use crate::resync::{self, Action};
use crate::superblock::MAX_SECTOR;
use crate::sys;
use crate::sys::bio::{self, Bio, Kind};
use crate::sys::pages::{IoReq, PageBuf};
use crate::sys::wait::WaitQ;
use crate::{Mddev, Ro, SyncProgress};

mod barrier;
mod errors;
mod io;
mod mirror;
mod r1bio;
mod reshape;
mod sync;

use mirror::Mirror;

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
    let working = conf.mirrors().iter().filter(|m| m.active()).count();
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
    let conf: Arc<dyn Personality> = conf;
    Ok(conf)
}

/// A running raid1 array (raid1's `struct r1conf`), pin-initialised in its `Arc`.
///
/// # Invariants
///
/// `mddev` is the array owning this conf; it outlives the conf, which it drops
/// only after every request has finished (`Mddev::quiesce`).
#[pin_data(PinnedDrop)]
pub(crate) struct Conf {
    /// Every slot a conf can have (`MAX_MIRRORS`), so that a reshape changes only
    /// `raid_disks` and never moves the table under lock-free readers.
    slots: KVec<Mirror>,
    /// Slots in use (raid1's conf->raid_disks): the first `raid_disks` of `slots`.
    raid_disks: AtomicUsize,
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
    #[pin]
    error_lock: Mutex<()>,
    /// The next recovery copies everything, not just what the bitmap marks
    /// (raid1's fullsync: a member joined that was not recently in the array).
    pub(super) fullsync: core::sync::atomic::AtomicBool,
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
    pub(super) fn new(
        mddev: &Mddev,
        raid_disks: usize,
        members: &[Arc<Rdev>],
    ) -> Result<Arc<Conf>> {
        if raid_disks == 0 || raid_disks > MAX_MIRRORS {
            return Err(EINVAL);
        }
        let mut slots = KVec::with_capacity(MAX_MIRRORS, GFP_KERNEL)?;
        for _ in 0..MAX_MIRRORS {
            slots.push(Mirror::empty(), GFP_KERNEL)?;
        }
        let counters = || -> Result<KVec<AtomicI32>> {
            let mut v = KVec::with_capacity(resync::BUCKETS, GFP_KERNEL)?;
            for _ in 0..resync::BUCKETS {
                v.push(AtomicI32::new(0), GFP_KERNEL)?;
            }
            Ok(v)
        };
        let (nr_pending, nr_waiting, barrier) = (counters()?, counters()?, counters()?);
        let wq = WaitQ::new()?;
        let conf = Arc::pin_init(
            pin_init!(Conf {
            slots,
            raid_disks: AtomicUsize::new(raid_disks),
            // INVARIANT: The caller stores this conf in `mddev`.
            mddev,
            nr_pending,
            nr_waiting,
            barrier,
            total_pending: AtomicI32::new(0),
            nr_queued: AtomicI32::new(0),
            frozen: AtomicI32::new(0),
            wq,
            retry: R1List::new(),
            sb_wait: R1List::new(),
            sb_inflight: R1List::new(),
            normal_io: AtomicU64::new(0),
            error_lock <- kernel::new_mutex!((), "md:raid1_error"),
            fullsync: core::sync::atomic::AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )?;
        for r in members {
            if let Some(slot) = r.slot() {
                // raid1_add_conf: two members for one slot refuse the array.
                if conf.mirrors().get(slot).map_or(true, Mirror::occupied) {
                    md_warn!("md: pers->run() failed ...\n");
                    return Err(EINVAL);
                }
                conf.install(slot, r);
                // setup_conf: a member recovering without the bitmap's guidance
                // needs a full recovery.
                if !r.in_sync() && !r.faulty() && r.saved_raid_disk.load(Ordering::Acquire) < 0 {
                    conf.fullsync.store(true, Ordering::Release);
                }
            }
        }
        Ok(conf)
    }

    /// The slots in use, in order.
    pub(crate) fn mirrors(&self) -> &[Mirror] {
        let n = self.raid_disks.load(Ordering::Acquire);
        self.slots.get(..n).unwrap_or(&self.slots)
    }

    pub(super) fn mddev(&self) -> &Mddev {
        // SAFETY: The array outlives its conf (type invariant).
        unsafe { &*self.mddev }
    }

    pub(super) fn name(&self) -> &str {
        self.mddev().name()
    }

    /// md_wakeup_thread of the array thread.
    pub(super) fn wake_thread(&self) {
        self.mddev().wake_thread();
    }

    /// Puts the member into `slot` (run, or raid1_add_disk for a spare); its own
    /// state (in sync, recovery point) was set by the core.
    pub(super) fn install(&self, slot: usize, r: &Arc<Rdev>) {
        let Some(mi) = self.mirrors().get(slot) else {
            return;
        };
        mi.next_seq_sect.store(0, Ordering::Relaxed);
        mi.seq_start.store(u64::MAX, Ordering::Relaxed);
        mi.head_position.store(0, Ordering::Relaxed);
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
    pub(super) fn uninstall(&self, slot: usize) {
        let Some(mi) = self.mirrors().get(slot) else {
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
    pub(super) fn slot_of(&self, rdev: &Rdev) -> Option<usize> {
        let slot = rdev.slot()?;
        let mi = self.mirrors().get(slot)?;
        core::ptr::eq(mi.rdev.load(Ordering::Acquire), rdev).then_some(slot)
    }

    /// Slots without a working in-sync member (md's `degraded`).
    pub(super) fn degraded(&self) -> usize {
        self.mirrors().iter().filter(|m| !m.active()).count()
    }
}

/// The bit of mirror `slot` in a mask of mirrors.
fn slot_bit(slot: usize) -> Option<u32> {
    (slot < MAX_MIRRORS).then(|| 1u32 << slot)
}

#[pinned_drop]
impl PinnedDrop for Conf {
    fn drop(self: Pin<&mut Self>) {
        // Nothing can be queued: the array drained before dropping the conf. Be safe.
        self.end_sb_waiters(&self.sb_inflight);
        self.end_sb_waiters(&self.sb_wait);
        for mi in self.slots.iter() {
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
        // raid1_add_disk: the slot it had if it is free (a member back within the
        // bitmap's window), else the first free one; any other member is
        // recovered in full.
        let saved = rdev.saved_raid_disk.load(Ordering::Acquire);
        let slot = usize::try_from(saved)
            .ok()
            .filter(|s| self.mirrors().get(*s).is_some_and(|mi| !mi.occupied()))
            .or_else(|| self.mirrors().iter().position(|mi| !mi.occupied()))
            .ok_or(EBUSY)?;
        if saved < 0 {
            self.fullsync.store(true, Ordering::Release);
        }
        // As raid1_add_disk: the member knows its slot before I/O can reach it there.
        rdev.set_raid_disk(slot as i32);
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
            && self.mirrors().iter().all(|m| {
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

    fn reshape(&self, raid_disks: u32) -> Result {
        self.reshape_mirrors(raid_disks as usize)
    }

    fn can_resize(&self) -> bool {
        true
    }

    fn resize(&self, dev_sectors: u64) -> Result<u64> {
        // raid1_size: a mirror is as large as each member's share. Requests beyond
        // a smaller end fail at the block layer's capacity check.
        Ok(dev_sectors)
    }
}
