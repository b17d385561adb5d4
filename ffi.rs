// SPDX-License-Identifier: GPL-2.0
//! The boundary with helpers.c: its functions, declared once, and the
//! `rust_md_*` entry points it calls, which turn raw pointers into the safe
//! types md_core.rs works with. All FFI `unsafe` of the crate lives here and
//! in the thin wrappers (gendisk.rs, workqueue.rs).

use core::ffi::c_void;
use core::fmt;

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::ForeignOwnable;

use crate::Mddev;

/// `struct rmd_rdev_kobj` of helpers.c: the dev-NAME/ kobject of one member.
#[repr(C)]
pub(crate) struct RmdRdevKobj {
    _opaque: [u8; 0],
}

/// `struct rmd_kobj` of helpers.c: the md/ kobject of one array.
#[repr(C)]
pub(crate) struct RmdKobj {
    _opaque: [u8; 0],
}

// Only pointers to these C structs cross the boundary; their layout is not used.
#[allow(improper_ctypes)]
extern "C" {
    pub(crate) fn rmd_create_on_open() -> bool;
    pub(crate) fn rmd_start_readonly() -> c_uint;
    #[allow(dead_code)]
    pub(crate) fn rmd_start_dirty_degraded() -> c_int;
    pub(crate) fn rmd_sysctl_register() -> c_int;
    pub(crate) fn rmd_sysctl_unregister();
    pub(crate) fn rmd_speed_limit_min() -> c_int;
    pub(crate) fn rmd_speed_limit_max() -> c_int;
    pub(crate) fn rmd_mdstat_register() -> c_int;
    pub(crate) fn rmd_mdstat_unregister();
    pub(crate) fn rmd_seq_write(seq: *mut bindings::seq_file, data: *const c_char, len: usize);
    pub(crate) fn rmd_alloc_workqueue(
        name: *const c_char,
        mem_reclaim: bool,
    ) -> *mut bindings::workqueue_struct;
    pub(crate) fn rmd_register_major() -> c_int;
    pub(crate) fn rmd_unregister_major();
    pub(crate) fn rmd_alloc_disk(minor: c_uint, name: *const c_char) -> *mut bindings::gendisk;
    pub(crate) fn rmd_disk_set_private(disk: *mut bindings::gendisk, mddev: *const c_void);
    pub(crate) fn rmd_add_disk(disk: *mut bindings::gendisk) -> c_int;
    pub(crate) fn rmd_del_disk(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_put_disk(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_module_get() -> bool;
    pub(crate) fn rmd_module_put();
    pub(crate) fn rmd_md_kobj_add(
        disk: *mut bindings::gendisk,
        mddev: *const c_void,
    ) -> *mut RmdKobj;
    pub(crate) fn rmd_md_kobj_remove(k: *mut RmdKobj);
    pub(crate) fn rmd_md_kobj_notify(k: *mut RmdKobj, attr: *const c_char);
    pub(crate) fn rmd_params_quiesce();
    pub(crate) fn rmd_bdev_open(dev: u32, holder: *mut c_void) -> *mut bindings::file;
    pub(crate) fn rmd_bdev_close(f: *mut bindings::file);
    pub(crate) fn rmd_bdev_sectors(f: *mut bindings::file) -> u64;
    pub(crate) fn rmd_bdev_logical_block_size(f: *mut bindings::file) -> c_uint;
    pub(crate) fn rmd_bdev_name(f: *mut bindings::file, buf: *mut c_char, len: usize);
    pub(crate) fn rmd_sync_io(
        f: *mut bindings::file,
        sector: u64,
        buf: *mut c_void,
        len: c_uint,
        write: bool,
    ) -> c_int;
    pub(crate) fn rmd_msleep(ms: c_uint);
    pub(crate) fn rmd_rdev_kobj_add(
        parent: *mut RmdKobj,
        name: *const c_char,
        member: *mut bindings::file,
    ) -> *mut RmdRdevKobj;
    pub(crate) fn rmd_rdev_kobj_update(
        k: *mut RmdRdevKobj,
        state: *const c_char,
        slot: c_int,
        offset: u64,
        size_kib: u64,
        errors: c_int,
    );
    pub(crate) fn rmd_rdev_kobj_remove(k: *mut RmdRdevKobj);
    pub(crate) fn rmd_md_link_rdev(
        md: *mut RmdKobj,
        k: *mut RmdRdevKobj,
        name: *const c_char,
    ) -> c_int;
    pub(crate) fn rmd_md_unlink(md: *mut RmdKobj, name: *const c_char);
    pub(crate) fn rmd_set_disk_ro(disk: *mut bindings::gendisk, ro: bool);
    pub(crate) fn rmd_noio_save() -> c_uint;
    pub(crate) fn rmd_noio_restore(flags: c_uint);
    pub(crate) fn rmd_set_limits(
        disk: *mut bindings::gendisk,
        members: *const *mut bindings::file,
        data_offsets: *const u64,
        n: c_uint,
    ) -> c_int;
    pub(crate) fn rmd_stack_new_member(
        disk: *mut bindings::gendisk,
        member: *mut bindings::file,
        data_offset: u64,
    ) -> c_int;
    pub(crate) fn rmd_set_capacity(disk: *mut bindings::gendisk, sectors: u64);
    pub(crate) fn rmd_disk_change_uevent(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_sync_disk(disk: *mut bindings::gendisk) -> c_int;
    pub(crate) fn rmd_bioset_init(r1_size: usize) -> c_int;
    fn rmd_r1_alloc() -> *mut c_void;
    fn rmd_r1_free(p: *mut c_void);
    pub(crate) fn rmd_bioset_exit();
    pub(crate) fn rmd_bio_split_to_limits(bio: *mut bindings::bio) -> *mut bindings::bio;
    pub(crate) fn rmd_bio_sector(bio: *mut bindings::bio) -> u64;
    pub(crate) fn rmd_bio_sectors(bio: *mut bindings::bio) -> c_uint;
    pub(crate) fn rmd_bio_kind(bio: *mut bindings::bio) -> c_int;
    pub(crate) fn rmd_bio_errors_ignored(bio: *mut bindings::bio) -> bool;
    pub(crate) fn rmd_bio_endio(bio: *mut bindings::bio, status: u8);
    pub(crate) fn rmd_clone_submit(
        orig: *mut bindings::bio,
        member: *mut bindings::file,
        offset: u64,
        r1: *mut c_void,
        idx: c_int,
    );
    pub(crate) fn rmd_bio_split_front(
        bio: *mut bindings::bio,
        sectors: c_uint,
    ) -> *mut bindings::bio;
    fn rmd_buf_alloc(nr: c_uint) -> *mut RmdBuf;
    fn rmd_buf_free(b: *mut RmdBuf);
    fn rmd_buf_page(b: *mut RmdBuf, i: c_uint) -> *mut u8;
    fn rmd_io_batch(ios: *mut RmdIo, n: c_uint);
    fn rmd_thread_start(
        run: unsafe extern "C" fn(*mut c_void),
        data: *mut c_void,
        timeout_ms: c_uint,
        name: *const c_char,
    ) -> *mut RmdThread;
    fn rmd_thread_wake(t: *mut RmdThread);
    fn rmd_thread_stop(t: *mut RmdThread);
    fn rmd_thread_should_stop() -> bool;
    fn rmd_waitq_alloc() -> *mut RmdWaitq;
    fn rmd_waitq_free(q: *mut RmdWaitq);
    fn rmd_waitq_wake(q: *mut RmdWaitq);
    fn rmd_waitq_wait_interruptible(
        q: *mut RmdWaitq,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
    );
    fn rmd_waitq_wait(
        q: *mut RmdWaitq,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
    );
    fn rmd_mutex_init(m: *mut bindings::mutex);
    fn rmd_mutex_lock(m: *mut bindings::mutex);
    fn rmd_mutex_trylock(m: *mut bindings::mutex) -> bool;
    fn rmd_mutex_unlock(m: *mut bindings::mutex);
    fn rmd_reboot_register() -> c_int;
    fn rmd_reboot_unregister();
}

/// `struct rmd_buf` of helpers.c: pages for synchronous member I/O.
#[repr(C)]
pub(crate) struct RmdBuf {
    _opaque: [u8; 0],
}

/// `struct rmd_thread` of helpers.c.
#[repr(C)]
pub(crate) struct RmdThread {
    _opaque: [u8; 0],
}

/// `struct rmd_waitq` of helpers.c.
#[repr(C)]
pub(crate) struct RmdWaitq {
    _opaque: [u8; 0],
}

/// `struct rmd_io` of helpers.h (same layout).
#[repr(C)]
struct RmdIo {
    file: *mut bindings::file,
    buf: *mut RmdBuf,
    sector: u64,
    sectors: c_uint,
    write: bool,
    status: c_int,
    batch: *mut c_void,
}

/// Size of one page of a `PageBuf`.
pub(crate) const PAGE: usize = 4096;

/// Pages for synchronous member I/O (resync, recovery, read-error repair).
///
/// # Invariants
///
/// `ptr` is a live `rmd_buf` of `nr` allocated pages, freed on drop.
pub(crate) struct PageBuf {
    ptr: core::ptr::NonNull<RmdBuf>,
    nr: usize,
}

// SAFETY: The pages are plain memory owned by this value.
unsafe impl Send for PageBuf {}

impl PageBuf {
    /// Allocates `nr` pages.
    pub(crate) fn new(nr: usize) -> Result<PageBuf> {
        let n = c_uint::try_from(nr).map_err(|_| EINVAL)?;
        // SAFETY: Plain allocation; NULL on failure.
        let p = unsafe { rmd_buf_alloc(n) };
        let ptr = core::ptr::NonNull::new(p).ok_or(ENOMEM)?;
        // INVARIANT: Freshly allocated with `nr` pages.
        Ok(PageBuf { ptr, nr })
    }

    /// Capacity in sectors.
    pub(crate) fn sectors(&self) -> u32 {
        (self.nr * (PAGE / 512)) as u32
    }

    /// Page `i`.
    pub(crate) fn page(&self, i: usize) -> Option<&[u8]> {
        if i >= self.nr {
            return None;
        }
        // SAFETY: `i < nr`: a live page of PAGE bytes (type invariant), mapped (no
        // highmem on the architectures this builds for); shared borrow of `self`.
        Some(unsafe {
            core::slice::from_raw_parts(rmd_buf_page(self.ptr.as_ptr(), i as c_uint), PAGE)
        })
    }

    /// Whether sectors `[from, from + n)` of `self` and `other` are equal.
    pub(crate) fn same(&self, other: &PageBuf, from: u32, n: u32) -> bool {
        let (start, end) = (from as usize * 512, (from as usize + n as usize) * 512);
        let mut pos = start;
        while pos < end {
            let (i, off) = (pos / PAGE, pos % PAGE);
            let len = (PAGE - off).min(end - pos);
            let a = self.page(i).and_then(|p| p.get(off..off + len));
            let b = other.page(i).and_then(|p| p.get(off..off + len));
            if a.is_none() || a != b {
                return false;
            }
            pos += len;
        }
        true
    }
}

impl Drop for PageBuf {
    fn drop(&mut self) {
        // SAFETY: Live and freed exactly once (type invariant).
        unsafe { rmd_buf_free(self.ptr.as_ptr()) }
    }
}

/// One request of `io_batch`.
pub(crate) struct IoReq<'a> {
    /// The member, open for the duration of the call.
    pub(crate) file: *mut bindings::file,
    /// Data to write or room for data read.
    pub(crate) buf: &'a PageBuf,
    /// Where on the member (absolute sector).
    pub(crate) sector: u64,
    /// How much.
    pub(crate) sectors: u32,
    /// Write instead of read.
    pub(crate) write: bool,
    /// Result, filled in.
    pub(crate) result: Result,
}

/// Submits every request at once and waits for all (reads land in their buffers).
///
/// # Safety
///
/// Every `file` must be an open block-device file that stays open during the call,
/// and no two requests may read into the same buffer.
pub(crate) unsafe fn io_batch(reqs: &mut [IoReq<'_>]) {
    let mut raw: [RmdIo; 8] = core::array::from_fn(|_| RmdIo {
        file: core::ptr::null_mut(),
        buf: core::ptr::null_mut(),
        sector: 0,
        sectors: 0,
        write: false,
        status: 0,
        batch: core::ptr::null_mut(),
    });
    for chunk in reqs.chunks_mut(raw.len()) {
        for (r, q) in raw.iter_mut().zip(chunk.iter()) {
            r.file = q.file;
            r.buf = q.buf.ptr.as_ptr();
            r.sector = q.sector;
            r.sectors = q.sectors.min(q.buf.sectors());
            r.write = q.write;
            r.status = 0;
        }
        // SAFETY: `raw[..n]` are filled from live buffers and open files (the caller's
        // promise); the helper waits for every bio before returning.
        unsafe { rmd_io_batch(raw.as_mut_ptr(), chunk.len() as c_uint) };
        for (r, q) in raw.iter().zip(chunk.iter_mut()) {
            q.result = to_result(r.status);
        }
    }
}

/// A per-array kernel thread (md_thread): runs `T::run` on every wake-up, or
/// after `timeout_ms` without one; stopped and joined on drop.
///
/// # Invariants
///
/// `ptr` is a running `rmd_thread` whose data is `data`, a foreign-owned `Arc<T>`
/// released by `drop_data` after the thread stops.
pub(crate) struct Thread {
    ptr: core::ptr::NonNull<RmdThread>,
    data: *const c_void,
    drop_data: unsafe fn(*const c_void),
}

// SAFETY: The thread handle may be stopped from any task.
unsafe impl Send for Thread {}
// SAFETY: `wake` may be called from any task.
unsafe impl Sync for Thread {}

/// What a `Thread` runs.
pub(crate) trait ThreadFn: Send + Sync + Sized + 'static {
    /// One round of work.
    fn run(this: kernel::sync::ArcBorrow<'_, Self>);
}

/// # Safety
///
/// `data` must be the foreign `Arc<T>` of a running `Thread`.
unsafe extern "C" fn thread_tramp<T: ThreadFn>(data: *mut c_void) {
    // SAFETY: `data` is the `Arc<T>` made foreign in `Thread::start`, alive until the
    // thread has stopped.
    let this = unsafe { <Arc<T> as ForeignOwnable>::borrow(data) };
    T::run(this);
}

/// # Safety
///
/// `data` must be the foreign `Arc<T>` of a stopped `Thread`, released only here.
unsafe fn thread_drop<T: ThreadFn>(data: *const c_void) {
    // SAFETY: Called once, after the thread stopped, with the pointer from `start`.
    drop(unsafe { <Arc<T> as ForeignOwnable>::from_foreign(data) });
}

impl Thread {
    /// Starts thread `name` running `T::run(data)`.
    pub(crate) fn start<T: ThreadFn>(data: Arc<T>, timeout_ms: u32, name: &CStr) -> Result<Thread> {
        let raw = data.into_foreign();
        // SAFETY: `thread_tramp::<T>` matches `raw`; `name` is NUL-terminated and copied.
        let p = unsafe {
            rmd_thread_start(
                thread_tramp::<T>,
                raw as *mut c_void,
                timeout_ms,
                name.as_char_ptr(),
            )
        };
        match from_err_ptr(p) {
            Ok(p) => Ok(Thread {
                // INVARIANT: A running thread with data `raw`.
                ptr: core::ptr::NonNull::new(p).ok_or(ENOMEM)?,
                data: raw,
                drop_data: thread_drop::<T>,
            }),
            Err(e) => {
                // SAFETY: The thread never started; the reference is ours again.
                unsafe { thread_drop::<T>(raw) };
                Err(e)
            }
        }
    }

    /// Wakes it (md_wakeup_thread).
    pub(crate) fn wake(&self) {
        // SAFETY: Running thread (type invariant).
        unsafe { rmd_thread_wake(self.ptr.as_ptr()) }
    }

    /// A raw waker for contexts that cannot hold the handle (interrupts).
    pub(crate) fn waker(&self) -> *mut RmdThread {
        self.ptr.as_ptr()
    }
}

/// Wakes a thread through a raw waker.
///
/// # Safety
///
/// `t` must come from `Thread::waker` of a thread that has not been stopped.
pub(crate) unsafe fn wake_raw(t: *mut RmdThread) {
    // SAFETY: By the caller's promise.
    unsafe { rmd_thread_wake(t) }
}

/// Whether the current thread (a `Thread`) is being stopped.
pub(crate) fn thread_should_stop() -> bool {
    // SAFETY: kthread_should_stop on the current task; our threads are kthreads.
    unsafe { rmd_thread_should_stop() }
}

impl Drop for Thread {
    fn drop(&mut self) {
        // SAFETY: Running thread, stopped and freed exactly once (type invariant); then
        // its data reference is released.
        unsafe {
            rmd_thread_stop(self.ptr.as_ptr());
            (self.drop_data)(self.data);
        }
    }
}

/// A wait queue waited on with a Rust condition (wait_event).
///
/// # Invariants
///
/// `ptr` is a live `rmd_waitq`, freed on drop.
pub(crate) struct WaitQ {
    ptr: core::ptr::NonNull<RmdWaitq>,
}

// SAFETY: Wait queues are used from any context.
unsafe impl Send for WaitQ {}
// SAFETY: As above.
unsafe impl Sync for WaitQ {}

/// # Safety
///
/// `ctx` must point to an `F` alive for the call.
unsafe extern "C" fn cond_tramp<F: Fn() -> bool>(ctx: *const c_void) -> bool {
    // SAFETY: `ctx` is the `&F` passed by `wait`/`wait_timeout`, alive during the wait.
    let f = unsafe { &*(ctx as *const F) };
    f()
}

impl WaitQ {
    /// A new wait queue.
    pub(crate) fn new() -> Result<WaitQ> {
        // SAFETY: Plain allocation; NULL on failure.
        let p = unsafe { rmd_waitq_alloc() };
        // INVARIANT: Freshly allocated and initialised.
        Ok(WaitQ {
            ptr: core::ptr::NonNull::new(p).ok_or(ENOMEM)?,
        })
    }

    /// Wakes every waiter (callable from interrupt context).
    pub(crate) fn wake(&self) {
        // SAFETY: Live (type invariant).
        unsafe { rmd_waitq_wake(self.ptr.as_ptr()) }
    }

    /// Sleeps (interruptibly, not counted as a hang) until `cond()` holds: for
    /// waits whose end user space decides.
    pub(crate) fn wait_interruptible<F: Fn() -> bool>(&self, cond: F) {
        // SAFETY: Live queue; `cond` outlives the call.
        unsafe {
            rmd_waitq_wait_interruptible(
                self.ptr.as_ptr(),
                cond_tramp::<F>,
                &cond as *const F as *const c_void,
            )
        }
    }

    /// Sleeps until `cond()` holds (checked after each wake-up).
    pub(crate) fn wait<F: Fn() -> bool>(&self, cond: F) {
        // SAFETY: Live queue; `cond` outlives the call.
        unsafe {
            rmd_waitq_wait(
                self.ptr.as_ptr(),
                cond_tramp::<F>,
                &cond as *const F as *const c_void,
            )
        }
    }
}

impl Drop for WaitQ {
    fn drop(&mut self) {
        // SAFETY: Live, freed once; nobody waits on a queue whose owner is dropped.
        unsafe { rmd_waitq_free(self.ptr.as_ptr()) }
    }
}

/// Work to finish after the lock is released (md's mddev_unlock tail).
pub(crate) trait Reap {
    /// What is dropped after unlocking.
    type Later;
    /// Takes it out while still locked.
    fn reap(&mut self) -> Self::Later;
}

/// A mutex with `try_lock` (mddev_trylock), which 6.12's `Mutex` lacks.
#[pin_data]
pub(crate) struct StateMutex<T: Reap> {
    #[pin]
    raw: kernel::types::Opaque<bindings::mutex>,
    data: core::cell::UnsafeCell<T>,
}

// SAFETY: The data is only reached through a guard, which holds the mutex.
unsafe impl<T: Reap + Send> Send for StateMutex<T> {}
// SAFETY: As above.
unsafe impl<T: Reap + Send> Sync for StateMutex<T> {}

impl<T: Reap> StateMutex<T> {
    /// A new unlocked mutex around `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(StateMutex {
            // SAFETY: `slot` is valid for writes; mutex_init initialises it in place.
            raw <- kernel::types::Opaque::ffi_init(|slot: *mut bindings::mutex| unsafe {
                rmd_mutex_init(slot)
            }),
            data: core::cell::UnsafeCell::new(data),
        })
    }

    /// Sleeps until the mutex is ours.
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        // SAFETY: Initialised mutex, pinned with `self`.
        unsafe { rmd_mutex_lock(self.raw.get()) };
        StateGuard { m: self }
    }

    /// The mutex if it is free now.
    pub(crate) fn try_lock(&self) -> Option<StateGuard<'_, T>> {
        // SAFETY: As in `lock`.
        unsafe { rmd_mutex_trylock(self.raw.get()) }.then(|| StateGuard { m: self })
    }
}

