//! Cross-checks the encoder against the host's own mdadm: superblocks written by
//! `Sb1::encode` / `Sb0::encode` into image files must be read back by
//! `mdadm --examine` with a correct checksum and the same fields. Skipped (with a note)
//! when mdadm is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use rust_md_host::superblock::*;

fn mdadm() -> Option<PathBuf> {
    ["/sbin/mdadm", "/usr/sbin/mdadm", "/usr/local/sbin/mdadm"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn examine(mdadm: &Path, image: &Path) -> String {
    let out = Command::new(mdadm)
        .arg("--examine")
        .arg(image)
        .env("HOME", "/nonexistent")
        .output()
        .expect("run mdadm");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mdadm --examine failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Writes `sb` at `offset_sectors` of a sparse image of `DEV_SECTORS`.
fn image(name: &str, sb: &[u8], offset_sectors: u64) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rust-md-{}-{name}.img", std::process::id()));
    let mut img = vec![0u8; 0];
    img.resize((offset_sectors * 512) as usize, 0);
    img.extend_from_slice(sb);
    std::fs::write(&path, &img).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(DEV_SECTORS * 512).unwrap();
    path
}

fn variants(minor: u32) -> Vec<(&'static str, Sb1)> {
    let mut v = vec![("create", mdadm_sb1(minor, 2, 0))];
    let mut sb = mdadm_sb1(minor, 3, 1);
    sb.set_name(b"foo").unwrap();
    sb.events = 0x1_0000_0005;
    sb.mark_clean(MAX_SECTOR);
    v.push(("clean-named", sb));
    let mut sb = mdadm_sb1(minor, 2, 1);
    sb.set_faulty(0).unwrap();
    sb.set_role(2, Role::Spare).unwrap();
    sb.events = 9;
    v.push(("degraded", sb));
    let mut sb = mdadm_sb1(minor, 2, 2);
    sb.set_spare(2).unwrap();
    v.push(("spare", sb));
    let mut sb = mdadm_sb1(minor, 2, 1);
    sb.set_recovery_offset(Some(4096));
    sb.max_dev = 129;
    sb.set_role(128, Role::Spare).unwrap();
    v.push(("recovering-odd", sb));
    for (_, sb) in &mut v {
        sb.update_csum().unwrap();
    }
    v
}

#[test]
fn mdadm_examines_our_superblocks() {
    let Some(mdadm) = mdadm() else {
        eprintln!("mdadm not installed: skipping the cross-check");
        return;
    };
    for minor in [0, 1, 2] {
        for (name, sb) in variants(minor) {
            let what = format!("v1.{minor} {name}");
            let buf = encode1(&sb);
            assert_eq!(
                Sb1::decode(&buf, minor, DEV_SECTORS).as_ref(),
                Ok(&sb),
                "{what}"
            );
            let path = image(&format!("1{minor}-{name}"), &buf, sb.super_offset);
            let text = examine(&mdadm, &path);
            std::fs::remove_file(&path).unwrap();
            examine::check_sb1(&sb, &examine::parse(&text), &what);
        }
    }
    for (name, mut sb) in [("clean", mdadm_sb0(2, 1)), ("dirty", mdadm_sb0(3, 0))] {
        if name == "dirty" {
            sb.mark_dirty();
            sb.set_events(0x2_0000_0003);
            sb.update_csum();
        }
        let buf = encode0(&sb);
        let path = image(&format!("090-{name}"), &buf, sb0_start());
        let text = examine(&mdadm, &path);
        std::fs::remove_file(&path).unwrap();
        examine::check_sb0(&sb, &examine::parse(&text), &format!("0.90 {name}"));
    }
}
