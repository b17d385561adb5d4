// SPDX-License-Identifier: GPL-2.0

//! md's write-intent bitmap on disk: the `bitmap_super_t` superblock and the bit array
//! after it, as md-bitmap.c reads, checks and writes them.
//!
//! Pure `core` code shared by the kernel module and the host test crate. It decodes and
//! encodes the 256-byte superblock, makes `md_bitmap_read_sb`'s checks in its order,
//! locates a chunk's bit in the storage (`file_page_index` / `file_page_offset`), sizes
//! the storage (`md_bitmap_storage_alloc`) and each page write (`__write_sb_page`, with
//! its refusal to run into data or metadata), and gives the places and room md allows
//! for an internal bitmap with each metadata version (`super_90_validate`,
//! `super_1_validate`, `update_array_info`) and /proc/mdstat's bitmap line
//! (`md_bitmap_status`).
//!
//! Byte order: version 4 (and 5) bitmaps are little endian, bits included (`test_bit_le`);
//! version 3 is host endian, which on the little-endian hosts this runs on is the same.

// The same file is `pub mod bitmap_format` of the host test crate, whose tests need the
// items public, and a private module of the kernel crate, where `pub` reads as
// `pub(crate)`.
#![allow(unreachable_pub)]

use core::fmt;

/// `BITMAP_MAGIC`: "bitm" read as a little-endian word.
pub const MAGIC: u32 = 0x6d74_6962;
/// Bytes of `bitmap_super_t`; the bits start right after it.
pub const SB_BYTES: usize = 256;
/// `BITMAP_MAJOR_LO`: the oldest version md accepts (host-endian bits).
pub const VERSION_LO: u32 = 3;
/// `BITMAP_MAJOR_HI`: the version md and mdadm write (little-endian bits).
pub const VERSION_HI: u32 = 4;
/// `BITMAP_MAJOR_CLUSTERED`: clustered md (`nodes` and `cluster_name` meaningful).
pub const VERSION_CLUSTERED: u32 = 5;
/// `BITMAP_MAJOR_HOSTENDIAN`: version 3's bits are in host order.
pub const VERSION_HOSTENDIAN: u32 = 3;

/// In-memory counter: the pending-write count part (`COUNTER_MAX`).
pub const COUNTER_MAX: u16 = 0x3fff;
/// In-memory counter flag: the chunk needs a resync (`NEEDED_MASK`).
pub const NEEDED: u16 = 0x8000;
/// In-memory counter flag: a resync of the chunk is active (`RESYNC_MASK`).
pub const RESYNC: u16 = 0x4000;

/// `state` bit `BITMAP_STALE`: the bitmap is out of date; loading it means a full resync.
pub const STATE_STALE: u32 = 1 << 1;
/// `state` bit `BITMAP_WRITE_ERROR`: a bitmap write failed (md never writes it, and
/// refuses to create a bitmap whose superblock has it).
pub const STATE_WRITE_ERROR: u32 = 1 << 2;
/// In-memory flag bit `BITMAP_HOSTENDIAN` (version 3), never meaningful on disk.
pub const STATE_HOSTENDIAN: u32 = 1 << 15;

/// Bytes of a storage page and of an in-memory counter page (`PAGE_SIZE`).
pub const PAGE_BYTES: u64 = 4096;
/// Counters (u16) per in-memory counter page: what mdstat's "pages" count.
pub const COUNTERS_PER_PAGE: u64 = 2048;
/// md's daemon period when the superblock gives none (`md_bitmap_new_disk_sb`).
pub const DEFAULT_DAEMON_SLEEP_S: u32 = 5;
/// The chunk md uses for a bitmap with no storage at all (`md_bitmap_read_sb` without
/// file or offset): 128 MiB.
pub const NO_STORAGE_CHUNK: u32 = 128 * 1024 * 1024;
/// The CONFIG_HZ of the Debian 6.12 kernel; [`validate`] uses it for md's
/// `daemon_sleep * HZ` range check ([`validate_with_hz`] takes another).
pub const DEBIAN_HZ: u32 = 250;

