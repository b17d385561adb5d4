// SPDX-License-Identifier: GPL-2.0
//! Wait queues waited on with a Rust condition (wait_event).

use core::ptr::NonNull;

use kernel::ffi::c_void;
use kernel::prelude::*;

use super::ffi::{self, RmdWaitq};

/// A wait queue waited on with a Rust condition (wait_event).
///
/// # Invariants
///
/// `ptr` is a live `rmd_waitq`, freed on drop.
pub(crate) struct WaitQ {
    ptr: NonNull<RmdWaitq>,
}

// SAFETY: Wait queues are used from any context.
unsafe impl Send for WaitQ {}
// SAFETY: As above.
unsafe impl Sync for WaitQ {}

/// # Safety
///
/// `ctx` must point to an `F` alive for the call.
unsafe extern "C" fn cond_tramp<F: Fn() -> bool>(ctx: *const c_void) -> bool {
    // SAFETY: `ctx` is the `&F` passed by `wait`/`wait_interruptible`, alive during the
    // wait.
    let f = unsafe { &*(ctx as *const F) };
    f()
}

impl WaitQ {
    /// A new wait queue.
    pub(crate) fn new() -> Result<WaitQ> {
        // SAFETY: Plain allocation; NULL on failure.
        let p = unsafe { ffi::rmd_waitq_alloc() };
        // INVARIANT: Freshly allocated and initialised.
        Ok(WaitQ {
            ptr: NonNull::new(p).ok_or(ENOMEM)?,
        })
    }

    /// Wakes every waiter (callable from interrupt context).
    pub(crate) fn wake(&self) {
        // SAFETY: Live (type invariant).
        unsafe { ffi::rmd_waitq_wake(self.ptr.as_ptr()) }
    }

    /// Sleeps (interruptibly, not counted as a hang) until `cond()` holds: for
    /// waits whose end user space decides.
    pub(crate) fn wait_interruptible<F: Fn() -> bool>(&self, cond: F) {
        // SAFETY: Live queue; `cond` outlives the call.
        unsafe {
            ffi::rmd_waitq_wait_interruptible(
                self.ptr.as_ptr(),
                cond_tramp::<F>,
                &cond as *const F as *const c_void,
            )
        }
    }

    /// Sleeps until `cond()` holds or `ms` milliseconds have passed, without counting
    /// as load or as a hung task; returns whether `cond()` held.
    pub(crate) fn wait_idle_timeout<F: Fn() -> bool>(&self, ms: u32, cond: F) -> bool {
        // SAFETY: Live queue; `cond` outlives the call.
        unsafe {
            ffi::rmd_waitq_wait_idle_timeout(
                self.ptr.as_ptr(),
                cond_tramp::<F>,
                &cond as *const F as *const c_void,
                ms,
            )
        }
    }

    /// Sleeps until `cond()` holds (checked after each wake-up).
    pub(crate) fn wait<F: Fn() -> bool>(&self, cond: F) {
        // SAFETY: Live queue; `cond` outlives the call.
        unsafe {
            ffi::rmd_waitq_wait(
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
        unsafe { ffi::rmd_waitq_free(self.ptr.as_ptr()) }
    }
}
