// SPDX-License-Identifier: GPL-2.0
//! The md core's side of the write-intent bitmap (md.c's bitmap calls): loading
//! it at run, the writes' start and end, the page writes they wait for, the
//! daemon pass of the array thread, the superblock update, and its removal.

use super::*;
use crate::bitmap::{self, format, Bitmap};

impl Mddev {
    /// The array's bitmap, if it has one.
    pub(crate) fn bitmap(&self) -> Option<Arc<Bitmap>> {
        self.bitmap.get()
    }

    /// md_bitmap_start for a write of `sectors` at `sector`: its chunks are counted
    /// and, where their bits were clear, the bits are on every member when this
    /// returns (the bitmap worker writes them; we may sleep). Returns whether the
    /// write was counted (then `bitmap_end_write` must follow).
    pub(crate) fn bitmap_start_write(&self, sector: u64, sectors: u64) -> bool {
        let Some(bm) = self.bitmap() else {
            return false;
        };
        let gen = bm.startwrite(sector, sectors);
        if !bm.flushed(gen) {
            self.queue_bitmap_flush();
            bm.wait_flushed(gen);
        }
        true
    }

    /// md_bitmap_end: the write ended; `degraded` when it did not reach every
    /// mirror of a whole array (its chunks then stay dirty). Any context.
    pub(crate) fn bitmap_end_write(&self, sector: u64, sectors: u64, degraded: bool) {
        if let Some(bm) = self.bitmap() {
            bm.endwrite(
                sector,
                sectors,
                degraded,
                self.events.load(Ordering::Acquire),
            );
        }
    }

    /// Queues the bitmap worker (it writes every page writes wait for).
    pub(crate) fn queue_bitmap_flush(&self) {
        let Some(g) = globals() else { return };
        let Some(me) = g.all.lock().find(self.minor).cloned() else {
            return;
        };
        // Already queued: that run writes our pages too (it starts after we set them).
        let _ = g.md_bitmap_wq.enqueue::<Arc<Mddev>, 3>(me);
    }

    /// Fails the members a bitmap page could not be written to (md_super_write's
    /// end_io: md_error), so the superblocks record it.
    pub(crate) fn fail_bitmap_members(&self, failed: KVec<Arc<Rdev>>) {
        if failed.is_empty() {
            return;
        }
        if let Some(conf) = self.conf() {
            for r in failed.iter() {
                if !r.faulty() {
                    conf.error_handler(r);
                }
            }
        }
        self.wake_thread();
    }

    /// The array thread's bitmap pass (md_check_recovery -> bitmap daemon_work).
    pub(crate) fn bitmap_daemon(&self) {
        let Some(bm) = self.bitmap() else { return };
        let failed = bm.daemon_work(false);
        self.fail_bitmap_members(failed);
    }
}

impl kernel::workqueue::WorkItem<3> for Mddev {
    type Pointer = Arc<Mddev>;

    /// Writes the bitmap pages writes wait for (md's bitmap_unplug).
    fn run(this: Arc<Mddev>) {
        // Writes wait for us: reclaim from here must not write to the array.
        let _noio = sys::util::NoIo::enter();
        if let Some(bm) = this.bitmap() {
            let failed = bm.unplug();
            this.fail_bitmap_members(failed);
        }
    }
}

/// Where an assembling array's bitmap is and what it must match.
pub(crate) struct BitmapAt {
    /// Sectors from each member's superblock.
    pub(crate) location: i64,
    pub(crate) uuid: [u8; 16],
    /// The array's events and per-member size.
    pub(crate) events: u64,
    pub(crate) dev_sectors: u64,
    /// A slot has no in-sync member.
    pub(crate) degraded: bool,
}

