// SPDX-License-Identifier: GPL-2.0
//! One md array (md's `struct mddev`): its state under the reconfiguration lock,
//! the md-level flags the I/O paths read without it, and its sync progress.
//! The concerns of an array have files of their own in `mddev/`.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering};

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, ArcBorrow, Mutex, SpinLock};
use kernel::uaccess::UserSlice;
use kernel::{c_str, fmt, new_mutex, new_spinlock, new_work};

use crate::ioctl::{self, Cmd};
use crate::personality::{self, Personality, PersonalityType};
use crate::rdev::{self, Rdev};
use crate::resync::{self, Action};
use crate::sys;
use crate::sys::gendisk::{Disk, MdKobj};
use crate::sys::mutex::StateMutex;
use crate::sys::thread::{Thread, ThreadFn};
use crate::workqueue::WorkQueue;
use crate::{mdstat, super_any, superblock};

mod badblocks;
mod bblog;
mod bitmap_ctl;
mod control;
mod grow;
mod knobs;
mod members;
mod recovery;
mod registry;
mod run;
mod sb_update;
mod status;
mod stop;
mod writes;

pub(crate) use bblog::*;
pub(crate) use bitmap_ctl::*;
pub(crate) use control::*;
pub(crate) use grow::*;
pub(crate) use knobs::*;
pub(crate) use members::*;
pub(crate) use recovery::*;
pub(crate) use registry::*;
pub(crate) use run::*;
pub(crate) use sb_update::*;
pub(crate) use status::*;
pub(crate) use stop::*;

/// md's `ro`: how a running array accepts writes.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Ro {
    /// Read-write.
    Rdwr = 0,
    /// Read-only: writes fail.
    Rdonly = 1,
    /// Read-only until the first write, which switches it to read-write.
    AutoRead = 2,
}

/// What keeps an unconfigured mddev alive without openers (md's `hold_active`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Hold {
    /// Nothing: deleted at last close.
    Nothing = 0,
    /// Made by opening its node: stays until the first ioctl or array_state write.
    UntilIoctl = 1,
    /// Made through `new_array` by name: stays until stopped.
    UntilStop = 2,
}

/// The state of an array, under its reconfiguration mutex (md's reconfig_mutex).
pub(crate) struct MddevState {
    /// Slots (0: not configured).
    pub(crate) raid_disks: u32,
    /// RAID level, or `ioctl::LEVEL_NONE`.
    pub(crate) level: i32,
    /// The level was written by name (md's `clevel`), so it reads back as one.
    pub(crate) level_by_name: bool,
    /// Creation time from the superblock (0: none).
    pub(crate) ctime: u64,
    /// Last superblock update time.
    pub(crate) utime: u64,
    /// Member size used by the array, in sectors.
    pub(crate) dev_sectors: u64,
    /// Whether the metadata is an md superblock on the members.
    pub(crate) persistent: bool,
    /// Metadata version.
    pub(crate) major_version: i32,
    /// Metadata version.
    pub(crate) minor_version: i32,
    /// Metadata version.
    pub(crate) patch_version: i32,
    /// Layout.
    pub(crate) layout: i32,
    /// Chunk size in sectors.
    pub(crate) chunk_sectors: u32,
    /// The running personality, if any.
    pub(crate) pers: Option<&'static PersonalityType>,
    /// Members, in bind order (md lists them newest first).
    pub(crate) disks: KVec<Arc<Rdev>>,
    /// The array's event count (that of its freshest member).
    pub(crate) events: u64,
    /// md's can_decrease_events: the last update only went forward for clean<->dirty.
    pub(crate) can_decrease_events: bool,
    /// Values only md/ attributes use (safe_mode_delay, sync_speed_min, ...).
    pub(crate) knobs: Knobs,
    /// /sys/block/mdN/md/; taken out before the disk is deleted.
    pub(crate) kobj: Option<MdKobj>,
    /// Whether this array holds a reference on the module (while configured).
    pub(crate) module_ref: bool,
    /// The array thread, mdN_raid1, while running.
    pub(crate) thread: Option<Thread>,
    /// The sync thread, mdN_resync, while a sync runs or waits to be reaped.
    pub(crate) sync_thread: Option<Thread>,
    /// Members taken out under the lock, closed after it is released.
    pub(crate) deleting: KVec<Arc<Rdev>>,
    /// The array itself while it runs, for the wake of its thread at unlock.
    pub(crate) array: Option<Arc<Mddev>>,
    /// md's bitmap_info: what md/bitmap/ shows while there is no bitmap.
    pub(crate) bitmap_info: BitmapInfo,
}

