// SPDX-License-Identifier: GPL-2.0
//! Per-array values only the md/ attributes show and set (md's fields of the same
//! names in `struct mddev`), with md_run's settings for them.

use super::*;

/// The kernel's HZ: md keeps the safe-mode delay in jiffies, which rounds what it shows.
pub(crate) const HZ: u32 = kernel::bindings::CONFIG_HZ;
/// md's DEFAULT_SAFEMODE_DELAY (200 ms), in jiffies.
pub(crate) const DEFAULT_SAFEMODE_DELAY: u32 = 200 * HZ / 1000 + 1;
/// md's MD_DEFAULT_MAX_CORRECTED_READ_ERRORS.
pub(crate) const DEFAULT_MAX_READ_ERRORS: u32 = 20;

/// Per-array values only the md/ attributes show and set; each is md's field of
/// the same name in `struct mddev`.
pub(crate) struct Knobs {
    /// Safe-mode delay in jiffies (0: off).
    pub(crate) safemode_delay: u32,
    /// `max_read_errors` (md's max_corr_read_errors).
    pub(crate) max_corr_read_errors: u32,
    /// `new_level`.
    pub(crate) new_level: i32,
    /// Array UUID, from the superblocks once the array has run.
    pub(crate) uuid: [u8; 16],
    /// Local resync speed limits in KiB/s (0: the dev.raid sysctl).
    pub(crate) sync_speed_min: u32,
    pub(crate) sync_speed_max: u32,
    /// `sync_min` / `sync_max`, in sectors.
    pub(crate) resync_min: u64,
    pub(crate) resync_max: u64,
    pub(crate) reshape_backwards: bool,
    pub(crate) fail_last_dev: bool,
    pub(crate) parallel_resync: bool,
}

impl Knobs {
    /// max_read_errors.
    pub(crate) fn max_read_errors(&self) -> u32 {
        self.max_corr_read_errors
    }

    /// sync_speed_min (0: system).
    pub(crate) fn speed_min(&self) -> u32 {
        self.sync_speed_min
    }

    /// sync_speed_max (0: system).
    pub(crate) fn speed_max(&self) -> u32 {
        self.sync_speed_max
    }

    /// `sync_min` / `sync_max` in sectors (md's resync_min / resync_max).
    pub(crate) fn sync_window(&self) -> (u64, u64) {
        (self.resync_min, self.resync_max)
    }

    /// Sets them (md_do_sync's end of a bounded scrub).
    pub(crate) fn set_sync_window(&mut self, min: u64, max: u64) {
        self.resync_min = min;
        self.resync_max = max;
    }

    /// The values of a new array (md's mddev_init).
    pub(crate) const fn new() -> Knobs {
        Knobs {
            safemode_delay: 0,
            max_corr_read_errors: 0,
            new_level: 0,
            uuid: [0; 16],
            sync_speed_min: 0,
            sync_speed_max: 0,
            resync_min: 0,
            resync_max: superblock::MAX_SECTOR,
            reshape_backwards: false,
            fail_last_dev: false,
            parallel_resync: false,
        }
    }

    /// What md_clean leaves: it resets most, and keeps the safe-mode delay, the
    /// read-error limit, the UUID and parallel resync.
    pub(crate) fn after_clean(&self) -> Knobs {
        Knobs {
            safemode_delay: self.safemode_delay,
            max_corr_read_errors: self.max_corr_read_errors,
            uuid: self.uuid,
            parallel_resync: self.parallel_resync,
            new_level: ioctl::LEVEL_NONE,
            ..Knobs::new()
        }
    }
}

/// md_run's settings for the attributes, once the array is running.
pub(crate) fn knobs_on_run(m: &Mddev, st: &mut MddevState) {
    st.knobs.max_corr_read_errors = DEFAULT_MAX_READ_ERRORS;
    st.knobs.new_level = st.level;
    if let Some(r) = st.disks.first() {
        st.knobs.uuid = r.meta().sb.uuid();
    }
    set_safemode_delay(m, st, DEFAULT_SAFEMODE_DELAY);
}

/// Jiffies to ms, as md's safe_delay_show computes them.
pub(crate) fn jiffies_to_ms(j: u32) -> u32 {
    crate::sysfs::parse::jiffies_to_ms(j, HZ)
}

/// Sets the safe-mode delay; the safe-mode worker counts in ms. With 0 the
/// array is never marked clean while it runs (md arms no safe-mode timer); a
/// new delay takes effect at once, as md's timer restart does.
pub(crate) fn set_safemode_delay(m: &Mddev, st: &mut MddevState, jiffies: u32) {
    st.knobs.safemode_delay = jiffies;
    let ms = if jiffies == 0 {
        0
    } else {
        jiffies_to_ms(jiffies).max(1)
    };
    m.safemode_delay_ms.store(ms, Ordering::Relaxed);
    m.safemode_delay_changed();
    if ms != 0 && st.pers.is_some() && !m.in_sync.load(Ordering::SeqCst) {
        m.arm_safemode();
    }
}