/// md_bitmap_create + md_bitmap_load at run: the bitmap the freshest superblock
/// names, read from an in-sync member. An unreadable or bad one refuses the run,
/// as md's does.
pub(crate) fn load_bitmap(m: &Mddev, disks: &[Arc<Rdev>], at: BitmapAt) -> Result<Arc<Bitmap>> {
    let layout = bitmap::Layout {
        offset: at.location,
        sync_sectors: at.dev_sectors,
    };
    let expect = format::Expect {
        uuid: at.uuid,
        events: at.events,
        sync_sectors: at.dev_sectors,
    };
    match Bitmap::load(
        m.name(),
        disks,
        &expect,
        &layout,
        at.degraded,
        m.resync_offset(),
    ) {
        Ok(bm) => {
            bm.set_members(disks)?;
            Ok(bm)
        }
        Err(e) => {
            md_warn!("{}: failed to create bitmap ({})\n", m.name(), e.to_errno());
            Err(e)
        }
    }
}

/// Publishes `bm` as the array's bitmap and writes its superblock (the end of
/// md_bitmap_load: bitmap_update_sb, and the daemon's timeout armed).
pub(crate) fn install_bitmap(m: &Mddev, st: &MddevState, bm: Arc<Bitmap>) {
    let sleep = bm.daemon_sleep_ms();
    let old = m.bitmap.replace(Some(bm.clone()));
    drop(old);
    let failed = bm.update_sb(st.events);
    m.fail_bitmap_members(failed);
    m.waker.set_timeout(sleep);
    m.need_check();
}

/// Takes the bitmap away (bitmap_destroy): its last pages are written first
/// (bitmap_flush). The array must be quiesced or stopped.
#[allow(dead_code)]
pub(crate) fn remove_bitmap(m: &Mddev, st: &MddevState) {
    let Some(bm) = m.bitmap() else { return };
    flush_bitmap(m, st, &bm);
    drop(bm);
    drop(m.bitmap.replace(None));
    m.waker.set_timeout(0);
}

/// bitmap_flush: three daemon passes (whatever can be cleared is), then the
/// superblock.
pub(crate) fn flush_bitmap(m: &Mddev, st: &MddevState, bm: &Bitmap) {
    for _ in 0..3 {
        let failed = bm.daemon_work(true);
        m.fail_bitmap_members(failed);
    }
    let failed = bm.unplug();
    m.fail_bitmap_members(failed);
    let failed = bm.update_sb(st.events);
    m.fail_bitmap_members(failed);
}

// ---- adding and removing a bitmap on a running array, md/bitmap/'s values ----

/// md's `bitmap_info`: the bitmap settings of the array. While the array has a
/// bitmap, the bitmap's own values are what md/bitmap/ shows (and stores change
/// both); without one, these (md keeps them when a bitmap is removed).
pub(crate) struct BitmapInfo {
    /// md's bitmap_info.offset while there is no bitmap (a failed grow leaves it,
    /// as md's update_array_info does).
    pub(crate) offset: i64,
    /// Sectors reserved for the bitmap (bitmap/space).
    pub(crate) space: u64,
    /// Bytes per chunk (bitmap/chunksize).
    pub(crate) chunksize: u64,
    /// The daemon's period in jiffies (bitmap/time_base).
    pub(crate) daemon_sleep: u64,
    /// bitmap/backlog.
    pub(crate) max_write_behind: u32,
    /// bitmap/metadata `external`.
    pub(crate) external: bool,
}

impl BitmapInfo {
    /// A new array's (md's zeroed bitmap_info).
    pub(crate) const fn new() -> BitmapInfo {
        BitmapInfo {
            offset: 0,
            space: 0,
            chunksize: 0,
            daemon_sleep: 0,
            max_write_behind: 0,
            external: false,
        }
    }
}

/// Jiffies to the ms the bitmap counts its daemon period in (saturating).
pub(crate) fn bitmap_sleep_ms(jiffies: u64) -> u32 {
    let ms = crate::sysfs::parse::jiffies_to_msecs(jiffies, HZ);
    u32::try_from(ms).unwrap_or(u32::MAX)
}

/// The bitmap's daemon period in jiffies: md's value while it agrees with the
/// bitmap's (a store sets both), else the bitmap's own (loaded at run).
pub(crate) fn bitmap_sleep_jiffies(st: &MddevState, bm: &Bitmap) -> u64 {
    let ms = bm.daemon_sleep_ms();
    if bitmap_sleep_ms(st.bitmap_info.daemon_sleep) == ms {
        st.bitmap_info.daemon_sleep
    } else {
        u64::from(ms) * u64::from(HZ) / 1000
    }
}

