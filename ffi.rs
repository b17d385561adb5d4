// SPDX-License-Identifier: GPL-2.0
//! The boundary with helpers.c: its functions, declared once, and the
//! `rust_md_*` entry points it calls, which turn raw pointers into the safe
//! types md_core.rs works with. All FFI `unsafe` of the crate lives here and
//! in the thin wrappers (gendisk.rs, workqueue.rs).

use core::ffi::c_void;
use core::fmt;

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::ForeignOwnable;

use crate::Mddev;

/// `struct rmd_rdev_kobj` of helpers.c: the dev-NAME/ kobject of one member.
#[repr(C)]
pub(crate) struct RmdRdevKobj {
    _opaque: [u8; 0],
}

/// `struct rmd_kobj` of helpers.c: the md/ kobject of one array.
#[repr(C)]
pub(crate) struct RmdKobj {
    _opaque: [u8; 0],
}

// Only pointers to these C structs cross the boundary; their layout is not used.
#[allow(improper_ctypes)]
extern "C" {
    pub(crate) fn rmd_create_on_open() -> bool;
    pub(crate) fn rmd_start_readonly() -> c_uint;
    #[allow(dead_code)]
    pub(crate) fn rmd_start_dirty_degraded() -> c_int;
    pub(crate) fn rmd_sysctl_register() -> c_int;
    pub(crate) fn rmd_sysctl_unregister();
    pub(crate) fn rmd_speed_limit_min() -> c_int;
    pub(crate) fn rmd_speed_limit_max() -> c_int;
    pub(crate) fn rmd_mdstat_register() -> c_int;
    pub(crate) fn rmd_mdstat_unregister();
    pub(crate) fn rmd_seq_write(seq: *mut bindings::seq_file, data: *const c_char, len: usize);
    pub(crate) fn rmd_alloc_workqueue(
        name: *const c_char,
        mem_reclaim: bool,
    ) -> *mut bindings::workqueue_struct;
    pub(crate) fn rmd_register_major() -> c_int;
    pub(crate) fn rmd_unregister_major();
    pub(crate) fn rmd_alloc_disk(minor: c_uint, name: *const c_char) -> *mut bindings::gendisk;
    pub(crate) fn rmd_disk_set_private(disk: *mut bindings::gendisk, mddev: *const c_void);
    pub(crate) fn rmd_add_disk(disk: *mut bindings::gendisk) -> c_int;
    pub(crate) fn rmd_del_disk(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_put_disk(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_module_get() -> bool;
    pub(crate) fn rmd_module_put();
    pub(crate) fn rmd_md_kobj_add(
        disk: *mut bindings::gendisk,
        mddev: *const c_void,
    ) -> *mut RmdKobj;
    pub(crate) fn rmd_md_kobj_remove(k: *mut RmdKobj);
    pub(crate) fn rmd_md_kobj_notify(k: *mut RmdKobj, attr: *const c_char);
    pub(crate) fn rmd_params_quiesce();
    pub(crate) fn rmd_bdev_open(dev: u32, holder: *mut c_void) -> *mut bindings::file;
    pub(crate) fn rmd_bdev_close(f: *mut bindings::file);
    pub(crate) fn rmd_bdev_sectors(f: *mut bindings::file) -> u64;
    pub(crate) fn rmd_bdev_logical_block_size(f: *mut bindings::file) -> c_uint;
    pub(crate) fn rmd_bdev_name(f: *mut bindings::file, buf: *mut c_char, len: usize);
    pub(crate) fn rmd_sync_io(
        f: *mut bindings::file,
        sector: u64,
        buf: *mut c_void,
        len: c_uint,
        write: bool,
    ) -> c_int;
    pub(crate) fn rmd_msleep(ms: c_uint);
    pub(crate) fn rmd_rdev_kobj_add(
        parent: *mut RmdKobj,
        name: *const c_char,
        member: *mut bindings::file,
    ) -> *mut RmdRdevKobj;
    pub(crate) fn rmd_rdev_kobj_update(
        k: *mut RmdRdevKobj,
        state: *const c_char,
        slot: c_int,
        offset: u64,
        size_kib: u64,
        errors: c_int,
    );
    pub(crate) fn rmd_rdev_kobj_remove(k: *mut RmdRdevKobj);
    pub(crate) fn rmd_md_link_rdev(
        md: *mut RmdKobj,
        k: *mut RmdRdevKobj,
        name: *const c_char,
    ) -> c_int;
    pub(crate) fn rmd_md_unlink(md: *mut RmdKobj, name: *const c_char);
    pub(crate) fn rmd_set_disk_ro(disk: *mut bindings::gendisk, ro: bool);
    pub(crate) fn rmd_noio_save() -> c_uint;
    pub(crate) fn rmd_noio_restore(flags: c_uint);
    pub(crate) fn rmd_set_limits(
        disk: *mut bindings::gendisk,
        members: *const *mut bindings::file,
        data_offsets: *const u64,
        n: c_uint,
    ) -> c_int;
    pub(crate) fn rmd_set_capacity(disk: *mut bindings::gendisk, sectors: u64);
    pub(crate) fn rmd_disk_change_uevent(disk: *mut bindings::gendisk);
    pub(crate) fn rmd_sync_disk(disk: *mut bindings::gendisk) -> c_int;
    pub(crate) fn rmd_bioset_init() -> c_int;
    pub(crate) fn rmd_bioset_exit();
    pub(crate) fn rmd_bio_split_to_limits(bio: *mut bindings::bio) -> *mut bindings::bio;
    pub(crate) fn rmd_bio_sector(bio: *mut bindings::bio) -> u64;
    pub(crate) fn rmd_bio_sectors(bio: *mut bindings::bio) -> c_uint;
    pub(crate) fn rmd_bio_kind(bio: *mut bindings::bio) -> c_int;
    pub(crate) fn rmd_bio_endio(bio: *mut bindings::bio, status: u8);
    pub(crate) fn rmd_clone_submit(
        orig: *mut bindings::bio,
        member: *mut bindings::file,
        offset: u64,
        pending: *mut bindings::atomic_t,
    );
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
pub(crate) struct NoIo(c_uint, core::marker::PhantomData<*mut ()>);

impl NoIo {
    /// Enters the scope.
    pub(crate) fn enter() -> NoIo {
        // SAFETY: Saves and sets the task's allocation flags; restored on drop.
        NoIo(unsafe { rmd_noio_save() }, core::marker::PhantomData)
    }
}

impl Drop for NoIo {
    fn drop(&mut self) {
        // SAFETY: Restores what `enter` saved, on the same task (not `Send`).
        unsafe { rmd_noio_restore(self.0) }
    }
}

/// Monotonic milliseconds (ktime_get).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let ns = unsafe { kernel::bindings::ktime_get() };
    u64::try_from(ns).unwrap_or(0) / 1_000_000
}

/// Wall-clock seconds (ktime_get_real_seconds).
pub(crate) fn real_seconds() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let t = unsafe { kernel::bindings::ktime_get_real_seconds() };
    u64::try_from(t).unwrap_or(0)
}

/// EOPNOTSUPP, which the 6.12 kernel crate does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32))
}

