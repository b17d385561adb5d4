// SPDX-License-Identifier: GPL-2.0
//! md_mod: the md software-RAID core in Rust.
//!
//! Module start mirrors md_init: the `md` and `md_misc` workqueues, major 9
//! with a probe that creates an array when /dev/mdN is first opened, the
//! personality registry (raid1), the `dev.raid` sysctls and /proc/mdstat.
//! An mddev lives as md's does: held by its openers and by a configured
//! array; a node made by opening it stays until its first ioctl or
//! array_state write; an unconfigured one is deleted at last close.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering};

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, ArcBorrow, Mutex};
use kernel::uaccess::UserSlice;
use kernel::{c_str, fmt, new_mutex, new_work};

mod bio;
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
#[allow(dead_code)]
mod superblock;
mod sysfs;
mod workqueue;

use gendisk::{Disk, MdKobj};
use ioctl::Cmd;
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
    /// /sys/block/mdN/md/; taken out before the disk is deleted.
    kobj: Option<MdKobj>,
    /// Whether this array holds a reference on the module (while configured).
    module_ref: bool,
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
            kobj: None,
            module_ref: false,
        }
    }

    /// md's test in `__mddev_put`: an array with any of these is kept.
    fn configured(&self) -> bool {
        self.raid_disks != 0 || self.ctime != 0 || self.pers.is_some()
    }

    /// Forgets the configuration (md_clean).
    fn clean(&mut self) {
        let kobj = self.kobj.take();
        let module_ref = self.module_ref;
        *self = MddevState::new();
        self.kobj = kobj;
        self.module_ref = module_ref;
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
    state: Mutex<MddevState>,
    /// References from openers and callbacks in progress; changed under `Globals::all`.
    active: AtomicU32,
    openers: AtomicU32,
    hold: AtomicU8,
    /// Set once deletion is queued; no new references are taken after it.
    deleted: AtomicBool,
    /// Mirror of `MddevState::configured`, readable under `Globals::all`.
    configured: AtomicBool,
    #[pin]
    del_work: kernel::workqueue::Work<Mddev>,
}

kernel::workqueue::impl_has_work! {
    impl HasWork<Self> for Mddev { self.del_work }
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
    fn new(minor: u32, name: CString, seq: u64, disk: Disk, hold: Hold) -> impl PinInit<Self> {
        pin_init!(Mddev {
            minor,
            name,
            seq,
            disk,
            state <- new_mutex!(MddevState::new(), "md:reconfig_mutex"),
            active: AtomicU32::new(1),
            openers: AtomicU32::new(0),
            hold: AtomicU8::new(hold as u8),
            deleted: AtomicBool::new(false),
            configured: AtomicBool::new(false),
            del_work <- new_work!("md:del_work"),
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
            st.module_ref = ffi_module_get();
        } else if !now && st.module_ref {
            ffi_module_put();
            st.module_ref = false;
        }
        self.configured.store(now, Ordering::Relaxed);
    }

    /// Block I/O entry (md_submit_bio): nothing runs yet, so every bio fails.
    pub(crate) fn submit_bio(&self, bio: bio::Bio) {
        bio.io_error();
    }
}

fn ffi_module_get() -> bool {
    // SAFETY: Takes a reference on this module; no preconditions.
    unsafe { ffi::rmd_module_get() }
}

fn ffi_module_put() {
    // SAFETY: Drops a reference taken by `ffi_module_get`.
    unsafe { ffi::rmd_module_put() }
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
}

/// Set while the module is loaded; callbacks from C reach the globals through it.
static GLOBALS: AtomicPtr<Globals> = AtomicPtr::new(null_mut());
/// Set at unload, before module parameter writes are drained.
static UNLOADING: AtomicBool = AtomicBool::new(false);
static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

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
        Ok(try_pin_init!(Globals {
            disks_mutex <- new_mutex!((), "md:disks_mutex"),
            all <- new_mutex!(
                Registry { slots: KVec::new(), next_minor: NAMED_MINOR_BASE },
                "md:all_mddevs"
            ),
            pers <- personality::Registry::new(),
            md_wq,
            md_misc_wq,
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
        let _ = self.md_misc_wq.enqueue(Arc::from(m));
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
        let mddev = Arc::pin_init(Mddev::new(minor, name, seq, disk, hold), GFP_KERNEL)?;
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
    m.openers.fetch_add(1, Ordering::Relaxed);
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
pub(crate) fn do_md_stop(m: &Mddev, st: &mut MddevState, final_stop: bool) -> Result {
    if final_stop {
        md_info!("md: {} stopped.\n", m.name());
        st.clean();
        if m.hold() == Hold::UntilStop {
            m.set_hold(Hold::Nothing);
        }
        m.update_configured(st);
    }
    Ok(())
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
        let status = mdstat::ArrayStatus {
            name: m.name(),
            members: &[],
            running: None,
            metadata,
            raid_disks: st.raid_disks,
        };
        let _ = mdstat::write_array(out, &status);
    }
    let _ = mdstat::write_unused(out, &[]);
}

/// Wall-clock seconds (ktime_get_real_seconds).
fn real_seconds() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let t = unsafe { kernel::bindings::ktime_get_real_seconds() };
    u64::try_from(t).unwrap_or(0)
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
            if m.state.lock().raid_disks == 0 {
                return Err(ENODEV);
            }
            let mut info = ioctl::DiskInfo::decode(&copy_from_user(arg)?);
            // No members are bound yet: every number is an empty slot.
            info.major = 0;
            info.minor = 0;
            info.raid_disk = -1;
            info.state = ioctl::disk_state::REMOVED;
            return copy_to_user(arg, &info.encode());
        }
        Cmd::SetDiskFaulty => {
            let (major, minor) = ioctl::decode_dev(arg as u64);
            md_debug!("md: {}: no member {}:{} to fail\n", m.name(), major, minor);
            return Err(ENODEV);
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

    let mut st = m.state.lock();
    let r = ioctl_locked(&m, &mut st, cmd, arg);
    if !matches!(r, Err(e) if e == EINVAL) {
        m.release_open_hold();
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
        st.ctime = real_seconds();
        m.update_configured(st);
        return Ok(());
    }
    if st.raid_disks == 0 && !cmd.allowed_unconfigured() {
        return Err(ENODEV);
    }
    match cmd {
        Cmd::StopArray => do_md_stop(m, st, true),
        Cmd::StopArrayRo => Ok(()),
        Cmd::RestartArrayRw => Err(EINVAL),
        Cmd::RunArray => {
            // No member is bound, so there is nothing to run (md_run's first check).
            Err(EINVAL)
        }
        Cmd::AddNewDisk => {
            md_warn!(
                "md: {}: adding members is not supported by this md_mod yet\n",
                m.name()
            );
            Err(Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32)))
        }
        Cmd::HotRemoveDisk => Err(ENXIO),
        Cmd::HotAddDisk => Err(ENODEV),
        _ => Err(EINVAL),
    }
}

