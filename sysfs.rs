// SPDX-License-Identifier: GPL-2.0
//! /sys/block/mdN/md/: the attributes mdadm and md's users read and write.
//!
//! [`MD_ATTRS`] is md's `md_sysfs_entry` list: one entry per attribute with its name,
//! mode, show and store. helpers.c builds the directory's `struct attribute` array
//! from it (and dev-NAME/'s from [`RDEV_ATTRS`]) through `rust_md_attr_def`, so the
//! names and modes live here only. What a write may say is parsed in the pure
//! `parse` module (host-tested and fuzzed).

use core::fmt::{self, Write};

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::ArcBorrow;

use crate::sys::seq::Page;
use core::sync::atomic::Ordering;

use crate::resync::Action;

use crate::rdev::Rdev;
use crate::{
    do_md_run, do_md_stop, ioctl, jiffies_to_ms, md_set_readonly, restart_array, set_in_sync,
    set_safemode_delay, with_ref, Mddev, MddevState, Ro, HZ,
};

// Pure code shared with the host tests (hence `pub`).
#[allow(unreachable_pub)]
pub(crate) mod parse;

use parse::{cstr, kstrtobool, kstrtouint, kstrtoull, word, ArrayState, ParseError, SyncAction};

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        match e {
            ParseError::Inval => EINVAL,
            ParseError::Range => ERANGE,
            ParseError::Overflow => eoverflow(),
        }
    }
}

