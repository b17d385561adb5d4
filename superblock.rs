// SPDX-License-Identifier: GPL-2.0

//! md superblock codec: v1.x (`mdp_superblock_1`) and v0.90 (`mdp_super_t`).
//!
//! Pure `core` code shared by the kernel module and the host test crate: it decodes a
//! superblock from the bytes read off a member, refuses everything md's `super_1_load` /
//! `super_90_load` refuse (and a few things that would overflow later), encodes it back
//! byte for byte, and models the updates md makes on every superblock write
//! (`md_update_sb`, `super_1_sync`) plus the assembly freshness rule (`analyze_sbs`).

// The same file is `pub mod superblock` of the host test crate, whose tests need the
// items public, and a private module of the kernel crate, where `pub` reads as
// `pub(crate)`.
#![allow(unreachable_pub)]

use core::fmt;

/// Magic number of both superblock formats (`MD_SB_MAGIC`).
pub const MD_SB_MAGIC: u32 = 0xa92b_4efc;

/// `MaxSector`: a resync/recovery offset meaning "done".
pub const MAX_SECTOR: u64 = u64::MAX;

/// Bytes of the fixed part of a v1.x superblock, before `dev_roles`.
pub const SB1_HEADER_BYTES: usize = 256;
/// Bytes md reads and writes at most for a v1.x superblock.
pub const SB1_MAX_BYTES: usize = 4096;
/// Largest `max_dev` md accepts: `(4096 - 256) / 2`.
pub const SB1_MAX_DEV: usize = (SB1_MAX_BYTES - SB1_HEADER_BYTES) / 2;

/// `feature_map` bit: `bitmap_offset` is meaningful.
pub const FEATURE_BITMAP_OFFSET: u32 = 1;
/// `feature_map` bit: `recovery_offset` is present and must be honoured.
pub const FEATURE_RECOVERY_OFFSET: u32 = 2;
/// `feature_map` bit: a reshape is in progress.
pub const FEATURE_RESHAPE_ACTIVE: u32 = 4;
/// `feature_map` bit: the bad block list is not empty.
pub const FEATURE_BAD_BLOCKS: u32 = 8;
/// `feature_map` bit: this device replaces an active device with the same role.
pub const FEATURE_REPLACEMENT: u32 = 16;
/// `feature_map` bit: the reshape goes backwards.
pub const FEATURE_RESHAPE_BACKWARDS: u32 = 32;
/// `feature_map` bit: `new_offset` must be honoured.
pub const FEATURE_NEW_OFFSET: u32 = 64;
/// `feature_map` bit: recovery is guided by the bitmap.
pub const FEATURE_RECOVERY_BITMAP: u32 = 128;
/// `feature_map` bit: clustered md.
pub const FEATURE_CLUSTERED: u32 = 256;
/// `feature_map` bit: the array has a write journal.
pub const FEATURE_JOURNAL: u32 = 512;
/// `feature_map` bit: partial parity log.
pub const FEATURE_PPL: u32 = 1024;
/// `feature_map` bit: multiple partial parity logs.
pub const FEATURE_MULTIPLE_PPLS: u32 = 2048;
/// `feature_map` bit: `layout` is meaningful for raid0.
pub const FEATURE_RAID0_LAYOUT: u32 = 4096;
/// Every feature bit md 6.12 knows (`MD_FEATURE_ALL`); any other bit refuses the device.
pub const FEATURE_ALL: u32 = 0x1fff;

/// `dev_roles` value of a spare.
pub const ROLE_SPARE: u16 = 0xffff;
/// `dev_roles` value of a faulty device.
pub const ROLE_FAULTY: u16 = 0xfffe;
/// `dev_roles` value of a journal device.
pub const ROLE_JOURNAL: u16 = 0xfffd;
/// Roles below this are slots in the array (`MD_DISK_ROLE_MAX`).
pub const ROLE_MAX: u16 = 0xff00;

/// `devflags` bit: write-mostly member.
pub const DEVFLAG_WRITE_MOSTLY: u8 = 1;
/// `devflags` bit: fail-fast member.
pub const DEVFLAG_FAIL_FAST: u8 = 2;

/// Mask of the seconds in `ctime` / `utime` (the top 24 bits are microseconds or 0).
pub const TIME_SEC_MASK: u64 = (1 << 40) - 1;

/// Largest bad block log md loads: one page, in sectors.
const BBLOG_MAX_SECTORS: u16 = 4096 / 512;

/// Why a superblock was refused; one variant per check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbError {
    /// The buffer is shorter than the superblock it should hold.
    TooShort,
    /// The output buffer cannot hold the encoded superblock.
    BufferTooSmall,
    /// The minor version is not 0, 1 or 2.
    BadMinorVersion,
    /// The device is too small to hold a superblock at the expected place.
    DeviceTooSmall,
    /// `magic` is not `MD_SB_MAGIC`.
    BadMagic,
    /// v1.x: `major_version` is not 1.
    BadMajorVersion,
    /// v0.90: the version is not 0.90 or 0.91.
    BadVersion,
    /// `feature_map` has bits md does not know.
    UnknownFeatures,
    /// `max_dev` is larger than 1920.
    MaxDevTooLarge,
    /// `super_offset` is not where the superblock was read from.
    SuperOffsetMismatch,
    /// The checksum does not match.
    BadChecksum,
    /// `data_size` is below 10 sectors.
    DataSizeTooSmall,
    /// `pad0` or `pad3` is not zero (maybe a newer feature).
    NonzeroPadding,
    /// The data area overlaps the superblock.
    DataOverlapsSuper,
    /// The data offset after the reshape overlaps the superblock.
    NewDataOverlapsSuper,
    /// `data_offset + data_size` overflows.
    DataRangeOverflow,
    /// The data area ends beyond the end of the device.
    DataBeyondDevice,
    /// `size` (per-member array size) is larger than the data area.
    SizeBeyondData,
    /// The bad block log is larger than md can load.
    BblogTooLarge,
    /// Bad blocks are recorded but there is no bad block log.
    BadBlocksWithoutLog,
    /// `bblog_shift` is 64 or more.
    BadBblogShift,
    /// The bad block log lies outside the device.
    BblogOutsideDevice,
    /// The bad block log overlaps the data area.
    BblogOverlapsData,
    /// The raid0-layout feature is set on a level other than raid0.
    Raid0LayoutNotRaid0,
    /// PPL is combined with a bitmap or a journal.
    PplWithBitmapOrJournal,
    /// Both PPL and multiple-PPL features are set.
    PplAndMultiplePpls,
    /// `dev_number` is not below `max_dev`.
    DevNumberOutOfRange,
    /// `raid_disks` is larger than `max_dev` (v1.x) or 27 (v0.90).
    TooManyRaidDisks,
    /// v0.90: `raid_disks` is zero.
    NoRaidDisks,
    /// v0.90: `nr_disks` is larger than 27.
    TooManyDisks,
    /// v0.90: `this_disk.number` is not below 27.
    ThisDiskOutOfRange,
    /// A device role is neither a slot of the array nor spare/faulty/journal.
    BadRole,
    /// This device is a journal but the journal feature is not set.
    JournalWithoutFeature,
}

impl SbError {
    /// The text md logs after `invalid superblock: `.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooShort => "superblock truncated",
            Self::BufferTooSmall => "output buffer too small",
            Self::BadMinorVersion => "bad minor version",
            Self::DeviceTooSmall => "device too small",
            Self::BadMagic => "bad magic",
            Self::BadMajorVersion => "bad major version",
            Self::BadVersion => "bad version number",
            Self::UnknownFeatures => "unknown feature bits",
            Self::MaxDevTooLarge => "max_dev too large",
            Self::SuperOffsetMismatch => "super_offset mismatch",
            Self::BadChecksum => "bad checksum",
            Self::DataSizeTooSmall => "data_size too small",
            Self::NonzeroPadding => "nonzero padding",
            Self::DataOverlapsSuper => "data overlaps superblock",
            Self::NewDataOverlapsSuper => "new data offset overlaps superblock",
            Self::DataRangeOverflow => "data range overflows",
            Self::DataBeyondDevice => "data beyond end of device",
            Self::SizeBeyondData => "size larger than data area",
            Self::BblogTooLarge => "bad block log too large",
            Self::BadBlocksWithoutLog => "bad blocks without a log",
            Self::BadBblogShift => "bogus bblog_shift",
            Self::BblogOutsideDevice => "bad block log outside device",
            Self::BblogOverlapsData => "bad block log overlaps data",
            Self::Raid0LayoutNotRaid0 => "raid0 layout on non-raid0 level",
            Self::PplWithBitmapOrJournal => "ppl with bitmap or journal",
            Self::PplAndMultiplePpls => "ppl and multiple ppls",
            Self::DevNumberOutOfRange => "dev_number out of range",
            Self::TooManyRaidDisks => "too many raid disks",
            Self::NoRaidDisks => "no raid disks",
            Self::TooManyDisks => "too many disks",
            Self::ThisDiskOutOfRange => "this_disk out of range",
            Self::BadRole => "bad device role",
            Self::JournalWithoutFeature => "journal device without journal feature",
        }
    }
}

