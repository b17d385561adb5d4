// SPDX-License-Identifier: GPL-2.0
//! Requests (raid1's make_request, read and write paths, request completion).

use super::*;

/// The largest write that goes behind (raid1: BIO_MAX_VECS pages).
const BEHIND_MAX_SECTORS: u64 = 256 * 8;

/// Only plain data writes go behind (not discards or write-zeroes).
fn bio_is_data_write(r1: &R1Ref) -> bool {
    r1.is_write() && !r1.errors_ignored()
}

impl Conf {
    /// raid1's make_request.
    pub(crate) fn make_request(&self, bio: Bio) {
        let bio = match bio.kind() {
            Kind::Other => return bio.not_supported(),
            _ => {
                // No request crosses a barrier unit.
                let room = resync::unit_room(bio.sector());
                match bio.split_front(room) {
                    Some(b) => b,
                    None => return,
                }
            }
        };
        self.normal_io
            .fetch_add(u64::from(bio.sectors()), Ordering::Relaxed);
        match bio.kind() {
            Kind::Read => self.read(bio),
            _ => self.write(bio),
        }
    }

    /// A request for `bio`; `None` (the bio failed and its barrier dropped) if none
    /// can be had.
    pub(super) fn alloc_r1(&self, bio: Bio, write: bool) -> Option<R1Ref> {
        match R1Ref::new(self, bio, write) {
            Ok(r1) => Some(r1),
            Err(bio) => {
                let sector = bio.sector();
                bio.io_error();
                self.allow_barrier(bucket(sector));
                None
            }
        }
    }

    pub(super) fn read(&self, bio: Bio) {
        self.wait_barrier(bio.sector());
        if let Some(r1) = self.alloc_r1(bio, false) {
            self.submit_read(r1, false);
        }
    }

    /// Sends a read to the mirror read_balance picks, or fails it. Where the chosen
    /// mirror has a recorded bad range inside the read, it serves only up to it and
    /// the rest is read as a request of its own (raid1_read_request's split); where
    /// no in-sync mirror has a good copy, the read fails.
    pub(super) fn submit_read(&self, r1: R1Ref, retry: bool) {
        let mut r1 = r1;
        let mut retry = retry;
        loop {
            let Some((i, sectors)) = self.read_balance(&r1) else {
                if retry {
                    let dev = self.mirrors().get(r1.read_disk()).map_or("?", Mirror::name);
                    md_crit!(
                        "md/raid1:{}: {}: unrecoverable I/O read error for block {}\n",
                        self.name(),
                        dev,
                        r1.sector()
                    );
                }
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            };
            let Some(m) = self.mirrors().get(i) else {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            };
            if retry {
                md_info!(
                    "md/raid1:{}: redirecting sector {} to other mirror: {}\n",
                    self.name(),
                    r1.sector(),
                    m.name()
                );
            }
            // raid1_read_request: a read from a write-mostly member waits for the writes
            // still going behind to it.
            if m.rdev().is_some_and(|r| r.test(flag::WRITE_MOSTLY)) {
                if let Some(bm) = self.mddev().bitmap() {
                    bm.wait_behind();
                }
            }
            // Shortened around a bad range: this request keeps the front, the rest
            // (same barrier unit, so it is counted there without waiting) is chosen
            // for next. A split that cannot be had fails the read.
            let mut rest = None;
            if sectors < r1.sectors() {
                match r1.split_front(sectors) {
                    Some(b) => rest = Some(b),
                    None => {
                        self.end_r1(r1, bio::BLK_STS_IOERR);
                        return;
                    }
                }
            }
            // The rest is counted in the barrier while the front still holds it (the
            // front may complete as soon as it is sent).
            if let Some(b) = rest.as_ref() {
                self.hold_barrier(b.sector());
            }
            m.note_read(r1.sector(), r1.end());
            r1.set_read_disk(i);
            // raid1_read_request's MD_FAILFAST.
            let failfast = r1.fail_fast() && m.fail_fast();
            let s = r1.start();
            if !s.clone_to(i, m, failfast) {
                // Removed meanwhile (only possible while frozen, so not here): a failed read.
                s.fail(i);
            }
            if let Some(r1) = s.release() {
                self.request_done(r1);
            }
            let Some(rest) = rest else { return };
            let Some(next) = self.alloc_r1(rest, false) else {
                return;
            };
            r1 = next;
            // The rest is a fresh read (md resubmits it), not a retry.
            retry = false;
        }
    }