/// Shows an attribute; called with a reference, NoIo and the state lock held. An
/// error (the page is full) reads as EFBIG.
type Show = fn(&Mddev, &MddevState, &mut Page<'_>) -> fmt::Result;

/// How an attribute takes writes.
#[derive(Clone, Copy)]
pub(crate) enum Store {
    /// Read-only: a write (root may open it) is EIO, as md's md_attr_store.
    None,
    /// Called with a reference, NoIo and the state lock held, unless the module is
    /// unloading (ENODEV).
    Locked(fn(&Mddev, &mut MddevState, &[u8]) -> Result),
    /// Takes the reference and the locks itself.
    Own(fn(ArcBorrow<'_, Mddev>, &[u8]) -> Result),
}

/// One md/ attribute (md's `struct md_sysfs_entry`).
pub(crate) struct Entry {
    /// The file's name.
    pub(crate) name: &'static CStr,
    /// Its mode.
    pub(crate) mode: u16,
    /// None: write-only (a read, which root may try, is EINVAL as md's null_show).
    show: Option<Show>,
    store: Store,
}

/// A table's rows: `name: mode, show, store;` (the name is the file's), as entries
/// of type `$entry` (md/ and dev-NAME/ tables alike).
macro_rules! attr_table {
    ($entry:ident; $($name:ident: $mode:literal, $show:expr, $store:expr;)*) => {
        [$($entry {
            name: kernel::c_str!(stringify!($name)),
            mode: $mode,
            show: $show,
            store: $store,
        },)*]
    };
}

use RdevShow::{Live, Snap};
use Store::{Locked, Own};

/// md's default group, then its redundancy group. md creates the latter when a
/// personality with resync starts; raid1, our only one, has it, so it is listed
/// here for good. Show `None`: write-only; store `Store::None`: read-only.
#[rustfmt::skip]
pub(crate) static MD_ATTRS: [Entry; 33] = attr_table! { Entry;
    level:               0o644, Some(level_show),               Locked(level_store);
    raid_disks:          0o644, Some(raid_disks_show),          Locked(raid_disks_store);
    metadata_version:    0o644, Some(metadata_show),            Locked(metadata_store);
    array_state:         0o644, Some(array_state_show),         Own(array_state_store);
    new_level:           0o664, Some(new_level_show),           Locked(new_level_store);
    layout:              0o644, Some(layout_show),              Locked(layout_store);
    uuid:                0o444, Some(uuid_show),                Store::None;
    chunk_size:          0o644, Some(chunk_size_show),          Locked(chunk_size_store);
    component_size:      0o644, Some(size_show),                Locked(size_store);
    resync_start:        0o644, Some(resync_start_show),        Locked(resync_start_store);
    new_dev:             0o200, None,                           Locked(new_dev_store);
    safe_mode_delay:     0o644, Some(safe_delay_show),          Locked(safe_delay_store);
    reshape_position:    0o644, Some(reshape_position_show),    Locked(reshape_position_store);
    reshape_direction:   0o644, Some(reshape_direction_show),   Locked(reshape_direction_store);
    array_size:          0o644, Some(array_size_show),          Locked(array_size_store);
    max_read_errors:     0o644, Some(max_read_errors_show),     Locked(max_read_errors_store);
    consistency_policy:  0o644, Some(consistency_policy_show),  Locked(consistency_policy_store);
    fail_last_dev:       0o644, Some(fail_last_dev_show),       Locked(fail_last_dev_store);
    serialize_policy:    0o644, Some(serialize_policy_show),    Locked(serialize_policy_store);
    sync_action:         0o644, Some(action_show),              Locked(action_store);
    last_sync_action:    0o444, Some(last_sync_action_show),    Store::None;
    mismatch_cnt:        0o444, Some(mismatch_cnt_show),        Store::None;
    sync_speed_min:      0o644, Some(sync_min_speed_show),      Locked(sync_min_speed_store);
    sync_speed_max:      0o644, Some(sync_max_speed_show),      Locked(sync_max_speed_store);
    sync_speed:          0o444, Some(sync_speed_show),          Store::None;
    sync_force_parallel: 0o644, Some(sync_force_parallel_show), Locked(sync_force_parallel_store);
    sync_completed:      0o444, Some(sync_completed_show),      Store::None;
    sync_min:            0o644, Some(min_sync_show),            Locked(min_sync_store);
    sync_max:            0o644, Some(max_sync_show),            Locked(max_sync_store);
    suspend_lo:          0o644, Some(suspend_show),             Locked(suspend_store);
    suspend_hi:          0o644, Some(suspend_show),             Locked(suspend_store);
    bitmap_set_bits:     0o200, None,                           Locked(bitmap_set_bits_store);
    degraded:            0o444, Some(degraded_show),            Store::None;
};

/// What a member's dev-NAME/ files show: the snapshot `RdevKobj::update` pushes to
/// helpers.c, which hands it back to the show (so a show never takes the array's lock).
pub(crate) struct RdevSnapshot<'a> {
    /// `state`'s words.
    pub(crate) state: &'a [u8],
    /// The slot, or -1 (`none`).
    pub(crate) slot: i32,
    /// Data offset in sectors.
    pub(crate) offset: u64,
    /// Data size in KiB.
    pub(crate) size_kib: u64,
    /// Corrected read errors.
    pub(crate) errors: i32,
}

/// How a dev-NAME/ attribute is shown.
#[derive(Clone, Copy)]
pub(crate) enum RdevShow {
    /// From the snapshot.
    Snap(fn(&RdevSnapshot<'_>, &mut Page<'_>) -> fmt::Result),
    /// From the member itself (the bad-block lists, which change in bio completions
    /// and are not in the snapshot), found with a reference and the state lock held.
    Live(fn(&Rdev, &mut Page<'_>)),
}

/// A dev-NAME/ write; called with a reference, NoIo and the state lock held, the
/// member still in the array, unless the module is unloading (ENODEV).
type RdevStore = fn(&Mddev, &mut MddevState, u32, &[u8]) -> Result;

/// One dev-NAME/ attribute (md's `struct rdev_sysfs_entry`).
pub(crate) struct RdevEntry {
    /// The file's name.
    pub(crate) name: &'static CStr,
    /// Its mode.
    pub(crate) mode: u16,
    show: RdevShow,
    /// None: read-only here (EACCES).
    store: Option<RdevStore>,
}

/// The dev-NAME/ attributes. helpers.c's store breaks sysfs's active protection for
/// `remove` into `state`, which deletes the very directory (as md's rdev_attr_store).
#[rustfmt::skip]
pub(crate) static RDEV_ATTRS: [RdevEntry; 7] = attr_table! { RdevEntry;
    state:  0o644, Snap(rdev_state_show),  Some(rdev_state_store);
    slot:   0o644, Snap(rdev_slot_show),   None;
    offset: 0o644, Snap(rdev_offset_show), None;
    size:   0o644, Snap(rdev_size_show),   Some(rdev_size_store);
    errors: 0o644, Snap(rdev_errors_show), None;
    bad_blocks:                0o644, Live(rdev_bb_show),  Some(rdev_bb_store);
    unacknowledged_bad_blocks: 0o644, Live(rdev_ubb_show), Some(rdev_ubb_store);
};

/// md/bitmap/ (md's md_bitmap_group, a named default group of every array's md/).
/// Its names differ from md/'s own, so one lookup by name serves both.
#[rustfmt::skip]
pub(crate) static BITMAP_ATTRS: [Entry; 8] = attr_table! { Entry;
    location:         0o644, Some(bitmap_location_show),  Locked(bitmap_location_store);
    space:            0o644, Some(bitmap_space_show),     Locked(bitmap_space_store);
    time_base:        0o644, Some(bitmap_timeout_show),   Locked(bitmap_timeout_store);
    backlog:          0o644, Some(bitmap_backlog_show),   Locked(bitmap_backlog_store);
    chunksize:        0o644, Some(bitmap_chunksize_show), Locked(bitmap_chunksize_store);
    metadata:         0o644, Some(bitmap_metadata_show),  Locked(bitmap_metadata_store);
    can_clear:        0o644, Some(bitmap_can_clear_show), Locked(bitmap_can_clear_store);
    max_backlog_used: 0o644, Some(bitmap_behind_show),    Locked(bitmap_behind_reset);
};

fn md_entry(name: &[u8]) -> Option<&'static Entry> {
    let find = |t: &'static [Entry]| t.iter().find(|e| e.name.as_bytes() == name);
    find(&MD_ATTRS).or_else(|| find(&BITMAP_ATTRS))
}

/// Shows attribute `name`.
pub(crate) fn attr_show(m: ArcBorrow<'_, Mddev>, name: &[u8], page: &mut Page<'_>) -> Result {
    with_ref(m, |m| {
        // No reclaim into this array's writes under the state lock (see md_ioctl).
        let _noio = crate::sys::util::NoIo::enter();
        let st = m.state.lock();
        match md_entry(name) {
            Some(Entry { show: Some(f), .. }) => f(m, &st, page).map_err(|_| EFBIG),
            // Write-only in md (null_show).
            Some(_) => Err(EINVAL),
            None => Err(EIO),
        }
    })
}

/// Stores `input` into attribute `name`.
pub(crate) fn attr_store(m: ArcBorrow<'_, Mddev>, name: &[u8], input: &[u8]) -> Result {
    let store = md_entry(name).map_or(Store::None, |e| e.store);
    match store {
        Own(f) => f(m, input),
        Locked(f) => locked_store(m, |m, st| f(m, st, input)),
        Store::None => locked_store(m, |_, _| Err(EIO)),
    }
}

/// Runs `f` with a reference, NoIo and the state lock, unless the module is unloading.
fn locked_store(
    m: ArcBorrow<'_, Mddev>,
    f: impl FnOnce(&Mddev, &mut MddevState) -> Result,
) -> Result {
    with_ref(m, |m| {
        // No reclaim into this array's writes under the state lock (see md_ioctl).
        let _noio = crate::sys::util::NoIo::enter();
        let mut st = m.state.lock();
        if crate::unloading() {
            return Err(ENODEV);
        }
        f(m, &mut st)
    })
}

/// The name and mode of attribute `i` of md/ (`set` 0), dev-NAME/ (`set` 1) or
/// md/bitmap/ (`set` 2).
pub(crate) fn attr_def(set: u32, i: usize) -> Option<(&'static CStr, u16)> {
    match set {
        0 => MD_ATTRS.get(i).map(|e| (e.name, e.mode)),
        1 => RDEV_ATTRS.get(i).map(|e| (e.name, e.mode)),
        2 => BITMAP_ATTRS.get(i).map(|e| (e.name, e.mode)),
        _ => None,
    }
}

// ---- level, raid_disks, metadata_version, array_state ----

fn level_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    match (st.pers, st.level) {
        (Some(p), _) => writeln!(page, "{}", p.name),
        (None, ioctl::LEVEL_NONE) => Ok(()),
        // A level written by name reads back as that name (md's clevel).
        (None, 1) if st.level_by_name => writeln!(page, "raid1"),
        (None, l) => writeln!(page, "{l}"),
    }
}

fn level_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    (st.level, st.level_by_name) = parse::parse_level(word(input)).ok_or(EINVAL)?;
    Ok(())
}

fn raid_disks_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    // md shows nothing until the array has slots.
    if st.raid_disks == 0 {
        return Ok(());
    }
    writeln!(page, "{}", st.raid_disks)
}