/// Takes a reference on this module (a configured array pins it).
pub(crate) fn module_get() -> bool {
    // SAFETY: try_module_get on THIS_MODULE; no preconditions.
    unsafe { rmd_module_get() }
}

/// Drops a reference taken by `module_get`.
pub(crate) fn module_put() {
    // SAFETY: Callers pair it with a successful `module_get`.
    unsafe { rmd_module_put() }
}

/// Sets up the bio_set clones come from; `bioset_exit` after the last array.
pub(crate) fn bioset_init() -> Result {
    // SAFETY: Initialises a static bio_set once, at module init.
    to_result(unsafe { rmd_bioset_init() })
}

/// Tears down the clones' bio_set; no array may be left.
pub(crate) fn bioset_exit() {
    // SAFETY: Called once at unload after every array is gone.
    unsafe { rmd_bioset_exit() }
}

/// Registers major 9 ("md") with the probe that creates arrays on open.
pub(crate) fn register_major() -> Result {
    // SAFETY: Registers a static probe; `unregister_major` undoes it at unload.
    to_result(unsafe { rmd_register_major() })
}

/// Unregisters major 9; waits for a probe in progress.
pub(crate) fn unregister_major() {
    // SAFETY: Undoes `register_major`.
    unsafe { rmd_unregister_major() }
}