/// 0.90: the bitmap starts 4 KiB after the superblock (`MD_SB_BYTES >> 9`).
pub const V090_OFFSET_SECTORS: i64 = 8;
/// 0.90: the room md allows the bitmap, the rest of the 64 KiB reserved area.
pub const V090_SPACE_SECTORS: u64 = 64 * 2 - 8;
/// 1.x: where md puts a bitmap it is asked to add (SET_ARRAY_INFO with bit 8): 1 KiB
/// after the superblock (`default_offset`).
pub const V1_DEFAULT_OFFSET_SECTORS: i64 = 2;
/// 1.x: the room md allows at that default place, up to 4 KiB (`default_space`).
pub const V1_DEFAULT_SPACE_SECTORS: u64 = 6;

/// The bitmap superblock (`bitmap_super_t`), fields in CPU order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitmapSuper {
    /// Format version: 3, 4 or 5.
    pub version: u32,
    /// The array's UUID, as the md superblock has it.
    pub uuid: [u8; 16],
    /// md's event count when the bitmap was last written.
    pub events: u64,
    /// The event count when bits were last cleared (only moves while not degraded).
    pub events_cleared: u64,
    /// Sectors the bitmap covers (md writes its `resync_max_sectors`).
    pub sync_size: u64,
    /// `STATE_*` bits.
    pub state: u32,
    /// Bytes per bit.
    pub chunksize: u32,
    /// Seconds between the daemon's sweeps.
    pub daemon_sleep: u32,
    /// Most outstanding write-behind writes (0: none).
    pub write_behind: u32,
    /// 512-byte sectors reserved for the bitmap (md writes its `bitmap_info.space`).
    pub sectors_reserved: u32,
    /// Cluster nodes (version 5 only).
    pub nodes: u32,
    /// Cluster name (version 5 only), NUL padded.
    pub cluster_name: [u8; 64],
}

/// Why md refuses a bitmap (or a bitmap write).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitmapError {
    /// The buffer is shorter than the superblock (or the storage).
    Short,
    /// `magic` is not `bitm`.
    BadMagic(u32),
    /// `version` outside 3..=5.
    BadVersion(u32),
    /// `chunksize` below 512.
    ChunkTooSmall(u32),
    /// `chunksize` not a power of two.
    ChunkNotPow2(u32),
    /// `daemon_sleep * HZ` is 0 (as md computes it, in 32 bits).
    DaemonSleep(u32),
    /// `write_behind` above [`COUNTER_MAX`].
    WriteBehind(u32),
    /// A clustered bitmap (version 5 with nodes): md-cluster is not there, so md fails
    /// the setup with -ENOENT.
    Clustered(u32),
    /// The UUID differs from the array's.
    UuidMismatch,
    /// The superblock's state has `BITMAP_WRITE_ERROR`: md's bitmap create fails with
    /// -EIO.
    WriteErrorState,
    /// `__write_sb_page`, bitmap before the superblock (1.0): the write would reach the
    /// superblock.
    RunsIntoMetadata,
    /// `__write_sb_page`, bitmap before the superblock: the data reaches the bitmap.
    DataRunsIntoBitmap,
    /// `__write_sb_page`, bitmap between superblock and data: the write would reach
    /// the data.
    RunsIntoData,
}

impl BitmapError {
    /// The reason md prints for a superblock refused by `md_bitmap_read_sb`'s field
    /// checks ("%s: invalid bitmap file superblock: %s"), if this is one.
    pub fn sb_reason(&self) -> Option<&'static str> {
        Some(match self {
            Self::BadMagic(_) => "bad magic",
            Self::BadVersion(_) => "unrecognized superblock version",
            Self::ChunkTooSmall(_) => "bitmap chunksize too small",
            Self::ChunkNotPow2(_) => "bitmap chunksize not a power of 2",
            Self::DaemonSleep(_) => "daemon sleep period out of range",
            Self::WriteBehind(_) => "write-behind limit out of range (0 - 16383)",
            _ => return None,
        })
    }

    /// The errno md returns for it (negative).
    pub fn errno(&self) -> i32 {
        match self {
            Self::Clustered(_) => -2,
            Self::WriteErrorState => -5,
            _ => -22,
        }
    }
}

