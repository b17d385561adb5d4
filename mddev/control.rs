// SPDX-License-Identifier: GPL-2.0
//! md_ioctl: the control interface mdadm drives.

use super::*;

pub(crate) fn copy_to_user(arg: usize, data: &[u8]) -> Result {
    UserSlice::new(arg, data.len()).writer().write_slice(data)
}

pub(crate) fn copy_from_user<const N: usize>(arg: usize) -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    UserSlice::new(arg, N).reader().read_slice(&mut buf)?;
    Ok(buf)
}

/// md_ioctl: the control interface mdadm drives.
pub(crate) fn md_ioctl(m: ArcBorrow<'_, Mddev>, raw: u32, arg: usize, admin: bool) -> Result {
    let cmd = Cmd::from_raw(raw).filter(|c| c.known()).ok_or(ENOTTY)?;
    if !cmd.unprivileged() && !admin {
        return Err(EACCES);
    }
    // What runs under the state lock must not reclaim into this array's writes,
    // which may wait for that lock (md's reconfiguring paths run memalloc_noio).
    let _noio = sys::util::NoIo::enter();
    match cmd {
        Cmd::RaidVersion => return copy_to_user(arg, &ioctl::encode_version()),
        Cmd::GetArrayInfo => {
            let info = {
                let st = m.state.lock();
                if st.raid_disks == 0 {
                    return Err(ENODEV);
                }
                array_info(&m, &st)
            };
            return copy_to_user(arg, &info.encode());
        }
        Cmd::GetDiskInfo => {
            let mut info = ioctl::DiskInfo::decode(&copy_from_user(arg)?);
            {
                let st = m.state.lock();
                if st.raid_disks == 0 {
                    return Err(ENODEV);
                }
                disk_info(&st, &mut info);
            }
            return copy_to_user(arg, &info.encode());
        }
        Cmd::SetDiskFaulty => {
            let (major, minor) = ioctl::decode_dev(arg as u64);
            let dev = mkdev(major as i32, minor as i32)?;
            let mut st = m.state.lock();
            return set_disk_faulty(&m, &mut st, dev);
        }
        Cmd::GetBitmapFile => {
            // No bitmap file: an empty path.
            let zero = [0u8; 256];
            for off in (0..ioctl::BITMAP_FILE_SIZE).step_by(zero.len()) {
                copy_to_user(arg.checked_add(off).ok_or(EFAULT)?, &zero)?;
            }
            return Ok(());
        }
        _ => {}
    }

    if cmd == Cmd::StopArray || cmd == Cmd::StopArrayRo {
        // No opener but us, and none new while stopping (md's MD_CLOSING).
        set_closing(&m, 1)?;
    }
    let mut st = m.state.lock();
    let r = ioctl_locked(&m, &mut st, cmd, arg);
    if !matches!(r, Err(e) if e == EINVAL) {
        m.release_open_hold();
    }
    drop(st);
    // A stopped array stays closed until it is freed; read-only or failed, it reopens.
    if cmd == Cmd::StopArrayRo || (r.is_err() && cmd == Cmd::StopArray) {
        m.closing.store(false, Ordering::Relaxed);
    }
    r
}

pub(crate) fn ioctl_locked(m: &Mddev, st: &mut MddevState, cmd: Cmd, arg: usize) -> Result {
    if cmd == Cmd::SetArrayInfo {
        // md treats a NULL argument as an all-zero structure.
        let info = if arg == 0 {
            ioctl::ArrayInfo::default()
        } else {
            ioctl::ArrayInfo::decode(&copy_from_user(arg)?)
        };
        if st.pers.is_some() {
            let r = update_array_info(m, st, &info);
            if let Err(e) = r {
                md_warn!("md: couldn't update array info. {}\n", e.to_errno());
            }
            return r;
        }
        if st.raid_disks != 0 {
            md_warn!("md: array {} already initialised!\n", m.name());
            return Err(EBUSY);
        }
        if !info.is_version_only() {
            // Creating an array from SET_ARRAY_INFO alone (no superblocks) is md's legacy
            // non-persistent path; it is not supported.
            md_warn!("md: couldn't set array info. {}\n", EINVAL.to_errno());
            return Err(EINVAL);
        }
        if !(0..=1).contains(&info.major_version) {
            md_warn!("md: superblock version {} not known\n", info.major_version);
            md_warn!("md: couldn't set array info. {}\n", EINVAL.to_errno());
            return Err(EINVAL);
        }
        st.major_version = info.major_version;
        st.minor_version = info.minor_version;
        st.patch_version = info.patch_version;
        st.persistent = info.not_persistent == 0;
        // As md: some minimal configuration, so the array is not deleted at last close.
        st.ctime = sys::time::real_seconds();
        m.update_configured(st);
        return Ok(());
    }
    if st.raid_disks == 0 && !cmd.allowed_unconfigured() {
        return Err(ENODEV);
    }
    match cmd {
        Cmd::StopArray => do_md_stop(m, st, true, 1),
        Cmd::StopArrayRo => md_set_readonly(m, st, 1),
        Cmd::RestartArrayRw => restart_array(m, st),
        Cmd::RunArray => do_md_run(m, st),
        // Everything else changes the array: a read-auto array turns read-write
        // first, a read-only one refuses.
        _ if st.pers.is_some() && m.ro() == Ro::Rdonly => Err(EROFS),
        Cmd::AddNewDisk => {
            let mut info = ioctl::DiskInfo::decode(&copy_from_user(arg)?);
            if st.pers.is_some() && info.state & ioctl::disk_state::SYNC == 0 {
                info.raid_disk = -1;
            }
            add_new_disk(m, st, &info)
        }
        Cmd::HotRemoveDisk => {
            let (major, minor) = ioctl::decode_dev(arg as u64);
            hot_remove_disk(m, st, mkdev(major as i32, minor as i32)?)
        }
        Cmd::HotAddDisk => Err(ENODEV),
        // External bitmap files (mdadm --bitmap=/path) are not kept by this md_mod:
        // one clear line, as md built without CONFIG_MD_BITMAP_FILE says it.
        Cmd::SetBitmapFile if arg as i32 >= 0 => {
            md_warn!("{}: bitmap files not supported by this kernel\n", m.name());
            Err(EINVAL)
        }
        _ => Err(EINVAL),
    }
}