/// Registers the `dev.raid` sysctls.
pub(crate) fn sysctl_register() -> Result {
    // SAFETY: Registers a static table; undone by `sysctl_unregister`.
    to_result(unsafe { rmd_sysctl_register() })
}

/// Unregisters the `dev.raid` sysctls.
pub(crate) fn sysctl_unregister() {
    // SAFETY: Undoes `sysctl_register`.
    unsafe { rmd_sysctl_unregister() }
}

/// Creates /proc/mdstat.
pub(crate) fn mdstat_register() -> Result {
    // SAFETY: Creates a proc entry with static ops; undone by `mdstat_unregister`.
    to_result(unsafe { rmd_mdstat_register() })
}

/// Removes /proc/mdstat; waits for readers in progress.
pub(crate) fn mdstat_unregister() {
    // SAFETY: Undoes `mdstat_register`.
    unsafe { rmd_mdstat_unregister() }
}

/// Waits for module parameter writes in progress.
pub(crate) fn params_quiesce() {
    // SAFETY: Takes and releases this module's parameter lock.
    unsafe { rmd_params_quiesce() }
}

/// Sleeps for `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: Sleeps; callers are in process context.
    unsafe { rmd_msleep(ms) }
}

/// Turns a C `ERR_PTR`/NULL/valid pointer into a `Result`.
pub(crate) fn from_err_ptr<T>(ptr: *mut T) -> Result<*mut T> {
    let v = ptr as isize;
    if ptr.is_null() {
        Err(ENOMEM)
    } else if (-4095..0).contains(&v) {
        Err(Error::from_errno(v as i32))
    } else {
        Ok(ptr)
    }
}

/// Turns a C return code into a `Result`.
pub(crate) fn to_result(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// Whether new arrays may be created by opening a 9:N node (`create_on_open`).
pub(crate) fn create_on_open() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { rmd_create_on_open() }
}

/// `start_ro`: 1 starts new arrays read-auto.
#[allow(dead_code)]
pub(crate) fn start_readonly() -> u32 {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { rmd_start_readonly() }
}

/// `dev.raid.speed_limit_min` and `speed_limit_max` in KiB/s.
#[allow(dead_code)]
pub(crate) fn speed_limits() -> (i32, i32) {
    // SAFETY: Reads two ints; no preconditions.
    unsafe { (rmd_speed_limit_min(), rmd_speed_limit_max()) }
}

/// A borrowed seq_file that text can be written to.
pub(crate) struct SeqFile(*mut bindings::seq_file);

impl fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.0` is the seq_file of the running show callback (type invariant of
        // the only constructor, `rust_md_mdstat_show`); `s` is valid for `s.len()` bytes.
        unsafe { rmd_seq_write(self.0, s.as_ptr(), s.len()) };
        Ok(())
    }
}

/// A sysfs page being filled by a show callback; writes past its end are dropped.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Page<'_> {
    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
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

/// sysfs hands show callbacks a buffer of one page.
const PAGE_SIZE: usize = 4096;

/// Borrows the Mddev behind a gendisk's private_data or a kobject's pointer.
///
/// # Safety
///
/// `ptr` must come from `Arc::<Mddev>::into_foreign` and that reference must be
/// held for `'a`.
unsafe fn mddev<'a>(ptr: *mut c_void) -> kernel::sync::ArcBorrow<'a, Mddev> {
    // SAFETY: By the function's safety requirement.
    unsafe { <Arc<Mddev> as ForeignOwnable>::borrow(ptr) }
}