/// Holds a `StateMutex`; on drop, reaps, unlocks, then drops what was reaped.
pub(crate) struct StateGuard<'a, T: Reap> {
    m: &'a StateMutex<T>,
}

impl<T: Reap> core::ops::Deref for StateGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The guard holds the mutex.
        unsafe { &*self.m.data.get() }
    }
}

impl<T: Reap> core::ops::DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The guard holds the mutex, exclusively.
        unsafe { &mut *self.m.data.get() }
    }
}

impl<T: Reap> Drop for StateGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: Held by us.
        let later = unsafe { (*self.m.data.get()).reap() };
        // SAFETY: Held by us; released once.
        unsafe { rmd_mutex_unlock(self.m.raw.get()) };
        drop(later);
    }
}

/// Registers the reboot notifier (md_notify_reboot).
pub(crate) fn reboot_register() -> Result {
    // SAFETY: Registers a static notifier once at init.
    to_result(unsafe { rmd_reboot_register() })
}

/// Unregisters it.
pub(crate) fn reboot_unregister() {
    // SAFETY: Paired with a successful `reboot_register`.
    unsafe { rmd_reboot_unregister() }
}

/// Removes element `i` of a KVec (which has no `remove` in 6.12), keeping order.
pub(crate) fn kvec_remove<T>(v: &mut KVec<T>, i: usize) -> Option<T> {
    let len = v.len();
    if i >= len {
        return None;
    }
    v.as_mut_slice().get_mut(i..)?.rotate_left(1);
    let last = len - 1;
    // SAFETY: `last < len`; the element there is read out exactly once and the length is
    // reduced so it is not dropped again.
    unsafe {
        let item = core::ptr::read(v.as_ptr().add(last));
        v.set_len(last);
        Some(item)
    }
}

