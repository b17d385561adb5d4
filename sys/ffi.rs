// SPDX-License-Identifier: GPL-2.0
//! The functions of helpers.c, declared once: the only `extern "C"` block of
//! the crate. Everything the kernel exports as a real function is called
//! through `kernel::bindings` by the wrappers instead; what is left here is
//! what 6.12's Rust cannot express (see the comment on each item in helpers.c).
//! The layouts shared with C are checked at compile time below.

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_void};

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

/// `struct rmd_buf` of helpers.c: pages for synchronous member I/O.
#[repr(C)]
pub(crate) struct RmdBuf {
    _opaque: [u8; 0],
}

/// `struct rmd_thread` of helpers.c.
#[repr(C)]
pub(crate) struct RmdThread {
    _opaque: [u8; 0],
}

/// `struct rmd_spin` of helpers.c: an interrupt-safe spinlock.
#[repr(C)]
pub(crate) struct RmdSpin {
    _opaque: [u8; 0],
}

/// `struct rmd_waitq` of helpers.c.
#[repr(C)]
pub(crate) struct RmdWaitq {
    _opaque: [u8; 0],
}

/// `struct rmd_io` of helpers.h (same layout, checked on both sides).
#[repr(C)]
pub(crate) struct RmdIo {
    pub(crate) file: *mut bindings::file,
    pub(crate) buf: *mut RmdBuf,
    pub(crate) sector: u64,
    pub(crate) sectors: c_uint,
    pub(crate) write: bool,
    pub(crate) status: c_int,
    pub(crate) batch: *mut c_void,
}

// The same numbers are asserted in helpers.c (`static_assert` beside `struct rmd_io`).
const _: () = {
    let p = core::mem::size_of::<*mut c_void>();
    assert!(core::mem::offset_of!(RmdIo, sector) == 2 * p);
    assert!(core::mem::offset_of!(RmdIo, sectors) == 2 * p + 8);
    assert!(core::mem::offset_of!(RmdIo, write) == 2 * p + 12);
    assert!(core::mem::offset_of!(RmdIo, status) == 2 * p + 16);
    assert!(core::mem::offset_of!(RmdIo, batch) == 3 * p + 16);
    assert!(core::mem::size_of::<RmdIo>() == 4 * p + 16);
};

