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
        if !write {
            // end_sync_read's update_head_pos.
            m.head_position
                .store(sector.saturating_add(u64::from(sectors)), Ordering::Relaxed);
        }
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
        let copy = matches!(action, Action::Resync | Action::Recover);
        let buf_pages = if copy {
            resync::COPY_PIECE_SECTORS / 8
        } else {
            resync::SYNC_IO_SECTORS / 8
        } as usize;
        let mut bufs = KVec::new();
        for _ in 0..self.mirrors().len() {
            match PageBuf::new(buf_pages) {
                Ok(b) => {
                    if bufs.push(b, GFP_KERNEL).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let mut interrupted = bufs.len() != self.mirrors().len();
        // A resync or recovery copies in pieces, each written while the next is read
        // into this buffer (then swapped with the source's); without it, one piece a
        // step.
        let mut spare = if copy {
            PageBuf::new(buf_pages).ok()
        } else {
            None
        };
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
            let mut n = if spare.is_some() {
                resync::copy_chunk(j, max)
            } else {
                resync::chunk(j, max)
            };
            // raid1_sync_request with a bitmap: a resync or recovery skips the
            // chunks it marks clean (unless the sync must be full); a scrub reads
            // everything.
            if let Some(bm) = bitmap.as_ref() {
                if !self.fullsync.load(Ordering::Acquire)
                    && matches!(action, Action::Resync | Action::Recover)
                {
                    // Another slot still missing: the marks stay for its return.
                    let still_degraded = self.mirrors().iter().any(|m| !m.working());
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
            let done = self.sync_chunk(action, j, n, &mut bufs, spare.as_mut());
            self.lower_barrier(j);
            let Some(done) = done else {
                interrupted = true;
                break;
            };
            j = j.saturating_add(done.max(1)).min(max);
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
        let sources = self.mirrors().iter().filter(|m| m.active()).count();
        let targets = self.mirrors().iter().filter(|m| m.recovering()).count();
        if sources == 0 {
            return false;
        }
        match action {
            Action::Recover => targets == 0,
            Action::Resync | Action::Check | Action::Repair => targets + sources - 1 == 0,
        }
    }

    /// One region of a sync: read, compare or copy, write. Returns the sectors
    /// dealt with (fewer than `n` up to where a mirror's bad blocks begin or end);
    /// `None`: stop the sync.
    ///
    /// raid1_sync_request with bad blocks: an in-sync mirror with a bad range at
    /// `j` is not read; a resync or repair rewrites it there (unless it has seen a
    /// write error), a check or recovery leaves it alone. Where every in-sync mirror
    /// is bad, the range is recorded bad on every write target and skipped.
    pub(super) fn sync_chunk(
        &self,
        action: Action,
        j: u64,
        n: u32,
        bufs: &mut KVec<PageBuf>,
        spare: Option<&mut PageBuf>,
    ) -> Option<u64> {
        let nm = self.mirrors().len().min(bufs.len());
        // Which mirrors take part: every working member not in sync is written,
        // whatever its own recovery offset (raid1_sync_request), so members
        // recovering from different offsets are all covered by one pass.
        let mut sources = 0u32;
        let mut targets = 0u32;
        // In-sync mirrors rewritten over their bad range.
        let mut bad_targets = 0u32;
        let mut good = n;
        // Sectors bad from `j` on every in-sync mirror bad there (md's min_bad).
        let mut min_bad = 0u64;
        let rewrite_bad = matches!(action, Action::Resync | Action::Repair);
        for (i, m) in self.mirrors().iter().enumerate().take(nm) {
            if m.active() {
                let mut first_bad = u64::MAX;
                if let Some(b) = m.bad(j, u64::from(good)) {
                    first_bad = b.first;
                    if b.first > j {
                        good = u32::try_from(b.first - j).unwrap_or(good).min(good);
                    } else {
                        let left = b.first.saturating_add(b.sectors).saturating_sub(j);
                        if left > 0 && (min_bad == 0 || min_bad > left) {
                            min_bad = left;
                        }
                    }
                }
                if j < first_bad {
                    sources |= 1 << i;
                } else if rewrite_bad && !m.rdev().is_some_and(|r| r.test(flag::WRITE_ERROR)) {
                    bad_targets |= 1 << i;
                }
            } else if m.working() {
                targets |= 1 << i;
            }
        }
        if sources == 0 && min_bad > 0 {
            // Bad on every in-sync mirror: nothing to copy, so the range is bad on
            // every mirror written here too. A range that cannot be recorded stops
            // the sync.
            let mut ok = true;
            for (i, m) in self.mirrors().iter().enumerate().take(nm) {
                if (targets | bad_targets) & (1 << i) != 0 {
                    if let Some(rd) = m.rdev() {
                        ok = self.mddev().rdev_set_badblocks(rd, j, min_bad) && ok;
                    }
                }
            }
            if !ok {
                self.interrupt_sync();
                return None;
            }
            if action == Action::Recover {
                self.advance_recovery(targets, j, j.saturating_add(min_bad));
            }
            return Some(min_bad);
        }
        if sources == 0 {
            return None;
        }
        if min_bad > 0 && min_bad < u64::from(good) {
            // Only up to where a bad mirror turns good.
            good = u32::try_from(min_bad).unwrap_or(good);
        }
        let writers = match action {
            Action::Recover => targets.count_ones(),
            _ => (targets | bad_targets).count_ones() + sources.count_ones() - 1,
        };
        if writers == 0 {
            // Nowhere to write (a mirror is bad here and cannot be rewritten).
            let skip = if min_bad > 0 { min_bad } else { u64::from(n) };
            if action == Action::Recover {
                self.advance_recovery(targets, j, j.saturating_add(skip));
            }
            return Some(skip);
        }
        let ok = match action {
            Action::Resync | Action::Recover => {
                self.copy_step(action, j, good, sources, targets | bad_targets, bufs, spare)
            }
            Action::Check | Action::Repair => {
                self.scrub_step(action, j, good, sources, bad_targets, bufs)
            }
        };
        ok.then_some(u64::from(good))
    }

    /// Resync or recovery of one region: read it from the first in-sync mirror that
    /// can, write it to the other working mirrors (resync) or the recovering ones.
    /// A region longer than the buffers goes in pieces: with `spare`, the next piece
    /// is read from the same mirror while the current one is written.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn copy_step(
        &self,
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        targets: u32,
        bufs: &mut KVec<PageBuf>,
        mut spare: Option<&mut PageBuf>,
    ) -> bool {
        if action == Action::Recover && targets == 0 {
            return true;
        }
        // Resync writes every mirror but the one read; recovery the recovering ones.
        let all = if action == Action::Resync {
            sources | targets
        } else {
            targets
        };
        let end = j.saturating_add(u64::from(n));
        let piece = |pos: u64| {
            end.saturating_sub(pos)
                .min(u64::from(resync::COPY_PIECE_SECTORS)) as u32
        };
        let mut pos = j;
        // The mirror whose buffer holds the piece at `pos`, once read ahead.
        let mut ready: Option<usize> = None;
        while pos < end {
            let len = piece(pos);
            let src = match ready.take() {
                Some(src) => src,
                None => match self.read_first(pos, len, sources, bufs) {
                    Some(Ok(src)) => src,
                    Some(Err(first)) => {
                        if !self.repair_copy_read(action, pos, len, first, sources, all, targets) {
                            return false;
                        }
                        pos = pos.saturating_add(u64::from(len));
                        continue;
                    }
                    None => {
                        self.unrecoverable(pos);
                        return false;
                    }
                },
            };
            let next = pos.saturating_add(u64::from(len));
            let nlen = piece(next);
            let ahead = spare
                .as_deref_mut()
                .filter(|_| nlen > 0)
                .map(|b| (b, next, nlen));
            let mask = all & !slot_bit(src).unwrap_or(0);
            let Ok((written, read_ahead)) = self.write_from(src, mask, pos, len, bufs, ahead)
            else {
                self.sync_nomem(pos);
                return false;
            };
            if action == Action::Recover {
                self.advance_recovery(targets & written, pos, next);
            }
            pos = next;
            match read_ahead {
                Some(true) => {
                    // The next piece is in the spare buffer: it becomes the source's.
                    if let (Some(b), Some(sp)) = (bufs.get_mut(src), spare.as_deref_mut()) {
                        core::mem::swap(b, sp);
                        ready = Some(src);
                    }
                }
                Some(false) => {
                    // The read ahead failed: the piece is repaired as a first read.
                    if !self.repair_copy_read(action, pos, nlen, src, sources, all, targets) {
                        return false;
                    }
                    pos = pos.saturating_add(u64::from(nlen));
                }
                None => {}
            }
        }
        true
    }

    /// A copy's read of `[j, j + n)` from `first` failed: fix_sync_read_error (page
    /// by page from the other sources, written to `all`; a fail-fast `first` is
    /// failed instead of rewritten), and a recovery moves on.
    #[allow(clippy::too_many_arguments)]
    fn repair_copy_read(
        &self,
        action: Action,
        j: u64,
        n: u32,
        first: usize,
        mut sources: u32,
        all: u32,
        targets: u32,
    ) -> bool {
        let end = j.saturating_add(u64::from(n));
        if self.mirrors().get(first).is_some_and(Mirror::fail_fast) && self.error(first) {
            // fix_sync_read_error on a fail-fast member: failed, not repaired; the
            // other mirrors give the data.
            sources &= !slot_bit(first).unwrap_or(0);
        }
        if !self.fix_sync_read_error(j, n, first, sources, all) {
            return false;
        }
        if action == Action::Recover {
            self.advance_recovery(targets, j, end);
        }
        true
    }

    /// Reads `[j, j + n)` into its buffer from the mirror of `sources`
    /// raid1_sync_request reads from: the first that is not write-mostly, else the
    /// first. `Ok`: the mirror read; `Err`: the mirror whose read failed; `None`:
    /// no source.
    pub(super) fn read_first(
        &self,
        j: u64,
        n: u32,
        sources: u32,
        bufs: &mut KVec<PageBuf>,
    ) -> Option<core::result::Result<usize, usize>> {
        let nm = self.mirrors().len().min(bufs.len()).min(MAX_MIRRORS);
        let is_source = |i: usize| sources & (1 << i) != 0;
        let first = (0..nm)
            .find(|&i| is_source(i) && !self.mirrors().get(i).is_some_and(Mirror::write_mostly))
            .or_else(|| (0..nm).find(|&i| is_source(i)))?;
        let (Some(m), Some(b)) = (self.mirrors().get(first), bufs.get_mut(first)) else {
            return None;
        };
        Some(match self.sync_rw(m, j, n, b, false) {
            Ok(()) => Ok(first),
            Err(_) => Err(first),
        })
    }

    /// fix_sync_read_error: the read of `[j, j + n)` from `first` failed. Page by
    /// page, the first mirror of `sources` (from `first` on) that can read it gives
    /// the data: it is written back to the sources that failed (and read again
    /// there: corrected errors), and written to the mirrors of `writes` (but the one
    /// it came from). A failed write records a bad range or fails its member
    /// (r1_sync_page_io); a write over a bad range from a good copy clears it. A page
    /// no source can read is recorded as bad on every working member; false (stop
    /// the sync) when that cannot be recorded.
    pub(super) fn fix_sync_read_error(
        &self,
        j: u64,
        n: u32,
        first: usize,
        sources: u32,
        writes: u32,
    ) -> bool {
        let (Ok(mut buf), Ok(mut check)) = (PageBuf::new(1), PageBuf::new(1)) else {
            self.sync_nomem(j);
            return false;
        };
        let nm = self.mirrors().len().min(MAX_MIRRORS);
        if first >= nm {
            return false;
        }
        let (mut sect, mut left) = (j, n);
        while left > 0 {
            let s = left.min(buf.sectors());
            let ss = u64::from(s);
            let mut d = first;
            let mut from = None;
            loop {
                if sources & (1 << d) != 0 {
                    if let Some(m) = self.mirrors().get(d) {
                        if self.sync_rw(m, sect, s, &mut buf, false).is_ok() {
                            from = Some(d);
                            break;
                        }
                    }
                }
                d = (d + 1) % nm;
                if d == first {
                    break;
                }
            }
            let Some(d) = from else {
                // Lost on every mirror: recorded bad on each, so no read is served it.
                md_crit!(
                    "md/raid1:{}: {}: unrecoverable I/O read error for block {}\n",
                    self.name(),
                    self.mirrors().get(first).map_or("?", Mirror::name),
                    j
                );
                let mut ok = true;
                for m in self.mirrors().iter() {
                    if let Some(rd) = m.rdev().filter(|r| !r.faulty()) {
                        ok = self.mddev().rdev_set_badblocks(rd, sect, ss) && ok;
                    }
                }
                if !ok {
                    self.interrupt_sync();
                    return false;
                }
                left -= s;
                sect = sect.saturating_add(ss);
                continue;
            };
            let good_here = self
                .mirrors()
                .get(d)
                .is_some_and(|m| m.bad(sect, ss).is_none());
            // The sources tried before `d` failed: write the page back, read it again.
            let mut failed = 0u32;
            let mut e = first;
            while e != d {
                if sources & (1 << e) != 0 {
                    failed |= 1 << e;
                    if self.r1_sync_page_io(e, sect, s, &mut buf, true)
                        && self.r1_sync_page_io(e, sect, s, &mut check, false)
                    {
                        if let Some(rd) = self.mirrors().get(e).and_then(Mirror::rdev) {
                            rd.add_corrected(s);
                            self.mddev().sb_change.store(true, Ordering::Release);
                        }
                    }
                }
                e = (e + 1) % nm;
            }
            for (t, m) in self.mirrors().iter().enumerate().take(nm) {
                let bit = 1u32 << t;
                if writes & bit == 0 || failed & bit != 0 || t == d || !m.working() {
                    continue;
                }
                if self.r1_sync_page_io(t, sect, s, &mut buf, true) && good_here {
                    if let Some(rd) = m.rdev().filter(|_| m.bad(sect, ss).is_some()) {
                        self.mddev().rdev_clear_badblocks(rd, sect, ss);
                    }
                }
            }
            left -= s;
            sect = sect.saturating_add(ss);
        }
        true
    }

    /// The mirrors being recovered (working, not in sync).
    pub(super) fn recovering_mask(&self) -> u32 {
        let mut mask = 0u32;
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
            if m.recovering() {
                mask |= 1 << i;
            }
        }
        mask
    }

    /// Recovery wrote `[j, end)` to the mirrors in `written`.
    pub(super) fn advance_recovery(&self, written: u32, j: u64, end: u64) {
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
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
        action: Action,
        j: u64,
        n: u32,
        sources: u32,
        bad_targets: u32,
        bufs: &KVec<PageBuf>,
    ) -> bool {
        let Ok(failed_reads) = self.read_sources(j, n, sources, bufs) else {
            self.sync_nomem(j);
            return false;
        };
        let nm = self.mirrors().len().min(bufs.len());
        let good = sources & !failed_reads;
        let Some(src) = (0..nm).find(|i| good & (1 << i) != 0) else {
            self.unrecoverable(j);
            return false;
        };
        // Read errors are rewritten even by `check`, as md's scrub does.
        // A repair also rewrites the in-sync mirrors bad here (`bad_targets`).
        let p = &self.mddev().sync;
        let rewrite =
            (failed_reads & sources) | bad_targets | self.compare(p, action, src, good, n, bufs);
        if self.write_from(src, rewrite, j, n, bufs, None).is_err() {
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
        for i in 0..self.mirrors().len().min(bufs.len()) {
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
        for (i, b) in bufs.iter().enumerate().take(self.mirrors().len()) {
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

    /// Writes `bufs[src]` to the working mirrors in `mask`; a failed write records a
    /// bad range on its member, or fails it. With `ahead` (a buffer, a sector, a
    /// length), `src` reads that range into the buffer meanwhile. Returns the
    /// mirrors really written, and whether the read ahead succeeded (`None`: not
    /// sent); `Err` (nothing sent) when the requests cannot be allocated.
    pub(super) fn write_from(
        &self,
        src: usize,
        mask: u32,
        j: u64,
        n: u32,
        bufs: &KVec<PageBuf>,
        ahead: Option<(&mut PageBuf, u64, u32)>,
    ) -> Result<(u32, Option<bool>)> {
        if mask == 0 && ahead.is_none() {
            return Ok((0, None));
        }
        let src_bit = slot_bit(src).unwrap_or(0);
        let mut batch = SyncBatch::new(self, bufs, mask | src_bit)?;
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
            if mask & (1 << i) != 0 && m.working() {
                batch.add(i, Some(src), j, n)?;
            }
        }
        let mut read_ahead = false;
        if let Some((buf, at, len)) = ahead {
            read_ahead = batch.read_into(src, buf, at, len)?;
        }
        let (ok, failed) = batch.run();
        let ahead_ok = read_ahead.then_some(ok & src_bit != 0);
        let own = if read_ahead { src_bit } else { 0 };
        let (written, failed) = (ok & !own, failed & !own);
        // end_sync_write and handle_sync_write_finished: a failed write is recorded
        // as a bad range on its member (WriteErrorSeen), which fails only when it
        // cannot record it; a write over a member's bad range from a source good
        // there made it good (R1BIO_MadeGood): the range is cleared.
        let made_good = self
            .mirrors()
            .get(src)
            .is_some_and(|m| m.bad(j, u64::from(n)).is_none());
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
            let Some(rd) = m.rdev() else { continue };
            if failed & (1 << i) != 0 {
                rd.set(flag::WRITE_ERROR | flag::WANT_REPLACEMENT);
                if !self.mddev().rdev_set_badblocks(rd, j, u64::from(n)) {
                    self.error(i);
                }
            } else if made_good && written & (1 << i) != 0 && m.bad(j, u64::from(n)).is_some() {
                self.mddev().rdev_clear_badblocks(rd, j, u64::from(n));
            }
        }
        Ok((written, ahead_ok))
    }
}

/// Synchronous member requests of a sync step, sent together: reads of mirrors into
/// their own buffers, or writes of one buffer to several mirrors.
///
/// # Invariants
///
/// `reqs[k]` goes to mirror `slots[k]` and is counted in its `pending` until the batch
/// is dropped; no mirror is in the batch twice (`used`), and a read goes into its
/// mirror's own buffer `bufs[slot]` or into a buffer the batch borrows exclusively
/// (`read_into`: not one of `bufs`, which it borrows shared for as long).
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
        let bufs = self.bufs;
        let Some(buf) = bufs.get(src.unwrap_or(slot)) else {
            return Ok(false);
        };
        self.push(slot, buf, src.is_some(), j, n)
    }

    /// Adds a read of `[j, j + n)` on mirror `slot` into `buf`, which the batch holds
    /// until dropped. `Ok(false)`: nothing added (no member in the slot, or already
    /// in the batch); `Err`: no room.
    fn read_into(&mut self, slot: usize, buf: &'a mut PageBuf, j: u64, n: u32) -> Result<bool> {
        self.push(slot, buf, false, j, n)
    }

    /// Adds a request of mirror `slot` on `buf` (see `add` and `read_into`, which keep
    /// the type invariant for the buffers).
    fn push(&mut self, slot: usize, buf: &'a PageBuf, write: bool, j: u64, n: u32) -> Result<bool> {
        let (Some(m), Some(bit)) = (self.conf.mirrors().get(slot), slot_bit(slot)) else {
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
            write,
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
            if let Some(rd) = self.conf.mirrors().get(*slot).and_then(Mirror::rdev) {
                rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
            }
        }
        if !self.reqs.is_empty() {
            self.conf.wq.wake();
        }
    }
}