/// md's text, without the "mdX: " prefix md puts before most of them.
impl fmt::Display for BitmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = self.sb_reason() {
            return write!(f, "invalid bitmap file superblock: {r}");
        }
        match self {
            Self::Short => f.write_str("bitmap superblock too short"),
            Self::Clustered(_) => f.write_str("Could not setup cluster service (-2)"),
            Self::UuidMismatch => f.write_str("bitmap superblock UUID mismatch"),
            Self::WriteErrorState => f.write_str("failed to create bitmap (-5)"),
            Self::RunsIntoMetadata => f.write_str("bitmap runs in to metadata"),
            Self::DataRunsIntoBitmap => f.write_str("data runs in to bitmap"),
            Self::RunsIntoData => f.write_str("bitmap runs in to data"),
            _ => Ok(()),
        }
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(s) = b.get_mut(at..at + v.len()) {
        s.copy_from_slice(v);
    }
}

impl BitmapSuper {
    /// Decodes the first [`SB_BYTES`] of `buf`; checks the magic only ([`validate`]
    /// makes md's other checks).
    pub fn decode(buf: &[u8]) -> Result<BitmapSuper, BitmapError> {
        let b = buf.get(..SB_BYTES).ok_or(BitmapError::Short)?;
        let magic = le32(b, 0);
        if magic != MAGIC {
            return Err(BitmapError::BadMagic(magic));
        }
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(&b[8..24]);
        let mut cluster_name = [0u8; 64];
        cluster_name.copy_from_slice(&b[72..136]);
        Ok(BitmapSuper {
            version: le32(b, 4),
            uuid,
            events: le64(b, 24),
            events_cleared: le64(b, 32),
            sync_size: le64(b, 40),
            state: le32(b, 48),
            chunksize: le32(b, 52),
            daemon_sleep: le32(b, 56),
            write_behind: le32(b, 60),
            sectors_reserved: le32(b, 64),
            nodes: le32(b, 68),
            cluster_name,
        })
    }

    /// Writes the superblock into the first [`SB_BYTES`] of `out`: magic, fields, zero
    /// padding.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), BitmapError> {
        let b = out.get_mut(..SB_BYTES).ok_or(BitmapError::Short)?;
        b.fill(0);
        self.update(b)
    }

    /// Writes magic and fields over the superblock at the start of `out`, leaving the
    /// padding as it is: md keeps the superblock page it read and changes fields in
    /// it (`bitmap_update_sb`), so bytes it does not know survive.
    pub fn update(&self, out: &mut [u8]) -> Result<(), BitmapError> {
        let b = out.get_mut(..SB_BYTES).ok_or(BitmapError::Short)?;
        put(b, 0, &MAGIC.to_le_bytes());
        put(b, 4, &self.version.to_le_bytes());
        put(b, 8, &self.uuid);
        put(b, 24, &self.events.to_le_bytes());
        put(b, 32, &self.events_cleared.to_le_bytes());
        put(b, 40, &self.sync_size.to_le_bytes());
        put(b, 48, &self.state.to_le_bytes());
        put(b, 52, &self.chunksize.to_le_bytes());
        put(b, 56, &self.daemon_sleep.to_le_bytes());
        put(b, 60, &self.write_behind.to_le_bytes());
        put(b, 64, &self.sectors_reserved.to_le_bytes());
        put(b, 68, &self.nodes.to_le_bytes());
        put(b, 72, &self.cluster_name);
        Ok(())
    }

    /// A fresh superblock as md makes one itself (`md_bitmap_new_disk_sb`, used by
    /// dm-raid's first start; mdadm writes its own for `--create` and `--grow`),
    /// with the fields `bitmap_update_sb` sets when it is first written: version 4,
    /// `daemon_sleep` 0 replaced by 5 s, `write_behind` capped at `COUNTER_MAX / 2`,
    /// `events` and `events_cleared` the array's, state [`STATE_STALE`] (every bit is
    /// to be set: a full resync; `bitmap_load` clears the flag before the first write).
    pub fn new(
        uuid: [u8; 16],
        events: u64,
        sync_size: u64,
        chunksize: u32,
        daemon_sleep: u32,
        write_behind: u32,
        sectors_reserved: u32,
    ) -> BitmapSuper {
        BitmapSuper {
            version: VERSION_HI,
            uuid,
            events,
            events_cleared: events,
            sync_size,
            state: STATE_STALE,
            chunksize,
            daemon_sleep: if daemon_sleep == 0 {
                DEFAULT_DAEMON_SLEEP_S
            } else {
                daemon_sleep
            },
            write_behind: write_behind.min(u32::from(COUNTER_MAX / 2)),
            sectors_reserved,
            nodes: 0,
            cluster_name: [0; 64],
        }
    }
}

