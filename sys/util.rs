// SPDX-License-Identifier: GPL-2.0
//! Small helpers the 6.12 kernel crate lacks, and its error conversions.

use core::ptr::NonNull;

use kernel::prelude::*;

pub(crate) use kernel::error::to_result;

/// A C `ERR_PTR`/NULL/valid pointer as a `Result`: NULL is ENOMEM.
pub(crate) fn from_err_ptr<T>(ptr: *mut T) -> Result<NonNull<T>> {
    NonNull::new(kernel::error::from_err_ptr(ptr)?).ok_or(ENOMEM)
}

/// EOPNOTSUPP, which the 6.12 kernel crate does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32))
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
pub(crate) struct NoIo(kernel::ffi::c_uint, core::marker::PhantomData<*mut ()>);

impl NoIo {
    /// Enters the scope.
    pub(crate) fn enter() -> NoIo {
        // SAFETY: Saves and sets the task's allocation flags; restored on drop.
        NoIo(
            unsafe { super::ffi::rmd_noio_save() },
            core::marker::PhantomData,
        )
    }
}

impl Drop for NoIo {
    fn drop(&mut self) {
        // SAFETY: Restores what `enter` saved, on the same task (not `Send`).
        unsafe { super::ffi::rmd_noio_restore(self.0) }
    }
}
