// SPDX-License-Identifier: GPL-2.0
//! The md ioctl interface: command numbers, who may call what, and the
//! user-visible structures (`mdu_*_t`) as explicit little-endian byte layouts.
//!
//! Pure `core` code; the kernel side copies bytes from and to user memory and
//! calls these to decode and encode them.

/// The ioctl commands md knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Driver version, `mdu_version_t` out.
    RaidVersion,
    /// `mdu_array_info_t` out.
    GetArrayInfo,
    /// `mdu_disk_info_t` in and out.
    GetDiskInfo,
    /// Start arrays found by the in-kernel autodetection (not supported by md as a module).
    RaidAutorun,
    /// `mdu_bitmap_file_t` out.
    GetBitmapFile,
    /// `mdu_disk_info_t` in.
    AddNewDisk,
    /// dev_t by value.
    HotRemoveDisk,
    /// `mdu_array_info_t` in.
    SetArrayInfo,
    /// dev_t by value.
    HotAddDisk,
    /// dev_t by value.
    SetDiskFaulty,
    /// File descriptor by value.
    SetBitmapFile,
    /// `mdu_param_t` in (ignored).
    RunArray,
    /// No argument.
    StopArray,
    /// No argument.
    StopArrayRo,
    /// No argument.
    RestartArrayRw,
    /// Cluster only.
    ClusteredDiskNack,
}

impl Cmd {
    /// Maps an ioctl number to a command; `None` means ENOTTY.
    pub fn from_raw(cmd: u32) -> Option<Cmd> {
        Some(match cmd {
            RAID_VERSION => Cmd::RaidVersion,
            GET_ARRAY_INFO => Cmd::GetArrayInfo,
            GET_DISK_INFO => Cmd::GetDiskInfo,
            RAID_AUTORUN => Cmd::RaidAutorun,
            GET_BITMAP_FILE => Cmd::GetBitmapFile,
            ADD_NEW_DISK => Cmd::AddNewDisk,
            HOT_REMOVE_DISK => Cmd::HotRemoveDisk,
            SET_ARRAY_INFO => Cmd::SetArrayInfo,
            HOT_ADD_DISK => Cmd::HotAddDisk,
            SET_DISK_FAULTY => Cmd::SetDiskFaulty,
            SET_BITMAP_FILE => Cmd::SetBitmapFile,
            RUN_ARRAY => Cmd::RunArray,
            STOP_ARRAY => Cmd::StopArray,
            STOP_ARRAY_RO => Cmd::StopArrayRo,
            RESTART_ARRAY_RW => Cmd::RestartArrayRw,
            CLUSTERED_DISK_NACK => Cmd::ClusteredDiskNack,
            _ => return None,
        })
    }

    /// Whether md accepts the command at all (RAID_AUTORUN is ENOTTY for md as a module).
    pub fn known(self) -> bool {
        !matches!(self, Cmd::RaidAutorun)
    }

    /// Commands anyone may issue; all others need CAP_SYS_ADMIN (EACCES otherwise, as md).
    pub fn unprivileged(self) -> bool {
        matches!(
            self,
            Cmd::RaidVersion | Cmd::GetArrayInfo | Cmd::GetDiskInfo
        )
    }

    /// Commands allowed before the array has raid disks; the rest give ENODEV.
    pub fn allowed_unconfigured(self) -> bool {
        matches!(
            self,
            Cmd::RaidVersion
                | Cmd::SetArrayInfo
                | Cmd::AddNewDisk
                | Cmd::StopArray
                | Cmd::RunArray
                | Cmd::SetBitmapFile
                | Cmd::GetBitmapFile
        )
    }
}

/// The `_IOC` bit layout of the target (asm-generic/ioctl.h and the
/// architectures that override it): direction and size field widths and the
/// direction values. powerpc, mips and sparc have 13 size bits and their own
/// direction values; every other architecture (x86, arm, arm64, riscv,
/// loongarch, s390, ...) uses the generic layout.
mod ioc {
    const OWN_LAYOUT: bool = cfg!(any(
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ));
    pub const SIZEBITS: u32 = if OWN_LAYOUT { 13 } else { 14 };
    pub const NONE: u32 = if OWN_LAYOUT { 1 } else { 0 };
    pub const READ: u32 = 2;
    pub const WRITE: u32 = if OWN_LAYOUT { 4 } else { 1 };
}

/// `_IOC(dir, MD_MAJOR, nr, size)`: type in bits 8..16, nr in 0..8, size from bit 16,
/// direction above the size field.
const fn md_ioc(dir: u32, nr: u32, size: usize) -> u32 {
    // A size that does not fit the field is a build error (the const panics).
    assert!(size < (1 << ioc::SIZEBITS) && nr < 256);
    (dir << (16 + ioc::SIZEBITS)) | ((size as u32) << 16) | (MD_MAJOR << 8) | nr
}

