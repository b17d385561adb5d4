//! md ioctl numbers, permissions and structure layouts.

use rust_md_host::ioctl::*;

#[test]
fn numbers_match_linux_raid_md_u_h() {
    // _IOR(9, 0x10, mdu_version_t) etc. on x86_64.
    fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
        (dir << 30) | (size << 16) | (9 << 8) | nr
    }
    let (r, w) = (2, 1);
    assert_eq!(Cmd::from_raw(ioc(r, 0x10, 12)), Some(Cmd::RaidVersion));
    assert_eq!(Cmd::from_raw(ioc(r, 0x11, 72)), Some(Cmd::GetArrayInfo));
    assert_eq!(Cmd::from_raw(ioc(r, 0x12, 20)), Some(Cmd::GetDiskInfo));
    assert_eq!(Cmd::from_raw(ioc(r, 0x15, 4096)), Some(Cmd::GetBitmapFile));
    assert_eq!(Cmd::from_raw(ioc(w, 0x21, 20)), Some(Cmd::AddNewDisk));
    assert_eq!(Cmd::from_raw(ioc(w, 0x23, 72)), Some(Cmd::SetArrayInfo));
    assert_eq!(Cmd::from_raw(ioc(w, 0x2b, 4)), Some(Cmd::SetBitmapFile));
    assert_eq!(Cmd::from_raw(ioc(w, 0x30, 12)), Some(Cmd::RunArray));
    assert_eq!(Cmd::from_raw(ioc(0, 0x32, 0)), Some(Cmd::StopArray));
    assert_eq!(Cmd::from_raw(0x1234), None);
    assert!(!Cmd::RaidAutorun.known());
}

#[test]
fn permission_and_configuration_rules() {
    for c in [Cmd::RaidVersion, Cmd::GetArrayInfo, Cmd::GetDiskInfo] {
        assert!(c.unprivileged());
    }
    for c in [Cmd::SetArrayInfo, Cmd::AddNewDisk, Cmd::StopArray, Cmd::RunArray, Cmd::SetDiskFaulty] {
        assert!(!c.unprivileged());
    }
    for c in [Cmd::HotAddDisk, Cmd::HotRemoveDisk, Cmd::RestartArrayRw, Cmd::StopArrayRo] {
        assert!(!c.allowed_unconfigured());
    }
    for c in [Cmd::AddNewDisk, Cmd::StopArray, Cmd::RunArray, Cmd::SetArrayInfo] {
        assert!(c.allowed_unconfigured());
    }
}

#[test]
fn version_bytes() {
    assert_eq!(encode_version(), [0, 0, 0, 0, 90, 0, 0, 0, 3, 0, 0, 0]);
}

#[test]
fn array_info_round_trip_and_version_only() {
    let mut b = [0u8; ARRAY_INFO_SIZE];
    b[0] = 1;
    b[4] = 2;
    let info = ArrayInfo::decode(&b);
    assert_eq!((info.major_version, info.minor_version), (1, 2));
    assert!(info.is_version_only());
    assert_eq!(info.encode(), b);
    let full = ArrayInfo { raid_disks: 2, level: 1, ..info };
    assert!(!full.is_version_only());
    // md looks at raid_disks alone.
    let odd = ArrayInfo { layout: 5, ..info };
    assert!(odd.is_version_only());
    let mut all = [0u8; ARRAY_INFO_SIZE];
    for (i, x) in all.iter_mut().enumerate() {
        *x = i as u8;
    }
    assert_eq!(ArrayInfo::decode(&all).encode(), all);
}

#[test]
fn disk_info_round_trip() {
    let d = DiskInfo { number: 3, major: 254, minor: 16, raid_disk: -1, state: disk_state::REMOVED };
    assert_eq!(DiskInfo::decode(&d.encode()), d);
}

#[test]
fn dev_t_decoding() {
    assert_eq!(decode_dev(0xfd10), (0xfd, 0x10));
    assert_eq!(decode_dev((259 << 8) | 5 | (0x123 << 20)), (259, 5 | (0x123 << 8)));
}

#[test]
#[cfg(target_arch = "x86_64")]
fn numbers_pinned_to_the_x86_64_values() {
    // The values md_mod matched by hand before the encoder (linux/raid/md_u.h on x86_64).
    let pinned = [
        (RAID_VERSION, 0x800c_0910, Cmd::RaidVersion),
        (GET_ARRAY_INFO, 0x8048_0911, Cmd::GetArrayInfo),
        (GET_DISK_INFO, 0x8014_0912, Cmd::GetDiskInfo),
        (RAID_AUTORUN, 0x0000_0914, Cmd::RaidAutorun),
        (GET_BITMAP_FILE, 0x9000_0915, Cmd::GetBitmapFile),
        (ADD_NEW_DISK, 0x4014_0921, Cmd::AddNewDisk),
        (HOT_REMOVE_DISK, 0x0000_0922, Cmd::HotRemoveDisk),
        (SET_ARRAY_INFO, 0x4048_0923, Cmd::SetArrayInfo),
        (HOT_ADD_DISK, 0x0000_0928, Cmd::HotAddDisk),
        (SET_DISK_FAULTY, 0x0000_0929, Cmd::SetDiskFaulty),
        (SET_BITMAP_FILE, 0x4004_092b, Cmd::SetBitmapFile),
        (RUN_ARRAY, 0x400c_0930, Cmd::RunArray),
        (STOP_ARRAY, 0x0000_0932, Cmd::StopArray),
        (STOP_ARRAY_RO, 0x0000_0933, Cmd::StopArrayRo),
        (RESTART_ARRAY_RW, 0x0000_0934, Cmd::RestartArrayRw),
        (CLUSTERED_DISK_NACK, 0x0000_0935, Cmd::ClusteredDiskNack),
    ];
    for (value, x86_64, cmd) in pinned {
        assert_eq!(value, x86_64, "{cmd:?}");
        assert_eq!(Cmd::from_raw(x86_64), Some(cmd));
    }
}