/// What an unlock of the state leaves to do (md's mddev_unlock): close the members
/// taken out, and wake the array thread if it found the lock taken.
pub(crate) struct Unlocked {
    deleting: KVec<Arc<Rdev>>,
    array: Option<Arc<Mddev>>,
}

impl Drop for Unlocked {
    fn drop(&mut self) {
        // The members first (their dev-NAME/ removal waits for sysfs callbacks).
        drop(core::mem::replace(&mut self.deleting, KVec::new()));
        // Runs after the unlock: a thread that failed its trylock set the flag
        // before trying, so it is seen here.
        if let Some(m) = self.array.take() {
            if m.thread_deferred.swap(false, Ordering::SeqCst) {
                m.wake_thread();
            }
        }
    }
}

/// Moves members to `deleting`, to be closed (and their dev-NAME/ removed) after the
/// lock is released: removing a kobject waits for its sysfs callbacks, which may be
/// waiting for the lock (md's mddev_unlock does it for the same reason).
pub(crate) fn defer_drop(deleting: &mut KVec<Arc<Rdev>>, mut from: KVec<Arc<Rdev>>) {
    if deleting.is_empty() {
        *deleting = from;
        return;
    }
    if deleting.reserve(from.len(), GFP_KERNEL).is_err() {
        md_err!("md: out of memory deferring member removal\n");
    }
    while let Some(r) = sys::util::kvec_remove(&mut from, 0) {
        let _ = deleting.push(r, GFP_KERNEL);
    }
}

impl sys::mutex::Reap for MddevState {
    type Later = Unlocked;
    fn reap(&mut self) -> Unlocked {
        Unlocked {
            deleting: core::mem::replace(&mut self.deleting, KVec::new()),
            array: self.array.clone(),
        }
    }
}

impl MddevState {
    pub(crate) fn new() -> MddevState {
        MddevState {
            raid_disks: 0,
            level: ioctl::LEVEL_NONE,
            level_by_name: false,
            ctime: 0,
            utime: 0,
            dev_sectors: 0,
            persistent: false,
            major_version: 0,
            minor_version: 0,
            patch_version: 0,
            layout: 0,
            chunk_sectors: 0,
            pers: None,
            disks: KVec::new(),
            events: 0,
            can_decrease_events: false,
            knobs: Knobs::new(),
            kobj: None,
            module_ref: false,
            thread: None,
            sync_thread: None,
            deleting: KVec::new(),
            array: None,
            bitmap_info: BitmapInfo::new(),
        }
    }

    /// Slots without a working in-sync member (md's `degraded`).
    pub(crate) fn degraded(&self) -> usize {
        (0..self.raid_disks)
            .filter(|slot| {
                !self
                    .disks
                    .iter()
                    .any(|r| r.raid_disk() == *slot as i32 && r.in_sync())
            })
            .count()
    }

    /// md's test in `__mddev_put`: an array with any of these is kept.
    pub(crate) fn configured(&self) -> bool {
        self.raid_disks != 0 || self.ctime != 0 || self.pers.is_some() || !self.disks.is_empty()
    }

    /// Forgets the configuration (md_clean), releasing the members.
    pub(crate) fn clean(&mut self) {
        for r in self.disks.iter() {
            md_debug!("md: unbind<{}>\n", r.name());
            md_debug!("md: export_rdev({})\n", r.name());
        }
        let kobj = self.kobj.take();
        let module_ref = self.module_ref;
        let knobs = self.knobs.after_clean();
        let MddevState {
            disks, deleting, ..
        } = core::mem::replace(self, MddevState::new());
        // Members (and any taken out earlier under this lock) are closed, and their
        // dev-NAME/ removed, once the lock is released.
        self.deleting = deleting;
        defer_drop(&mut self.deleting, disks);
        self.kobj = kobj;
        self.module_ref = module_ref;
        self.knobs = knobs;
    }
}

