// SPDX-License-Identifier: GPL-2.0
//! An owned bio handed to md by the block layer, its clones to members, and
//! the pools both come from (with the raid1 requests').

use kernel::bindings;
use kernel::prelude::*;

use super::ffi;
use super::util::to_result;

/// `BLK_STS_IOERR` (a macro in C).
pub(crate) const BLK_STS_IOERR: u8 = 10;
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
        let p = unsafe { bindings::bio_split_to_limits(self.ptr) };
        // INVARIANT: A non-NULL result is a valid bio we now own.
        (!p.is_null()).then_some(Bio { ptr: p })
    }

    /// First sector.
    pub(crate) fn sector(&self) -> u64 {
        // SAFETY: Valid bio (type invariant).
        unsafe { (*self.ptr).bi_iter.bi_sector }
    }

    /// Length in sectors.
    pub(crate) fn sectors(&self) -> u32 {
        // SAFETY: Valid bio (type invariant).
        unsafe { (*self.ptr).bi_iter.bi_size >> 9 }
    }

    /// The request's flags (`bi_opf`).
    fn opf(&self) -> bindings::blk_opf_t {
        // SAFETY: Valid bio (type invariant).
        unsafe { (*self.ptr).bi_opf }
    }

    /// The operation (`bio_op`: the low REQ_OP_BITS of `bi_opf`).
    fn op(&self) -> bindings::req_op {
        self.opf() & ((1 << bindings::REQ_OP_BITS) - 1)
    }

    /// The kind of request.
    pub(crate) fn kind(&self) -> Kind {
        match self.op() {
            bindings::req_op_REQ_OP_READ => Kind::Read,
            bindings::req_op_REQ_OP_WRITE
            | bindings::req_op_REQ_OP_DISCARD
            | bindings::req_op_REQ_OP_FLUSH => Kind::Write,
            _ => Kind::Other,
        }
    }

    /// Whether a failed clone is not a member error: discards, read-ahead and
    /// NOWAIT bios (md's raid1_should_handle_error and its discard exception).
    pub(crate) fn errors_ignored(&self) -> bool {
        let ignored = (1 << bindings::req_flag_bits___REQ_RAHEAD)
            | (1 << bindings::req_flag_bits___REQ_NOWAIT);
        self.op() == bindings::req_op_REQ_OP_DISCARD || self.opf() & ignored != 0
    }

    /// Splits off the first `sectors` if the bio is longer (the rest is resubmitted);
    /// `None` if the bio was ended because it could not be split.
    pub(crate) fn split_front(self, sectors: u32) -> Option<Bio> {
        if self.sectors() <= sectors {
            return Some(self);
        }
        // SAFETY: Valid bio (type invariant), longer than `sectors`; the helper returns the
        // front part to handle and resubmits the rest, or NULL after ending the bio.
        let p = unsafe { ffi::rmd_bio_split_front(self.ptr, sectors) };
        // INVARIANT: A non-NULL result is a valid bio we now own.
        (!p.is_null()).then_some(Bio { ptr: p })
    }

    /// Gives up ownership: the caller must end the bio (`end_raw`).
    pub(crate) fn into_raw(self) -> *mut bindings::bio {
        self.ptr
    }

    /// Drops our hold on the bio: it completes once its clones have ended.
    pub(crate) fn end(self) {
        // SAFETY: Valid, not yet ended by us (type invariant); consumes `self`.
        unsafe { endio(self.ptr, 0) }
    }

    /// Completes the bio with an I/O error (`bio_io_error`).
    pub(crate) fn io_error(self) {
        // SAFETY: As in `end`.
        unsafe { endio(self.ptr, BLK_STS_IOERR) }
    }

    /// Completes the bio as not supported.
    pub(crate) fn not_supported(self) {
        // SAFETY: As in `end`.
        unsafe { endio(self.ptr, BLK_STS_NOTSUPP) }
    }
}