/// GET_ARRAY_INFO's answer from the array's state.
fn array_info(m: &Mddev, st: &MddevState) -> ioctl::ArrayInfo {
    let kib = st.dev_sectors / 2;
    ioctl::ArrayInfo {
        major_version: st.major_version,
        minor_version: st.minor_version,
        patch_version: st.patch_version,
        ctime: st.ctime as u32,
        level: st.level,
        size: i32::try_from(kib).unwrap_or(-1),
        nr_disks: 0,
        raid_disks: st.raid_disks as i32,
        md_minor: m.minor as i32,
        not_persistent: i32::from(!st.persistent),
        utime: st.utime as u32,
        state: 0,
        active_disks: 0,
        working_disks: 0,
        failed_disks: 0,
        spare_disks: 0,
        layout: st.layout,
        chunk_size: (st.chunk_sectors as i32).saturating_mul(512),
    }
}

/// The loaded module: everything md_init sets up, undone in reverse on drop.
struct MdModule {
    globals: Pin<KBox<Globals>>,
    major: bool,
    sysctl: bool,
    mdstat: bool,
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
            major: false,
            sysctl: false,
            mdstat: false,
        };
        // Each step is undone by `drop` if a later one fails.
        // SAFETY: Registers major 9 with our probe; undone in `drop`.
        ffi::to_result(unsafe { ffi::rmd_register_major() })?;
        this.major = true;
        // SAFETY: Registers the dev.raid table; undone in `drop`.
        ffi::to_result(unsafe { ffi::rmd_sysctl_register() })?;
        this.sysctl = true;
        // SAFETY: Creates /proc/mdstat; undone in `drop`.
        ffi::to_result(unsafe { ffi::rmd_mdstat_register() })?;
        this.mdstat = true;
        Ok(this)
    }
}

impl Drop for MdModule {
    fn drop(&mut self) {
        UNLOADING.store(true, Ordering::Release);
        // SAFETY: Waits for parameter writes in progress; they now see `UNLOADING`.
        unsafe { ffi::rmd_params_quiesce() };
        if self.major {
            // SAFETY: Registered in `init`; waits for a probe in progress.
            unsafe { ffi::rmd_unregister_major() };
        }
        if self.sysctl {
            // SAFETY: Registered in `init`.
            unsafe { ffi::rmd_sysctl_unregister() };
        }
        if self.mdstat {
            // SAFETY: Registered in `init`; waits for readers in progress.
            unsafe { ffi::rmd_mdstat_unregister() };
        }
        // Nobody holds an array open (that pins the module) and none is configured
        // (that pins it too): delete the ones kept by `hold`, as md_exit does.
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
                m.set_hold(Hold::Nothing);
                g.put(m.as_arc_borrow());
            }
        }
        drop(held);
        g.md_misc_wq.flush();
        GLOBALS.store(null_mut(), Ordering::Release);
    }
}