/// One md array (md's `struct mddev`), shared by its gendisk, the registry
/// and the work item that deletes it.
#[pin_data]
pub(crate) struct Mddev {
    pub(crate) minor: u32,
    pub(crate) name: CString,
    /// Creation order, so /proc/mdstat lists the newest first as md does.
    pub(crate) seq: u64,
    pub(crate) disk: Disk,
    #[pin]
    pub(crate) state: StateMutex<MddevState>,
    /// The running personality, taken by every bio; `None` when not running (and
    /// from the start of a stop on, so no new bio enters).
    #[pin]
    pub(crate) io: SpinLock<Option<Arc<dyn Personality>>>,
    /// The personality from run until the stop has stopped the array thread (md's
    /// `mddev->private`): the array thread keeps serving failed requests while a
    /// stop drains the array.
    #[pin]
    pub(crate) running: SpinLock<Option<Arc<dyn Personality>>>,
    /// md's MD_SB_CHANGE_PENDING: a member failed and the superblocks do not say
    /// so yet; new writes wait for it in `write_start`.
    pub(crate) sb_pending: AtomicBool,
    /// md's MD_SB_CHANGE_DEVS/CLEAN: the superblocks must be rewritten.
    pub(crate) sb_change: AtomicBool,
    /// md's MD_BROKEN: the last working member saw an error; writes fail.
    pub(crate) broken: AtomicBool,
    /// md's recovery_cp: where resync would start (`MAX_SECTOR`: in sync; 0 until a
    /// run loads it, as md). Reads ending beyond it go to the first in-sync mirror.
    pub(crate) resync_offset: AtomicU64,
    /// The array thread, woken from any context.
    pub(crate) waker: sys::thread::WakeSlot,
    /// The array thread found the state lock taken: the holder wakes it after
    /// unlocking (md's mddev_unlock).
    pub(crate) thread_deferred: AtomicBool,
    /// md's sb_wait: writes waiting for the superblocks (the dirty mark, a
    /// recorded failure, a blocked member).
    pub(crate) sb_wait: sys::wait::WaitQ,
    /// A stop drains the array (`quiesce`): the last bio and request wake it.
    pub(crate) draining: AtomicBool,
    /// Bumped when superblock work comes in (`sb_work_queued`).
    pub(crate) sb_work_gen: AtomicU32,
    /// Bios between taking `io` and handing their clones to the members.
    pub(crate) active_io: AtomicU32,
    /// The superblocks say clean (md's `in_sync`); the first write clears it.
    pub(crate) in_sync: AtomicBool,
    /// `Ro` as u8.
    pub(crate) ro: AtomicU8,
    /// Writes between `write_start` and handing their clones to the members.
    pub(crate) writes_pending: AtomicU32,
    /// Where safe mode's idle time starts (ms, monotonic): the last write's
    /// submission, and its completion rounded up to a multiple of the delay (md's
    /// md_write_end arms the timer at roundup(jiffies, delay) + delay).
    pub(crate) last_write_ms: AtomicU64,
    /// The safe-mode worker is queued or running.
    pub(crate) safemode_queued: AtomicBool,
    /// Bumped when safe_mode_delay changes, to wake the safe-mode worker.
    pub(crate) safemode_gen: AtomicU32,
    /// Idle time before marking clean, in ms (md's safe_mode_delay, 200 ms).
    pub(crate) safemode_delay_ms: AtomicU32,
    /// Progress and requests of resync, recovery and scrubs.
    pub(crate) sync: SyncProgress,
    /// md's MD_RECOVERY_NEEDED: the array thread should look at spares and syncs.
    pub(crate) need_check: AtomicBool,
    /// Copies of md/ knobs the I/O paths read: max_read_errors, sync_speed_min/max
    /// (0: the dev.raid sysctl).
    pub(crate) max_read_errors: AtomicU32,
    pub(crate) speed_min: AtomicU32,
    pub(crate) speed_max: AtomicU32,
    /// References from openers and callbacks in progress; changed under `Globals::all`.
    pub(crate) active: AtomicU32,
    pub(crate) openers: AtomicU32,
    pub(crate) hold: AtomicU8,
    /// Set once deletion is queued; no new references are taken after it.
    pub(crate) deleted: AtomicBool,
    /// md's MD_CLOSING: a stop is under way (or done), opens fail with ENODEV.
    pub(crate) closing: AtomicBool,
    /// Orders opens against setting `closing` (md's open_mutex).
    #[pin]
    pub(crate) open_mutex: Mutex<()>,
    /// Mirror of `MddevState::configured`, readable under `Globals::all`.
    pub(crate) configured: AtomicBool,
    #[pin]
    pub(crate) del_work: kernel::workqueue::Work<Mddev>,
    /// Marks the superblocks dirty (on `md`), for `write_start`.
    #[pin]
    pub(crate) dirty_work: kernel::workqueue::Work<Mddev, 1>,
    /// Marks them clean again after `safemode_delay_ms` without writes (on `md_safemode`).
    #[pin]
    pub(crate) safemode_work: kernel::workqueue::Work<Mddev, 2>,
    /// The write-intent bitmap (md's `mddev->bitmap`): set at run or by a grow,
    /// changed only with the array quiesced and the state lock held.
    pub(crate) bitmap: sys::rcu::RcuArc<crate::bitmap::Bitmap>,
    /// Copy of `MddevState::events` for the I/O path (the bitmap's cleared events).
    pub(crate) events: AtomicU64,
    /// Writes the bitmap's dirty pages for writes waiting on them (on `md_bitmap`).
    #[pin]
    pub(crate) bitmap_work: kernel::workqueue::Work<Mddev, 3>,
}