/// mdu_array_info_t state bit MD_SB_BITMAP_PRESENT.
const SB_BITMAP_PRESENT: i32 = 1 << 8;

/// update_array_info: SET_ARRAY_INFO on a running array. Every field md checks
/// must match the array, except that the bitmap bit may flip (the low 8 state
/// bits are ignored); at most one of size, raid_disks, layout and the bitmap may
/// change. Only the bitmap can change here: added at the metadata's default
/// place (where mdadm wrote it) or removed.
fn update_array_info(m: &Mddev, st: &mut MddevState, info: &ioctl::ArrayInfo) -> Result {
    let state = if m.bitmap().is_some() {
        SB_BITMAP_PRESENT
    } else {
        0
    };
    if st.major_version != info.major_version
        || st.minor_version != info.minor_version
        || st.ctime != u64::from(info.ctime)
        || st.level != info.level
        || st.persistent != (info.not_persistent == 0)
        || i64::from(st.chunk_sectors) != i64::from(info.chunk_size >> 9)
        || ((state ^ info.state) as u32 & 0xffff_fe00) != 0
    {
        return Err(EINVAL);
    }
    let size = info.size >= 0 && st.dev_sectors / 2 != info.size as u64;
    let disks = i64::from(st.raid_disks) != i64::from(info.raid_disks);
    let layout = st.layout != info.layout;
    let bitmap = (state ^ info.state) & SB_BITMAP_PRESENT != 0;
    match [size, disks, layout, bitmap].iter().filter(|c| **c).count() {
        0 => return Ok(()),
        1 => {}
        _ => return Err(EINVAL),
    }
    if layout {
        // raid1's check_reshape refuses a new layout.
        return Err(EINVAL);
    }
    if size || disks {
        // mdadm --grow --size / --raid-devices. As md, the superblocks are written
        // whatever the outcome (a change wrote them already).
        let rv = if size {
            update_size(m, st, info.size as u64 * 2)
        } else {
            u32::try_from(info.raid_disks)
                .map_err(|_| EINVAL)
                .and_then(|n| update_raid_disks(m, st, n))
        };
        if let (Err(_), Some(conf)) = (rv, m.conf()) {
            m.sb_change.store(true, Ordering::Release);
            service_sb(m, st, &*conf, false);
        }
        return rv;
    }
    set_bitmap_present(m, st, info.state & SB_BITMAP_PRESENT != 0)
}

/// GET_ARRAY_INFO's answer from the array's state.
pub(crate) fn array_info(m: &Mddev, st: &MddevState) -> ioctl::ArrayInfo {
    let kib = st.dev_sectors / 2;
    let (mut active, mut working, mut failed, mut spare) = (0, 0, 0, 0);
    for r in st.disks.iter() {
        if r.faulty() {
            failed += 1;
            continue;
        }
        working += 1;
        if r.in_sync() {
            active += 1;
        } else {
            spare += 1;
        }
    }
    ioctl::ArrayInfo {
        major_version: st.major_version,
        minor_version: st.minor_version,
        patch_version: st.patch_version,
        // md clamps the times to 32 bits.
        ctime: u32::try_from(st.ctime).unwrap_or(u32::MAX),
        level: st.level,
        size: i32::try_from(kib).unwrap_or(-1),
        nr_disks: st.disks.len() as i32,
        raid_disks: st.raid_disks as i32,
        md_minor: m.minor as i32,
        not_persistent: i32::from(!st.persistent),
        utime: u32::try_from(st.utime).unwrap_or(u32::MAX),
        // Bit 0: clean (the superblocks say so); bit 8: a bitmap is present.
        state: i32::from(m.in_sync.load(Ordering::SeqCst))
            | if m.bitmap().is_some() {
                SB_BITMAP_PRESENT
            } else {
                0
            },
        active_disks: active,
        working_disks: working,
        failed_disks: failed,
        spare_disks: spare,
        layout: st.layout,
        // md: `chunk_sectors << 9` as an int, the same value md/chunk_size shows.
        chunk_size: crate::sysfs::parse::chunk_size_show(st.chunk_sectors),
    }
}

/// GET_DISK_INFO: the member with descriptor `info.number`, or an empty slot.
pub(crate) fn disk_info(st: &MddevState, info: &mut ioctl::DiskInfo) {
    use ioctl::disk_state::*;
    match st.disks.iter().find(|r| r.desc_nr == info.number) {
        Some(r) => {
            info.major = (r.dev >> 20) as i32;
            info.minor = (r.dev & ((1 << 20) - 1)) as i32;
            info.raid_disk = r.raid_disk();
            info.state = 0;
            if r.faulty() {
                info.state |= FAULTY;
            } else if r.in_sync() {
                info.state |= ACTIVE | SYNC;
            }
            if r.test(rdev::flag::WRITE_MOSTLY) {
                info.state |= WRITEMOSTLY;
            }
            if r.test(rdev::flag::FAIL_FAST) {
                info.state |= FAILFAST;
            }
        }
        None => {
            info.major = 0;
            info.minor = 0;
            info.raid_disk = -1;
            info.state = REMOVED;
        }
    }
}