/// What the array expects of a bitmap it loads (`md_bitmap_read_sb`'s inputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The array's UUID (`mddev->uuid`).
    pub uuid: [u8; 16],
    /// The array's event count (`mddev->events`).
    pub events: u64,
    /// The array's per-member sync size in sectors (`resync_max_sectors`): the bitmap
    /// covers this, whatever its own `sync_size` says.
    pub sync_sectors: u64,
}

/// A superblock md accepts, with what the load decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// log2 of the chunk in sectors.
    pub chunk_shift: u32,
    /// Bits: chunks of `sync_sectors`.
    pub chunks: u64,
    /// Full resync: the superblock was STALE or out of date.
    pub stale: bool,
    /// `Some((bitmap events, array events))` when the bitmap's events are behind the
    /// array's: md warns with [`OutOfDate`] and treats it as stale.
    pub out_of_date: Option<(u64, u64)>,
    /// What md keeps as events_cleared: the array's events when stale, else the
    /// superblock's.
    pub events_cleared: u64,
    /// Daemon period in seconds.
    pub daemon_sleep_s: u32,
    /// Daemon period in jiffies as md computes it (`daemon_sleep * HZ` in 32 bits).
    pub daemon_sleep_jiffies: u32,
    /// Outstanding write-behind limit.
    pub write_behind: u32,
    /// Version 3 (or the HOSTENDIAN bit in `state`, which md ORs into its flags):
    /// host-endian bits, the same as little endian here.
    pub host_endian: bool,
}

/// md's warning for a bitmap behind the array: "bitmap file is out of date (X < Y) --
/// forcing full recovery" (md prefixes "mdX: ").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfDate {
    /// The bitmap superblock's events.
    pub bitmap: u64,
    /// The array's events.
    pub array: u64,
}

impl fmt::Display for OutOfDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bitmap file is out of date ({} < {}) -- forcing full recovery",
            self.bitmap, self.array
        )
    }
}

/// md's second warning when a stale bitmap is loaded (`md_bitmap_init_from_disk`),
/// after the prefix "mdX: ".
pub const FULL_RECOVERY_MSG: &str = "bitmap file is out of date, doing full recovery";

/// `md_bitmap_read_sb`'s checks in its order (the magic is [`BitmapSuper::decode`]'s;
/// then version, chunksize, daemon sleep, write-behind, UUID, events, cluster) for a
/// persistent array, plus the `BITMAP_WRITE_ERROR` refusal of `__bitmap_create`, with
/// the Debian kernel's HZ. md prints a refusal as "mdX: {error}" (the field checks,
/// the UUID) and then md_run's "mdX: failed to create bitmap ({errno})"; the sync
/// size in the superblock is not checked (md replaces it by the array's).
pub fn validate(sb: &BitmapSuper, e: &Expect) -> Result<Loaded, BitmapError> {
    validate_with_hz(sb, e, DEBIAN_HZ)
}

