// SPDX-License-Identifier: GPL-2.0
//! Member failure (raid1_error) and the array thread's I/O work (raid1d): failed
//! writes wait for the superblocks, failed reads are repaired and retried.

use super::*;

impl Conf {
    /// A write to the member in `slot` failed: remember it, then fail the member
    /// (there is no bad-block log to record the range in instead).
    pub(super) fn write_error(&self, slot: usize) -> bool {
        if let Some(r) = self.mirrors().get(slot).and_then(Mirror::rdev) {
            r.set(flag::WRITE_ERROR | flag::WANT_REPLACEMENT);
        }
        self.error(slot)
    }

    /// raid1_write_request's MD_FAILFAST: writes to the member in `slot` go
    /// fail-fast when it is fail-fast, not write-mostly, and not the array's last
    /// working mirror; a failed one fails the member at once (no bad blocks
    /// recorded).
    pub(super) fn write_fails_fast(&self, slot: usize) -> bool {
        self.mirrors()
            .get(slot)
            .is_some_and(|m| m.fail_fast() && !m.write_mostly())
            && self.mirrors().len().saturating_sub(self.degraded()) > 1
    }

    /// Fails the member in `slot`, unless it is the last one holding the data.
    /// Returns whether the member is now faulty.
    pub(super) fn error(&self, slot: usize) -> bool {
        let Some(rd) = self.mirrors().get(slot).and_then(Mirror::rdev) else {
            return false;
        };
        let guard = self.error_lock.lock();
        if rd.faulty() {
            return true;
        }
        let active = self.mirrors().iter().filter(|m| m.active()).count();
        if rd.in_sync() && active == 1 {
            // Never fail the last copy: the array is broken, writes fail instead.
            self.mddev().broken.store(true, Ordering::Release);
            return false;
        }
        // Blocked before Faulty: a write that sees the member failed also sees it
        // blocked until the superblocks record the failure.
        rd.set(flag::BLOCKED);
        rd.clear(flag::IN_SYNC);
        rd.set(flag::FAULTY);
        drop(guard);
        self.mddev().set_sb_pending();
        self.interrupt_sync();
        self.mddev().sb_change.store(true, Ordering::Release);
        self.report_failure(rd);
        self.wake_thread();
        true
    }

    /// raid1_error's lines for a member just failed; the array looks at it next.
    pub(super) fn report_failure(&self, rdev: &Rdev) {
        md_crit!(
            "md/raid1:{}: Disk failure on {}, disabling device.\n",
            self.name(),
            rdev.name()
        );
        md_crit!(
            "md/raid1:{}: Operation continuing on {} devices.\n",
            self.name(),
            self.mirrors().len().saturating_sub(self.degraded())
        );
        self.mddev().need_check();
    }

    // ---- the array thread (raid1d) ----

    /// One round of raid1d's I/O work: failed requests.
    pub(crate) fn handle_retries(&self) {
        for r1 in self.retry.take() {
            if r1.is_write() {
                self.write_finished(r1);
            } else {
                self.nr_queued.fetch_sub(1, Ordering::SeqCst);
                self.read_error(r1);
            }
        }
    }

    /// handle_write_finished: a write some clone of which failed, or that reached
    /// a member over its bad blocks. Those bad blocks are cleared; a failed member
    /// with a bad-block log records the pieces that still fail and stays, any
    /// other is failed. The write succeeds if an in-sync member took it, once the
    /// superblocks say so.
    pub(super) fn write_finished(&self, r1: R1Ref) {
        let failed = r1.failed();
        let made_good = r1.made_good();
        for i in 0..self.mirrors().len().min(MAX_MIRRORS) {
            if failed & (1 << i) != 0 {
                // raid1_end_write_request: a fail-fast write error fails the member
                // (md_error) rather than narrowing it to bad blocks.
                if self.write_fails_fast(i) && self.write_error(i) {
                    continue;
                }
                if !self.narrow_write_error(&r1, i) {
                    self.write_error(i);
                }
            } else if made_good & (1 << i) != 0 {
                if let Some(rd) = self.mirrors().get(i).and_then(Mirror::rdev) {
                    self.mddev()
                        .rdev_clear_badblocks(rd, r1.sector(), u64::from(r1.sectors()));
                }
            }
        }
        if failed == 0 {
            // Only bad blocks cleared: nothing to wait for.
            self.nr_queued.fetch_sub(1, Ordering::SeqCst);
            self.end_r1(r1, 0);
            return;
        }
        let sent = r1.sent();
        let ok = self
            .mirrors()
            .iter()
            .enumerate()
            .any(|(i, m)| sent & (1 << i) != 0 && failed & (1 << i) == 0 && m.active());
        r1.set_status(if ok { 0 } else { bio::BLK_STS_IOERR });
        self.mddev().sb_change.store(true, Ordering::Release);
        // Still counted in nr_queued until ended.
        self.sb_wait.push(r1);
        self.mddev().sb_work_queued();
    }