/// MD_MAJOR, the ioctl type of md.
const MD_MAJOR: u32 = 9;
/// Size of `mdu_param_t`.
const PARAM_SIZE: usize = 12;
/// Size of an `int` (SET_BITMAP_FILE's argument as _IOW declares it).
const INT_SIZE: usize = 4;

/// `_IOR(MD_MAJOR, 0x10, mdu_version_t)`.
pub const RAID_VERSION: u32 = md_ioc(ioc::READ, 0x10, VERSION_SIZE);
/// `_IOR(MD_MAJOR, 0x11, mdu_array_info_t)`.
pub const GET_ARRAY_INFO: u32 = md_ioc(ioc::READ, 0x11, ARRAY_INFO_SIZE);
/// `_IOR(MD_MAJOR, 0x12, mdu_disk_info_t)`.
pub const GET_DISK_INFO: u32 = md_ioc(ioc::READ, 0x12, DISK_INFO_SIZE);
/// `_IO(MD_MAJOR, 0x14)`.
pub const RAID_AUTORUN: u32 = md_ioc(ioc::NONE, 0x14, 0);
/// `_IOR(MD_MAJOR, 0x15, mdu_bitmap_file_t)`.
pub const GET_BITMAP_FILE: u32 = md_ioc(ioc::READ, 0x15, BITMAP_FILE_SIZE);
/// `_IOW(MD_MAJOR, 0x21, mdu_disk_info_t)`.
pub const ADD_NEW_DISK: u32 = md_ioc(ioc::WRITE, 0x21, DISK_INFO_SIZE);
/// `_IO(MD_MAJOR, 0x22)`.
pub const HOT_REMOVE_DISK: u32 = md_ioc(ioc::NONE, 0x22, 0);
/// `_IOW(MD_MAJOR, 0x23, mdu_array_info_t)`.
pub const SET_ARRAY_INFO: u32 = md_ioc(ioc::WRITE, 0x23, ARRAY_INFO_SIZE);
/// `_IO(MD_MAJOR, 0x28)`.
pub const HOT_ADD_DISK: u32 = md_ioc(ioc::NONE, 0x28, 0);
/// `_IO(MD_MAJOR, 0x29)`.
pub const SET_DISK_FAULTY: u32 = md_ioc(ioc::NONE, 0x29, 0);
/// `_IOW(MD_MAJOR, 0x2b, int)`.
pub const SET_BITMAP_FILE: u32 = md_ioc(ioc::WRITE, 0x2b, INT_SIZE);
/// `_IOW(MD_MAJOR, 0x30, mdu_param_t)`.
pub const RUN_ARRAY: u32 = md_ioc(ioc::WRITE, 0x30, PARAM_SIZE);
/// `_IO(MD_MAJOR, 0x32)`.
pub const STOP_ARRAY: u32 = md_ioc(ioc::NONE, 0x32, 0);
/// `_IO(MD_MAJOR, 0x33)`.
pub const STOP_ARRAY_RO: u32 = md_ioc(ioc::NONE, 0x33, 0);
/// `_IO(MD_MAJOR, 0x34)`.
pub const RESTART_ARRAY_RW: u32 = md_ioc(ioc::NONE, 0x34, 0);
/// `_IO(MD_MAJOR, 0x35)`.
pub const CLUSTERED_DISK_NACK: u32 = md_ioc(ioc::NONE, 0x35, 0);

/// `RAID_VERSION`'s answer: md reports 0.90.3.
pub const VERSION: [i32; 3] = [0, 90, 3];

/// Size of `mdu_version_t`.
pub const VERSION_SIZE: usize = 12;
/// Size of `mdu_array_info_t`.
pub const ARRAY_INFO_SIZE: usize = 72;
/// Size of `mdu_disk_info_t`.
pub const DISK_INFO_SIZE: usize = 20;
/// Size of `mdu_bitmap_file_t`.
pub const BITMAP_FILE_SIZE: usize = 4096;

/// `level` of an array with no level yet.
pub const LEVEL_NONE: i32 = -1_000_000;

/// mdu_disk_info_t state bits.
pub mod disk_state {
    /// Faulty.
    pub const FAULTY: i32 = 1 << 0;
    /// In a slot.
    pub const ACTIVE: i32 = 1 << 1;
    /// In sync.
    pub const SYNC: i32 = 1 << 2;
    /// Slot empty.
    pub const REMOVED: i32 = 1 << 3;
    /// Write-mostly.
    pub const WRITEMOSTLY: i32 = 1 << 9;
    /// Failfast.
    pub const FAILFAST: i32 = 1 << 10;
    /// Journal.
    pub const JOURNAL: i32 = 1 << 18;
}

