// SPDX-License-Identifier: GPL-2.0
//! A member of an array (md's `struct md_rdev`): its open device, its
//! superblock and its place in the array.
//!
//! One object per member, shared (`Arc`) by the md core, which binds it, places it
//! and records it in the superblocks, and by the running personality, which sends
//! I/O to it and fails it. Its runtime state is atomic (flags in one word, as md's
//! `rdev->flags`); its superblock and sysfs directory are changed only under the
//! array's reconfiguration lock (the `meta` mutex, taken inside that lock).

use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, Mutex};

use crate::badblocks::{BadBlocks, Check};
use crate::super_any::Super;
use crate::superblock::{Role, MAX_SECTOR};
use crate::sys::bdev::{sb_buffer, BdevFile};
use crate::sys::gendisk::{MdKobj, RdevKobj};
use crate::sys::irqlock::{IrqGuard, IrqSpinLock};

mod bblog;
pub(crate) use bblog::BbSync;

/// Bits of [`Rdev`]'s flags word (md's `enum flag_bits`).
pub(crate) mod flag {
    /// Failed: no new I/O goes to it (md's Faulty).
    pub(crate) const FAULTY: u32 = 1 << 0;
    /// Holds current data for its whole slot (md's In_sync).
    pub(crate) const IN_SYNC: u32 = 1 << 1;
    /// A write to it failed (md's WriteErrorSeen; dev-NAME/state `write_error`).
    pub(crate) const WRITE_ERROR: u32 = 1 << 2;
    /// md's Blocked: failed, and the superblocks do not say so yet. Writes wait (they
    /// would otherwise complete without this member and be lost if it came back as
    /// current after a crash). Set before `FAULTY`, cleared once the superblocks
    /// record the failure.
    pub(crate) const BLOCKED: u32 = 1 << 3;
    /// md's WriteMostly: reads go elsewhere while another mirror can serve them
    /// (superblock devflags bit / 0.90 descriptor bit 9, `writemostly` in
    /// dev-NAME/state, mdadm's `--write-mostly`).
    pub(crate) const WRITE_MOSTLY: u32 = 1 << 4;
    /// md's FailFast: an I/O error on it fails it at once (no retry, no repair)
    /// while another mirror can take over (superblock devflags bit / 0.90
    /// descriptor bit 10, `failfast` in dev-NAME/state, mdadm's `--failfast`).
    pub(crate) const FAIL_FAST: u32 = 1 << 5;
    /// md's WantReplacement: set with `WRITE_ERROR` by a failed write (not by
    /// dev-NAME/state `write_error`); shown as `want_replacement` while the member
    /// holds a slot.
    pub(crate) const WANT_REPLACEMENT: u32 = 1 << 6;
}

/// What only the reconfiguration path touches (under the array's state lock).
pub(crate) struct RdevMeta {
    /// md/dev-NAME/, removed before the device is closed (`Rdev` drops `meta` first).
    kobj: Option<RdevKobj>,
    /// The `rdN` link this member has in md/, if any.
    rd_link: Option<i32>,
    /// The decoded superblock, updated and rewritten by the array.
    pub(crate) sb: Super,
}

