//! Handmade superblocks shaped like the ones mdadm 4.2 writes at `--create`, and the
//! `mdadm --examine` reader.

#![allow(dead_code)]

pub mod examine;

use rust_md_host::superblock::*;

/// 64 MiB member, the size the golden vectors use.
pub const DEV_SECTORS: u64 = 131072;

pub const SET_UUID: [u8; 16] = [
    0x3a, 0xaa, 0x01, 0x22, 0x29, 0x82, 0x7c, 0xfa, 0x53, 0x31, 0xad, 0x66, 0xca, 0x76, 0x73, 0x71,
];

/// A v1.`minor` superblock for member `dev_number` of an `n`-member raid1, as mdadm
/// 4.2 writes it at create (no bitmap: the member is small).
pub fn mdadm_sb1(minor: u32, n: u32, dev_number: u32) -> Sb1 {
    let mut sb = Sb1::new();
    sb.set_uuid = SET_UUID;
    sb.set_name("vm:0".as_bytes()).unwrap();
    sb.ctime = 1_700_000_000;
    sb.level = 1;
    sb.layout = 0;
    sb.chunksize = 0;
    sb.raid_disks = n;
    sb.super_offset = sb_offset_sectors(minor, DEV_SECTORS).unwrap();
    match minor {
        0 => {
            // Data first; 8 KiB kept for the bitmap space and the bad block log.
            sb.data_offset = 0;
            sb.data_size = sb.super_offset - 16;
            sb.bblog_offset = -8;
        }
        _ => {
            // Superblock, 4 KiB bitmap space, then the bad block log; data at 1 MiB.
            sb.data_offset = 2048;
            sb.data_size = DEV_SECTORS - 2048;
            sb.bblog_offset = 8 + 8;
        }
    }
    sb.size = sb.data_size & !7;
    sb.bblog_size = 8;
    sb.dev_number = dev_number;
    sb.device_uuid = [dev_number as u8 + 1; 16];
    sb.utime = sb.ctime;
    sb.events = 0;
    sb.resync_offset = 0;
    sb.max_dev = 128;
    for i in 0..128u32 {
        let role = if i < n {
            Role::Active(i as u16)
        } else {
            Role::Spare
        };
        sb.set_role(i, role).unwrap();
    }
    sb.update_csum().unwrap();
    sb
}

/// Encodes `sb` into a fresh 4 KiB buffer.
pub fn encode1(sb: &Sb1) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let n = sb.encode(&mut buf).unwrap();
    assert_eq!(n, 256 + 2 * sb.max_dev as usize);
    buf
}

/// The device size to pretend for a v0.90 member of `DEV_SECTORS`.
pub fn sb0_start() -> u64 {
    sb0_offset_sectors(DEV_SECTORS).unwrap()
}

/// A v0.90 superblock for member `this` of an `n`-member raid1, as mdadm writes it.
pub fn mdadm_sb0(n: u32, this: u32) -> Sb0 {
    let mut sb = Sb0::new();
    sb.md_magic = MD_SB_MAGIC;
    sb.major_version = 0;
    sb.minor_version = 90;
    sb.set_uuid0 = 0x2201aa3a;
    sb.set_uuid1 = 0xfa7c8229;
    sb.set_uuid2 = 0x66ad3153;
    sb.set_uuid3 = 0x717376ca;
    sb.ctime = 1_700_000_000;
    sb.level = 1;
    sb.size = (sb0_start() / 2) as u32;
    sb.nr_disks = n;
    sb.raid_disks = n;
    sb.md_minor = 0;
    sb.utime = sb.ctime;
    sb.state = SB0_STATE_CLEAN;
    sb.active_disks = n;
    sb.working_disks = n;
    sb.set_events(1);
    sb.cp_events_lo = 1;
    for i in 0..n {
        let d = &mut sb.disks[i as usize];
        d.number = i;
        d.major = 253;
        d.minor = 16 * i;
        d.raid_disk = i;
        d.state = DISK_ACTIVE | DISK_SYNC;
    }
    sb.this_disk = sb.disks[this as usize];
    sb.update_csum();
    sb
}

pub fn encode0(sb: &Sb0) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    assert_eq!(sb.encode(&mut buf), Ok(4096));
    buf
}
