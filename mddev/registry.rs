// SPDX-License-Identifier: GPL-2.0
//! All arrays (md's all_mddevs): creation by probe and by name, the references
//! openers and callbacks hold, and deletion of an unused array.

use super::*;

/// Largest minor number (MINORMASK).
pub(crate) const MINOR_MAX: u32 = (1 << 20) - 1;
/// Arrays created by name get minors from here on; the probe ignores them.
pub(crate) const NAMED_MINOR_BASE: u32 = 512;
/// DISK_NAME_LEN.
pub(crate) const DISK_NAME_LEN: usize = 32;

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

/// All arrays (md's all_mddevs) and the next minor for named arrays.
pub(crate) struct Registry {
    pub(crate) slots: KVec<Option<Arc<Mddev>>>,
    pub(crate) next_minor: u32,
}

impl Registry {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<Mddev>> {
        self.slots.iter().flatten()
    }

    pub(crate) fn find(&self, minor: u32) -> Option<&Arc<Mddev>> {
        self.iter().find(|m| m.minor == minor)
    }

    pub(crate) fn name_taken(&self, name: &[u8]) -> bool {
        self.iter().any(|m| m.name.as_bytes() == name)
    }

    /// md's mddev_alloc_unit: the next free minor from 512, wrapping.
    pub(crate) fn alloc_minor(&mut self) -> Result<u32> {
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

    pub(crate) fn insert(&mut self, m: Arc<Mddev>) -> Result {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.is_none()) {
            *slot = Some(m);
            return Ok(());
        }
        self.slots.push(Some(m), GFP_KERNEL)?;
        Ok(())
    }

    pub(crate) fn remove(&mut self, minor: u32) -> Option<Arc<Mddev>> {
        self.slots
            .iter_mut()
            .find(|s| s.as_ref().is_some_and(|m| m.minor == minor))
            .and_then(Option::take)
    }
}

/// Module-wide state, pinned for the module's lifetime.
#[pin_data]
pub(crate) struct Globals {
    /// Serialises array creation (md's disks_mutex).
    #[pin]
    pub(crate) disks_mutex: Mutex<()>,
    #[pin]
    pub(crate) all: Mutex<Registry>,
    #[pin]
    pub(crate) pers: personality::Registry,
    pub(crate) md_wq: WorkQueue,
    pub(crate) md_misc_wq: WorkQueue,
    /// Safe-mode workers wait out idle time here, so that flushing `md_misc` (array
    /// creation waits for deletions) never waits for another array's writes to stop.
    pub(crate) md_safemode_wq: WorkQueue,
    /// Bitmap page writes that array writes wait for (md's md_bitmap_wq): apart
    /// from `md`, whose superblock updates may wait for those writes.
    pub(crate) md_bitmap_wq: WorkQueue,
}

/// Set while the module is loaded; callbacks from C reach the globals through it.
pub(crate) static GLOBALS: AtomicPtr<Globals> = AtomicPtr::new(null_mut());
/// Set at unload, before module parameter writes are drained.
pub(crate) static UNLOADING: AtomicBool = AtomicBool::new(false);
pub(crate) static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

/// The module is being unloaded: sysfs writes must not configure an array any more
/// (checked under the array's lock, which the unload takes after setting it).
pub(crate) fn unloading() -> bool {
    UNLOADING.load(Ordering::Acquire)
}

pub(crate) fn globals() -> Option<&'static Globals> {
    let p = GLOBALS.load(Ordering::Acquire);
    // SAFETY: `GLOBALS` points into the module's pinned `Globals` from before the first
    // callback can run until after the last one has finished (see `MdModule::drop`).
    unsafe { p.as_ref() }
}

impl Globals {
    pub(crate) fn new() -> Result<impl PinInit<Self, Error>> {
        let md_wq = WorkQueue::new(c_str!("md"), true)?;
        let md_misc_wq = WorkQueue::new(c_str!("md_misc"), false)?;
        let md_safemode_wq = WorkQueue::new(c_str!("md_safemode"), false)?;
        let md_bitmap_wq = WorkQueue::new(c_str!("md_bitmap"), true)?;
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
            md_bitmap_wq,
        }? Error))
    }

    /// md's mddev_get: a new reference, unless deletion is under way.
    pub(crate) fn get(&self, m: &Mddev) -> bool {
        let _all = self.all.lock();
        if m.deleted.load(Ordering::Relaxed) {
            return false;
        }
        m.active.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// md's mddev_put: the last reference to an unconfigured, unheld array deletes it.
    pub(crate) fn put(&self, m: ArcBorrow<'_, Mddev>) {
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
    pub(crate) fn alloc(&self, minor: Option<u32>, name: Option<&[u8]>) -> Result<Arc<Mddev>> {
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
            None => sys::gendisk::disk_name(minor)?,
        };
        let disk = Disk::alloc(minor, &name)?;
        let sb_wait = sys::wait::WaitQ::new()?;
        let mddev = Arc::pin_init(
            Mddev::new(minor, name, seq, disk, hold, sb_wait),
            GFP_KERNEL,
        )?;
        self.all.lock().insert(mddev.clone())?;

        let foreign = <Arc<Mddev> as kernel::types::ForeignOwnable>::into_foreign(mddev.clone());
        // SAFETY: `foreign` is the `Arc<Mddev>` the `rust_md_*` disk callbacks borrow,
        // held until free_disk takes it back.
        unsafe { mddev.disk.set_private(foreign) };
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
        // SAFETY: `foreign` is the reference the callbacks borrow; it outlives the kobject.
        match unsafe { MdKobj::add(&mddev.disk, foreign) } {
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
pub(crate) struct BStrDisplay<'a>(&'a [u8]);

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
    if minor >= NAMED_MINOR_BASE || !sys::module::create_on_open() {
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
