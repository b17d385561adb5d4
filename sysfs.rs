// SPDX-License-Identifier: GPL-2.0
//! /sys/block/mdN/md/: the attributes mdadm and md's users read and write.

use core::fmt::Write;

use kernel::prelude::*;
use kernel::sync::ArcBorrow;

use crate::sys::seq::Page;
use core::sync::atomic::Ordering;

use crate::resync::Action;

use crate::{
    do_md_run, do_md_stop, ioctl, md_set_readonly, restart_array, set_in_sync, with_ref, Mddev,
    MddevState, Ro,
};

/// md's array_state words.
const ARRAY_STATES: [&str; 10] = [
    "clear",
    "inactive",
    "suspended",
    "readonly",
    "read-auto",
    "clean",
    "active",
    "write-pending",
    "active-idle",
    "broken",
];

/// Shows attribute `name`.
pub(crate) fn attr_show(m: ArcBorrow<'_, Mddev>, name: &[u8], page: &mut Page<'_>) -> Result {
    with_ref(m, |m| {
        // No reclaim into this array's writes under the state lock (see md_ioctl).
        let _noio = crate::sys::util::NoIo::enter();
        let st = m.state.lock();
        let r = match name {
            b"array_state" => writeln!(page, "{}", array_state(m, &st)),
            b"level" => match (st.pers, st.level) {
                (Some(p), _) => writeln!(page, "{}", p.name),
                (None, ioctl::LEVEL_NONE) => Ok(()),
                // A level written by name reads back as that name (md's clevel).
                (None, 1) if st.level_by_name => writeln!(page, "raid1"),
                (None, l) => writeln!(page, "{l}"),
            },
            // md shows nothing until the array has slots.
            b"raid_disks" if st.raid_disks == 0 => Ok(()),
            b"raid_disks" => writeln!(page, "{}", st.raid_disks),
            b"metadata_version" => {
                if st.persistent {
                    writeln!(page, "{}.{}", st.major_version, st.minor_version)
                } else {
                    writeln!(page, "none")
                }
            }
            _ => return show_more(m, &st, name, page),
        };
        r.map_err(|_| EFBIG)
    })
}

fn array_state(m: &Mddev, st: &MddevState) -> &'static str {
    if st.pers.is_some() {
        match m.ro() {
            Ro::Rdonly => "readonly",
            Ro::AutoRead => "read-auto",
            Ro::Rdwr if m.sb_pending.load(Ordering::SeqCst) => "write-pending",
            Ro::Rdwr if m.in_sync.load(Ordering::SeqCst) => {
                // md: a clean array whose last member failed reads `broken`.
                if m.conf().is_some() && m.broken.load(Ordering::Acquire) {
                    "broken"
                } else {
                    "clean"
                }
            }
            Ro::Rdwr => "active",
        }
    } else if st.disks.is_empty() && st.raid_disks == 0 && st.dev_sectors == 0 {
        "clear"
    } else {
        "inactive"
    }
}

/// The first word of a sysfs write, without the trailing newline.
fn word(input: &[u8]) -> &[u8] {
    let end = input
        .iter()
        .position(|b| *b == b'\n' || *b == 0)
        .unwrap_or(input.len());
    input.get(..end).unwrap_or(&[])
}

fn parse_u32(s: &[u8]) -> Result<u32> {
    if s.is_empty() {
        return Err(EINVAL);
    }
    let mut n: u32 = 0;
    for b in s {
        if !b.is_ascii_digit() {
            return Err(EINVAL);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(b - b'0')))
            .ok_or(EINVAL)?;
    }
    Ok(n)
}

/// Stores `input` into attribute `name`.
pub(crate) fn attr_store(m: ArcBorrow<'_, Mddev>, name: &[u8], input: &[u8]) -> Result {
    let w = word(input);
    // md's array_state_store: words that stop writes on a writable array need it
    // unopened and closed to new openers meanwhile (MD_CLOSING); it stays closed
    // once cleared.
    let closes = name == b"array_state"
        && matches!(w, b"clear" | b"readonly" | b"inactive" | b"read-auto")
        && m.conf().is_some()
        && m.ro() == Ro::Rdwr;
    if closes {
        crate::set_closing(&m, 0)?;
    }
    let r = store_with_ref(m, name, input, closes);
    if closes && (w != b"clear" || r.is_err()) {
        m.closing.store(false, Ordering::Relaxed);
    }
    r
}

