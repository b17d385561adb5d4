// SPDX-License-Identifier: GPL-2.0
//! The write-intent bitmap (md-bitmap.c): one bit per chunk of the array, set on
//! every member before a write into the chunk goes out and cleared lazily once
//! every write into it reached every mirror. After a crash only the chunks with
//! their bit set are resynced; a member that comes back within the bitmap's
//! window (`events_cleared`) is recovered only where writes missed it.
//!
//! In memory each chunk has a 16-bit counter (md's `bitmap_counter_t`): the
//! writes in flight plus 2 while its bit is set (1 once they ended, so the next
//! daemon pass clears it), with the NEEDED flag (must be synced) and the RESYNC
//! flag (being synced). The on-disk image (superblock, then the bits) is kept
//! in memory too, in 4 KiB storage pages written to every active member.
//!
//! The counters and the image are changed under one interrupt-safe spinlock
//! (writes end in interrupts). The image is written by one writer at a time
//! (the `io` mutex): the bitmap worker for the pages writes wait for (DIRTY),
//! the array thread's daemon pass for cleared bits (NEEDWRITE), and the
//! superblock update (under the array's state lock) for the superblock page.
//! Lock order: `Mddev::state` -> `Bitmap::io` -> `Bitmap::counts`.

// Pure: `pub` for the host tests; parts serve the sysfs and grow paths.
#[allow(dead_code)]
pub(crate) mod format;

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use kernel::alloc::KVVec;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

use crate::rdev::Rdev;
use crate::sys;
use crate::sys::bdev::SbBuf;
use crate::sys::irqlock::IrqSpinLock;
use crate::sys::wait::WaitQ;
use format::{BitmapSuper, COUNTER_MAX, NEEDED, RESYNC};

/// Bytes of a storage page.
const PAGE: usize = 4096;
/// Sectors of a storage page.
const PAGE_SECTORS: u64 = (PAGE / 512) as u64;

/// Storage page flags (md's BITMAP_PAGE_*).
/// Bits were set: the page must be on disk before the writes that set them go out.
const PG_DIRTY: u8 = 1;
/// Bits were cleared or the superblock changed: written by the next daemon pass.
const PG_NEEDWRITE: u8 = 2;
/// Bits were cleared since the last daemon pass.
const PG_PENDING: u8 = 4;

/// A counter's count of writes (md's COUNTER()).
fn count(c: u16) -> u16 {
    c & COUNTER_MAX
}

/// What the spinlock guards.
struct Counts {
    /// One per chunk.
    counters: KVVec<u16>,
    /// Per counter page (`format::COUNTERS_PER_PAGE` chunks): chunks with a
    /// non-zero counter (md allocates exactly those pages; mdstat counts them).
    page_used: KVVec<u16>,
    /// Per counter page: a counter may be ready for the daemon.
    page_pending: KVVec<bool>,
    /// The on-disk image: superblock, then one bit per chunk.
    image: KVVec<u8>,
    /// Per storage page: `PG_*`.
    page_flags: KVVec<u8>,
    /// Nothing for the daemon to do.
    allclean: bool,
    /// `events_cleared` changed and must reach the superblock first.
    need_sync: bool,
    events_cleared: u64,
    /// Bumped whenever a bit is newly set (and its page made DIRTY).
    dirty_gen: u64,
}

/// The member I/O side: who gets the pages, and the buffer they go out from.
struct Io {
    members: KVec<Arc<Rdev>>,
    buf: SbBuf,
}

/// How the bitmap was found or made.
pub(crate) struct Layout {
    /// Sectors from each member's superblock start to the bitmap (signed).
    pub(crate) offset: i64,
    /// The array's per-member size in sectors (md's resync_max_sectors).
    pub(crate) sync_sectors: u64,
}

