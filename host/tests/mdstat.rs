//! /proc/mdstat text, checked against what the kernel's md prints.

use rust_md_host::mdstat::*;

fn render(f: impl FnOnce(&mut String) -> core::fmt::Result) -> String {
    let mut s = String::new();
    f(&mut s).unwrap();
    s
}

#[test]
fn empty_mdstat_matches_c_md() {
    let mut s = String::new();
    write_personalities(&mut s, &["raid1"]).unwrap();
    write_unused(&mut s, &[]).unwrap();
    assert_eq!(s, "Personalities : [raid1] \nunused devices: <none>\n");
}

#[test]
fn no_personalities() {
    assert_eq!(render(|s| write_personalities(s, &[])), "Personalities : \n");
}

#[test]
fn unused_devices_listed() {
    assert_eq!(render(|s| write_unused(s, &["vdc", "vdd"])), "unused devices: vdc vdd \n");
}

fn member(name: &str, desc_nr: i32) -> Member<'_> {
    Member { name, desc_nr, flags: MemberFlags::default(), sectors: 2093056 }
}

#[test]
fn active_raid1_two_mirrors() {
    let members = [member("vdb", 1), member("vda", 0)];
    let a = ArrayStatus {
        name: "md0",
        members: &members,
        running: Some(Running {
            personality: "raid1",
            broken: false,
            read_only: false,
            auto_read_only: false,
            array_sectors: 2093056,
            raid_disks: 2,
            in_sync: &[true, true],
            sync: None,
        }),
        metadata: Metadata::Persistent { major: 1, minor: 2 },
        raid_disks: 2,
        bitmap: None,
    };
    assert_eq!(
        render(|s| write_array(s, &a)),
        "md0 : active raid1 vdb[1] vda[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n      \n"
    );
}

#[test]
fn degraded_with_faulty_and_spare() {
    let mut f = member("vdb", 1);
    f.flags.faulty = true;
    let mut sp = member("vdc", 2);
    sp.flags.spare = true;
    let members = [sp, f, member("vda", 0)];
    let a = ArrayStatus {
        name: "md0",
        members: &members,
        running: Some(Running {
            personality: "raid1",
            broken: false,
            read_only: true,
            auto_read_only: false,
            array_sectors: 2048,
            raid_disks: 2,
            in_sync: &[true, false],
            sync: None,
        }),
        metadata: Metadata::Persistent { major: 0, minor: 90 },
        raid_disks: 2,
        bitmap: None,
    };
    assert_eq!(
        render(|s| write_array(s, &a)),
        "md0 : active (read-only) raid1 vdc[2](S) vdb[1](F) vda[0]\n      1024 blocks [2/1] [U_]\n      \n"
    );
}

#[test]
fn inactive_array_sums_member_sizes() {
    let mut a0 = member("vda", 0);
    a0.flags.spare = true;
    let mut a1 = member("vdb", 1);
    a1.flags.spare = true;
    let members = [a1, a0];
    let a = ArrayStatus {
        name: "md0",
        members: &members,
        running: None,
        metadata: Metadata::Persistent { major: 1, minor: 2 },
        raid_disks: 0,
        bitmap: None,
    };
    assert_eq!(
        render(|s| write_array(s, &a)),
        "md0 : inactive vdb[1](S) vda[0](S)\n      2093056 blocks super 1.2\n       \n"
    );
}

#[test]
fn unconfigured_array_not_listed() {
    let a = ArrayStatus {
        name: "md0",
        members: &[],
        running: None,
        metadata: Metadata::NonPersistent,
        raid_disks: 0,
        bitmap: None,
    };
    assert_eq!(render(|s| write_array(s, &a)), "");
}

/// md_bitmap_status's line, as the C md prints it under the member line.
#[test]
fn bitmap_line() {
    let members = [Member {
        name: "vda",
        desc_nr: 0,
        flags: MemberFlags::default(),
        sectors: 2048,
    }];
    let a = ArrayStatus {
        name: "md0",
        members: &members,
        running: Some(Running {
            personality: "raid1",
            broken: false,
            read_only: false,
            auto_read_only: false,
            array_sectors: 2048,
            raid_disks: 1,
            in_sync: &[true],
            sync: None,
        }),
        metadata: Metadata::Persistent { major: 1, minor: 2 },
        raid_disks: 1,
        bitmap: Some(BitmapLine {
            used_pages: 1,
            pages: 8,
            chunksize: 65536 * 1024,
        }),
    };
    let mut s = String::new();
    write_array(&mut s, &a).unwrap();
    assert_eq!(
        s,
        "md0 : active raid1 vda[0]\n      1024 blocks super 1.2 [1/1] [U]\n      bitmap: 1/8 pages [4KB], 65536KB chunk\n\n"
    );
    let mut s = String::new();
    write_bitmap(&mut s, &BitmapLine { used_pages: 0, pages: 1, chunksize: 512 }).unwrap();
    assert_eq!(s, "bitmap: 0/1 pages [0KB], 512B chunk\n");
}

#[test]
fn write_mostly_marks_come_first() {
    // md_seq_show: (W) before (J), (F) and (S).
    let mut w = member("vdb", 1);
    w.flags.write_mostly = true;
    let mut wf = member("vdc", 2);
    wf.flags.write_mostly = true;
    wf.flags.faulty = true;
    let mut ws = member("vdd", 3);
    ws.flags.write_mostly = true;
    ws.flags.spare = true;
    let members = [ws, wf, w, member("vda", 0)];
    let a = ArrayStatus {
        name: "md0",
        members: &members,
        running: Some(Running {
            personality: "raid1",
            broken: false,
            read_only: false,
            auto_read_only: false,
            array_sectors: 2048,
            raid_disks: 2,
            in_sync: &[true, true],
            sync: None,
        }),
        metadata: Metadata::Persistent { major: 1, minor: 2 },
        raid_disks: 2,
        bitmap: None,
    };
    assert_eq!(
        render(|s| write_array(s, &a)),
        "md0 : active raid1 vdd[3](W)(S) vdc[2](W)(F) vdb[1](W) vda[0]\n      1024 blocks super 1.2 [2/2] [UU]\n      \n"
    );
}