/// One member device.
#[pin_data]
pub(crate) struct Rdev {
    /// Superblock and sysfs directory; dropped before `file` (field order).
    #[pin]
    meta: Mutex<RdevMeta>,
    /// The open device.
    file: BdevFile,
    name: [u8; 32],
    name_len: usize,
    /// Its dev_t (kernel encoding).
    pub(crate) dev: u32,
    /// Device size in sectors.
    dev_sectors: u64,
    /// Where the data starts, in sectors.
    data_offset: u64,
    /// Usable data size in sectors (md's rdev->sectors); dev-NAME/size may change
    /// it under the state lock.
    data_sectors: AtomicU64,
    /// The device is non-rotational (md's Nonrot) and its optimal I/O size in
    /// sectors, read when it joined: read balancing uses them.
    nonrot: bool,
    io_opt_sectors: u32,
    /// Where the superblock lives, in sectors.
    sb_offset: u64,
    /// Bytes written when the superblock is rewritten (rounded to the block size).
    sb_write_len: usize,
    /// Descriptor number (superblock `dev_number`).
    pub(crate) desc_nr: i32,
    /// [`flag`] bits.
    flags: AtomicU32,
    /// Slot, or -1 (spare / not yet placed). Changed under the state lock.
    raid_disk: AtomicI32,
    /// While recovering (in a slot, not in sync): data below this is current.
    recovery_offset: AtomicU64,
    /// Sectors rewritten after read errors (md's corrected_errors).
    corrected: AtomicU32,
    /// I/O in flight to it (md's nr_pending); removal waits for 0.
    pub(crate) nr_pending: AtomicI32,
    /// The slot it had when it joined again within the bitmap's window (md's
    /// saved_raid_disk), or -1: its recovery then only copies what the bitmap
    /// says it missed.
    pub(crate) saved_raid_disk: AtomicI32,
    /// Recent read errors (decayed hourly; md's read_errors) and when the last was seen.
    pub(crate) read_errors: AtomicU32,
    pub(crate) last_read_error_s: AtomicU64,
    /// The bad-block list (md's `rdev->badblocks`), device sectors; disabled until a
    /// log is loaded. Checked from bio completions, hence the irq-safe lock.
    bb: IrqSpinLock<BadBlocks>,
    /// Its number of entries, stored under the lock whenever it is let go
    /// ([`BbGuard`]): every read and write looks here first and takes the lock only
    /// when there is something to find (md's `unlikely(rdev->badblocks.count)`).
    bb_count: AtomicU32,
}

/// The locked bad-block list of a member; storing its entry count for lock-free
/// looks when let go.
pub(crate) struct BbGuard<'a> {
    guard: IrqGuard<'a, BadBlocks>,
    count: &'a AtomicU32,
}

impl core::ops::Deref for BbGuard<'_> {
    type Target = BadBlocks;

    fn deref(&self) -> &BadBlocks {
        &self.guard
    }
}

impl core::ops::DerefMut for BbGuard<'_> {
    fn deref_mut(&mut self) -> &mut BadBlocks {
        &mut self.guard
    }
}

impl Drop for BbGuard<'_> {
    fn drop(&mut self) {
        // Still under the lock (the guard field is dropped after this).
        let n = u32::try_from(self.guard.count()).unwrap_or(u32::MAX);
        self.count.store(n, Ordering::Release);
    }
}

/// A recorded bad range as a member's data sees it (md's is_badblock answer).
// The raid1 read/write paths use it (issue 12, other branches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BadRange {
    /// First bad sector, data-relative (may be below the sector asked; an entry
    /// starting before the data is cut at the data's start).
    pub(crate) first: u64,
    /// Its length in sectors.
    pub(crate) sectors: u64,
    /// Every recorded range overlapping the sectors asked is acknowledged (on disk);
    /// false: one is not yet (md's -1), writes there must wait.
    pub(crate) acked: bool,
}