/// While alive, allocations of this task do no I/O for reclaim (memalloc_noio).
pub(crate) struct NoIo(c_uint, core::marker::PhantomData<*mut ()>);

impl NoIo {
    /// Enters the scope.
    pub(crate) fn enter() -> NoIo {
        // SAFETY: Saves and sets the task's allocation flags; restored on drop.
        NoIo(unsafe { rmd_noio_save() }, core::marker::PhantomData)
    }
}

impl Drop for NoIo {
    fn drop(&mut self) {
        // SAFETY: Restores what `enter` saved, on the same task (not `Send`).
        unsafe { rmd_noio_restore(self.0) }
    }
}

/// Monotonic milliseconds (ktime_get).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let ns = unsafe { kernel::bindings::ktime_get() };
    u64::try_from(ns).unwrap_or(0) / 1_000_000
}

/// Wall-clock seconds (ktime_get_real_seconds).
pub(crate) fn real_seconds() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let t = unsafe { kernel::bindings::ktime_get_real_seconds() };
    u64::try_from(t).unwrap_or(0)
}

/// EOPNOTSUPP, which the 6.12 kernel crate does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32))
}

/// Takes a reference on this module (a configured array pins it).
pub(crate) fn module_get() -> bool {
    // SAFETY: try_module_get on THIS_MODULE; no preconditions.
    unsafe { rmd_module_get() }
}

