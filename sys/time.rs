// SPDX-License-Identifier: GPL-2.0
//! Clocks and sleeping.

use kernel::bindings;

/// Monotonic milliseconds (ktime_get).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let ns = unsafe { bindings::ktime_get() };
    u64::try_from(ns).unwrap_or(0) / 1_000_000
}

/// Wall-clock seconds (ktime_get_real_seconds).
pub(crate) fn real_seconds() -> u64 {
    // SAFETY: Reads the clock; no preconditions.
    let t = unsafe { bindings::ktime_get_real_seconds() };
    u64::try_from(t).unwrap_or(0)
}

/// Sleeps for `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: Sleeps; callers are in process context.
    unsafe { bindings::msleep(ms) }
}
