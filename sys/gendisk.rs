// SPDX-License-Identifier: GPL-2.0
//! Safe handles for the md major, an array's gendisk, its /sys/block/mdN/md/
//! kobject and the members' dev-NAME/ kobjects.

use core::ffi::c_void;
use core::ptr::{null_mut, NonNull};
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::bindings;
use kernel::c_str;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::CString;

use super::bdev::BdevFile;
use super::ffi::{self, RmdKobj, RmdRdevKobj};
use super::util::{from_err_ptr, to_result};

/// MD_MAJOR.
const MD_MAJOR: u32 = 9;

/// Registers major 9 ("md") with the probe that creates arrays on open.
pub(crate) fn register_major() -> Result {
    // SAFETY: Registers a static probe; `unregister_major` undoes it at unload.
    to_result(unsafe { ffi::rmd_register_major() })
}

/// Unregisters major 9; waits for a probe in progress.
pub(crate) fn unregister_major() {
    // SAFETY: Undoes `register_major`; the name is a static NUL-terminated string.
    unsafe { bindings::unregister_blkdev(MD_MAJOR, c_str!("md").as_char_ptr()) }
}

/// The gendisk of one array (9:minor).
///
/// # Invariants
///
/// `ptr` is a gendisk allocated by `rmd_alloc_disk`. Until `added` is set we
/// hold its allocation reference and drop it in `Drop`; once added, `remove`
/// (called once, by the mddev's deletion) deletes it and drops that reference.
pub(crate) struct Disk {
    ptr: NonNull<bindings::gendisk>,
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
        let ptr = from_err_ptr(unsafe { ffi::rmd_alloc_disk(minor, name.as_char_ptr()) })?;
        // INVARIANT: `ptr` is a fresh gendisk whose reference we own.
        Ok(Disk {
            ptr,
            added: AtomicBool::new(false),
        })
    }

    fn as_ptr(&self) -> *mut bindings::gendisk {
        self.ptr.as_ptr()
    }

    /// Stores the pointer the disk's callbacks (and `free_disk`) are given.
    ///
    /// # Safety
    ///
    /// `private` must be what the `rust_md_*` block-device callbacks expect, valid
    /// until `free_disk` hands it back; set before `add`.
    pub(crate) unsafe fn set_private(&self, private: *const c_void) {
        // SAFETY: `self.ptr` is a valid gendisk (type invariant), not yet added, so
        // nothing reads the field concurrently.
        unsafe { (*self.as_ptr()).private_data = private.cast_mut() }
    }

    /// Makes the disk visible (`add_disk`).
    pub(crate) fn add(&self) -> Result {
        // SAFETY: `self.ptr` is a valid gendisk not yet added; no parent, no groups.
        to_result(unsafe { bindings::device_add_disk(null_mut(), self.as_ptr(), null_mut()) })?;
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
            bindings::del_gendisk(self.as_ptr());
            bindings::put_disk(self.as_ptr());
        }
    }

    /// Stacks the members' queue limits (at their data offsets) onto the array's queue.
    pub(crate) fn set_limits(&self, members: &[&BdevFile], offsets: &[u64]) -> Result {
        let n = members.len().min(offsets.len());
        let mut files = KVec::with_capacity(n, GFP_KERNEL)?;
        for m in members.iter().take(n) {
            files.push(m.as_ptr(), GFP_KERNEL)?;
        }
        let n = u32::try_from(n).map_err(|_| EINVAL)?;
        // SAFETY: Valid gendisk; `files` are open bdev files (borrowed from `members`
        // for the call) and both arrays hold `n` entries.
        to_result(unsafe {
            ffi::rmd_set_limits(self.as_ptr(), files.as_ptr(), offsets.as_ptr(), n)
        })
    }

    /// Adds one more member's limits (at its data offset) to the live ones: md's
    /// `mddev_stack_new_rdev`, for a spare taking a slot of a running array.
    pub(crate) fn stack_new_member(&self, member: &BdevFile, data_offset: u64) -> Result {
        // SAFETY: Valid gendisk (type invariant); `member` is an open bdev file for as
        // long as the borrow lasts.
        to_result(unsafe { ffi::rmd_stack_new_member(self.as_ptr(), member.as_ptr(), data_offset) })
    }

    /// Sets the capacity and tells userspace (logs "detected capacity change").
    pub(crate) fn set_capacity(&self, sectors: u64) {
        // SAFETY: Valid gendisk (type invariant).
        unsafe { bindings::set_capacity_and_notify(self.as_ptr(), sectors) };
    }

    /// Sends a change uevent for the disk.
    pub(crate) fn change_uevent(&self) {
        // SAFETY: Valid gendisk (type invariant): its part0 lives as long as it, and
        // its device is the disk's (disk_to_dev).
        unsafe {
            let dev = core::ptr::addr_of_mut!((*(*self.as_ptr()).part0).bd_device);
            bindings::kobject_uevent(
                core::ptr::addr_of_mut!((*dev).kobj),
                bindings::kobject_action_KOBJ_CHANGE,
            );
        }
    }

    /// Marks the array device read-only or read-write for the block layer.
    pub(crate) fn set_ro(&self, ro: bool) {
        // SAFETY: Valid gendisk (type invariant).
        unsafe { bindings::set_disk_ro(self.as_ptr(), ro) }
    }

    /// Writes back the array device's page cache.
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: Valid, added gendisk (callers only sync running arrays); part0 lives as
        // long as the disk.
        to_result(unsafe { bindings::sync_blockdev((*self.as_ptr()).part0) })
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        if !*self.added.get_mut() {
            // SAFETY: Never added, so the allocation reference is still ours (type
            // invariant); free_disk is not called for a disk that was not added.
            unsafe { bindings::put_disk(self.as_ptr()) }
        }
    }
}