/// The bitmap's reserved sectors as md keeps them (an unsigned long; the
/// superblock's field takes the low 32 bits).
pub(crate) fn bitmap_space(st: &MddevState, bm: &Bitmap) -> u64 {
    if st.bitmap_info.space as u32 == bm.space() {
        st.bitmap_info.space
    } else {
        u64::from(bm.space())
    }
}

/// md's bitmap_info.default_offset and default_space (super_90_validate: right
/// after the 4 KiB superblock, 60 KiB; super_1_validate: 1 KiB after the
/// superblock, 3 KiB): where an internal bitmap added to a running array goes.
/// None before the superblocks are known or without persistent metadata.
pub(crate) fn bitmap_default_place(st: &MddevState) -> Option<(i64, u64)> {
    if !st.persistent || st.raid_disks == 0 {
        return None;
    }
    if st.major_version == 0 {
        Some((superblock::SB0_BITMAP_OFFSET_SECTORS, 64 * 2 - 8))
    } else {
        Some((2, (4096 - 1024) >> 9))
    }
}

/// md's `mddev->recovery || mddev->sync_thread` before a bitmap change: a sync is
/// running, waiting to be reaped, requested, or syncs are frozen.
pub(crate) fn bitmap_sync_busy(m: &Mddev, st: &MddevState) -> bool {
    st.sync_thread.is_some()
        || m.sync.running().is_some()
        || m.sync.done.load(Ordering::Acquire)
        || m.sync.frozen.load(Ordering::Acquire)
        || m.sync.requested.load(Ordering::Acquire) != 0
}

/// A change of the array's bitmap.
pub(crate) enum BitmapChange {
    /// bitmap_create + bitmap_load of the internal bitmap at `offset` sectors
    /// from each superblock, written there by mdadm.
    Add { offset: i64 },
    /// bitmap_destroy.
    Remove,
}

/// Adds or removes the bitmap of a running array with its I/O quiesced (md does
/// it with the array suspended), then rewrites the superblocks so they say so
/// (md_update_sb with MD_SB_CHANGE_DEVS: 1.x's bitmap_offset feature, 0.90's
/// MD_SB_BITMAP_PRESENT). The caller holds the state lock and has checked md's
/// refusals. A failed add leaves the array without a bitmap.
pub(crate) fn change_bitmap(m: &Mddev, st: &mut MddevState, change: BitmapChange) -> Result {
    let conf = m.conf().ok_or(EINVAL)?;
    conf.quiesce(true);
    let r = match change {
        BitmapChange::Add { offset } => add_bitmap(m, st, offset),
        BitmapChange::Remove => {
            drop_bitmap(m, st);
            Ok(())
        }
    };
    m.sb_change.store(true, Ordering::Release);
    service_sb(m, st, &*conf, false);
    conf.quiesce(false);
    r
}

/// bitmap_create + bitmap_load on a running array: the bitmap mdadm wrote at
/// `offset` on the in-sync members is read and validated as at assembly (a
/// missing or bad one is refused with md's reason; an out-of-date one is all
/// dirty), takes md's `space` (bitmap_info.space, at most the superblock's
/// sectors_reserved; 0: that), and is installed. Quiesced.
fn add_bitmap(m: &Mddev, st: &mut MddevState, offset: i64) -> Result {
    let layout = bitmap::Layout {
        offset,
        sync_sectors: st.dev_sectors,
    };
    let expect = format::Expect {
        uuid: st.knobs.uuid,
        events: st.events,
        sync_sectors: st.dev_sectors,
    };
    let bm = Bitmap::load(
        m.name(),
        &st.disks,
        &expect,
        &layout,
        st.degraded() != 0,
        m.resync_offset(),
    )?;
    bm.set_members(&st.disks)?;
    // md_bitmap_read_sb: the room md assumed, unless the superblock reserves less.
    let reserved = u64::from(bm.space());
    let space = match st.bitmap_info.space {
        0 => reserved,
        s if s > reserved => reserved,
        s => s,
    };
    bm.set_space(space as u32);
    let info = &mut st.bitmap_info;
    info.offset = offset;
    info.space = space;
    info.chunksize = u64::from(bm.chunksize());
    info.daemon_sleep = u64::from(bm.daemon_sleep_ms()) * u64::from(HZ) / 1000;
    info.max_write_behind = bm.write_behind();
    install_bitmap(m, st, bm);
    Ok(())
}