/// Drops a reference taken by `module_get`.
pub(crate) fn module_put() {
    // SAFETY: Callers pair it with a successful `module_get`.
    unsafe { rmd_module_put() }
}

/// Sets up the bio_sets clones and splits come from and the pool of raid1
/// requests of `r1_size` bytes; `bioset_exit` after the last array.
pub(crate) fn bioset_init(r1_size: usize) -> Result {
    // SAFETY: Initialises static pools once, at module init.
    to_result(unsafe { rmd_bioset_init(r1_size) })
}

/// A raid1 request's memory from the pool (never fails: GFP_NOIO mempool).
pub(crate) fn r1_alloc(_size: usize) -> *mut c_void {
    // SAFETY: The pool exists while arrays run (module lifetime).
    unsafe { rmd_r1_alloc() }
}

/// Returns a request's memory to the pool.
pub(crate) fn r1_free(p: *mut c_void) {
    // SAFETY: `p` came from `r1_alloc` and is not used again.
    unsafe { rmd_r1_free(p) }
}

/// The name of the block device of an open member file, e.g. `vdb`, in `buf`.
pub(crate) fn bdev_name(f: *mut bindings::file, buf: &mut [u8; 32]) -> &str {
    // SAFETY: `f` is an open bdev file (callers hold the member open); the helper
    // writes at most `buf.len()` bytes, NUL-terminated.
    unsafe { rmd_bdev_name(f, buf.as_mut_ptr().cast(), buf.len()) };
    let n = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    core::str::from_utf8(buf.get(..n).unwrap_or(&[])).unwrap_or("?")
}

