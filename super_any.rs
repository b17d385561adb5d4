// SPDX-License-Identifier: GPL-2.0
//! One member's superblock in either format md supports: v1.x or v0.90.
//! The array code asks these questions and makes these updates without caring
//! which format a member carries (md's `super_types` table).

use kernel::prelude::*;

use crate::superblock::{self, Role, Sb0, Sb0Disk, Sb1, SbError};

/// A decoded member superblock.
pub(crate) enum Super {
    /// v1.0, v1.1 or v1.2.
    V1(KBox<Sb1>),
    /// v0.90.
    V0(KBox<Sb0>),
}

/// What a superblock write records of each member (0.90 keeps the whole member
/// table in each superblock); the member object answers it as it is now.
pub(crate) trait MemberView {
    /// Descriptor number.
    fn desc_nr(&self) -> i32;
    /// Slot, or -1.
    fn raid_disk(&self) -> i32;
    /// In sync for its slot (and not failed).
    fn in_sync(&self) -> bool;
    /// Failed.
    fn faulty(&self) -> bool;
    /// dev_t (kernel encoding).
    fn dev(&self) -> u32;
    /// Write-mostly (md's WriteMostly).
    fn write_mostly(&self) -> bool;
    /// Fail-fast (md's FailFast).
    fn fail_fast(&self) -> bool;
}

/// Where a 1.x member keeps its bad-block log (super_1_load's view of it).
#[derive(Clone, Copy)]
pub(crate) struct Bblog {
    /// Sectors from the superblock's start (signed: 1.0 keeps it before).
    pub(crate) offset: i32,
    /// Sectors reserved for it.
    pub(crate) sectors: u16,
    /// Its entries' unit, as a shift of 512-byte sectors.
    pub(crate) shift: u8,
    /// Feature bit 8: it holds entries (to be loaded).
    pub(crate) recorded: bool,
}

/// The array-wide values a superblock write records.
pub(crate) struct SyncInfo<'a, M: MemberView> {
    /// Event count.
    pub(crate) events: u64,
    /// Update time, seconds.
    pub(crate) utime: u64,
    /// Clean (true) or dirty.
    pub(crate) clean: bool,
    /// Where resync would start (`MAX_SECTOR`: in sync).
    pub(crate) resync_offset: u64,
    /// Slots.
    pub(crate) raid_disks: u32,
    /// Sectors of each member the array uses (md's dev_sectors; a grow changes it).
    pub(crate) dev_sectors: u64,
    /// Every member of the array (0.90 keeps the whole member table in each
    /// superblock); their roles and states are read as they are now.
    pub(crate) members: &'a [M],
    /// The internal bitmap's offset from the superblock (sectors), if the array has
    /// one (super_1_sync's `bitmap_offset`, super_90_sync's MD_SB_BITMAP_PRESENT).
    pub(crate) bitmap: Option<i64>,
}

impl Super {
    /// Reads format `major`.`minor` from `buf` (the 4 KiB at the superblock's place) of
    /// a device of `dev_sectors` sectors with `logical_block_size`-byte logical blocks.
    /// The outer error is ENOMEM; the inner one says why the superblock is refused.
    pub(crate) fn decode(
        major: u32,
        minor: u32,
        buf: &[u8],
        dev_sectors: u64,
        logical_block_size: u32,
    ) -> Result<core::result::Result<Super, SbError>> {
        Ok(if major == 0 {
            match Sb0::decode(buf, dev_sectors) {
                Ok(sb) => Ok(Super::V0(KBox::new(sb, GFP_KERNEL)?)),
                Err(e) => Err(e),
            }
        } else {
            match Sb1::decode_on(buf, minor, dev_sectors, logical_block_size) {
                Ok(sb) => Ok(Super::V1(KBox::new(sb, GFP_KERNEL)?)),
                Err(e) => Err(e),
            }
        })
    }