// Only pointers to the opaque C structs cross the boundary; their layout is not used.
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
    pub(crate) fn rmd_register_major() -> c_int;
    pub(crate) fn rmd_alloc_disk(minor: c_uint, name: *const c_char) -> *mut bindings::gendisk;
    pub(crate) fn rmd_md_kobj_add(
        disk: *mut bindings::gendisk,
        mddev: *const c_void,
    ) -> *mut RmdKobj;
    pub(crate) fn rmd_md_kobj_remove(k: *mut RmdKobj);
    pub(crate) fn rmd_md_kobj_notify(k: *mut RmdKobj, attr: *const c_char);
    pub(crate) fn rmd_bdev_open(dev: u32, holder: *mut c_void) -> *mut bindings::file;
    pub(crate) fn rmd_bdev_sectors(f: *mut bindings::file) -> u64;
    pub(crate) fn rmd_bdev_logical_block_size(f: *mut bindings::file) -> c_uint;
    pub(crate) fn rmd_bdev_nonrot(f: *mut bindings::file) -> bool;
    pub(crate) fn rmd_bdev_io_opt(f: *mut bindings::file) -> c_uint;
    pub(crate) fn rmd_bdev_name(f: *mut bindings::file, buf: *mut c_char, len: usize);
    pub(crate) fn rmd_sync_io(
        f: *mut bindings::file,
        sector: u64,
        buf: *mut c_void,
        len: c_uint,
        write: bool,
    ) -> c_int;
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
    pub(crate) fn rmd_noio_save() -> c_uint;
    pub(crate) fn rmd_noio_restore(flags: c_uint);
    pub(crate) fn rmd_set_limits(
        disk: *mut bindings::gendisk,
        members: *const *mut bindings::file,
        data_offsets: *const u64,
        n: c_uint,
    ) -> c_int;
    pub(crate) fn rmd_stack_new_member(
        disk: *mut bindings::gendisk,
        member: *mut bindings::file,
        data_offset: u64,
    ) -> c_int;
    pub(crate) fn rmd_bioset_init() -> c_int;
    pub(crate) fn rmd_bioset_exit();
    pub(crate) fn rmd_clone_submit(
        orig: *mut bindings::bio,
        member: *mut bindings::file,
        offset: u64,
        r1: *mut c_void,
        idx: c_int,
        failfast: bool,
    );
    pub(crate) fn rmd_clone_submit_behind(
        orig: *mut bindings::bio,
        member: *mut bindings::file,
        offset: u64,
        r1: *mut c_void,
        idx: c_int,
    ) -> c_int;
    pub(crate) fn rmd_clone_write_sync(
        orig: *mut bindings::bio,
        member: *mut bindings::file,
        offset: u64,
        skip: c_uint,
        sectors: c_uint,
    ) -> c_int;
    pub(crate) fn rmd_bio_split_front(
        bio: *mut bindings::bio,
        sectors: c_uint,
    ) -> *mut bindings::bio;
    pub(crate) fn rmd_bio_split(bio: *mut bindings::bio, sectors: c_uint) -> *mut bindings::bio;
    pub(crate) fn rmd_buf_alloc(nr: c_uint) -> *mut RmdBuf;
    pub(crate) fn rmd_buf_free(b: *mut RmdBuf);
    pub(crate) fn rmd_buf_page(b: *mut RmdBuf, i: c_uint) -> *mut u8;
    pub(crate) fn rmd_io_batch(ios: *mut RmdIo, n: c_uint);
    pub(crate) fn rmd_thread_start(
        run: unsafe extern "C" fn(*mut c_void),
        data: *mut c_void,
        timeout_ms: c_uint,
        name: *const c_char,
    ) -> *mut RmdThread;
    pub(crate) fn rmd_thread_wake(t: *mut RmdThread);
    pub(crate) fn rmd_thread_stop(t: *mut RmdThread);
    pub(crate) fn rmd_thread_set_timeout(t: *mut RmdThread, timeout_ms: c_uint);
    pub(crate) fn rmd_spin_alloc() -> *mut RmdSpin;
    pub(crate) fn rmd_spin_free(s: *mut RmdSpin);
    pub(crate) fn rmd_spin_lock_irqsave(s: *mut RmdSpin) -> core::ffi::c_ulong;
    pub(crate) fn rmd_spin_unlock_irqrestore(s: *mut RmdSpin, flags: core::ffi::c_ulong);
    pub(crate) fn rmd_rcu_read_lock();
    pub(crate) fn rmd_rcu_read_unlock();
    pub(crate) fn rmd_waitq_alloc() -> *mut RmdWaitq;
    pub(crate) fn rmd_waitq_free(q: *mut RmdWaitq);
    pub(crate) fn rmd_waitq_wake(q: *mut RmdWaitq);
    pub(crate) fn rmd_waitq_wait_interruptible(
        q: *mut RmdWaitq,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
    );
    pub(crate) fn rmd_waitq_wait_idle_timeout(
        q: *mut RmdWaitq,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
        ms: c_uint,
    ) -> bool;
    pub(crate) fn rmd_waitq_wait(
        q: *mut RmdWaitq,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
    );
    pub(crate) fn rmd_mutex_init(m: *mut bindings::mutex);
    pub(crate) fn rmd_reboot_register() -> c_int;
    pub(crate) fn rmd_reboot_unregister();
}

/// `struct rmd_attr_def` of helpers.h: one sysfs attribute's name and mode, handed
/// to helpers.c by `rust_md_attr_def` to build the attribute arrays.
#[repr(C)]
pub(crate) struct RmdAttrDef {
    /// NUL-terminated, static; NULL past the end of the table.
    pub(crate) name: *const c_char,
    /// The file mode.
    pub(crate) mode: u16,
}