fn raid_disks_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let n = parse::parse_u32(word(input))?;
    if st.pers.is_some() {
        // mdadm --grow --raid-devices.
        return if n == st.raid_disks {
            Ok(())
        } else {
            crate::mddev::update_raid_disks(m, st, n)
        };
    }
    if n == 0 || n > 1920 {
        return Err(EINVAL);
    }
    st.raid_disks = n;
    m.update_configured(st);
    Ok(())
}

fn metadata_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    if st.persistent {
        writeln!(page, "{}.{}", st.major_version, st.minor_version)
    } else {
        writeln!(page, "none")
    }
}

fn metadata_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    if st.pers.is_some() || st.raid_disks != 0 {
        return Err(EBUSY);
    }
    let (major, minor) = match parse::parse_metadata_version(word(input)).ok_or(EINVAL)? {
        parse::Metadata::None => {
            st.persistent = false;
            st.major_version = 0;
            st.minor_version = 90;
            return Ok(());
        }
        parse::Metadata::Persistent(major, minor) => (major, minor),
    };
    st.persistent = true;
    st.major_version = major;
    st.minor_version = minor;
    st.patch_version = 0;
    Ok(())
}

fn array_state_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", array_state(m, st))
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

/// array_state's store.
fn array_state_store(m: ArcBorrow<'_, Mddev>, input: &[u8]) -> Result {
    let w = word(input);
    // md's array_state_store: words that stop writes on a writable array need it
    // unopened and closed to new openers meanwhile (MD_CLOSING); it stays closed
    // once cleared.
    let closes = ArrayState::parse(w).is_some_and(ArrayState::closes)
        && m.conf().is_some()
        && m.ro() == Ro::Rdwr;
    if closes {
        crate::set_closing(&m, 0)?;
    }
    let r = array_state_store_ref(m, input, closes);
    if closes && (w != b"clear" || r.is_err()) {
        m.closing.store(false, Ordering::Relaxed);
    }
    r
}

