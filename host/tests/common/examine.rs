//! Reading `mdadm --examine` output and checking a decoded superblock against it.

use std::collections::HashMap;

use rust_md_host::superblock::*;

/// `Key : value` lines of one device's `mdadm --examine` output (first occurrence wins;
/// the v0.90 device table is skipped).
pub fn parse(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(" : ") else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.contains(' ') && k.starts_with(char::is_numeric) {
            continue;
        }
        map.entry(k.to_string())
            .or_insert_with(|| v.trim().to_string());
    }
    map
}

fn get<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k)
        .unwrap_or_else(|| panic!("examine output has no {k:?}: {m:?}"))
}

/// The `Array State` letters mdadm derives from `dev_roles`.
pub fn array_state(sb: &Sb1) -> String {
    let extra = if sb.feature_map & FEATURE_RESHAPE_ACTIVE != 0 && sb.delta_disks < 0 {
        sb.delta_disks.unsigned_abs()
    } else {
        0
    };
    (0..sb.raid_disks + extra)
        .map(|d| {
            let cnt = sb.roles().iter().filter(|&&r| u32::from(r) == d).count();
            match cnt {
                2 if sb.level > 0 => 'R',
                1 => 'A',
                0 => '.',
                _ => '?',
            }
        })
        .collect()
}

/// mdadm's `Device Role` text.
pub fn device_role(sb: &Sb1) -> String {
    match sb.this_role() {
        Role::Spare | Role::Faulty => "spare".into(),
        Role::Journal => "Journal".into(),
        Role::Active(n) if sb.feature_map & FEATURE_REPLACEMENT != 0 => {
            format!("Replacement device {n}")
        }
        Role::Active(n) => format!("Active device {n}"),
    }
}

/// Checks every field mdadm prints that the codec exposes.
pub fn check_sb1(sb: &Sb1, m: &HashMap<String, String>, what: &str) {
    let ver = match sb.super_offset {
        0..=4 => "1.1",
        5..=8 => "1.2",
        _ => "1.0",
    };
    assert_eq!(get(m, "Version"), ver, "{what}");
    assert_eq!(
        get(m, "Feature Map"),
        format!("{:#x}", sb.feature_map),
        "{what}"
    );
    assert_eq!(get(m, "Array UUID"), sb.mdadm_uuid().to_string(), "{what}");
    let name = get(m, "Name");
    let name = name.split("  (local to host").next().unwrap();
    assert_eq!(name.as_bytes(), sb.name(), "{what}");
    assert_eq!(get(m, "Raid Devices"), sb.raid_disks.to_string(), "{what}");
    if sb.level == 1 {
        assert_eq!(get(m, "Raid Level"), "raid1", "{what}");
    }
    assert_eq!(
        get(m, "Avail Dev Size").split(' ').next().unwrap(),
        sb.data_size.to_string(),
        "{what}"
    );
    if sb.data_offset != 0 {
        assert_eq!(
            get(m, "Data Offset"),
            format!("{} sectors", sb.data_offset),
            "{what}"
        );
    } else {
        assert!(!m.contains_key("Data Offset"), "{what}");
    }
    assert_eq!(
        get(m, "Super Offset"),
        format!("{} sectors", sb.super_offset),
        "{what}"
    );
    if let Some(r) = sb.recovery() {
        assert_eq!(get(m, "Recovery Offset"), format!("{r} sectors"), "{what}");
    }
    let state = get(m, "State");
    let want = if sb.is_clean() { "clean" } else { "active" };
    assert_eq!(state.split(' ').next().unwrap(), want, "{what}");
    assert_eq!(
        get(m, "Device UUID"),
        UuidFmt::mdadm(sb.device_uuid).to_string(),
        "{what}"
    );
    if sb.bblog_size != 0 && sb.bblog_offset != 0 {
        let bbl = get(m, "Bad Block Log");
        let want = format!(
            "{} entries available at offset {} sectors",
            u32::from(sb.bblog_size) * 512 / 8,
            sb.bblog_offset
        );
        assert!(bbl.starts_with(&want), "{what}: {bbl:?} vs {want:?}");
    }
    assert_eq!(
        get(m, "Checksum"),
        format!("{:x} - correct", sb.sb_csum),
        "{what}"
    );
    assert_eq!(get(m, "Events"), sb.events.to_string(), "{what}");
    assert_eq!(get(m, "Device Role"), device_role(sb), "{what}");
    assert_eq!(
        get(m, "Array State").split(' ').next().unwrap(),
        array_state(sb),
        "{what}"
    );
}

/// The `this` row of mdadm's v0.90 device table: number, major, minor, raid disk.
pub fn this_row(text: &str) -> Option<[u32; 4]> {
    let line = text.lines().find(|l| l.trim_start().starts_with("this "))?;
    let mut nums = line
        .split_whitespace()
        .skip(1)
        .map(|w| w.parse::<u32>().ok());
    Some([nums.next()??, nums.next()??, nums.next()??, nums.next()??])
}

/// Checks the v0.90 fields mdadm prints.
pub fn check_sb0(sb: &Sb0, m: &HashMap<String, String>, what: &str) {
    assert_eq!(
        get(m, "Version"),
        format!(
            "{}.{:02}.{:02}",
            sb.major_version, sb.minor_version, sb.patch_version
        ),
        "{what}"
    );
    let uuid = get(m, "UUID").split(" (local to host").next().unwrap();
    assert_eq!(uuid, sb.mdadm_uuid().to_string(), "{what}");
    assert_eq!(get(m, "Raid Devices"), sb.raid_disks.to_string(), "{what}");
    assert_eq!(get(m, "Total Devices"), sb.nr_disks.to_string(), "{what}");
    assert_eq!(get(m, "Preferred Minor"), sb.md_minor.to_string(), "{what}");
    let want = if sb.is_clean() { "clean" } else { "active" };
    assert_eq!(get(m, "State"), want, "{what}");
    assert_eq!(
        get(m, "Active Devices"),
        sb.active_disks.to_string(),
        "{what}"
    );
    assert_eq!(
        get(m, "Working Devices"),
        sb.working_disks.to_string(),
        "{what}"
    );
    assert_eq!(
        get(m, "Failed Devices"),
        sb.failed_disks.to_string(),
        "{what}"
    );
    assert_eq!(
        get(m, "Spare Devices"),
        sb.spare_disks.to_string(),
        "{what}"
    );
    assert_eq!(
        get(m, "Checksum"),
        format!("{:x} - correct", sb.sb_csum),
        "{what}"
    );
    assert_eq!(get(m, "Events"), sb.events().to_string(), "{what}");
}
