// SPDX-License-Identifier: GPL-2.0
//! An owned bio handed to md by the block layer.

use kernel::bindings;

/// `BLK_STS_IOERR` (a macro in C).
const BLK_STS_IOERR: bindings::blk_status_t = 10;

/// A bio we must complete exactly once.
///
/// # Invariants
///
/// `ptr` is a valid bio submitted to one of our disks and not yet ended.
pub(crate) struct Bio {
    ptr: *mut bindings::bio,
}

impl Bio {
    /// Takes ownership of a submitted bio.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid bio given to our `submit_bio`, not yet ended.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::bio) -> Bio {
        // INVARIANT: By the safety requirement.
        Bio { ptr }
    }

    /// Completes the bio with an I/O error (`bio_io_error`).
    pub(crate) fn io_error(self) {
        // SAFETY: `self.ptr` is a valid, not yet ended bio (type invariant); ending it
        // consumes `self`, so it is ended once.
        unsafe {
            (*self.ptr).bi_status = BLK_STS_IOERR;
            bindings::bio_endio(self.ptr);
        }
    }
}