/// `array_state_store` with a reference held; `synced`: the page cache is written back.
fn array_state_store_ref(m: ArcBorrow<'_, Mddev>, input: &[u8], synced: bool) -> Result {
    with_ref(m, |m| {
        let w = word(input);
        if w == b"clear" && !synced {
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
        let state = ArrayState::parse(w).ok_or(EINVAL)?;
        let running = st.pers.is_some();
        let r = match state {
            // clear: stop and forget
            ArrayState::Clear => do_md_stop(m, &mut st, true, 0),
            // inactive: stop a running array but keep its members
            ArrayState::Inactive if running => do_md_stop(m, &mut st, false, 0),
            ArrayState::Inactive => Ok(()),
            ArrayState::Readonly if running => md_set_readonly(m, &mut st, 0),
            ArrayState::Readonly => {
                m.set_ro(Ro::Rdonly);
                do_md_run(m, &mut st)
            }
            ArrayState::ReadAuto if running => {
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
            ArrayState::ReadAuto => {
                m.set_ro(Ro::AutoRead);
                do_md_run(m, &mut st)
            }
            // clean: writable, superblocks marked clean unless a write is
            // pending (EBUSY); md's set_in_sync, which never stops a sync
            ArrayState::Clean if running => {
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
            ArrayState::Active if running => {
                if m.ro() != Ro::Rdwr {
                    restart_array(m, &st)?;
                }
                Ok(())
            }
            ArrayState::Active => {
                m.set_ro(Ro::Rdwr);
                do_md_run(m, &mut st)
            }
            _ => Err(EINVAL),
        };
        if r.is_ok() {
            m.release_open_hold();
        }
        r
    })
}

// ---- the rest of md's array attributes ----

/// md's MaxSector.
const MAX_SECTOR: u64 = crate::superblock::MAX_SECTOR;

/// md's `degraded`: slots without a working in-sync member.
fn degraded(st: &MddevState) -> usize {
    if st.pers.is_none() {
        return 0;
    }
    st.degraded()
}

/// EOVERFLOW, which the 6.12 kernel crate does not name.
fn eoverflow() -> Error {
    Error::from_errno(-(kernel::bindings::EOVERFLOW as i32))
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

// ---- new_level, layout, uuid, chunk_size, component_size, resync_start, new_dev ----

fn new_level_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", st.knobs.new_level)
}

fn new_level_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    st.knobs.new_level = kstrtouint(cstr(input))? as i32;
    Ok(())
}

fn layout_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", st.layout)
}

fn layout_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let n = kstrtouint(cstr(input))? as i32;
    if st.pers.is_some() {
        return check_reshape(m, n == st.layout);
    }
    st.layout = n;
    Ok(())
}

fn uuid_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", crate::superblock::UuidFmt::sysfs(st.knobs.uuid))
}

fn chunk_size_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", parse::chunk_size_show(st.chunk_sectors))
}

fn chunk_size_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let sectors = parse::chunk_size_sectors(cstr(input))?;
    if st.pers.is_some() {
        return check_reshape(m, sectors == st.chunk_sectors);
    }
    st.chunk_sectors = sectors;
    Ok(())
}

fn size_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", st.dev_sectors / 2)
}

fn size_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let sectors = parse::blocks_to_sectors(cstr(input))?;
    if st.pers.is_some() {
        // An online resize (mdadm --grow --size when the size is past 2^31 KiB).
        return crate::mddev::update_size(m, st, sectors);
    }
    // Before running, it may only shrink (or be set from 0).
    if st.dev_sectors != 0 && st.dev_sectors <= sectors {
        return Err(ENOSPC);
    }
    st.dev_sectors = sectors;
    Ok(())
}

fn resync_start_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    match m.resync_offset() {
        MAX_SECTOR => writeln!(page, "none"),
        n => writeln!(page, "{n}"),
    }
}

fn resync_start_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let n = parse::parse_resync_start(cstr(input))?.unwrap_or(MAX_SECTOR);
    // md allows it on a running array only with resync frozen.
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    m.set_resync_offset(n);
    Ok(())
}

