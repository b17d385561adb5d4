// SPDX-License-Identifier: GPL-2.0
//! Block I/O entry and write accounting: md_submit_bio, md_write_start (the
//! dirty mark before the first write) and safe mode (clean again when idle).

use super::*;

impl Mddev {
    /// Block I/O entry (md_submit_bio): split at the limits, mark the array dirty
    /// before the first write, hand to the personality.
    pub(crate) fn submit_bio(self: ArcBorrow<'_, Self>, bio: sys::bio::Bio) {
        let Some(bio) = bio.split_to_limits() else {
            return;
        };
        let write = bio.kind() == sys::bio::Kind::Write && bio.sectors() > 0;
        if bio.kind() == sys::bio::Kind::Write && self.ro() == Ro::Rdonly {
            // md: data writes to a read-only array fail; an empty flush succeeds.
            if write {
                bio.io_error();
            } else {
                bio.end();
            }
            return;
        }
        if write {
            self.write_start();
        }
        let conf = {
            let io = self.io.lock();
            let conf = io.clone();
            if conf.is_some() {
                self.active_io.fetch_add(1, Ordering::AcqRel);
            }
            conf
        };
        match conf {
            Some(conf) => {
                conf.make_request(bio);
                drop(conf);
                if self.active_io.fetch_sub(1, Ordering::AcqRel) == 1 {
                    self.drained_wake();
                }
            }
            None => bio.io_error(),
        }
        if write {
            self.note_write_ms(sys::time::now_ms());
            self.writes_pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// md_write_start: a write to a clean array waits until the superblocks say
    /// dirty. The update runs on the `md` workqueue: bios submitted from here would
    /// only be issued after we return.
    pub(crate) fn write_start(self: ArcBorrow<'_, Self>) {
        // The first write switches a read-auto array to read-write (and lets a
        // pending resync start).
        if self
            .ro
            .compare_exchange(
                Ro::AutoRead as u8,
                Ro::Rdwr as u8,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            self.need_check();
        }
        self.writes_pending.fetch_add(1, Ordering::SeqCst);
        self.note_write_ms(sys::time::now_ms());
        if self.in_sync.load(Ordering::SeqCst) {
            if let Some(g) = globals() {
                let _ = g.md_wq.enqueue::<Arc<Mddev>, 1>(Arc::from(self));
            }
            self.sb_wait
                .wait(|| !self.in_sync.load(Ordering::SeqCst) || self.io.lock().is_none());
        }
        // md_write_start: no write goes out while a failure is not on disk yet.
        if self.sb_pending.load(Ordering::SeqCst) {
            self.wake_thread();
            self.sb_wait
                .wait(|| !self.sb_pending.load(Ordering::SeqCst) || self.io.lock().is_none());
        }
        self.arm_safemode();
    }

    /// md_write_end: a write request completed (the personality calls this; any
    /// context). Safe mode counts its idle time from here, rounded up to a multiple
    /// of the delay as md's timer is: writes that follow each other within the
    /// delay of their completion keep the array dirty, as on md.
    pub(crate) fn write_end(&self) {
        let now = sys::time::now_ms();
        let delay = u64::from(self.safemode_delay_ms.load(Ordering::Relaxed));
        let start = match delay {
            0 => now,
            d => now.div_ceil(d).saturating_mul(d),
        };
        self.note_write_ms(start);
    }

    /// Moves the last write time on to `ms` (never back). Every write passes here
    /// two or three times within the same millisecond: only a later time is
    /// written, so the writers of both CPUs do not fight over the line for nothing.
    fn note_write_ms(&self, ms: u64) {
        if self.last_write_ms.load(Ordering::Relaxed) < ms {
            self.last_write_ms.fetch_max(ms, Ordering::Relaxed);
        }
    }

    /// safe_mode_delay changed: a worker sleeping out the old delay looks again
    /// (md's safe_delay_store fires the timer).
    pub(crate) fn safemode_delay_changed(&self) {
        self.safemode_gen.fetch_add(1, Ordering::AcqRel);
        self.sb_wait.wake();
    }

    /// Queues the safe-mode worker unless it is already pending.
    pub(crate) fn arm_safemode(&self) {
        if self.safemode_delay_ms.load(Ordering::Relaxed) == 0 {
            return;
        }
        // Queued already (the common case under writes): no write to the line.
        if self.safemode_queued.load(Ordering::SeqCst)
            || self.safemode_queued.swap(true, Ordering::SeqCst)
        {
            return;
        }
        let Some(g) = globals() else { return };
        let Some(me) = g.all.lock().find(self.minor).cloned() else {
            self.safemode_queued.store(false, Ordering::SeqCst);
            return;
        };
        if g.md_safemode_wq.enqueue::<Arc<Mddev>, 2>(me).is_err() {
            self.safemode_queued.store(false, Ordering::SeqCst);
        }
    }
}

impl kernel::workqueue::WorkItem<1> for Mddev {
    type Pointer = Arc<Mddev>;

    /// The superblock update md_write_start waits for: clean -> dirty.
    fn run(this: Arc<Mddev>) {
        // Writes wait for us: reclaim from here must not write to the array.
        let _noio = sys::util::NoIo::enter();
        let mut st = this.state.lock();
        if st.pers.is_some() && this.in_sync.load(Ordering::SeqCst) {
            update_sb(&this, &mut st, false, false);
            this.in_sync.store(false, Ordering::SeqCst);
        }
        drop(st);
        this.sb_wait.wake();
    }
}

impl kernel::workqueue::WorkItem<2> for Mddev {
    type Pointer = Arc<Mddev>;

    /// Safe mode: once no write has come for `safemode_delay_ms`, mark clean.
    fn run(this: Arc<Mddev>) {
        let noio = sys::util::NoIo::enter();
        loop {
            let delay = u64::from(this.safemode_delay_ms.load(Ordering::Relaxed));
            if delay == 0 {
                // safe_mode_delay 0: never marked clean while running.
                break;
            }
            if this.io.lock().is_none() {
                break;
            }
            let idle_for =
                sys::time::now_ms().saturating_sub(this.last_write_ms.load(Ordering::Relaxed));
            if idle_for < delay || this.writes_pending.load(Ordering::SeqCst) != 0 {
                // md's safemode timer: sleep out the idle time still needed (a write
                // meanwhile moves it on); a stop or a new safe_mode_delay wakes us.
                // (A write still in flight: look again after a whole delay.)
                let left = match delay.saturating_sub(idle_for) {
                    0 => delay,
                    left => left,
                }
                .min(u64::from(u32::MAX));
                let gen = this.safemode_gen.load(Ordering::Acquire);
                this.sb_wait.wait_idle_timeout(left as u32, || {
                    this.io.lock().is_none() || this.safemode_gen.load(Ordering::Acquire) != gen
                });
                continue;
            }
            let mut st = this.state.lock();
            let conf = this.io.lock().clone();
            let Some(conf) = conf else { break };
            if this.in_sync.load(Ordering::SeqCst) {
                break;
            }
            // Publish clean first, then look for writes that raced with us (they
            // either see `in_sync` and go dirty again, or we see them and retry).
            this.in_sync.store(true, Ordering::SeqCst);
            if this.writes_pending.load(Ordering::SeqCst) != 0 || !conf.idle() {
                this.in_sync.store(false, Ordering::SeqCst);
                // Requests still in flight (a flush, a bitmap page, a failed write
                // waiting for the superblocks, which the array thread writes once it
                // gets the lock): let go of the lock and look again a little later,
                // never spinning on it.
                drop(conf);
                drop(st);
                this.sb_wait
                    .wait_idle_timeout(20, || this.io.lock().is_none());
                continue;
            }
            // Clean with a sync still to do records where it got to (resync_offset).
            drop(conf);
            update_sb(&this, &mut st, true, false);
            break;
        }
        drop(noio);
        this.safemode_queued.store(false, Ordering::SeqCst);
        // A write that found the worker still queued may need a new one.
        if !this.in_sync.load(Ordering::SeqCst) && this.io.lock().is_some() {
            this.arm_safemode();
        }
    }
}
