// SPDX-License-Identifier: GPL-2.0
//! Resync, recovery, check and repair (md_do_sync with raid1's sync_request).

use super::*;

impl Conf {
    /// Synchronous I/O of `sectors` at array sector `sector` on mirror `m`.
    pub(super) fn sync_rw(
        &self,
        m: &Mirror,
        sector: u64,
        sectors: u32,
        buf: &mut PageBuf,
        write: bool,
    ) -> Result {
        let rd = m.rdev().ok_or(ENODEV)?;
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        let mut req = [IoReq {
            file: rd.file().as_ptr(),
            buf,
            sector: sector.saturating_add(rd.data_offset()),
            sectors,
            write,
            result: Ok(()),
        }];
        // SAFETY: The member stays open while `nr_pending` counts us (removal waits).
        unsafe { sys::pages::io_batch(&mut req) };
        rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
        self.wq.wake();
        let [r] = req;
        r.result
    }

    /// Runs `action` over `[start, max)`; returns where it got to and whether it
    /// was interrupted.
    pub(super) fn do_sync(&self, action: Action, start: u64, max: u64) -> (u64, bool) {
        let p = &self.mddev().sync;
        // Allocations here happen with a barrier raised, which holds up the array's
        // writes: reclaim must not write to the array (raid1 allocates with GFP_NOIO).
        let _noio = sys::util::NoIo::enter();
        let name = self.name();
        md_info!("md: {} of RAID array {}\n", action.desc(), name);
        if start > 0 {
            md_debug!(
                "md: resuming {} of {} from checkpoint.\n",
                action.desc(),
                name
            );
        }
        let mut bufs = KVec::new();
        for _ in 0..self.mirrors.len() {
            match PageBuf::new((resync::SYNC_IO_SECTORS / 8) as usize) {
                Ok(b) => {
                    if bufs.push(b, GFP_KERNEL).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let mut interrupted = bufs.len() != self.mirrors.len();
        let bitmap = self.mddev().bitmap();
        let mut j = start;
        let mut marks = resync::Marks::new(sys::time::now_ms(), start);
        p.start(action, start, max, sys::time::now_ms());
        let mut last_io = self.normal_io.load(Ordering::Relaxed);
        let mut last_checkpoint_ms = sys::time::now_ms();
        while j < max && !interrupted {
            if sys::thread::thread_should_stop() || self.mddev().sync.intr.load(Ordering::Acquire) {
                interrupted = true;
                break;
            }
            if self.nothing_to_write(action) {
                // raid1_sync_request skips the rest when there is no write target
                // (say the other mirrors failed meanwhile): the sync is complete.
                j = max;
                break;
            }
            // md_do_sync: wait at sync_max (user space moves it, e.g. mdcheck),
            // with the position reached published as sync_completed.
            if j >= self.mddev().resync_max() {
                p.completed.store(j, Ordering::Release);
                if action.is_sync() && j > self.mddev().resync_offset() {
                    self.mddev().set_resync_offset(j);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    self.wake_thread();
                }
                self.wq.wait_interruptible(|| {
                    self.mddev().resync_max() > j || self.sync_interrupted()
                });
                if self.sync_interrupted() {
                    interrupted = true;
                    break;
                }
            }
            let mut n = resync::chunk(j, max);
            // raid1_sync_request with a bitmap: a resync or recovery skips the
            // chunks it marks clean (unless the sync must be full); a scrub reads
            // everything.
            if let Some(bm) = bitmap.as_ref() {
                if !self.fullsync.load(Ordering::Acquire)
                    && matches!(action, Action::Resync | Action::Recover)
                {
                    // Another slot still missing: the marks stay for its return.
                    let still_degraded = self.mirrors.iter().any(|m| !m.working());
                    let (needed, blocks) = bm.start_sync(j, still_degraded);
                    if !needed {
                        let end = j.saturating_add(blocks).min(max);
                        if action == Action::Recover {
                            self.advance_recovery(self.recovering_mask(), j, end);
                        }
                        j = end;
                        p.curr.store(j, Ordering::Release);
                        continue;
                    }
                    n = n.min(u32::try_from(blocks).unwrap_or(u32::MAX)).max(1);
                }
            }
            if !self.raise_barrier(j) {
                interrupted = true;
                break;
            }
            let ok = self.sync_chunk(p, action, j, n, &mut bufs);
            self.lower_barrier(j);
            if !ok {
                interrupted = true;
                break;
            }
            j += u64::from(n);
            p.curr.store(j, Ordering::Release);
            let now = sys::time::now_ms();
            if let Some((ms, cnt)) = marks.step(now, j) {
                p.mark_ms.store(ms, Ordering::Release);
                p.mark_cnt.store(cnt, Ordering::Release);
            }
            if resync::checkpoint_due(
                j,
                p.completed.load(Ordering::Acquire),
                max,
                now,
                last_checkpoint_ms,
            ) {
                p.completed.store(j, Ordering::Release);
                last_checkpoint_ms = now;
                // bitmap_cond_end_sync: the chunks passed may be cleared.
                if let Some(bm) = bitmap.as_ref() {
                    bm.end_sync_below(j);
                }
                if action.is_sync() && j > self.mddev().resync_offset() {
                    self.mddev().set_resync_offset(j);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    self.wake_thread();
                }
            }
            // Rate limits: above the minimum, yield to normal I/O; above the maximum, pause.
            loop {
                let (lo, hi) = self.mddev().speed_limits();
                let (mark_ms, mark_pos) = marks.oldest();
                let speed = resync::speed_kib(
                    j.saturating_sub(mark_pos),
                    sys::time::now_ms().saturating_sub(mark_ms),
                );
                let io = self.normal_io.load(Ordering::Relaxed);
                let busy = io != last_io;
                last_io = io;
                match resync::throttle(speed, lo, hi, busy) {
                    resync::Throttle::Go => break,
                    resync::Throttle::Yield => {
                        sys::time::msleep(10);
                        break;
                    }
                    resync::Throttle::Pause => {
                        sys::time::msleep(500);
                        if sys::thread::thread_should_stop()
                            || self.mddev().sync.intr.load(Ordering::Acquire)
                        {
                            break;
                        }
                    }
                }
            }
        }
        p.curr.store(j, Ordering::Release);
        // raid1_sync_request at the end: an aborted sync's current chunk stays
        // marked; the rest got through (bitmap_close_sync).
        if let Some(bm) = bitmap.as_ref() {
            if interrupted {
                bm.end_sync_aborted(j);
            } else {
                self.fullsync.store(false, Ordering::Release);
            }
            bm.end_sync_below(u64::MAX);
        } else if !interrupted {
            self.fullsync.store(false, Ordering::Release);
        }
        md_info!(
            "md: {}: {} {}.\n",
            name,
            action.desc(),
            if interrupted { "interrupted" } else { "done" }
        );
        (j, interrupted)
    }

    /// Whether a sync step would have no member to write (raid1_sync_request's
    /// `write_targets == 0`, with the extra in-sync mirrors of a resync, check or
    /// repair counted as targets); with no in-sync mirror at all the step fails.
    pub(super) fn nothing_to_write(&self, action: Action) -> bool {
        let sources = self.mirrors.iter().filter(|m| m.active()).count();
        let targets = self.mirrors.iter().filter(|m| m.recovering()).count();
        if sources == 0 {
            return false;
        }
        match action {
            Action::Recover => targets == 0,
            Action::Resync | Action::Check | Action::Repair => targets + sources - 1 == 0,
        }
    }

    /// One region of a sync: read, compare or copy, write. False: stop the sync.
    pub(super) fn sync_chunk(
        &self,
        p: &SyncProgress,
        action: Action,
        j: u64,
        n: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> bool {
        let nm = self.mirrors.len().min(bufs.len());
        // Which mirrors take part: every working member not in sync is written,
        // whatever its own recovery offset (raid1_sync_request), so members
        // recovering from different offsets are all covered by one pass.
        let mut sources = 0u32;
        let mut targets = 0u32;
        for (i, m) in self.mirrors.iter().enumerate().take(nm) {
            if m.active() {
                sources |= 1 << i;
            } else if m.working() {
                targets |= 1 << i;
            }
        }
        if sources == 0 {
            return false;
        }
        match action {
            Action::Resync | Action::Recover => {
                self.copy_step(action, j, n, sources, targets, bufs)
            }
            Action::Check | Action::Repair => self.scrub_step(p, action, j, n, sources, bufs),
        }
    }

    /// Resync or recovery of one region: read it from the first in-sync mirror that
    /// can, write it to the other working mirrors (resync) or the recovering ones.
    pub(super) fn copy_step(
        &self,
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        targets: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> bool {
        if action == Action::Recover && targets == 0 {
            return true;
        }
        let Some(src) = self.read_first(j, n, sources, bufs) else {
            self.unrecoverable(j);
            return false;
        };
        let writes = if action == Action::Resync {
            (sources | targets) & !(1 << src)
        } else {
            targets
        };
        let Ok(written) = self.write_from(src, writes, j, n, bufs) else {
            self.sync_nomem(j);
            return false;
        };
        if action == Action::Recover {
            self.advance_recovery(targets & written, j, j.saturating_add(u64::from(n)));
        }
        true
    }

    /// Reads `[j, j + n)` from the first mirror in `sources` that can (a failed read
    /// fails its member) into that mirror's buffer; the mirror read.
    pub(super) fn read_first(
        &self,
        j: u64,
        n: u32,
        sources: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> Option<usize> {
        for (i, (m, b)) in self.mirrors.iter().zip(bufs.iter_mut()).enumerate() {
            if sources & (1 << i) == 0 {
                continue;
            }
            if self.sync_rw(m, j, n, b, false).is_ok() {
                return Some(i);
            }
            self.error(i);
        }
        None
    }

    /// The mirrors being recovered (working, not in sync).
    pub(super) fn recovering_mask(&self) -> u32 {
        let mut mask = 0u32;
        for (i, m) in self.mirrors.iter().enumerate().take(MAX_MIRRORS) {
            if m.recovering() {
                mask |= 1 << i;
            }
        }
        mask
    }

    /// Recovery wrote `[j, end)` to the mirrors in `written`.
    pub(super) fn advance_recovery(&self, written: u32, j: u64, end: u64) {
        for (i, m) in self.mirrors.iter().enumerate().take(MAX_MIRRORS) {
            // A member is current up to `end` only if it already was up to `j`; one
            // ahead of `j` keeps its offset until passed.
            let Some(rd) = m.rdev() else { continue };
            let off = rd.recovery_offset();
            if written & (1 << i) != 0 && m.working() && off >= j && off < end {
                rd.set_recovery_offset(end);
            }
        }
    }

    /// Check or repair of one region: read every in-sync mirror at once, compare each
    /// with the first good copy, rewrite what failed to read and (repair) what differs.
    pub(super) fn scrub_step(
        &self,
        p: &SyncProgress,
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        bufs: &KVec<PageBuf>,
    ) -> bool {
        let Ok(failed_reads) = self.read_sources(j, n, sources, bufs) else {
            self.sync_nomem(j);
            return false;
        };
        let nm = self.mirrors.len().min(bufs.len());
        let good = sources & !failed_reads;
        let Some(src) = (0..nm).find(|i| good & (1 << i) != 0) else {
            self.unrecoverable(j);
            return false;
        };
        // Read errors are rewritten even by `check`, as md's scrub does.
        let rewrite = (failed_reads & sources) | self.compare(p, action, src, good, n, bufs);
        if self.write_from(src, rewrite, j, n, bufs).is_err() {
            self.sync_nomem(j);
            return false;
        }
        true
    }

    /// Reads `[j, j + n)` from every mirror in `sources` at once, each into its own
    /// buffer. Returns the mirrors not read (the read failed, or the member is gone);
    /// `Err` (nothing read) when the requests cannot be allocated.
    pub(super) fn read_sources(
        &self,
        j: u64,
        n: u32,
        sources: u32,
        bufs: &KVec<PageBuf>,
    ) -> Result<u32> {
        let mut batch = SyncBatch::new(self, bufs, sources)?;
        for i in 0..self.mirrors.len().min(bufs.len()) {
            if sources & (1 << i) != 0 {
                batch.add(i, None, j, n)?;
            }
        }
        let (read, _) = batch.run();
        Ok(sources & !read)
    }

    /// Compares every good mirror's copy with `src`'s, a sync block at a time,
    /// counting the differing sectors; returns the mirrors a repair rewrites.
    pub(super) fn compare(
        &self,
        p: &SyncProgress,
        action: Action,
        src: usize,
        good: u32,
        n: u32,
        bufs: &KVec<PageBuf>,
    ) -> u32 {
        let Some(a) = bufs.get(src) else { return 0 };
        let mut rewrite = 0u32;
        for (i, b) in bufs.iter().enumerate().take(self.mirrors.len()) {
            if good & (1 << i) == 0 || i == src {
                continue;
            }
            let mut off = 0u32;
            let mut differs = false;
            while off < n {
                let len = (n - off).min(resync::RESYNC_BLOCK);
                if !a.same(b, off, len) {
                    p.mismatches.fetch_add(u64::from(len), Ordering::AcqRel);
                    differs = true;
                }
                off += len;
            }
            if differs && action == Action::Repair {
                rewrite |= 1 << i;
            }
        }
        rewrite
    }

    /// md_crit of a region no in-sync mirror could read.
    pub(super) fn unrecoverable(&self, j: u64) {
        md_crit!(
            "md/raid1:{}: unrecoverable I/O read error for block {}\n",
            self.name(),
            j
        );
    }

    /// The sync step at `j` could not allocate its member requests: the sync stops
    /// (interrupted) rather than go on with part of the mirrors.
    pub(super) fn sync_nomem(&self, j: u64) {
        md_err!(
            "md/raid1:{}: out of memory for sync I/O at block {}\n",
            self.name(),
            j
        );
    }

    /// Writes `bufs[src]` to the working mirrors in `mask`; a failed write fails its
    /// member. Returns the mirrors really written; `Err` (nothing written) when the
    /// requests cannot be allocated.
    pub(super) fn write_from(
        &self,
        src: usize,
        mask: u32,
        j: u64,
        n: u32,
        bufs: &KVec<PageBuf>,
    ) -> Result<u32> {
        if mask == 0 {
            return Ok(0);
        }
        let mut batch = SyncBatch::new(self, bufs, mask)?;
        for (i, m) in self.mirrors.iter().enumerate().take(MAX_MIRRORS) {
            if mask & (1 << i) != 0 && m.working() {
                batch.add(i, Some(src), j, n)?;
            }
        }
        let (written, failed) = batch.run();
        for i in 0..self.mirrors.len().min(MAX_MIRRORS) {
            if failed & (1 << i) != 0 {
                self.write_error(i);
            }
        }
        Ok(written)
    }
}

/// Synchronous member requests of a sync step, sent together: reads of mirrors into
/// their own buffers, or writes of one buffer to several mirrors.
///
/// # Invariants
///
/// `reqs[k]` goes to mirror `slots[k]` and is counted in its `pending` until the batch
/// is dropped; no mirror is in the batch twice (`used`), and a read goes into its
/// mirror's own buffer `bufs[slot]`.
struct SyncBatch<'a> {
    conf: &'a Conf,
    bufs: &'a KVec<PageBuf>,
    reqs: KVec<IoReq<'a>>,
    slots: [usize; MAX_MIRRORS],
    used: u32,
}

impl<'a> SyncBatch<'a> {
    /// An empty batch with room for a request to every mirror in `mask`, allocated
    /// now: adding them cannot fail afterwards.
    fn new(conf: &'a Conf, bufs: &'a KVec<PageBuf>, mask: u32) -> Result<SyncBatch<'a>> {
        Ok(SyncBatch {
            conf,
            bufs,
            reqs: KVec::with_capacity(mask.count_ones() as usize, GFP_KERNEL)?,
            slots: [0; MAX_MIRRORS],
            used: 0,
        })
    }

    /// Adds a read of `[j, j + n)` on mirror `slot` into its own buffer, or (`src`)
    /// a write of `bufs[src]` there. `Ok(false)`: nothing added (no member in the
    /// slot, or already in the batch); `Err`: no room.
    fn add(&mut self, slot: usize, src: Option<usize>, j: u64, n: u32) -> Result<bool> {
        let (Some(m), Some(bit)) = (self.conf.mirrors.get(slot), slot_bit(slot)) else {
            return Ok(false);
        };
        let Some(buf) = self.bufs.get(src.unwrap_or(slot)) else {
            return Ok(false);
        };
        if self.used & bit != 0 {
            return Ok(false);
        }
        let Some(rd) = m.rdev() else { return Ok(false) };
        let Some(s) = self.slots.get_mut(self.reqs.len()) else {
            return Err(ENOMEM);
        };
        let req = IoReq {
            file: rd.file().as_ptr(),
            buf,
            sector: j.saturating_add(rd.data_offset()),
            sectors: n,
            write: src.is_some(),
            result: Ok(()),
        };
        self.reqs.push(req, GFP_KERNEL)?;
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        *s = slot;
        self.used |= bit;
        Ok(true)
    }

    /// Sends every request at once and waits for all; returns the mirrors whose
    /// request succeeded and those whose request failed.
    fn run(mut self) -> (u32, u32) {
        // SAFETY: Every member stays open while its `pending` counts our request
        // (removal waits for it), and no two reads share a buffer (type invariant).
        unsafe { sys::pages::io_batch(&mut self.reqs) };
        let (mut ok, mut failed) = (0u32, 0u32);
        for (slot, r) in self.slots.iter().zip(self.reqs.iter()) {
            let bit = slot_bit(*slot).unwrap_or(0);
            if r.result.is_ok() {
                ok |= bit;
            } else {
                failed |= bit;
            }
        }
        (ok, failed)
    }
}

impl Drop for SyncBatch<'_> {
    fn drop(&mut self) {
        for slot in self.slots.iter().take(self.reqs.len()) {
            if let Some(rd) = self.conf.mirrors.get(*slot).and_then(Mirror::rdev) {
                rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
            }
        }
        if !self.reqs.is_empty() {
            self.conf.wq.wake();
        }
    }
}
