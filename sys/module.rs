// SPDX-License-Identifier: GPL-2.0
//! Module-wide pieces: references on this module, its parameters, and the
//! registrations md_init makes (sysctls, /proc/mdstat, the reboot notifier).

use core::ptr::addr_of_mut;

use kernel::bindings;
use kernel::prelude::*;

use super::ffi;
use super::util::to_result;

/// Takes a reference on this module (a configured array pins it).
pub(crate) fn module_get() -> bool {
    // SAFETY: try_module_get on this module's own `struct module`, which outlives us.
    unsafe { bindings::try_module_get(addr_of_mut!(bindings::__this_module)) }
}

/// Drops a reference taken by `module_get`.
pub(crate) fn module_put() {
    // SAFETY: Callers pair it with a successful `module_get`.
    unsafe { bindings::module_put(addr_of_mut!(bindings::__this_module)) }
}

/// Waits for module parameter writes in progress (they run under the param lock);
/// called at unload after new ones are refused.
pub(crate) fn params_quiesce() {
    // SAFETY: Takes and releases this module's parameter lock.
    unsafe {
        bindings::kernel_param_lock(addr_of_mut!(bindings::__this_module));
        bindings::kernel_param_unlock(addr_of_mut!(bindings::__this_module));
    }
}

/// Whether new arrays may be created by opening a 9:N node (`create_on_open`).
pub(crate) fn create_on_open() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::rmd_create_on_open() }
}

/// `start_ro`: 1 starts new arrays read-auto.
#[allow(dead_code)]
pub(crate) fn start_readonly() -> u32 {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::rmd_start_readonly() }
}

/// `dev.raid.speed_limit_min` and `speed_limit_max` in KiB/s.
#[allow(dead_code)]
pub(crate) fn speed_limits() -> (i32, i32) {
    // SAFETY: Reads two ints; no preconditions.
    unsafe { (ffi::rmd_speed_limit_min(), ffi::rmd_speed_limit_max()) }
}

/// Registers the `dev.raid` sysctls.
pub(crate) fn sysctl_register() -> Result {
    // SAFETY: Registers a static table; undone by `sysctl_unregister`.
    to_result(unsafe { ffi::rmd_sysctl_register() })
}

/// Unregisters the `dev.raid` sysctls.
pub(crate) fn sysctl_unregister() {
    // SAFETY: Undoes `sysctl_register`.
    unsafe { ffi::rmd_sysctl_unregister() }
}

/// Creates /proc/mdstat.
pub(crate) fn mdstat_register() -> Result {
    // SAFETY: Creates a proc entry with static ops; undone by `mdstat_unregister`.
    to_result(unsafe { ffi::rmd_mdstat_register() })
}

/// Removes /proc/mdstat; waits for readers in progress.
pub(crate) fn mdstat_unregister() {
    // SAFETY: Undoes `mdstat_register`.
    unsafe { ffi::rmd_mdstat_unregister() }
}

/// Registers the reboot notifier (md_notify_reboot).
pub(crate) fn reboot_register() -> Result {
    // SAFETY: Registers a static notifier once at init.
    to_result(unsafe { ffi::rmd_reboot_register() })
}

/// Unregisters it.
pub(crate) fn reboot_unregister() {
    // SAFETY: Paired with a successful `reboot_register`.
    unsafe { ffi::rmd_reboot_unregister() }
}