/// Tears down the clones' bio_set; no array may be left.
pub(crate) fn bioset_exit() {
    // SAFETY: Called once at unload after every array is gone.
    unsafe { rmd_bioset_exit() }
}

/// Registers major 9 ("md") with the probe that creates arrays on open.
pub(crate) fn register_major() -> Result {
    // SAFETY: Registers a static probe; `unregister_major` undoes it at unload.
    to_result(unsafe { rmd_register_major() })
}

/// Unregisters major 9; waits for a probe in progress.
pub(crate) fn unregister_major() {
    // SAFETY: Undoes `register_major`.
    unsafe { rmd_unregister_major() }
}

/// Registers the `dev.raid` sysctls.
pub(crate) fn sysctl_register() -> Result {
    // SAFETY: Registers a static table; undone by `sysctl_unregister`.
    to_result(unsafe { rmd_sysctl_register() })
}

/// Unregisters the `dev.raid` sysctls.
pub(crate) fn sysctl_unregister() {
    // SAFETY: Undoes `sysctl_register`.
    unsafe { rmd_sysctl_unregister() }
}

/// Creates /proc/mdstat.
pub(crate) fn mdstat_register() -> Result {
    // SAFETY: Creates a proc entry with static ops; undone by `mdstat_unregister`.
    to_result(unsafe { rmd_mdstat_register() })
}