fn new_dev_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let (major, minor) = parse::parse_dev(cstr(input))?;
    if st.pers.is_some() {
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
    Ok(())
}

// ---- safe_mode_delay, reshape, array_size, max_read_errors, policies ----

fn safe_delay_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let ms = jiffies_to_ms(st.knobs.safemode_delay);
    writeln!(page, "{}.{:03}", ms / 1000, ms % 1000)
}

fn safe_delay_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let jiffies = parse::safe_delay_jiffies(cstr(input), HZ)?;
    set_safemode_delay(m, st, jiffies);
    Ok(())
}

// No reshape, and the array size always follows the members.
fn reshape_position_show(_m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "none")
}

fn reshape_position_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let n = kstrtoull(cstr(input))?;
    if st.pers.is_some() {
        return Err(EBUSY);
    }
    // Reshape is not supported; "no reshape" is all that can be written.
    if n != MAX_SECTOR {
        return Err(crate::eopnotsupp());
    }
    Ok(())
}

fn reshape_direction_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    if st.knobs.reshape_backwards {
        writeln!(page, "backwards")
    } else {
        writeln!(page, "forwards")
    }
}

fn reshape_direction_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let backwards = parse::parse_reshape_direction(cstr(input))?;
    if backwards != st.knobs.reshape_backwards {
        if st.persistent && st.major_version == 0 {
            return Err(EINVAL);
        }
        st.knobs.reshape_backwards = backwards;
    }
    Ok(())
}

fn array_size_show(_m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "default")
}

fn array_size_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let sectors = match parse::parse_array_size(cstr(input))? {
        None => return Ok(()),
        Some(sectors) => sectors,
    };
    if st.pers.is_some() && sectors > st.dev_sectors {
        return Err(E2BIG);
    }
    // An array size other than the members' is not supported.
    Err(crate::eopnotsupp())
}

fn max_read_errors_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", st.knobs.max_corr_read_errors)
}

fn max_read_errors_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let n = parse::parse_max_read_errors(cstr(input))?;
    st.knobs.max_corr_read_errors = n;
    m.set_knob_copies(n, st.knobs.sync_speed_min, st.knobs.sync_speed_max);
    Ok(())
}

// raid1 resyncs, with or without a bitmap; there is no journal or PPL.
fn consistency_policy_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    if m.bitmap().is_some() {
        writeln!(page, "bitmap")
    } else if st.pers.is_some() {
        writeln!(page, "resync")
    } else {
        writeln!(page, "unknown")
    }
}

// raid1 cannot change it; without a personality only external metadata can.
fn consistency_policy_store(_m: &Mddev, st: &mut MddevState, _input: &[u8]) -> Result {
    if st.pers.is_some() {
        Err(EBUSY)
    } else {
        Err(EINVAL)
    }
}

fn fail_last_dev_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", u8::from(st.knobs.fail_last_dev))
}

fn fail_last_dev_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    st.knobs.fail_last_dev = kstrtobool(cstr(input))?;
    Ok(())
}

fn serialize_policy_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    match st.pers {
        Some(p) if p.level == 1 => writeln!(page, "0"),
        _ => writeln!(page, "n/a"),
    }
}

fn serialize_policy_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    if kstrtobool(cstr(input))? {
        if st.pers.map_or(true, |p| p.level != 1) {
            md_err!("md: serialize_policy is only effective for raid1\n");
            return Err(EINVAL);
        }
        // Write serialization is not supported.
        return Err(crate::eopnotsupp());
    }
    Ok(())
}

// ---- md's redundancy group: sync_action and the resync knobs ----

fn action_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", sync_action(m))
}

fn action_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let s = cstr(input);
    if st.pers.is_none() {
        return Err(EINVAL);
    }
    let action = SyncAction::parse(s).ok_or(EINVAL)?;
    // Any action but frozen ends read-auto, as md's action_store.
    if action != SyncAction::Frozen && m.ro() == Ro::AutoRead {
        m.set_ro(Ro::Rdwr);
    }
    let p = &m.sync;
    let conf = m.conf();
    match action {
        SyncAction::Idle | SyncAction::Frozen => {
            p.frozen
                .store(action == SyncAction::Frozen, Ordering::Release);
            p.requested.store(0, Ordering::Release);
            if let Some(c) = &conf {
                crate::interrupt_sync(m, st, &**c);
            }
        }
        // raid1 has no start_reshape.
        SyncAction::Reshape => return Err(EINVAL),
        SyncAction::Check | SyncAction::Repair => {
            if p.running().is_some() {
                return Err(EBUSY);
            }
            let a = if action == SyncAction::Check {
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

fn last_sync_action_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(
        page,
        "{}",
        Action::from_u8(m.sync.last.load(Ordering::Acquire)).map_or("idle", |a| a.sysfs())
    )
}

fn mismatch_cnt_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", m.sync.mismatches.load(Ordering::Acquire))
}

/// sync_speed_min or _max: the array's own limit, else the system's.
fn speed_limit_show(local: u32, system: i32, page: &mut Page<'_>) -> fmt::Result {
    if local != 0 {
        writeln!(page, "{} (local)", local as i32)
    } else {
        writeln!(page, "{system} (system)")
    }
}

fn sync_min_speed_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let (sys_min, _) = crate::sys::module::speed_limits();
    speed_limit_show(st.knobs.sync_speed_min, sys_min, page)
}