/// Completes a bio taken with `Bio::into_raw` (status 0: success).
///
/// # Safety
///
/// `bio` must come from `Bio::into_raw` and not have been ended.
pub(crate) unsafe fn end_raw(bio: *mut bindings::bio, status: u8) {
    // SAFETY: By the caller's promise.
    unsafe { endio(bio, status) }
}

/// Sets a non-zero `status` and ends `bio`.
///
/// # Safety
///
/// `bio` must be a valid bio we may end, not ended yet.
unsafe fn endio(bio: *mut bindings::bio, status: u8) {
    // SAFETY: By the caller's promise: a valid bio, ours to complete.
    unsafe {
        if status != 0 {
            (*bio).bi_status = status;
        }
        bindings::bio_endio(bio);
    }
}

/// Splits the first `sectors` off `master` and returns them as a bio of their own,
/// chained to `master` (which keeps the rest and completes after the front);
/// nothing is resubmitted. NULL (nothing changed) when `sectors` is not strictly
/// inside `master` or no split can be had.
///
/// # Safety
///
/// `master` must be a bio from `Bio::into_raw` (or returned here) not yet ended.
pub(crate) unsafe fn split_raw(master: *mut bindings::bio, sectors: u32) -> *mut bindings::bio {
    // SAFETY: By the caller's promise; the helper checks the length.
    unsafe { ffi::rmd_bio_split(master, sectors) }
}

/// Sends a clone of `master` to `member`, `offset` sectors further on; its end is
/// reported to `raid1::clone_end(r1, idx, status)`.
///
/// # Safety
///
/// `master` must be a bio from `Bio::into_raw` not yet ended, `member` an open bdev file
/// that stays open until the clone ends, and `r1` a request that stays alive until then.
pub(crate) unsafe fn clone_raw(
    master: *mut bindings::bio,
    member: *mut bindings::file,
    offset: u64,
    r1: *mut core::ffi::c_void,
    idx: i32,
    failfast: bool,
) {
    // SAFETY: By the caller's promise.
    unsafe { ffi::rmd_clone_submit(master, member, offset, r1, idx, failfast) }
}

/// Sends a write-behind clone of `master` to `member`: a copy of its data in pages
/// of its own, so `master` may end first. `Err` (nothing sent) when the copy cannot
/// be made (no memory, or not a plain data write of at most 1 MiB).
///
/// # Safety
///
/// As [`clone_raw`], except that `master` need only live until this returns.
pub(crate) unsafe fn clone_behind_raw(
    master: *mut bindings::bio,
    member: *mut bindings::file,
    offset: u64,
    r1: *mut core::ffi::c_void,
    idx: i32,
) -> Result {
    // SAFETY: By the caller's promise.
    to_result(unsafe { ffi::rmd_clone_submit_behind(master, member, offset, r1, idx) })
}

/// Writes `sectors` of `master`'s data, `skip` sectors into it, to `member`,
/// `offset` sectors further on, and waits (raid1's narrow_write_error piece).
///
/// # Safety
///
/// `master` must be a bio from `Bio::into_raw` not yet ended and `member` an open
/// bdev file, both for the length of the call.
pub(crate) unsafe fn clone_write_sync(
    master: *mut bindings::bio,
    member: *mut bindings::file,
    offset: u64,
    skip: u32,
    sectors: u32,
) -> Result {
    // SAFETY: By the caller's promise; the helper checks the piece against `master`.
    to_result(unsafe { ffi::rmd_clone_write_sync(master, member, offset, skip, sectors) })
}

/// Sets up the bio_sets clones and splits come from; `bioset_exit` after the
/// last array.
pub(crate) fn bioset_init() -> Result {
    // SAFETY: Initialises static bio_sets once, at module init.
    to_result(unsafe { ffi::rmd_bioset_init() })
}

/// Tears down the clones' bio_set; no array may be left.
pub(crate) fn bioset_exit() {
    // SAFETY: Called once at unload after every array is gone.
    unsafe { ffi::rmd_bioset_exit() }
}