/// Removes /proc/mdstat; waits for readers in progress.
pub(crate) fn mdstat_unregister() {
    // SAFETY: Undoes `mdstat_register`.
    unsafe { rmd_mdstat_unregister() }
}

/// Waits for module parameter writes in progress.
pub(crate) fn params_quiesce() {
    // SAFETY: Takes and releases this module's parameter lock.
    unsafe { rmd_params_quiesce() }
}

/// Sleeps for `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: Sleeps; callers are in process context.
    unsafe { rmd_msleep(ms) }
}

/// Turns a C `ERR_PTR`/NULL/valid pointer into a `Result`.
pub(crate) fn from_err_ptr<T>(ptr: *mut T) -> Result<*mut T> {
    let v = ptr as isize;
    if ptr.is_null() {
        Err(ENOMEM)
    } else if (-4095..0).contains(&v) {
        Err(Error::from_errno(v as i32))
    } else {
        Ok(ptr)
    }
}

/// Turns a C return code into a `Result`.
pub(crate) fn to_result(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// Whether new arrays may be created by opening a 9:N node (`create_on_open`).
pub(crate) fn create_on_open() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { rmd_create_on_open() }
}

/// `start_ro`: 1 starts new arrays read-auto.
#[allow(dead_code)]
pub(crate) fn start_readonly() -> u32 {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { rmd_start_readonly() }
}