impl Rdev {
    /// Opens `dev` exclusively for the array `holder` and loads its `major`.`minor`
    /// superblock; a bad one is refused with one log line naming the reason.
    pub(crate) fn import<H>(dev: u32, holder: &H, major: u32, minor: u32) -> Result<Arc<Rdev>> {
        let file = BdevFile::open(dev, holder)?;
        let mut name = [0u8; 32];
        let name_len = file.name(&mut name);
        let sectors = file.sectors();
        let display = NameDisplay(name.get(..name_len).unwrap_or(&[]));
        let Some(sb_offset) = Super::offset(major, minor, sectors) else {
            md_warn!(
                "md: {}: invalid superblock: no room for a v{}.{} superblock\n",
                display,
                major,
                minor
            );
            return Err(EINVAL);
        };
        let mut buf = sb_buffer()?;
        file.read(sb_offset, &mut buf)?;
        let lbs = file.logical_block_size().max(512);
        let sb = match Super::decode(major, minor, &buf, sectors, lbs)? {
            Ok(sb) => sb,
            Err(e) => {
                md_warn!("md: {}: invalid superblock: {}\n", display, e.reason());
                return Err(EINVAL);
            }
        };
        let lbs = lbs as usize;
        let sb_write_len = sb.bytes().div_ceil(lbs).saturating_mul(lbs).min(4096);
        let corrected = sb.corrected_reads();
        let desc_nr = i32::try_from(sb.dev_number()).map_err(|_| EINVAL)?;
        let data_offset = sb.data_offset();
        let data_sectors = sb.data_size(sectors);
        let bb = IrqSpinLock::new(BadBlocks::disabled())?;
        let nonrot = file.nonrot();
        let io_opt_sectors = file.io_opt() >> 9;
        let rdev = Arc::pin_init(
            pin_init!(Rdev {
                meta <- kernel::new_mutex!(
                    RdevMeta {
                        kobj: None,
                        rd_link: None,
                        sb,
                    },
                    "md:rdev_meta"
                ),
                file,
                name,
                name_len,
                dev,
                dev_sectors: sectors,
                data_offset,
                data_sectors: AtomicU64::new(data_sectors),
                nonrot,
                io_opt_sectors,
                sb_offset,
                sb_write_len,
                desc_nr,
                flags: AtomicU32::new(0),
                raid_disk: AtomicI32::new(-1),
                recovery_offset: AtomicU64::new(0),
                corrected: AtomicU32::new(corrected),
                nr_pending: AtomicI32::new(0),
                saved_raid_disk: AtomicI32::new(-1),
                read_errors: AtomicU32::new(0),
                last_read_error_s: AtomicU64::new(0),
                bb,
                bb_count: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )?;
        // super_1_load: the bad-block log, if its superblock has one.
        rdev.load_bblog()?;
        Ok(rdev)
    }

    /// The device name, e.g. `vda`.
    pub(crate) fn name(&self) -> &str {
        core::str::from_utf8(self.name.get(..self.name_len).unwrap_or(&[])).unwrap_or("?")
    }

    /// The open device.
    pub(crate) fn file(&self) -> &BdevFile {
        &self.file
    }

    /// Where the data starts on the device, in sectors.
    pub(crate) fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// A non-rotational device (md's Nonrot).
    pub(crate) fn nonrot(&self) -> bool {
        self.nonrot
    }

    /// Optimal I/O size in sectors (0: none).
    pub(crate) fn io_opt_sectors(&self) -> u32 {
        self.io_opt_sectors
    }

    /// Usable data size in sectors.
    pub(crate) fn data_sectors(&self) -> u64 {
        self.data_sectors.load(Ordering::Acquire)
    }

    /// md's rdev_size_change: the member gives the array `want` sectors (0: all that
    /// fits on the device as it is now), at least `in_use`. Returns the new usable
    /// size, recorded in its superblock for the next write; None where md refuses
    /// (see [`superblock::member_size_change`]).
    pub(crate) fn size_change(&self, want: u64, in_use: u64, bitmap: bool) -> Option<u64> {
        let mut meta = self.meta();
        let layout = meta.sb.size_layout(self.sb_offset, self.data_offset);
        let n = crate::superblock::member_size_change(
            layout,
            self.file.sectors(),
            want,
            in_use,
            bitmap,
        )?;
        meta.sb.set_data_size(n);
        self.data_sectors.store(n, Ordering::Release);
        Some(n)
    }

    /// Sets the usable size without a superblock (an array without metadata).
    pub(crate) fn set_data_sectors(&self, sectors: u64) {
        self.data_sectors.store(sectors, Ordering::Release);
    }

    // ---- bad blocks (md's rdev->badblocks; sectors of the whole device) ----

    /// The bad-block list, locked (irq-safe: nothing may sleep while it is held).
    pub(crate) fn badblocks(&self) -> BbGuard<'_> {
        BbGuard {
            guard: self.bb.lock(),
            count: &self.bb_count,
        }
    }

    /// The member can record bad blocks (it has a log, loaded).
    pub(crate) fn has_bblog(&self) -> bool {
        self.bb.lock().enabled()
    }

    /// is_badblock: the first recorded bad range overlapping the data sectors
    /// `[sector, sector + sectors)`, if any. Any context.
    pub(crate) fn bad_range(&self, sector: u64, sectors: u64) -> Option<BadRange> {
        if self.bb_count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let off = self.data_offset;
        let s = sector.checked_add(off)?;
        let bb = self.bb.lock();
        // An entry removed since the look above: `check` answers Good for an empty list.
        match bb.check(s, sectors) {
            Check::Good => None,
            Check::Bad {
                first,
                sectors,
                acked,
            } => {
                let cut = off.saturating_sub(first);
                Some(BadRange {
                    first: first.saturating_sub(off),
                    sectors: sectors.saturating_sub(cut),
                    acked,
                })
            }
        }
    }

    /// ack_all_badblocks: every recorded range acknowledged (unless the list changed
    /// since it was last copied for writing).
    pub(crate) fn bb_ack_all(&self) {
        self.badblocks().ack_all();
    }

    /// The list changed since it was last copied for writing.
    pub(crate) fn bb_changed(&self) -> bool {
        self.bb.lock().changed()
    }

    /// Unacknowledged ranges may exist.
    pub(crate) fn bb_unacked_exist(&self) -> bool {
        self.bb.lock().unacked_exist()
    }

    /// The superblock and sysfs state (callers hold the array's state lock).
    pub(crate) fn meta(
        &self,
    ) -> kernel::sync::lock::Guard<'_, RdevMeta, kernel::sync::lock::mutex::MutexBackend> {
        self.meta.lock()
    }