/// Encodes `mdu_version_t`.
pub fn encode_version() -> [u8; VERSION_SIZE] {
    let mut out = [0u8; VERSION_SIZE];
    for (chunk, v) in out.chunks_exact_mut(4).zip(VERSION.iter()) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
}

fn words<const N: usize, const B: usize>(bytes: &[u8; B]) -> [i32; N] {
    let mut w = [0i32; N];
    for (v, chunk) in w.iter_mut().zip(bytes.chunks_exact(4)) {
        let mut b = [0u8; 4];
        b.copy_from_slice(chunk);
        *v = i32::from_le_bytes(b);
    }
    w
}

fn bytes<const N: usize, const B: usize>(w: &[i32; N]) -> [u8; B] {
    let mut out = [0u8; B];
    for (chunk, v) in out.chunks_exact_mut(4).zip(w.iter()) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// `mdu_array_info_t`, field for field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Metadata major version.
    pub major_version: i32,
    /// Metadata minor version.
    pub minor_version: i32,
    /// Metadata patch version.
    pub patch_version: i32,
    /// Creation time (seconds, low 32 bits).
    pub ctime: u32,
    /// RAID level.
    pub level: i32,
    /// Member size in KiB (saturating).
    pub size: i32,
    /// Members known.
    pub nr_disks: i32,
    /// Slots.
    pub raid_disks: i32,
    /// Minor of the array device.
    pub md_minor: i32,
    /// No persistent superblock.
    pub not_persistent: i32,
    /// Last superblock update time.
    pub utime: u32,
    /// State bits: 0 clean, 8 bitmap present.
    pub state: i32,
    /// In-sync members.
    pub active_disks: i32,
    /// Non-faulty members.
    pub working_disks: i32,
    /// Faulty members.
    pub failed_disks: i32,
    /// Spares.
    pub spare_disks: i32,
    /// Layout.
    pub layout: i32,
    /// Chunk size in bytes.
    pub chunk_size: i32,
}

impl ArrayInfo {
    /// Decodes the user's bytes.
    pub fn decode(b: &[u8; ARRAY_INFO_SIZE]) -> ArrayInfo {
        let w: [i32; 18] = words(b);
        ArrayInfo {
            major_version: w[0],
            minor_version: w[1],
            patch_version: w[2],
            ctime: w[3] as u32,
            level: w[4],
            size: w[5],
            nr_disks: w[6],
            raid_disks: w[7],
            md_minor: w[8],
            not_persistent: w[9],
            utime: w[10] as u32,
            state: w[11],
            active_disks: w[12],
            working_disks: w[13],
            failed_disks: w[14],
            spare_disks: w[15],
            layout: w[16],
            chunk_size: w[17],
        }
    }

    /// Encodes for the user.
    pub fn encode(&self) -> [u8; ARRAY_INFO_SIZE] {
        bytes(&[
            self.major_version,
            self.minor_version,
            self.patch_version,
            self.ctime as i32,
            self.level,
            self.size,
            self.nr_disks,
            self.raid_disks,
            self.md_minor,
            self.not_persistent,
            self.utime as i32,
            self.state,
            self.active_disks,
            self.working_disks,
            self.failed_disks,
            self.spare_disks,
            self.layout,
            self.chunk_size,
        ])
    }

    /// SET_ARRAY_INFO with no raid disks only records the metadata version
    /// (what mdadm sends before adding members); md ignores the other fields.
    pub fn is_version_only(&self) -> bool {
        self.raid_disks == 0
    }
}

/// `mdu_disk_info_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskInfo {
    /// Descriptor number.
    pub number: i32,
    /// Device major.
    pub major: i32,
    /// Device minor.
    pub minor: i32,
    /// Slot, or -1.
    pub raid_disk: i32,
    /// `disk_state` bits.
    pub state: i32,
}

impl DiskInfo {
    /// Decodes the user's bytes.
    pub fn decode(b: &[u8; DISK_INFO_SIZE]) -> DiskInfo {
        let w: [i32; 5] = words(b);
        DiskInfo {
            number: w[0],
            major: w[1],
            minor: w[2],
            raid_disk: w[3],
            state: w[4],
        }
    }

    /// Encodes for the user.
    pub fn encode(&self) -> [u8; DISK_INFO_SIZE] {
        bytes(&[
            self.number,
            self.major,
            self.minor,
            self.raid_disk,
            self.state,
        ])
    }
}

/// Splits a dev_t passed by value (the kernel's new encoding) into major and minor.
pub fn decode_dev(arg: u64) -> (u32, u32) {
    let dev = arg as u32;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    (major, minor)
}
