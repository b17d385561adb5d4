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
