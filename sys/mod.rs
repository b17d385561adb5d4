// SPDX-License-Identifier: GPL-2.0
//! The bottom layer: the C boundary (`ffi`, the crate's only `extern "C"`
//! block) and the safe wrappers over it and over `kernel::bindings`, one file
//! per concept. Nothing here imports a domain item (the mddev, raid1, sysfs,
//! superblocks, ...); where a wrapper calls back into the domain it does so
//! through a trait or generic defined here (`thread::ThreadFn`, `mutex::Reap`,
//! the wait conditions). The C entry points are in `entry.rs`.

#[macro_use]
pub(crate) mod log;

pub(crate) mod bdev;
pub(crate) mod bio;
pub(crate) mod ffi;
pub(crate) mod gendisk;
pub(crate) mod irqlock;
pub(crate) mod module;
pub(crate) mod mutex;
pub(crate) mod pages;
pub(crate) mod rcu;
pub(crate) mod seq;
pub(crate) mod thread;
pub(crate) mod time;
pub(crate) mod util;
pub(crate) mod wait;
