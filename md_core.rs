// SPDX-License-Identifier: GPL-2.0
//! md_mod: the md software-RAID core in Rust.
//!
//! Module start mirrors md_init: the `md` and `md_misc` workqueues, major 9
//! with a probe that creates an array when /dev/mdN is first opened, the
//! personality registry (raid1), the `dev.raid` sysctls and /proc/mdstat.
//! An mddev lives as md's does: held by its openers and by a configured
//! array; a node made by opening it stays until its first ioctl or
//! array_state write; an unconfigured one is deleted at last close.
//!
//! This file is the crate root: the module entry and the list of modules. The
//! layers and who may import whom are in ARCHITECTURE.md.

// pin_init! of `Mddev` (many fields) needs more macro recursion than the default.
#![recursion_limit = "512"]

use core::ptr::null_mut;
use core::sync::atomic::Ordering;

use kernel::prelude::*;
use kernel::sync::Arc;

// ---- the bottom layer: safe wrappers over C, no domain imports (first: its log
// macros serve every module below) ----
#[macro_use]
mod sys;
mod workqueue;

// ---- the C entry points: thin trampolines into the domain ----
mod entry;

// ---- pure code (`core` only), shared with the host tests ----
#[allow(unreachable_pub)]
mod balance;
// The bad-block list and its on-disk log; `pub` for the host tests.
#[allow(dead_code, unreachable_pub)]
mod badblocks;
// Parts serve later issues (hence `dead_code`); `pub` for the host tests.
#[allow(dead_code, unreachable_pub)]
mod ioctl;
#[allow(dead_code, unreachable_pub)]
mod mdstat;
#[allow(unreachable_pub)]
mod resync;
#[allow(dead_code)]
mod superblock;

// ---- the md core ----
mod bitmap;
mod mddev;
mod personality;
mod rdev;
mod super_any;
mod sysfs;

// ---- personalities (the core never names them) ----
mod raid1;

pub(crate) use mddev::*;
pub(crate) use sys::util::eopnotsupp;

module! {
    type: MdModule,
    name: "md_mod",
    author: "rust-md developers",
    description: "MD RAID framework, in Rust",
    license: "GPL",
}

/// The loaded module: everything md_init sets up, undone in reverse on drop.
struct MdModule {
    globals: Pin<KBox<Globals>>,
    raid1: bool,
    bioset: bool,
    major: bool,
    sysctl: bool,
    mdstat: bool,
    reboot: bool,
}

impl kernel::Module for MdModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let globals = KBox::try_pin_init(Globals::new()?, GFP_KERNEL)?;
        raid1::register(&globals.pers)?;
        GLOBALS.store(
            &*globals as *const Globals as *mut Globals,
            Ordering::Release,
        );
        let mut this = MdModule {
            globals,
            raid1: false,
            bioset: false,
            major: false,
            sysctl: false,
            mdstat: false,
            reboot: false,
        };
        // Each step is undone by `drop` if a later one fails.
        raid1::init()?;
        this.raid1 = true;
        sys::bio::bioset_init()?;
        this.bioset = true;
        sys::gendisk::register_major()?;
        this.major = true;
        sys::module::sysctl_register()?;
        this.sysctl = true;
        sys::module::mdstat_register()?;
        this.mdstat = true;
        sys::module::reboot_register()?;
        this.reboot = true;
        Ok(this)
    }
}

impl Drop for MdModule {
    fn drop(&mut self) {
        UNLOADING.store(true, Ordering::Release);
        // Parameter writes in progress finish; later ones see `UNLOADING`.
        sys::module::params_quiesce();
        if self.reboot {
            sys::module::reboot_unregister();
        }
        if self.major {
            sys::gendisk::unregister_major();
        }
        if self.sysctl {
            sys::module::sysctl_unregister();
        }
        if self.mdstat {
            sys::module::mdstat_unregister();
        }
        // Nobody holds an array open (that pins the module). An array is configured
        // only if a sysfs write raced with the start of the unload (its module_get
        // failed): as md_exit, stop and clear every array, then delete it. Sysfs writes
        // that take the lock after us see `UNLOADING` and change nothing.
        let g = &*self.globals;
        let mut held: KVec<Arc<Mddev>> = KVec::new();
        {
            let all = g.all.lock();
            for m in all.iter() {
                if !m.deleted.load(Ordering::Relaxed) && held.push(m.clone(), GFP_KERNEL).is_err() {
                    md_err!("md: out of memory deleting {} at unload\n", m.name());
                }
            }
        }
        for m in held.iter() {
            if g.get(m) {
                {
                    let mut st = m.state.lock();
                    if st.pers.is_some() {
                        let _ = do_md_stop(m, &mut st, true, 0);
                    }
                    if st.configured() {
                        st.clean();
                    }
                    m.update_configured(&mut st);
                }
                m.set_hold(Hold::Nothing);
                g.put(m.as_arc_borrow());
            }
        }
        drop(held);
        g.md_misc_wq.flush();
        if self.bioset {
            sys::bio::bioset_exit();
        }
        if self.raid1 {
            raid1::exit();
        }
        GLOBALS.store(null_mut(), Ordering::Release);
    }
}