/// The /sys/block/mdN/md/ directory of an array; removed on drop.
///
/// # Invariants
///
/// `ptr` is a kobject added by `rmd_md_kobj_add` and not yet removed.
pub(crate) struct MdKobj {
    ptr: NonNull<RmdKobj>,
}

// SAFETY: kobjects may be removed and notified from any thread.
unsafe impl Send for MdKobj {}
// SAFETY: As above.
unsafe impl Sync for MdKobj {}

impl MdKobj {
    /// Adds `md/` under the disk. Its attribute callbacks get `private`.
    ///
    /// # Safety
    ///
    /// `private` must be what the `rust_md_attr_*` and `rust_md_rdev_store` callbacks
    /// expect, valid until this `MdKobj` is dropped.
    pub(crate) unsafe fn add(disk: &Disk, private: *const c_void) -> Result<MdKobj> {
        // SAFETY: `disk` is a valid gendisk; `private` outlives the kobject (caller).
        let ptr = from_err_ptr(unsafe { ffi::rmd_md_kobj_add(disk.as_ptr(), private) })?;
        // INVARIANT: `ptr` was just added.
        Ok(MdKobj { ptr })
    }

    /// Wakes pollers of attribute `attr` (e.g. `array_state`).
    #[allow(dead_code)]
    pub(crate) fn notify(&self, attr: &CStr) {
        // SAFETY: `self.ptr` is live (type invariant); `attr` is NUL-terminated.
        unsafe { ffi::rmd_md_kobj_notify(self.ptr.as_ptr(), attr.as_char_ptr()) }
    }

    /// Removes the md/`link` symlink, if present.
    pub(crate) fn unlink(&self, link: &CStr) {
        // SAFETY: Live kobject (type invariant); `link` is NUL-terminated.
        unsafe { ffi::rmd_md_unlink(self.ptr.as_ptr(), link.as_char_ptr()) }
    }
}

impl Drop for MdKobj {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is live (type invariant) and removed exactly once, here.
        unsafe { ffi::rmd_md_kobj_remove(self.ptr.as_ptr()) }
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
    ptr: NonNull<RmdRdevKobj>,
}

// SAFETY: kobjects may be updated and removed from any thread.
unsafe impl Send for RdevKobj {}
// SAFETY: As above; the snapshot is protected by its own spinlock.
unsafe impl Sync for RdevKobj {}

impl RdevKobj {
    /// Adds `dev-<name>` under the array's md/ with a `block` link to `member`.
    pub(crate) fn add(md: &MdKobj, name: &CStr, member: &BdevFile) -> Result<RdevKobj> {
        // SAFETY: `md` is live (its invariant); `name` is NUL-terminated; `member` is an
        // open bdev file for the call (the link takes its own reference).
        let ptr = from_err_ptr(unsafe {
            ffi::rmd_rdev_kobj_add(md.ptr.as_ptr(), name.as_char_ptr(), member.as_ptr())
        })?;
        // INVARIANT: Just added.
        Ok(RdevKobj { ptr })
    }

    /// Refreshes what state, slot, offset, size and errors read back.
    pub(crate) fn update(&self, state: &CStr, slot: i32, offset: u64, size_kib: u64, errors: i32) {
        // SAFETY: Live kobject (type invariant); `state` is NUL-terminated and copied.
        unsafe {
            ffi::rmd_rdev_kobj_update(
                self.ptr.as_ptr(),
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
        to_result(unsafe {
            ffi::rmd_md_link_rdev(md.ptr.as_ptr(), self.ptr.as_ptr(), link.as_char_ptr())
        })
    }
}

impl Drop for RdevKobj {
    fn drop(&mut self) {
        // SAFETY: Live (type invariant), removed exactly once, here.
        unsafe { ffi::rmd_rdev_kobj_remove(self.ptr.as_ptr()) }
    }
}