/// [`validate`] with the kernel's `HZ`.
pub fn validate_with_hz(sb: &BitmapSuper, e: &Expect, hz: u32) -> Result<Loaded, BitmapError> {
    if sb.version < VERSION_LO || sb.version > VERSION_CLUSTERED {
        return Err(BitmapError::BadVersion(sb.version));
    }
    if sb.chunksize < 512 {
        return Err(BitmapError::ChunkTooSmall(sb.chunksize));
    }
    if !sb.chunksize.is_power_of_two() {
        return Err(BitmapError::ChunkNotPow2(sb.chunksize));
    }
    // md multiplies the le32 by HZ in 32 bits before widening.
    let jiffies = sb.daemon_sleep.wrapping_mul(hz);
    if jiffies == 0 {
        return Err(BitmapError::DaemonSleep(sb.daemon_sleep));
    }
    if sb.write_behind > u32::from(COUNTER_MAX) {
        return Err(BitmapError::WriteBehind(sb.write_behind));
    }
    let nodes = if sb.version == VERSION_CLUSTERED {
        sb.nodes
    } else {
        0
    };
    if sb.uuid != e.uuid {
        return Err(BitmapError::UuidMismatch);
    }
    let out_of_date = (nodes == 0 && sb.events < e.events).then_some((sb.events, e.events));
    // A clustered bitmap that passed the checks goes to md-cluster's setup, which fails.
    if nodes != 0 {
        return Err(BitmapError::Clustered(nodes));
    }
    if sb.state & STATE_WRITE_ERROR != 0 {
        return Err(BitmapError::WriteErrorState);
    }
    let stale = out_of_date.is_some() || sb.state & STATE_STALE != 0;
    let chunk_shift = sb.chunksize.trailing_zeros() - 9;
    Ok(Loaded {
        chunk_shift,
        chunks: chunks(e.sync_sectors, chunk_shift),
        stale,
        out_of_date,
        events_cleared: if stale { e.events } else { sb.events_cleared },
        daemon_sleep_s: sb.daemon_sleep,
        daemon_sleep_jiffies: jiffies,
        write_behind: sb.write_behind,
        host_endian: sb.version == VERSION_HOSTENDIAN || sb.state & STATE_HOSTENDIAN != 0,
    })
}

/// The bitmap room md keeps after a load (`md_bitmap_read_sb`): the metadata's
/// (`space_v1` / [`V090_SPACE_SECTORS`]) unless that is 0 or more than the
/// superblock's `sectors_reserved`.
pub fn loaded_space(metadata_space: u64, sectors_reserved: u32) -> u64 {
    let r = u64::from(sectors_reserved);
    if metadata_space == 0 || metadata_space > r {
        r
    } else {
        metadata_space
    }
}

/// Chunks of `chunk_shift`-sector size covering `sync_sectors` (rounded up).
pub fn chunks(sync_sectors: u64, chunk_shift: u32) -> u64 {
    if chunk_shift >= 64 {
        return u64::from(sync_sectors != 0);
    }
    let mask = (1u64 << chunk_shift) - 1;
    (sync_sectors >> chunk_shift) + u64::from(sync_sectors & mask != 0)
}

/// Bytes md keeps on disk for an internal bitmap of `chunks` bits: the superblock
/// and one bit per chunk (`md_bitmap_storage_alloc`'s `bytes`).
pub fn storage_bytes(chunks: u64) -> u64 {
    SB_BYTES as u64 + chunks.div_ceil(8)
}

/// 4 KiB pages of [`storage_bytes`] (`file_pages`).
pub fn storage_pages(chunks: u64) -> u64 {
    storage_bytes(chunks).div_ceil(PAGE_BYTES)
}

/// Where chunk `c`'s bit lives: (byte offset from the bitmap's start, bit in that
/// byte), bit 0 the lowest (`file_page_index` / `file_page_offset` with
/// `test_bit_le`).
pub fn bit_pos(c: u64) -> (u64, u8) {
    (SB_BYTES as u64 + c / 8, (c % 8) as u8)
}

/// The storage page (4 KiB, page 0 holding the superblock) with chunk `c`'s bit
/// (`file_page_index`): the page to write after changing the bit.
pub fn page_index(c: u64) -> u64 {
    bit_pos(c).0 / PAGE_BYTES
}

/// What md does to a stale bitmap's storage before loading it
/// (`md_bitmap_init_from_disk`): every byte after the superblock set, bits past the
/// last chunk included.
pub fn fill_stale(storage: &mut [u8]) {
    if let Some(bits) = storage.get_mut(SB_BYTES..) {
        bits.fill(0xff);
    }
}

/// The byte of `storage` (which starts with the superblock) holding chunk `c`'s bit.
fn byte_of(c: u64) -> Option<(usize, u8)> {
    let (byte, bit) = bit_pos(c);
    Some((usize::try_from(byte).ok()?, 1u8 << bit))
}

/// Whether chunk `c`'s bit is set (false beyond `storage`).
pub fn test_bit(storage: &[u8], c: u64) -> bool {
    byte_of(c)
        .and_then(|(i, m)| storage.get(i).map(|b| b & m != 0))
        .unwrap_or(false)
}

