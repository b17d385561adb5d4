// SPDX-License-Identifier: GPL-2.0
//! Kernel log lines exactly as md prints them. `pr_info!` would prefix every
//! line with the module name; md's own prefixes (`md: `, `md/raid1:md0: `) are
//! part of the text people and scripts grep for, so they are written out here.

use core::fmt;

use kernel::bindings;

/// `KERN_<level>` followed by `%pA` (a Rust `fmt::Arguments`).
pub(crate) struct Level(&'static [u8; 6]);

/// KERN_CRIT.
pub(crate) const CRIT: Level = Level(b"\x012%pA\0");
/// KERN_NOTICE.
pub(crate) const NOTICE: Level = Level(b"\x015%pA\0");
/// KERN_ERR.
pub(crate) const ERR: Level = Level(b"\x013%pA\0");
/// KERN_WARNING.
pub(crate) const WARNING: Level = Level(b"\x014%pA\0");
/// KERN_INFO.
pub(crate) const INFO: Level = Level(b"\x016%pA\0");
/// KERN_DEBUG.
pub(crate) const DEBUG: Level = Level(b"\x017%pA\0");

/// Prints `args` at `level` with no prefix.
pub(crate) fn printk(level: &Level, args: fmt::Arguments<'_>) {
    // SAFETY: The format is NUL-terminated and has one `%pA`, which takes a pointer to
    // a `fmt::Arguments` that lives for the call.
    unsafe {
        bindings::_printk(
            level.0.as_ptr().cast(),
            &args as *const fmt::Arguments<'_> as *const core::ffi::c_void,
        );
    }
}

/// `pr_err` without a module prefix.
#[macro_export]
macro_rules! md_err {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::ERR, format_args!($($arg)*)) };
}

/// `pr_warn` without a module prefix.
#[macro_export]
macro_rules! md_warn {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::WARNING, format_args!($($arg)*)) };
}

/// `pr_info` without a module prefix.
#[macro_export]
macro_rules! md_info {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::INFO, format_args!($($arg)*)) };
}

/// `pr_debug` without a module prefix (always compiled; shown with loglevel 8).
#[macro_export]
macro_rules! md_debug {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::DEBUG, format_args!($($arg)*)) };
}

/// `pr_crit` without a module prefix.
#[macro_export]
macro_rules! md_crit {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::CRIT, format_args!($($arg)*)) };
}

/// `pr_notice` without a module prefix.
#[macro_export]
macro_rules! md_notice {
    ($($arg:tt)*) => { $crate::sys::log::printk(&$crate::sys::log::NOTICE, format_args!($($arg)*)) };
}

/// printk_ratelimited's default budget: 10 lines per 5 s window, per call site.
pub(crate) struct Ratelimit {
    window_start_ms: core::sync::atomic::AtomicU64,
    printed: core::sync::atomic::AtomicU32,
}

impl Ratelimit {
    const INTERVAL_MS: u64 = 5000;
    const BURST: u32 = 10;

    pub(crate) const fn new() -> Self {
        Ratelimit {
            window_start_ms: core::sync::atomic::AtomicU64::new(0),
            printed: core::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Whether one more line may be printed now (safe from interrupts: atomics only).
    pub(crate) fn allow(&self) -> bool {
        use core::sync::atomic::Ordering;
        let now = super::time::now_ms();
        let start = self.window_start_ms.load(Ordering::Relaxed);
        if now.saturating_sub(start) >= Self::INTERVAL_MS
            && self
                .window_start_ms
                .compare_exchange(start, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.printed.store(0, Ordering::Relaxed);
        }
        self.printed.fetch_add(1, Ordering::Relaxed) < Self::BURST
    }
}
