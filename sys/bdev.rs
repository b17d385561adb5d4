// SPDX-License-Identifier: GPL-2.0
//! A member block device opened exclusively by dev_t, with the synchronous
//! superblock I/O md does on it.

use core::ffi::c_void;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use kernel::bindings;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use super::ffi;
use super::util::{from_err_ptr, to_result};

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
    /// Opens `dev` read-write, exclusively for `holder` (its address is the claim:
    /// another open for the same holder shares it, any other is refused).
    pub(crate) fn open<H>(dev: u32, holder: &H) -> Result<BdevFile> {
        let holder = core::ptr::from_ref(holder).cast::<c_void>().cast_mut();
        // SAFETY: `holder` is only compared by the block layer, never dereferenced.
        let raw = unsafe { ffi::rmd_bdev_open(dev, holder) };
        // INVARIANT: Just opened.
        Ok(BdevFile {
            ptr: from_err_ptr(raw)?,
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

    /// A non-rotational device (SSD, most virtual disks that say so).
    pub(crate) fn nonrot(&self) -> bool {
        // SAFETY: Open file (type invariant).
        unsafe { ffi::rmd_bdev_nonrot(self.ptr.as_ptr()) }
    }

    /// Its optimal I/O size in bytes (0: none given).
    pub(crate) fn io_opt(&self) -> u32 {
        // SAFETY: Open file (type invariant).
        unsafe { ffi::rmd_bdev_io_opt(self.ptr.as_ptr()) }
    }

    /// The device name (`vda`) into `buf`; returns its length.
    pub(crate) fn name(&self, buf: &mut [u8; 32]) -> usize {
        // SAFETY: Open file; `buf` has room for 32 bytes including the NUL.
        unsafe { ffi::rmd_bdev_name(self.ptr.as_ptr(), buf.as_mut_ptr(), buf.len()) };
        buf.iter().position(|b| *b == 0).unwrap_or(buf.len())
    }

    /// Reads the whole of `buf` at `sector`.
    pub(crate) fn read(&self, sector: u64, buf: &mut SbBuf) -> Result {
        let len = buf.len();
        self.sync_io(sector, buf, len, false)
    }

    /// Reads the first `len` bytes of `buf` at `sector`.
    pub(crate) fn read_len(&self, sector: u64, buf: &mut SbBuf, len: usize) -> Result {
        self.sync_io(sector, buf, len, false)
    }

    /// Writes the first `len` bytes of `buf` at `sector` with PREFLUSH|FUA and waits.
    pub(crate) fn write(&self, sector: u64, buf: &mut SbBuf, len: usize) -> Result {
        self.sync_io(sector, buf, len, true)
    }

    fn sync_io(&self, sector: u64, buf: &mut SbBuf, len: usize, write: bool) -> Result {
        if len > buf.len() {
            return Err(EINVAL);
        }
        let len = u32::try_from(len).map_err(|_| EINVAL)?;
        // SAFETY: Open file; `buf` is a kmalloc'ed buffer within one page (type invariant
        // of `SbBuf`), valid for `len` bytes; the helper refuses buffers that cross a
        // page and only reads the buffer for a write.
        to_result(unsafe {
            ffi::rmd_sync_io(
                self.ptr.as_ptr(),
                sector,
                buf.0.as_mut_ptr().cast(),
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
        unsafe { bindings::bdev_fput(self.ptr.as_ptr()) }
    }
}

/// Bytes of a superblock buffer: the largest superblock block md reads or writes.
pub(crate) const SB_BUF_LEN: usize = 4096;

// One `SbBuf` must fit in one page (the synchronous I/O adds a single page).
const _: () = assert!(SB_BUF_LEN <= PAGE_SIZE && SB_BUF_LEN.is_power_of_two());

/// A zeroed buffer for superblock I/O.
///
/// # Invariants
///
/// `self.0` holds `SB_BUF_LEN` bytes from kmalloc, which aligns power-of-two sizes
/// to their size: the bytes lie within one page of the direct map.
pub(crate) struct SbBuf(KVec<u8>);

impl SbBuf {
    /// Allocates a zeroed buffer.
    pub(crate) fn new() -> Result<SbBuf> {
        let mut v = KVec::with_capacity(SB_BUF_LEN, GFP_KERNEL)?;
        v.extend_with(SB_BUF_LEN, 0u8, GFP_KERNEL)?;
        // INVARIANT: One kmalloc allocation of `SB_BUF_LEN` bytes.
        Ok(SbBuf(v))
    }
}

impl Deref for SbBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl DerefMut for SbBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// A page-sized, page-aligned kmalloc buffer for superblock I/O.
pub(crate) fn sb_buffer() -> Result<SbBuf> {
    SbBuf::new()
}