/// `dev.raid.speed_limit_min` and `speed_limit_max` in KiB/s.
#[allow(dead_code)]
pub(crate) fn speed_limits() -> (i32, i32) {
    // SAFETY: Reads two ints; no preconditions.
    unsafe { (rmd_speed_limit_min(), rmd_speed_limit_max()) }
}

/// A borrowed seq_file that text can be written to.
pub(crate) struct SeqFile(*mut bindings::seq_file);

impl fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.0` is the seq_file of the running show callback (type invariant of
        // the only constructor, `rust_md_mdstat_show`); `s` is valid for `s.len()` bytes.
        unsafe { rmd_seq_write(self.0, s.as_ptr(), s.len()) };
        Ok(())
    }
}

/// A sysfs page being filled by a show callback; writes past its end are dropped.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Page<'_> {
    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        let n = s.len().min(room);
        let dst = self.buf.get_mut(self.len..self.len + n).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes().get(..n).ok_or(fmt::Error)?);
        self.len += n;
        if n < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// sysfs hands show callbacks a buffer of one page.
const PAGE_SIZE: usize = 4096;

/// Borrows the Mddev behind a gendisk's private_data or a kobject's pointer.
///
/// # Safety
///
/// `ptr` must come from `Arc::<Mddev>::into_foreign` and that reference must be
/// held for `'a`.
unsafe fn mddev<'a>(ptr: *mut c_void) -> kernel::sync::ArcBorrow<'a, Mddev> {
    // SAFETY: By the function's safety requirement.
    unsafe { <Arc<Mddev> as ForeignOwnable>::borrow(ptr) }
}

#[no_mangle]
extern "C" fn rust_md_probe(minor: c_uint) {
    crate::md_probe(minor);
}

