// SPDX-License-Identifier: GPL-2.0
//! md_mod: the md software-RAID core in Rust.
//!
//! Module start mirrors md_init: the `md` and `md_misc` workqueues, major 9
//! with a probe that creates an array when /dev/mdN is first opened, the
//! personality registry (raid1), the `dev.raid` sysctls and /proc/mdstat.
//! An mddev lives as md's does: held by its openers and by a configured
//! array; a node made by opening it stays until its first ioctl or
//! array_state write; an unconfigured one is deleted at last close.

// pin_init! of `Mddev` (many fields) needs more macro recursion than the default.
#![recursion_limit = "256"]

use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering};

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, ArcBorrow, Mutex, SpinLock};

use ffi::{StateMutex, Thread, ThreadFn};
use kernel::uaccess::UserSlice;
use kernel::{c_str, fmt, new_mutex, new_spinlock, new_work};
use resync::Action;

#[allow(unreachable_pub)]
mod balance;
mod bio;
mod blockdev;
mod ffi;
mod gendisk;
// Pure code shared with the host tests (hence `pub`); parts serve later issues.
#[allow(dead_code, unreachable_pub)]
mod ioctl;
#[macro_use]
mod log;
#[allow(dead_code, unreachable_pub)]
mod mdstat;
mod personality;
mod raid1;
mod rdev;
// Pure code shared with the host tests.
#[allow(unreachable_pub)]
mod resync;
mod super_any;
#[allow(dead_code)]
mod superblock;
mod sysfs;
mod workqueue;

pub(crate) use ffi::eopnotsupp;
use gendisk::{Disk, MdKobj};
use ioctl::Cmd;
use rdev::Rdev;
use workqueue::WorkQueue;

module! {
    type: MdModule,
    name: "md_mod",
    author: "rust-md developers",
    description: "MD RAID framework, in Rust",
    license: "GPL",
}

/// Largest minor number (MINORMASK).
const MINOR_MAX: u32 = (1 << 20) - 1;
/// Arrays created by name get minors from here on; the probe ignores them.
const NAMED_MINOR_BASE: u32 = 512;
/// DISK_NAME_LEN.
const DISK_NAME_LEN: usize = 32;

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
enum Hold {
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
    pub(crate) pers: Option<&'static personality::Personality>,
    /// Members, in bind order (md lists them newest first).
    pub(crate) disks: KVec<Rdev>,
    /// The array's event count (that of its freshest member).
    pub(crate) events: u64,
    /// Where resync would start (`MAX_SECTOR`: in sync; 0 until a run loads it, as md).
    pub(crate) resync_offset: u64,
    /// Values only md/ attributes use (safe_mode_delay, sync_speed_min, ...).
    pub(crate) knobs: sysfs::Knobs,
    /// /sys/block/mdN/md/; taken out before the disk is deleted.
    kobj: Option<MdKobj>,
    /// Whether this array holds a reference on the module (while configured).
    module_ref: bool,
    /// The array thread, mdN_raid1, while running.
    thread: Option<Thread>,
    /// The sync thread, mdN_resync, while a sync runs or waits to be reaped.
    sync_thread: Option<Thread>,
    /// Members taken out under the lock, closed after it is released.
    deleting: KVec<Rdev>,
}

/// Moves members to `deleting`, to be closed (and their dev-NAME/ removed) after the
/// lock is released: removing a kobject waits for its sysfs callbacks, which may be
/// waiting for the lock (md's mddev_unlock does it for the same reason).
fn defer_drop(deleting: &mut KVec<Rdev>, mut from: KVec<Rdev>) {
    if deleting.is_empty() {
        *deleting = from;
        return;
    }
    if deleting.reserve(from.len(), GFP_KERNEL).is_err() {
        md_err!("md: out of memory deferring member removal\n");
    }
    while let Some(r) = ffi::kvec_remove(&mut from, 0) {
        let _ = deleting.push(r, GFP_KERNEL);
    }
}

impl ffi::Reap for MddevState {
    type Later = KVec<Rdev>;
    fn reap(&mut self) -> KVec<Rdev> {
        core::mem::replace(&mut self.deleting, KVec::new())
    }
}

impl MddevState {
    fn new() -> MddevState {
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
            resync_offset: 0,
            knobs: sysfs::Knobs::new(),
            kobj: None,
            module_ref: false,
            thread: None,
            sync_thread: None,
            deleting: KVec::new(),
        }
    }

    /// md's test in `__mddev_put`: an array with any of these is kept.
    fn configured(&self) -> bool {
        self.raid_disks != 0 || self.ctime != 0 || self.pers.is_some() || !self.disks.is_empty()
    }

    /// Forgets the configuration (md_clean), releasing the members.
    fn clean(&mut self) {
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
    minor: u32,
    name: CString,
    /// Creation order, so /proc/mdstat lists the newest first as md does.
    seq: u64,
    disk: Disk,
    #[pin]
    state: StateMutex<MddevState>,
    /// The running raid1 conf, taken by every bio; `None` when not running (and
    /// from the start of a stop on, so no new bio enters).
    #[pin]
    io: SpinLock<Option<Arc<raid1::Conf>>>,
    /// The personality's conf from run until the stop has stopped the array
    /// thread (md's `mddev->private`): the array thread keeps serving failed
    /// requests while a stop drains the array.
    #[pin]
    running: SpinLock<Option<Arc<raid1::Conf>>>,
    /// md's MD_SB_CHANGE_PENDING: a member failed and the superblocks do not say
    /// so yet; new writes wait for it in `write_start`.
    sb_pending: AtomicBool,
    /// md's sb_wait: writes waiting for the superblocks (the dirty mark, a
    /// recorded failure, a blocked member).
    pub(crate) sb_wait: ffi::WaitQ,
    /// Bios between taking `io` and handing their clones to the members.
    active_io: AtomicU32,
    /// The superblocks say clean (md's `in_sync`); the first write clears it.
    in_sync: AtomicBool,
    /// `Ro` as u8.
    ro: AtomicU8,
    /// Writes between `write_start` and handing their clones to the members.
    writes_pending: AtomicU32,
    /// When the last write was submitted (ms, monotonic).
    last_write_ms: AtomicU64,
    /// The safe-mode worker is queued or running.
    safemode_queued: AtomicBool,
    /// Idle time before marking clean, in ms (md's safe_mode_delay, 200 ms).
    safemode_delay_ms: AtomicU32,
    /// Progress and requests of resync, recovery and scrubs.
    pub(crate) sync: SyncProgress,
    /// md's MD_RECOVERY_NEEDED: the array thread should look at spares and syncs.
    need_check: AtomicBool,
    /// Copies of md/ knobs the I/O paths read: max_read_errors, sync_speed_min/max
    /// (0: the dev.raid sysctl).
    max_read_errors: AtomicU32,
    speed_min: AtomicU32,
    speed_max: AtomicU32,
    /// References from openers and callbacks in progress; changed under `Globals::all`.
    active: AtomicU32,
    openers: AtomicU32,
    hold: AtomicU8,
    /// Set once deletion is queued; no new references are taken after it.
    deleted: AtomicBool,
    /// md's MD_CLOSING: a stop is under way (or done), opens fail with ENODEV.
    closing: AtomicBool,
    /// Orders opens against setting `closing` (md's open_mutex).
    #[pin]
    open_mutex: Mutex<()>,
    /// Mirror of `MddevState::configured`, readable under `Globals::all`.
    configured: AtomicBool,
    #[pin]
    del_work: kernel::workqueue::Work<Mddev>,
    /// Marks the superblocks dirty (on `md`), for `write_start`.
    #[pin]
    dirty_work: kernel::workqueue::Work<Mddev, 1>,
    /// Marks them clean again after `safemode_delay_ms` without writes (on `md_safemode`).
    #[pin]
    safemode_work: kernel::workqueue::Work<Mddev, 2>,
}

kernel::workqueue::impl_has_work! {
    impl HasWork<Self> for Mddev { self.del_work }
    impl HasWork<Self, 1> for Mddev { self.dirty_work }
    impl HasWork<Self, 2> for Mddev { self.safemode_work }
}

impl kernel::workqueue::WorkItem<1> for Mddev {
    type Pointer = Arc<Mddev>;

    /// The superblock update md_write_start waits for: clean -> dirty.
    fn run(this: Arc<Mddev>) {
        // Writes wait for us: reclaim from here must not write to the array.
        let _noio = ffi::NoIo::enter();
        let mut st = this.state.lock();
        if st.pers.is_some() && this.in_sync.load(Ordering::SeqCst) {
            update_sb(&this, &mut st, false);
            this.in_sync.store(false, Ordering::SeqCst);
        }
        drop(st);
        this.sb_wait.wake();
    }
}

impl kernel::workqueue::WorkItem<2> for Mddev {
    type Pointer = Arc<Mddev>;