fn sync_max_speed_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let (_, sys_max) = crate::sys::module::speed_limits();
    speed_limit_show(st.knobs.sync_speed_max, sys_max, page)
}

fn sync_min_speed_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    st.knobs.sync_speed_min = parse::parse_sync_speed(cstr(input))?;
    publish_knobs(m, st);
    Ok(())
}

fn sync_max_speed_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    st.knobs.sync_speed_max = parse::parse_sync_speed(cstr(input))?;
    publish_knobs(m, st);
    Ok(())
}

/// Copies the knobs the I/O paths read without the state lock.
fn publish_knobs(m: &Mddev, st: &MddevState) {
    m.set_knob_copies(
        st.knobs.max_corr_read_errors,
        st.knobs.sync_speed_min,
        st.knobs.sync_speed_max,
    );
}

fn sync_speed_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let p = &m.sync;
    match p.running() {
        None => writeln!(page, "none"),
        Some(_) => {
            let ms = crate::sys::time::now_ms().saturating_sub(p.mark_ms.load(Ordering::Acquire));
            let db = p
                .curr
                .load(Ordering::Acquire)
                .saturating_sub(p.mark_cnt.load(Ordering::Acquire));
            writeln!(page, "{}", db / (ms / 1000).max(1) / 2)
        }
    }
}

fn sync_force_parallel_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", u8::from(st.knobs.parallel_resync))
}

fn sync_force_parallel_store(_m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    st.knobs.parallel_resync = parse::parse_force_parallel(cstr(input))?;
    Ok(())
}

fn sync_completed_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let p = &m.sync;
    match p.running() {
        None => writeln!(page, "none"),
        Some(_) => writeln!(
            page,
            "{} / {}",
            p.completed.load(Ordering::Acquire),
            p.max.load(Ordering::Acquire)
        ),
    }
}

fn min_sync_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", st.knobs.resync_min)
}

fn min_sync_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let min = parse::parse_sync_sector(cstr(input))?;
    if min > st.knobs.resync_max {
        return Err(EINVAL);
    }
    if m.sync.running().is_some() {
        return Err(EBUSY);
    }
    // Rounded down to 4 KiB, as md.
    st.knobs.resync_min = min & !7;
    Ok(())
}

fn max_sync_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    if st.knobs.resync_max == MAX_SECTOR {
        writeln!(page, "max")
    } else {
        writeln!(page, "{}", st.knobs.resync_max)
    }
}

fn max_sync_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let max = match parse::parse_sync_max(cstr(input))? {
        None => MAX_SECTOR,
        Some(max) => {
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
        }
    };
    st.knobs.resync_max = max;
    // A sync waiting at the old limit goes on.
    m.set_resync_max(max);
    Ok(())
}

fn suspend_show(_m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "0")
}

fn suspend_store(_m: &Mddev, _st: &mut MddevState, input: &[u8]) -> Result {
    // Suspending a range of the array is not supported; 0 is what it is.
    if kstrtoull(cstr(input))? != 0 {
        return Err(crate::eopnotsupp());
    }
    Ok(())
}

// md's bitmap_store: the chunks listed must be synced (their bits set and on disk,
// the resync point moved back); without a bitmap md ignores the write.
fn bitmap_set_bits_store(m: &Mddev, _st: &mut MddevState, input: &[u8]) -> Result {
    let Some(bm) = m.bitmap() else {
        return Ok(());
    };
    parse::chunk_list(input, |first, last| {
        bm.dirty_bits(first, last);
        let sector = first.checked_shl(bm.chunk_shift()).unwrap_or(u64::MAX);
        if sector < m.resync_offset() {
            m.set_resync_offset(sector);
        }
    });
    let failed = bm.unplug();
    m.fail_bitmap_members(failed);
    m.need_check();
    Ok(())
}

fn degraded_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", degraded(st))
}

// ---- dev-NAME/ ----