    // ---- flags ----

    /// Whether all of `bits` are set.
    pub(crate) fn test(&self, bits: u32) -> bool {
        self.flags.load(Ordering::SeqCst) & bits == bits
    }

    /// Sets `bits`.
    pub(crate) fn set(&self, bits: u32) {
        self.flags.fetch_or(bits, Ordering::SeqCst);
    }

    /// Clears `bits`.
    pub(crate) fn clear(&self, bits: u32) {
        self.flags.fetch_and(!bits, Ordering::SeqCst);
    }

    /// Sets or clears `bits`.
    pub(crate) fn assign(&self, bits: u32, on: bool) {
        if on {
            self.set(bits);
        } else {
            self.clear(bits);
        }
    }

    /// Failed.
    pub(crate) fn faulty(&self) -> bool {
        self.test(flag::FAULTY)
    }

    /// In sync and not failed.
    pub(crate) fn in_sync(&self) -> bool {
        self.flags.load(Ordering::SeqCst) & (flag::IN_SYNC | flag::FAULTY) == flag::IN_SYNC
    }

    /// Slot, or -1.
    pub(crate) fn raid_disk(&self) -> i32 {
        self.raid_disk.load(Ordering::Acquire)
    }

    /// The slot as an index, if it has one.
    pub(crate) fn slot(&self) -> Option<usize> {
        usize::try_from(self.raid_disk()).ok()
    }

    /// Places the member in `slot` (-1: none). Under the state lock.
    pub(crate) fn set_raid_disk(&self, slot: i32) {
        self.raid_disk.store(slot, Ordering::Release);
    }

    /// For a recovering member: data below this sector is current.
    pub(crate) fn recovery_offset(&self) -> u64 {
        self.recovery_offset.load(Ordering::Acquire)
    }

