// SPDX-License-Identifier: GPL-2.0
//! Page buffers and batched synchronous member I/O (resync, recovery,
//! read-error repair).

use core::ptr::NonNull;

use kernel::bindings;
use kernel::ffi::c_uint;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use super::ffi::{self, RmdBuf, RmdIo};
use super::util::to_result;

/// Size of one page of a `PageBuf`.
pub(crate) const PAGE: usize = PAGE_SIZE;

/// Pages for synchronous member I/O.
///
/// # Invariants
///
/// `ptr` is a live `rmd_buf` of `nr` allocated pages, freed on drop.
pub(crate) struct PageBuf {
    ptr: NonNull<RmdBuf>,
    nr: usize,
}

// SAFETY: The pages are plain memory owned by this value.
unsafe impl Send for PageBuf {}

impl PageBuf {
    /// Allocates `nr` pages.
    pub(crate) fn new(nr: usize) -> Result<PageBuf> {
        let n = c_uint::try_from(nr).map_err(|_| EINVAL)?;
        // SAFETY: Plain allocation; NULL on failure.
        let p = unsafe { ffi::rmd_buf_alloc(n) };
        let ptr = NonNull::new(p).ok_or(ENOMEM)?;
        // INVARIANT: Freshly allocated with `nr` pages.
        Ok(PageBuf { ptr, nr })
    }

    /// Capacity in sectors.
    pub(crate) fn sectors(&self) -> u32 {
        (self.nr * (PAGE / 512)) as u32
    }

    /// Page `i`.
    pub(crate) fn page(&self, i: usize) -> Option<&[u8]> {
        if i >= self.nr {
            return None;
        }
        // SAFETY: `i < nr`: a live page of PAGE bytes (type invariant), mapped (no
        // highmem on the architectures this builds for); shared borrow of `self`.
        Some(unsafe {
            core::slice::from_raw_parts(ffi::rmd_buf_page(self.ptr.as_ptr(), i as c_uint), PAGE)
        })
    }

    /// Whether sectors `[from, from + n)` of `self` and `other` are equal.
    pub(crate) fn same(&self, other: &PageBuf, from: u32, n: u32) -> bool {
        let (start, end) = (from as usize * 512, (from as usize + n as usize) * 512);
        let mut pos = start;
        while pos < end {
            let (i, off) = (pos / PAGE, pos % PAGE);
            let len = (PAGE - off).min(end - pos);
            let a = self.page(i).and_then(|p| p.get(off..off + len));
            let b = other.page(i).and_then(|p| p.get(off..off + len));
            if a.is_none() || a != b {
                return false;
            }
            pos += len;
        }
        true
    }
}

impl Drop for PageBuf {
    fn drop(&mut self) {
        // SAFETY: Live and freed exactly once (type invariant).
        unsafe { ffi::rmd_buf_free(self.ptr.as_ptr()) }
    }
}

/// One request of `io_batch`.
pub(crate) struct IoReq<'a> {
    /// The member, open for the duration of the call.
    pub(crate) file: *mut bindings::file,
    /// Data to write or room for data read.
    pub(crate) buf: &'a PageBuf,
    /// Where on the member (absolute sector).
    pub(crate) sector: u64,
    /// How much.
    pub(crate) sectors: u32,
    /// Write instead of read.
    pub(crate) write: bool,
    /// Result, filled in.
    pub(crate) result: Result,
}

/// Submits every request at once and waits for all (reads land in their buffers).
///
/// # Safety
///
/// Every `file` must be an open block-device file that stays open during the call,
/// and no two requests may read into the same buffer.
pub(crate) unsafe fn io_batch(reqs: &mut [IoReq<'_>]) {
    let mut raw: [RmdIo; 8] = core::array::from_fn(|_| RmdIo {
        file: core::ptr::null_mut(),
        buf: core::ptr::null_mut(),
        sector: 0,
        sectors: 0,
        write: false,
        status: 0,
        batch: core::ptr::null_mut(),
    });
    for chunk in reqs.chunks_mut(raw.len()) {
        for (r, q) in raw.iter_mut().zip(chunk.iter()) {
            r.file = q.file;
            r.buf = q.buf.ptr.as_ptr();
            r.sector = q.sector;
            r.sectors = q.sectors.min(q.buf.sectors());
            r.write = q.write;
            r.status = 0;
        }
        // SAFETY: `raw[..n]` are filled from live buffers and open files (the caller's
        // promise); the helper waits for every bio before returning.
        unsafe { ffi::rmd_io_batch(raw.as_mut_ptr(), chunk.len() as c_uint) };
        for (r, q) in raw.iter().zip(chunk.iter_mut()) {
            q.result = to_result(r.status);
        }
    }
}
