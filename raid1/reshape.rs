// SPDX-License-Identifier: GPL-2.0
//! A new number of mirrors (raid1_reshape): `mdadm --grow --raid-devices=N`.

use super::*;

impl Conf {
    /// raid1_reshape: the conf runs over `n` slots, its members packed into the
    /// lowest ones (empty slots last). The slot table has room for every count
    /// (`MAX_MIRRORS`), so only the count changes; members move between slots with
    /// the array frozen and nothing in flight. No data moves.
    pub(super) fn reshape_mirrors(&self, n: usize) -> Result {
        if n == 0 || n > MAX_MIRRORS {
            md_err!(
                "md/raid1:{}: {} mirrors: at most {} are supported\n",
                self.name(),
                n,
                MAX_MIRRORS
            );
            return Err(EINVAL);
        }
        let old = self.raid_disks.load(Ordering::Acquire);
        if n < old && self.mirrors().iter().filter(|m| m.occupied()).count() > n {
            return Err(EBUSY);
        }
        self.freeze(0);
        // A request waiting for the array thread names its mirrors by slot; packing
        // would change what those name. Such a request waits for a superblock
        // update, which needs the lock our caller holds: try again later.
        if self.nr_queued.load(Ordering::SeqCst) != 0 {
            self.unfreeze();
            return Err(EBUSY);
        }
        let mut to = 0;
        for from in 0..old {
            let (Some(src), Some(dst)) = (self.slots.get(from), self.slots.get(to)) else {
                break;
            };
            if !src.occupied() {
                continue;
            }
            if from != to {
                // Nothing is in flight (frozen, no request queued) and the caller
                // excludes every other user of the slots (no sync runs, member
                // changes hold the same lock), so the reference simply moves.
                let p = src.rdev.swap(null_mut(), Ordering::AcqRel);
                dst.next_seq_sect.store(0, Ordering::Relaxed);
                dst.seq_start.store(u64::MAX, Ordering::Relaxed);
                dst.head_position.store(0, Ordering::Relaxed);
                dst.rdev.store(p, Ordering::Release);
                if let Some(r) = dst.rdev() {
                    r.set_raid_disk(to as i32);
                }
            }
            to += 1;
        }
        self.raid_disks.store(n, Ordering::Release);
        self.unfreeze();
        Ok(())
    }
}
