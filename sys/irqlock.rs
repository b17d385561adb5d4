// SPDX-License-Identifier: GPL-2.0
//! A spinlock taken with interrupts disabled (spin_lock_irqsave), for data that
//! bio completions (hard interrupts) change too.

use core::cell::UnsafeCell;
use core::ffi::c_ulong;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use kernel::prelude::*;

use super::ffi::{self, RmdSpin};

/// `T` behind an interrupt-safe spinlock. Nothing may sleep while it is held.
///
/// # Invariants
///
/// `lock` is a live `rmd_spin`, freed on drop; `data` is only reached through a
/// guard, which holds `lock`.
pub(crate) struct IrqSpinLock<T> {
    lock: NonNull<RmdSpin>,
    data: UnsafeCell<T>,
}

// SAFETY: The lock hands `T` to one context at a time; `T` moves between them.
unsafe impl<T: Send> Send for IrqSpinLock<T> {}
// SAFETY: As above: shared access only reaches `T` under the lock.
unsafe impl<T: Send> Sync for IrqSpinLock<T> {}

impl<T> IrqSpinLock<T> {
    /// A new lock around `data`.
    pub(crate) fn new(data: T) -> Result<IrqSpinLock<T>> {
        // SAFETY: Plain allocation and spin_lock_init; NULL on failure.
        let p = unsafe { ffi::rmd_spin_alloc() };
        // INVARIANT: Freshly allocated and initialised.
        Ok(IrqSpinLock {
            lock: NonNull::new(p).ok_or(ENOMEM)?,
            data: UnsafeCell::new(data),
        })
    }

    /// Takes the lock with interrupts disabled on this CPU.
    pub(crate) fn lock(&self) -> IrqGuard<'_, T> {
        // SAFETY: Live lock (type invariant); released by the guard's drop.
        let flags = unsafe { ffi::rmd_spin_lock_irqsave(self.lock.as_ptr()) };
        IrqGuard { lock: self, flags }
    }
}

impl<T> Drop for IrqSpinLock<T> {
    fn drop(&mut self) {
        // SAFETY: Live, freed once; no guard can exist (it borrows `self`).
        unsafe { ffi::rmd_spin_free(self.lock.as_ptr()) }
    }
}

/// The held lock; releases it (restoring the interrupt state) on drop.
pub(crate) struct IrqGuard<'a, T> {
    lock: &'a IrqSpinLock<T>,
    flags: c_ulong,
}

impl<T> Deref for IrqGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The lock is held by this guard: no other reference to `data` exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for IrqGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: As in `deref`, and the guard is borrowed mutably.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for IrqGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: Taken by `lock` with these flags, released once.
        unsafe { ffi::rmd_spin_unlock_irqrestore(self.lock.lock.as_ptr(), self.flags) }
    }
}
