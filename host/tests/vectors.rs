//! Golden vectors written by real mdadm 4.2 and the kernel's own md
//! (`tests/vectors/<meta>/<case>/`, made by `tests/vectors/make-vectors.sh`): every
//! superblock decodes, agrees with the `mdadm --examine` output recorded next to it and
//! re-encodes byte for byte; and the update functions applied to one step reproduce
//! what the kernel wrote at the next.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::examine;
use rust_md_host::superblock::{self, *};

const METAS: [&str; 4] = ["0.90", "1.0", "1.1", "1.2"];

/// `tests/vectors`, or `$RUST_MD_VECTORS` to try freshly generated ones.
fn root() -> PathBuf {
    match std::env::var_os("RUST_MD_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors"),
    }
}

/// One member's snapshot.
struct Snap {
    bytes: Vec<u8>,
    examine: String,
    dev_sectors: u64,
}

/// `cases[meta][case][dev]`.
type Vectors = BTreeMap<String, BTreeMap<String, BTreeMap<String, Snap>>>;

fn load() -> Vectors {
    let mut all = Vectors::new();
    for meta in METAS {
        let Ok(cases) = std::fs::read_dir(root().join(meta)) else {
            continue;
        };
        for case in cases {
            let case = case.unwrap().path();
            let sectors: u64 = std::fs::read_to_string(case.join("dev-sectors"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            for f in std::fs::read_dir(&case).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_none_or(|e| e != "sb") {
                    continue;
                }
                let dev = f.file_stem().unwrap().to_str().unwrap().to_string();
                let member = Snap {
                    bytes: std::fs::read(&f).unwrap(),
                    examine: std::fs::read_to_string(case.join(format!("examine-{dev}.txt")))
                        .unwrap(),
                    dev_sectors: sectors,
                };
                all.entry(meta.to_string())
                    .or_default()
                    .entry(case.file_name().unwrap().to_str().unwrap().to_string())
                    .or_default()
                    .insert(dev, member);
            }
        }
    }
    all
}

fn minor(meta: &str) -> u32 {
    match meta {
        "1.0" => 0,
        "1.1" => 1,
        "1.2" => 2,
        _ => panic!("not a v1 metadata: {meta}"),
    }
}

fn sb1(v: &Vectors, meta: &str, case: &str, dev: &str) -> Sb1 {
    let m = &v[meta][case][dev];
    Sb1::decode(&m.bytes, minor(meta), m.dev_sectors)
        .unwrap_or_else(|e| panic!("{meta}/{case}/{dev}: {e}"))
}

fn sb0(v: &Vectors, case: &str, dev: &str) -> Sb0 {
    let m = &v["0.90"][case][dev];
    Sb0::decode(&m.bytes, m.dev_sectors).unwrap_or_else(|e| panic!("0.90/{case}/{dev}: {e}"))
}

/// The vectors, or `None` (with a note) when they have not been generated.
fn vectors() -> Option<Vectors> {
    let v = load();
    if v.is_empty() {
        eprintln!(
            "no golden vectors under {}: run tests/vectors/make-vectors.sh",
            root().display()
        );
        return None;
    }
    Some(v)
}

#[test]
fn every_vector_decodes_matches_examine_and_round_trips() {
    let Some(v) = vectors() else { return };
    let mut n = 0;
    for (meta, cases) in &v {
        for (case, devs) in cases {
            for (dev, m) in devs {
                let what = format!("{meta}/{case}/{dev}");
                let fields = examine::parse(&m.examine);
                if meta == "0.90" {
                    let sb = sb0(&v, case, dev);
                    examine::check_sb0(&sb, &fields, &what);
                    let d = sb.this_disk;
                    assert_eq!(
                        examine::this_row(&m.examine),
                        Some([d.number, d.major, d.minor, d.raid_disk]),
                        "{what}"
                    );
                    let mut out = vec![0u8; 4096];
                    sb.encode(&mut out).unwrap();
                    assert_eq!(out, m.bytes, "{what}: re-encode differs");
                } else {
                    let sb = sb1(&v, meta, case, dev);
                    examine::check_sb1(&sb, &fields, &what);
                    let mut out = vec![0u8; 4096];
                    let len = sb.encode(&mut out).unwrap();
                    assert_eq!(out[..len], m.bytes[..len], "{what}: re-encode differs");
                    assert_eq!(sb.checksum(), Ok(sb.sb_csum), "{what}");
                }
                n += 1;
            }
        }
    }
    eprintln!("checked {n} golden superblocks");
}

fn v1_metas(v: &Vectors) -> impl Iterator<Item = &str> {
    v.keys().map(String::as_str).filter(|m| *m != "0.90")
}

/// `pred` with the changes `f` makes, and events and utime taken from `succ` (their
/// exact values depend on how many updates md made in between), must be `succ`.
fn assert_successor(pred: &Sb1, succ: &Sb1, what: &str, f: impl FnOnce(&mut Sb1)) {
    assert!(succ.events >= pred.events, "{what}: events went back");
    let mut sb = pred.clone();
    f(&mut sb);
    sb.events = succ.events;
    sb.set_utime(succ.utime);
    sb.update_csum().unwrap();
    assert_eq!(&sb, succ, "{what}");
}

/// What mdadm 4.2 writes at create, as `common::mdadm_sb1` models it: everything but
/// the uuids, name and times must match the real thing (`--assume-clean`, which md
/// leaves untouched: events 0).
#[test]
fn handmade_create_matches_real_mdadm() {
    let Some(v) = vectors() else { return };
    for meta in v1_metas(&v) {
        for (i, dev) in ["vda", "vdb"].iter().enumerate() {
            let real = sb1(&v, meta, "assume-clean", dev);
            assert_eq!(
                v[meta]["assume-clean"][*dev].dev_sectors,
                common::DEV_SECTORS
            );
            let mut hand = common::mdadm_sb1(minor(meta), 2, i as u32);
            hand.set_uuid = real.set_uuid;
            hand.set_name = real.set_name;
            hand.device_uuid = real.device_uuid;
            hand.ctime = real.ctime;
            hand.utime = real.utime;
            // --assume-clean: the one difference from a plain create.
            hand.mark_clean(MAX_SECTOR);
            // mdadm rounds the used size to its own boundary.
            hand.size = real.size;
            hand.update_csum().unwrap();
            assert_eq!(hand, real, "{meta}/assume-clean/{dev}");
            assert_eq!(real.events, 0);
            assert_eq!(real.max_dev, 128);
        }
    }
}

#[test]
fn case_shapes() {
    let Some(v) = vectors() else { return };
    for meta in v1_metas(&v) {
        let what = |case: &str| format!("{meta}/{case}");
        // Three members: slots 0..2, spares elsewhere.
        let three = sb1(&v, meta, "three", "vdc");
        assert_eq!(three.raid_disks, 3);
        assert_eq!(
            &three.roles()[..4],
            &[0, 1, 2, ROLE_SPARE],
            "{}",
            what("three")
        );
        // A spare: its own role is 0xffff and md counts it as spare.
        let spare = sb1(&v, meta, "spare", "vdc");
        assert_eq!(spare.this_role(), Role::Spare, "{}", what("spare"));
        assert!(spare.is_spare());
        assert!(!sb1(&v, meta, "spare", "vda").is_spare());
        // --name=foo (mdadm prefixes the homehost).
        let named = sb1(&v, meta, "name", "vda");
        assert!(named.name().ends_with(b"foo"), "{}", what("name"));
        assert!(sb1(&v, meta, "create", "vda").name().ends_with(b":0"));
        // A clean stop leaves resync_offset at MaxSector and both members equal.
        let (a, b) = (
            sb1(&v, meta, "stopped", "vda"),
            sb1(&v, meta, "stopped", "vdb"),
        );
        assert!(a.is_clean() && b.is_clean(), "{}", what("stopped"));
        assert_eq!(a.events, b.events);
        // Mid-recovery the new member records its checkpoint with feature bit 2.
        let rec = sb1(&v, meta, "recovering", "vdb");
        let off = rec
            .recovery()
            .expect("recovering member has a recovery_offset");
        assert!(
            off > 0 && off < rec.data_size,
            "{}: {off}",
            what("recovering")
        );
        assert!(sb1(&v, meta, "recovering", "vda").recovery().is_none());
    }
}

#[test]
fn update_functions_reproduce_kernel_writes() {
    let Some(v) = vectors() else { return };
    for meta in v1_metas(&v) {
        let w = |case: &str, dev: &str| format!("{meta}/{case}/{dev}");
        let s = |case: &str, dev: &str| sb1(&v, meta, case, dev);

        // Initial resync done: the array is marked clean.
        assert_successor(
            &s("create", "vda"),
            &s("resynced", "vda"),
            &w("resynced", "vda"),
            |p| p.mark_clean(MAX_SECTOR),
        );

        // --fail vdb: vda records vdb's slot as faulty; vdb itself is no longer written.
        let vdb = s("resynced", "vdb").dev_number;
        assert_successor(
            &s("resynced", "vda"),
            &s("failed", "vda"),
            &w("failed", "vda"),
            |p| p.set_faulty(vdb).unwrap(),
        );
        assert_eq!(
            v[meta]["failed"]["vdb"].bytes,
            v[meta]["resynced"]["vdb"].bytes
        );
        assert!(s("failed", "vda").events > s("resynced", "vda").events);

        // --remove: the faulty entry becomes a free (spare) one.
        assert_successor(
            &s("failed", "vda"),
            &s("removed", "vda"),
            &w("removed", "vda"),
            |p| p.set_spare(vdb).unwrap(),
        );

        // --add: mdadm gives the new member a fresh device number; md puts it in slot 1.
        let new = s("recovering", "vdb");
        assert_successor(
            &s("removed", "vda"),
            &s("recovering", "vda"),
            &w("recovering", "vda"),
            |p| p.set_slot(new.dev_number, 1).unwrap(),
        );
        // Recovery done: the checkpoint and feature bit go.
        assert_successor(&new, &s("recovered", "vdb"), &w("recovered", "vdb"), |p| {
            p.set_recovery_offset(None)
        });
        // Stopping a clean array: clean (md writes nothing more when it is in sync).
        for dev in ["vda", "vdb"] {
            assert_successor(
                &s("recovered", dev),
                &s("stopped", dev),
                &w("stopped", dev),
                |p| p.mark_clean(MAX_SECTOR),
            );
        }
    }
}

/// Assembly after `--fail` / `--remove`: md picks the member that kept being written and
/// kicks the failed one, whose events stayed behind.
#[test]
fn assembly_rule_on_real_members() {
    let Some(v) = vectors() else { return };
    for meta in v.keys() {
        for case in ["failed", "removed"] {
            let members: Vec<superblock::Member> = ["vda", "vdb"]
                .iter()
                .map(|dev| {
                    if meta == "0.90" {
                        let sb = sb0(&v, case, dev);
                        superblock::Member {
                            events: sb.events(),
                            is_spare: sb.is_spare(),
                        }
                    } else {
                        let sb = sb1(&v, meta, case, dev);
                        superblock::Member {
                            events: sb.events,
                            is_spare: sb.is_spare(),
                        }
                    }
                })
                .collect();
            assert_eq!(pick_freshest(&members), Some(0), "{meta}/{case}");
            assert_eq!(
                freshness(members[1], members[0].events),
                Freshness::Stale,
                "{meta}/{case}"
            );
        }
        for case in ["three", "spare", "stopped", "recovered"] {
            let devs = v[meta][case].keys();
            for dev in devs {
                let events = if meta == "0.90" {
                    sb0(&v, case, dev).events()
                } else {
                    sb1(&v, meta, case, dev).events
                };
                let first = if meta == "0.90" {
                    sb0(&v, case, "vda").events()
                } else {
                    sb1(&v, meta, case, "vda").events
                };
                assert_eq!(events, first, "{meta}/{case}/{dev}: members disagree");
            }
        }
    }
}

#[test]
fn v090_fail_and_stop() {
    let Some(v) = vectors() else { return };
    if !v.contains_key("0.90") {
        return;
    }
    // The failed member is no longer written; the survivor marks it faulty.
    assert_eq!(
        v["0.90"]["failed"]["vdb"].bytes,
        v["0.90"]["resynced"]["vdb"].bytes
    );
    let vda = sb0(&v, "failed", "vda");
    assert_ne!(vda.disks[1].state & DISK_FAULTY, 0);
    assert_eq!((vda.active_disks, vda.failed_disks), (1, 1));
    let stopped = sb0(&v, "stopped", "vda");
    assert!(stopped.is_clean());
    assert_eq!(stopped.resync_offset(), MAX_SECTOR);
    assert_eq!(stopped.events(), stopped.cp_events());
    let spare = sb0(&v, "spare", "vdc");
    assert!(spare.is_spare());
    // mdadm's 0.90 create writes events 1 and leaves it to md (untouched with
    // --assume-clean).
    assert_eq!(sb0(&v, "assume-clean", "vda").events(), 1);
}