impl fmt::Display for SbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// Reads fixed-size little- or native-endian values out of a byte slice, never panicking.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&self, off: usize) -> Result<[u8; N], SbError> {
        let end = off.checked_add(N).ok_or(SbError::TooShort)?;
        self.0
            .get(off..end)
            .and_then(|s| s.try_into().ok())
            .ok_or(SbError::TooShort)
    }

    fn u8(&self, off: usize) -> Result<u8, SbError> {
        self.0.get(off).copied().ok_or(SbError::TooShort)
    }

    fn le16(&self, off: usize) -> Result<u16, SbError> {
        Ok(u16::from_le_bytes(self.array(off)?))
    }

    fn le32(&self, off: usize) -> Result<u32, SbError> {
        Ok(u32::from_le_bytes(self.array(off)?))
    }

    fn le64(&self, off: usize) -> Result<u64, SbError> {
        Ok(u64::from_le_bytes(self.array(off)?))
    }

    fn ne32(&self, off: usize) -> Result<u32, SbError> {
        Ok(u32::from_ne_bytes(self.array(off)?))
    }

    fn ne64(&self, off: usize) -> Result<u64, SbError> {
        Ok(u64::from_ne_bytes(self.array(off)?))
    }
}

/// Writes fixed-size values into a byte slice, never panicking.
struct Writer<'a>(&'a mut [u8]);

impl Writer<'_> {
    fn array<const N: usize>(&mut self, off: usize, v: [u8; N]) -> Result<(), SbError> {
        let end = off.checked_add(N).ok_or(SbError::BufferTooSmall)?;
        self.0
            .get_mut(off..end)
            .ok_or(SbError::BufferTooSmall)?
            .copy_from_slice(&v);
        Ok(())
    }

    fn u8(&mut self, off: usize, v: u8) -> Result<(), SbError> {
        self.array(off, [v])
    }

    fn le16(&mut self, off: usize, v: u16) -> Result<(), SbError> {
        self.array(off, v.to_le_bytes())
    }

    fn le32(&mut self, off: usize, v: u32) -> Result<(), SbError> {
        self.array(off, v.to_le_bytes())
    }

    fn le64(&mut self, off: usize, v: u64) -> Result<(), SbError> {
        self.array(off, v.to_le_bytes())
    }

    fn ne32(&mut self, off: usize, v: u32) -> Result<(), SbError> {
        self.array(off, v.to_ne_bytes())
    }
}

/// Folds a 64-bit word sum into 32 bits the way md does: low half plus high half,
/// truncated to 32 bits.
fn fold64(sum: u64) -> u32 {
    let folded = (sum & 0xffff_ffff).wrapping_add(sum >> 32);
    (folded & 0xffff_ffff) as u32
}

/// Sum of the le32 words of `bytes` (a trailing partial word is ignored).
fn sum_le32(bytes: &[u8]) -> u64 {
    bytes.chunks_exact(4).fold(0u64, |sum, w| {
        let mut b = [0u8; 4];
        b.copy_from_slice(w);
        sum.wrapping_add(u64::from(u32::from_le_bytes(b)))
    })
}

/// md's `calc_sb_1_csum` over `sb`, which must be exactly `256 + 2 * max_dev` bytes:
/// le32 words (the `sb_csum` word taken as 0), a trailing le16, folded once.
pub fn sb1_checksum(sb: &[u8]) -> u32 {
    let stored = Reader(sb).le32(SB1_CSUM_OFF).unwrap_or(0);
    let mut sum = sum_le32(sb).wrapping_sub(u64::from(stored));
    let rest = sb.chunks_exact(4).remainder();
    if let [lo, hi] = rest {
        sum = sum.wrapping_add(u64::from(u16::from_le_bytes([*lo, *hi])));
    }
    fold64(sum)
}

/// md's `md_csum_fold`: folds a 32-bit checksum to 16 bits (v0.90 compares these).
pub fn csum_fold(csum: u32) -> u32 {
    let c = (csum & 0xffff) + (csum >> 16);
    (c & 0xffff) + (c >> 16)
}

/// md's `calc_sb_csum` over a 4096-byte v0.90 superblock: native u32 words (the
/// `sb_csum` word taken as 0), folded once.
pub fn sb0_checksum(sb: &[u8]) -> u32 {
    let mut sum: u64 = 0;
    for (i, w) in sb.chunks_exact(4).take(SB0_BYTES / 4).enumerate() {
        if i == SB0_CSUM_WORD {
            continue;
        }
        let mut b = [0u8; 4];
        b.copy_from_slice(w);
        sum = sum.wrapping_add(u64::from(u32::from_ne_bytes(b)));
    }
    fold64(sum)
}

/// Sector where a v1.`minor` superblock sits on a device of `dev_sectors` sectors:
/// 1.2 at 8, 1.1 at 0, 1.0 at `(dev_sectors - 16) & !7`.
pub fn sb_offset_sectors(minor_version: u32, dev_sectors: u64) -> Option<u64> {
    match minor_version {
        0 => dev_sectors.checked_sub(16).map(|s| s & !7),
        1 => Some(0),
        2 => Some(8),
        _ => None,
    }
}

/// Role of a device in a v1.x array, from `dev_roles[dev_number]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Slot `n` of the array.
    Active(u16),
    /// A spare (0xffff).
    Spare,
    /// A faulty device (0xfffe).
    Faulty,
    /// A write journal (0xfffd).
    Journal,
}

impl Role {
    /// The role stored as `raw` in `dev_roles`.
    pub fn from_raw(raw: u16) -> Self {
        match raw {
            ROLE_SPARE => Self::Spare,
            ROLE_FAULTY => Self::Faulty,
            ROLE_JOURNAL => Self::Journal,
            n => Self::Active(n),
        }
    }

    /// The value stored in `dev_roles` for this role.
    pub fn raw(self) -> u16 {
        match self {
            Self::Active(n) => n,
            Self::Spare => ROLE_SPARE,
            Self::Faulty => ROLE_FAULTY,
            Self::Journal => ROLE_JOURNAL,
        }
    }
}

// Byte offsets of the v1.x fields (`struct mdp_superblock_1`).
const SB1_MAGIC_OFF: usize = 0;
const SB1_MAJOR_OFF: usize = 4;
const SB1_FEATURE_OFF: usize = 8;
const SB1_PAD0_OFF: usize = 12;
const SB1_SET_UUID_OFF: usize = 16;
const SB1_SET_NAME_OFF: usize = 32;
const SB1_CTIME_OFF: usize = 64;
const SB1_LEVEL_OFF: usize = 72;
const SB1_LAYOUT_OFF: usize = 76;
const SB1_SIZE_OFF: usize = 80;
const SB1_CHUNK_OFF: usize = 88;
const SB1_RAID_DISKS_OFF: usize = 92;
const SB1_BITMAP_OFF: usize = 96;
const SB1_NEW_LEVEL_OFF: usize = 100;
const SB1_RESHAPE_POS_OFF: usize = 104;
const SB1_DELTA_OFF: usize = 112;
const SB1_NEW_LAYOUT_OFF: usize = 116;
const SB1_NEW_CHUNK_OFF: usize = 120;
const SB1_NEW_OFFSET_OFF: usize = 124;
const SB1_DATA_OFFSET_OFF: usize = 128;
const SB1_DATA_SIZE_OFF: usize = 136;
const SB1_SUPER_OFFSET_OFF: usize = 144;
const SB1_RECOVERY_OFF: usize = 152;
const SB1_DEV_NUMBER_OFF: usize = 160;
const SB1_CORRECTED_OFF: usize = 164;
const SB1_DEVICE_UUID_OFF: usize = 168;
const SB1_DEVFLAGS_OFF: usize = 184;
const SB1_BBLOG_SHIFT_OFF: usize = 185;
const SB1_BBLOG_SIZE_OFF: usize = 186;
const SB1_BBLOG_OFFSET_OFF: usize = 188;
const SB1_UTIME_OFF: usize = 192;
const SB1_EVENTS_OFF: usize = 200;
const SB1_RESYNC_OFF: usize = 208;
const SB1_CSUM_OFF: usize = 216;
const SB1_MAX_DEV_OFF: usize = 220;
const SB1_PAD3_OFF: usize = 224;