/// Sets chunk `c`'s bit; false if it lies beyond `storage`.
pub fn set_bit(storage: &mut [u8], c: u64) -> bool {
    match byte_of(c).and_then(|(i, m)| storage.get_mut(i).map(|b| (b, m))) {
        Some((b, m)) => {
            *b |= m;
            true
        }
        None => false,
    }
}

/// Clears chunk `c`'s bit; false if it lies beyond `storage`.
pub fn clear_bit(storage: &mut [u8], c: u64) -> bool {
    match byte_of(c).and_then(|(i, m)| storage.get_mut(i).map(|b| (b, m))) {
        Some((b, m)) => {
            *b &= !m;
            true
        }
        None => false,
    }
}

/// Set bits among the first `chunks` (what `mdadm -X` calls "dirty"); bits beyond
/// `storage` are not counted.
pub fn count_dirty(storage: &[u8], chunks: u64) -> u64 {
    let bits = storage.get(SB_BYTES..).unwrap_or(&[]);
    let full = usize::try_from(chunks / 8).unwrap_or(usize::MAX);
    let whole = bits.get(..full).unwrap_or(bits);
    let mut n: u64 = whole.iter().map(|b| u64::from(b.count_ones())).sum();
    let rest = (chunks % 8) as u32;
    if rest != 0 {
        if let Some(b) = bits.get(full) {
            n += u64::from((b & ((1u8 << rest) - 1)).count_ones());
        }
    }
    n
}

/// The bits `mdadm -X` counts: `sync_size` over the superblock's chunk (0 when either
/// is 0), rounded up.
pub fn mdadm_total_bits(sb: &BitmapSuper) -> u64 {
    let chunk_sectors = u64::from(sb.chunksize >> 9);
    if sb.sync_size == 0 || chunk_sectors == 0 {
        return 0;
    }
    sb.sync_size.div_ceil(chunk_sectors)
}

/// Bytes md writes for storage page `index` (`__write_sb_page`): a whole page, but the
/// last one trimmed to what it holds, rounded up to the logical block size `lbs`.
pub fn page_write_len(index: u64, storage_bytes: u64, lbs: u32) -> u32 {
    let pages = storage_bytes.div_ceil(PAGE_BYTES);
    if pages == 0 || index.checked_add(1) != Some(pages) {
        return PAGE_BYTES as u32;
    }
    let mut last = (storage_bytes % PAGE_BYTES) as u32;
    if last == 0 {
        last = PAGE_BYTES as u32;
    }
    let lbs = lbs.max(1);
    last.div_ceil(lbs).saturating_mul(lbs)
}

/// `__write_sb_page`'s refusal, for a bitmap at `bitmap_offset` sectors from the
/// member's superblock at `sb_start`, data at `data_offset` of `dev_sectors` (the
/// array's per-member size): whether writing `len` bytes at sector `start` of the
/// bitmap (`page index * 8`) stays clear of the data and, for a bitmap before the
/// superblock, of the superblock. A bitmap after a superblock that is after the data
/// (0.90, 1.0 with a positive offset) is never checked.
pub fn write_fits(
    sb_start: u64,
    data_offset: u64,
    dev_sectors: u64,
    bitmap_offset: i64,
    start: u64,
    len: u32,
) -> Result<(), BitmapError> {
    // md divides the (block-multiple) length by 512, rounding down.
    let len_sectors = u64::from(len) / 512;
    if bitmap_offset < 0 {
        // DATA BITMAP SUPERBLOCK: the write must end at or before the superblock.
        let back = bitmap_offset.unsigned_abs();
        match start.checked_add(len_sectors) {
            Some(end) if end <= back => {}
            _ => return Err(BitmapError::RunsIntoMetadata),
        }
        let bm_start = sb_start.checked_sub(back);
        let data_end = data_offset.checked_add(dev_sectors);
        match (bm_start, data_end) {
            (Some(b), Some(d)) if d <= b => Ok(()),
            _ => Err(BitmapError::DataRunsIntoBitmap),
        }
    } else if sb_start < data_offset {
        // SUPERBLOCK BITMAP DATA: the write must end at or before the data.
        let end = sb_start
            .checked_add(bitmap_offset.unsigned_abs())
            .and_then(|s| s.checked_add(start))
            .and_then(|s| s.checked_add(len_sectors));
        match end {
            Some(end) if end <= data_offset => Ok(()),
            _ => Err(BitmapError::RunsIntoData),
        }
    } else {
        Ok(())
    }
}

