// SPDX-License-Identifier: GPL-2.0
//! /proc/mdstat: a snapshot of every array.

use super::*;

/// Writes /proc/mdstat.
pub(crate) fn mdstat_show(out: &mut sys::seq::SeqFile) {
    let Some(g) = globals() else { return };
    let _ = g
        .pers
        .with_names(|names| mdstat::write_personalities(out, names));
    // Snapshot the arrays, then list them newest first as md does.
    let mut arrays: KVec<Arc<Mddev>> = KVec::new();
    {
        let all = g.all.lock();
        for m in all.iter() {
            if arrays.push(m.clone(), GFP_KERNEL).is_err() {
                break;
            }
        }
    }
    let mut below = u64::MAX;
    while let Some(m) = arrays
        .iter()
        .filter(|m| m.seq < below)
        .max_by_key(|m| m.seq)
    {
        below = m.seq;
        let st = m.state.lock();
        let metadata = if st.persistent {
            mdstat::Metadata::Persistent {
                major: st.major_version as u32,
                minor: st.minor_version as u32,
            }
        } else {
            mdstat::Metadata::NonPersistent
        };
        // Members newest first, as md lists them.
        let mut members: KVec<mdstat::Member<'_>> = KVec::new();
        let mut in_sync: KVec<bool> = KVec::new();
        if members.reserve(st.disks.len(), GFP_KERNEL).is_err()
            || in_sync
                .extend_with(st.raid_disks as usize, false, GFP_KERNEL)
                .is_err()
        {
            md_err!("md: {}: out of memory listing the array\n", m.name());
            continue;
        }
        for r in st.disks.iter().rev() {
            let _ = members.push(
                mdstat::Member {
                    name: r.name(),
                    desc_nr: r.desc_nr,
                    flags: mdstat::MemberFlags {
                        write_mostly: r.test(rdev::flag::WRITE_MOSTLY),
                        faulty: r.faulty(),
                        spare: r.raid_disk() < 0,
                        ..Default::default()
                    },
                    sectors: r.data_sectors(),
                },
                GFP_KERNEL,
            );
        }
        for r in st.disks.iter() {
            if let Some(s) = r.slot().and_then(|i| in_sync.get_mut(i)) {
                *s = r.in_sync();
            }
        }
        let conf = m.conf();
        let sync = match (m.sync.running(), &conf) {
            (Some(action), _) => {
                let curr = m.sync.curr.load(Ordering::Acquire);
                let mark_cnt = m.sync.mark_cnt.load(Ordering::Acquire);
                Some(mdstat::SyncLine::Progress(resync::Progress {
                    action,
                    done: curr,
                    total: m.sync.max.load(Ordering::Acquire),
                    since_mark_ms: sys::time::now_ms()
                        .saturating_sub(m.sync.mark_ms.load(Ordering::Acquire)),
                    since_mark_sectors: curr.saturating_sub(mark_cnt),
                }))
            }
            (None, Some(_)) if m.resync_offset() < superblock::MAX_SECTOR => {
                Some(mdstat::SyncLine::Pending)
            }
            _ => None,
        };
        let running = st.pers.map(|p| mdstat::Running {
            personality: p.name,
            broken: false,
            read_only: m.ro() == Ro::Rdonly,
            auto_read_only: m.ro() == Ro::AutoRead,
            array_sectors: st.dev_sectors,
            raid_disks: st.raid_disks,
            in_sync: &in_sync,
            sync,
        });
        let status = mdstat::ArrayStatus {
            name: m.name(),
            members: &members,
            running,
            metadata,
            raid_disks: st.raid_disks,
            bitmap: m.bitmap().map(|b| {
                let s = b.stats();
                mdstat::BitmapLine {
                    used_pages: s.used_pages,
                    pages: s.pages,
                    chunksize: s.chunksize,
                }
            }),
        };
        let _ = mdstat::write_array(out, &status);
    }
    let _ = mdstat::write_unused(out, &[]);
}