kernel::workqueue::impl_has_work! {
    impl HasWork<Self> for Mddev { self.del_work }
    impl HasWork<Self, 1> for Mddev { self.dirty_work }
    impl HasWork<Self, 2> for Mddev { self.safemode_work }
    impl HasWork<Self, 3> for Mddev { self.bitmap_work }
}

impl Mddev {
    pub(crate) fn new(
        minor: u32,
        name: CString,
        seq: u64,
        disk: Disk,
        hold: Hold,
        sb_wait: sys::wait::WaitQ,
    ) -> impl PinInit<Self> {
        pin_init!(Mddev {
            minor,
            name,
            seq,
            disk,
            state <- StateMutex::new(MddevState::new()),
            io <- new_spinlock!(None, "md:io"),
            running <- new_spinlock!(None, "md:running"),
            sb_pending: AtomicBool::new(false),
            sb_change: AtomicBool::new(false),
            broken: AtomicBool::new(false),
            resync_offset: AtomicU64::new(0),
            waker: sys::thread::WakeSlot::new(),
            thread_deferred: AtomicBool::new(false),
            sb_wait,
            draining: AtomicBool::new(false),
            sb_work_gen: AtomicU32::new(0),
            active_io: AtomicU32::new(0),
            in_sync: AtomicBool::new(true),
            ro: AtomicU8::new(Ro::Rdwr as u8),
            writes_pending: AtomicU32::new(0),
            last_write_ms: AtomicU64::new(0),
            safemode_queued: AtomicBool::new(false),
            safemode_delay_ms: AtomicU32::new(200),
            safemode_gen: AtomicU32::new(0),
            sync: SyncProgress::new(),
            need_check: AtomicBool::new(false),
            max_read_errors: AtomicU32::new(DEFAULT_MAX_READ_ERRORS),
            speed_min: AtomicU32::new(0),
            speed_max: AtomicU32::new(0),
            active: AtomicU32::new(1),
            openers: AtomicU32::new(0),
            hold: AtomicU8::new(hold as u8),
            deleted: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            open_mutex <- new_mutex!((), "md:open_mutex"),
            configured: AtomicBool::new(false),
            del_work <- new_work!("md:del_work"),
            dirty_work <- new_work!("md:dirty_work"),
            safemode_work <- new_work!("md:safemode_work"),
            bitmap: sys::rcu::RcuArc::new(),
            events: AtomicU64::new(0),
            bitmap_work <- new_work!("md:bitmap_work"),
        })
    }

