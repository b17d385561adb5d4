//! The bad-block list and log codec against golden logs written by real mdadm 4.2 and
//! the kernel's own md (`host/tests/data/badblocks/<meta>/<case>/`, made by
//! `tests/vectors/badblocks/make.sh`). Each case replays the sysfs writes md got
//! (`ops-vdX.txt`) on our list: every write succeeds or fails as md's did, the
//! sysfs lists read as md's did, the log we would write is byte for byte the log md
//! wrote, `mdadm --examine-badblocks` lists its entries, and at a reassembly our
//! decoding of md's log reads back as md's loading of it did.

use std::path::{Path, PathBuf};

use rust_md_host::badblocks::log::{decode, encode};
use rust_md_host::badblocks::*;

fn root() -> PathBuf {
    match std::env::var_os("RUST_MD_BADBLOCKS_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/badblocks"),
    }
}

fn le(b: &[u8], off: usize, n: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(&b[off..off + n]);
    u64::from_le_bytes(v)
}

fn show(bb: &BadBlocks, unack: bool) -> String {
    let mut page = vec![0u8; PAGE_BYTES];
    let n = bb.show(unack, &mut page);
    String::from_utf8(page[..n].to_vec()).unwrap()
}

/// `mdadm --examine-badblocks`' entries: "SECTOR for LEN sectors" lines.
fn examine_entries(text: &str) -> Vec<(u64, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let s = w.next()?.parse().ok()?;
            (w.next()? == "for").then_some(())?;
            let n = w.next()?.parse().ok()?;
            Some((s, n))
        })
        .collect()
}

fn log_entries(log: &[u8], shift: u32) -> Vec<(u64, u64)> {
    log.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .take_while(|&v| v != u64::MAX)
        .map(|v| ((v >> 10) << shift, (v & 0x3ff) << shift))
        .collect()
}

struct Member {
    case: String,
    sb: Vec<u8>,
    log: Vec<u8>,
    dev_sectors: u64,
    ops: String,
    examine_bb: String,
    sysfs: Option<(String, String)>,
}

fn member(case: &Path, dev: &str) -> Option<Member> {
    let read = |name: String| std::fs::read_to_string(case.join(name)).ok();
    let log = std::fs::read(case.join(format!("{dev}.log"))).ok()?;
    let mut sb = std::fs::read(case.join(format!("{dev}.sb"))).unwrap();
    sb.resize(4096, 0);
    let sysfs = read(format!("sysfs-bb-{dev}.txt"))
        .map(|bb| (bb, read(format!("sysfs-ubb-{dev}.txt")).unwrap()));
    Some(Member {
        case: format!("{}/{dev}", case.display()),
        sb,
        log,
        dev_sectors: read("dev-sectors".into()).unwrap().trim().parse().unwrap(),
        ops: read(format!("ops-{dev}.txt")).unwrap_or_default(),
        examine_bb: read(format!("examine-bb-{dev}.txt")).unwrap_or_default(),
        sysfs,
    })
}

fn members() -> Vec<Member> {
    let mut all = Vec::new();
    let mut metas: Vec<_> = std::fs::read_dir(root())
        .unwrap_or_else(|e| panic!("{}: {e}", root().display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    metas.sort();
    for meta in metas {
        let mut cases: Vec<_> = std::fs::read_dir(&meta)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            for dev in ["vda", "vdb"] {
                all.extend(member(&case, dev));
            }
        }
    }
    assert!(all.len() >= 10, "only {} golden members", all.len());
    all
}

/// md_update_sb's part for one member: the log written from the list, then every
/// entry acknowledged.
fn write_out(bb: &mut BadBlocks, log_len: usize) -> Vec<u8> {
    let mut out = vec![0u8; log_len];
    encode(bb, &mut out);
    bb.set_changed(false);
    bb.ack_all();
    out
}

#[test]
fn golden_logs() {
    let (mut checked, mut logs, mut lists, mut ops) = (0, 0, 0, 0);
    for m in members() {
        let features = le(&m.sb, 8, 4) as u32;
        let shift = m.sb[185];
        let has_bb = features & 8 != 0;
        let ours_on_disk = log_entries(&m.log, u32::from(shift));
        let examine = examine_entries(&m.examine_bb);
        if has_bb {
            assert_eq!(examine, ours_on_disk, "{}: --examine-badblocks", m.case);
            let mut bb = BadBlocks::new();
            decode(&m.log, shift, m.dev_sectors, &mut bb)
                .unwrap_or_else(|e| panic!("{}: md's log refused: {}", m.case, e.reason()));
        } else {
            assert!(examine.is_empty(), "{}: no list, yet {examine:?}", m.case);
        }

        // Replay md's sysfs writes.
        let mut bb = BadBlocks::new();
        let mut written: Option<Vec<u8>> = None;
        for line in m.ops.lines() {
            let w: Vec<&str> = line.split_whitespace().collect();
            match w.as_slice() {
                ["load"] => {
                    // The stop before wrote the log; md loaded it back.
                    let out = write_out(&mut bb, m.log.len());
                    bb = BadBlocks::new();
                    if out.iter().any(|&b| b != 0xff) {
                        decode(&out, shift, m.dev_sectors, &mut bb).unwrap();
                    }
                    written = Some(out);
                }
                [kind, s, n, rc] => {
                    let text = format!("{s} {n}\n");
                    let r = bb.store(text.as_bytes(), *kind == "u");
                    ops += 1;
                    assert_eq!(r.is_ok(), *rc == "0", "{}: {line}: ours {r:?}", m.case);
                }
                _ => panic!("{}: bad op line {line:?}", m.case),
            }
        }
        let case = m.case.rsplit('/').nth(1).unwrap();
        if case.ends_with("-written") || case.ends_with("-stopped") {
            written = Some(write_out(&mut bb, m.log.len()));
        }
        if let Some((sysfs_bb, sysfs_ubb)) = &m.sysfs {
            assert_eq!(&show(&bb, false), sysfs_bb, "{}: bad_blocks", m.case);
            assert_eq!(&show(&bb, true), sysfs_ubb, "{}: unacknowledged", m.case);
            lists += 1;
        }
        if let Some(out) = written.filter(|_| has_bb) {
            assert_eq!(
                log_entries(&out, u32::from(shift)),
                ours_on_disk,
                "{}: log entries",
                m.case
            );
            assert_eq!(out, m.log, "{}: log bytes", m.case);
            logs += 1;
        }
        checked += 1;
    }
    eprintln!(
        "badblocks goldens: {checked} members, {ops} sysfs writes replayed, {lists} sysfs \
         lists and {logs} logs byte for byte as md's"
    );
    assert!(logs >= 16 && lists >= 16, "too few comparisons");
}