/// A v1.x superblock (`struct mdp_superblock_1`), every field as stored, in host order.
///
/// Signed on-disk fields are kept as their raw bit patterns where md reads them
/// through a union (`bitmap_offset`), and as signed integers otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sb1 {
    /// Feature bits (`FEATURE_*`).
    pub feature_map: u32,
    /// Padding, zero on every valid superblock.
    pub pad0: u32,
    /// Array UUID, generated by mdadm.
    pub set_uuid: [u8; 16],
    /// Array name, NUL padded (`host:name` or `name`).
    pub set_name: [u8; 32],
    /// Creation time: low 40 bits seconds, top 24 bits microseconds or 0.
    pub ctime: u64,
    /// RAID level (-1 linear, 0, 1, 4, 5, 6, 10).
    pub level: i32,
    /// Layout (raid0/4/5/6/10).
    pub layout: u32,
    /// Sectors of each member used by the array.
    pub size: u64,
    /// Chunk size in sectors.
    pub chunksize: u32,
    /// Number of slots in the array.
    pub raid_disks: u32,
    /// Bitmap offset from the superblock in sectors (signed), or the PPL offset/size pair.
    pub bitmap_offset: u32,
    /// Reshape: level being reshaped to.
    pub new_level: i32,
    /// Reshape: next array address to reshape.
    pub reshape_position: u64,
    /// Reshape: change in `raid_disks`.
    pub delta_disks: i32,
    /// Reshape: new layout.
    pub new_layout: u32,
    /// Reshape: new chunk size in sectors.
    pub new_chunk: u32,
    /// Reshape: signed sectors to add to `data_offset` in the new layout.
    pub new_offset: i32,
    /// Sector where data starts on this member.
    pub data_offset: u64,
    /// Sectors of this member usable for data.
    pub data_size: u64,
    /// Sector where this superblock sits.
    pub super_offset: u64,
    /// Sectors recovered so far (or the journal tail of a journal device).
    pub recovery_offset: u64,
    /// Permanent identifier of this member; index into `dev_roles`.
    pub dev_number: u32,
    /// Read errors corrected by rewriting.
    pub cnt_corrected_read: u32,
    /// Member UUID, set by mdadm, ignored by md.
    pub device_uuid: [u8; 16],
    /// Per-device flags (`DEVFLAG_*`).
    pub devflags: u8,
    /// Shift from sectors to bad block log block size.
    pub bblog_shift: u8,
    /// Sectors reserved for the bad block log.
    pub bblog_size: u16,
    /// Sectors from the superblock to the bad block log (signed).
    pub bblog_offset: i32,
    /// Last update time: low 40 bits seconds.
    pub utime: u64,
    /// Update counter.
    pub events: u64,
    /// Data before this sector is in sync; `MAX_SECTOR` when clean.
    pub resync_offset: u64,
    /// Checksum as read (encode writes a fresh one).
    pub sb_csum: u32,
    /// Number of `dev_roles` entries stored.
    pub max_dev: u32,
    /// Padding, zero on every valid superblock.
    pub pad3: [u8; 32],
    /// Role of each device number; entries from `max_dev` on are not stored.
    pub dev_roles: [u16; SB1_MAX_DEV],
}

impl Default for Sb1 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sb1 {
    /// An all-zero superblock, the starting point for `decode_from`.
    pub const fn new() -> Self {
        Self {
            feature_map: 0,
            pad0: 0,
            set_uuid: [0; 16],
            set_name: [0; 32],
            ctime: 0,
            level: 0,
            layout: 0,
            size: 0,
            chunksize: 0,
            raid_disks: 0,
            bitmap_offset: 0,
            new_level: 0,
            reshape_position: 0,
            delta_disks: 0,
            new_layout: 0,
            new_chunk: 0,
            new_offset: 0,
            data_offset: 0,
            data_size: 0,
            super_offset: 0,
            recovery_offset: 0,
            dev_number: 0,
            cnt_corrected_read: 0,
            device_uuid: [0; 16],
            devflags: 0,
            bblog_shift: 0,
            bblog_size: 0,
            bblog_offset: 0,
            utime: 0,
            events: 0,
            resync_offset: 0,
            sb_csum: 0,
            max_dev: 0,
            pad3: [0; 32],
            dev_roles: [0; SB1_MAX_DEV],
        }
    }

    /// Decodes and validates the v1.`minor_version` superblock read from a device of
    /// `dev_sectors` sectors (`buf` starts at the superblock; 4096 bytes is enough).
    /// The device is taken to have 512-byte logical blocks; see [`Sb1::decode_on`].
    pub fn decode(buf: &[u8], minor_version: u32, dev_sectors: u64) -> Result<Self, SbError> {
        Self::decode_on(buf, minor_version, dev_sectors, 512)
    }

    /// Like [`Sb1::decode`], for a device with `logical_block_size`-byte logical blocks:
    /// superblock writes cover whole blocks, so a 1.1/1.2 data area must start after
    /// the superblock rounded up to a block (md's `super_1_load` rounds `sb_size` to
    /// the logical block size before its overlap check).
    pub fn decode_on(
        buf: &[u8],
        minor_version: u32,
        dev_sectors: u64,
        logical_block_size: u32,
    ) -> Result<Self, SbError> {
        let mut sb = Self::new();
        sb.decode_from(buf, minor_version, dev_sectors, logical_block_size)?;
        Ok(sb)
    }

    /// Like [`Sb1::decode_on`], into `self` (avoids a 4 KiB value on the stack).
    /// On error `self` holds whatever was parsed.
    pub fn decode_from(
        &mut self,
        buf: &[u8],
        minor_version: u32,
        dev_sectors: u64,
        logical_block_size: u32,
    ) -> Result<(), SbError> {
        let expected = match minor_version {
            0..=2 => {
                sb_offset_sectors(minor_version, dev_sectors).ok_or(SbError::DeviceTooSmall)?
            }
            _ => return Err(SbError::BadMinorVersion),
        };
        self.parse_from(buf)?;
        self.validate(
            buf,
            minor_version,
            expected,
            dev_sectors,
            logical_block_size,
        )
    }

    /// Reads every field of `buf` into `self` without validating anything but the
    /// magic, `max_dev` and the length. Use [`Sb1::decode`] for anything read from disk.
    pub fn parse_from(&mut self, buf: &[u8]) -> Result<(), SbError> {
        let r = Reader(buf);
        if buf.len() < SB1_HEADER_BYTES {
            return Err(SbError::TooShort);
        }
        if r.le32(SB1_MAGIC_OFF)? != MD_SB_MAGIC {
            return Err(SbError::BadMagic);
        }
        let max_dev = r.le32(SB1_MAX_DEV_OFF)?;
        let ndev = usize::try_from(max_dev).map_err(|_| SbError::MaxDevTooLarge)?;
        if ndev > SB1_MAX_DEV {
            return Err(SbError::MaxDevTooLarge);
        }
        self.feature_map = r.le32(SB1_FEATURE_OFF)?;
        self.pad0 = r.le32(SB1_PAD0_OFF)?;
        self.set_uuid = r.array(SB1_SET_UUID_OFF)?;
        self.set_name = r.array(SB1_SET_NAME_OFF)?;
        self.ctime = r.le64(SB1_CTIME_OFF)?;
        self.level = r.le32(SB1_LEVEL_OFF)? as i32;
        self.layout = r.le32(SB1_LAYOUT_OFF)?;
        self.size = r.le64(SB1_SIZE_OFF)?;
        self.chunksize = r.le32(SB1_CHUNK_OFF)?;
        self.raid_disks = r.le32(SB1_RAID_DISKS_OFF)?;
        self.bitmap_offset = r.le32(SB1_BITMAP_OFF)?;
        self.new_level = r.le32(SB1_NEW_LEVEL_OFF)? as i32;
        self.reshape_position = r.le64(SB1_RESHAPE_POS_OFF)?;
        self.delta_disks = r.le32(SB1_DELTA_OFF)? as i32;
        self.new_layout = r.le32(SB1_NEW_LAYOUT_OFF)?;
        self.new_chunk = r.le32(SB1_NEW_CHUNK_OFF)?;
        self.new_offset = r.le32(SB1_NEW_OFFSET_OFF)? as i32;
        self.data_offset = r.le64(SB1_DATA_OFFSET_OFF)?;
        self.data_size = r.le64(SB1_DATA_SIZE_OFF)?;
        self.super_offset = r.le64(SB1_SUPER_OFFSET_OFF)?;
        self.recovery_offset = r.le64(SB1_RECOVERY_OFF)?;
        self.dev_number = r.le32(SB1_DEV_NUMBER_OFF)?;
        self.cnt_corrected_read = r.le32(SB1_CORRECTED_OFF)?;
        self.device_uuid = r.array(SB1_DEVICE_UUID_OFF)?;
        self.devflags = r.u8(SB1_DEVFLAGS_OFF)?;
        self.bblog_shift = r.u8(SB1_BBLOG_SHIFT_OFF)?;
        self.bblog_size = r.le16(SB1_BBLOG_SIZE_OFF)?;
        self.bblog_offset = r.le32(SB1_BBLOG_OFFSET_OFF)? as i32;
        self.utime = r.le64(SB1_UTIME_OFF)?;
        self.events = r.le64(SB1_EVENTS_OFF)?;
        self.resync_offset = r.le64(SB1_RESYNC_OFF)?;
        self.sb_csum = r.le32(SB1_CSUM_OFF)?;
        self.max_dev = max_dev;
        self.pad3 = r.array(SB1_PAD3_OFF)?;
        for (i, role) in self.dev_roles.iter_mut().enumerate() {
            *role = if i < ndev {
                r.le16(SB1_HEADER_BYTES + 2 * i)?
            } else {
                0
            };
        }
        Ok(())
    }

