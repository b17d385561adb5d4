// SPDX-License-Identifier: GPL-2.0
//! Text sinks of show callbacks: a seq_file (/proc/mdstat) and a sysfs page.

use core::fmt;

use kernel::bindings;
use kernel::page::PAGE_SIZE;

/// A borrowed seq_file that text can be written to.
///
/// # Invariants
///
/// `self.0` is the seq_file of the running show callback.
pub(crate) struct SeqFile(*mut bindings::seq_file);

impl SeqFile {
    /// Wraps the seq_file a show callback was given.
    ///
    /// # Safety
    ///
    /// `seq` must be the seq_file of a running show callback, and the `SeqFile` must
    /// not outlive that callback.
    pub(crate) unsafe fn from_raw(seq: *mut bindings::seq_file) -> SeqFile {
        // INVARIANT: By the safety requirement.
        SeqFile(seq)
    }
}

impl fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.0` is the seq_file of the running show callback (type invariant);
        // `s` is valid for `s.len()` bytes.
        unsafe { bindings::seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// A sysfs page being filled by a show callback; writes past its end are dropped.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Page<'a> {
    /// The page sysfs hands a show callback.
    ///
    /// # Safety
    ///
    /// `page` must be valid for writes of `PAGE_SIZE` bytes and not accessed otherwise
    /// for `'a`.
    pub(crate) unsafe fn from_raw(page: *mut u8) -> Page<'a> {
        // SAFETY: By the safety requirement.
        let buf = unsafe { core::slice::from_raw_parts_mut(page, PAGE_SIZE) };
        Page { buf, len: 0 }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Lets `f` write into the rest of the page; it returns how many bytes it wrote
    /// (clamped to the room there was).
    pub(crate) fn fill(&mut self, f: impl FnOnce(&mut [u8]) -> usize) {
        let Some(rest) = self.buf.get_mut(self.len..) else {
            return;
        };
        let room = rest.len();
        self.len += f(rest).min(room);
    }
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        let n = s.len().min(room);
        let dst = self.buf.get_mut(self.len..self.len + n).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes().get(..n).ok_or(fmt::Error)?);
        self.len += n;
        if n < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}