    /// Safe mode: once no write has come for `safemode_delay_ms`, mark clean.
    fn run(this: Arc<Mddev>) {
        let noio = ffi::NoIo::enter();
        loop {
            ffi::msleep(20);
            let delay = u64::from(this.safemode_delay_ms.load(Ordering::Relaxed));
            if delay == 0 {
                // safe_mode_delay 0: never marked clean while running.
                break;
            }
            let idle_for = ffi::now_ms().saturating_sub(this.last_write_ms.load(Ordering::Relaxed));
            if this.io.lock().is_none() {
                break;
            }
            if idle_for < delay || this.writes_pending.load(Ordering::SeqCst) != 0 {
                continue;
            }
            let mut st = this.state.lock();
            let conf = this.io.lock().clone();
            let Some(conf) = conf else { break };
            if this.in_sync.load(Ordering::SeqCst) {
                break;
            }
            // Publish clean first, then look for writes that raced with us (they
            // either see `in_sync` and go dirty again, or we see them and retry).
            this.in_sync.store(true, Ordering::SeqCst);
            if this.writes_pending.load(Ordering::SeqCst) != 0 || !conf.idle() {
                this.in_sync.store(false, Ordering::SeqCst);
                continue;
            }
            // Clean with a sync still to do records where it got to (resync_offset).
            drop(conf);
            update_sb(&this, &mut st, true);
            break;
        }
        drop(noio);
        this.safemode_queued.store(false, Ordering::SeqCst);
        // A write that found the worker still queued may need a new one.
        if !this.in_sync.load(Ordering::SeqCst) && this.io.lock().is_some() {
            this.arm_safemode();
        }
    }
}

impl kernel::workqueue::WorkItem for Mddev {
    type Pointer = Arc<Mddev>;

    /// md's mddev_delayed_delete, on md_misc.
    fn run(this: Arc<Mddev>) {
        let kobj = this.state.lock().kobj.take();
        // Removing md/ waits for attribute callbacks in progress.
        drop(kobj);
        this.disk.remove();
    }
}