    /// The checks of md's `super_1_load` / `super_1_validate` and our own bounds, on a
    /// freshly parsed `self` and the bytes it came from.
    fn validate(
        &self,
        buf: &[u8],
        minor_version: u32,
        expected_super_offset: u64,
        dev_sectors: u64,
        logical_block_size: u32,
    ) -> Result<(), SbError> {
        let f = self.feature_map;
        // super_1_load's first test, in its order.
        if Reader(buf).le32(SB1_MAJOR_OFF)? != 1 {
            return Err(SbError::BadMajorVersion);
        }
        if self.super_offset != expected_super_offset {
            return Err(SbError::SuperOffsetMismatch);
        }
        if f & !FEATURE_ALL != 0 {
            return Err(SbError::UnknownFeatures);
        }
        let sb = buf.get(..self.sb_bytes()).ok_or(SbError::TooShort)?;
        if sb1_checksum(sb) != self.sb_csum {
            return Err(SbError::BadChecksum);
        }
        if self.data_size < 10 {
            return Err(SbError::DataSizeTooSmall);
        }
        if self.pad0 != 0 || self.pad3.iter().any(|&b| b != 0) {
            return Err(SbError::NonzeroPadding);
        }

        let data_end = self
            .data_offset
            .checked_add(self.data_size)
            .ok_or(SbError::DataRangeOverflow)?;
        if minor_version == 0 {
            // 1.0: data first, superblock after it.
            if data_end > self.super_offset {
                return Err(SbError::DataOverlapsSuper);
            }
        } else {
            // 1.1/1.2: superblock (rounded up to the device's logical blocks, as it is
            // written) first, data after it.
            let sb_end = self
                .super_offset
                .checked_add(self.sb_sectors_on(logical_block_size))
                .ok_or(SbError::DataRangeOverflow)?;
            if self.data_offset < sb_end {
                return Err(SbError::DataOverlapsSuper);
            }
            if f & FEATURE_RESHAPE_ACTIVE != 0 && f & FEATURE_NEW_OFFSET != 0 {
                let new = self
                    .data_offset
                    .checked_add_signed(i64::from(self.new_offset))
                    .ok_or(SbError::NewDataOverlapsSuper)?;
                if new < sb_end {
                    return Err(SbError::NewDataOverlapsSuper);
                }
            }
            if data_end > dev_sectors {
                return Err(SbError::DataBeyondDevice);
            }
        }

        if f & FEATURE_BAD_BLOCKS != 0 {
            if self.bblog_size > BBLOG_MAX_SECTORS {
                return Err(SbError::BblogTooLarge);
            }
            if self.bblog_offset == 0 {
                return Err(SbError::BadBlocksWithoutLog);
            }
            if self.bblog_shift >= 64 {
                return Err(SbError::BadBblogShift);
            }
        } else if self.bblog_offset != 0 && self.bblog_size > BBLOG_MAX_SECTORS {
            return Err(SbError::BblogTooLarge);
        }
        if self.bblog_offset != 0 && self.bblog_size != 0 {
            let start = self
                .super_offset
                .checked_add_signed(i64::from(self.bblog_offset))
                .ok_or(SbError::BblogOutsideDevice)?;
            let end = start
                .checked_add(u64::from(self.bblog_size))
                .ok_or(SbError::BblogOutsideDevice)?;
            if end > dev_sectors {
                return Err(SbError::BblogOutsideDevice);
            }
            if start < data_end && self.data_offset < end {
                return Err(SbError::BblogOverlapsData);
            }
        }

        if f & FEATURE_RAID0_LAYOUT != 0 && self.level != 0 {
            return Err(SbError::Raid0LayoutNotRaid0);
        }
        if f & (FEATURE_PPL | FEATURE_MULTIPLE_PPLS) != 0 {
            if f & (FEATURE_BITMAP_OFFSET | FEATURE_JOURNAL) != 0 {
                return Err(SbError::PplWithBitmapOrJournal);
            }
            if f & FEATURE_PPL != 0 && f & FEATURE_MULTIPLE_PPLS != 0 {
                return Err(SbError::PplAndMultiplePpls);
            }
        }
        if self.level >= 1 && self.size > self.data_size {
            return Err(SbError::SizeBeyondData);
        }

        if self.dev_number >= self.max_dev {
            return Err(SbError::DevNumberOutOfRange);
        }
        if self.raid_disks > self.max_dev {
            return Err(SbError::TooManyRaidDisks);
        }
        let slots = self.role_limit();
        for &raw in self.roles() {
            let ok = match Role::from_raw(raw) {
                Role::Active(n) => u32::from(n) < slots,
                _ => true,
            };
            if !ok {
                return Err(SbError::BadRole);
            }
        }
        if self.this_role() == Role::Journal && f & FEATURE_JOURNAL == 0 {
            return Err(SbError::JournalWithoutFeature);
        }
        Ok(())
    }

    /// Writes the superblock (`256 + 2 * max_dev` bytes) into `out` with a freshly
    /// computed checksum, and returns the number of bytes written. Bytes of `out` past
    /// that are left alone. `self.sb_csum` is not changed; see [`Sb1::update_csum`].
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, SbError> {
        let ndev = usize::try_from(self.max_dev).map_err(|_| SbError::MaxDevTooLarge)?;
        if ndev > SB1_MAX_DEV {
            return Err(SbError::MaxDevTooLarge);
        }
        let len = self.sb_bytes();
        let out = out.get_mut(..len).ok_or(SbError::BufferTooSmall)?;
        let mut w = Writer(out);
        self.encode_header(&mut w)?;
        for (i, &role) in self.roles().iter().enumerate() {
            w.le16(SB1_HEADER_BYTES + 2 * i, role)?;
        }
        let csum = sb1_checksum(w.0);
        w.le32(SB1_CSUM_OFF, csum)?;
        Ok(len)
    }

    /// Writes the 256-byte header with `sb_csum` as 0.
    fn encode_header(&self, w: &mut Writer<'_>) -> Result<(), SbError> {
        w.le32(SB1_MAGIC_OFF, MD_SB_MAGIC)?;
        w.le32(SB1_MAJOR_OFF, 1)?;
        w.le32(SB1_FEATURE_OFF, self.feature_map)?;
        w.le32(SB1_PAD0_OFF, self.pad0)?;
        w.array(SB1_SET_UUID_OFF, self.set_uuid)?;
        w.array(SB1_SET_NAME_OFF, self.set_name)?;
        w.le64(SB1_CTIME_OFF, self.ctime)?;
        w.le32(SB1_LEVEL_OFF, self.level as u32)?;
        w.le32(SB1_LAYOUT_OFF, self.layout)?;
        w.le64(SB1_SIZE_OFF, self.size)?;
        w.le32(SB1_CHUNK_OFF, self.chunksize)?;
        w.le32(SB1_RAID_DISKS_OFF, self.raid_disks)?;
        w.le32(SB1_BITMAP_OFF, self.bitmap_offset)?;
        w.le32(SB1_NEW_LEVEL_OFF, self.new_level as u32)?;
        w.le64(SB1_RESHAPE_POS_OFF, self.reshape_position)?;
        w.le32(SB1_DELTA_OFF, self.delta_disks as u32)?;
        w.le32(SB1_NEW_LAYOUT_OFF, self.new_layout)?;
        w.le32(SB1_NEW_CHUNK_OFF, self.new_chunk)?;
        w.le32(SB1_NEW_OFFSET_OFF, self.new_offset as u32)?;
        w.le64(SB1_DATA_OFFSET_OFF, self.data_offset)?;
        w.le64(SB1_DATA_SIZE_OFF, self.data_size)?;
        w.le64(SB1_SUPER_OFFSET_OFF, self.super_offset)?;
        w.le64(SB1_RECOVERY_OFF, self.recovery_offset)?;
        w.le32(SB1_DEV_NUMBER_OFF, self.dev_number)?;
        w.le32(SB1_CORRECTED_OFF, self.cnt_corrected_read)?;
        w.array(SB1_DEVICE_UUID_OFF, self.device_uuid)?;
        w.u8(SB1_DEVFLAGS_OFF, self.devflags)?;
        w.u8(SB1_BBLOG_SHIFT_OFF, self.bblog_shift)?;
        w.le16(SB1_BBLOG_SIZE_OFF, self.bblog_size)?;
        w.le32(SB1_BBLOG_OFFSET_OFF, self.bblog_offset as u32)?;
        w.le64(SB1_UTIME_OFF, self.utime)?;
        w.le64(SB1_EVENTS_OFF, self.events)?;
        w.le64(SB1_RESYNC_OFF, self.resync_offset)?;
        w.le32(SB1_CSUM_OFF, 0)?;
        w.le32(SB1_MAX_DEV_OFF, self.max_dev)?;
        w.array(SB1_PAD3_OFF, self.pad3)?;
        Ok(())
    }

    /// The checksum `encode` would write for the current fields (md's `calc_sb_1_csum`),
    /// computed without a 4 KiB buffer.
    pub fn checksum(&self) -> Result<u32, SbError> {
        if self.max_dev as usize > SB1_MAX_DEV {
            return Err(SbError::MaxDevTooLarge);
        }
        let mut head = [0u8; SB1_HEADER_BYTES];
        self.encode_header(&mut Writer(&mut head))?;
        let mut sum = sum_le32(&head);
        // Roles pair up into le32 words; an odd last one is added as an le16.
        for pair in self.roles().chunks(2) {
            let word = match pair {
                [lo, hi] => u32::from(*lo) | (u32::from(*hi) << 16),
                [lo] => u32::from(*lo),
                _ => 0,
            };
            sum = sum.wrapping_add(u64::from(word));
        }
        Ok(fold64(sum))
    }

