// SPDX-License-Identifier: GPL-2.0
//! A member's bad-block log on disk (md.c's super_1_load and super_1_sync parts):
//! loaded into the member's list at import, encoded with the superblock when the
//! list changed, written after it.

use kernel::prelude::*;

use super::{NameDisplay, Rdev};
use crate::badblocks::log;
use crate::super_any::Super;
use crate::sys::bdev::{sb_buffer, SbBuf};
use crate::sys::seq::Page;

/// The log of one member, encoded for the superblock write it goes with (md's
/// `bb_page`, `badblocks.sector` and `badblocks.size`).
pub(crate) struct LogWrite {
    sector: u64,
    len: usize,
    buf: SbBuf,
}

/// What super_1_sync decided about one member's list.
pub(crate) enum BbSync {
    /// Nothing to write (empty list, or unchanged since it was last written).
    Nothing,
    /// Write this after the superblock.
    Write(LogWrite),
    /// Bad blocks recorded, but its superblock has no log for them: md_error.
    NoLog,
}

impl Rdev {
    /// super_1_load's bad-block part: a 1.x superblock with a log enables the list
    /// (shift 0, or the log's shift and entries when feature bit 8 says it holds
    /// some). Without a log (0.90, `bblog_offset` 0) the list stays disabled. A log
    /// that cannot be read or is refused by the decoder refuses the member, with one
    /// log line naming the reason; nothing is written to it.
    pub(super) fn load_bblog(&self) -> Result {
        let Some(bl) = self.meta().sb.bblog() else {
            return Ok(());
        };
        let display = NameDisplay(self.name.get(..self.name_len).unwrap_or(&[]));
        if !bl.recorded {
            let mut bb = self.badblocks();
            bb.reset();
            bb.set_shift(0);
            return Ok(());
        }
        let len = usize::from(bl.sectors) * 512;
        let mut buf = sb_buffer()?;
        let log_bytes = if len == 0 {
            &[][..]
        } else {
            let sector = self
                .sb_offset
                .checked_add_signed(i64::from(bl.offset))
                .ok_or(EINVAL)?;
            if let Err(e) = self.file.read_len(sector, &mut buf, len) {
                md_warn!(
                    "md: {}: cannot read the bad block log: error {}\n",
                    display,
                    e.to_errno()
                );
                return Err(e);
            }
            buf.get(..len).ok_or(EINVAL)?
        };
        let r = {
            let mut bb = self.badblocks();
            let r = log::decode(log_bytes, bl.shift, self.dev_sectors, &mut bb);
            if r.is_err() {
                bb.disable();
            }
            r
        };
        if let Err(e) = r {
            md_warn!("md: {}: invalid superblock: {}\n", display, e.reason());
            return Err(EINVAL);
        }
        Ok(())
    }

    /// dev-NAME/bad_blocks (`unack` false) or unacknowledged_bad_blocks: md's
    /// badblocks_show text.
    pub(crate) fn bb_show(&self, unack: bool, page: &mut Page<'_>) {
        let bb = self.badblocks();
        page.fill(|out| bb.show(unack, out));
    }

    /// super_1_sync's bad-block part for this member's superblock `sb`: feature bit 8
    /// while the list holds entries; a list changed since it was last written is
    /// encoded (and no longer counts as changed) to be written after the superblock.
    pub(crate) fn bb_sync(&self, sb: &mut Super) -> Result<BbSync> {
        let (count, changed) = {
            let bb = self.badblocks();
            (bb.count(), bb.changed())
        };
        if count == 0 {
            sb.set_bad_blocks_recorded(false);
            return Ok(BbSync::Nothing);
        }
        let Some(bl) = sb.bblog() else {
            return Ok(BbSync::NoLog);
        };
        sb.set_bad_blocks_recorded(true);
        if !changed {
            return Ok(BbSync::Nothing);
        }
        let sector = self
            .sb_offset
            .checked_add_signed(i64::from(bl.offset))
            .ok_or(EINVAL)?;
        // Allocated before taking the list's (irq-safe) lock.
        let mut buf = sb_buffer()?;
        let len = (usize::from(bl.sectors) * 512).min(buf.len());
        let mut bb = self.badblocks();
        if bb.count() == 0 {
            // Emptied meanwhile: the superblock says so instead.
            sb.set_bad_blocks_recorded(false);
            return Ok(BbSync::Nothing);
        }
        log::encode(&bb, buf.get_mut(..len).unwrap_or(&mut []));
        bb.set_changed(false);
        Ok(BbSync::Write(LogWrite { sector, len, buf }))
    }

    /// md_update_sb's write of the log encoded by [`Rdev::bb_sync`], after the
    /// superblock (PREFLUSH|FUA, as the superblock).
    pub(crate) fn write_bblog(&self, mut w: LogWrite) -> Result {
        if w.len == 0 {
            return Ok(());
        }
        self.file.write(w.sector, &mut w.buf, w.len)
    }
}