    /// The array's name, e.g. `md0`.
    pub(crate) fn name(&self) -> &str {
        self.name.to_str().unwrap_or("md?")
    }

    pub(crate) fn hold(&self) -> Hold {
        match self.hold.load(Ordering::Relaxed) {
            1 => Hold::UntilIoctl,
            2 => Hold::UntilStop,
            _ => Hold::Nothing,
        }
    }

    /// Read-only state.
    pub(crate) fn ro(&self) -> Ro {
        match self.ro.load(Ordering::SeqCst) {
            1 => Ro::Rdonly,
            2 => Ro::AutoRead,
            _ => Ro::Rdwr,
        }
    }

    pub(crate) fn set_ro(&self, ro: Ro) {
        self.ro.store(ro as u8, Ordering::SeqCst);
        self.disk.set_ro(ro == Ro::Rdonly);
    }

    pub(crate) fn set_hold(&self, h: Hold) {
        self.hold.store(h as u8, Ordering::Relaxed);
    }

    /// A successful ioctl or array_state write ends the hold of a node made by open.
    pub(crate) fn release_open_hold(&self) {
        let _ = self.hold.compare_exchange(
            Hold::UntilIoctl as u8,
            Hold::Nothing as u8,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Publishes whether the array is configured; a configured array pins the module.
    pub(crate) fn update_configured(&self, st: &mut MddevState) {
        let now = st.configured();
        if now && !st.module_ref {
            st.module_ref = sys::module::module_get();
        } else if !now && st.module_ref {
            sys::module::module_put();
            st.module_ref = false;
        }
        self.configured.store(now, Ordering::Relaxed);
    }

    /// The running personality, if any (also while a stop drains the array).
    pub(crate) fn conf(&self) -> Option<Arc<dyn Personality>> {
        self.running.lock().clone()
    }

    /// md's recovery_cp: where a resync would start (`MAX_SECTOR`: in sync).
    pub(crate) fn resync_offset(&self) -> u64 {
        self.resync_offset.load(Ordering::Acquire)
    }

    /// Records a new resync point.
    pub(crate) fn set_resync_offset(&self, sector: u64) {
        self.resync_offset.store(sector, Ordering::Release);
    }

    /// md_wakeup_thread of the array thread.
    pub(crate) fn wake_thread(&self) {
        self.waker.wake();
    }

    /// Where the sync thread must wait (sync_max).
    pub(crate) fn resync_max(&self) -> u64 {
        self.sync.resync_max.load(Ordering::Acquire)
    }

    /// Sets sync_max for the sync thread and wakes it if it waits there.
    pub(crate) fn set_resync_max(&self, max: u64) {
        self.sync.resync_max.store(max, Ordering::Release);
        if let Some(c) = self.conf() {
            c.wake_sync();
        }
    }

    /// md's MD_SB_CHANGE_PENDING: the next writes wait for a superblock update.
    pub(crate) fn set_sb_pending(&self) {
        self.sb_pending.store(true, Ordering::SeqCst);
        self.sb_work_queued();
    }

    /// Superblock work came in (a failure to record, failed writes waiting for it):
    /// whoever holds the state lock and drains the array writes it.
    pub(crate) fn sb_work_queued(&self) {
        self.sb_work_gen.fetch_add(1, Ordering::AcqRel);
        if self.draining.load(Ordering::SeqCst) {
            self.sb_wait.wake();
        }
    }

    /// The last bio or request has left: wakes a stop draining the array.
    pub(crate) fn drained_wake(&self) {
        if self.draining.load(Ordering::SeqCst) {
            self.sb_wait.wake();
        }
    }

    /// md's set_bit(MD_RECOVERY_NEEDED) + md_wakeup_thread.
    pub(crate) fn need_check(&self) {
        self.need_check.store(true, Ordering::Release);
        self.wake_thread();
    }

    /// md's max_corr_read_errors.
    pub(crate) fn max_read_errors(&self) -> u32 {
        self.max_read_errors.load(Ordering::Relaxed)
    }

    /// Resync speed limits in KiB/s (md's speed_min/speed_max).
    pub(crate) fn speed_limits(&self) -> (u32, u32) {
        let (sys_min, sys_max) = sys::module::speed_limits();
        let pick = |local: u32, sys: i32| {
            if local != 0 {
                local
            } else {
                u32::try_from(sys).unwrap_or(0)
            }
        };
        (
            pick(self.speed_min.load(Ordering::Relaxed), sys_min),
            pick(self.speed_max.load(Ordering::Relaxed), sys_max),
        )
    }

    /// Sets the copies of the md/ knobs the I/O paths read.
    pub(crate) fn set_knob_copies(&self, max_read_errors: u32, speed_min: u32, speed_max: u32) {
        self.max_read_errors
            .store(max_read_errors, Ordering::Relaxed);
        self.speed_min.store(speed_min, Ordering::Relaxed);
        self.speed_max.store(speed_max, Ordering::Relaxed);
    }
}

/// Resync, recovery and scrub progress (md's curr_resync, curr_resync_completed,
/// resync_mark/_cnt, resync_mismatches, last_sync_action and the
/// MD_RECOVERY_{CHECK,REQUESTED,FROZEN} requests), readable without the lock.
pub(crate) struct SyncProgress {
    /// The running action (`Action` as u8), 0 when none.
    pub(crate) action: AtomicU8,
    /// check or repair asked for through sync_action, not yet started.
    pub(crate) requested: AtomicU8,
    /// The last action started (0: none yet).
    pub(crate) last: AtomicU8,
    /// sync_action `frozen`.
    pub(crate) frozen: AtomicBool,
    /// The sync thread has finished and waits to be reaped.
    pub(crate) done: AtomicBool,
    /// It stopped before the end.
    pub(crate) interrupted: AtomicBool,
    /// md's MD_RECOVERY_INTR: the running sync is asked to stop.
    pub(crate) intr: AtomicBool,
    /// Position reached (sectors).
    pub(crate) curr: AtomicU64,
    /// Last checkpoint (sync_completed).
    pub(crate) completed: AtomicU64,
    /// End of the sync (sectors).
    pub(crate) max: AtomicU64,
    /// Oldest speed mark: when, and the position then.
    pub(crate) mark_ms: AtomicU64,
    pub(crate) mark_cnt: AtomicU64,
    /// Sectors found different by the last check, repair or resync.
    pub(crate) mismatches: AtomicU64,
    /// `sync_max` for the sync thread (md's resync_max): it waits there.
    pub(crate) resync_max: AtomicU64,
}

impl SyncProgress {
    const fn new() -> SyncProgress {
        SyncProgress {
            action: AtomicU8::new(0),
            requested: AtomicU8::new(0),
            last: AtomicU8::new(0),
            frozen: AtomicBool::new(false),
            done: AtomicBool::new(false),
            interrupted: AtomicBool::new(false),
            intr: AtomicBool::new(false),
            curr: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            max: AtomicU64::new(0),
            mark_ms: AtomicU64::new(0),
            mark_cnt: AtomicU64::new(0),
            mismatches: AtomicU64::new(0),
            resync_max: AtomicU64::new(superblock::MAX_SECTOR),
        }
    }

    /// The start of a sync.
    pub(crate) fn start(&self, action: Action, start: u64, max: u64, now_ms: u64) {
        self.curr.store(start, Ordering::Release);
        self.completed.store(start, Ordering::Release);
        self.max.store(max, Ordering::Release);
        self.mark_ms.store(now_ms, Ordering::Release);
        self.mark_cnt.store(start, Ordering::Release);
        self.mismatches.store(0, Ordering::Release);
        self.last.store(action as u8, Ordering::Release);
    }

    /// The running action, if any.
    pub(crate) fn running(&self) -> Option<Action> {
        Action::from_u8(self.action.load(Ordering::Acquire))
    }
}