/// A write to md/dev-NAME/ (md's rdev_attr_store): `state` takes `faulty`,
/// `remove`, `writemostly` and `-writemostly`; `bad_blocks` and
/// `unacknowledged_bad_blocks` take `SECTOR LENGTH`; the other attributes are
/// read-only here.
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
        match RDEV_ATTRS.iter().find(|e| e.name.as_bytes() == name) {
            Some(RdevEntry { store: Some(f), .. }) => f(m, &mut st, dev, input),
            _ => Err(EACCES),
        }
    })
}

/// Shows dev-NAME/ attribute `name` of member `dev` from `snap`, or for a live
/// attribute from the member.
pub(crate) fn rdev_show(
    m: ArcBorrow<'_, Mddev>,
    dev: u32,
    snap: &RdevSnapshot<'_>,
    name: &[u8],
    page: &mut Page<'_>,
) -> Result {
    match RDEV_ATTRS.iter().find(|e| e.name.as_bytes() == name) {
        Some(RdevEntry { show: Snap(f), .. }) => f(snap, page).map_err(|_| EFBIG),
        Some(RdevEntry { show: Live(f), .. }) => with_ref(m, |m| {
            // No reclaim into this array's writes under the state lock (see md_ioctl).
            let _noio = crate::sys::util::NoIo::enter();
            let st = m.state.lock();
            // A member on its way out (its directory not yet removed) is gone.
            let r = st.disks.iter().find(|r| r.dev == dev).ok_or(ENODEV)?;
            f(r, page);
            Ok(())
        }),
        None => Err(EIO),
    }
}

fn rdev_state_show(snap: &RdevSnapshot<'_>, page: &mut Page<'_>) -> fmt::Result {
    // The words are ASCII (rdev.rs writes them).
    writeln!(page, "{}", core::str::from_utf8(snap.state).unwrap_or(""))
}

fn rdev_slot_show(snap: &RdevSnapshot<'_>, page: &mut Page<'_>) -> fmt::Result {
    if snap.slot < 0 {
        writeln!(page, "none")
    } else {
        writeln!(page, "{}", snap.slot)
    }
}

fn rdev_offset_show(snap: &RdevSnapshot<'_>, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", snap.offset)
}

fn rdev_size_show(snap: &RdevSnapshot<'_>, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", snap.size_kib)
}

fn rdev_errors_show(snap: &RdevSnapshot<'_>, page: &mut Page<'_>) -> fmt::Result {
    writeln!(page, "{}", snap.errors)
}

// md's bb_show / ubb_show: badblocks_show's text, every range or the
// unacknowledged ones only.
fn rdev_bb_show(r: &Rdev, page: &mut Page<'_>) {
    r.bb_show(false, page);
}

fn rdev_ubb_show(r: &Rdev, page: &mut Page<'_>) {
    r.bb_show(true, page);
}

// md's bb_store / ubb_store (badblocks_store: `SECTOR LEN`, a leading `-` clears).
fn rdev_bb_store(m: &Mddev, st: &mut MddevState, dev: u32, input: &[u8]) -> Result {
    crate::bb_sysfs_store(m, st, dev, input, false)
}

fn rdev_ubb_store(m: &Mddev, st: &mut MddevState, dev: u32, input: &[u8]) -> Result {
    crate::bb_sysfs_store(m, st, dev, input, true)
}

fn rdev_size_store(m: &Mddev, st: &mut MddevState, dev: u32, input: &[u8]) -> Result {
    let sectors = parse::blocks_to_sectors(cstr(input))?;
    crate::mddev::rdev_size_store(m, st, dev, sectors)
}

fn rdev_state_store(m: &Mddev, st: &mut MddevState, dev: u32, input: &[u8]) -> Result {
    match parse::parse_rdev_state(cstr(input)) {
        Some(parse::RdevStateWord::Faulty) => {
            if st.pers.is_none() {
                return Err(EINVAL);
            }
            crate::set_disk_faulty_dev(m, st, dev)
        }
        Some(parse::RdevStateWord::Remove) => crate::remove_dev(m, st, dev),
        Some(parse::RdevStateWord::WriteMostly(on)) => crate::set_write_mostly_dev(m, st, dev, on),
        Some(parse::RdevStateWord::FailFast(on)) => crate::set_fail_fast_dev(m, st, dev, on),
        Some(parse::RdevStateWord::Blocked(on)) => crate::set_blocked_dev(m, st, dev, on),
        Some(parse::RdevStateWord::WriteError(on)) => crate::set_write_error_dev(st, dev, on),
        None => Err(EINVAL),
    }
}

// ---- md/bitmap/ (md-bitmap.c's attributes) ----

fn bitmap_location_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let offset = m.bitmap().map_or(st.bitmap_info.offset, |bm| bm.offset());
    if offset != 0 {
        writeln!(page, "{offset:+}")
    } else {
        writeln!(page, "none")
    }
}

fn bitmap_location_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    crate::bitmap_location_store(m, st, cstr(input))
}