/// An array's write-intent bitmap (md's `struct bitmap`).
#[pin_data]
pub(crate) struct Bitmap {
    chunk_shift: u32,
    chunks: u64,
    offset: i64,
    sync_sectors: u64,
    storage_bytes: u64,
    storage_pages: usize,
    chunksize: u32,
    /// Sectors reserved for it on each member (md's bitmap_info.space).
    space: AtomicU32,
    version: u32,
    uuid: [u8; 16],
    counts: IrqSpinLock<Counts>,
    #[pin]
    io: Mutex<Io>,
    /// `dirty_gen` as last written out.
    flushed_gen: AtomicU64,
    /// The bitmap worker is queued.
    pub(crate) flush_queued: AtomicBool,
    /// Writes waiting for a flush or for a counter below COUNTER_MAX.
    wq: WaitQ,
    daemon_sleep_ms: AtomicU32,
    last_run_ms: AtomicU64,
    write_behind: AtomicU32,
    /// Superblock state bits (STALE, WRITE_ERROR).
    flags: AtomicU32,
    /// Write-behind requests in flight, and the most seen (md's behind_writes,
    /// behind_writes_used).
    pub(crate) behind_writes: AtomicU32,
    pub(crate) behind_used: AtomicU32,
}

/// What mdstat and sysfs show.
pub(crate) struct Stats {
    pub(crate) used_pages: u64,
    pub(crate) pages: u64,
    pub(crate) chunksize: u32,
    pub(crate) events_cleared: u64,
}

/// The bytes of storage page `i` of `image`.
fn page_of(image: &[u8], i: usize) -> Option<&[u8]> {
    image.get(i.checked_mul(PAGE)?..i.checked_add(1)?.checked_mul(PAGE)?)
}