impl Mddev {
    fn new(
        minor: u32,
        name: CString,
        seq: u64,
        disk: Disk,
        hold: Hold,
        sb_wait: ffi::WaitQ,
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
            sb_wait,
            active_io: AtomicU32::new(0),
            in_sync: AtomicBool::new(true),
            ro: AtomicU8::new(Ro::Rdwr as u8),
            writes_pending: AtomicU32::new(0),
            last_write_ms: AtomicU64::new(0),
            safemode_queued: AtomicBool::new(false),
            safemode_delay_ms: AtomicU32::new(200),
            sync: SyncProgress::new(),
            need_check: AtomicBool::new(false),
            max_read_errors: AtomicU32::new(sysfs::DEFAULT_MAX_READ_ERRORS),
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
        })
    }

    /// The array's name, e.g. `md0`.
    pub(crate) fn name(&self) -> &str {
        self.name.to_str().unwrap_or("md?")
    }

    fn hold(&self) -> Hold {
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

    fn set_hold(&self, h: Hold) {
        self.hold.store(h as u8, Ordering::Relaxed);
    }

    /// A successful ioctl or array_state write ends the hold of a node made by open.
    fn release_open_hold(&self) {
        let _ = self.hold.compare_exchange(
            Hold::UntilIoctl as u8,
            Hold::Nothing as u8,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Publishes whether the array is configured; a configured array pins the module.
    fn update_configured(&self, st: &mut MddevState) {
        let now = st.configured();
        if now && !st.module_ref {
            st.module_ref = ffi::module_get();
        } else if !now && st.module_ref {
            ffi::module_put();
            st.module_ref = false;
        }
        self.configured.store(now, Ordering::Relaxed);
    }

    /// Block I/O entry (md_submit_bio): split at the limits, mark the array dirty
    /// before the first write, hand to the personality.
    pub(crate) fn submit_bio(self: ArcBorrow<'_, Self>, bio: bio::Bio) {
        let Some(bio) = bio.split_to_limits() else {
            return;
        };
        let write = bio.kind() == bio::Kind::Write && bio.sectors() > 0;
        if bio.kind() == bio::Kind::Write && self.ro() == Ro::Rdonly {
            // md: data writes to a read-only array fail; an empty flush succeeds.
            if write {
                bio.io_error();
            } else {
                bio.end();
            }
            return;
        }
        if write {
            self.write_start();
        }
        let conf = {
            let io = self.io.lock();
            let conf = io.clone();
            if conf.is_some() {
                self.active_io.fetch_add(1, Ordering::AcqRel);
            }
            conf
        };
        match conf {
            Some(conf) => {
                conf.make_request(bio);
                drop(conf);
                self.active_io.fetch_sub(1, Ordering::AcqRel);
            }
            None => bio.io_error(),
        }
        if write {
            self.last_write_ms.store(ffi::now_ms(), Ordering::Relaxed);
            self.writes_pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// md_write_start: a write to a clean array waits until the superblocks say
    /// dirty. The update runs on the `md` workqueue: bios submitted from here would
    /// only be issued after we return.
    fn write_start(self: ArcBorrow<'_, Self>) {
        // The first write switches a read-auto array to read-write (and lets a
        // pending resync start).
        if self
            .ro
            .compare_exchange(
                Ro::AutoRead as u8,
                Ro::Rdwr as u8,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            self.need_check();
        }
        self.writes_pending.fetch_add(1, Ordering::SeqCst);
        self.last_write_ms.store(ffi::now_ms(), Ordering::Relaxed);
        if self.in_sync.load(Ordering::SeqCst) {
            if let Some(g) = globals() {
                let _ = g.md_wq.enqueue::<Arc<Mddev>, 1>(Arc::from(self));
            }
            self.sb_wait
                .wait(|| !self.in_sync.load(Ordering::SeqCst) || self.io.lock().is_none());
        }
        // md_write_start: no write goes out while a failure is not on disk yet.
        if self.sb_pending.load(Ordering::SeqCst) {
            if let Some(c) = self.conf() {
                c.wake_thread();
            }
            self.sb_wait
                .wait(|| !self.sb_pending.load(Ordering::SeqCst) || self.io.lock().is_none());
        }
        self.arm_safemode();
    }

    /// Queues the safe-mode worker unless it is already pending.
    fn arm_safemode(&self) {
        if self.safemode_delay_ms.load(Ordering::Relaxed) == 0 {
            return;
        }
        if self.safemode_queued.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(g) = globals() else { return };
        let Some(me) = g.all.lock().find(self.minor).cloned() else {
            self.safemode_queued.store(false, Ordering::SeqCst);
            return;
        };
        if g.md_safemode_wq.enqueue::<Arc<Mddev>, 2>(me).is_err() {
            self.safemode_queued.store(false, Ordering::SeqCst);
        }
    }

    /// Takes the conf away from new bios and waits for those in flight, writing
    /// the superblocks failed writes wait for (the array thread cannot: we hold
    /// the lock it would take).
    fn quiesce(&self, st: &mut MddevState) -> Option<Arc<raid1::Conf>> {
        let conf = self.io.lock().take();
        // Writers waiting for the superblocks see the array going away.
        self.sb_wait.wake();
        while self.active_io.load(Ordering::Acquire) != 0
            || conf.as_ref().is_some_and(|c| !c.idle())
        {
            if let Some(c) = &conf {
                service_sb(self, st, c);
            }
            ffi::msleep(1);
        }
        conf
    }

    /// Whether the conf has failed this member (before the rdev learns it).
    fn member_faulty(&self, r: &Rdev) -> bool {
        let Some(c) = self.conf() else { return false };
        usize::try_from(r.raid_disk)
            .ok()
            .and_then(|i| c.mirrors.get(i))
            .is_some_and(|mi| {
                mi.dev.load(Ordering::Acquire) == r.dev && mi.faulty.load(Ordering::Acquire)
            })
    }

    /// The running conf, if any (also while a stop drains the array).
    fn conf(&self) -> Option<Arc<raid1::Conf>> {
        self.running.lock().clone()
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
    }

    /// md's set_bit(MD_RECOVERY_NEEDED) + md_wakeup_thread.
    pub(crate) fn need_check(&self) {
        self.need_check.store(true, Ordering::Release);
        if let Some(c) = self.conf() {
            c.wake_thread();
        }
    }

    /// md's max_corr_read_errors.
    pub(crate) fn max_read_errors(&self) -> u32 {
        self.max_read_errors.load(Ordering::Relaxed)
    }

    /// Resync speed limits in KiB/s (md's speed_min/speed_max).
    pub(crate) fn speed_limits(&self) -> (u32, u32) {
        let (sys_min, sys_max) = ffi::speed_limits();
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
    resync_max: AtomicU64,
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

/// The sync thread's job: one run of `Conf::do_sync`.
struct SyncJob {
    m: Arc<Mddev>,
    conf: Arc<raid1::Conf>,
    action: Action,
    start: u64,
    max: u64,
    ran: AtomicBool,
}

impl ThreadFn for SyncJob {
    fn run(this: ArcBorrow<'_, Self>) {
        if this.ran.swap(true, Ordering::AcqRel) {
            return;
        }
        let p = &this.m.sync;
        let (_, interrupted) = this.conf.do_sync(p, this.action, this.start, this.max);
        p.interrupted.store(interrupted, Ordering::Release);
        p.done.store(true, Ordering::Release);
        this.m.need_check();
    }
}

impl ThreadFn for Mddev {
    /// raid1d: failed requests, then md_check_recovery.
    fn run(this: ArcBorrow<'_, Self>) {
        let Some(conf) = this.conf() else { return };
        let _noio = ffi::NoIo::enter();
        conf.handle_retries();
        let check = this.need_check.load(Ordering::Acquire)
            || conf.sb_change.load(Ordering::Acquire)
            || this.sb_pending.load(Ordering::SeqCst)
            || this.sync.done.load(Ordering::Acquire);
        if !check {
            return;
        }
        match this.state.try_lock() {
            Some(mut st) => {
                if st.pers.is_some() {
                    check_recovery(&this, &mut st, &conf);
                }
            }
            // Someone reconfigures the array; they service the superblocks while they
            // wait, and we look again soon.
            None => {
                ffi::msleep(1);
                conf.wake_thread();
            }
        }
    }
}

/// Copies the runtime state of the members in slots into their rdevs.
fn sync_from_conf(st: &mut MddevState, conf: &raid1::Conf) {
    for r in st.disks.iter_mut() {
        let Some(mi) = usize::try_from(r.raid_disk)
            .ok()
            .and_then(|i| conf.mirrors.get(i))
        else {
            continue;
        };
        if mi.dev.load(Ordering::Acquire) != r.dev {
            continue;
        }
        r.faulty = mi.faulty.load(Ordering::Acquire);
        r.in_sync = mi.in_sync.load(Ordering::Acquire) && !r.faulty;
        r.recovery_offset = mi.recovery_offset.load(Ordering::Acquire);
        r.corrected = mi.corrected.load(Ordering::Acquire);
        r.write_error |= mi.write_error.load(Ordering::Acquire);
    }
    st.resync_offset = conf.resync_cp.load(Ordering::Acquire);
}

/// md_update_sb when something is pending, then the failed writes that waited for it.
fn service_sb(m: &Mddev, st: &mut MddevState, conf: &raid1::Conf) {
    // The failed writes queued so far: their failures are in the conf already, so
    // the update below records them (one queued later waits for the next).
    let waiters = conf.take_sb_waiters();
    if m.ro() != Ro::Rdwr {
        // md_update_sb does nothing on an array that is not read-write: the change
        // stays pending (written once it goes read-write), dev-NAME/ shows it now.
        // Such an array takes no writes; a failed one still in flight from before
        // completes, as md's check_recovery clears MD_SB_CHANGE_PENDING when read-only
        // (and Blocked: the failure is recorded when the array becomes writable).
        if conf.sb_change.load(Ordering::Acquire) {
            sync_from_conf(st, conf);
            for r in st.disks.iter() {
                r.publish();
            }
        }
        conf.unblock(conf.faulty_mask());
        conf.end_sb_waiters_from(waiters);
        return;
    }
    let change = conf.sb_change.swap(false, Ordering::AcqRel);
    if change || m.sb_pending.load(Ordering::SeqCst) {
        let clean = m.in_sync.load(Ordering::SeqCst);
        update_sb(m, st, clean);
        for r in st.disks.iter() {
            r.publish();
        }
    }
    conf.end_sb_waiters_from(waiters);
}

/// md_update_sb: every working member's superblock gets the array's events, the
/// clean/dirty mark, the resync point and the members' roles and states. A
/// member whose superblock cannot be written is failed (super_written ->
/// md_error) and the superblocks are written again without it. Afterwards the
/// failures written are no longer pending: blocked members are released and
/// waiting writes go on. Nothing is written while the array is not read-write
/// (the change stays pending until it is).
fn update_sb(m: &Mddev, st: &mut MddevState, clean: bool) {
    let conf = m.conf();
    if m.ro() != Ro::Rdwr {
        if let Some(c) = &conf {
            c.sb_change.store(true, Ordering::Release);
            // Failed members of a read-only array get recorded when it becomes
            // writable; no write waits for them meanwhile (md_check_recovery).
            c.unblock(c.faulty_mask());
        }
        return;
    }
    // Each round fails at least one more member, so this ends; bounded anyway.
    for _ in 0..=raid1::MAX_MIRRORS {
        if let Some(c) = &conf {
            c.sb_change.store(false, Ordering::Release);
        }
        let recorded = conf.as_ref().map_or(0, |c| {
            sync_from_conf(st, c);
            c.faulty_mask()
        });
        st.events = st.events.saturating_add(1);
        let failed = write_superblocks(st, clean);
        let mut again = false;
        for dev in failed.iter() {
            again |= fail_member(m, st, conf.as_deref(), *dev);
        }
        if let Some(c) = &conf {
            c.unblock(recorded);
        }
        if !again {
            break;
        }
    }
    m.sb_pending.store(false, Ordering::SeqCst);
    if conf
        .as_ref()
        .is_some_and(|c| c.sb_change.load(Ordering::SeqCst))
    {
        // A failure came in meanwhile: the array thread writes it next.
        m.set_sb_pending();
        if let Some(c) = &conf {
            c.wake_thread();
        }
    }
    m.sb_wait.wake();
}

/// md_error for the member `dev` (its superblock write failed). True when it is
/// now faulty and the superblocks must be written again.
fn fail_member(m: &Mddev, st: &mut MddevState, conf: Option<&raid1::Conf>, dev: u32) -> bool {
    if let Some(slot) = conf.and_then(|c| c.slot_of(dev)) {
        return conf.is_some_and(|c| c.error(slot));
    }
    let Some(r) = st.disks.iter_mut().find(|r| r.dev == dev && !r.faulty) else {
        return false;
    };
    r.faulty = true;
    md_crit!(
        "md/raid1:{}: Disk failure on {}, disabling device.\n",
        m.name(),
        r.name()
    );
    true
}

/// Stops a running sync and records where it got to.
fn stop_sync(m: &Mddev, st: &mut MddevState, conf: &raid1::Conf) {
    if st.sync_thread.is_none() {
        return;
    }
    // Its barrier waits end too (md's raise_barrier sees MD_RECOVERY_INTR).
    conf.interrupt_sync();
    // Joins the thread (it checks for the stop between steps).
    drop(st.sync_thread.take());
    reap_sync(m, st, conf);
}

/// md_reap_sync_thread: the end of a sync (the thread is stopped).
fn reap_sync(m: &Mddev, st: &mut MddevState, conf: &raid1::Conf) {
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
                conf.resync_cp
                    .store(superblock::MAX_SECTOR, Ordering::Release);
            } else if end > conf.resync_cp.load(Ordering::Acquire) && action == Action::Resync {
                conf.resync_cp.store(end, Ordering::Release);
            }
        }
        Action::Recover => {
            if !interrupted {
                for mi in conf.mirrors.iter() {
                    if mi.recovering()
                        && mi.recovery_offset.load(Ordering::Acquire) >= st.dev_sectors
                    {
                        mi.in_sync.store(true, Ordering::Release);
                    }
                }
            }
        }
        Action::Check => {}
    }
    p.action.store(0, Ordering::Release);
    p.done.store(false, Ordering::Release);
    p.interrupted.store(false, Ordering::Release);
    conf.sync_intr.store(false, Ordering::Release);
    conf.sb_change.store(true, Ordering::Release);
    service_sb(m, st, conf);
    notify(st, c_str!("sync_action"));
    notify(st, c_str!("degraded"));
    // Idle again: mark clean after the safe-mode delay.
    m.arm_safemode();
}

fn notify(st: &MddevState, attr: &'static CStr) {
    if let Some(k) = st.kobj.as_ref() {
        k.notify(attr);
    }
}

/// md_check_recovery with remove_and_add_spares and the choice of sync.
fn check_recovery(m: &Mddev, st: &mut MddevState, conf: &Arc<raid1::Conf>) {
    m.need_check.store(false, Ordering::Release);
    service_sb(m, st, conf);
    if st.sync_thread.is_some() {
        if !m.sync.done.load(Ordering::Acquire) {
            return;
        }
        drop(st.sync_thread.take());
        reap_sync(m, st, conf);
    }
    if m.ro() != Ro::Rdwr {
        return;
    }
    // Failed members leave their slots (they stay listed as faulty until removed).
    let mut changed = false;
    for r in st.disks.iter_mut() {
        let Some(slot) = usize::try_from(r.raid_disk).ok() else {
            continue;
        };
        let Some(mi) = conf.mirrors.get(slot) else {
            continue;
        };
        if mi.faulty.load(Ordering::Acquire) && mi.dev.load(Ordering::Acquire) == r.dev {
            conf.uninstall(slot);
            r.faulty = true;
            r.in_sync = false;
            r.raid_disk = -1;
            if let Some(k) = st.kobj.as_ref() {
                r.set_rd_link(k, false);
            }
            changed = true;
        }
    }
    if m.sync.frozen.load(Ordering::Acquire) {
        if changed {
            conf.sb_change.store(true, Ordering::Release);
            service_sb(m, st, conf);
        }
        return;
    }
    // Spares take free slots and are recovered (raid1_add_disk).
    if !conf.broken.load(Ordering::Acquire) {
        for r in st.disks.iter_mut() {
            if r.raid_disk >= 0 || r.faulty || r.data_sectors() < st.dev_sectors {
                continue;
            }
            let Some(slot) = conf.mirrors.iter().position(|mi| !mi.occupied()) else {
                break;
            };
            // raid1_add_disk: the queue limits take the member in first
            // (mddev_stack_new_rdev); if they cannot, it stays a spare.
            if m.disk
                .stack_new_member(&r.file, r.sb.data_offset())
                .is_err()
            {
                continue;
            }
            conf.install(
                slot,
                &raid1::MemberInit {
                    file: r.file.as_ptr(),
                    data_offset: r.sb.data_offset(),
                    in_sync: false,
                    recovery_offset: 0,
                    dev: r.dev,
                    corrected: r.corrected,
                    write_error: r.write_error,
                },
            );
            r.raid_disk = slot as i32;
            r.in_sync = false;
            r.recovery_offset = 0;
            if let Some(k) = st.kobj.as_ref() {
                r.set_rd_link(k, true);
            }
            changed = true;
        }
    }
    if changed {
        conf.sb_change.store(true, Ordering::Release);
        service_sb(m, st, conf);
        notify(st, c_str!("degraded"));
    }
    // What to run: recovery first, then resync, then a requested scrub.
    let max = st.dev_sectors;
    let recovering = conf
        .mirrors
        .iter()
        .filter(|mi| mi.recovering())
        .map(|mi| mi.recovery_offset.load(Ordering::Acquire))
        .min();
    let resync_cp = conf.resync_cp.load(Ordering::Acquire);
    let (action, start) = if conf.broken.load(Ordering::Acquire) {
        return;
    } else if let Some(from) = recovering.filter(|_| conf.mirrors.iter().any(|mi| mi.active())) {
        (Action::Recover, from.min(max))
    } else if resync_cp < max {
        (Action::Resync, resync_cp)
    } else if let Some(a) = Action::from_u8(m.sync.requested.swap(0, Ordering::AcqRel)) {
        // md_sync_position: a requested check or repair starts at sync_min.
        (a, st.knobs.sync_window().0.min(max))
    } else {
        if resync_cp != superblock::MAX_SECTOR && resync_cp >= max {
            conf.resync_cp
                .store(superblock::MAX_SECTOR, Ordering::Release);
            conf.sb_change.store(true, Ordering::Release);
            service_sb(m, st, conf);
        }
        return;
    };
    start_sync(m, st, conf, action, start, max);
}

/// Starts mdN_resync for `action` over `[start, max)`.
fn start_sync(
    m: &Mddev,
    st: &mut MddevState,
    conf: &Arc<raid1::Conf>,
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
    conf.sync_intr.store(false, Ordering::Release);
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

/// All arrays (md's all_mddevs) and the next minor for named arrays.
struct Registry {
    slots: KVec<Option<Arc<Mddev>>>,
    next_minor: u32,
}

impl Registry {
    fn iter(&self) -> impl Iterator<Item = &Arc<Mddev>> {
        self.slots.iter().flatten()
    }

    fn find(&self, minor: u32) -> Option<&Arc<Mddev>> {
        self.iter().find(|m| m.minor == minor)
    }

    fn name_taken(&self, name: &[u8]) -> bool {
        self.iter().any(|m| m.name.as_bytes() == name)
    }

    /// md's mddev_alloc_unit: the next free minor from 512, wrapping.
    fn alloc_minor(&mut self) -> Result<u32> {
        let start = self.next_minor;
        loop {
            let minor = self.next_minor;
            self.next_minor = if minor >= MINOR_MAX { 0 } else { minor + 1 };
            if self.next_minor == start {
                return Err(ENODEV);
            }
            if self.find(minor).is_none() {
                return Ok(minor);
            }
        }
    }

    fn insert(&mut self, m: Arc<Mddev>) -> Result {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.is_none()) {
            *slot = Some(m);
            return Ok(());
        }
        self.slots.push(Some(m), GFP_KERNEL)?;
        Ok(())
    }

    fn remove(&mut self, minor: u32) -> Option<Arc<Mddev>> {
        self.slots
            .iter_mut()
            .find(|s| s.as_ref().is_some_and(|m| m.minor == minor))
            .and_then(Option::take)
    }
}

/// Module-wide state, pinned for the module's lifetime.
#[pin_data]
struct Globals {
    /// Serialises array creation (md's disks_mutex).
    #[pin]
    disks_mutex: Mutex<()>,
    #[pin]
    all: Mutex<Registry>,
    #[pin]
    pers: personality::Registry,
    md_wq: WorkQueue,
    md_misc_wq: WorkQueue,
    /// Safe-mode workers wait out idle time here, so that flushing `md_misc` (array
    /// creation waits for deletions) never waits for another array's writes to stop.
    md_safemode_wq: WorkQueue,
}

/// Set while the module is loaded; callbacks from C reach the globals through it.
static GLOBALS: AtomicPtr<Globals> = AtomicPtr::new(null_mut());
/// Set at unload, before module parameter writes are drained.
static UNLOADING: AtomicBool = AtomicBool::new(false);
static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

/// The module is being unloaded: sysfs writes must not configure an array any more
/// (checked under the array's lock, which the unload takes after setting it).
pub(crate) fn unloading() -> bool {
    UNLOADING.load(Ordering::Acquire)
}

fn globals() -> Option<&'static Globals> {
    let p = GLOBALS.load(Ordering::Acquire);
    // SAFETY: `GLOBALS` points into the module's pinned `Globals` from before the first
    // callback can run until after the last one has finished (see `MdModule::drop`).
    unsafe { p.as_ref() }
}

impl Globals {
    fn new() -> Result<impl PinInit<Self, Error>> {
        let md_wq = WorkQueue::new(c_str!("md"), true)?;
        let md_misc_wq = WorkQueue::new(c_str!("md_misc"), false)?;
        let md_safemode_wq = WorkQueue::new(c_str!("md_safemode"), false)?;
        Ok(try_pin_init!(Globals {
            disks_mutex <- new_mutex!((), "md:disks_mutex"),
            all <- new_mutex!(
                Registry { slots: KVec::new(), next_minor: NAMED_MINOR_BASE },
                "md:all_mddevs"
            ),
            pers <- personality::Registry::new(),
            md_wq,
            md_misc_wq,
            md_safemode_wq,
        }? Error))
    }

    /// md's mddev_get: a new reference, unless deletion is under way.
    fn get(&self, m: &Mddev) -> bool {
        let _all = self.all.lock();
        if m.deleted.load(Ordering::Relaxed) {
            return false;
        }
        m.active.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// md's mddev_put: the last reference to an unconfigured, unheld array deletes it.
    fn put(&self, m: ArcBorrow<'_, Mddev>) {
        let _all = self.all.lock();
        if m.active.fetch_sub(1, Ordering::Relaxed) != 1 {
            return;
        }
        if m.configured.load(Ordering::Relaxed)
            || m.hold() != Hold::Nothing
            || m.deleted.load(Ordering::Relaxed)
        {
            return;
        }
        m.deleted.store(true, Ordering::Relaxed);
        // Queued under the lock so that a flush in `alloc` waits for it.
        let _ = self.md_misc_wq.enqueue::<Arc<Mddev>, 0>(Arc::from(m));
    }

    /// md_alloc: creates array 9:`minor`, or a named one at a free minor.
    fn alloc(&self, minor: Option<u32>, name: Option<&[u8]>) -> Result<Arc<Mddev>> {
        // Wait for a previous instance of this minor to be gone.
        self.md_misc_wq.flush();
        let _disks = self.disks_mutex.lock();
        let (minor, hold, seq) = {
            let mut all = self.all.lock();
            let (minor, hold) = match minor {
                Some(m) => {
                    if all.find(m).is_some() {
                        return Err(EEXIST);
                    }
                    (m, Hold::UntilIoctl)
                }
                None => (all.alloc_minor()?, Hold::UntilStop),
            };
            if let Some(n) = name {
                if all.name_taken(n) {
                    return Err(EEXIST);
                }
            }
            (minor, hold, NEXT_SEQ.fetch_add(1, Ordering::Relaxed))
        };
        let name = match name {
            Some(n) => CString::try_from_fmt(fmt!("{}", BStrDisplay(n)))?,
            None => gendisk::disk_name(minor)?,
        };
        let disk = Disk::alloc(minor, &name)?;
        let sb_wait = ffi::WaitQ::new()?;
        let mddev = Arc::pin_init(
            Mddev::new(minor, name, seq, disk, hold, sb_wait),
            GFP_KERNEL,
        )?;
        self.all.lock().insert(mddev.clone())?;

        let foreign = <Arc<Mddev> as kernel::types::ForeignOwnable>::into_foreign(mddev.clone());
        mddev.disk.set_private(foreign);
        let mut st = mddev.state.lock();
        if let Err(e) = mddev.disk.add() {
            drop(st);
            drop(self.all.lock().remove(minor));
            // SAFETY: `foreign` came from `into_foreign` above and free_disk will not run
            // for a disk that was never added, so the reference is ours to take back.
            drop(unsafe { <Arc<Mddev> as kernel::types::ForeignOwnable>::from_foreign(foreign) });
            // Dropping the last reference puts the never-added disk.
            return Err(e);
        }
        // The kobject's callbacks use the gendisk's reference, which outlives it.
        match MdKobj::add(&mddev.disk, foreign) {
            Ok(k) => st.kobj = Some(k),
            Err(e) => {
                drop(st);
                mddev.set_hold(Hold::Nothing);
                self.put(mddev.as_arc_borrow());
                return Err(e);
            }
        }
        drop(st);
        Ok(mddev)
    }
}

/// Displays raw name bytes (already checked to be printable by the caller).
struct BStrDisplay<'a>(&'a [u8]);

impl core::fmt::Display for BStrDisplay<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.0 {
            core::fmt::Write::write_char(f, b as char)?;
        }
        Ok(())
    }
}

