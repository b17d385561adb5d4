// SPDX-License-Identifier: GPL-2.0
//! Workqueues owned by the module: `md` (WQ_MEM_RECLAIM, for I/O paths) and
//! `md_misc` (deferred deletion of unused arrays), as md_init makes them.
//! Bottom layer: imports nothing of the crate but `sys`.

use core::ops::Deref;
use core::ptr::NonNull;

use kernel::bindings;
use kernel::c_str;
use kernel::prelude::*;
use kernel::workqueue::Queue;

/// An allocated workqueue, destroyed (after draining) on drop.
///
/// # Invariants
///
/// `ptr` is a workqueue from `alloc_workqueue` that has not been destroyed.
pub(crate) struct WorkQueue {
    ptr: NonNull<bindings::workqueue_struct>,
}

// SAFETY: Workqueues are used from any thread.
unsafe impl Send for WorkQueue {}
// SAFETY: As above.
unsafe impl Sync for WorkQueue {}

impl WorkQueue {
    /// Allocates a workqueue named `name`; `mem_reclaim` gives it a rescuer thread.
    pub(crate) fn new(name: &'static CStr, mem_reclaim: bool) -> Result<WorkQueue> {
        let flags = if mem_reclaim {
            bindings::wq_flags_WQ_MEM_RECLAIM
        } else {
            0
        };
        // SAFETY: The format takes one string, `name`, a static NUL-terminated one.
        let raw = unsafe {
            bindings::alloc_workqueue(c_str!("%s").as_char_ptr(), flags, 0, name.as_char_ptr())
        };
        let ptr = NonNull::new(raw).ok_or(ENOMEM)?;
        // INVARIANT: Freshly allocated.
        Ok(WorkQueue { ptr })
    }

    /// Waits for every work item queued so far to finish.
    pub(crate) fn flush(&self) {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::__flush_workqueue(self.ptr.as_ptr()) }
    }
}

impl Deref for WorkQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: `self.ptr` is live for as long as `self` (type invariant).
        unsafe { Queue::from_raw(self.ptr.as_ptr()) }
    }
}

impl Drop for WorkQueue {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is live and destroyed exactly once, here.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) }
    }
}