impl Bitmap {
    /// Builds the in-memory bitmap from a superblock md accepted, with the on-disk
    /// image `pages` (storage pages read from a member, or a fresh one).
    fn build(
        sb: &BitmapSuper,
        loaded: &format::Loaded,
        layout: &Layout,
        image: KVVec<u8>,
    ) -> Result<Arc<Bitmap>> {
        let chunks = loaded.chunks;
        let storage_bytes = format::storage_bytes(chunks);
        let storage_pages = usize::try_from(format::storage_pages(chunks)).map_err(|_| EINVAL)?;
        let nchunks = usize::try_from(chunks).map_err(|_| EINVAL)?;
        let cpages = usize::try_from(format::counter_pages(chunks)).map_err(|_| EINVAL)?;
        let mut counters = KVVec::with_capacity(nchunks, GFP_KERNEL)?;
        counters.extend_with(nchunks, 0u16, GFP_KERNEL)?;
        let mut page_used = KVVec::with_capacity(cpages, GFP_KERNEL)?;
        page_used.extend_with(cpages, 0u16, GFP_KERNEL)?;
        let mut page_pending = KVVec::with_capacity(cpages, GFP_KERNEL)?;
        page_pending.extend_with(cpages, false, GFP_KERNEL)?;
        let mut page_flags = KVVec::with_capacity(storage_pages, GFP_KERNEL)?;
        page_flags.extend_with(storage_pages, 0u8, GFP_KERNEL)?;
        if image.len() < storage_pages.saturating_mul(PAGE) {
            return Err(EINVAL);
        }
        let counts = IrqSpinLock::new(Counts {
            counters,
            page_used,
            page_pending,
            image,
            page_flags,
            allclean: true,
            need_sync: false,
            events_cleared: loaded.events_cleared,
            dirty_gen: 0,
        })?;
        let wq = WaitQ::new()?;
        let buf = SbBuf::new()?;
        let flags = sb.state & !format::STATE_WRITE_ERROR;
        Arc::pin_init(
            pin_init!(Bitmap {
                chunk_shift: loaded.chunk_shift,
                chunks,
                offset: layout.offset,
                sync_sectors: layout.sync_sectors,
                storage_bytes,
                storage_pages,
                chunksize: sb.chunksize,
                space: AtomicU32::new(sb.sectors_reserved),
                version: sb.version,
                uuid: sb.uuid,
                counts,
                io <- kernel::new_mutex!(Io { members: KVec::new(), buf }, "md:bitmap_io"),
                flushed_gen: AtomicU64::new(0),
                flush_queued: AtomicBool::new(false),
                wq,
                daemon_sleep_ms: AtomicU32::new(loaded.daemon_sleep_s.saturating_mul(1000)),
                last_run_ms: AtomicU64::new(sys::time::now_ms()),
                write_behind: AtomicU32::new(loaded.write_behind),
                flags: AtomicU32::new(flags),
                behind_writes: AtomicU32::new(0),
                behind_used: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Reads the bitmap of an assembling array from the first in-sync member that
    /// can be read (md_bitmap_create + md_bitmap_read_sb): a bad superblock is
    /// refused with md's message; `start` is md_bitmap_load's: set bits of chunks
    /// ending at or after it must be synced.
    pub(crate) fn load(
        name: &str,
        members: &[Arc<Rdev>],
        expect: &format::Expect,
        layout: &Layout,
        degraded: bool,
        resync_offset: u64,
    ) -> Result<Arc<Bitmap>> {
        let mut buf = SbBuf::new()?;
        let mut from = None;
        for r in members
            .iter()
            .filter(|r| r.slot().is_some() && r.in_sync() && !r.faulty())
        {
            let Some(sector) = r.bitmap_sector(layout.offset, 0) else {
                continue;
            };
            if r.file().read(sector, &mut buf).is_ok() {
                from = Some(r.clone());
                break;
            }
        }
        let Some(from) = from else {
            md_warn!(
                "{}: bitmap initialisation failed: {}\n",
                name,
                EIO.to_errno()
            );
            return Err(EIO);
        };
        let refuse = |e: format::BitmapError| -> Error {
            // md_bitmap_read_sb's own line; md_run then says "failed to create bitmap".
            if !matches!(e, format::BitmapError::WriteErrorState) {
                md_warn!("{}: {}\n", name, e);
            }
            Error::from_errno(e.errno())
        };
        let sb = BitmapSuper::decode(&buf).map_err(refuse)?;
        let loaded = format::validate(&sb, expect).map_err(refuse)?;
        if let Some((bitmap, array)) = loaded.out_of_date {
            md_warn!("{}: {}\n", name, format::OutOfDate { bitmap, array });
        }
        let pages = usize::try_from(format::storage_pages(loaded.chunks)).map_err(|_| EINVAL)?;
        let mut image = KVVec::with_capacity(pages.saturating_mul(PAGE), GFP_KERNEL)?;
        image.extend_with(pages.saturating_mul(PAGE), 0u8, GFP_KERNEL)?;
        for i in 0..pages {
            let sector = from.bitmap_sector(layout.offset, i as u64).ok_or(EINVAL)?;
            let len = format::page_write_len(
                i as u64,
                format::storage_bytes(loaded.chunks),
                from.file().logical_block_size(),
            ) as usize;
            if i > 0 && from.file().read(sector, &mut buf).is_err() {
                md_warn!(
                    "{}: bitmap initialisation failed: {}\n",
                    name,
                    EIO.to_errno()
                );
                return Err(EIO);
            }
            let dst = image.get_mut(i * PAGE..(i + 1) * PAGE).ok_or(EINVAL)?;
            let n = len.min(PAGE);
            if let (Some(d), Some(s)) = (dst.get_mut(..n), buf.get(..n)) {
                d.copy_from_slice(s);
            }
        }
        let bm = Bitmap::build(&sb, &loaded, layout, image)?;
        if loaded.stale {
            md_warn!("{}: {}\n", name, format::FULL_RECOVERY_MSG);
        }
        bm.init_from_disk(
            loaded.stale,
            if !degraded || loaded.events_cleared == expect.events {
                resync_offset
            } else {
                0
            },
        );
        Ok(bm)
    }

    /// md_bitmap_init_from_disk: every set bit gets its counter (2: the daemon
    /// will clear it unless NEEDED), NEEDED where the chunk ends at or after
    /// `start`. An out-of-date bitmap is all set (full recovery), as md does.
    fn init_from_disk(&self, stale: bool, start: u64) {
        let mut c = self.counts.lock();
        let c = &mut *c;
        if stale {
            format::fill_stale(&mut c.image);
            for f in c.page_flags.iter_mut() {
                *f |= PG_NEEDWRITE;
            }
        }
        for chunk in 0..self.chunks {
            if !bit_test(&c.image, chunk) {
                continue;
            }
            let needed = (chunk.saturating_add(1) << self.chunk_shift) >= start;
            Self::set_memory(c, chunk, needed, self.chunk_shift);
        }
    }

    /// md_bitmap_set_memory_bits for one chunk.
    fn set_memory(c: &mut Counts, chunk: u64, needed: bool, _shift: u32) {
        let Ok(i) = usize::try_from(chunk) else {
            return;
        };
        let Some(v) = c.counters.get_mut(i) else {
            return;
        };
        if *v == 0 {
            *v = 2;
            let p = i / format::COUNTERS_PER_PAGE as usize;
            if let Some(u) = c.page_used.get_mut(p) {
                *u = u.saturating_add(1);
            }
            if let Some(pp) = c.page_pending.get_mut(p) {
                *pp = true;
            }
            c.allclean = false;
        }
        if needed {
            *v |= NEEDED;
        }
    }

    /// The chunks `[first, last]` a request of `sectors` at `sector` touches.
    fn chunk_range(&self, sector: u64, sectors: u64) -> Option<(u64, u64)> {
        if sectors == 0 || self.chunks == 0 {
            return None;
        }
        let first = sector >> self.chunk_shift;
        let last = (sector.saturating_add(sectors - 1) >> self.chunk_shift).min(self.chunks - 1);
        (first <= last).then_some((first, last))
    }

    /// bitmap_startwrite: counts the write into every chunk it touches, setting
    /// the bits of clean ones. Returns the flush generation the write must wait
    /// for before it goes out (`wait_flushed`).
    pub(crate) fn startwrite(&self, sector: u64, sectors: u64) -> u64 {
        let Some((first, last)) = self.chunk_range(sector, sectors) else {
            return 0;
        };
        let mut chunk = first;
        loop {
            let mut c = self.counts.lock();
            let Ok(i) = usize::try_from(chunk) else { break };
            let Some(&v) = c.counters.get(i) else { break };
            if count(v) == COUNTER_MAX {
                // Too many writes in flight here: wait for one to end.
                drop(c);
                self.wq.wait(|| {
                    let c = self.counts.lock();
                    c.counters.get(i).map_or(true, |&v| count(v) < COUNTER_MAX)
                });
                continue;
            }
            let mut nv = v;
            if count(v) == 0 {
                // md_bitmap_file_set_bit + md_bitmap_count_page.
                if bit_set(&mut c.image, chunk) {
                    let pg = storage_page(chunk);
                    if let Some(f) = c.page_flags.get_mut(pg) {
                        *f |= PG_DIRTY;
                    }
                    c.dirty_gen += 1;
                }
                let p = i / format::COUNTERS_PER_PAGE as usize;
                if let Some(u) = c.page_used.get_mut(p) {
                    *u = u.saturating_add(1);
                }
                nv = (v & !COUNTER_MAX) | 2;
            } else if count(v) == 1 {
                nv = (v & !COUNTER_MAX) | 2;
            }
            nv += 1;
            if let Some(x) = c.counters.get_mut(i) {
                *x = nv;
            }
            if chunk == last {
                return c.dirty_gen;
            }
            chunk += 1;
        }
        self.counts.lock().dirty_gen
    }

    /// Whether everything set up to generation `gen` is on disk.
    pub(crate) fn flushed(&self, gen: u64) -> bool {
        self.flushed_gen.load(Ordering::Acquire) >= gen
    }

    /// Sleeps until generation `gen` is on disk (the caller queued the worker).
    pub(crate) fn wait_flushed(&self, gen: u64) {
        self.wq.wait(|| self.flushed(gen));
    }

    /// bitmap_endwrite: a write into `[sector, +sectors)` ended. `degraded`: it
    /// did not reach every mirror (or the array is degraded), so its chunks stay
    /// dirty (NEEDED); otherwise the array's events become the cleared events.
    /// Interrupt context allowed.
    pub(crate) fn endwrite(&self, sector: u64, sectors: u64, degraded: bool, events: u64) {
        let Some((first, last)) = self.chunk_range(sector, sectors) else {
            return;
        };
        let mut c = self.counts.lock();
        let mut wake = false;
        if !degraded && c.events_cleared < events {
            c.events_cleared = events;
            c.need_sync = true;
        }
        for chunk in first..=last {
            let Ok(i) = usize::try_from(chunk) else { break };
            let Some(v) = c.counters.get_mut(i) else {
                break;
            };
            if count(*v) == 0 {
                continue;
            }
            if degraded {
                *v |= NEEDED;
            }
            if count(*v) == COUNTER_MAX {
                wake = true;
            }
            *v -= 1;
            if count(*v) <= 2 {
                let p = i / format::COUNTERS_PER_PAGE as usize;
                if let Some(pp) = c.page_pending.get_mut(p) {
                    *pp = true;
                }
                c.allclean = false;
            }
        }
        drop(c);
        if wake {
            self.wq.wake();
        }
    }

    /// Sets the members the pages go to (every member with a slot that has not
    /// failed gets them, at write time); called under the array's state lock
    /// whenever the members change.
    pub(crate) fn set_members(&self, disks: &[Arc<Rdev>]) -> Result {
        let mut v = KVec::with_capacity(disks.len(), GFP_KERNEL)?;
        for r in disks {
            v.push(r.clone(), GFP_KERNEL)?;
        }
        let old = core::mem::replace(&mut self.io.lock().members, v);
        // Dropped outside the bitmap's lock; the caller holds references anyway.
        drop(old);
        Ok(())
    }

    /// md's bitmap_write_all: every page is written again (a member joined).
    pub(crate) fn write_all(&self) {
        let mut c = self.counts.lock();
        for f in c.page_flags.iter_mut() {
            *f |= PG_NEEDWRITE;
        }
        c.allclean = false;
    }

    /// Writes storage page `i` (copied under the spinlock) to every member that
    /// takes writes. Returns the members whose write failed.
    fn write_page(&self, io: &mut Io, i: usize) -> KVec<Arc<Rdev>> {
        let mut failed = KVec::new();
        {
            let c = self.counts.lock();
            if let (Some(src), Some(dst)) = (page_of(&c.image, i), io.buf.get_mut(..PAGE)) {
                dst.copy_from_slice(src);
            }
        }
        let Io { members, buf } = io;
        for r in members.iter() {
            if r.slot().is_none() || r.faulty() {
                continue;
            }
            let lbs = r.file().logical_block_size();
            let len = format::page_write_len(i as u64, self.storage_bytes, lbs) as usize;
            let Some(sector) = r.bitmap_sector(self.offset, i as u64) else {
                continue;
            };
            if !r.bitmap_fits(self.offset, i as u64, len as u32, self.sync_sectors) {
                self.flags
                    .fetch_or(format::STATE_WRITE_ERROR, Ordering::AcqRel);
                continue;
            }
            r.nr_pending.fetch_add(1, Ordering::AcqRel);
            let res = r.file().write(sector, buf, len);
            r.nr_pending.fetch_sub(1, Ordering::AcqRel);
            if res.is_err() {
                md_err!("md: super_written gets error={}\n", EIO.to_errno());
                let _ = failed.push(r.clone(), GFP_NOIO_KERNEL);
            }
        }
        failed
    }

    /// __bitmap_unplug: writes every DIRTY or NEEDWRITE page and publishes the
    /// generation written. Returns the members whose write failed (the caller
    /// fails them). Process context, no state lock needed.
    pub(crate) fn unplug(&self) -> KVec<Arc<Rdev>> {
        let mut failed = KVec::new();
        let mut io = self.io.lock();
        let gen = self.counts.lock().dirty_gen;
        for i in 0..self.storage_pages {
            let todo = {
                let mut c = self.counts.lock();
                match c.page_flags.get_mut(i) {
                    Some(f) if *f & (PG_DIRTY | PG_NEEDWRITE) != 0 => {
                        *f &= !(PG_DIRTY | PG_NEEDWRITE | PG_PENDING);
                        true
                    }
                    _ => false,
                }
            };
            if todo {
                for r in self.write_page(&mut io, i) {
                    let _ = failed.push(r, GFP_NOIO_KERNEL);
                }
            }
        }
        self.flushed_gen.fetch_max(gen, Ordering::AcqRel);
        drop(io);
        self.wq.wake();
        failed
    }

    /// bitmap_daemon_work: every `daemon_sleep`, counters at 2 step to 1 and those
    /// at 1 (no write since the last pass) are cleared with their bits, then the
    /// changed pages are written. Returns the members whose write failed.
    pub(crate) fn daemon_work(&self, force: bool) -> KVec<Arc<Rdev>> {
        let now = sys::time::now_ms();
        let sleep = u64::from(self.daemon_sleep_ms.load(Ordering::Relaxed));
        if !force
            && now
                < self
                    .last_run_ms
                    .load(Ordering::Relaxed)
                    .saturating_add(sleep)
        {
            return KVec::new();
        }
        self.last_run_ms.store(now, Ordering::Relaxed);
        {
            let mut c = self.counts.lock();
            let c = &mut *c;
            if c.allclean {
                return KVec::new();
            }
            c.allclean = true;
            for f in c.page_flags.iter_mut() {
                if *f & PG_PENDING != 0 {
                    *f &= !PG_PENDING;
                    *f |= PG_NEEDWRITE;
                }
            }
            if c.need_sync {
                c.need_sync = false;
                let ev = c.events_cleared.to_le_bytes();
                if let Some(d) = c.image.get_mut(32..40) {
                    d.copy_from_slice(&ev);
                }
                if let Some(f) = c.page_flags.get_mut(0) {
                    *f |= PG_NEEDWRITE;
                }
            }
            let need_sync = c.need_sync;
            let per = format::COUNTERS_PER_PAGE as usize;
            for p in 0..c.page_pending.len() {
                if !c.page_pending.get(p).copied().unwrap_or(false) {
                    continue;
                }
                if let Some(pp) = c.page_pending.get_mut(p) {
                    *pp = false;
                }
                let end = (p + 1).saturating_mul(per).min(c.counters.len());
                for i in p * per..end {
                    let Some(&v) = c.counters.get(i) else { break };
                    if v == 1 && !need_sync {
                        if let Some(x) = c.counters.get_mut(i) {
                            *x = 0;
                        }
                        if let Some(u) = c.page_used.get_mut(p) {
                            *u = u.saturating_sub(1);
                        }
                        let chunk = i as u64;
                        if bit_clear(&mut c.image, chunk) {
                            if let Some(f) = c.page_flags.get_mut(storage_page(chunk)) {
                                *f |= PG_PENDING;
                            }
                        }
                    } else if v != 0 && v <= 2 {
                        if let Some(x) = c.counters.get_mut(i) {
                            *x = 1;
                        }
                        if let Some(pp) = c.page_pending.get_mut(p) {
                            *pp = true;
                        }
                        c.allclean = false;
                    }
                }
            }
            if c.page_flags.iter().any(|f| *f & PG_PENDING != 0) {
                c.allclean = false;
            }
        }
        // NEEDWRITE pages go out now, unless a DIRTY one comes first: writers
        // waiting for it have the worker write that one and the rest (md stops at
        // the first DIRTY page so the superblock never goes out after the bits).
        let mut failed = KVec::new();
        let mut io = self.io.lock();
        for i in 0..self.storage_pages {
            let todo = {
                let mut c = self.counts.lock();
                match c.page_flags.get_mut(i) {
                    Some(f) if *f & PG_DIRTY != 0 => break,
                    Some(f) if *f & PG_NEEDWRITE != 0 => {
                        *f &= !PG_NEEDWRITE;
                        true
                    }
                    _ => false,
                }
            };
            if todo {
                for r in self.write_page(&mut io, i) {
                    let _ = failed.push(r, GFP_NOIO_KERNEL);
                }
            }
        }
        failed
    }

    pub(crate) fn daemon_sleep_ms(&self) -> u32 {
        self.daemon_sleep_ms.load(Ordering::Relaxed)
    }

    pub(crate) fn set_daemon_sleep_ms(&self, ms: u32) {
        self.daemon_sleep_ms.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn write_behind(&self) -> u32 {
        self.write_behind.load(Ordering::Relaxed)
    }

    pub(crate) fn set_write_behind(&self, n: u32) {
        self.write_behind.store(n, Ordering::Relaxed);
    }

    pub(crate) fn chunksize(&self) -> u32 {
        self.chunksize
    }

    pub(crate) fn space(&self) -> u32 {
        self.space.load(Ordering::Relaxed)
    }

    /// bitmap/space's store (the next superblock write records it).
    pub(crate) fn set_space(&self, sectors: u32) {
        self.space.store(sectors, Ordering::Relaxed);
    }

    /// Bytes of the on-disk image (superblock and bits).
    pub(crate) fn storage_bytes(&self) -> u64 {
        self.storage_bytes
    }

    /// md's bitmap->need_sync: cleared events wait for the superblock (bitmap/can_clear).
    pub(crate) fn need_sync(&self) -> bool {
        self.counts.lock().need_sync
    }

    /// bitmap/can_clear's store.
    pub(crate) fn set_need_sync(&self, on: bool) {
        self.counts.lock().need_sync = on;
    }

    pub(crate) fn offset(&self) -> i64 {
        self.offset
    }

    /// bitmap_update_sb: the superblock page with the array's events, written to
    /// every member now. Returns the members whose write failed.
    pub(crate) fn update_sb(&self, events: u64) -> KVec<Arc<Rdev>> {
        {
            let mut c = self.counts.lock();
            let c = &mut *c;
            if events < c.events_cleared {
                // Rolling back to read-only.
                c.events_cleared = events;
            }
            let sb = BitmapSuper {
                version: self.version,
                uuid: self.uuid,
                events,
                events_cleared: c.events_cleared,
                sync_size: self.sync_sectors,
                state: self.flags.load(Ordering::Acquire) & !format::STATE_WRITE_ERROR,
                chunksize: self.chunksize,
                daemon_sleep: self.daemon_sleep_ms.load(Ordering::Relaxed) / 1000,
                write_behind: self.write_behind.load(Ordering::Relaxed),
                sectors_reserved: self.space.load(Ordering::Relaxed),
                nodes: 0,
                cluster_name: [0; 64],
            };
            if let Some(d) = c.image.get_mut(..format::SB_BYTES) {
                let _ = sb.encode(d);
            }
        }
        let mut io = self.io.lock();
        self.write_page(&mut io, 0)
    }

    /// bitmap_start_sync: whether the chunk at `sector` must be synced, and the
    /// sectors to the end of it. Unless `degraded`, a NEEDED chunk becomes
    /// RESYNC (its bit is cleared once the sync got past it).
    pub(crate) fn start_sync(&self, sector: u64, degraded: bool) -> (bool, u64) {
        let csize = 1u64 << self.chunk_shift;
        let blocks = csize - (sector & (csize - 1));
        let chunk = sector >> self.chunk_shift;
        let Ok(i) = usize::try_from(chunk) else {
            return (false, blocks);
        };
        let mut c = self.counts.lock();
        let Some(v) = c.counters.get_mut(i) else {
            return (false, blocks);
        };
        let rv = if *v & RESYNC != 0 {
            true
        } else if *v & NEEDED != 0 {
            if !degraded {
                *v |= RESYNC;
                *v &= !NEEDED;
            }
            true
        } else {
            false
        };
        (rv, blocks)
    }

    /// __bitmap_end_sync for the chunk at `sector`: RESYNC ends; `aborted` makes it
    /// NEEDED again, else the daemon may clear it.
    fn end_sync_chunk(c: &mut Counts, i: usize, aborted: bool) {
        let Some(v) = c.counters.get_mut(i) else {
            return;
        };
        if *v & RESYNC == 0 {
            return;
        }
        *v &= !RESYNC;
        if *v & NEEDED == 0 && aborted {
            *v |= NEEDED;
        } else if *v <= 2 {
            let p = i / format::COUNTERS_PER_PAGE as usize;
            if let Some(pp) = c.page_pending.get_mut(p) {
                *pp = true;
            }
            c.allclean = false;
        }
    }

    /// bitmap_end_sync (aborted) of the chunk at `sector`.
    pub(crate) fn end_sync_aborted(&self, sector: u64) {
        let Ok(i) = usize::try_from(sector >> self.chunk_shift) else {
            return;
        };
        Self::end_sync_chunk(&mut self.counts.lock(), i, true);
    }

    /// bitmap_cond_end_sync / bitmap_close_sync: every chunk below `sector` (all
    /// with `u64::MAX`) got through the sync.
    pub(crate) fn end_sync_below(&self, sector: u64) {
        let end = if sector == u64::MAX {
            self.chunks
        } else {
            (sector >> self.chunk_shift).min(self.chunks)
        };
        let Ok(end) = usize::try_from(end) else {
            return;
        };
        // In slices, so interrupts are not held off for long.
        let mut i = 0;
        while i < end {
            let stop = (i + 4096).min(end);
            let mut c = self.counts.lock();
            for k in i..stop {
                Self::end_sync_chunk(&mut c, k, false);
            }
            drop(c);
            i = stop;
        }
    }

    /// bitmap_dirty_bits (md/bitmap_set_bits): chunks `[s, e]` must be synced.
    pub(crate) fn dirty_bits(&self, s: u64, e: u64) {
        let e = e.min(self.chunks.saturating_sub(1));
        let mut chunk = s;
        while chunk <= e && chunk < self.chunks {
            let mut c = self.counts.lock();
            Self::set_memory(&mut c, chunk, true, self.chunk_shift);
            if bit_set(&mut c.image, chunk) {
                if let Some(f) = c.page_flags.get_mut(storage_page(chunk)) {
                    *f |= PG_DIRTY;
                }
                c.dirty_gen += 1;
            }
            drop(c);
            chunk += 1;
        }
    }

    /// mdstat's and sysfs's figures.
    pub(crate) fn stats(&self) -> Stats {
        let c = self.counts.lock();
        Stats {
            used_pages: c.page_used.iter().filter(|u| **u != 0).count() as u64,
            pages: c.page_used.len() as u64,
            chunksize: self.chunksize,
            events_cleared: c.events_cleared,
        }
    }

    /// Whether a new write may go behind (bitmap_start_behind_write's bound:
    /// fewer than `write_behind` in flight); if so it is counted.
    pub(crate) fn try_start_behind(&self) -> bool {
        let max = self.write_behind.load(Ordering::Relaxed);
        let mut cur = self.behind_writes.load(Ordering::Acquire);
        loop {
            if cur >= max {
                return false;
            }
            match self.behind_writes.compare_exchange(
                cur,
                cur + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        self.behind_used.fetch_max(cur + 1, Ordering::AcqRel);
        true
    }

    /// bitmap_end_behind_write: a write-behind request ended (any context).
    pub(crate) fn end_behind(&self) {
        if self.behind_writes.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wq.wake();
        }
    }

    /// bitmap_wait_behind_writes: a read from a write-mostly member must not
    /// overtake writes still going behind to it.
    pub(crate) fn wait_behind(&self) {
        self.wq
            .wait(|| self.behind_writes.load(Ordering::Acquire) == 0);
    }

    /// Chunk size in sectors, as a shift.
    pub(crate) fn chunk_shift(&self) -> u32 {
        self.chunk_shift
    }
}

/// `GFP_KERNEL` for the small lists of failed members (the writers run with
/// NOIO set where it matters).
const GFP_NOIO_KERNEL: kernel::alloc::Flags = GFP_KERNEL;

/// The storage page holding chunk `chunk`'s bit.
fn storage_page(chunk: u64) -> usize {
    let (byte, _) = format::bit_pos(chunk);
    usize::try_from(byte / PAGE as u64).unwrap_or(usize::MAX)
}

fn bit_test(image: &[u8], chunk: u64) -> bool {
    format::test_bit(image, chunk)
}

/// Sets the bit; true when it was clear.
fn bit_set(image: &mut [u8], chunk: u64) -> bool {
    !format::test_bit(image, chunk) && format::set_bit(image, chunk)
}

/// Clears the bit; true when it was set.
fn bit_clear(image: &mut [u8], chunk: u64) -> bool {
    format::test_bit(image, chunk) && format::clear_bit(image, chunk)
}

/// Where storage page `page` of a bitmap at `offset` lives on a member whose
/// superblock starts at `sb_offset`.
pub(crate) fn page_sector(sb_offset: u64, offset: i64, page: u64) -> Option<u64> {
    let base = i64::try_from(sb_offset).ok()?.checked_add(offset)?;
    let s = base.checked_add(i64::try_from(page.checked_mul(PAGE_SECTORS)?).ok()?)?;
    u64::try_from(s).ok()
}