    /// read_balance: the mirror for `r1` and how many of its sectors it serves;
    /// `None` when no mirror can serve its start.
    pub(super) fn read_balance(&self, r1: &R1Ref) -> Option<(usize, u32)> {
        // Most arrays have a few mirrors: their views fit a small array.
        if self.mirrors().len() <= 4 {
            self.read_balance_in::<4>(r1)
        } else {
            self.read_balance_in::<MAX_MIRRORS>(r1)
        }
    }

    /// read_balance over the first (at most) `N` mirrors.
    fn read_balance_in<const N: usize>(&self, r1: &R1Ref) -> Option<(usize, u32)> {
        let (sector, sectors, end) = (r1.sector(), r1.sectors(), r1.end());
        let blocked = r1.blocked();
        let mut views = [MirrorView {
            in_sync: false,
            pending: 0,
            next_seq_sect: 0,
            write_mostly: false,
            bad: None,
            head_position: 0,
            nonrot: false,
            choose_next: false,
        }; N];
        for (i, (v, m)) in views.iter_mut().zip(self.mirrors().iter()).enumerate() {
            let Some(rd) = m.rdev() else { continue };
            let in_sync = rd.readable(end) && blocked & (1 << i) == 0;
            *v = MirrorView {
                in_sync,
                pending: rd.nr_pending.load(Ordering::Relaxed).max(0) as u32,
                next_seq_sect: m.next_seq_sect.load(Ordering::Relaxed),
                write_mostly: rd.test(flag::WRITE_MOSTLY),
                bad: if in_sync {
                    m.bad(sector, u64::from(sectors))
                } else {
                    None
                },
                head_position: m.head_position.load(Ordering::Relaxed),
                nonrot: rd.nonrot(),
                choose_next: m.stream_outgrown(rd),
            };
        }
        let n = self.mirrors().len().min(views.len());
        // Where resync has not been, only the first readable mirror with a good copy
        // has the data everyone will get (raid1_should_read_first), write-mostly or
        // not (choose_first_rdev).
        let read_first = self.mddev().resync_offset() < end;
        let views = views.get(..n).unwrap_or(&[]);
        let c = balance::choose(views, sector, sectors, read_first)?;
        // R1BIO_FailFast matters only to a fail-fast member (looked at only then).
        let ff = self.mirrors().get(c.disk).is_some_and(Mirror::fail_fast)
            && balance::fail_fast_read(views, sector, sectors, read_first);
        r1.set_fail_fast(ff);
        self.mirrors()
            .get(c.disk)
            .filter(|m| m.occupied())
            .map(|_| (c.disk, c.sectors.max(1).min(sectors.max(1))))
    }