#[no_mangle]
extern "C" fn rust_md_new_array(name: *const c_char, len: usize) -> c_int {
    // SAFETY: The param core passes a NUL-terminated string of `len` bytes that stays
    // valid during the call.
    let bytes = unsafe { core::slice::from_raw_parts(name, len) };
    match crate::add_named_array(bytes) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_mdstat_show(seq: *mut bindings::seq_file) -> c_int {
    // INVARIANT: `seq` is the seq_file of this show callback, valid during it.
    let mut out = SeqFile(seq);
    crate::mdstat_show(&mut out);
    0
}

#[no_mangle]
extern "C" fn rust_md_submit_bio(mddev_ptr: *mut c_void, bio: *mut bindings::bio) {
    // SAFETY: The gendisk's private_data holds a reference until free_disk, and a bio is
    // only submitted to a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: The block layer hands us ownership of a valid bio.
    let bio = unsafe { crate::bio::Bio::from_raw(bio) };
    Mddev::submit_bio(mddev, bio);
}

#[no_mangle]
extern "C" fn rust_md_open(mddev_ptr: *mut c_void) -> c_int {
    // SAFETY: private_data holds a reference while the disk exists; open runs on a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    match crate::md_open(mddev) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_release(mddev_ptr: *mut c_void) {
    // SAFETY: As in `rust_md_open`.
    let mddev = unsafe { mddev(mddev_ptr) };
    crate::md_release(mddev);
}

#[no_mangle]
extern "C" fn rust_md_ioctl(
    mddev_ptr: *mut c_void,
    cmd: c_uint,
    arg: c_ulong,
    admin: bool,
) -> c_int {
    // SAFETY: The caller holds the block device open, so the disk and its reference live.
    let mddev = unsafe { mddev(mddev_ptr) };
    match crate::md_ioctl(mddev, cmd, arg, admin) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_free_disk(mddev_ptr: *mut c_void) {
    // SAFETY: free_disk runs once, when the gendisk goes away: the reference stored in
    // private_data by `Disk::set_private` is handed back here.
    let mddev = unsafe { <Arc<Mddev> as ForeignOwnable>::from_foreign(mddev_ptr) };
    crate::md_free_disk(mddev);
}

#[no_mangle]
extern "C" fn rust_md_attr_show(
    mddev_ptr: *mut c_void,
    attr: *const c_char,
    page: *mut u8,
) -> c_long {
    // SAFETY: The md kobject is removed (kobject_del drains callbacks) before the mddev's
    // gendisk reference is dropped.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs passes a zeroed buffer of PAGE_SIZE bytes, ours for the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(page, PAGE_SIZE) };
    let mut page = Page { buf, len: 0 };
    match crate::sysfs::attr_show(mddev, name.as_bytes(), &mut page) {
        Ok(()) => page.len() as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

#[no_mangle]
extern "C" fn rust_md_clone_end(r1: *mut c_void, idx: c_int, status: u8) {
    // SAFETY: `r1` is the request given to `rmd_clone_submit` with this clone, alive until
    // its last clone ends (which this is, or one of).
    unsafe { crate::raid1::clone_end(r1, idx, status) }
}

#[no_mangle]
extern "C" fn rust_md_reboot() {
    crate::md_reboot();
}

#[no_mangle]
extern "C" fn rust_md_rdev_store(
    mddev_ptr: *mut c_void,
    dev: u32,
    attr: *const c_char,
    page: *const u8,
    len: usize,
) -> c_long {
    // SAFETY: The dev-NAME kobject sits under md/, removed before the mddev's gendisk
    // reference is dropped; its callbacks run while it exists.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs passes `len` bytes written by the user, valid for the call.
    let input = unsafe { core::slice::from_raw_parts(page, len) };
    match crate::sysfs::rdev_store(mddev, dev, name.as_bytes(), input) {
        Ok(()) => len as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

#[no_mangle]
extern "C" fn rust_md_rdev_show(
    attr: *const c_char,
    state: *const c_char,
    slot: c_int,
    offset: u64,
    size_kib: u64,
    errors: c_int,
    page: *mut u8,
) -> c_long {
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: helpers.c passes its copy of the snapshot's NUL-terminated state words,
    // valid for the call.
    let state = unsafe { CStr::from_char_ptr(state) };
    // SAFETY: sysfs passes a zeroed buffer of PAGE_SIZE bytes, ours for the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(page, PAGE_SIZE) };
    let mut page = Page { buf, len: 0 };
    let snap = crate::sysfs::RdevSnapshot {
        state: state.as_bytes(),
        slot,
        offset,
        size_kib,
        errors,
    };
    match crate::sysfs::rdev_show(&snap, name.as_bytes(), &mut page) {
        Ok(()) => page.len() as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

#[no_mangle]
extern "C" fn rust_md_attr_store(
    mddev_ptr: *mut c_void,
    attr: *const c_char,
    page: *const u8,
    len: usize,
) -> c_long {
    // SAFETY: As in `rust_md_attr_show`.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs passes `len` bytes written by the user, valid for the call.
    let input = unsafe { core::slice::from_raw_parts(page, len) };
    match crate::sysfs::attr_store(mddev, name.as_bytes(), input) {
        Ok(()) => len as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `struct rmd_attr_def` of helpers.h: one attribute's name and mode.
#[repr(C)]
pub(crate) struct RmdAttrDef {
    name: *const c_char,
    mode: u16,
}

/// Attribute `i` of md/ (`set` 0) or dev-NAME/ (`set` 1), from sysfs.rs's tables;
/// a NULL name past the end. helpers.c builds the directories' attribute arrays from it.
#[no_mangle]
extern "C" fn rust_md_attr_def(set: c_uint, i: c_uint) -> RmdAttrDef {
    match crate::sysfs::attr_def(set, i as usize) {
        Some((name, mode)) => RmdAttrDef {
            name: name.as_char_ptr(),
            mode,
        },
        None => RmdAttrDef {
            name: core::ptr::null(),
            mode: 0,
        },
    }
}
