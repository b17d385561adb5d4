// SPDX-License-Identifier: GPL-2.0
//! An owned bio handed to md by the block layer, and its clones to members.

use core::sync::atomic::AtomicI32;

use kernel::bindings;

use crate::ffi;

/// `BLK_STS_IOERR` (a macro in C).
const BLK_STS_IOERR: u8 = 10;
/// `BLK_STS_NOTSUPP`.
const BLK_STS_NOTSUPP: u8 = 1;

/// What a bio asks for, as the data path sorts it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// REQ_OP_READ.
    Read,
    /// REQ_OP_WRITE, REQ_OP_DISCARD or an empty flush: goes to every mirror.
    Write,
    /// Anything else (write-zeroes, zone ops): not supported.
    Other,
}

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

    /// Splits off what exceeds the queue limits (the rest is resubmitted by the block
    /// layer); `None` if the bio was ended because it could not be split.
    pub(crate) fn split_to_limits(self) -> Option<Bio> {
        // SAFETY: Valid bio (type invariant); the helper returns the front part to handle
        // or NULL after ending the bio.
        let p = unsafe { ffi::rmd_bio_split_to_limits(self.ptr) };
        // INVARIANT: A non-NULL result is a valid bio we now own.
        (!p.is_null()).then_some(Bio { ptr: p })
    }

    /// First sector.
    pub(crate) fn sector(&self) -> u64 {
        // SAFETY: Valid bio (type invariant).
        unsafe { ffi::rmd_bio_sector(self.ptr) }
    }

    /// Length in sectors.
    pub(crate) fn sectors(&self) -> u32 {
        // SAFETY: Valid bio (type invariant).
        unsafe { ffi::rmd_bio_sectors(self.ptr) }
    }

    /// The kind of request.
    pub(crate) fn kind(&self) -> Kind {
        // SAFETY: Valid bio (type invariant).
        match unsafe { ffi::rmd_bio_kind(self.ptr) } {
            0 => Kind::Read,
            1 => Kind::Write,
            _ => Kind::Other,
        }
    }

    /// Sends a clone to `member` at `offset` sectors further on, counted in `pending`
    /// until it ends. The bio completes after all clones and `end`.
    ///
    /// # Safety
    ///
    /// `member` must be an open bdev file that stays open, and `pending` must stay
    /// valid, until the clone has ended.
    pub(crate) unsafe fn clone_to(
        &self,
        member: *mut bindings::file,
        offset: u64,
        pending: &AtomicI32,
    ) {
        // SAFETY: Valid bio (type invariant); `member` and `pending` outlive the clone (the
        // caller's promise). `AtomicI32` has the layout of `atomic_t`.
        unsafe {
            ffi::rmd_clone_submit(
                self.ptr,
                member,
                offset,
                pending.as_ptr().cast::<bindings::atomic_t>(),
            )
        }
    }

    /// Drops our hold on the bio: it completes once its clones have ended.
    pub(crate) fn end(self) {
        // SAFETY: Valid, not yet ended by us (type invariant); consumes `self`.
        unsafe { ffi::rmd_bio_endio(self.ptr, 0) }
    }

    /// Completes the bio with an I/O error (`bio_io_error`).
    pub(crate) fn io_error(self) {
        // SAFETY: As in `end`.
        unsafe { ffi::rmd_bio_endio(self.ptr, BLK_STS_IOERR) }
    }

    /// Completes the bio as not supported.
    pub(crate) fn not_supported(self) {
        // SAFETY: As in `end`.
        unsafe { ffi::rmd_bio_endio(self.ptr, BLK_STS_NOTSUPP) }
    }
}