/// bitmap_destroy on a running array: its last pages are written, md/bitmap/
/// keeps its values (as md's bitmap_info does), and the offset goes. Quiesced.
fn drop_bitmap(m: &Mddev, st: &mut MddevState) {
    if let Some(bm) = m.bitmap() {
        st.bitmap_info.space = bitmap_space(st, &bm);
        st.bitmap_info.daemon_sleep = bitmap_sleep_jiffies(st, &bm);
        st.bitmap_info.chunksize = u64::from(bm.chunksize());
        st.bitmap_info.max_write_behind = bm.write_behind();
        remove_bitmap(m, st);
        // Writes that marked their chunks after the flush (before reaching the
        // barrier) wait for those pages, which the bitmap worker no longer writes.
        let failed = bm.unplug();
        m.fail_bitmap_members(failed);
    }
    st.bitmap_info.offset = 0;
}

/// bitmap/location's store (md's location_store).
pub(crate) fn bitmap_location_store(m: &Mddev, st: &mut MddevState, s: &[u8]) -> Result {
    use crate::sysfs::parse::{self, BitmapLocation};
    if st.pers.is_some() && bitmap_sync_busy(m, st) {
        return Err(EBUSY);
    }
    if m.bitmap().is_some() || st.bitmap_info.offset != 0 {
        // Configured already: it can only be cleared.
        if !parse::bitmap_location_is_none(s) {
            return Err(EBUSY);
        }
        if m.bitmap().is_some() {
            // The superblocks are rewritten there (md's MD_SB_CHANGE_DEVS).
            let r = change_bitmap(m, st, BitmapChange::Remove);
            st.bitmap_info.offset = 0;
            return r;
        }
        st.bitmap_info.offset = 0;
    } else {
        match parse::parse_bitmap_location(s)? {
            BitmapLocation::None => {}
            // An external bitmap file cannot be given this way (md: not yet).
            BitmapLocation::File => return Err(EINVAL),
            BitmapLocation::Offset(offset) => {
                let default = bitmap_default_place(st).map_or(0, |(o, _)| o);
                if !st.bitmap_info.external && st.major_version == 0 && offset != default {
                    return Err(EINVAL);
                }
                // Only the internal bitmap of a running array can be added here
                // (md also takes one before the run, or for external metadata).
                if st.pers.is_none() || st.bitmap_info.external {
                    return Err(EINVAL);
                }
                st.bitmap_info.offset = offset;
                if let Err(e) = change_bitmap(m, st, BitmapChange::Add { offset }) {
                    st.bitmap_info.offset = 0;
                    return Err(e);
                }
                return Ok(());
            }
        }
    }
    // md: the new bitmap info reaches the superblocks promptly.
    m.sb_change.store(true, Ordering::Release);
    m.wake_thread();
    Ok(())
}

/// SET_ARRAY_INFO's bitmap part (md's update_array_info, MD_SB_BITMAP_PRESENT
/// toggled): add the internal bitmap at the metadata's default place, or remove
/// it. The superblocks are rewritten unless md refuses first.
pub(crate) fn set_bitmap_present(m: &Mddev, st: &mut MddevState, add: bool) -> Result {
    if st.thread.is_none() {
        return Err(EINVAL);
    }
    if bitmap_sync_busy(m, st) {
        return Err(EBUSY);
    }
    if add {
        if m.bitmap().is_some() {
            return Err(EEXIST);
        }
        let (offset, space) = bitmap_default_place(st).ok_or(EINVAL)?;
        st.bitmap_info.offset = offset;
        st.bitmap_info.space = space;
        change_bitmap(m, st, BitmapChange::Add { offset })
    } else {
        if m.bitmap().is_none() {
            return Err(ENOENT);
        }
        change_bitmap(m, st, BitmapChange::Remove)
    }
}