fn bitmap_space_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let space = m
        .bitmap()
        .map_or(st.bitmap_info.space, |bm| crate::bitmap_space(st, &bm));
    writeln!(page, "{space}")
}

fn bitmap_space_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let sectors = parse::parse_bitmap_space(cstr(input))?;
    let bm = m.bitmap();
    if let Some(bm) = bm.as_ref() {
        // Too small for the bitmap there.
        if sectors < bm.storage_bytes().div_ceil(512) {
            return Err(EFBIG);
        }
        // The superblock's field holds the low 32 bits, as md's cpu_to_le32.
        bm.set_space(sectors as u32);
    }
    st.bitmap_info.space = sectors;
    Ok(())
}

fn bitmap_timeout_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let j = m.bitmap().map_or(st.bitmap_info.daemon_sleep, |bm| {
        crate::bitmap_sleep_jiffies(st, &bm)
    });
    match parse::bitmap_timeout_show(j, HZ) {
        (secs, None) => writeln!(page, "{secs}"),
        (secs, Some(ms)) => writeln!(page, "{secs}.{ms:03}"),
    }
}

fn bitmap_timeout_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let j = parse::bitmap_timeout_jiffies(cstr(input), HZ)?;
    st.bitmap_info.daemon_sleep = j;
    if let Some(bm) = m.bitmap() {
        // The array thread's timeout follows it while the daemon has one.
        let ms = crate::bitmap_sleep_ms(j);
        bm.set_daemon_sleep_ms(ms);
        m.waker.set_timeout(ms);
    }
    m.wake_thread();
    Ok(())
}

fn bitmap_backlog_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let n = m
        .bitmap()
        .map_or(st.bitmap_info.max_write_behind, |bm| bm.write_behind());
    writeln!(page, "{n}")
}

fn bitmap_backlog_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let backlog = parse::parse_bitmap_backlog(cstr(input))?;
    // md's backlog_store: only meaningful with a write-mostly member.
    if !st
        .disks
        .iter()
        .any(|r| r.test(crate::rdev::flag::WRITE_MOSTLY))
    {
        md_warn!(
            "{}: can't set backlog, no write mostly device available\n",
            m.name()
        );
        return Err(EINVAL);
    }
    st.bitmap_info.max_write_behind = backlog;
    if let Some(bm) = m.bitmap() {
        if bm.write_behind() != backlog {
            bm.set_write_behind(backlog);
            let failed = bm.update_sb(st.events);
            m.fail_bitmap_members(failed);
        }
    }
    Ok(())
}

fn bitmap_chunksize_show(m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let c = m
        .bitmap()
        .map_or(st.bitmap_info.chunksize, |bm| u64::from(bm.chunksize()));
    writeln!(page, "{c}")
}

// Only while there is no bitmap (the next one created by md would use it).
fn bitmap_chunksize_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    if m.bitmap().is_some() {
        return Err(EBUSY);
    }
    st.bitmap_info.chunksize = parse::parse_bitmap_chunksize(cstr(input))?;
    Ok(())
}

fn bitmap_metadata_show(_m: &Mddev, st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    if st.bitmap_info.external {
        writeln!(page, "external")
    } else {
        writeln!(page, "internal")
    }
}

fn bitmap_metadata_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    if m.bitmap().is_some() || st.bitmap_info.offset != 0 {
        return Err(EBUSY);
    }
    st.bitmap_info.external = parse::parse_bitmap_metadata(cstr(input)).ok_or(EINVAL)?;
    Ok(())
}

fn bitmap_can_clear_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    match m.bitmap() {
        Some(bm) if bm.need_sync() => writeln!(page, "false"),
        Some(_) => writeln!(page, "true"),
        None => writeln!(page),
    }
}

fn bitmap_can_clear_store(m: &Mddev, st: &mut MddevState, input: &[u8]) -> Result {
    let Some(bm) = m.bitmap() else {
        return Err(ENOENT);
    };
    match parse::parse_can_clear(cstr(input)) {
        Some(false) => bm.set_need_sync(true),
        Some(true) => {
            if degraded(st) != 0 {
                return Err(EBUSY);
            }
            bm.set_need_sync(false);
        }
        None => return Err(EINVAL),
    }
    Ok(())
}

fn bitmap_behind_show(m: &Mddev, _st: &MddevState, page: &mut Page<'_>) -> fmt::Result {
    let n = m
        .bitmap()
        .map_or(0, |bm| bm.behind_used.load(Ordering::Relaxed));
    writeln!(page, "{n}")
}

fn bitmap_behind_reset(m: &Mddev, _st: &mut MddevState, _input: &[u8]) -> Result {
    if let Some(bm) = m.bitmap() {
        bm.behind_used.store(0, Ordering::Relaxed);
    }
    Ok(())
}