    /// Sets `sb_csum` to [`Sb1::checksum`], so `self` equals what decoding its encoding
    /// gives.
    pub fn update_csum(&mut self) -> Result<u32, SbError> {
        let csum = self.checksum()?;
        self.sb_csum = csum;
        Ok(csum)
    }

    /// Number of `dev_roles` entries stored, capped at 1920.
    fn ndev(&self) -> usize {
        usize::try_from(self.max_dev).map_or(SB1_MAX_DEV, |n| n.min(SB1_MAX_DEV))
    }

    /// The stored `dev_roles` entries (`max_dev` of them).
    pub fn roles(&self) -> &[u16] {
        self.dev_roles.get(..self.ndev()).unwrap_or(&[])
    }

    /// Bytes of the superblock on disk: `256 + 2 * max_dev`.
    pub fn sb_bytes(&self) -> usize {
        SB1_HEADER_BYTES + 2 * self.ndev()
    }

    /// Sectors the superblock occupies (md's `sb_size` rounded up to 512 bytes).
    pub fn sb_sectors(&self) -> u64 {
        self.sb_sectors_on(512)
    }

    /// Sectors the superblock occupies when written to a device with
    /// `logical_block_size`-byte logical blocks (md's `sb_size` rounded up to the block
    /// size, then counted in whole 512-byte sectors; sizes below 512 count as 512).
    pub fn sb_sectors_on(&self, logical_block_size: u32) -> u64 {
        let block = u64::from(logical_block_size.max(512));
        // sb_bytes() is at most 4096, so neither the cast nor the product overflows.
        let bytes = self.sb_bytes() as u64;
        bytes.div_ceil(block).saturating_mul(block) / 512
    }

    /// Slots a role may name: `raid_disks`, plus the removed ones while a reshape
    /// shrinks the array (md's `raid_disks - min(0, delta_disks)`).
    pub fn role_limit(&self) -> u32 {
        let extra = if self.feature_map & FEATURE_RESHAPE_ACTIVE != 0 && self.delta_disks < 0 {
            self.delta_disks.unsigned_abs()
        } else {
            0
        };
        self.raid_disks.saturating_add(extra)
    }

    /// Role of device number `dev`; `None` when `dev` is not below `max_dev`.
    pub fn role_of(&self, dev: u32) -> Option<Role> {
        let i = usize::try_from(dev).ok()?;
        self.roles().get(i).map(|&r| Role::from_raw(r))
    }

    /// Role of this device (`dev_roles[dev_number]`); spare when out of range, as md does.
    pub fn this_role(&self) -> Role {
        self.role_of(self.dev_number).unwrap_or(Role::Spare)
    }

    /// Sets the role of device number `dev`, growing `max_dev` to cover it like
    /// `super_1_sync` (new entries are spares).
    pub fn set_role(&mut self, dev: u32, role: Role) -> Result<(), SbError> {
        let i = usize::try_from(dev).map_err(|_| SbError::DevNumberOutOfRange)?;
        if i >= SB1_MAX_DEV {
            return Err(SbError::DevNumberOutOfRange);
        }
        let old = self.ndev();
        if i >= old {
            for r in self.dev_roles.iter_mut().take(i + 1).skip(old) {
                *r = ROLE_SPARE;
            }
            // i < 1920, so i + 1 fits.
            self.max_dev = (i + 1) as u32;
        }
        let slot = self
            .dev_roles
            .get_mut(i)
            .ok_or(SbError::DevNumberOutOfRange)?;
        *slot = role.raw();
        Ok(())
    }

    /// Marks device number `dev` as a spare (0xffff).
    pub fn set_spare(&mut self, dev: u32) -> Result<(), SbError> {
        self.set_role(dev, Role::Spare)
    }

    /// Marks device number `dev` as faulty (0xfffe).
    pub fn set_faulty(&mut self, dev: u32) -> Result<(), SbError> {
        self.set_role(dev, Role::Faulty)
    }

    /// Puts device number `dev` in slot `slot`.
    pub fn set_slot(&mut self, dev: u32, slot: u16) -> Result<(), SbError> {
        if slot >= ROLE_MAX {
            return Err(SbError::BadRole);
        }
        self.set_role(dev, Role::Active(slot))
    }

    /// md's spare test in `super_1_load`: the device has no slot and is no journal.
    pub fn is_spare(&self) -> bool {
        !matches!(self.role_of(self.dev_number), Some(Role::Active(n)) if n < ROLE_MAX)
            && self.role_of(self.dev_number) != Some(Role::Journal)
    }

    /// Marks the array dirty: `resync_offset = 0`, as `super_1_sync` writes it while
    /// the array is not in sync.
    pub fn mark_dirty(&mut self) {
        self.resync_offset = 0;
    }

    /// Marks the array clean up to `resync_offset` (`MAX_SECTOR` when fully in sync).
    pub fn mark_clean(&mut self, resync_offset: u64) {
        self.resync_offset = resync_offset;
    }

    /// Whether the array was stopped clean (`resync_offset == MaxSector`).
    pub fn is_clean(&self) -> bool {
        self.resync_offset == MAX_SECTOR
    }

    /// Records a recovery checkpoint for this member (feature bit 2 and
    /// `recovery_offset`), or with `None` clears both, as `super_1_sync` does for an
    /// in-sync member.
    pub fn set_recovery_offset(&mut self, offset: Option<u64>) {
        match offset {
            Some(o) => {
                self.feature_map |= FEATURE_RECOVERY_OFFSET;
                self.recovery_offset = o;
            }
            None => {
                self.feature_map &= !FEATURE_RECOVERY_OFFSET;
                self.recovery_offset = 0;
            }
        }
    }

    /// The recovery checkpoint, if feature bit 2 is set.
    pub fn recovery(&self) -> Option<u64> {
        (self.feature_map & FEATURE_RECOVERY_OFFSET != 0).then_some(self.recovery_offset)
    }

    /// Sets the update time to `secs` seconds (md writes whole seconds).
    pub fn set_utime(&mut self, secs: u64) {
        self.utime = secs;
    }

    /// Applies md's events rule (see [`next_events`]) to this superblock.
    pub fn bump_events(&mut self, update: EventsUpdate) -> EventsStep {
        let step = next_events(self.events, update);
        self.events = step.events;
        step
    }

    /// Creation time in seconds (low 40 bits of `ctime`).
    pub fn ctime_secs(&self) -> u64 {
        self.ctime & TIME_SEC_MASK
    }

    /// Update time in seconds (low 40 bits of `utime`).
    pub fn utime_secs(&self) -> u64 {
        self.utime & TIME_SEC_MASK
    }

    /// The RAID level (-1 linear, 0, 1, 4, 5, 6, 10).
    pub fn level(&self) -> i32 {
        self.level
    }

    /// The array name up to the first NUL.
    pub fn name(&self) -> &[u8] {
        let len = self
            .set_name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.set_name.len());
        self.set_name.get(..len).unwrap_or(&[])
    }

    /// Sets the array name; longer than 32 bytes is refused.
    pub fn set_name(&mut self, name: &[u8]) -> Result<(), SbError> {
        let dst = self
            .set_name
            .get_mut(..name.len())
            .ok_or(SbError::BufferTooSmall)?;
        dst.copy_from_slice(name);
        for b in self.set_name.iter_mut().skip(name.len()) {
            *b = 0;
        }
        Ok(())
    }

    /// Bitmap offset from the superblock in sectors (signed), when feature bit 1 is set.
    pub fn bitmap_offset(&self) -> Option<i32> {
        (self.feature_map & FEATURE_BITMAP_OFFSET != 0).then_some(self.bitmap_offset as i32)
    }

    /// PPL `(offset, size)` in sectors from the superblock, when a PPL feature is set.
    pub fn ppl(&self) -> Option<(i16, u16)> {
        if self.feature_map & (FEATURE_PPL | FEATURE_MULTIPLE_PPLS) == 0 {
            return None;
        }
        let b = self.bitmap_offset.to_le_bytes();
        Some((
            i16::from_le_bytes([b[0], b[1]]),
            u16::from_le_bytes([b[2], b[3]]),
        ))
    }

    /// Journal tail of a journal device (shares the `recovery_offset` field).
    pub fn journal_tail(&self) -> u64 {
        self.recovery_offset
    }

    /// Data offset after the reshape (`data_offset + new_offset` when honoured).
    pub fn new_data_offset(&self) -> Option<u64> {
        let f = self.feature_map;
        if f & FEATURE_RESHAPE_ACTIVE != 0 && f & FEATURE_NEW_OFFSET != 0 {
            self.data_offset
                .checked_add_signed(i64::from(self.new_offset))
        } else {
            Some(self.data_offset)
        }
    }

    /// Array UUID formatted as mdadm prints it.
    pub fn mdadm_uuid(&self) -> UuidFmt {
        UuidFmt::mdadm(self.set_uuid)
    }

    /// Array UUID formatted as md's sysfs `md/uuid` prints it (`%pU`).
    pub fn sysfs_uuid(&self) -> UuidFmt {
        UuidFmt::sysfs(self.set_uuid)
    }
}

