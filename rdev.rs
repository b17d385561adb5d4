// SPDX-License-Identifier: GPL-2.0
//! A member of an array (md's `struct md_rdev`): its open device, its
//! superblock and its place in the array.

use core::ffi::c_void;

use kernel::prelude::*;

use kernel::str::CString;

use crate::super_any::Super;
use crate::superblock::Role;
use crate::sys::bdev::{sb_buffer, BdevFile};
use crate::sys::gendisk::{MdKobj, RdevKobj};

/// One member device.
pub(crate) struct Rdev {
    /// md/dev-NAME/, removed before the device is closed (field order).
    kobj: Option<RdevKobj>,
    /// The `rdN` link this member has in md/, if any.
    rd_link: Option<i32>,
    /// The open device.
    pub(crate) file: BdevFile,
    name: [u8; 32],
    name_len: usize,
    /// Its dev_t (kernel encoding).
    pub(crate) dev: u32,
    /// The decoded superblock, updated and rewritten by the array.
    pub(crate) sb: Super,
    /// Device size in sectors.
    dev_sectors: u64,
    /// Where the superblock lives, in sectors.
    pub(crate) sb_offset: u64,
    /// Bytes written when the superblock is rewritten (rounded to the block size).
    pub(crate) sb_write_len: usize,
    /// Descriptor number (superblock `dev_number`).
    pub(crate) desc_nr: i32,
    /// Slot, or -1 (spare / not yet placed).
    pub(crate) raid_disk: i32,
    /// Holds current data for its slot.
    pub(crate) in_sync: bool,
    /// Marked faulty.
    pub(crate) faulty: bool,
    /// While recovering (in a slot, not in sync): data below this is current.
    pub(crate) recovery_offset: u64,
    /// Sectors rewritten after read errors (md's corrected_errors).
    pub(crate) corrected: u32,
    /// A write to it failed (md's WriteErrorSeen).
    pub(crate) write_error: bool,
}

impl Rdev {
    /// Opens `dev` exclusively for the array `holder` and loads its `major`.`minor`
    /// superblock; a bad one is refused with one log line naming the reason.
    pub(crate) fn import(dev: u32, holder: *const c_void, major: u32, minor: u32) -> Result<Rdev> {
        let file = BdevFile::open(dev, holder)?;
        let mut name = [0u8; 32];
        let name_len = file.name(&mut name);
        let sectors = file.sectors();
        let display = NameDisplay(name.get(..name_len).unwrap_or(&[]));
        let Some(sb_offset) = Super::offset(major, minor, sectors) else {
            md_warn!(
                "md: {}: invalid superblock: no room for a v{}.{} superblock\n",
                display,
                major,
                minor
            );
            return Err(EINVAL);
        };
        let mut buf = sb_buffer()?;
        file.read(sb_offset, &mut buf)?;
        let lbs = file.logical_block_size().max(512);
        let sb = match Super::decode(major, minor, &buf, sectors, lbs)? {
            Ok(sb) => sb,
            Err(e) => {
                md_warn!("md: {}: invalid superblock: {}\n", display, e.reason());
                return Err(EINVAL);
            }
        };
        let lbs = lbs as usize;
        let sb_write_len = sb.bytes().div_ceil(lbs).saturating_mul(lbs).min(4096);
        let corrected = sb.corrected_reads();
        Ok(Rdev {
            kobj: None,
            rd_link: None,
            file,
            name,
            name_len,
            dev,
            desc_nr: i32::try_from(sb.dev_number()).map_err(|_| EINVAL)?,
            sb,
            dev_sectors: sectors,
            sb_offset,
            sb_write_len,
            raid_disk: -1,
            in_sync: false,
            faulty: false,
            recovery_offset: 0,
            corrected,
            write_error: false,
        })
    }

    /// The device name, e.g. `vda`.
    pub(crate) fn name(&self) -> &str {
        core::str::from_utf8(self.name.get(..self.name_len).unwrap_or(&[])).unwrap_or("?")
    }

    /// Usable data size in sectors.
    pub(crate) fn data_sectors(&self) -> u64 {
        self.sb.data_size(self.dev_sectors)
    }

    /// Takes its role from the freshest superblock of the array.
    pub(crate) fn set_role_from(&mut self, role: Option<Role>, raid_disks: u32) {
        self.raid_disk = -1;
        self.in_sync = false;
        self.faulty = false;
        match role {
            Some(Role::Active(n)) if u32::from(n) < raid_disks => {
                self.raid_disk = i32::from(n);
                self.in_sync = self.sb.recovery().is_none();
                self.recovery_offset = self.sb.recovery().unwrap_or(0);
            }
            Some(Role::Faulty) => self.faulty = true,
            _ => {}
        }
    }

    /// Creates md/dev-NAME/ under the array's md/ directory.
    pub(crate) fn add_kobj(&mut self, md: &MdKobj) -> Result {
        let name = CString::try_from_fmt(kernel::fmt!("{}", self.name()))?;
        self.kobj = Some(RdevKobj::add(md, &name, &self.file)?);
        self.publish();
        Ok(())
    }

    /// Refreshes what dev-NAME/ shows (md's state_show words, slot, offset, size).
    pub(crate) fn publish(&self) {
        let Some(k) = &self.kobj else { return };
        // md's words in md's order; a member that saw a write error is wanted
        // replaced for as long as it holds a slot.
        let want_replacement = self.write_error && self.raid_disk >= 0;
        let state = match (
            self.faulty,
            self.in_sync,
            self.write_error,
            want_replacement,
        ) {
            (true, _, false, _) => kernel::c_str!("faulty"),
            (true, _, true, false) => kernel::c_str!("faulty,write_error"),
            (true, _, true, true) => kernel::c_str!("faulty,write_error,want_replacement"),
            (false, true, false, _) => kernel::c_str!("in_sync"),
            (false, true, true, _) => kernel::c_str!("in_sync,write_error,want_replacement"),
            (false, false, false, _) => kernel::c_str!("spare"),
            (false, false, true, false) => kernel::c_str!("spare,write_error"),
            (false, false, true, true) => kernel::c_str!("spare,write_error,want_replacement"),
        };
        k.update(
            state,
            self.raid_disk,
            self.sb.data_offset(),
            self.data_sectors() / 2,
            i32::try_from(self.corrected).unwrap_or(i32::MAX),
        );
    }

    /// Adds or removes md/rdN for this member's slot.
    pub(crate) fn set_rd_link(&mut self, md: &MdKobj, linked: bool) {
        if let Some(n) = self.rd_link.take() {
            if let Ok(name) = CString::try_from_fmt(kernel::fmt!("rd{n}")) {
                md.unlink(&name);
            }
        }
        if !linked || self.raid_disk < 0 {
            return;
        }
        let Some(k) = &self.kobj else { return };
        let n = self.raid_disk;
        if let Ok(name) = CString::try_from_fmt(kernel::fmt!("rd{n}")) {
            if k.link_from(md, &name).is_ok() {
                self.rd_link = Some(n);
            }
        }
    }

    /// Rewrites the superblock (already updated in `self.sb`) with PREFLUSH|FUA.
    pub(crate) fn write_sb(&mut self) -> Result {
        let mut buf = sb_buffer()?;
        self.sb.encode(&mut buf).map_err(|_| EINVAL)?;
        self.file.write(self.sb_offset, &mut buf, self.sb_write_len)
    }
}

/// Displays name bytes.
struct NameDisplay<'a>(&'a [u8]);

impl core::fmt::Display for NameDisplay<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(core::str::from_utf8(self.0).unwrap_or("?"))
    }
}
