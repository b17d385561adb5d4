// SPDX-License-Identifier: GPL-2.0
//! The barrier (raid1's wait_barrier, raise_barrier, freeze_array): normal I/O
//! passes a bucket that the sync raises one region at a time.

use super::*;

/// A bucket's counters: requests in it, requests waiting for it, its barrier.
type BucketCounters<'a> = (usize, &'a AtomicI32, &'a AtomicI32, &'a AtomicI32);

impl Conf {
    /// The bucket of `sector` and its counters.
    fn bucket_of(&self, sector: u64) -> Option<BucketCounters<'_>> {
        let idx = bucket(sector);
        Some((
            idx,
            self.nr_pending.get(idx)?,
            self.nr_waiting.get(idx)?,
            self.barrier.get(idx)?,
        ))
    }

    pub(super) fn wait_barrier(&self, sector: u64) -> usize {
        let Some((idx, p, w, b)) = self.bucket_of(sector) else {
            return 0;
        };
        loop {
            p.fetch_add(1, Ordering::SeqCst);
            self.total_pending.fetch_add(1, Ordering::SeqCst);
            if b.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0 {
                return idx;
            }
            // Back off so the barrier can be raised, wait, and try again.
            w.fetch_add(1, Ordering::SeqCst);
            p.fetch_sub(1, Ordering::SeqCst);
            self.total_pending.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
            self.wq
                .wait(|| b.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0);
            w.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
        }
    }

    /// Counts one more request in `sector`'s bucket without waiting: the caller
    /// holds one there already (the rest of a split read, as md's raid1_read_request
    /// for a request that existed), so no barrier can be up in between.
    pub(super) fn hold_barrier(&self, sector: u64) {
        if let Some((_, p, _, _)) = self.bucket_of(sector) {
            p.fetch_add(1, Ordering::SeqCst);
            self.total_pending.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(super) fn allow_barrier(&self, idx: usize) {
        if let Some(p) = self.nr_pending.get(idx) {
            p.fetch_sub(1, Ordering::SeqCst);
        }
        if self.total_pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            // The last request: a stop draining the array waits for this.
            self.mddev().drained_wake();
        }
        self.wq.wake();
    }

    /// Whether the running sync is asked to stop (MD_RECOVERY_INTR or kthread_stop).
    pub(super) fn sync_interrupted(&self) -> bool {
        self.mddev().sync.intr.load(Ordering::Acquire) || sys::thread::thread_should_stop()
    }

    /// Stops normal I/O in `sector`'s bucket and waits for what is in flight there.
    /// False when the sync was interrupted meanwhile (no barrier is left raised):
    /// the I/O it waits for may itself wait for whoever is stopping the sync.
    pub(super) fn raise_barrier(&self, sector: u64) -> bool {
        let Some((_, p, w, b)) = self.bucket_of(sector) else {
            return false;
        };
        // Let waiting normal I/O in first, as raid1 does.
        self.wq.wait(|| {
            (w.load(Ordering::SeqCst) == 0 && self.frozen.load(Ordering::SeqCst) == 0)
                || self.sync_interrupted()
        });
        if self.sync_interrupted() {
            return false;
        }
        b.fetch_add(1, Ordering::SeqCst);
        self.wq
            .wait(|| p.load(Ordering::SeqCst) == 0 || self.sync_interrupted());
        if p.load(Ordering::SeqCst) != 0 {
            b.fetch_sub(1, Ordering::SeqCst);
            self.wq.wake();
            return false;
        }
        true
    }

    /// md's set_bit(MD_RECOVERY_INTR): the running sync stops.
    pub(super) fn interrupt_sync(&self) {
        self.mddev().sync.intr.store(true, Ordering::Release);
        self.wq.wake();
    }

    pub(super) fn lower_barrier(&self, sector: u64) {
        if let Some(b) = self.barrier.get(bucket(sector)) {
            b.fetch_sub(1, Ordering::SeqCst);
        }
        self.wq.wake();
    }

    /// Stops all new I/O and waits until the only requests left are queued for
    /// the array thread, plus `extra` held by the caller.
    pub(crate) fn freeze(&self, extra: i32) {
        self.frozen.fetch_add(1, Ordering::SeqCst);
        self.wq.wait(|| {
            self.total_pending.load(Ordering::SeqCst)
                == self.nr_queued.load(Ordering::SeqCst) + extra
        });
    }

    /// Ends a `freeze`.
    pub(crate) fn unfreeze(&self) {
        self.frozen.fetch_sub(1, Ordering::SeqCst);
        self.wq.wake();
    }
}
