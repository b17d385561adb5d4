// SPDX-License-Identifier: GPL-2.0
//! The reconfiguration mutex (mddev->reconfig_mutex) with md's unlock tail.

use core::cell::UnsafeCell;
use core::marker::PhantomData;

use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

use super::ffi;

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
    raw: Opaque<bindings::mutex>,
    data: UnsafeCell<T>,
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
            raw <- Opaque::ffi_init(|slot: *mut bindings::mutex| unsafe {
                ffi::rmd_mutex_init(slot)
            }),
            data: UnsafeCell::new(data),
        })
    }

    /// Sleeps until the mutex is ours.
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        // SAFETY: Initialised mutex, pinned with `self`.
        unsafe { bindings::mutex_lock(self.raw.get()) };
        StateGuard {
            m: self,
            _not_send: PhantomData,
        }
    }

    /// The mutex if it is free now.
    pub(crate) fn try_lock(&self) -> Option<StateGuard<'_, T>> {
        // SAFETY: As in `lock`.
        (unsafe { bindings::mutex_trylock(self.raw.get()) } != 0).then(|| StateGuard {
            m: self,
            _not_send: PhantomData,
        })
    }
}

/// Holds a `StateMutex`; on drop, reaps, unlocks, then drops what was reaped.
///
/// Not `Send`: a mutex is released by the task that took it.
pub(crate) struct StateGuard<'a, T: Reap> {
    m: &'a StateMutex<T>,
    _not_send: PhantomData<*mut ()>,
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
        // SAFETY: Held by us; released once, by the task that took it (not `Send`).
        unsafe { bindings::mutex_unlock(self.m.raw.get()) };
        drop(later);
    }
}