/// Inputs of md's events rule in `md_update_sb`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventsUpdate {
    /// Only a clean<->dirty transition was requested (`MD_SB_CHANGE_CLEAN`).
    pub clean_change_only: bool,
    /// Devices changed or a full update was forced (`MD_SB_CHANGE_DEVS`, `force_change`).
    pub force_change: bool,
    /// The array is degraded.
    pub degraded: bool,
    /// The array is in sync (`mddev->in_sync`).
    pub in_sync: bool,
    /// The array's `resync_offset` is `MaxSector`.
    pub resync_done: bool,
    /// The previous update went forward for a clean<->dirty transition only
    /// (`mddev->can_decrease_events`).
    pub can_decrease: bool,
}

/// Result of md's events rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventsStep {
    /// The new event count.
    pub events: u64,
    /// The new `mddev->can_decrease_events`.
    pub can_decrease: bool,
    /// Spares may be left alone this time (`nospares`); see [`skip_sync_super`].
    pub nospares: bool,
}

/// md's events rule: forward by one, except that a dirty->clean transition right after
/// a clean->dirty one on a non-degraded array rolls back to the previous clean count.
pub fn next_events(events: u64, u: EventsUpdate) -> EventsStep {
    let nospares = u.clean_change_only && !u.force_change && !u.degraded;
    if nospares && u.in_sync && u.resync_done && u.can_decrease && events != 1 {
        if let Some(events) = events.checked_sub(1) {
            return EventsStep {
                events,
                can_decrease: false,
                nospares,
            };
        }
    }
    EventsStep {
        // md warns when this wraps; so do callers that check for 0.
        events: events.wrapping_add(1),
        can_decrease: nospares,
        nospares,
    }
}

/// md's `sync_sbs` test: a member's superblock is not rewritten when it already has
/// the new events, or, when spares may be skipped, it is a spare one behind.
pub fn skip_sync_super(sb_events: u64, new_events: u64, nospares: bool, is_spare: bool) -> bool {
    sb_events == new_events
        || (nospares && is_spare && sb_events.checked_add(1) == Some(new_events))
}

/// A member seen at assembly: its event count and whether md counts it as a spare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's `events`.
    pub events: u64,
    /// md's spare test (`Sb1::is_spare`, `Sb0::is_spare`).
    pub is_spare: bool,
}

/// What assembly makes of a member compared with the freshest one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// As fresh as the freshest member: its own superblock is trusted.
    Current,
    /// Behind but usable (a non-spare one event behind, or a spare): its role is taken
    /// from the freshest member's `dev_roles`.
    RoleFromFreshest,
    /// Too old (events + 1 < freshest); md kicks it as non-fresh.
    Stale,
}

/// Index of the member `analyze_sbs` picks as freshest: the first non-spare with the
/// highest events (spares never win). `None` when every member is a spare.
pub fn pick_freshest(members: &[Member]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, m) in members.iter().enumerate() {
        if m.is_spare {
            continue;
        }
        match best {
            Some((_, ev)) if m.events <= ev => {}
            _ => best = Some((i, m.events)),
        }
    }
    best.map(|(i, _)| i)
}

/// md's rule (`super_1_validate`, `super_90_validate` while assembling) for one member
/// against the freshest member's events.
pub fn freshness(member: Member, freshest_events: u64) -> Freshness {
    if member.events >= freshest_events {
        Freshness::Current
    } else if !member.is_spare && member.events.saturating_add(1) < freshest_events {
        Freshness::Stale
    } else {
        Freshness::RoleFromFreshest
    }
}

/// How a UUID is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UuidStyle {
    /// mdadm: `xxxxxxxx:xxxxxxxx:xxxxxxxx:xxxxxxxx`.
    Mdadm,
    /// md's sysfs `md/uuid` (`%pU`): `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase.
    Sysfs,
}

/// A UUID ready for `{}`; the bytes print in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UuidFmt {
    /// The 16 bytes, printed first to last.
    pub bytes: [u8; 16],
    /// Where separators go.
    pub style: UuidStyle,
}

impl UuidFmt {
    /// mdadm's format for `bytes`.
    pub fn mdadm(bytes: [u8; 16]) -> Self {
        Self {
            bytes,
            style: UuidStyle::Mdadm,
        }
    }

    /// sysfs's format for `bytes`.
    pub fn sysfs(bytes: [u8; 16]) -> Self {
        Self {
            bytes,
            style: UuidStyle::Sysfs,
        }
    }

    /// Writes the text into `out` (at least 36 bytes) and returns its length.
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize, SbError> {
        let mut n = 0;
        for (i, &b) in self.bytes.iter().enumerate() {
            if let Some(sep) = self.separator_before(i) {
                *out.get_mut(n).ok_or(SbError::BufferTooSmall)? = sep;
                n += 1;
            }
            for nib in [b >> 4, b & 0xf] {
                *out.get_mut(n).ok_or(SbError::BufferTooSmall)? =
                    HEX.get(usize::from(nib)).copied().unwrap_or(b'?');
                n += 1;
            }
        }
        Ok(n)
    }

    fn separator_before(&self, i: usize) -> Option<u8> {
        match self.style {
            UuidStyle::Mdadm if i == 4 || i == 8 || i == 12 => Some(b':'),
            UuidStyle::Sysfs if i == 4 || i == 6 || i == 8 || i == 10 => Some(b'-'),
            _ => None,
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for UuidFmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 36];
        let n = self.write_to(&mut buf).map_err(|_| fmt::Error)?;
        let text = buf.get(..n).ok_or(fmt::Error)?;
        f.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)
    }
}

/// Bytes of a v0.90 superblock.
pub const SB0_BYTES: usize = 4096;
/// Descriptors in a v0.90 superblock (`MD_SB_DISKS`).
pub const SB0_DISKS: usize = 27;
/// Reserved space at the end of the device for v0.90, in sectors (64 KiB).
pub const SB0_RESERVED_SECTORS: u64 = 128;

/// v0.90 descriptor state bit: faulty.
pub const DISK_FAULTY: u32 = 1 << 0;
/// v0.90 descriptor state bit: active.
pub const DISK_ACTIVE: u32 = 1 << 1;
/// v0.90 descriptor state bit: in sync.
pub const DISK_SYNC: u32 = 1 << 2;
/// v0.90 descriptor state bit: removed.
pub const DISK_REMOVED: u32 = 1 << 3;
/// v0.90 descriptor state bit: write-mostly.
pub const DISK_WRITEMOSTLY: u32 = 1 << 9;
/// v0.90 descriptor state bit: fail-fast.
pub const DISK_FAILFAST: u32 = 1 << 10;
/// v0.90 superblock state bit: clean.
pub const SB0_STATE_CLEAN: u32 = 1 << 0;
/// v0.90 superblock state bit: errors.
pub const SB0_STATE_ERRORS: u32 = 1 << 1;
/// v0.90 superblock state bit: a bitmap may be present.
pub const SB0_STATE_BITMAP_PRESENT: u32 = 1 << 8;
/// Where a 0.90 array's internal bitmap starts: right after the 4 KiB superblock.
pub const SB0_BITMAP_OFFSET_SECTORS: i64 = 8;

/// Sector where the v0.90 superblock sits: the last 64 KiB-aligned 64 KiB of the device
/// (`MD_NEW_SIZE_SECTORS`).
pub fn sb0_offset_sectors(dev_sectors: u64) -> Option<u64> {
    (dev_sectors & !(SB0_RESERVED_SECTORS - 1)).checked_sub(SB0_RESERVED_SECTORS)
}

// Word indexes of the v0.90 fields (`mdp_super_t`).
const SB0_CSUM_WORD: usize = 38;
const SB0_DISK_WORDS: usize = 32;
const SB0_DISKS_WORD: usize = 128;
const SB0_THIS_DISK_WORD: usize = 992;

/// One v0.90 device descriptor (`mdp_disk_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sb0Disk {
    /// Device number in the set.
    pub number: u32,
    /// Device major.
    pub major: u32,
    /// Device minor.
    pub minor: u32,
    /// Slot in the array.
    pub raid_disk: u32,
    /// State bits (`DISK_*`).
    pub state: u32,
    /// Reserved words.
    pub reserved: [u32; SB0_DISK_WORDS - 5],
}

impl Sb0Disk {
    const fn new() -> Self {
        Self {
            number: 0,
            major: 0,
            minor: 0,
            raid_disk: 0,
            state: 0,
            reserved: [0; SB0_DISK_WORDS - 5],
        }
    }

    fn read(r: &Reader<'_>, word: usize) -> Result<Self, SbError> {
        let mut d = Self::new();
        let base = word * 4;
        d.number = r.ne32(base)?;
        d.major = r.ne32(base + 4)?;
        d.minor = r.ne32(base + 8)?;
        d.raid_disk = r.ne32(base + 12)?;
        d.state = r.ne32(base + 16)?;
        for (i, v) in d.reserved.iter_mut().enumerate() {
            *v = r.ne32(base + 20 + 4 * i)?;
        }
        Ok(d)
    }

    /// The descriptor's 32 words in on-disk order.
    fn words(&self) -> [u32; SB0_DISK_WORDS] {
        let mut out = [0u32; SB0_DISK_WORDS];
        let head = [
            self.number,
            self.major,
            self.minor,
            self.raid_disk,
            self.state,
        ];
        for (o, v) in out.iter_mut().zip(head.into_iter().chain(self.reserved)) {
            *o = v;
        }
        out
    }
}