/// `attr_store` with a reference held; `synced`: the page cache is written back.
fn store_with_ref(m: ArcBorrow<'_, Mddev>, name: &[u8], input: &[u8], synced: bool) -> Result {
    with_ref(m, |m| {
        let w = word(input);
        if name == b"array_state" && w == b"clear" && !synced {
            // As STOP_ARRAY: write back before taking the state lock (its result is
            // the writer's, not ours, as md's).
            let _ = m.disk.sync();
        }
        // No reclaim into this array's writes under the state lock (see md_ioctl).
        let _noio = crate::sys::util::NoIo::enter();
        let mut st = m.state.lock();
        if crate::unloading() {
            return Err(ENODEV);
        }
        match name {
            b"array_state" => {
                let idx = ARRAY_STATES
                    .iter()
                    .position(|s| s.as_bytes() == w)
                    .ok_or(EINVAL)?;
                let running = st.pers.is_some();
                let r = match idx {
                    // clear: stop and forget
                    0 => do_md_stop(m, &mut st, true, 0),
                    // inactive: stop a running array but keep its members
                    1 if running => do_md_stop(m, &mut st, false, 0),
                    1 => Ok(()),
                    // readonly
                    3 if running => md_set_readonly(m, &mut st, 0),
                    3 => {
                        m.set_ro(Ro::Rdonly);
                        do_md_run(m, &mut st)
                    }
                    // read-auto
                    4 if running => {
                        let r = match m.ro() {
                            Ro::Rdwr => md_set_readonly(m, &mut st, 0),
                            Ro::Rdonly => restart_array(m, &st),
                            Ro::AutoRead => Ok(()),
                        };
                        if r.is_ok() {
                            m.set_ro(Ro::AutoRead);
                        }
                        r
                    }
                    4 => {
                        m.set_ro(Ro::AutoRead);
                        do_md_run(m, &mut st)
                    }
                    // clean: writable, superblocks marked clean unless a write is
                    // pending (EBUSY); md's set_in_sync, which never stops a sync
                    5 if running => {
                        if m.ro() != Ro::Rdwr {
                            restart_array(m, &st)?;
                        }
                        if set_in_sync(m, &mut st) {
                            Ok(())
                        } else {
                            Err(EBUSY)
                        }
                    }
                    // active: writable
                    6 if running => {
                        if m.ro() != Ro::Rdwr {
                            restart_array(m, &st)?;
                        }
                        Ok(())
                    }
                    6 => {
                        m.set_ro(Ro::Rdwr);
                        do_md_run(m, &mut st)
                    }
                    _ => Err(EINVAL),
                };
                if r.is_ok() {
                    m.release_open_hold();
                }
                r
            }
            b"raid_disks" => {
                if st.pers.is_some() {
                    return Err(EBUSY);
                }
                let n = parse_u32(w)?;
                if n == 0 || n > 1920 {
                    return Err(EINVAL);
                }
                st.raid_disks = n;
                m.update_configured(&mut st);
                Ok(())
            }
            b"level" => {
                if st.pers.is_some() {
                    return Err(EBUSY);
                }
                (st.level, st.level_by_name) = match w {
                    b"raid1" => (1, true),
                    b"1" => (1, false),
                    _ => return Err(EINVAL),
                };
                Ok(())
            }
            b"metadata_version" => {
                if st.pers.is_some() || st.raid_disks != 0 {
                    return Err(EBUSY);
                }
                let (major, minor) = match w {
                    b"none" => {
                        st.persistent = false;
                        st.major_version = 0;
                        st.minor_version = 90;
                        return Ok(());
                    }
                    b"0.90" => (0, 90),
                    b"1.0" | b"1.00" => (1, 0),
                    b"1.1" | b"1.01" => (1, 1),
                    b"1.2" | b"1.02" => (1, 2),
                    _ => return Err(EINVAL),
                };
                st.persistent = true;
                st.major_version = major;
                st.minor_version = minor;
                st.patch_version = 0;
                Ok(())
            }
            _ => store_more(m, &mut st, name, input),
        }
    })
}

// ---- the rest of md's array attributes ----

