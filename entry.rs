// SPDX-License-Identifier: GPL-2.0
//! The C entry points: every `rust_md_*` function helpers.c calls, each a thin
//! trampoline that turns raw arguments into typed handles and calls the domain.
//! The top of the import graph: nothing imports this file.

use core::ffi::c_void;

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::ForeignOwnable;

use crate::sys::ffi::RmdAttrDef;
use crate::sys::seq::{Page, SeqFile};
use crate::Mddev;

/// Borrows the Mddev behind a gendisk's private_data or a kobject's pointer.
///
/// # Safety
///
/// `ptr` must come from `Arc::<Mddev>::into_foreign` and that reference must be
/// held for `'a`.
unsafe fn mddev<'a>(ptr: *mut c_void) -> ArcBorrow<'a, Mddev> {
    // SAFETY: By the function's safety requirement.
    unsafe { <Arc<Mddev> as ForeignOwnable>::borrow(ptr) }
}

/// A sysfs store's attribute name and input.
///
/// # Safety
///
/// `attr` must be a NUL-terminated string and `page` valid for `len` bytes, both
/// for `'a`.
unsafe fn store_args<'a>(attr: *const c_char, page: *const u8, len: usize) -> (&'a CStr, &'a [u8]) {
    // SAFETY: By the function's safety requirement.
    unsafe {
        (
            CStr::from_char_ptr(attr),
            core::slice::from_raw_parts(page, len),
        )
    }
}