    /// Sets the recovery point.
    pub(crate) fn set_recovery_offset(&self, sector: u64) {
        self.recovery_offset.store(sector, Ordering::Release);
    }

    /// In a slot, not failed, and current for `[.., end)`.
    pub(crate) fn readable(&self, end: u64) -> bool {
        !self.faulty() && (self.in_sync() || self.recovery_offset() >= end)
    }

    /// Corrected read errors (md's corrected_errors).
    pub(crate) fn corrected(&self) -> u32 {
        self.corrected.load(Ordering::Relaxed)
    }

    /// Counts `sectors` more corrected sectors.
    pub(crate) fn add_corrected(&self, sectors: u32) {
        let _ = self
            .corrected
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                Some(c.saturating_add(sectors))
            });
    }

    /// A new spare's state: no slot, not in sync, not failed, nothing recovered.
    pub(crate) fn make_spare(&self) {
        self.set_raid_disk(-1);
        self.clear(flag::IN_SYNC | flag::FAULTY | flag::BLOCKED);
        self.set_recovery_offset(0);
    }

    /// Takes its role from the freshest superblock of the array (`sb` is its own).
    pub(crate) fn set_role_from(&self, sb: &Super, role: Option<Role>, raid_disks: u32) {
        self.make_spare();
        match role {
            Some(Role::Active(n)) if u32::from(n) < raid_disks => {
                self.set_raid_disk(i32::from(n));
                let recovery = sb.recovery();
                self.assign(flag::IN_SYNC, recovery.is_none());
                self.set_recovery_offset(recovery.unwrap_or(MAX_SECTOR));
            }
            Some(Role::Faulty) => self.set(flag::FAULTY),
            _ => {}
        }
        // super_1_validate / super_90_validate: write-mostly as the member's own
        // superblock records it.
        self.assign(flag::WRITE_MOSTLY, sb.write_mostly());
        self.assign(flag::FAIL_FAST, sb.fail_fast());
    }

    /// Creates md/dev-NAME/ under the array's md/ directory.
    pub(crate) fn add_kobj(&self, md: &MdKobj) -> Result {
        let name = CString::try_from_fmt(kernel::fmt!("{}", self.name()))?;
        let k = RdevKobj::add(md, &name, &self.file)?;
        self.meta().kobj = Some(k);
        self.publish();
        Ok(())
    }

    /// Refreshes what dev-NAME/ shows (md's state_show words, slot, offset, size).
    pub(crate) fn publish(&self) {
        let meta = self.meta();
        let Some(k) = &meta.kobj else { return };
        // md's words in md's order (state_show); a member that saw a write error is
        // wanted replaced for as long as it holds a slot.
        let faulty = self.faulty();
        let in_sync = !faulty && self.test(flag::IN_SYNC);
        let write_error = self.test(flag::WRITE_ERROR);
        let want_replacement =
            self.test(flag::WANT_REPLACEMENT) && (in_sync || self.raid_disk() >= 0);
        // state_show: unacknowledged bad blocks read as faulty and blocked.
        let unacked = self.bb_unacked_exist();
        let mut words = StateWords::new();
        if faulty || unacked {
            words.push(b"faulty");
        }
        if in_sync {
            words.push(b"in_sync");
        }
        if self.test(flag::WRITE_MOSTLY) {
            words.push(b"write_mostly");
        }
        if self.test(flag::BLOCKED) || (unacked && !faulty) {
            words.push(b"blocked");
        }
        if !faulty && !in_sync {
            words.push(b"spare");
        }
        if write_error {
            words.push(b"write_error");
        }
        if want_replacement {
            words.push(b"want_replacement");
        }
        if self.test(flag::FAIL_FAST) {
            words.push(b"failfast");
        }
        let state = words.as_cstr();
        k.update(
            state,
            self.raid_disk(),
            self.data_offset,
            self.data_sectors() / 2,
            i32::try_from(self.corrected()).unwrap_or(i32::MAX),
        );
    }

    /// Adds or removes md/rdN for this member's slot.
    pub(crate) fn set_rd_link(&self, md: &MdKobj, linked: bool) {
        let mut meta = self.meta();
        if let Some(n) = meta.rd_link.take() {
            if let Ok(name) = CString::try_from_fmt(kernel::fmt!("rd{n}")) {
                md.unlink(&name);
            }
        }
        let n = self.raid_disk();
        if !linked || n < 0 {
            return;
        }
        let Some(k) = &meta.kobj else { return };
        if let Ok(name) = CString::try_from_fmt(kernel::fmt!("rd{n}")) {
            if k.link_from(md, &name).is_ok() {
                meta.rd_link = Some(n);
            }
        }
    }

    /// The sector of storage page `page` of a bitmap `offset` sectors from the
    /// superblock.
    pub(crate) fn bitmap_sector(&self, offset: i64, page: u64) -> Option<u64> {
        crate::bitmap::page_sector(self.sb_offset, offset, page)
    }

    /// __write_sb_page's check: writing `len` bytes of storage page `page` stays
    /// clear of the data (`dev_sectors` of it) and of the superblock.
    pub(crate) fn bitmap_fits(&self, offset: i64, page: u64, len: u32, dev_sectors: u64) -> bool {
        crate::bitmap::format::write_fits(
            self.sb_offset,
            self.data_offset,
            dev_sectors,
            offset,
            page.saturating_mul(8),
            len,
        )
        .is_ok()
    }

    /// Rewrites the superblock (already updated in `meta.sb`) with PREFLUSH|FUA.
    pub(crate) fn write_sb(&self, meta: &mut RdevMeta) -> Result {
        let mut buf = sb_buffer()?;
        meta.sb.encode(&mut buf).map_err(|_| EINVAL)?;
        self.file.write(self.sb_offset, &mut buf, self.sb_write_len)
    }
}

