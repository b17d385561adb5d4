// SPDX-License-Identifier: GPL-2.0
//! An `Arc` published with RCU: readers in any context take a reference
//! without a lock; a replacement waits for them before letting go of the old one.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::bindings;
use kernel::sync::{Arc, ArcBorrow};

use super::ffi;

/// An optional `Arc<T>` read under RCU (md's `mddev->bitmap` pointer).
///
/// # Invariants
///
/// `ptr` is NULL or holds one reference from `Arc::into_raw`, kept until a
/// `replace` has taken it out and waited for an RCU grace period.
pub(crate) struct RcuArc<T: Send + Sync> {
    ptr: AtomicPtr<T>,
}

impl<T: Send + Sync> RcuArc<T> {
    /// An empty slot.
    pub(crate) const fn new() -> RcuArc<T> {
        RcuArc {
            ptr: AtomicPtr::new(null_mut()),
        }
    }

    /// A reference to what is published, if anything.
    pub(crate) fn get(&self) -> Option<Arc<T>> {
        // SAFETY: Paired with the unlock below; nothing in between sleeps.
        unsafe { ffi::rmd_rcu_read_lock() };
        let p = self.ptr.load(Ordering::Acquire);
        let r = if p.is_null() {
            None
        } else {
            // SAFETY: `p` holds the slot's reference (type invariant) and `replace`
            // drops it only after a grace period, which our read section delays.
            let b = unsafe { ArcBorrow::from_raw(p) };
            Some(Arc::from(b))
        };
        // SAFETY: Paired with the lock above.
        unsafe { ffi::rmd_rcu_read_unlock() };
        r
    }

    /// Publishes `new` and returns what was there, once no reader can still be
    /// taking a reference to it. Sleeps: process context only.
    pub(crate) fn replace(&self, new: Option<Arc<T>>) -> Option<Arc<T>> {
        let np = new.map_or(null_mut(), |a| Arc::into_raw(a).cast_mut());
        // INVARIANT: The slot now holds `new`'s reference.
        let old = self.ptr.swap(np, Ordering::AcqRel);
        if old.is_null() {
            return None;
        }
        // SAFETY: Plain RCU grace period; the caller holds no RCU read lock.
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: The slot's reference to `old`, taken out of the slot above; every
        // reader that could see it has finished.
        Some(unsafe { Arc::from_raw(old) })
    }
}

impl<T: Send + Sync> Drop for RcuArc<T> {
    fn drop(&mut self) {
        let old = self.ptr.swap(null_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: The slot's own reference; with `&mut self` no reader exists.
            drop(unsafe { Arc::from_raw(old) });
        }
    }
}