    /// Where format `major`.`minor` keeps its superblock on a device of `dev_sectors`.
    pub(crate) fn offset(major: u32, minor: u32, dev_sectors: u64) -> Option<u64> {
        if major == 0 {
            superblock::sb0_offset_sectors(dev_sectors)
        } else {
            superblock::sb_offset_sectors(minor, dev_sectors)
        }
    }

    /// Event count.
    pub(crate) fn events(&self) -> u64 {
        match self {
            Super::V1(s) => s.events,
            Super::V0(s) => s.events(),
        }
    }

    /// The array's UUID bytes as md keeps them.
    pub(crate) fn uuid(&self) -> [u8; 16] {
        match self {
            Super::V1(s) => s.set_uuid,
            Super::V0(s) => s.uuid(),
        }
    }

    /// RAID level.
    pub(crate) fn level(&self) -> i32 {
        match self {
            Super::V1(s) => s.level,
            Super::V0(s) => s.level,
        }
    }

    /// Slots.
    pub(crate) fn raid_disks(&self) -> u32 {
        match self {
            Super::V1(s) => s.raid_disks,
            Super::V0(s) => s.raid_disks,
        }
    }

    /// Member size the array uses, in sectors.
    pub(crate) fn size_sectors(&self) -> u64 {
        match self {
            Super::V1(s) => s.size,
            Super::V0(s) => u64::from(s.size) * 2,
        }
    }

    /// Creation time, seconds.
    pub(crate) fn ctime(&self) -> u64 {
        match self {
            Super::V1(s) => s.ctime_secs(),
            Super::V0(s) => u64::from(s.ctime),
        }
    }

    /// Last update time, seconds.
    pub(crate) fn utime(&self) -> u64 {
        match self {
            Super::V1(s) => s.utime_secs(),
            Super::V0(s) => u64::from(s.utime),
        }
    }

    /// Layout.
    pub(crate) fn layout(&self) -> i32 {
        match self {
            Super::V1(s) => s.layout as i32,
            Super::V0(s) => s.layout as i32,
        }
    }

    /// Chunk size in sectors.
    pub(crate) fn chunk_sectors(&self) -> u32 {
        match self {
            Super::V1(s) => s.chunksize,
            Super::V0(s) => s.chunk_size / 512,
        }
    }

    /// Where resync would start.
    pub(crate) fn resync_offset(&self) -> u64 {
        match self {
            Super::V1(s) => s.resync_offset,
            Super::V0(s) => s.resync_offset(),
        }
    }

    /// Where this member's data starts, in sectors.
    pub(crate) fn data_offset(&self) -> u64 {
        match self {
            Super::V1(s) => s.data_offset,
            Super::V0(_) => 0,
        }
    }

    /// Usable data sectors on this member.
    pub(crate) fn data_size(&self, dev_sectors: u64) -> u64 {
        match self {
            Super::V1(s) => s.data_size,
            Super::V0(_) => superblock::sb0_offset_sectors(dev_sectors).unwrap_or(0),
        }
    }

    /// Records a new usable data size (1.x `data_size`; 0.90 derives it from the
    /// device size and keeps nothing).
    pub(crate) fn set_data_size(&mut self, sectors: u64) {
        if let Super::V1(s) = self {
            s.data_size = sectors;
        }
    }

    /// Where this member's superblock sits relative to its data, for a size change.
    pub(crate) fn size_layout(&self, sb_offset: u64, data_offset: u64) -> superblock::SizeLayout {
        match self {
            Super::V1(_) if sb_offset < data_offset => {
                superblock::SizeLayout::V1Front { data_offset }
            }
            Super::V1(_) => superblock::SizeLayout::V1End { sb_offset },
            Super::V0(_) => superblock::SizeLayout::V0 { sb_offset },
        }
    }

    /// This member's descriptor number.
    pub(crate) fn dev_number(&self) -> u32 {
        match self {
            Super::V1(s) => s.dev_number,
            Super::V0(s) => s.this_disk.number,
        }
    }