    /// Writes go to every working member, in sync or still recovering (whose
    /// recovered region must stay current), as raid1 does.
    pub(super) fn write(&self, bio: Bio) {
        let (sector, mut sectors) = (bio.sector(), u64::from(bio.sectors()));
        // md_clone_bio's md_bitmap_start: the chunks are marked on every member
        // before the request exists (no barrier is held while that is written).
        let mut counted = self.mddev().bitmap_start_write(sector, sectors);
        // md_submit_bio: the last member failed, so writes cannot be kept (MD_BROKEN).
        if self.mddev().broken.load(Ordering::Acquire) {
            if counted {
                self.mddev().bitmap_end_write(sector, sectors, true);
            }
            return bio.io_error();
        }
        let (skip, max) = loop {
            let idx = self.wait_barrier(bio.sector());
            // raid1_write_request (wait_blocked_rdev): wait for a blocked member, one
            // failed until the superblocks record its failure (Blocked is set before
            // Faulty, so a member seen faulty and not blocked is already on disk), or
            // one blocked through dev-NAME/state until it is unblocked.
            let blocked = self
                .mirrors()
                .iter()
                .find(|m| m.rdev().is_some_and(|r| r.test(flag::BLOCKED)))
                .and_then(Mirror::rdev_arc);
            if let Some(rd) = blocked {
                self.allow_barrier(idx);
                self.wake_thread();
                self.mddev()
                    .sb_wait
                    .wait(|| !rd.test(flag::BLOCKED) || self.slot_of(&rd).is_none());
                continue;
            }
            match self.bad_block_plan(sector, sectors) {
                Ok(plan) => break plan,
                Err(rd) => {
                    // md_wait_for_blocked_rdev (BlockedBadBlocks): not written there
                    // until the bad blocks are acknowledged (on disk), which the
                    // superblock update does; md looks again every 5 s.
                    self.allow_barrier(idx);
                    self.wake_thread();
                    self.mddev().sb_wait.wait_idle_timeout(5000, || {
                        rd.bad_range(sector, sectors).map_or(true, |b| b.acked)
                            || rd.faulty()
                            || self.slot_of(&rd).is_none()
                    });
                }
            }
        };
        // A bitmap added while we waited at the barrier (the array was quiesced for
        // it): this write is counted in it too, as md's suspend would have held it
        // before md_clone_bio.
        if !counted {
            counted = self.mddev().bitmap_start_write(sector, sectors);
        }
        // raid1_write_request's max_sectors: up to the first bad range of a member
        // that gets the write, or to the end of one it skips; the rest of the bio
        // comes back as a new write.
        let mut bio = bio;
        if let (true, Ok(front)) = (max < sectors, u32::try_from(max)) {
            if counted {
                // The rest is counted again when it comes back.
                self.mddev()
                    .bitmap_end_write(sector + max, sectors - max, false);
            }
            bio = match bio.split_front(front) {
                Some(b) => b,
                None => {
                    self.allow_barrier(bucket(sector));
                    if counted {
                        self.mddev().bitmap_end_write(sector, max, true);
                    }
                    return;
                }
            };
            sectors = max;
        }
        let Some(r1) = self.alloc_r1(bio, true) else {
            if counted {
                self.mddev().bitmap_end_write(sector, sectors, true);
            }
            return;
        };
        if counted {
            r1.set_bitmapped();
        }
        let mut sent = 0u32;
        let mut any_active = false;
        for (i, m) in self.mirrors().iter().enumerate() {
            if m.working() && skip & (1 << i) == 0 {
                sent |= 1 << i;
                any_active |= m.active();
            }
        }
        if skip != 0 {
            r1.set_skipped();
        }
        if !any_active {
            self.end_r1(r1, bio::BLK_STS_IOERR);
            return;
        }
        r1.set_sent(sent);
        // raid1_write_request with write-behind: the write-mostly mirrors get a copy
        // of the data and the bio ends once the others have it, while fewer than
        // the bitmap's write_behind such writes are in flight (never all mirrors).
        let mostly = self.write_mostly_mask() & sent;
        let bm = self.mddev().bitmap();
        let fast_active = self
            .mirrors()
            .iter()
            .enumerate()
            .any(|(i, m)| mostly & (1 << i) == 0 && m.active());
        let behind = mostly != 0
            && fast_active
            && sectors <= BEHIND_MAX_SECTORS
            && bio_is_data_write(&r1)
            && bm.as_ref().is_some_and(|b| b.try_start_behind());
        let s = r1.start();
        for (i, m) in self.mirrors().iter().enumerate() {
            if behind && mostly & (1 << i) != 0 {
                if !s.clone_behind_to(i, m) {
                    s.fail(i);
                }
                continue;
            }
            if sent & (1 << i) != 0 && !s.clone_to(i, m, self.write_fails_fast(i)) {
                // Removed meanwhile (only possible while frozen, so not here); count
                // it as failed so the request still completes.
                s.fail(i);
            }
        }
        // Counted as behind but no copy could be made: not behind after all.
        if behind && s.behind_mask() == 0 {
            if let Some(b) = bm.as_ref() {
                b.end_behind();
            }
        }
        if let Some(r1) = s.release() {
            self.request_done(r1);
        }
    }

