// SPDX-License-Identifier: GPL-2.0
//! Safe handles for an array's gendisk and its /sys/block/mdN/md/ kobject.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::bindings;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::CString;

use crate::ffi;

/// The gendisk of one array (9:minor).
///
/// # Invariants
///
/// `ptr` is a gendisk allocated by `rmd_alloc_disk`. Until `added` is set we
/// hold its allocation reference and drop it in `Drop`; once added, `remove`
/// (called once, by the mddev's deletion) deletes it and drops that reference.
pub(crate) struct Disk {
    ptr: *mut bindings::gendisk,
    added: AtomicBool,
}

// SAFETY: A gendisk may be used from any thread; the block layer locks internally.
unsafe impl Send for Disk {}
// SAFETY: As above; `Disk` has no interior state of its own.
unsafe impl Sync for Disk {}

impl Disk {
    /// Allocates a gendisk named `name` for 9:`minor` with md's fops.
    pub(crate) fn alloc(minor: u32, name: &CStr) -> Result<Disk> {
        // SAFETY: `name` is NUL-terminated; the helper copies it.
        let ptr = ffi::from_err_ptr(unsafe { ffi::rmd_alloc_disk(minor, name.as_char_ptr()) })?;
        // INVARIANT: `ptr` is a fresh gendisk whose reference we own.
        Ok(Disk {
            ptr,
            added: AtomicBool::new(false),
        })
    }

    /// Stores the foreign-owned mddev reference handed back in `free_disk`.
    pub(crate) fn set_private(&self, mddev: *const c_void) {
        // SAFETY: `self.ptr` is a valid gendisk (type invariant).
        unsafe { ffi::rmd_disk_set_private(self.ptr, mddev) }
    }

    /// Makes the disk visible (`add_disk`).
    pub(crate) fn add(&self) -> Result {
        // SAFETY: `self.ptr` is a valid gendisk not yet added.
        ffi::to_result(unsafe { ffi::rmd_add_disk(self.ptr) })?;
        self.added.store(true, Ordering::Release);
        Ok(())
    }

    /// Deletes an added disk and drops our reference; `free_disk` follows once the
    /// last reference is gone. Must be called once, after `add` succeeded.
    pub(crate) fn remove(&self) {
        if !self.added.load(Ordering::Acquire) {
            return;
        }
        // SAFETY: `self.ptr` is an added gendisk; the caller calls this once.
        unsafe {
            ffi::rmd_del_disk(self.ptr);
            ffi::rmd_put_disk(self.ptr);
        }
    }

    /// The raw pointer, for the md kobject's parent.
    fn as_ptr(&self) -> *mut bindings::gendisk {
        self.ptr
    }

    /// Stacks the members' queue limits (at their data offsets) onto the array's queue.
    pub(crate) fn set_limits(&self, members: &[*mut bindings::file], offsets: &[u64]) -> Result {
        let n = u32::try_from(members.len().min(offsets.len())).map_err(|_| EINVAL)?;
        // SAFETY: Valid gendisk; `members` are open bdev files and both slices hold `n`
        // entries for the duration of the call.
        ffi::to_result(unsafe {
            ffi::rmd_set_limits(self.ptr, members.as_ptr(), offsets.as_ptr(), n)
        })
    }

    /// Adds one more member's limits (at its data offset) to the live ones: md's
    /// `mddev_stack_new_rdev`, for a spare taking a slot of a running array.
    pub(crate) fn stack_new_member(
        &self,
        member: &crate::blockdev::BdevFile,
        data_offset: u64,
    ) -> Result {
        // SAFETY: Valid gendisk (type invariant); `member` is an open bdev file for as
        // long as the borrow lasts.
        ffi::to_result(unsafe { ffi::rmd_stack_new_member(self.ptr, member.as_ptr(), data_offset) })
    }

    /// Sets the capacity and tells userspace (logs "detected capacity change").
    pub(crate) fn set_capacity(&self, sectors: u64) {
        // SAFETY: Valid gendisk (type invariant).
        unsafe { ffi::rmd_set_capacity(self.ptr, sectors) }
    }

    /// Sends a change uevent for the disk.
    pub(crate) fn change_uevent(&self) {
        // SAFETY: Valid gendisk (type invariant).
        unsafe { ffi::rmd_disk_change_uevent(self.ptr) }
    }

    /// Marks the array device read-only or read-write for the block layer.
    pub(crate) fn set_ro(&self, ro: bool) {
        // SAFETY: Valid gendisk (type invariant).
        unsafe { ffi::rmd_set_disk_ro(self.ptr, ro) }
    }