    /// Recovery in progress up to this sector.
    pub(crate) fn recovery(&self) -> Option<u64> {
        match self {
            Super::V1(s) => s.recovery(),
            Super::V0(_) => None,
        }
    }

    /// Corrected read errors recorded.
    pub(crate) fn corrected_reads(&self) -> u32 {
        match self {
            Super::V1(s) => s.cnt_corrected_read,
            Super::V0(_) => 0,
        }
    }

    /// Write-mostly as this member's own superblock records it.
    pub(crate) fn write_mostly(&self) -> bool {
        self.own_flag(
            superblock::DEVFLAG_WRITE_MOSTLY,
            superblock::DISK_WRITEMOSTLY,
        )
    }

    /// Fail-fast as this member's own superblock records it.
    pub(crate) fn fail_fast(&self) -> bool {
        self.own_flag(superblock::DEVFLAG_FAIL_FAST, superblock::DISK_FAILFAST)
    }

    /// A member flag as its own superblock records it (super_1_validate: the
    /// `devflags` bit `v1`; super_90_validate: its descriptor's state bit `v0`).
    fn own_flag(&self, v1: u8, v0: u32) -> bool {
        match self {
            Super::V1(s) => s.devflags & v1 != 0,
            Super::V0(s) => s
                .disks
                .get(s.this_disk.number as usize)
                .is_some_and(|d| d.state & v0 != 0),
        }
    }

    /// Records this member's own recovery point (`None`: in sync) and corrected reads;
    /// 0.90 has room for neither.
    pub(crate) fn set_member(&mut self, recovery: Option<u64>, corrected: u32) {
        if let Super::V1(s) = self {
            s.set_recovery_offset(recovery);
            s.cnt_corrected_read = corrected;
        }
    }

    /// md's spare test at load (`super_1_load`, `super_90_load`): the member has no
    /// slot in its own superblock.
    pub(crate) fn is_spare(&self) -> bool {
        match self {
            Super::V1(s) => s.is_spare(),
            Super::V0(s) => s.is_spare(),
        }
    }

    /// Where this superblock says the internal bitmap is, in sectors from the
    /// superblock's start: 1.x's signed `bitmap_offset` (feature bit 1), 0.90's
    /// MD_SB_BITMAP_PRESENT (the bitmap follows the 4 KiB superblock).
    pub(crate) fn bitmap_location(&self) -> Option<i64> {
        match self {
            Super::V1(s) => s.bitmap_offset().map(i64::from),
            Super::V0(s) => (s.state & superblock::SB0_STATE_BITMAP_PRESENT != 0)
                .then_some(superblock::SB0_BITMAP_OFFSET_SECTORS),
        }
    }

    /// Whether a recovery checkpoint is bitmap-guided (1.x MD_FEATURE_RECOVERY_BITMAP).
    pub(crate) fn recovery_bitmap(&self) -> bool {
        match self {
            Super::V1(s) => s.feature_map & superblock::FEATURE_RECOVERY_BITMAP != 0,
            Super::V0(_) => false,
        }
    }

    /// Records (super_1_sync) that this member's recovery is guided by the bitmap.
    pub(crate) fn set_recovery_bitmap(&mut self, on: bool) {
        if let Super::V1(s) = self {
            if on && s.feature_map & superblock::FEATURE_RECOVERY_OFFSET != 0 {
                s.feature_map |= superblock::FEATURE_RECOVERY_BITMAP;
            } else {
                s.feature_map &= !superblock::FEATURE_RECOVERY_BITMAP;
            }
        }
    }