/// In-memory counter pages for `chunks` (mdstat's second number).
pub fn counter_pages(chunks: u64) -> u64 {
    chunks.div_ceil(COUNTERS_PER_PAGE)
}

/// /proc/mdstat's bitmap line as `md_bitmap_status` prints it, newline included:
/// "bitmap: 1/8 pages [4KB], 65536KB chunk" (chunks under 1 KiB in bytes, "B"), and
/// ", file: PATH" for a bitmap file (space, tab and newline escaped as octal, as
/// `seq_file_path(seq, file, " \t\n")` does).
pub fn status_line(
    w: &mut impl fmt::Write,
    used_pages: u64,
    total_pages: u64,
    chunksize: u32,
    file: Option<&str>,
) -> fmt::Result {
    let chunk_kb = chunksize >> 10;
    write!(
        w,
        "bitmap: {}/{} pages [{}KB], ",
        used_pages,
        total_pages,
        used_pages.wrapping_shl(2)
    )?;
    if chunk_kb != 0 {
        write!(w, "{chunk_kb}KB chunk")?;
    } else {
        write!(w, "{chunksize}B chunk")?;
    }
    if let Some(path) = file {
        w.write_str(", file: ")?;
        for c in path.chars() {
            if matches!(c, ' ' | '\t' | '\n') {
                write!(w, "\\{:03o}", c as u32)?;
            } else {
                w.write_char(c)?;
            }
        }
    }
    w.write_char('\n')
}

/// 0.90: the superblock's first sector on a member of `dev_sectors`
/// (`MD_NEW_SIZE_SECTORS`: the last 64 KiB-aligned 64 KiB).
pub fn sb_start_v090(dev_sectors: u64) -> Option<u64> {
    (dev_sectors & !127).checked_sub(128)
}

/// 0.90: the bitmap's first sector (4 KiB after the superblock), when the
/// superblock's state has `MD_SB_BITMAP_PRESENT`.
pub fn bitmap_start_v090(dev_sectors: u64) -> Option<u64> {
    sb_start_v090(dev_sectors).map(|s| s + V090_OFFSET_SECTORS as u64)
}

/// 1.x: the bitmap's first sector, `bitmap_offset` (signed, from the superblock's
/// `feature_map` bit 0 superblocks) sectors from `sb_start`.
pub fn bitmap_start_v1(sb_start: u64, bitmap_offset: i32) -> Option<u64> {
    sb_start.checked_add_signed(i64::from(bitmap_offset))
}

/// 1.x: the bitmap room `super_1_validate` records: none known for 1.1 and 1.2
/// (`minor` > 0: 0, so the bitmap superblock's `sectors_reserved` decides, see
/// [`loaded_space`]); for 1.0 up to the superblock for a bitmap before it, else up
/// to 4 KiB past the superblock's start (md's `8 - offset`, wrapping as md's unsigned
/// long does for an offset past 8).
pub fn space_v1(minor: u32, bitmap_offset: i32) -> u64 {
    let off = i64::from(bitmap_offset);
    if minor > 0 {
        0
    } else if off > 0 {
        (8 - off) as u64
    } else {
        off.unsigned_abs()
    }
}

/// The physical room at a 1.x bitmap's place (not what md records, see [`space_v1`]):
/// for a bitmap before the superblock, the gap from the data's end to the superblock;
/// for one between superblock and data, from the bitmap to the data. None when the
/// bitmap does not start in that gap.
pub fn room_v1(sb_start: u64, data_offset: u64, data_size: u64, bitmap_offset: i32) -> Option<u64> {
    let start = bitmap_start_v1(sb_start, bitmap_offset)?;
    if bitmap_offset < 0 {
        let data_end = data_offset.checked_add(data_size)?;
        if start < data_end {
            return None;
        }
        Some(sb_start - data_end)
    } else if sb_start < data_offset && start < data_offset {
        Some(data_offset - start)
    } else {
        None
    }
}