#[no_mangle]
extern "C" fn rust_md_probe(minor: c_uint) {
    crate::md_probe(minor);
}

#[no_mangle]
extern "C" fn rust_md_new_array(name: *const c_char, len: usize) -> c_int {
    // SAFETY: The param core passes a NUL-terminated string of `len` bytes that stays
    // valid during the call.
    let bytes = unsafe { core::slice::from_raw_parts(name, len) };
    match crate::add_named_array(bytes) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_mdstat_show(seq: *mut bindings::seq_file) -> c_int {
    // INVARIANT: `seq` is the seq_file of this show callback, valid during it.
    let mut out = SeqFile(seq);
    crate::mdstat_show(&mut out);
    0
}

#[no_mangle]
extern "C" fn rust_md_submit_bio(mddev_ptr: *mut c_void, bio: *mut bindings::bio) {
    // SAFETY: The gendisk's private_data holds a reference until free_disk, and a bio is
    // only submitted to a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: The block layer hands us ownership of a valid bio.
    let bio = unsafe { crate::bio::Bio::from_raw(bio) };
    Mddev::submit_bio(mddev, bio);
}

#[no_mangle]
extern "C" fn rust_md_open(mddev_ptr: *mut c_void) -> c_int {
    // SAFETY: private_data holds a reference while the disk exists; open runs on a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    match crate::md_open(mddev) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_release(mddev_ptr: *mut c_void) {
    // SAFETY: As in `rust_md_open`.
    let mddev = unsafe { mddev(mddev_ptr) };
    crate::md_release(mddev);
}

#[no_mangle]
extern "C" fn rust_md_ioctl(
    mddev_ptr: *mut c_void,
    cmd: c_uint,
    arg: c_ulong,
    admin: bool,
) -> c_int {
    // SAFETY: The caller holds the block device open, so the disk and its reference live.
    let mddev = unsafe { mddev(mddev_ptr) };
    match crate::md_ioctl(mddev, cmd, arg, admin) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
extern "C" fn rust_md_free_disk(mddev_ptr: *mut c_void) {
    // SAFETY: free_disk runs once, when the gendisk goes away: the reference stored in
    // private_data by `Disk::set_private` is handed back here.
    let mddev = unsafe { <Arc<Mddev> as ForeignOwnable>::from_foreign(mddev_ptr) };
    crate::md_free_disk(mddev);
}

#[no_mangle]
extern "C" fn rust_md_attr_show(
    mddev_ptr: *mut c_void,
    attr: *const c_char,
    page: *mut u8,
) -> c_long {
    // SAFETY: The md kobject is removed (kobject_del drains callbacks) before the mddev's
    // gendisk reference is dropped.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs passes a zeroed buffer of PAGE_SIZE bytes, ours for the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(page, PAGE_SIZE) };
    let mut page = Page { buf, len: 0 };
    match crate::sysfs::attr_show(mddev, name.as_bytes(), &mut page) {
        Ok(()) => page.len() as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

#[no_mangle]
extern "C" fn rust_md_attr_store(
    mddev_ptr: *mut c_void,
    attr: *const c_char,
    page: *const u8,
    len: usize,
) -> c_long {
    // SAFETY: As in `rust_md_attr_show`.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs passes `len` bytes written by the user, valid for the call.
    let input = unsafe { core::slice::from_raw_parts(page, len) };
    match crate::sysfs::attr_store(mddev, name.as_bytes(), input) {
        Ok(()) => len as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}