    /// A description of on-disk state this driver would not maintain, if any.
    pub(crate) fn unsupported(&self) -> Option<&'static str> {
        match self {
            Super::V1(s) => {
                let f = s.feature_map
                    & !(superblock::FEATURE_RECOVERY_OFFSET
                        | superblock::FEATURE_BITMAP_OFFSET
                        | superblock::FEATURE_RECOVERY_BITMAP
                        | superblock::FEATURE_BAD_BLOCKS);
                if f == 0 {
                    None
                } else {
                    Some("a superblock feature")
                }
            }
            Super::V0(s) => {
                if s.minor_version != 90 {
                    Some("a reshape (0.91 superblock)")
                } else {
                    None
                }
            }
        }
    }

    /// This member's bad-block log as its superblock places it (1.x with a nonzero
    /// `bblog_offset`); 0.90 and a 1.x superblock without a log have none.
    pub(crate) fn bblog(&self) -> Option<Bblog> {
        match self {
            Super::V1(s) if s.bblog_offset != 0 => Some(Bblog {
                offset: s.bblog_offset,
                sectors: s.bblog_size,
                shift: s.bblog_shift,
                recorded: s.feature_map & superblock::FEATURE_BAD_BLOCKS != 0,
            }),
            _ => None,
        }
    }

    /// super_1_sync: feature bit 8 (MD_FEATURE_BAD_BLOCKS) while the member's list
    /// holds entries; 0.90 has no such bit.
    pub(crate) fn set_bad_blocks_recorded(&mut self, on: bool) {
        if let Super::V1(s) = self {
            if on {
                s.feature_map |= superblock::FEATURE_BAD_BLOCKS;
            } else {
                s.feature_map &= !superblock::FEATURE_BAD_BLOCKS;
            }
        }
    }

    /// The role the array gives descriptor `desc_nr`, as this superblock records it.
    pub(crate) fn role_of(&self, desc_nr: u32) -> Option<Role> {
        match self {
            Super::V1(s) => s.role_of(desc_nr),
            Super::V0(s) => {
                let d = s.disks.get(desc_nr as usize)?;
                Some(if d.state & superblock::DISK_FAULTY != 0 {
                    Role::Faulty
                } else if d.state & superblock::DISK_SYNC != 0 && d.raid_disk < s.raid_disks {
                    Role::Active(u16::try_from(d.raid_disk).ok()?)
                } else {
                    Role::Spare
                })
            }
        }
    }

    /// md_update_sb's per-member rewrite (super_1_sync / super_90_sync), for the
    /// member with descriptor `me`.
    pub(crate) fn sync<M: MemberView>(&mut self, me: u32, info: &SyncInfo<'_, M>) {
        match self {
            Super::V1(s) => {
                s.events = info.events;
                s.set_utime(info.utime);
                // The slot count and the size may have changed (a grow).
                s.raid_disks = info.raid_disks;
                s.size = info.dev_sectors;
                // super_1_sync: the bitmap's place, or none.
                match info.bitmap.and_then(|o| i32::try_from(o).ok()) {
                    Some(o) => {
                        s.feature_map |= superblock::FEATURE_BITMAP_OFFSET;
                        s.bitmap_offset = o as u32;
                    }
                    None => {
                        s.feature_map &= !superblock::FEATURE_BITMAP_OFFSET;
                        s.bitmap_offset = 0;
                    }
                }
                if info.clean {
                    s.mark_clean(info.resync_offset);
                } else {
                    s.mark_dirty();
                }
                // As super_1_sync: every role is reset to spare, then the members present
                // are filled in (a removed member's old entry does not linger).
                for i in 0..s.roles().len() {
                    let _ = s.set_role(i as u32, Role::Spare);
                }
                for m in info.members {
                    let role = if m.faulty() {
                        Role::Faulty
                    } else if let Ok(slot) = u16::try_from(m.raid_disk()) {
                        Role::Active(slot)
                    } else {
                        Role::Spare
                    };
                    if let Ok(desc_nr) = u32::try_from(m.desc_nr()) {
                        let _ = s.set_role(desc_nr, role);
                        // super_1_sync: this member's write-mostly and fail-fast flags.
                        if desc_nr == me {
                            for (on, bit) in [
                                (m.write_mostly(), superblock::DEVFLAG_WRITE_MOSTLY),
                                (m.fail_fast(), superblock::DEVFLAG_FAIL_FAST),
                            ] {
                                if on {
                                    s.devflags |= bit;
                                } else {
                                    s.devflags &= !bit;
                                }
                            }
                        }
                    }
                }
            }
            Super::V0(s) => sync_90(s, me, info),
        }
    }

    /// Encodes with a fresh checksum into `out`; returns the bytes to write.
    pub(crate) fn encode(&mut self, out: &mut [u8]) -> Result<usize, SbError> {
        match self {
            Super::V1(s) => {
                s.update_csum()?;
                s.encode(out)
            }
            Super::V0(s) => {
                s.update_csum();
                s.encode(out)
            }
        }
    }

    /// Bytes in the superblock.
    pub(crate) fn bytes(&self) -> usize {
        match self {
            Super::V1(s) => s.sb_bytes(),
            Super::V0(_) => superblock::SB0_BYTES,
        }
    }
}