/// A v0.90 superblock (`mdp_super_t`): 4096 bytes in the CPU's byte order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sb0 {
    /// Always `MD_SB_MAGIC`.
    pub md_magic: u32,
    /// 0.
    pub major_version: u32,
    /// 90, or 91 while reshaping.
    pub minor_version: u32,
    /// Patch level.
    pub patch_version: u32,
    /// Unused.
    pub gvalid_words: u32,
    /// UUID word 0.
    pub set_uuid0: u32,
    /// Creation time in seconds.
    pub ctime: u32,
    /// RAID level.
    pub level: i32,
    /// Used size of each member in KiB.
    pub size: u32,
    /// Devices in the set.
    pub nr_disks: u32,
    /// Slots in the array.
    pub raid_disks: u32,
    /// Preferred md minor.
    pub md_minor: u32,
    /// Whether the superblock is not persistent.
    pub not_persistent: u32,
    /// UUID word 1.
    pub set_uuid1: u32,
    /// UUID word 2.
    pub set_uuid2: u32,
    /// UUID word 3.
    pub set_uuid3: u32,
    /// Reserved words 16..32.
    pub gstate_creserved: [u32; 16],
    /// Update time in seconds.
    pub utime: u32,
    /// State bits (`SB0_STATE_*`).
    pub state: u32,
    /// Active devices.
    pub active_disks: u32,
    /// Working devices.
    pub working_disks: u32,
    /// Failed devices.
    pub failed_disks: u32,
    /// Spare devices.
    pub spare_disks: u32,
    /// Checksum as read (encode writes a fresh one).
    pub sb_csum: u32,
    /// Update count, low word.
    pub events_lo: u32,
    /// Update count, high word.
    pub events_hi: u32,
    /// Checkpoint update count, low word.
    pub cp_events_lo: u32,
    /// Checkpoint update count, high word.
    pub cp_events_hi: u32,
    /// Resync checkpoint in sectors.
    pub recovery_cp: u32,
    /// 0.91: next array address to reshape.
    pub reshape_position: u64,
    /// 0.91: new level.
    pub new_level: u32,
    /// 0.91: change in `raid_disks`.
    pub delta_disks: u32,
    /// 0.91: new layout.
    pub new_layout: u32,
    /// 0.91: new chunk size in bytes.
    pub new_chunk: u32,
    /// Reserved words 50..64.
    pub gstate_sreserved: [u32; 14],
    /// Layout.
    pub layout: u32,
    /// Chunk size in bytes.
    pub chunk_size: u32,
    /// LV root PV.
    pub root_pv: u32,
    /// LV root block.
    pub root_block: u32,
    /// Reserved personality words.
    pub pstate_reserved: [u32; 60],
    /// Descriptors of the devices in the set.
    pub disks: [Sb0Disk; SB0_DISKS],
    /// Descriptor of this device.
    pub this_disk: Sb0Disk,
}

impl Default for Sb0 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sb0 {
    /// An all-zero superblock.
    pub const fn new() -> Self {
        Self {
            md_magic: 0,
            major_version: 0,
            minor_version: 0,
            patch_version: 0,
            gvalid_words: 0,
            set_uuid0: 0,
            ctime: 0,
            level: 0,
            size: 0,
            nr_disks: 0,
            raid_disks: 0,
            md_minor: 0,
            not_persistent: 0,
            set_uuid1: 0,
            set_uuid2: 0,
            set_uuid3: 0,
            gstate_creserved: [0; 16],
            utime: 0,
            state: 0,
            active_disks: 0,
            working_disks: 0,
            failed_disks: 0,
            spare_disks: 0,
            sb_csum: 0,
            events_lo: 0,
            events_hi: 0,
            cp_events_lo: 0,
            cp_events_hi: 0,
            recovery_cp: 0,
            reshape_position: 0,
            new_level: 0,
            delta_disks: 0,
            new_layout: 0,
            new_chunk: 0,
            gstate_sreserved: [0; 14],
            layout: 0,
            chunk_size: 0,
            root_pv: 0,
            root_block: 0,
            pstate_reserved: [0; 60],
            disks: [Sb0Disk::new(); SB0_DISKS],
            this_disk: Sb0Disk::new(),
        }
    }

    /// Decodes and validates the v0.90 superblock read from a device of `dev_sectors`
    /// sectors (`buf` starts at the superblock and holds at least 4096 bytes).
    pub fn decode(buf: &[u8], dev_sectors: u64) -> Result<Self, SbError> {
        let mut sb = Self::new();
        sb.decode_from(buf, dev_sectors)?;
        Ok(sb)
    }

    /// Like [`Sb0::decode`], into `self`.
    pub fn decode_from(&mut self, buf: &[u8], dev_sectors: u64) -> Result<(), SbError> {
        let sb_start = sb0_offset_sectors(dev_sectors).ok_or(SbError::DeviceTooSmall)?;
        self.parse_from(buf)?;
        self.validate(buf, sb_start)
    }

    /// Reads every field of `buf` into `self`, checking only the length and magic.
    pub fn parse_from(&mut self, buf: &[u8]) -> Result<(), SbError> {
        if buf.len() < SB0_BYTES {
            return Err(SbError::TooShort);
        }
        let r = Reader(buf);
        let w = |i: usize| r.ne32(i * 4);
        self.md_magic = w(0)?;
        if self.md_magic != MD_SB_MAGIC {
            return Err(SbError::BadMagic);
        }
        self.major_version = w(1)?;
        self.minor_version = w(2)?;
        self.patch_version = w(3)?;
        self.gvalid_words = w(4)?;
        self.set_uuid0 = w(5)?;
        self.ctime = w(6)?;
        self.level = w(7)? as i32;
        self.size = w(8)?;
        self.nr_disks = w(9)?;
        self.raid_disks = w(10)?;
        self.md_minor = w(11)?;
        self.not_persistent = w(12)?;
        self.set_uuid1 = w(13)?;
        self.set_uuid2 = w(14)?;
        self.set_uuid3 = w(15)?;
        for (i, v) in self.gstate_creserved.iter_mut().enumerate() {
            *v = w(16 + i)?;
        }
        self.utime = w(32)?;
        self.state = w(33)?;
        self.active_disks = w(34)?;
        self.working_disks = w(35)?;
        self.failed_disks = w(36)?;
        self.spare_disks = w(37)?;
        self.sb_csum = w(SB0_CSUM_WORD)?;
        self.events_lo = w(39)?;
        self.events_hi = w(40)?;
        self.cp_events_lo = w(41)?;
        self.cp_events_hi = w(42)?;
        self.recovery_cp = w(43)?;
        self.reshape_position = r.ne64(44 * 4)?;
        self.new_level = w(46)?;
        self.delta_disks = w(47)?;
        self.new_layout = w(48)?;
        self.new_chunk = w(49)?;
        for (i, v) in self.gstate_sreserved.iter_mut().enumerate() {
            *v = w(50 + i)?;
        }
        self.layout = w(64)?;
        self.chunk_size = w(65)?;
        self.root_pv = w(66)?;
        self.root_block = w(67)?;
        for (i, v) in self.pstate_reserved.iter_mut().enumerate() {
            *v = w(68 + i)?;
        }
        for (i, d) in self.disks.iter_mut().enumerate() {
            *d = Sb0Disk::read(&r, SB0_DISKS_WORD + i * SB0_DISK_WORDS)?;
        }
        self.this_disk = Sb0Disk::read(&r, SB0_THIS_DISK_WORD)?;
        Ok(())
    }

    /// The checks of md's `super_90_load`, plus bounds on the descriptor numbers.
    fn validate(&self, buf: &[u8], sb_start: u64) -> Result<(), SbError> {
        if self.major_version != 0 || !(90..=91).contains(&self.minor_version) {
            return Err(SbError::BadVersion);
        }
        if self.raid_disks == 0 {
            return Err(SbError::NoRaidDisks);
        }
        if csum_fold(sb0_checksum(buf)) != csum_fold(self.sb_csum) {
            return Err(SbError::BadChecksum);
        }
        if self.raid_disks as usize > SB0_DISKS {
            return Err(SbError::TooManyRaidDisks);
        }
        if self.nr_disks as usize > SB0_DISKS {
            return Err(SbError::TooManyDisks);
        }
        if self.this_disk.number as usize >= SB0_DISKS {
            return Err(SbError::ThisDiskOutOfRange);
        }
        for d in self.disks.iter().chain(core::iter::once(&self.this_disk)) {
            if d.state & (DISK_ACTIVE | DISK_SYNC) != 0 && d.raid_disk as usize >= SB0_DISKS {
                return Err(SbError::BadRole);
            }
        }
        // md caps members of redundant levels at 2^33 - 2 sectors; its `level >= 1` is an
        // unsigned compare, so linear (-1) counts too.
        let mut sectors = sb_start;
        if self.level != 0 && sectors >= 2 << 32 {
            sectors = (2 << 32) - 2;
        }
        if self.level != 0 && sectors < u64::from(self.size) * 2 {
            return Err(SbError::DataBeyondDevice);
        }
        Ok(())
    }