    /// raid1_write_request's bad-block look at the members a write to
    /// `sector`..+`sectors` goes to: those that saw a write error and have an
    /// acknowledged bad range at its start are skipped (the mask), and the write
    /// is cut short (the length) where a bad range starts or a skipped one ends.
    /// `Err` with the member whose bad range there is not yet acknowledged: the
    /// write must wait for it.
    pub(super) fn bad_block_plan(
        &self,
        sector: u64,
        sectors: u64,
    ) -> Result<(u32, u64), Arc<Rdev>> {
        let mut max = sectors;
        let mut skip = 0u32;
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
            let Some(rd) = m.rdev().filter(|r| !r.faulty()) else {
                continue;
            };
            if !rd.test(flag::WRITE_ERROR) || max == 0 {
                continue;
            }
            let Some(b) = rd.bad_range(sector, max) else {
                continue;
            };
            if !b.acked {
                match m.rdev_arc() {
                    Some(a) => return Err(a),
                    None => continue,
                }
            }
            if b.first <= sector {
                // Nothing to write there: skip it, and the others only as far as
                // its bad range goes.
                let left = b.first.saturating_add(b.sectors).saturating_sub(sector);
                max = max.min(left.max(1));
                skip |= 1 << i;
            } else {
                max = max.min(b.first - sector);
            }
        }
        Ok((skip, max.max(1).min(sectors.max(1))))
    }

    /// The write-mostly mirrors.
    pub(super) fn write_mostly_mask(&self) -> u32 {
        let mut mask = 0u32;
        for (i, m) in self.mirrors().iter().enumerate().take(MAX_MIRRORS) {
            if m.rdev().is_some_and(|r| r.test(flag::WRITE_MOSTLY)) {
                mask |= 1 << i;
            }
        }
        mask
    }

    /// Completes the array's bio with `status` and frees the request.
    pub(super) fn end_r1(&self, r1: R1Ref, status: u8) {
        let sector = r1.sector();
        if r1.is_write() && r1.behind_mask() != 0 {
            if let Some(bm) = self.mddev().bitmap() {
                bm.end_behind();
            }
        }
        if r1.is_write() && r1.bitmapped() {
            // md_bitmap_end: a write that missed a mirror keeps its chunks dirty.
            let degraded = status != 0 || r1.failed() != 0 || r1.skipped() || self.degraded() != 0;
            self.mddev()
                .bitmap_end_write(sector, u64::from(r1.sectors()), degraded);
        }
        let write = r1.is_write();
        r1.complete(status);
        if write {
            // close_write's md_write_end.
            self.mddev().write_end();
        }
        self.allow_barrier(bucket(sector));
    }

    /// A request whose last hold was dropped: completes it or queues it for the
    /// array thread.
    pub(super) fn request_done(&self, r1: R1Ref) {
        // A write over bad blocks that it made good goes to the array thread to
        // clear them (raid1's R1BIO_MadeGood).
        if r1.failed() == 0 && r1.made_good() == 0 {
            self.end_r1(r1, 0);
            return;
        }
        if !r1.is_write() {
            // raid1_end_read_request: a read-ahead or NOWAIT read, or the only copy
            // left, returns its error as is; otherwise the read is retried elsewhere
            // by the array thread.
            if r1.errors_ignored() {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            }
            let active = self.mirrors().iter().filter(|m| m.active()).count();
            let Some(m) = self.mirrors().get(r1.read_disk()) else {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            };
            if active == 0 || (active == 1 && m.active()) {
                self.end_r1(r1, bio::BLK_STS_IOERR);
                return;
            }
            static RESCHEDULE: crate::sys::log::Ratelimit = crate::sys::log::Ratelimit::new();
            if RESCHEDULE.allow() {
                md_err!(
                    "md/raid1:{}: {}: rescheduling sector {}\n",
                    self.name(),
                    m.name(),
                    r1.sector()
                );
            }
        }
        self.nr_queued.fetch_add(1, Ordering::SeqCst);
        self.retry.push(r1);
        // A freeze waits for every pending request to be queued (reschedule_retry
        // wakes wait_barrier too).
        self.wq.wake();
        self.wake_thread();
    }
}