/// The probe of major 9: opening /dev/mdN creates array N.
pub(crate) fn md_probe(minor: u32) {
    if minor >= NAMED_MINOR_BASE || !ffi::create_on_open() {
        return;
    }
    let Some(g) = globals() else { return };
    if let Ok(m) = g.alloc(Some(minor), None) {
        g.put(m.as_arc_borrow());
    }
}

/// `new_array`: `md_NAME` creates a named array, `mdNNN` array NNN.
pub(crate) fn add_named_array(val: &[u8]) -> Result {
    if UNLOADING.load(Ordering::Acquire) {
        return Err(ENODEV);
    }
    let g = globals().ok_or(ENODEV)?;
    let mut len = val.len();
    while len > 0 && val.get(len - 1) == Some(&b'\n') {
        len -= 1;
    }
    let name = val.get(..len).ok_or(EINVAL)?;
    if name.len() >= DISK_NAME_LEN {
        return Err(E2BIG);
    }
    let m = if name.starts_with(b"md_") {
        if !name.iter().all(|b| b.is_ascii_graphic() && *b != b'/') {
            return Err(EINVAL);
        }
        g.alloc(None, Some(name))?
    } else if name.len() > 2
        && name.starts_with(b"md")
        && name
            .get(2..)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    {
        let mut n: u32 = 0;
        for d in name.get(2..).unwrap_or(&[]) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u32::from(d - b'0')))
                .ok_or(EINVAL)?;
        }
        if n > MINOR_MAX {
            return Err(EINVAL);
        }
        g.alloc(Some(n), None)?
    } else {
        return Err(EINVAL);
    };
    g.put(m.as_arc_borrow());
    Ok(())
}