    /// Calls `f(word_index, value)` for each of the 1024 words of the encoded
    /// superblock, with `sb_csum` as 0.
    fn for_each_word(
        &self,
        mut f: impl FnMut(usize, u32) -> Result<(), SbError>,
    ) -> Result<(), SbError> {
        let [r0, r1, r2, r3, r4, r5, r6, r7] = self.reshape_position.to_ne_bytes();
        let head: [u32; 16] = [
            self.md_magic,
            self.major_version,
            self.minor_version,
            self.patch_version,
            self.gvalid_words,
            self.set_uuid0,
            self.ctime,
            self.level as u32,
            self.size,
            self.nr_disks,
            self.raid_disks,
            self.md_minor,
            self.not_persistent,
            self.set_uuid1,
            self.set_uuid2,
            self.set_uuid3,
        ];
        let state: [u32; 18] = [
            self.utime,
            self.state,
            self.active_disks,
            self.working_disks,
            self.failed_disks,
            self.spare_disks,
            0, // sb_csum
            self.events_lo,
            self.events_hi,
            self.cp_events_lo,
            self.cp_events_hi,
            self.recovery_cp,
            u32::from_ne_bytes([r0, r1, r2, r3]),
            u32::from_ne_bytes([r4, r5, r6, r7]),
            self.new_level,
            self.delta_disks,
            self.new_layout,
            self.new_chunk,
        ];
        let personality = [self.layout, self.chunk_size, self.root_pv, self.root_block];
        let words = head
            .iter()
            .chain(&self.gstate_creserved)
            .chain(&state)
            .chain(&self.gstate_sreserved)
            .chain(&personality)
            .chain(&self.pstate_reserved)
            .copied()
            .chain(self.disks.iter().flat_map(Sb0Disk::words))
            .chain(self.this_disk.words());
        for (i, v) in words.enumerate() {
            f(i, v)?;
        }
        Ok(())
    }

    /// Writes the 4096-byte superblock into `out` with a freshly computed checksum.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, SbError> {
        let out = out.get_mut(..SB0_BYTES).ok_or(SbError::BufferTooSmall)?;
        let mut w = Writer(out);
        self.for_each_word(|i, v| w.ne32(i * 4, v))?;
        let csum = sb0_checksum(w.0);
        w.ne32(SB0_CSUM_WORD * 4, csum)?;
        Ok(SB0_BYTES)
    }

    /// The checksum `encode` would write for the current fields (md's `calc_sb_csum`).
    pub fn checksum(&self) -> u32 {
        let mut sum = 0u64;
        // The closure never fails.
        let _ = self.for_each_word(|_, v| {
            sum = sum.wrapping_add(u64::from(v));
            Ok(())
        });
        fold64(sum)
    }

    /// Sets `sb_csum` to [`Sb0::checksum`].
    pub fn update_csum(&mut self) -> u32 {
        let csum = self.checksum();
        self.sb_csum = csum;
        csum
    }

    /// The update count.
    pub fn events(&self) -> u64 {
        (u64::from(self.events_hi) << 32) | u64::from(self.events_lo)
    }

    /// Sets the update count.
    pub fn set_events(&mut self, events: u64) {
        self.events_hi = (events >> 32) as u32;
        self.events_lo = (events & 0xffff_ffff) as u32;
    }

    /// The checkpoint update count.
    pub fn cp_events(&self) -> u64 {
        (u64::from(self.cp_events_hi) << 32) | u64::from(self.cp_events_lo)
    }

    /// Applies md's events rule (see [`next_events`]) to this superblock.
    pub fn bump_events(&mut self, update: EventsUpdate) -> EventsStep {
        let step = next_events(self.events(), update);
        self.set_events(step.events);
        step
    }

    /// The resync point md derives (`super_90_validate`): `MaxSector` when clean,
    /// `recovery_cp` when the checkpoint is current, else 0.
    pub fn resync_offset(&self) -> u64 {
        if self.state & SB0_STATE_CLEAN != 0 {
            MAX_SECTOR
        } else if self.events() == self.cp_events() {
            u64::from(self.recovery_cp)
        } else {
            0
        }
    }

    /// Marks the array dirty as `super_90_sync` does while not in sync.
    pub fn mark_dirty(&mut self) {
        self.state &= !SB0_STATE_CLEAN;
        self.recovery_cp = 0;
    }

    /// Marks the array in sync up to `resync_offset` (clean when `MAX_SECTOR`), with the
    /// checkpoint taken at the current events, as `super_90_sync` does.
    pub fn mark_clean(&mut self, resync_offset: u64) {
        // recovery_cp is 32 bits on disk; md truncates the same way.
        self.recovery_cp = (resync_offset & 0xffff_ffff) as u32;
        self.cp_events_hi = self.events_hi;
        self.cp_events_lo = self.events_lo;
        if resync_offset == MAX_SECTOR {
            self.state |= SB0_STATE_CLEAN;
        } else {
            self.state &= !SB0_STATE_CLEAN;
        }
    }

    /// Whether the array was stopped clean.
    pub fn is_clean(&self) -> bool {
        self.state & SB0_STATE_CLEAN != 0
    }

    /// md's spare test in `super_90_load`: this device's descriptor is neither active
    /// nor in sync.
    pub fn is_spare(&self) -> bool {
        let d = self.disks.get(self.this_disk.number as usize);
        d.map_or(true, |d| d.state & (DISK_ACTIVE | DISK_SYNC) == 0)
    }

    /// Sets the update time in seconds.
    pub fn set_utime(&mut self, secs: u32) {
        self.utime = secs;
    }

    /// The UUID as md keeps it (`mddev->uuid`): the four words' bytes in memory order.
    pub fn uuid(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        let words = [
            self.set_uuid0,
            self.set_uuid1,
            self.set_uuid2,
            self.set_uuid3,
        ];
        for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        out
    }

    /// The UUID as mdadm prints it for v0.90: each word as `%08x`.
    pub fn mdadm_uuid(&self) -> UuidFmt {
        let mut out = [0u8; 16];
        let words = [
            self.set_uuid0,
            self.set_uuid1,
            self.set_uuid2,
            self.set_uuid3,
        ];
        for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        UuidFmt::mdadm(out)
    }

    /// The UUID as md's sysfs `md/uuid` prints it.
    pub fn sysfs_uuid(&self) -> UuidFmt {
        UuidFmt::sysfs(self.uuid())
    }
}

/// Where a member keeps its superblock, for a change of the space it gives the
/// array (md's `rdev_size_change`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeLayout {
    /// 1.1 / 1.2: the superblock before the data, which starts at `data_offset`.
    V1Front {
        /// Data start, sectors.
        data_offset: u64,
    },
    /// 1.0: the superblock after the data, at `sb_offset` now.
    V1End {
        /// Where the superblock is now, sectors.
        sb_offset: u64,
    },
    /// 0.90: the superblock in the last 64 KiB-aligned 64 KiB, at `sb_offset` now.
    V0 {
        /// Where the superblock is now, sectors.
        sb_offset: u64,
    },
}

/// md's super_1_choose_bm_space: what a 1.0 member of `dev_sectors` keeps between
/// its data and its superblock for a bitmap.
pub fn v1_bm_space(dev_sectors: u64) -> u64 {
    if dev_sectors < 64 * 2 {
        0
    } else if dev_sectors - 64 * 2 >= 200 * 1024 * 1024 * 2 {
        128 * 2
    } else if dev_sectors - 4 * 2 > 8 * 1024 * 1024 * 2 {
        64 * 2
    } else {
        4 * 2
    }
}

/// md's rdev_size_change (super_1_rdev_size_change / super_90_rdev_size_change): the
/// data sectors a member of `dev_sectors` sectors gives the array when asked for
/// `want` (0: all that fits; more than fits is cut to what fits). None where md
/// refuses: `want` below the array's `in_use`, or where the superblock would have
/// to move (it stays in place here) or a bitmap next to it keeps it there.
pub fn member_size_change(
    layout: SizeLayout,
    dev_sectors: u64,
    want: u64,
    in_use: u64,
    bitmap: bool,
) -> Option<u64> {
    if want != 0 && want < in_use {
        return None;
    }
    let max = match layout {
        SizeLayout::V1Front { data_offset } => dev_sectors.checked_sub(data_offset)?,
        SizeLayout::V1End { sb_offset } => {
            if bitmap {
                return None;
            }
            // 8 KiB from the end, 4 KiB aligned.
            let sb_start = dev_sectors.checked_sub(8 * 2)? & !(4 * 2 - 1);
            if sb_start != sb_offset {
                return None;
            }
            // The bitmap's space and 4 KiB for a bad-block log stay free.
            sb_start
                .checked_sub(v1_bm_space(dev_sectors))?
                .checked_sub(4 * 2)?
        }
        SizeLayout::V0 { sb_offset } => {
            if bitmap {
                return None;
            }
            let sb_start = sb0_offset_sectors(dev_sectors)?;
            if sb_start != sb_offset {
                return None;
            }
            // 0.90 records the size in KiB in 32 bits: at most 4 TiB.
            sb_start.min((2u64 << 32) - 2)
        }
    };
    Some(if want == 0 || want > max { max } else { want })
}
