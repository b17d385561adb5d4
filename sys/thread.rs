// SPDX-License-Identifier: GPL-2.0
//! Per-array kernel threads (md_thread).

use core::ptr::NonNull;

use kernel::bindings;
use kernel::ffi::c_void;
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::ForeignOwnable;

use super::ffi;
pub(crate) use super::ffi::RmdThread;

/// A per-array kernel thread (md_thread): runs `T::run` on every wake-up, or
/// after `timeout_ms` without one; stopped and joined on drop.
///
/// # Invariants
///
/// `ptr` is a running `rmd_thread` whose data is `data`, a foreign-owned `Arc<T>`
/// released by `drop_data` after the thread stops.
pub(crate) struct Thread {
    ptr: NonNull<RmdThread>,
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
    fn run(this: ArcBorrow<'_, Self>);
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
            ffi::rmd_thread_start(
                thread_tramp::<T>,
                raw as *mut c_void,
                timeout_ms,
                name.as_char_ptr(),
            )
        };
        match super::util::from_err_ptr(p) {
            // INVARIANT: A running thread with data `raw`.
            Ok(ptr) => Ok(Thread {
                ptr,
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
        unsafe { ffi::rmd_thread_wake(self.ptr.as_ptr()) }
    }
}

/// Where others find a thread to wake (md's `mddev->thread` pointer): published
/// with RCU, so a wake from any context never races with the thread's stop.
pub(crate) struct WakeSlot(core::sync::atomic::AtomicPtr<ffi::RmdThread>);

impl WakeSlot {
    /// An empty slot.
    pub(crate) const fn new() -> WakeSlot {
        WakeSlot(core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()))
    }

    /// Publishes `t` for `wake`.
    ///
    /// # Safety
    ///
    /// `clear` must be called before `t` is dropped.
    pub(crate) unsafe fn publish(&self, t: &Thread) {
        self.0
            .store(t.ptr.as_ptr(), core::sync::atomic::Ordering::Release);
    }

    /// Empties the slot and waits until no `wake` can still be using the thread.
    pub(crate) fn clear(&self) {
        self.0
            .store(core::ptr::null_mut(), core::sync::atomic::Ordering::Release);
        // SAFETY: Plain RCU grace period; we hold no RCU read lock here.
        unsafe { bindings::synchronize_rcu() };
    }

    /// mddev_set_timeout: the published thread, if any, runs again at the latest
    /// `ms` after each run from now on (0: only when woken).
    pub(crate) fn set_timeout(&self, ms: u32) {
        // SAFETY: Paired with the unlock below; nothing here sleeps.
        unsafe { ffi::rmd_rcu_read_lock() };
        let t = self.0.load(core::sync::atomic::Ordering::Acquire);
        if !t.is_null() {
            // SAFETY: As in `wake`: published and not yet stopped.
            unsafe { ffi::rmd_thread_set_timeout(t, ms) };
        }
        // SAFETY: Paired with the lock above.
        unsafe { ffi::rmd_rcu_read_unlock() };
    }

    /// md_wakeup_thread: wakes the published thread, if any.
    pub(crate) fn wake(&self) {
        // SAFETY: Paired with the unlock below; nothing here sleeps.
        unsafe { ffi::rmd_rcu_read_lock() };
        let t = self.0.load(core::sync::atomic::Ordering::Acquire);
        if !t.is_null() {
            // SAFETY: Published by `publish` and not yet cleared when loaded; `clear`
            // waits for this read-side section before the thread can be stopped.
            unsafe { ffi::rmd_thread_wake(t) };
        }
        // SAFETY: Paired with the lock above.
        unsafe { ffi::rmd_rcu_read_unlock() };
    }
}

/// Whether the current thread (a `Thread`) is being stopped.
pub(crate) fn thread_should_stop() -> bool {
    // SAFETY: kthread_should_stop on the current task; our threads are kthreads.
    unsafe { bindings::kthread_should_stop() }
}

impl Drop for Thread {
    fn drop(&mut self) {
        // SAFETY: Running thread, stopped and freed exactly once (type invariant); then
        // its data reference is released.
        unsafe {
            ffi::rmd_thread_stop(self.ptr.as_ptr());
            (self.drop_data)(self.data);
        }
    }
}