/// Opening /dev/mdN (md_open).
pub(crate) fn md_open(m: ArcBorrow<'_, Mddev>) -> Result {
    let g = globals().ok_or(ENODEV)?;
    if !g.get(&m) {
        return Err(ENODEV);
    }
    {
        let _open = m.open_mutex.lock();
        if !m.closing.load(Ordering::Relaxed) {
            m.openers.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    // Being stopped: an opener would only see I/O errors (md_open).
    g.put(m);
    Err(ENODEV)
}

/// mddev_set_closing_and_sync_blockdev: with more than `allowed` openers a running
/// array is busy; otherwise no new opener gets in from now on (`closing`), and the
/// page cache is written back (without the state lock: writeback may need
/// `dirty_work`, which takes it). The caller clears `closing` unless the array is gone.
pub(crate) fn set_closing(m: &Mddev, allowed: u32) -> Result {
    {
        let _open = m.open_mutex.lock();
        if m.conf().is_some() && m.openers.load(Ordering::Relaxed) > allowed {
            return Err(EBUSY);
        }
        if m.closing.swap(true, Ordering::Relaxed) {
            return Err(EBUSY);
        }
    }
    // md ignores sync_blockdev's result here: a writeback error belongs to the
    // writer (its fsync), and STOP must not fail once for it.
    let _ = m.disk.sync();
    Ok(())
}

/// Last close of one opener (md_release).
pub(crate) fn md_release(m: ArcBorrow<'_, Mddev>) {
    m.openers.fetch_sub(1, Ordering::Relaxed);
    if let Some(g) = globals() {
        g.put(m);
    }
}

/// The gendisk is gone: drop the array from the registry (md_free_disk).
pub(crate) fn md_free_disk(m: Arc<Mddev>) {
    let removed = globals().and_then(|g| g.all.lock().remove(m.minor));
    drop(removed);
}

/// Runs `f` with a reference held, as md's sysfs callbacks do (EBUSY once deleted).
pub(crate) fn with_ref<R>(
    m: ArcBorrow<'_, Mddev>,
    f: impl FnOnce(&Mddev) -> Result<R>,
) -> Result<R> {
    let g = globals().ok_or(ENODEV)?;
    if !g.get(&m) {
        return Err(EBUSY);
    }
    let r = f(&m);
    g.put(m);
    r
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
            stop_sync(m, st, &conf);
        }
        if let Some(conf) = m.quiesce(st) {
            conf.set_waker(null_mut());
            drop(st.thread.take());
            conf.handle_retries();
            service_sb(m, st, &conf);
            sync_from_conf(st, &conf);
        }
        // __md_stop_writes: a writable array that is not clean on disk is marked
        // clean; one that already is gets no superblock write at all.
        if m.ro() == Ro::Rdwr && !m.in_sync.load(Ordering::SeqCst) {
            update_sb(m, st, true);
            m.in_sync.store(true, Ordering::SeqCst);
        }
        // The array thread is gone: the conf goes with the personality.
        drop(m.running.lock().take());
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
    conf.freeze(0);
    service_sb(m, st, &conf);
    if m.ro() == Ro::Rdwr && !m.in_sync.load(Ordering::SeqCst) {
        mark_clean(m, st, &conf);
    }
    conf.unfreeze();
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
    conf.freeze(0);
    let clean = mark_clean(m, st, &conf);
    conf.unfreeze();
    clean
}

/// With the conf frozen: publishes clean, then backs off if a write has started
/// meanwhile (it either sees `in_sync` and waits for `dirty_work`, or we see it in
/// `writes_pending`), else writes the clean superblocks.
fn mark_clean(m: &Mddev, st: &mut MddevState, conf: &raid1::Conf) -> bool {
    m.in_sync.store(true, Ordering::SeqCst);
    if m.writes_pending.load(Ordering::SeqCst) != 0 {
        m.in_sync.store(false, Ordering::SeqCst);
        return false;
    }
    conf.sb_change.store(true, Ordering::Release);
    service_sb(m, st, conf);
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
        stop_sync(m, st, &conf);
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

/// md_update_sb for a clean or dirty state: every working member gets the
/// array's events, time, resync point and roles, with PREFLUSH|FUA.
/// Returns the members whose superblock write failed (dev_t).
fn write_superblocks(st: &mut MddevState, clean: bool) -> KVec<u32> {
    let mut failed = KVec::new();
    let now = ffi::real_seconds();
    let events = st.events;
    let resync = st.resync_offset;
    let mut members: KVec<super_any::MemberState> = KVec::new();
    for r in st.disks.iter() {
        let m = super_any::MemberState {
            desc_nr: r.desc_nr as u32,
            raid_disk: r.raid_disk,
            in_sync: r.in_sync,
            faulty: r.faulty,
            dev: r.dev,
        };
        if members.push(m, GFP_KERNEL).is_err() {
            md_err!("md: out of memory updating superblocks\n");
            return failed;
        }
    }
    let info = super_any::SyncInfo {
        events,
        utime: now,
        clean,
        resync_offset: resync,
        raid_disks: st.raid_disks,
        members: &members,
    };
    for r in st.disks.iter_mut().filter(|r| !r.faulty) {
        r.sb.sync(r.desc_nr as u32, &info);
        let recovery = (r.raid_disk >= 0 && !r.in_sync).then_some(r.recovery_offset);
        r.sb.set_member(recovery, r.corrected);
        if let Err(e) = r.write_sb() {
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

/// The kernel's dev_t for major:minor (MKDEV).
fn mkdev(major: i32, minor: i32) -> Result<u32> {
    let major = u32::try_from(major).map_err(|_| EINVAL)?;
    let minor = u32::try_from(minor).map_err(|_| EINVAL)?;
    if major >= 1 << 12 || minor >= 1 << 20 {
        return Err(EINVAL);
    }
    Ok((major << 20) | minor)
}

/// ADD_NEW_DISK before the array runs: open, load and check the member, bind it.
fn add_new_disk(m: &Mddev, st: &mut MddevState, info: &ioctl::DiskInfo) -> Result {
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
    let holder = m as *const Mddev as *const core::ffi::c_void;
    let mut rdev = Rdev::import(dev, holder, major, minor)?;
    // On-disk state we would not maintain (a bitmap, a reshape position, a bad-block
    // list): running without it would leave metadata that md later trusts.
    if let Some(what) = rdev.sb.unsupported() {
        md_warn!(
            "md: {}: {} is not supported by this md_mod\n",
            rdev.name(),
            what
        );
        return Err(EINVAL);
    }
    if let Some(first) = st.disks.first() {
        if first.sb.uuid() != rdev.sb.uuid() {
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
    if st.pers.is_some() {
        // A hot add: the member joins as a spare and is recovered. A re-add asking
        // for its old slot must still be current (no bitmap to catch it up).
        let wants_slot = info.state & ioctl::disk_state::SYNC != 0;
        if wants_slot
            && (rdev.sb.events() < st.events
                || rdev.sb.role_of(rdev.desc_nr as u32)
                    != Some(superblock::Role::Active(
                        info.raid_disk.clamp(0, 0xfffd) as u16
                    )))
        {
            return Err(EINVAL);
        }
        if rdev.data_sectors() < st.dev_sectors {
            md_warn!("md: {}: device too small for {}\n", rdev.name(), m.name());
            return Err(ENOSPC);
        }
        rdev.raid_disk = -1;
        rdev.in_sync = false;
        rdev.faulty = false;
    }
    // Room first: once dev-NAME/ exists the rdev must not be dropped under the lock.
    st.disks.reserve(1, GFP_KERNEL)?;
    if let Some(k) = st.kobj.as_ref() {
        rdev.add_kobj(k)?;
    }
    md_debug!("md: bind<{}>\n", rdev.name());
    st.disks.push(rdev, GFP_KERNEL)?;
    m.update_configured(st);
    if let Some(conf) = m.conf() {
        conf.sb_change.store(true, Ordering::Release);
        m.need_check();
    }
    Ok(())
}

/// sync_action `idle`/`frozen`: stop a running sync where it is (checkpointed).
pub(crate) fn interrupt_sync(m: &Mddev, st: &mut MddevState, conf: &raid1::Conf) {
    stop_sync(m, st, conf);
}

/// dev-NAME/state `faulty`.
pub(crate) fn set_disk_faulty_dev(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    set_disk_faulty(m, st, dev)
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
    if let Some(r) = ffi::kvec_remove(&mut st.disks, i) {
        md_debug!("md: unbind<{}>\n", r.name());
        md_debug!("md: export_rdev({})\n", r.name());
        st.deleting.push(r, GFP_KERNEL)?;
    }
    m.update_configured(st);
    Ok(())
}

/// SET_DISK_FAULTY (md_error on a member); EBUSY when it is the last copy.
fn set_disk_faulty(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    let Some(r) = st.disks.iter_mut().find(|r| r.dev == dev) else {
        return Err(ENODEV);
    };
    let Some(conf) = m.conf() else {
        return Err(ENODEV);
    };
    let slotted = usize::try_from(r.raid_disk)
        .ok()
        .and_then(|i| conf.mirrors.get(i).map(|mi| (i, mi)))
        .filter(|(_, mi)| mi.dev.load(Ordering::Acquire) == dev);
    match slotted {
        Some((slot, _)) => {
            if !conf.error(slot) {
                return Err(EBUSY);
            }
        }
        None if !r.faulty => {
            r.faulty = true;
            md_crit!(
                "md/raid1:{}: Disk failure on {}, disabling device.\n",
                m.name(),
                r.name()
            );
            md_crit!(
                "md/raid1:{}: Operation continuing on {} devices.\n",
                m.name(),
                conf.mirrors.len().saturating_sub(conf.degraded())
            );
            conf.sb_change.store(true, Ordering::Release);
            m.need_check();
        }
        None => {}
    }
    r.publish();
    Ok(())
}

/// HOT_REMOVE_DISK and dev-NAME/state `remove`: a spare or failed member leaves
/// the array (closed once the lock is released).
fn hot_remove_disk(m: &Mddev, st: &mut MddevState, dev: u32) -> Result {
    if st.pers.is_none() {
        return Err(ENODEV);
    }
    let Some(i) = st.disks.iter().position(|r| r.dev == dev) else {
        return Err(ENXIO);
    };
    // Room first, so the member always leaves through `deleting`.
    st.deleting.reserve(1, GFP_KERNEL)?;
    if let Some(conf) = m.conf() {
        sync_from_conf(st, &conf);
        // A failed member still in its slot leaves it now (remove_and_add_spares).
        let slot = st
            .disks
            .get(i)
            .and_then(|r| (r.faulty && r.raid_disk >= 0).then_some(r.raid_disk as usize));
        if let Some(slot) = slot {
            if st.sync_thread.is_none() {
                conf.uninstall(slot);
                if let Some(r) = st.disks.get_mut(i) {
                    r.raid_disk = -1;
                    if let Some(k) = st.kobj.as_ref() {
                        r.set_rd_link(k, false);
                    }
                }
            }
        }
    }
    let Some(r) = st.disks.get(i) else {
        return Err(ENXIO);
    };
    if r.raid_disk >= 0 {
        md_warn!(
            "md: cannot remove active disk {} from {} ...\n",
            r.name(),
            m.name()
        );
        return Err(EBUSY);
    }
    let Some(r) = ffi::kvec_remove(&mut st.disks, i) else {
        return Err(ENXIO);
    };
    md_debug!("md: unbind<{}>\n", r.name());
    md_debug!("md: export_rdev({})\n", r.name());
    st.deleting.push(r, GFP_KERNEL)?;
    if let Some(conf) = m.conf() {
        conf.sb_change.store(true, Ordering::Release);
        m.need_check();
    } else if st.pers.is_some() {
        update_sb(m, st, m.in_sync.load(Ordering::SeqCst));
    }
    m.update_configured(st);
    Ok(())
}

/// RUN_ARRAY (do_md_run): geometry and roles from the freshest superblock,
/// raid1 conf, queue limits, capacity.
pub(crate) fn do_md_run(m: &Mddev, st: &mut MddevState) -> Result {
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    if st.disks.is_empty() {
        return Err(EINVAL);
    }
    let fresh = st.disks.iter().map(|r| r.sb.events()).max().unwrap_or(0);
    // Kick members whose events are more than one behind the freshest.
    let mut i = 0;
    while i < st.disks.len() {
        let stale = st
            .disks
            .get(i)
            .is_some_and(|r| r.sb.events().saturating_add(1) < fresh);
        if stale {
            // Its dev-NAME/ goes once the lock is released (a store there may be
            // waiting for the lock).
            st.deleting.reserve(1, GFP_KERNEL)?;
            let r = ffi::kvec_remove(&mut st.disks, i);
            if let Some(r) = r {
                md_warn!("md: kicking non-fresh {} from array!\n", r.name());
                md_debug!("md: unbind<{}>\n", r.name());
                md_debug!("md: export_rdev({})\n", r.name());
                let _ = st.deleting.push(r, GFP_KERNEL);
            }
        } else {
            i += 1;
        }
    }
    let Some(freshest) = st.disks.iter().find(|r| r.sb.events() == fresh) else {
        return Err(EINVAL);
    };
    let level = freshest.sb.level();
    let Some(g) = globals() else {
        return Err(ENODEV);
    };
    let Some(pers) = g.pers.find(level) else {
        md_warn!("md: personality for level {} is not loaded!\n", level);
        return Err(EINVAL);
    };
    let raid_disks = freshest.sb.raid_disks();
    if raid_disks == 0 || raid_disks > 1920 {
        return Err(EINVAL);
    }
    let dev_sectors = freshest.sb.size_sectors();
    let (ctime, utime, layout, chunk, resync) = (
        freshest.sb.ctime(),
        freshest.sb.utime(),
        freshest.sb.layout(),
        freshest.sb.chunk_sectors(),
        freshest.sb.resync_offset(),
    );
    let mut roles: KVec<Option<superblock::Role>> = KVec::new();
    for r in st.disks.iter() {
        roles.push(freshest.sb.role_of(r.desc_nr as u32), GFP_KERNEL)?;
    }
    for (r, role) in st.disks.iter_mut().zip(roles.iter()) {
        r.set_role_from(*role, raid_disks);
        if r.raid_disk >= 0 && r.data_sectors() < dev_sectors {
            md_warn!("md: {}: device too small for {}\n", r.name(), m.name());
            r.raid_disk = -1;
            r.in_sync = false;
        }
    }
    if raid_disks as usize > raid1::MAX_MIRRORS {
        md_err!(
            "md/raid1:{}: {} mirrors: at most {} are supported\n",
            m.name(),
            raid_disks,
            raid1::MAX_MIRRORS
        );
        return Err(EINVAL);
    }
    let mut members = KVec::new();
    // The limits stack every member, spares too (raid1_set_limits walks all rdevs).
    let mut files = KVec::new();
    let mut offsets = KVec::new();
    for r in st.disks.iter() {
        files.push(r.file.as_ptr(), GFP_KERNEL)?;
        offsets.push(r.sb.data_offset(), GFP_KERNEL)?;
    }
    let mut working = 0u32;
    for slot in 0..raid_disks as i32 {
        let mut claim = st.disks.iter().filter(|r| r.raid_disk == slot);
        let Some(r) = claim.next() else {
            continue;
        };
        if claim.next().is_some() {
            // Two members for one slot (raid1_add_conf finds it taken): setup_conf
            // refuses the array.
            md_warn!("md: pers->run() failed ...\n");
            return Err(EINVAL);
        }
        if r.in_sync {
            working += 1;
        }
        members.push(
            (
                slot as usize,
                raid1::MemberInit {
                    // The rdev keeps the file open until the member leaves the conf.
                    file: r.file.as_ptr(),
                    data_offset: r.sb.data_offset(),
                    in_sync: r.in_sync,
                    recovery_offset: r.recovery_offset,
                    dev: r.dev,
                    corrected: r.corrected,
                    write_error: r.write_error,
                },
            ),
            GFP_KERNEL,
        )?;
    }
    if working == 0 {
        md_err!("md/raid1:{}: no operational mirrors\n", m.name());
        return Err(EIO);
    }
    // One working mirror has nothing to resync with (raid1_run).
    let resync = if working == 1 {
        superblock::MAX_SECTOR
    } else {
        resync
    };
    m.disk.set_limits(&files, &offsets)?;
    let conf = Arc::new(
        raid1::Conf::new(m, raid_disks as usize, &members, resync)?,
        GFP_KERNEL,
    )?;
    let me = globals()
        .and_then(|g| g.all.lock().find(m.minor).cloned())
        .ok_or(ENODEV)?;
    let tname = CString::try_from_fmt(fmt!("{}_raid1", m.name()))?;
    let thread = Thread::start(me, 0, &tname)?;
    conf.set_waker(thread.waker());
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
    st.resync_offset = resync;
    st.pers = Some(pers);
    sysfs::on_run(m, st);
    if let Some(k) = st.kobj.as_ref() {
        for r in st.disks.iter_mut() {
            r.publish();
            r.set_rd_link(k, true);
        }
    }
    // md_run: clean until the first write, whether or not a resync is pending (that
    // is tracked apart, in resync_offset), so an idle resyncing array reads `clean`.
    m.in_sync.store(true, Ordering::SeqCst);
    if ffi::start_readonly() != 0 && m.ro() == Ro::Rdwr {
        m.set_ro(Ro::AutoRead);
    }
    *m.running.lock() = Some(conf.clone());
    *m.io.lock() = Some(conf);
    m.update_configured(st);
    if resync != superblock::MAX_SECTOR {
        md_info!(
            "md/raid1:{}: not clean -- starting background reconstruction\n",
            m.name()
        );
    }
    md_info!(
        "md/raid1:{}: active with {} out of {} mirrors\n",
        m.name(),
        working,
        raid_disks
    );
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
    let _noio = ffi::NoIo::enter();
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
        ffi::msleep(1000);
    }
}

/// Writes /proc/mdstat.
pub(crate) fn mdstat_show(out: &mut ffi::SeqFile) {
    let Some(g) = globals() else { return };
    let _ = g
        .pers
        .with_names(|names| mdstat::write_personalities(out, names));
    // Snapshot the arrays, then list them newest first as md does.
    let mut arrays: KVec<Arc<Mddev>> = KVec::new();
    {
        let all = g.all.lock();
        for m in all.iter() {
            if arrays.push(m.clone(), GFP_KERNEL).is_err() {
                break;
            }
        }
    }
    let mut below = u64::MAX;
    while let Some(m) = arrays
        .iter()
        .filter(|m| m.seq < below)
        .max_by_key(|m| m.seq)
    {
        below = m.seq;
        let st = m.state.lock();
        let metadata = if st.persistent {
            mdstat::Metadata::Persistent {
                major: st.major_version as u32,
                minor: st.minor_version as u32,
            }
        } else {
            mdstat::Metadata::NonPersistent
        };
        // Members newest first, as md lists them; a fixed window keeps this allocation-free.
        let mut members = [mdstat::Member {
            name: "",
            desc_nr: 0,
            flags: mdstat::MemberFlags::default(),
            sectors: 0,
        }; 32];
        let mut n = 0;
        for (slot, r) in members.iter_mut().zip(st.disks.iter().rev()) {
            *slot = mdstat::Member {
                name: r.name(),
                desc_nr: r.desc_nr,
                flags: mdstat::MemberFlags {
                    faulty: r.faulty || m.member_faulty(r),
                    spare: r.raid_disk < 0,
                    ..Default::default()
                },
                sectors: r.data_sectors(),
            };
            n += 1;
        }
        let mut in_sync = [false; 32];
        for r in st.disks.iter() {
            if let Some(s) = usize::try_from(r.raid_disk)
                .ok()
                .and_then(|i| in_sync.get_mut(i))
            {
                *s = r.in_sync && !r.faulty;
            }
        }
        let slots = (st.raid_disks as usize).min(in_sync.len());
        let conf = m.conf();
        if let Some(c) = &conf {
            for (s, mi) in in_sync.iter_mut().zip(c.mirrors.iter()) {
                *s = mi.active();
            }
        }
        let sync = match (m.sync.running(), &conf) {
            (Some(action), _) => {
                let curr = m.sync.curr.load(Ordering::Acquire);
                let mark_cnt = m.sync.mark_cnt.load(Ordering::Acquire);
                Some(mdstat::SyncLine::Progress(resync::Progress {
                    action,
                    done: curr,
                    total: m.sync.max.load(Ordering::Acquire),
                    since_mark_ms: ffi::now_ms()
                        .saturating_sub(m.sync.mark_ms.load(Ordering::Acquire)),
                    since_mark_sectors: curr.saturating_sub(mark_cnt),
                }))
            }
            (None, Some(c)) if c.resync_cp.load(Ordering::Acquire) < superblock::MAX_SECTOR => {
                Some(mdstat::SyncLine::Pending)
            }
            _ => None,
        };
        let running = st.pers.map(|p| mdstat::Running {
            personality: p.name,
            broken: false,
            read_only: m.ro() == Ro::Rdonly,
            auto_read_only: m.ro() == Ro::AutoRead,
            array_sectors: st.dev_sectors,
            raid_disks: st.raid_disks,
            in_sync: in_sync.get(..slots).unwrap_or(&[]),
            sync,
        });
        let status = mdstat::ArrayStatus {
            name: m.name(),
            members: members.get(..n).unwrap_or(&[]),
            running,
            metadata,
            raid_disks: st.raid_disks,
        };
        let _ = mdstat::write_array(out, &status);
    }
    let _ = mdstat::write_unused(out, &[]);
}

fn copy_to_user(arg: usize, data: &[u8]) -> Result {
    UserSlice::new(arg, data.len()).writer().write_slice(data)
}

fn copy_from_user<const N: usize>(arg: usize) -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    UserSlice::new(arg, N).reader().read_slice(&mut buf)?;
    Ok(buf)
}

/// md_ioctl: the control interface mdadm drives.
pub(crate) fn md_ioctl(m: ArcBorrow<'_, Mddev>, raw: u32, arg: usize, admin: bool) -> Result {
    let cmd = Cmd::from_raw(raw).filter(|c| c.known()).ok_or(ENOTTY)?;
    if !cmd.unprivileged() && !admin {
        return Err(EACCES);
    }
    // What runs under the state lock must not reclaim into this array's writes,
    // which may wait for that lock (md's reconfiguring paths run memalloc_noio).
    let _noio = ffi::NoIo::enter();
    match cmd {
        Cmd::RaidVersion => return copy_to_user(arg, &ioctl::encode_version()),
        Cmd::GetArrayInfo => {
            let info = {
                let st = m.state.lock();
                if st.raid_disks == 0 {
                    return Err(ENODEV);
                }
                array_info(&m, &st)
            };
            return copy_to_user(arg, &info.encode());
        }
        Cmd::GetDiskInfo => {
            let mut info = ioctl::DiskInfo::decode(&copy_from_user(arg)?);
            {
                let st = m.state.lock();
                if st.raid_disks == 0 {
                    return Err(ENODEV);
                }
                disk_info(&st, &mut info);
            }
            return copy_to_user(arg, &info.encode());
        }
        Cmd::SetDiskFaulty => {
            let (major, minor) = ioctl::decode_dev(arg as u64);
            let dev = mkdev(major as i32, minor as i32)?;
            let mut st = m.state.lock();
            return set_disk_faulty(&m, &mut st, dev);
        }
        Cmd::GetBitmapFile => {
            // No bitmap file: an empty path.
            let zero = [0u8; 256];
            for off in (0..ioctl::BITMAP_FILE_SIZE).step_by(zero.len()) {
                copy_to_user(arg.checked_add(off).ok_or(EFAULT)?, &zero)?;
            }
            return Ok(());
        }
        _ => {}
    }

    if cmd == Cmd::StopArray || cmd == Cmd::StopArrayRo {
        // No opener but us, and none new while stopping (md's MD_CLOSING).
        set_closing(&m, 1)?;
    }
    let mut st = m.state.lock();
    let r = ioctl_locked(&m, &mut st, cmd, arg);
    if !matches!(r, Err(e) if e == EINVAL) {
        m.release_open_hold();
    }
    drop(st);
    // A stopped array stays closed until it is freed; read-only or failed, it reopens.
    if cmd == Cmd::StopArrayRo || (r.is_err() && cmd == Cmd::StopArray) {
        m.closing.store(false, Ordering::Relaxed);
    }
    r
}

fn ioctl_locked(m: &Mddev, st: &mut MddevState, cmd: Cmd, arg: usize) -> Result {
    if cmd == Cmd::SetArrayInfo {
        // md treats a NULL argument as an all-zero structure.
        let info = if arg == 0 {
            ioctl::ArrayInfo::default()
        } else {
            ioctl::ArrayInfo::decode(&copy_from_user(arg)?)
        };
        if st.pers.is_some() {
            md_warn!("md: couldn't update array info. {}\n", EINVAL.to_errno());
            return Err(EINVAL);
        }
        if st.raid_disks != 0 {
            md_warn!("md: array {} already initialised!\n", m.name());
            return Err(EBUSY);
        }
        if !info.is_version_only() {
            // Creating an array from SET_ARRAY_INFO alone (no superblocks) is md's legacy
            // non-persistent path; it is not supported.
            md_warn!("md: couldn't set array info. {}\n", EINVAL.to_errno());
            return Err(EINVAL);
        }
        if !(0..=1).contains(&info.major_version) {
            md_warn!("md: superblock version {} not known\n", info.major_version);
            md_warn!("md: couldn't set array info. {}\n", EINVAL.to_errno());
            return Err(EINVAL);
        }
        st.major_version = info.major_version;
        st.minor_version = info.minor_version;
        st.patch_version = info.patch_version;
        st.persistent = info.not_persistent == 0;
        // As md: some minimal configuration, so the array is not deleted at last close.
        st.ctime = ffi::real_seconds();
        m.update_configured(st);
        return Ok(());
    }
    if st.raid_disks == 0 && !cmd.allowed_unconfigured() {
        return Err(ENODEV);
    }
    match cmd {
        Cmd::StopArray => do_md_stop(m, st, true, 1),
        Cmd::StopArrayRo => md_set_readonly(m, st, 1),
        Cmd::RestartArrayRw => restart_array(m, st),
        Cmd::RunArray => do_md_run(m, st),
        // Everything else changes the array: a read-auto array turns read-write
        // first, a read-only one refuses.
        _ if st.pers.is_some() && m.ro() == Ro::Rdonly => Err(EROFS),
        Cmd::AddNewDisk => {
            let mut info = ioctl::DiskInfo::decode(&copy_from_user(arg)?);
            if st.pers.is_some() && info.state & ioctl::disk_state::SYNC == 0 {
                info.raid_disk = -1;
            }
            add_new_disk(m, st, &info)
        }
        Cmd::HotRemoveDisk => {
            let (major, minor) = ioctl::decode_dev(arg as u64);
            hot_remove_disk(m, st, mkdev(major as i32, minor as i32)?)
        }
        Cmd::HotAddDisk => Err(ENODEV),
        _ => Err(EINVAL),
    }
}

/// GET_ARRAY_INFO's answer from the array's state.
fn array_info(m: &Mddev, st: &MddevState) -> ioctl::ArrayInfo {
    let kib = st.dev_sectors / 2;
    let (mut active, mut working, mut failed, mut spare) = (0, 0, 0, 0);
    for r in st.disks.iter() {
        if r.faulty {
            failed += 1;
            continue;
        }
        working += 1;
        if r.in_sync {
            active += 1;
        } else {
            spare += 1;
        }
    }
    ioctl::ArrayInfo {
        major_version: st.major_version,
        minor_version: st.minor_version,
        patch_version: st.patch_version,
        ctime: st.ctime as u32,
        level: st.level,
        size: i32::try_from(kib).unwrap_or(-1),
        nr_disks: st.disks.len() as i32,
        raid_disks: st.raid_disks as i32,
        md_minor: m.minor as i32,
        not_persistent: i32::from(!st.persistent),
        utime: st.utime as u32,
        // Bit 0: clean (the superblocks say so).
        state: i32::from(m.in_sync.load(Ordering::SeqCst)),
        active_disks: active,
        working_disks: working,
        failed_disks: failed,
        spare_disks: spare,
        layout: st.layout,
        chunk_size: (st.chunk_sectors as i32).saturating_mul(512),
    }
}

/// GET_DISK_INFO: the member with descriptor `info.number`, or an empty slot.
fn disk_info(st: &MddevState, info: &mut ioctl::DiskInfo) {
    use ioctl::disk_state::*;
    match st.disks.iter().find(|r| r.desc_nr == info.number) {
        Some(r) => {
            info.major = (r.dev >> 20) as i32;
            info.minor = (r.dev & ((1 << 20) - 1)) as i32;
            info.raid_disk = r.raid_disk;
            info.state = 0;
            if r.faulty {
                info.state |= FAULTY;
            } else if r.in_sync {
                info.state |= ACTIVE | SYNC;
            }
        }
        None => {
            info.major = 0;
            info.minor = 0;
            info.raid_disk = -1;
            info.state = REMOVED;
        }
    }
}

/// The loaded module: everything md_init sets up, undone in reverse on drop.
struct MdModule {
    globals: Pin<KBox<Globals>>,
    raid1: bool,
    bioset: bool,
    major: bool,
    sysctl: bool,
    mdstat: bool,
    reboot: bool,
}

impl kernel::Module for MdModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let globals = KBox::try_pin_init(Globals::new()?, GFP_KERNEL)?;
        globals.pers.register(&raid1::RAID1)?;
        GLOBALS.store(
            &*globals as *const Globals as *mut Globals,
            Ordering::Release,
        );
        let mut this = MdModule {
            globals,
            raid1: false,
            bioset: false,
            major: false,
            sysctl: false,
            mdstat: false,
            reboot: false,
        };
        // Each step is undone by `drop` if a later one fails.
        raid1::init()?;
        this.raid1 = true;
        ffi::bioset_init()?;
        this.bioset = true;
        ffi::register_major()?;
        this.major = true;
        ffi::sysctl_register()?;
        this.sysctl = true;
        ffi::mdstat_register()?;
        this.mdstat = true;
        ffi::reboot_register()?;
        this.reboot = true;
        Ok(this)
    }
}

impl Drop for MdModule {
    fn drop(&mut self) {
        UNLOADING.store(true, Ordering::Release);
        // Parameter writes in progress finish; later ones see `UNLOADING`.
        ffi::params_quiesce();
        if self.reboot {
            ffi::reboot_unregister();
        }
        if self.major {
            ffi::unregister_major();
        }
        if self.sysctl {
            ffi::sysctl_unregister();
        }
        if self.mdstat {
            ffi::mdstat_unregister();
        }
        // Nobody holds an array open (that pins the module). An array is configured
        // only if a sysfs write raced with the start of the unload (its module_get
        // failed): as md_exit, stop and clear every array, then delete it. Sysfs writes
        // that take the lock after us see `UNLOADING` and change nothing.
        let g = &*self.globals;
        let mut held: KVec<Arc<Mddev>> = KVec::new();
        {
            let all = g.all.lock();
            for m in all.iter() {
                if !m.deleted.load(Ordering::Relaxed) && held.push(m.clone(), GFP_KERNEL).is_err() {
                    md_err!("md: out of memory deleting {} at unload\n", m.name());
                }
            }
        }
        for m in held.iter() {
            if g.get(m) {
                {
                    let mut st = m.state.lock();
                    if st.pers.is_some() {
                        let _ = do_md_stop(m, &mut st, true, 0);
                    }
                    if st.configured() {
                        st.clean();
                    }
                    m.update_configured(&mut st);
                }
                m.set_hold(Hold::Nothing);
                g.put(m.as_arc_borrow());
            }
        }
        drop(held);
        g.md_misc_wq.flush();
        if self.bioset {
            ffi::bioset_exit();
        }
        if self.raid1 {
            raid1::exit();
        }
        GLOBALS.store(null_mut(), Ordering::Release);
    }
}