/// A C return code from a `Result`.
fn errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// A sysfs store's return: the bytes consumed, or an error.
fn consumed(r: Result, len: usize) -> c_long {
    match r {
        Ok(()) => len as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

#[no_mangle]
extern "C" fn rust_md_probe(minor: c_uint) {
    crate::md_probe(minor);
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_new_array(name: *const c_char, len: usize) -> c_int {
    // SAFETY: The param core passes a NUL-terminated string of `len` bytes that stays
    // valid during the call.
    let bytes = unsafe { core::slice::from_raw_parts(name, len) };
    errno(crate::add_named_array(bytes))
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_mdstat_show(seq: *mut bindings::seq_file) -> c_int {
    // SAFETY: `seq` is the seq_file of this show callback; `out` ends with it.
    let mut out = unsafe { SeqFile::from_raw(seq) };
    crate::mdstat_show(&mut out);
    0
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_submit_bio(mddev_ptr: *mut c_void, bio: *mut bindings::bio) {
    // SAFETY: The gendisk's private_data holds a reference until free_disk, and a bio is
    // only submitted to a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: The block layer hands us ownership of a valid bio.
    let bio = unsafe { crate::sys::bio::Bio::from_raw(bio) };
    Mddev::submit_bio(mddev, bio);
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_open(mddev_ptr: *mut c_void) -> c_int {
    // SAFETY: private_data holds a reference while the disk exists; open runs on a live disk.
    let mddev = unsafe { mddev(mddev_ptr) };
    errno(crate::md_open(mddev))
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_release(mddev_ptr: *mut c_void) {
    // SAFETY: As in `rust_md_open`.
    let mddev = unsafe { mddev(mddev_ptr) };
    crate::md_release(mddev);
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_ioctl(
    mddev_ptr: *mut c_void,
    cmd: c_uint,
    arg: c_ulong,
    admin: bool,
) -> c_int {
    // SAFETY: The caller holds the block device open, so the disk and its reference live.
    let mddev = unsafe { mddev(mddev_ptr) };
    errno(crate::md_ioctl(mddev, cmd, arg, admin))
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_free_disk(mddev_ptr: *mut c_void) {
    // SAFETY: free_disk runs once, when the gendisk goes away: the reference stored in
    // private_data by `Disk::set_private` is handed back here.
    let mddev = unsafe { <Arc<Mddev> as ForeignOwnable>::from_foreign(mddev_ptr) };
    crate::md_free_disk(mddev);
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_attr_show(
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
    let mut page = unsafe { Page::from_raw(page) };
    match crate::sysfs::attr_show(mddev, name.as_bytes(), &mut page) {
        Ok(()) => page.len() as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_clone_end(r1: *mut c_void, idx: c_int, status: u8) {
    // SAFETY: `r1` is the request given to `rmd_clone_submit` with this clone, alive until
    // its last clone ends (which this is, or one of).
    unsafe { crate::raid1::clone_end(r1, idx, status) }
}

#[no_mangle]
extern "C" fn rust_md_reboot() {
    crate::md_reboot();
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_rdev_store(
    mddev_ptr: *mut c_void,
    dev: u32,
    attr: *const c_char,
    page: *const u8,
    len: usize,
) -> c_long {
    // SAFETY: The dev-NAME kobject sits under md/, removed before the mddev's gendisk
    // reference is dropped; its callbacks run while it exists.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's name and the user's `len` bytes.
    let (name, input) = unsafe { store_args(attr, page, len) };
    consumed(
        crate::sysfs::rdev_store(mddev, dev, name.as_bytes(), input),
        len,
    )
}

/// Called by helpers.c only.
///
/// # Safety
///
/// The pointers are what the C callback received for this object, valid for the
/// whole call (see each argument's use below).
#[no_mangle]
unsafe extern "C" fn rust_md_attr_store(
    mddev_ptr: *mut c_void,
    attr: *const c_char,
    page: *const u8,
    len: usize,
) -> c_long {
    // SAFETY: As in `rust_md_attr_show`.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's name and the user's `len` bytes.
    let (name, input) = unsafe { store_args(attr, page, len) };
    consumed(crate::sysfs::attr_store(mddev, name.as_bytes(), input), len)
}

/// Called by helpers.c only, for a dev-NAME/ show (from its snapshot copy, or for
/// the bad-block lists from the member `dev` of the array `mddev_ptr`).
///
/// # Safety
///
/// `mddev_ptr` is the dev-NAME kobject's array (as in `rust_md_rdev_store`), `attr`
/// and `state` are NUL-terminated strings and `page` is the zeroed PAGE_SIZE buffer
/// sysfs hands the show, all valid for the call.
#[no_mangle]
unsafe extern "C" fn rust_md_rdev_show(
    mddev_ptr: *mut c_void,
    dev: u32,
    attr: *const c_char,
    state: *const c_char,
    slot: c_int,
    offset: u64,
    size_kib: u64,
    errors: c_int,
    page: *mut u8,
) -> c_long {
    // SAFETY: As in `rust_md_rdev_store`: the dev-NAME kobject sits under md/, removed
    // before the mddev's gendisk reference is dropped; its callbacks run while it exists.
    let mddev = unsafe { mddev(mddev_ptr) };
    // SAFETY: sysfs passes the attribute's NUL-terminated name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: helpers.c passes its copy of the snapshot's NUL-terminated state words,
    // valid for the call.
    let state = unsafe { CStr::from_char_ptr(state) };
    // SAFETY: sysfs passes a zeroed buffer of PAGE_SIZE bytes, ours for the call.
    let mut page = unsafe { Page::from_raw(page) };
    let snap = crate::sysfs::RdevSnapshot {
        state: state.as_bytes(),
        slot,
        offset,
        size_kib,
        errors,
    };
    match crate::sysfs::rdev_show(mddev, dev, &snap, name.as_bytes(), &mut page) {
        Ok(()) => page.len() as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Attribute `i` of md/ (`set` 0), dev-NAME/ (`set` 1) or md/bitmap/ (`set` 2),
/// from sysfs.rs's tables; a NULL name past the end. helpers.c builds the
/// directories' attribute arrays from it.
#[no_mangle]
extern "C" fn rust_md_attr_def(set: c_uint, i: c_uint) -> RmdAttrDef {
    match crate::sysfs::attr_def(set, i as usize) {
        Some((name, mode)) => RmdAttrDef {
            name: name.as_char_ptr(),
            mode,
        },
        None => RmdAttrDef {
            name: core::ptr::null(),
            mode: 0,
        },
    }
}
