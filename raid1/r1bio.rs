// SPDX-License-Identifier: GPL-2.0
//! raid1's r1bio: one request of the array (its bio and the clones sent for it),
//! its pool, and every raw-pointer operation on a request.
//!
//! A request lives in pool memory shared by its submitter, the completions of its
//! clones (any CPU, interrupt context) and the array thread. Code outside this file
//! reaches it only through the handles below, and the handles only ever make shared
//! references to it: every field is either fixed when the request is allocated or
//! atomic, so no `&mut` to a request exists once it is built (the array bio and
//! length change only in [`R1Ref::split_front`], through the raw pointer, while the
//! request is owned alone).
//!
//! - [`R1Ref`]: the request owned alone (just allocated, taken off a list, or handed
//!   back by its last hold). It is sent, listed or completed by value.
//! - [`Submitter`]: the submitter's hold while clones go out. Every clone holds the
//!   request too; whoever drops the last hold gets the [`R1Ref`] back.
//! - [`R1List`]: a lock-free stack of owned requests (pushed from interrupts),
//!   emptied at once into an [`R1Chain`].

use core::ffi::{c_int, c_void};
use core::ptr::{null_mut, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use super::{slot_bit, Conf, Mirror};
use crate::rdev::Rdev;
use crate::sys::bio::{self, Bio};

/// One request of the array (raid1's `struct r1bio`).
struct R1Bio {
    /// The conf it belongs to (outlives every request: `Conf`'s invariant).
    conf: *const Conf,
    /// The array's bio, ended with the request.
    master: *mut bindings::bio,
    sector: u64,
    sectors: u32,
    write: bool,
    /// Errors of its clones are not member errors (discard, read-ahead, NOWAIT):
    /// a failed write clone counts as done, a failed read is not retried.
    errors_ignored: bool,
    /// Holds: clones outstanding plus the submitter's.
    remaining: AtomicU32,
    /// Mirrors whose clone failed.
    failed: AtomicU32,
    /// Mirrors a write was sent to.
    sent: AtomicU32,
    /// The mirror a read went to.
    read_disk: AtomicUsize,
    /// The read was sent fail-fast (raid1's R1BIO_FailFast): read_balance looked at
    /// a second mirror that could serve it.
    fail_fast: AtomicU8,
    /// Mirrors a retried read must not use.
    blocked: AtomicU32,
    /// Status to complete a failed write with once the superblocks record the failure.
    status: AtomicU8,
    /// A write counted in the array's bitmap (ended there at completion).
    bitmapped: AtomicU8,
    /// Mirrors sent a write-behind copy (raid1's R1BIO_BehindIO): the array's bio
    /// may end once only those are left.
    behind_mask: AtomicU32,
    /// Of those, the copies still in flight (raid1's behind_remaining).
    behind_remaining: AtomicU32,
    /// The array's bio was ended early (raid1's R1BIO_Returned).
    returned: AtomicU8,
    /// Mirrors whose write succeeded over a range with bad blocks there (raid1's
    /// IO_MADE_GOOD / R1BIO_MadeGood): the array thread clears them.
    made_good: AtomicU32,
    /// Some mirror was left out for a bad range it has there (raid1's degraded
    /// write): the bitmap keeps the chunks dirty.
    skipped: AtomicU8,
    /// Link in an [`R1List`] or [`R1Chain`].
    next: AtomicPtr<R1Bio>,
}

// kmalloc (the pool's allocator) aligns to at least 8 bytes.
const _: () = assert!(core::mem::align_of::<R1Bio>() <= 8);

/// The pool requests come from (md's r1bio_pool): created at module load, destroyed
/// at unload after every array is gone.
static POOL: AtomicPtr<bindings::mempool_t> = AtomicPtr::new(null_mut());

/// `GFP_NOIO` (gfp_types.h: `GFP_KERNEL` without `__GFP_IO` and `__GFP_FS`), which
/// 6.12's bindings do not export.
const GFP_NOIO: bindings::gfp_t =
    bindings::GFP_KERNEL & !((1 << bindings::___GFP_IO_BIT) | (1 << bindings::___GFP_FS_BIT));

/// Creates the request pool (as `mempool_create_kmalloc_pool`).
pub(super) fn pool_init() -> Result {
    // SAFETY: `mempool_kmalloc`/`mempool_kfree` take the element size as their pool
    // data, as mempool_create_kmalloc_pool passes it; no other precondition.
    let pool = unsafe {
        bindings::mempool_create_node_noprof(
            bindings::BIO_POOL_SIZE as c_int,
            Some(bindings::mempool_kmalloc),
            Some(bindings::mempool_kfree),
            core::mem::size_of::<R1Bio>() as *mut c_void,
            bindings::GFP_KERNEL,
            bindings::NUMA_NO_NODE,
        )
    };
    if pool.is_null() {
        return Err(ENOMEM);
    }
    POOL.store(pool, Ordering::Release);
    Ok(())
}

/// Destroys the request pool; no array may be left.
pub(super) fn pool_exit() {
    let pool = POOL.swap(null_mut(), Ordering::AcqRel);
    if !pool.is_null() {
        // SAFETY: Created by `pool_init`; with no array left no request is out.
        unsafe { bindings::mempool_destroy(pool) };
    }
}

/// A request owned alone: no clone of it is in flight and it is on no list.
///
/// # Invariants
///
/// `ptr` is an initialised request from [`POOL`] that nobody else reaches until this
/// handle is given up (sent, listed or completed).
pub(super) struct R1Ref {
    ptr: NonNull<R1Bio>,
}

impl R1Ref {
    /// A request for `bio` of `conf` (from the pool, waiting for memory as md does).
    /// Gives the bio back if no request can be had (no pool: not reached while
    /// arrays exist).
    pub(super) fn new(conf: &Conf, bio: Bio, write: bool) -> Result<R1Ref, Bio> {
        let pool = POOL.load(Ordering::Acquire);
        if pool.is_null() {
            return Err(bio);
        }
        // SAFETY: The pool exists until unload, after the last array. GFP_NOIO sleeps
        // until memory is there; submitters and the array thread may sleep.
        let p = unsafe { bindings::mempool_alloc_noprof(pool, GFP_NOIO) }.cast::<R1Bio>();
        let Some(ptr) = NonNull::new(p) else {
            return Err(bio);
        };
        let init = R1Bio {
            conf,
            sector: bio.sector(),
            sectors: bio.sectors(),
            errors_ignored: bio.errors_ignored(),
            master: bio.into_raw(),
            write,
            remaining: AtomicU32::new(0),
            failed: AtomicU32::new(0),
            sent: AtomicU32::new(0),
            read_disk: AtomicUsize::new(0),
            fail_fast: AtomicU8::new(0),
            blocked: AtomicU32::new(0),
            status: AtomicU8::new(0),
            bitmapped: AtomicU8::new(0),
            behind_mask: AtomicU32::new(0),
            behind_remaining: AtomicU32::new(0),
            returned: AtomicU8::new(0),
            made_good: AtomicU32::new(0),
            skipped: AtomicU8::new(0),
            next: AtomicPtr::new(null_mut()),
        };
        // SAFETY: The pool's blocks are `size_of::<R1Bio>()` bytes with kmalloc
        // alignment (enough, see the assertion above), and this one is ours.
        unsafe { ptr.as_ptr().write(init) };
        // INVARIANT: Initialised just now, reachable only through this handle.
        Ok(R1Ref { ptr })
    }

    fn get(&self) -> &R1Bio {
        // SAFETY: Live and initialised (type invariant); only shared references to a
        // request are ever made.
        unsafe { self.ptr.as_ref() }
    }

    /// First array sector.
    pub(super) fn sector(&self) -> u64 {
        self.get().sector
    }

    /// Length in sectors.
    pub(super) fn sectors(&self) -> u32 {
        self.get().sectors
    }

    /// The sector after the request.
    pub(super) fn end(&self) -> u64 {
        self.sector().saturating_add(u64::from(self.sectors()))
    }

    /// A write (else a read).
    pub(super) fn is_write(&self) -> bool {
        self.get().write
    }

    /// Its clones' errors are not member errors.
    pub(super) fn errors_ignored(&self) -> bool {
        self.get().errors_ignored
    }

    /// The mirrors whose clone failed.
    pub(super) fn failed(&self) -> u32 {
        self.get().failed.load(Ordering::Acquire)
    }

    /// The mirrors a write went to.
    pub(super) fn sent(&self) -> u32 {
        self.get().sent.load(Ordering::Acquire)
    }

    /// Records the mirrors a write goes to.
    pub(super) fn set_sent(&self, mask: u32) {
        self.get().sent.store(mask, Ordering::Release);
    }

    /// The mirror the read went to.
    pub(super) fn read_disk(&self) -> usize {
        self.get().read_disk.load(Ordering::Acquire)
    }

    /// Records the mirror the read goes to.
    pub(super) fn set_read_disk(&self, slot: usize) {
        self.get().read_disk.store(slot, Ordering::Release);
    }

    /// Whether the read was sent fail-fast (R1BIO_FailFast).
    pub(super) fn fail_fast(&self) -> bool {
        self.get().fail_fast.load(Ordering::Acquire) != 0
    }

    /// Records whether the read goes fail-fast.
    pub(super) fn set_fail_fast(&self, on: bool) {
        self.get().fail_fast.store(u8::from(on), Ordering::Release);
    }

    /// The mirrors a retried read must not use.
    pub(super) fn blocked(&self) -> u32 {
        self.get().blocked.load(Ordering::Acquire)
    }

    /// Keeps retries of this read away from `slot`.
    pub(super) fn block(&self, slot: usize) {
        if let Some(bit) = slot_bit(slot) {
            self.get().blocked.fetch_or(bit, Ordering::AcqRel);
        }
    }

    /// The status a failed write completes with.
    pub(super) fn status(&self) -> u8 {
        self.get().status.load(Ordering::Acquire)
    }

    /// Sets the status a failed write completes with.
    pub(super) fn set_status(&self, status: u8) {
        self.get().status.store(status, Ordering::Release);
    }

    /// Whether the write was counted in the bitmap.
    pub(super) fn bitmapped(&self) -> bool {
        self.get().bitmapped.load(Ordering::Acquire) != 0
    }

    /// Records that the write was counted in the bitmap.
    pub(super) fn set_bitmapped(&self) {
        self.get().bitmapped.store(1, Ordering::Release);
    }

    /// The mirrors sent a write-behind copy.
    pub(super) fn behind_mask(&self) -> u32 {
        self.get().behind_mask.load(Ordering::Acquire)
    }

    /// The mirrors whose write succeeded over their recorded bad blocks.
    pub(super) fn made_good(&self) -> u32 {
        self.get().made_good.load(Ordering::Acquire)
    }

    /// Whether a mirror was left out for its bad blocks.
    pub(super) fn skipped(&self) -> bool {
        self.get().skipped.load(Ordering::Acquire) != 0
    }

    /// Records that a mirror was left out for its bad blocks.
    pub(super) fn set_skipped(&self) {
        self.get().skipped.store(1, Ordering::Release);
    }

    /// narrow_write_error's piece: writes `sectors` of the request's data, `skip`
    /// sectors into it, to `rd` and waits. `Err(EIO)` when the array's bio was
    /// ended already (write-behind), so its data is gone.
    pub(super) fn write_piece(&self, rd: &Rdev, skip: u32, sectors: u32) -> Result {
        let r = self.get();
        if r.returned.load(Ordering::Acquire) != 0 {
            return Err(EIO);
        }
        // SAFETY: The master is not ended while we own the request alone and it was
        // not returned early (checked above; only clone completions, all done, could
        // do that); the member is open while it is in its slot, which the caller
        // (the array thread) holds it in: removal freezes the array, which waits for
        // queued requests like this one.
        unsafe {
            bio::clone_write_sync(
                r.master,
                rd.file().as_ptr(),
                rd.data_offset(),
                skip,
                sectors,
            )
        }
    }

    /// Whether the array's bio was ended early (write-behind).
    pub(super) fn returned(&self) -> bool {
        self.get().returned.load(Ordering::Acquire) != 0
    }

    /// raid1_read_request's split: the request keeps the first `sectors` (its array
    /// bio becomes that front part, chained to the rest) and the rest of the array's
    /// bio is returned, to be handled as a request of its own. `None` (nothing
    /// changed) when it cannot be split.
    pub(super) fn split_front(&mut self, sectors: u32) -> Option<Bio> {
        if sectors == 0 || sectors >= self.sectors() {
            return None;
        }
        let master = self.get().master;
        // SAFETY: `master` came from `Bio::into_raw` and is not ended while the request
        // lives.
        let front = unsafe { bio::split_raw(master, sectors) };
        if front.is_null() {
            return None;
        }
        let r = self.ptr.as_ptr();
        // SAFETY: The request is ours alone (type invariant: no clone in flight, on no
        // list) and no reference to it is alive here (`get`'s borrow ended above), so
        // these plain writes race with nobody.
        unsafe {
            (*r).master = front;
            (*r).sectors = sectors;
        }
        // SAFETY: The rest is still a bio submitted to the array and not ended; the
        // request no longer reaches it, so it is handed over whole.
        Some(unsafe { Bio::from_raw(master) })
    }

    /// Starts sending clones: the caller's hold is the only one, no clone has failed.
    pub(super) fn start(self) -> Submitter {
        let r = self.get();
        r.failed.store(0, Ordering::Relaxed);
        r.remaining.store(1, Ordering::Release);
        // INVARIANT: `remaining` counts this hold.
        Submitter { ptr: self.ptr }
    }

    /// Frees the request and completes the array's bio with `status` (0: success).
    pub(super) fn complete(self, status: u8) {
        let master = self.get().master;
        // Ended early (write-behind): only the request is left to free.
        let returned = self.get().returned.load(Ordering::Acquire) != 0;
        // SAFETY: Ours alone (type invariant) and not used again; the pool outlives
        // every request.
        unsafe { bindings::mempool_free(self.ptr.as_ptr().cast(), POOL.load(Ordering::Acquire)) };
        if !returned {
            // SAFETY: `master` came from `Bio::into_raw` in `new`, and only the request's
            // completion, which happens once, ends it (unless `end_early` did).
            unsafe { bio::end_raw(master, status) };
        }
    }
}

/// The submitter's hold on a request whose clones are going out.
///
/// # Invariants
///
/// `ptr` is a live request and this handle owns one count of its `remaining`.
pub(super) struct Submitter {
    ptr: NonNull<R1Bio>,
}

impl Submitter {
    fn get(&self) -> &R1Bio {
        // SAFETY: Live while this hold lasts (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// Sends a clone of the request to mirror `slot`, `m` (`failfast`: md's
    /// MD_FAILFAST on it). False (nothing sent) when the slot is empty.
    pub(super) fn clone_to(&self, slot: usize, m: &Mirror, failfast: bool) -> bool {
        let (Some(rd), Ok(idx)) = (m.rdev(), i32::try_from(slot)) else {
            return false;
        };
        let r = self.get();
        r.remaining.fetch_add(1, Ordering::AcqRel);
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        // SAFETY: The master bio is not ended while a hold remains (ours does); the member
        // stays open while a clone counts in its `nr_pending` (removal freezes the array
        // and waits for it), and the request lives until this clone's hold is dropped in
        // `clone_end`.
        unsafe {
            bio::clone_raw(
                r.master,
                rd.file().as_ptr(),
                rd.data_offset(),
                self.ptr.as_ptr().cast(),
                idx,
                failfast,
            )
        };
        true
    }

    /// Sends mirror `slot` a write-behind copy of the request (raid1's
    /// alloc_behind_master_bio); where no copy can be made, an ordinary clone.
    /// False (nothing sent) when the slot is empty.
    pub(super) fn clone_behind_to(&self, slot: usize, m: &Mirror) -> bool {
        let (Some(rd), Ok(idx), Some(bit)) = (m.rdev(), i32::try_from(slot), slot_bit(slot)) else {
            return false;
        };
        let r = self.get();
        r.remaining.fetch_add(1, Ordering::AcqRel);
        rd.nr_pending.fetch_add(1, Ordering::AcqRel);
        r.behind_mask.fetch_or(bit, Ordering::AcqRel);
        r.behind_remaining.fetch_add(1, Ordering::AcqRel);
        // SAFETY: As in `clone_to`; the copy needs the master only during the call.
        let sent = unsafe {
            bio::clone_behind_raw(
                r.master,
                rd.file().as_ptr(),
                rd.data_offset(),
                self.ptr.as_ptr().cast(),
                idx,
            )
        };
        if sent.is_ok() {
            return true;
        }
        // No copy was sent: undo its counts (our own hold keeps `remaining` above 0)
        // and send an ordinary clone.
        r.behind_mask.fetch_and(!bit, Ordering::AcqRel);
        r.behind_remaining.fetch_sub(1, Ordering::AcqRel);
        rd.nr_pending.fetch_sub(1, Ordering::AcqRel);
        r.remaining.fetch_sub(1, Ordering::AcqRel);
        // Behind writes go to write-mostly members: never fail-fast.
        self.clone_to(slot, m, false)
    }

    /// The mirrors sent a write-behind copy so far.
    pub(super) fn behind_mask(&self) -> u32 {
        self.get().behind_mask.load(Ordering::Acquire)
    }

    /// Counts mirror `slot` as failed (its clone could not be sent).
    pub(super) fn fail(&self, slot: usize) {
        if let Some(bit) = slot_bit(slot) {
            self.get().failed.fetch_or(bit, Ordering::AcqRel);
        }
    }

    /// Drops the submitter's hold; the request if it was the last one.
    pub(super) fn release(self) -> Option<R1Ref> {
        // SAFETY: Live, and this handle owns a count of `remaining` (type invariant),
        // given up here with the handle.
        unsafe { put(self.ptr) }
    }
}

/// Drops one hold on a request; the last one gets the request back.
///
/// # Safety
///
/// `ptr` must be a live request of which the caller owns one count of `remaining`;
/// the caller gives it up and must not touch the request afterwards.
unsafe fn put(ptr: NonNull<R1Bio>) -> Option<R1Ref> {
    // SAFETY: Live while our hold lasts (the caller's promise). Once another holder may
    // free it, only this atomic operation touches it, as in `Arc::drop`.
    let last = unsafe { ptr.as_ref() }
        .remaining
        .fetch_sub(1, Ordering::AcqRel)
        == 1;
    // INVARIANT: The last hold: no clone is left and nobody else reaches the request.
    last.then_some(R1Ref { ptr })
}

/// The end of a clone (called by helpers.c, through ffi.rs, from the bio's completion).
///
/// # Safety
///
/// `r1` must be the request the clone was sent for by [`Submitter::clone_to`], with the
/// clone's hold not yet dropped; it is dropped here.
pub(crate) unsafe fn clone_end(r1: *mut c_void, idx: i32, status: u8) {
    let Some(ptr) = NonNull::new(r1.cast::<R1Bio>()) else {
        return;
    };
    // SAFETY: Live while this clone's hold lasts (the caller's promise).
    let r = unsafe { ptr.as_ref() };
    // SAFETY: The conf outlives every request (`Conf`'s invariant).
    let conf = unsafe { &*r.conf };
    let mirror = usize::try_from(idx)
        .ok()
        .and_then(|i| conf.mirrors().get(i));
    if let Some(m) = mirror {
        // update_head_pos: the member's head is where this request ended.
        m.head_position.store(
            r.sector.saturating_add(u64::from(r.sectors)),
            Ordering::Relaxed,
        );
    }
    if let Some(rd) = mirror.and_then(Mirror::rdev) {
        // The last clone of a member: `uninstall` may wait for it (the member stays in
        // its slot until then), and this request need not end here (other clones, or
        // queued for the array thread).
        // raid1_end_write_request: a write that reached a member over its bad
        // blocks lets the array thread clear them (R1BIO_MadeGood).
        if r.write && status == 0 && r.sectors != 0 {
            if let Some(bit) = usize::try_from(idx).ok().and_then(slot_bit) {
                if rd.bad_range(r.sector, u64::from(r.sectors)).is_some() {
                    r.made_good.fetch_or(bit, Ordering::AcqRel);
                }
            }
        }
        if rd.nr_pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            conf.wq.wake();
        }
    }
    // A failed discard (or read-ahead/NOWAIT write) leaves its member alone and
    // counts as done (raid1_end_write_request's ignore_error).
    if status != 0 && !(r.write && r.errors_ignored) {
        if let Some(bit) = usize::try_from(idx).ok().and_then(slot_bit) {
            r.failed.fetch_or(bit, Ordering::AcqRel);
        }
    }
    // raid1_end_write_request in behind mode: once only write-behind copies are
    // left and every other mirror has the data, the array's bio ends.
    let bit = usize::try_from(idx).ok().and_then(slot_bit).unwrap_or(0);
    let behind = r.behind_mask.load(Ordering::Acquire);
    if r.write && behind != 0 {
        if behind & bit != 0 {
            r.behind_remaining.fetch_sub(1, Ordering::AcqRel);
        }
        let left = r.remaining.load(Ordering::Acquire).saturating_sub(1);
        if r.behind_remaining.load(Ordering::Acquire) >= left
            && r.failed.load(Ordering::Acquire) & !behind == 0
            && r.returned.swap(1, Ordering::AcqRel) == 0
        {
            // SAFETY: The master was not ended yet (`returned` was 0, and only this
            // swap or `complete` ends it); from now on nothing touches it.
            unsafe { bio::end_raw(r.master, 0) };
        }
    }
    // SAFETY: The clone's hold, given up here; `r` is not used again.
    if let Some(r1) = unsafe { put(ptr) } {
        conf.request_done(r1);
    }
}

/// A lock-free stack of owned requests (pushed from interrupts, emptied at once).
pub(super) struct R1List(AtomicPtr<R1Bio>);

impl R1List {
    /// An empty list.
    pub(super) fn new() -> R1List {
        R1List(AtomicPtr::new(null_mut()))
    }

    /// Puts `r1` on the list; the list owns it until taken.
    pub(super) fn push(&self, r1: R1Ref) {
        // Ours alone (R1Ref's invariant) until the exchange below publishes it.
        let p = r1.ptr;
        let r = r1.get();
        let mut head = self.0.load(Ordering::Acquire);
        loop {
            r.next.store(head, Ordering::Relaxed);
            match self
                .0
                .compare_exchange(head, p.as_ptr(), Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    /// Takes every entry, oldest first.
    pub(super) fn take(&self) -> R1Chain {
        let mut p = self.0.swap(null_mut(), Ordering::AcqRel);
        let mut out: *mut R1Bio = null_mut();
        while let Some(nn) = NonNull::new(p) {
            // SAFETY: Entries are live requests owned by the list, now by us.
            let r = unsafe { nn.as_ref() };
            let next = r.next.load(Ordering::Acquire);
            r.next.store(out, Ordering::Relaxed);
            out = p;
            p = next;
        }
        // INVARIANT: The entries taken, linked oldest first, ours alone.
        R1Chain(out)
    }
}

/// Requests taken off an [`R1List`], oldest first; each must be handled (the
/// iterator hands them out one by one as [`R1Ref`]s).
///
/// # Invariants
///
/// The chain from the head through `next` consists of live requests owned by it.
pub(super) struct R1Chain(*mut R1Bio);

impl Iterator for R1Chain {
    type Item = R1Ref;

    fn next(&mut self) -> Option<R1Ref> {
        let ptr = NonNull::new(self.0)?;
        // SAFETY: Live and owned by the chain (type invariant); its link is read before
        // the request is handed out.
        self.0 = unsafe { ptr.as_ref() }.next.load(Ordering::Acquire);
        // INVARIANT: Unlinked from the chain, so ours alone.
        Some(R1Ref { ptr })
    }
}