impl crate::super_any::MemberView for Arc<Rdev> {
    fn desc_nr(&self) -> i32 {
        self.desc_nr
    }
    fn raid_disk(&self) -> i32 {
        Rdev::raid_disk(self)
    }
    fn in_sync(&self) -> bool {
        Rdev::in_sync(self)
    }
    fn faulty(&self) -> bool {
        Rdev::faulty(self)
    }
    fn dev(&self) -> u32 {
        self.dev
    }
    fn write_mostly(&self) -> bool {
        self.test(flag::WRITE_MOSTLY)
    }
    fn fail_fast(&self) -> bool {
        self.test(flag::FAIL_FAST)
    }
}

/// dev-NAME/state's comma-separated words, NUL-terminated in a fixed buffer (the
/// longest combination is well below its size; a word that would not fit is
/// dropped).
struct StateWords {
    buf: [u8; 64],
    len: usize,
}

impl StateWords {
    fn new() -> Self {
        StateWords {
            buf: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, word: &[u8]) {
        let sep = usize::from(self.len != 0);
        let end = self.len + sep + word.len();
        // Room for the NUL too.
        if end >= self.buf.len() {
            return;
        }
        if let Some(d) = self.buf.get_mut(self.len..end) {
            if let Some((comma, rest)) = d.split_first_mut().filter(|_| sep == 1) {
                *comma = b',';
                rest.copy_from_slice(word);
            } else {
                d.copy_from_slice(word);
            }
            self.len = end;
        }
    }

    fn as_cstr(&self) -> &kernel::str::CStr {
        self.buf
            .get(..=self.len)
            .and_then(|b| kernel::str::CStr::from_bytes_with_nul(b).ok())
            .unwrap_or(kernel::c_str!(""))
    }
}

/// Displays name bytes.
struct NameDisplay<'a>(&'a [u8]);

impl core::fmt::Display for NameDisplay<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(core::str::from_utf8(self.0).unwrap_or("?"))
    }
}