    /// Writes back the array device's page cache.
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: Valid, added gendisk (callers only sync running arrays).
        ffi::to_result(unsafe { ffi::rmd_sync_disk(self.ptr) })
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        if !*self.added.get_mut() {
            // SAFETY: Never added, so the allocation reference is still ours (type
            // invariant); free_disk is not called for a disk that was not added.
            unsafe { ffi::rmd_put_disk(self.ptr) }
        }
    }
}

/// The /sys/block/mdN/md/ directory of an array; removed on drop.
///
/// # Invariants
///
/// `ptr` is a kobject added by `rmd_md_kobj_add` and not yet removed.
pub(crate) struct MdKobj {
    ptr: *mut ffi::RmdKobj,
}

// SAFETY: kobjects may be removed and notified from any thread.
unsafe impl Send for MdKobj {}
// SAFETY: As above.
unsafe impl Sync for MdKobj {}

impl MdKobj {
    /// Adds `md/` under the disk. Its attribute callbacks get `mddev`, which must stay
    /// valid until this `MdKobj` is dropped.
    pub(crate) fn add(disk: &Disk, mddev: *const c_void) -> Result<MdKobj> {
        // SAFETY: `disk` is an added gendisk; `mddev` outlives the kobject (caller).
        let ptr = ffi::from_err_ptr(unsafe { ffi::rmd_md_kobj_add(disk.as_ptr(), mddev) })?;
        // INVARIANT: `ptr` was just added.
        Ok(MdKobj { ptr })
    }

    /// Wakes pollers of attribute `attr` (e.g. `array_state`).
    #[allow(dead_code)]
    pub(crate) fn notify(&self, attr: &CStr) {
        // SAFETY: `self.ptr` is live (type invariant); `attr` is NUL-terminated.
        unsafe { ffi::rmd_md_kobj_notify(self.ptr, attr.as_char_ptr()) }
    }
}

impl Drop for MdKobj {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is live (type invariant) and removed exactly once, here.
        unsafe { ffi::rmd_md_kobj_remove(self.ptr) }
    }
}

/// Builds a gendisk name such as `md0`.
pub(crate) fn disk_name(minor: u32) -> Result<CString> {
    CString::try_from_fmt(fmt!("md{minor}"))
}

/// A member's /sys/block/mdN/md/dev-NAME/ directory; removed on drop.
///
/// # Invariants
///
/// `ptr` was added by `rmd_rdev_kobj_add` and not yet removed. Its show callbacks
/// read only the snapshot kept in the C struct, never the array's state.
pub(crate) struct RdevKobj {
    ptr: *mut ffi::RmdRdevKobj,
}

// SAFETY: kobjects may be updated and removed from any thread.
unsafe impl Send for RdevKobj {}
// SAFETY: As above; the snapshot is protected by its own spinlock.
unsafe impl Sync for RdevKobj {}

impl RdevKobj {
    /// Adds `dev-<name>` under the array's md/ with a `block` link to `member`.
    pub(crate) fn add(md: &MdKobj, name: &CStr, member: *mut bindings::file) -> Result<RdevKobj> {
        // SAFETY: `md` is live (its invariant); `name` is NUL-terminated; `member` is an
        // open bdev file (caller).
        let ptr = ffi::from_err_ptr(unsafe {
            ffi::rmd_rdev_kobj_add(md.ptr, name.as_char_ptr(), member)
        })?;
        // INVARIANT: Just added.
        Ok(RdevKobj { ptr })
    }

    /// Refreshes what state, slot, offset, size and errors read back.
    pub(crate) fn update(&self, state: &CStr, slot: i32, offset: u64, size_kib: u64, errors: i32) {
        // SAFETY: Live kobject (type invariant); `state` is NUL-terminated and copied.
        unsafe {
            ffi::rmd_rdev_kobj_update(
                self.ptr,
                state.as_char_ptr(),
                slot,
                offset,
                size_kib,
                errors,
            )
        }
    }

    /// Adds md/`link` (e.g. `rd0`) pointing at this directory.
    pub(crate) fn link_from(&self, md: &MdKobj, link: &CStr) -> Result {
        // SAFETY: Both kobjects are live; `link` is NUL-terminated.
        ffi::to_result(unsafe { ffi::rmd_md_link_rdev(md.ptr, self.ptr, link.as_char_ptr()) })
    }
}

impl Drop for RdevKobj {
    fn drop(&mut self) {
        // SAFETY: Live (type invariant), removed exactly once, here.
        unsafe { ffi::rmd_rdev_kobj_remove(self.ptr) }
    }
}

impl MdKobj {
    /// Removes the md/`link` symlink, if present.
    pub(crate) fn unlink(&self, link: &CStr) {
        // SAFETY: Live kobject (type invariant); `link` is NUL-terminated.
        unsafe { ffi::rmd_md_unlink(self.ptr, link.as_char_ptr()) }
    }
}