/// super_90_sync: 0.90 keeps the whole member table in every superblock, with
/// in-sync members at their slot and the others after the slots.
fn sync_90<M: MemberView>(s: &mut Sb0, me: u32, info: &SyncInfo<'_, M>) {
    s.set_events(info.events);
    s.raid_disks = info.raid_disks;
    // 0.90 records KiB in 32 bits (md limits such arrays to 4 TiB).
    s.size = u32::try_from(info.dev_sectors / 2).unwrap_or(u32::MAX);
    if info.bitmap.is_some() {
        s.state |= superblock::SB0_STATE_BITMAP_PRESENT;
    } else {
        s.state &= !superblock::SB0_STATE_BITMAP_PRESENT;
    }
    s.set_utime(info.utime as u32);
    if info.clean {
        s.mark_clean(info.resync_offset);
    } else {
        s.mark_dirty();
    }
    for d in s.disks.iter_mut() {
        *d = Sb0Disk::default();
    }
    let (mut active, mut working, mut failed, mut spare, mut nr) = (0u32, 0u32, 0u32, 0u32, 0u32);
    for m in info.members {
        let Ok(desc_nr) = u32::try_from(m.desc_nr()) else {
            continue;
        };
        let slot = u32::try_from(m.raid_disk()).ok();
        let active_slot = m.in_sync() && slot.is_some();
        let Some(d) = s.disks.get_mut(desc_nr as usize) else {
            continue;
        };
        nr += 1;
        d.number = desc_nr;
        d.major = m.dev() >> 20;
        d.minor = m.dev() & ((1 << 20) - 1);
        d.raid_disk = match slot {
            Some(slot) if active_slot => slot,
            _ => desc_nr,
        };
        if m.faulty() {
            d.state = superblock::DISK_FAULTY;
        } else if active_slot {
            d.state = superblock::DISK_ACTIVE | superblock::DISK_SYNC;
            active += 1;
            working += 1;
        } else {
            d.state = 0;
            spare += 1;
            working += 1;
        }
        if m.write_mostly() {
            d.state |= superblock::DISK_WRITEMOSTLY;
        }
        if m.fail_fast() {
            d.state |= superblock::DISK_FAILFAST;
        }
    }
    for i in 0..info.raid_disks {
        if let Some(d) = s.disks.get_mut(i as usize) {
            if d.state == 0 && d.number == 0 {
                d.number = i;
                d.raid_disk = i;
                d.state = superblock::DISK_REMOVED | superblock::DISK_FAULTY;
                failed += 1;
            }
        }
    }
    s.nr_disks = nr;
    s.active_disks = active;
    s.working_disks = working;
    s.failed_disks = failed;
    s.spare_disks = spare;
    if let Some(d) = s.disks.get(me as usize) {
        s.this_disk = *d;
    }
}