/// The kernel's HZ: md keeps the safe-mode delay in jiffies, which rounds what it shows.
const HZ: u32 = kernel::bindings::CONFIG_HZ;
/// md's DEFAULT_SAFEMODE_DELAY (200 ms), in jiffies.
const DEFAULT_SAFEMODE_DELAY: u32 = 200 * HZ / 1000 + 1;
/// md's MD_DEFAULT_MAX_CORRECTED_READ_ERRORS.
pub(crate) const DEFAULT_MAX_READ_ERRORS: u32 = 20;
/// md's MaxSector.
const MAX_SECTOR: u64 = crate::superblock::MAX_SECTOR;
/// md's sync action names (action_name).
const SYNC_ACTIONS: [&str; 7] = [
    "resync", "recover", "check", "repair", "reshape", "frozen", "idle",
];

/// Per-array values only the md/ attributes show and set; each is md's field of
/// the same name in `struct mddev`.
pub(crate) struct Knobs {
    /// Safe-mode delay in jiffies (0: off).
    safemode_delay: u32,
    /// `max_read_errors` (md's max_corr_read_errors).
    max_corr_read_errors: u32,
    /// `new_level`.
    new_level: i32,
    /// Array UUID, from the superblocks once the array has run.
    uuid: [u8; 16],
    /// Local resync speed limits in KiB/s (0: the dev.raid sysctl).
    sync_speed_min: u32,
    sync_speed_max: u32,
    /// `sync_min` / `sync_max`, in sectors.
    resync_min: u64,
    resync_max: u64,
    reshape_backwards: bool,
    fail_last_dev: bool,
    parallel_resync: bool,
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
            resync_max: MAX_SECTOR,
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
pub(crate) fn on_run(m: &Mddev, st: &mut MddevState) {
    st.knobs.max_corr_read_errors = DEFAULT_MAX_READ_ERRORS;
    st.knobs.new_level = st.level;
    if let Some(r) = st.disks.first() {
        st.knobs.uuid = r.meta().sb.uuid();
    }
    set_safemode_delay(m, st, DEFAULT_SAFEMODE_DELAY);
}

/// Jiffies to ms, as md's safe_delay_show computes them.
fn jiffies_to_ms(j: u32) -> u32 {
    u32::try_from(u64::from(j) * 1000 / u64::from(HZ)).unwrap_or(u32::MAX)
}

/// Sets the safe-mode delay; the safe-mode worker counts in ms. With 0 the
/// array is never marked clean while it runs (md arms no safe-mode timer); a
/// new delay takes effect at once, as md's timer restart does.
fn set_safemode_delay(m: &Mddev, st: &mut MddevState, jiffies: u32) {
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

/// md's `degraded` for raid1: slots without a working in-sync member.
fn degraded(m: &Mddev, st: &MddevState) -> usize {
    if st.pers.is_none() {
        return 0;
    }
    let _ = m;
    st.degraded()
}

/// Shows the attributes beyond the basic four.
fn show_more(m: &Mddev, st: &MddevState, name: &[u8], page: &mut Page<'_>) -> Result {
    let p = &m.sync;
    let k = &st.knobs;
    let running = st.pers.is_some();
    let r = match name {
        b"new_level" => writeln!(page, "{}", k.new_level),
        b"layout" => writeln!(page, "{}", st.layout),
        b"uuid" => writeln!(page, "{}", crate::superblock::UuidFmt::sysfs(k.uuid)),
        // md prints the int `chunk_sectors << 9`.
        b"chunk_size" => writeln!(page, "{}", (st.chunk_sectors as i32).wrapping_shl(9)),
        b"component_size" => writeln!(page, "{}", st.dev_sectors / 2),
        b"resync_start" if m.resync_offset() == MAX_SECTOR => writeln!(page, "none"),
        b"resync_start" => writeln!(page, "{}", m.resync_offset()),
        b"safe_mode_delay" => {
            let ms = jiffies_to_ms(k.safemode_delay);
            writeln!(page, "{}.{:03}", ms / 1000, ms % 1000)
        }
        // No reshape, and the array size always follows the members.
        b"reshape_position" => writeln!(page, "none"),
        b"reshape_direction" if k.reshape_backwards => writeln!(page, "backwards"),
        b"reshape_direction" => writeln!(page, "forwards"),
        b"array_size" => writeln!(page, "default"),
        b"max_read_errors" => writeln!(page, "{}", k.max_corr_read_errors),
        // raid1 resyncs; there is no bitmap, journal or PPL.
        b"consistency_policy" if running => writeln!(page, "resync"),
        b"consistency_policy" => writeln!(page, "unknown"),
        b"fail_last_dev" => writeln!(page, "{}", u8::from(k.fail_last_dev)),
        b"serialize_policy" => match st.pers {
            Some(p) if p.level == 1 => writeln!(page, "0"),
            _ => writeln!(page, "n/a"),
        },
        b"sync_action" => writeln!(page, "{}", sync_action(m)),
        b"last_sync_action" => writeln!(
            page,
            "{}",
            Action::from_u8(p.last.load(Ordering::Acquire)).map_or("idle", |a| a.sysfs())
        ),
        b"mismatch_cnt" => writeln!(page, "{}", p.mismatches.load(Ordering::Acquire)),
        b"suspend_lo" | b"suspend_hi" => writeln!(page, "0"),
        b"sync_completed" => match p.running() {
            None => writeln!(page, "none"),
            Some(_) => writeln!(
                page,
                "{} / {}",
                p.completed.load(Ordering::Acquire),
                p.max.load(Ordering::Acquire)
            ),
        },
        b"sync_speed" => match p.running() {
            None => writeln!(page, "none"),
            Some(_) => {
                let ms =
                    crate::sys::time::now_ms().saturating_sub(p.mark_ms.load(Ordering::Acquire));
                let db = p
                    .curr
                    .load(Ordering::Acquire)
                    .saturating_sub(p.mark_cnt.load(Ordering::Acquire));
                writeln!(page, "{}", db / (ms / 1000).max(1) / 2)
            }
        },
        b"sync_speed_min" | b"sync_speed_max" => {
            let (sys_min, sys_max) = crate::sys::module::speed_limits();
            let (local, system) = if name == b"sync_speed_min" {
                (k.sync_speed_min, sys_min)
            } else {
                (k.sync_speed_max, sys_max)
            };
            if local != 0 {
                writeln!(page, "{} (local)", local as i32)
            } else {
                writeln!(page, "{system} (system)")
            }
        }
        b"sync_force_parallel" => writeln!(page, "{}", u8::from(k.parallel_resync)),
        b"sync_min" => writeln!(page, "{}", k.resync_min),
        b"sync_max" if k.resync_max == MAX_SECTOR => writeln!(page, "max"),
        b"sync_max" => writeln!(page, "{}", k.resync_max),
        b"degraded" => writeln!(page, "{}", degraded(m, st)),
        // Write-only in md (null_show).
        b"new_dev" | b"bitmap_set_bits" => return Err(EINVAL),
        _ => return Err(EIO),
    };
    r.map_err(|_| EFBIG)
}

/// EOVERFLOW, which the 6.12 kernel crate does not name.
fn eoverflow() -> Error {
    Error::from_errno(-(kernel::bindings::EOVERFLOW as i32))
}

/// The C string a store gets: its bytes up to the first NUL.
fn cstr(input: &[u8]) -> &[u8] {
    let end = input.iter().position(|b| *b == 0).unwrap_or(input.len());
    input.get(..end).unwrap_or(&[])
}

/// md's cmd_match: `s` is `word`, optionally followed by a newline.
fn cmd_match(s: &[u8], word: &[u8]) -> bool {
    s == word || s.strip_suffix(b"\n") == Some(word)
}

/// Leading decimal digits of `s`: their value (wrapping, as simple_strtoul), how
/// many there are, and whether the value overflowed.
fn leading_digits(s: &[u8]) -> (u64, usize, bool) {
    let (mut v, mut n, mut over) = (0u64, 0usize, false);
    for d in s.iter().take_while(|b| b.is_ascii_digit()) {
        let digit = u64::from(d.saturating_sub(b'0'));
        match v.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(x) => v = x,
            None => {
                over = true;
                v = v.wrapping_mul(10).wrapping_add(digit);
            }
        }
        n += 1;
    }
    (v, n, over)
}

/// kstrtoull(s, 10): an optional '+', digits, an optional newline.
fn kstrtoull(s: &[u8]) -> Result<u64> {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (v, n, over) = leading_digits(s);
    if over {
        return Err(ERANGE);
    }
    match s.get(n..) {
        _ if n == 0 => Err(EINVAL),
        Some(b"" | b"\n") => Ok(v),
        _ => Err(EINVAL),
    }
}

/// kstrtouint(s, 10).
fn kstrtouint(s: &[u8]) -> Result<u32> {
    u32::try_from(kstrtoull(s)?).map_err(|_| ERANGE)
}

/// kstrtobool.
fn kstrtobool(s: &[u8]) -> Result<bool> {
    match s {
        [b'y' | b'Y' | b't' | b'T' | b'1', ..] => Ok(true),
        [b'n' | b'N' | b'f' | b'F' | b'0', ..] => Ok(false),
        [b'o' | b'O', b'n' | b'N', ..] => Ok(true),
        [b'o' | b'O', b'f' | b'F', ..] => Ok(false),
        _ => Err(EINVAL),
    }
}

/// md's strict_blocks_to_sectors: KiB to sectors.
fn blocks_to_sectors(s: &[u8]) -> Result<u64> {
    kstrtoull(s)
        .ok()
        .and_then(|blocks| blocks.checked_mul(2))
        .ok_or(EINVAL)
}

/// md's strict_strtoul_scaled(s, 3): a decimal number of seconds in ms; digits
/// past the third decimal are ignored.
fn seconds_to_ms(s: &[u8]) -> Result<u64> {
    let (mut v, mut decimals, mut i) = (0u64, None::<u32>, 0usize);
    while let Some(&c) = s.get(i) {
        if c == b'.' && decimals.is_none() {
            decimals = Some(0);
        } else if c.is_ascii_digit() {
            if decimals.map_or(true, |d| d < 3) {
                v = v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                    .ok_or(EINVAL)?;
                decimals = decimals.map(|d| d + 1);
            }
        } else {
            break;
        }
        i += 1;
    }
    match s.get(i..) {
        Some(b"" | b"\n") => {}
        _ => return Err(EINVAL),
    }
    let scale = 10u64.pow(3 - decimals.unwrap_or(0).min(3));
    v.checked_mul(scale).ok_or(EINVAL)
}

/// new_dev's "major:minor" (md parses it with simple_strtoul).
fn parse_dev(s: &[u8]) -> Result<(i32, i32)> {
    let (major, n, _) = leading_digits(s);
    let rest = match s.get(n..) {
        Some([b':', rest @ ..]) => rest,
        _ => return Err(EINVAL),
    };
    if matches!(rest.first(), None | Some(b'\n')) {
        return Err(EINVAL);
    }
    let (minor, n, _) = leading_digits(rest);
    if !matches!(rest.get(n), None | Some(b'\n')) {
        return Err(EINVAL);
    }
    // md keeps both in ints and checks that they survive MKDEV.
    let (major, minor) = (major as u32, minor as u32);
    if major >= 1 << 12 || minor >= 1 << 20 {
        return Err(eoverflow());
    }
    Ok((major as i32, minor as i32))
}

/// A running raid1 keeps its chunk size and layout (raid1_reshape refuses a change).
fn check_reshape(m: &Mddev, unchanged: bool) -> Result {
    if m.ro() != Ro::Rdwr {
        Err(EROFS)
    } else if unchanged {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Stores the attributes beyond the basic four.
fn store_more(m: &Mddev, st: &mut MddevState, name: &[u8], input: &[u8]) -> Result {
    let s = cstr(input);
    let running = st.pers.is_some();
    match name {
        b"new_level" => st.knobs.new_level = kstrtouint(s)? as i32,
        b"layout" => {
            let n = kstrtouint(s)? as i32;
            if running {
                return check_reshape(m, n == st.layout);
            }
            st.layout = n;
        }
        b"chunk_size" => {
            // md keeps `n >> 9` in an int.
            let sectors = (kstrtoull(s)? >> 9) as u32;
            if running {
                return check_reshape(m, sectors == st.chunk_sectors);
            }
            st.chunk_sectors = sectors;
        }
        b"component_size" => {
            let sectors = blocks_to_sectors(s)?;
            if running {
                // Resizing a running array is not supported.
                return Err(crate::eopnotsupp());
            }
            // Before running, it may only shrink (or be set from 0).
            if st.dev_sectors != 0 && st.dev_sectors <= sectors {
                return Err(ENOSPC);
            }
            st.dev_sectors = sectors;
        }
        b"resync_start" => {
            let n = if cmd_match(s, b"none") {
                MAX_SECTOR
            } else {
                kstrtoull(s)?
            };
            // md allows it on a running array only with resync frozen.
            if running {
                return Err(EBUSY);
            }
            m.set_resync_offset(n);
        }
        b"new_dev" => {
            let (major, minor) = parse_dev(s)?;
            if running {
                // Hot-adding a spare is not supported.
                return Err(crate::eopnotsupp());
            }
            let info = ioctl::DiskInfo {
                number: 0,
                major,
                minor,
                raid_disk: -1,
                state: 0,
            };
            crate::add_new_disk(m, st, &info)?;
        }
        b"safe_mode_delay" => {
            let ms = seconds_to_ms(s)?;
            if ms > u64::from(u32::MAX / HZ) {
                return Err(EINVAL);
            }
            let jiffies = match ms {
                0 => 0,
                // At least one jiffy; fits in u32 after the check above.
                _ => u32::try_from(ms * u64::from(HZ) / 1000)
                    .map_err(|_| EINVAL)?
                    .max(1),
            };
            set_safemode_delay(m, st, jiffies);
        }
        b"reshape_position" => {
            let n = kstrtoull(s)?;
            if running {
                return Err(EBUSY);
            }
            // Reshape is not supported; "no reshape" is all that can be written.
            if n != MAX_SECTOR {
                return Err(crate::eopnotsupp());
            }
        }
        b"reshape_direction" => {
            let backwards = if cmd_match(s, b"forwards") {
                false
            } else if cmd_match(s, b"backwards") {
                true
            } else {
                return Err(EINVAL);
            };
            if backwards != st.knobs.reshape_backwards {
                if st.persistent && st.major_version == 0 {
                    return Err(EINVAL);
                }
                st.knobs.reshape_backwards = backwards;
            }
        }
        b"array_size" => {
            if s.starts_with(b"default") {
                return Ok(());
            }
            let sectors = blocks_to_sectors(s)?;
            if running && sectors > st.dev_sectors {
                return Err(E2BIG);
            }
            // An array size other than the members' is not supported.
            return Err(crate::eopnotsupp());
        }
        b"max_read_errors" => {
            let n = kstrtouint(s)?;
            if n > i32::MAX as u32 {
                return Err(EINVAL);
            }
            st.knobs.max_corr_read_errors = n;
            m.set_knob_copies(n, st.knobs.sync_speed_min, st.knobs.sync_speed_max);
        }
        // raid1 cannot change it; without a personality only external metadata can.
        b"consistency_policy" if running => return Err(EBUSY),
        b"consistency_policy" => return Err(EINVAL),
        b"fail_last_dev" => st.knobs.fail_last_dev = kstrtobool(s)?,
        b"serialize_policy" => {
            if kstrtobool(s)? {
                if st.pers.map_or(true, |p| p.level != 1) {
                    md_err!("md: serialize_policy is only effective for raid1\n");
                    return Err(EINVAL);
                }
                // Write serialization is not supported.
                return Err(crate::eopnotsupp());
            }
        }
        b"sync_action" => {
            if !running {
                return Err(EINVAL);
            }
            let action = SYNC_ACTIONS
                .iter()
                .position(|a| cmd_match(s, a.as_bytes()))
                .ok_or(EINVAL)?;
            let word = SYNC_ACTIONS.get(action).copied();
            // Any action but frozen ends read-auto, as md's action_store.
            if word != Some("frozen") && m.ro() == Ro::AutoRead {
                m.set_ro(Ro::Rdwr);
            }
            let p = &m.sync;
            let conf = m.conf();
            match word {
                Some("idle") | Some("frozen") => {
                    p.frozen.store(word == Some("frozen"), Ordering::Release);
                    p.requested.store(0, Ordering::Release);
                    if let Some(c) = &conf {
                        crate::interrupt_sync(m, st, &**c);
                    }
                }
                // raid1 has no start_reshape.
                Some("reshape") => return Err(EINVAL),
                Some("check") | Some("repair") => {
                    if p.running().is_some() {
                        return Err(EBUSY);
                    }
                    let a = if word == Some("check") {
                        Action::Check
                    } else {
                        Action::Repair
                    };
                    p.frozen.store(false, Ordering::Release);
                    p.requested.store(a as u8, Ordering::Release);
                }
                _ => p.frozen.store(false, Ordering::Release),
            }
            m.need_check();
        }
        b"sync_speed_min" | b"sync_speed_max" => {
            let v = if s.starts_with(b"system") {
                0
            } else {
                match kstrtouint(s)? {
                    0 => return Err(EINVAL),
                    v => v,
                }
            };
            if name == b"sync_speed_min" {
                st.knobs.sync_speed_min = v;
            } else {
                st.knobs.sync_speed_max = v;
            }
            m.set_knob_copies(
                st.knobs.max_corr_read_errors,
                st.knobs.sync_speed_min,
                st.knobs.sync_speed_max,
            );
        }
        b"sync_force_parallel" => {
            let (negative, digits) = match s.strip_prefix(b"-") {
                Some(d) => (true, d),
                None => (false, s),
            };
            st.knobs.parallel_resync = match (negative, kstrtoull(digits)) {
                (_, Ok(0)) => false,
                (false, Ok(1)) => true,
                _ => return Err(EINVAL),
            };
        }
        b"sync_min" => {
            let min = kstrtoull(s).map_err(|_| EINVAL)?;
            if min > st.knobs.resync_max {
                return Err(EINVAL);
            }
            if m.sync.running().is_some() {
                return Err(EBUSY);
            }
            // Rounded down to 4 KiB, as md.
            st.knobs.resync_min = min & !7;
        }
        b"sync_max" => {
            let max = if s.starts_with(b"max") {
                MAX_SECTOR
            } else {
                let max = kstrtoull(s).map_err(|_| EINVAL)?;
                if max < st.knobs.resync_min {
                    return Err(EINVAL);
                }
                if max < st.knobs.resync_max && m.ro() == Ro::Rdwr && m.sync.running().is_some() {
                    return Err(EBUSY);
                }
                let chunk = u64::from(st.chunk_sectors);
                if chunk != 0 && max % chunk != 0 {
                    return Err(EINVAL);
                }
                max
            };
            st.knobs.resync_max = max;
            // A sync waiting at the old limit goes on.
            m.set_resync_max(max);
        }
        b"suspend_lo" | b"suspend_hi" => {
            // Suspending a range of the array is not supported; 0 is what it is.
            if kstrtoull(s)? != 0 {
                return Err(crate::eopnotsupp());
            }
        }
        // Without a bitmap md ignores the write.
        b"bitmap_set_bits" => {}
        _ => return Err(EIO),
    }
    Ok(())
}

/// What sync_action shows (md's action_show).
fn sync_action(m: &Mddev) -> &'static str {
    let p = &m.sync;
    if p.frozen.load(Ordering::Acquire) {
        "frozen"
    } else if let Some(a) = p.running() {
        a.sysfs()
    } else if let Some(a) = Action::from_u8(p.requested.load(Ordering::Acquire)) {
        a.sysfs()
    } else {
        "idle"
    }
}

/// A write to md/dev-NAME/ (md's rdev_attr_store): `state` takes `faulty` and
/// `remove`; the other attributes are read-only here.
pub(crate) fn rdev_store(m: ArcBorrow<'_, Mddev>, dev: u32, name: &[u8], input: &[u8]) -> Result {
    with_ref(m, |m| {
        // No reclaim into this array's writes under the state lock (see md_ioctl).
        let _noio = crate::sys::util::NoIo::enter();
        let mut st = m.state.lock();
        if crate::unloading() {
            return Err(ENODEV);
        }
        if !st.disks.iter().any(|r| r.dev == dev) {
            return Err(ENODEV);
        }
        let s = cstr(input);
        match name {
            b"state" if cmd_match(s, b"faulty") => {
                if st.pers.is_none() {
                    return Err(EINVAL);
                }
                crate::set_disk_faulty_dev(m, &mut st, dev)
            }
            b"state" if cmd_match(s, b"remove") => crate::remove_dev(m, &mut st, dev),
            b"state" => Err(EINVAL),
            _ => Err(EACCES),
        }
    })
}