    /// narrow_write_error: the write to the member in `slot` failed. If it keeps a
    /// bad-block log, rewrite the range in pieces of its bad-block granularity
    /// (at least its logical block), synchronously, recording each piece that
    /// fails. False when the member must be failed instead (no log, or a piece
    /// could not be recorded).
    pub(super) fn narrow_write_error(&self, r1: &R1Ref, slot: usize) -> bool {
        let Some(rd) = self.mirrors().get(slot).and_then(Mirror::rdev) else {
            return false;
        };
        // raid1_end_write_request: WriteErrorSeen, even on a member failed already.
        rd.set(flag::WRITE_ERROR | flag::WANT_REPLACEMENT);
        if rd.faulty() {
            // Failed already: nothing to narrow (its failure ends as today).
            return false;
        }
        // Without the data (the array's bio ended early behind this write) there
        // is nothing to rewrite: the member fails, as without a log.
        if !rd.has_bblog() || r1.returned() {
            return false;
        }
        // As md's reference on the member until handle_write_finished: a removal
        // (which waits for the member's I/O to end) waits for the rewrites.
        let Some(rd) = self.mirrors().get(slot).and_then(Mirror::rdev_arc) else {
            return false;
        };
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        let ok = self.narrow_pieces(r1, &rd);
        if rd.nr_pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wq.wake();
        }
        ok
    }

    /// narrow_write_error's loop: each piece of `r1` written to `rd` again, the
    /// failed ones recorded; false if one could not be.
    fn narrow_pieces(&self, r1: &R1Ref, rd: &Rdev) -> bool {
        let lbs = u64::from(rd.file().logical_block_size() >> 9).max(1);
        let granule = 1u64 << rd.badblocks().shift().min(16);
        // roundup(1 << shift, logical block size in sectors).
        let block = granule.div_ceil(lbs).saturating_mul(lbs).max(1);
        let (start, end) = (r1.sector(), r1.end());
        let mut sector = start;
        // The first piece ends at a block boundary.
        let mut piece = block - sector % block;
        let mut ok = true;
        while sector < end {
            let n = piece.min(end - sector);
            let (Ok(skip), Ok(len)) = (u32::try_from(sector - start), u32::try_from(n)) else {
                return false;
            };
            if r1.write_piece(rd, skip, len).is_err() {
                ok = self.mddev().rdev_set_badblocks(rd, sector, n) && ok;
            }
            sector += n;
            piece = block;
        }
        ok
    }

    /// Completes the failed writes on `list` (their failure is on disk).
    pub(super) fn end_sb_waiters(&self, list: &R1List) {
        for r1 in list.take() {
            let status = r1.status();
            self.nr_queued.fetch_sub(1, Ordering::SeqCst);
            self.end_r1(r1, status);
        }
    }

    /// handle_read_error: repair the range from another mirror (array frozen),
    /// then read again.
    pub(super) fn read_error(&self, r1: R1Ref) {
        let disk = r1.read_disk();
        // handle_read_error: a fail-fast member is failed, not repaired, and the read
        // balanced again; but not the last copy (raid1_end_read_request returns
        // that read's error unless it went fail-fast with another mirror to try).
        let others = self
            .mirrors()
            .iter()
            .enumerate()
            .any(|(i, m)| i != disk && m.active());
        let fail_fast =
            self.mirrors().get(disk).is_some_and(Mirror::fail_fast) && (others || r1.fail_fast());
        if self.mddev().ro() == Ro::Rdwr && fail_fast {
            if self.error(disk) {
                r1.block(disk);
            }
        } else if self.mddev().ro() == Ro::Rdwr {
            self.freeze(1);
            if !self.fix_read_error(disk, r1.sector(), r1.sectors()) {
                r1.block(disk);
            }
            self.unfreeze();
        } else {
            r1.block(disk);
        }
        self.submit_read(r1, true);
    }

    /// exceed_read_errors: counts an error (halved for every hour since the last)
    /// and fails a member past the limit.
    pub(super) fn exceed_read_errors(&self, slot: usize) -> bool {
        let Some(m) = self.mirrors().get(slot).and_then(Mirror::rdev) else {
            return true;
        };
        let now = sys::time::real_seconds();
        let last = m.last_read_error_s.swap(now, Ordering::AcqRel);
        let hours = now.saturating_sub(last) / 3600;
        let cur = m.read_errors.load(Ordering::Acquire);
        let decayed = if hours >= 32 { 0 } else { cur >> hours };
        let errors = decayed.saturating_add(1);
        m.read_errors.store(errors, Ordering::Release);
        let max = self.mddev().max_read_errors();
        if errors > max {
            let dev = m.name();
            md_notice!(
                "md/raid1:{}: {}: Raid device exceeded read_error threshold [cur {}:max {}]\n",
                self.name(),
                dev,
                errors,
                max
            );
            md_notice!("md/raid1:{}: {}: Failing raid device\n", self.name(), dev);
            self.error(slot);
            return true;
        }
        false
    }

    /// fix_read_error: for each page of the range, read it from a mirror with a
    /// good copy there (no recorded bad block), write it to every mirror back to the
    /// failed one, and read it back there (r1_sync_page_io: a failure records the
    /// page as bad on that member, or fails it when it cannot). A page no mirror can
    /// read is recorded as bad on the failed mirror (or fails it) and ends the
    /// repair. Returns false when the failed mirror should not be read again.
    pub(super) fn fix_read_error(&self, read_disk: usize, sector: u64, sectors: u32) -> bool {
        if self.exceed_read_errors(read_disk) {
            return false;
        }
        let Ok(mut buf) = PageBuf::new(1) else {
            return false;
        };
        let n = self.mirrors().len();
        let (mut sect, mut left) = (sector, sectors);
        while left > 0 {
            let s = left.min(buf.sectors());
            let end = sect.saturating_add(u64::from(s));
            let mut d = read_disk;
            let mut success = false;
            loop {
                if let Some(m) = self.mirrors().get(d) {
                    if m.readable(end)
                        && m.bad(sect, u64::from(s)).is_none()
                        && self.sync_rw(m, sect, s, &mut buf, false).is_ok()
                    {
                        success = true;
                        break;
                    }
                }
                d = (d + 1) % n;
                if d == read_disk {
                    break;
                }
            }
            if !success {
                // Nowhere to read it from: this member's copy is lost there.
                let recorded = self
                    .mirrors()
                    .get(read_disk)
                    .and_then(Mirror::rdev)
                    .is_some_and(|rd| self.mddev().rdev_set_badblocks(rd, sect, u64::from(s)));
                if recorded {
                    // Reads now avoid the recorded range on it.
                    return true;
                }
                self.error(read_disk);
                return false;
            }
            let start = d;
            while d != read_disk {
                d = if d == 0 { n - 1 } else { d - 1 };
                if let Some(m) = self.mirrors().get(d) {
                    if m.working() {
                        self.r1_sync_page_io(d, sect, s, &mut buf, true);
                    }
                }
            }
            d = start;
            while d != read_disk {
                d = if d == 0 { n - 1 } else { d - 1 };
                let Some(m) = self.mirrors().get(d) else {
                    continue;
                };
                if !m.working() {
                    continue;
                }
                let Ok(mut check) = PageBuf::new(1) else {
                    continue;
                };
                if self.r1_sync_page_io(d, sect, s, &mut check, false) {
                    let Some(rd) = m.rdev() else { continue };
                    rd.add_corrected(s);
                    self.mddev().sb_change.store(true, Ordering::Release);
                    md_info!(
                        "md/raid1:{}: read error corrected ({} sectors at {} on {})\n",
                        self.name(),
                        s,
                        sect.saturating_add(rd.data_offset()),
                        rd.name()
                    );
                }
            }
            left -= s;
            sect = end;
        }
        true
    }

    /// r1_sync_page_io: synchronous I/O of `sectors` at `sector` on mirror `slot`.
    /// A failure (a write's also marks the member WriteErrorSeen) is recorded as a
    /// bad range on the member, or fails it when it cannot be recorded. Returns
    /// whether the I/O succeeded.
    pub(super) fn r1_sync_page_io(
        &self,
        slot: usize,
        sector: u64,
        sectors: u32,
        buf: &mut PageBuf,
        write: bool,
    ) -> bool {
        let Some(m) = self.mirrors().get(slot) else {
            return false;
        };
        if self.sync_rw(m, sector, sectors, buf, write).is_ok() {
            return true;
        }
        let Some(rd) = m.rdev() else { return false };
        if write {
            rd.set(flag::WRITE_ERROR | flag::WANT_REPLACEMENT);
        }
        if !self
            .mddev()
            .rdev_set_badblocks(rd, sector, u64::from(sectors))
        {
            self.error(slot);
        }
        false
    }
}
