// SPDX-License-Identifier: GPL-2.0
//! A member block device opened exclusively by dev_t, with the synchronous
//! superblock I/O md does on it.

use core::ffi::c_void;
use core::ptr::NonNull;

use kernel::bindings;
use kernel::prelude::*;

use crate::ffi;

/// An open member device; closed on drop.
///
/// # Invariants
///
/// `ptr` is a bdev file from `bdev_file_open_by_dev` that has not been closed.
pub(crate) struct BdevFile {
    ptr: NonNull<bindings::file>,
}

// SAFETY: A bdev file may be used and closed from any thread.
unsafe impl Send for BdevFile {}
// SAFETY: As above; all operations go through the block layer.
unsafe impl Sync for BdevFile {}

impl BdevFile {
    /// Opens `dev` read-write, exclusively for `holder`.
    pub(crate) fn open(dev: u32, holder: *const c_void) -> Result<BdevFile> {
        // SAFETY: `holder` is only compared by the block layer, never dereferenced.
        let raw = unsafe { ffi::rmd_bdev_open(dev, holder.cast_mut()) };
        let ptr = ffi::from_err_ptr(raw)?;
        // INVARIANT: Just opened.
        Ok(BdevFile {
            ptr: NonNull::new(ptr).ok_or(ENODEV)?,
        })
    }

    /// Size in 512-byte sectors.
    pub(crate) fn sectors(&self) -> u64 {
        // SAFETY: Open file (type invariant).
        unsafe { ffi::rmd_bdev_sectors(self.ptr.as_ptr()) }
    }

    /// Logical block size in bytes.
    pub(crate) fn logical_block_size(&self) -> u32 {
        // SAFETY: Open file (type invariant).
        unsafe { ffi::rmd_bdev_logical_block_size(self.ptr.as_ptr()) }
    }

    /// The device name (`vda`) into `buf`; returns its length.
    pub(crate) fn name(&self, buf: &mut [u8; 32]) -> usize {
        // SAFETY: Open file; `buf` has room for 32 bytes including the NUL.
        unsafe { ffi::rmd_bdev_name(self.ptr.as_ptr(), buf.as_mut_ptr(), buf.len()) };
        buf.iter().position(|b| *b == 0).unwrap_or(buf.len())
    }

    /// Reads `buf.len()` bytes at `sector`. `buf` must come from `sb_buffer`.
    pub(crate) fn read(&self, sector: u64, buf: &mut [u8]) -> Result {
        self.sync_io(sector, buf, false)
    }

    /// Writes `buf` at `sector` with PREFLUSH|FUA and waits.
    pub(crate) fn write(&self, sector: u64, buf: &mut [u8]) -> Result {
        self.sync_io(sector, buf, true)
    }

    fn sync_io(&self, sector: u64, buf: &mut [u8], write: bool) -> Result {
        let len = u32::try_from(buf.len()).map_err(|_| EINVAL)?;
        // SAFETY: Open file; `buf` is valid for `len` bytes; the helper refuses buffers that
        // are not within one page and only reads the buffer for a write.
        ffi::to_result(unsafe {
            ffi::rmd_sync_io(
                self.ptr.as_ptr(),
                sector,
                buf.as_mut_ptr().cast(),
                len,
                write,
            )
        })
    }

    /// The raw file, for the data path and queue limits.
    pub(crate) fn as_ptr(&self) -> *mut bindings::file {
        self.ptr.as_ptr()
    }
}

impl Drop for BdevFile {
    fn drop(&mut self) {
        // SAFETY: Open (type invariant) and closed exactly once, here.
        unsafe { ffi::rmd_bdev_close(self.ptr.as_ptr()) }
    }
}

/// A page-sized, page-aligned kmalloc buffer for superblock I/O.
pub(crate) fn sb_buffer() -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(4096, GFP_KERNEL)?;
    v.extend_with(4096, 0u8, GFP_KERNEL)?;
    Ok(v)
}
