//! The write-intent bitmap codec (`bitmap/format.rs`) against golden bitmaps written by
//! real mdadm 4.2 and the kernel's own md (`host/tests/data/bitmap/<meta>/<case>/`,
//! made by `tests/vectors/bitmap/make.sh`): every bitmap decodes, agrees field by
//! field and in its dirty count with the `mdadm -X` output saved next to it, re-encodes
//! byte for byte, passes md's checks against its member's md superblock as md decided
//! (mdstat's bitmap line included); and md's refusals of bad superblocks, each with
//! md's reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_md_host::bitmap_format::*;
use rust_md_host::superblock::{Sb0, Sb1};

fn root() -> PathBuf {
    match std::env::var_os("RUST_MD_BITMAP_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bitmap"),
    }
}

/// One member's snapshot.
struct Snap {
    meta: String,
    case: String,
    dev: String,
    /// The bitmap from its first sector (superblock + bits, trimmed to whole sectors).
    bitmap: Vec<u8>,
    /// The md superblock, zero padded back to 4 KiB.
    sb: Vec<u8>,
    x: BTreeMap<String, String>,
    bitmap_sector: u64,
    sb_sector: u64,
    dev_sectors: u64,
    mdstat: String,
    /// sysfs md/bitmap/space, while the array ran.
    sysfs_space: Option<String>,
}

fn read_num(p: &Path) -> u64 {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .parse()
        .unwrap()
}

/// `mdadm -X` output as "Key" -> "value".
fn parse_x(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(" : "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn load() -> Vec<Snap> {
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
            let mut devs: Vec<_> = std::fs::read_dir(&case)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "bitmap"))
                .collect();
            devs.sort();
            for f in devs {
                let dev = f.file_stem().unwrap().to_str().unwrap().to_string();
                let mut sb = std::fs::read(case.join(format!("{dev}.sb"))).unwrap();
                assert!(sb.len() <= 4096);
                sb.resize(4096, 0);
                all.push(Snap {
                    meta: meta.file_name().unwrap().to_str().unwrap().to_string(),
                    case: case.file_name().unwrap().to_str().unwrap().to_string(),
                    bitmap: std::fs::read(&f).unwrap(),
                    sb,
                    x: parse_x(
                        &std::fs::read_to_string(case.join(format!("X-{dev}.txt"))).unwrap(),
                    ),
                    bitmap_sector: read_num(&case.join(format!("{dev}.bitmap-sector"))),
                    sb_sector: read_num(&case.join(format!("{dev}.sb-sector"))),
                    dev_sectors: read_num(&case.join("dev-sectors")),
                    mdstat: std::fs::read_to_string(case.join("mdstat.txt")).unwrap(),
                    sysfs_space: std::fs::read_to_string(case.join("sysfs-bitmap.txt"))
                        .ok()
                        .and_then(|t| {
                            t.lines()
                                .find_map(|l| l.strip_prefix("space: ").map(str::to_string))
                        }),
                    dev,
                });
            }
        }
    }
    all
}

impl Snap {
    fn name(&self) -> String {
        format!("{}/{}/{}", self.meta, self.case, self.dev)
    }

    /// (uuid, events, sync sectors, 1.x minor and bitmap offset) from the md superblock.
    fn md(&self) -> (Expect, Option<(u32, i32, u64, u64)>) {
        if self.meta == "0.90" {
            let sb = Sb0::decode(&self.sb, self.dev_sectors).unwrap();
            let e = Expect {
                uuid: sb.uuid(),
                events: sb.events(),
                sync_sectors: u64::from(sb.size) * 2,
            };
            (e, None)
        } else {
            let minor = match self.meta.as_str() {
                "1.0" => 0,
                "1.1" => 1,
                _ => 2,
            };
            let sb = Sb1::decode(&self.sb, minor, self.dev_sectors).unwrap();
            let e = Expect {
                uuid: sb.set_uuid,
                events: sb.events,
                sync_sectors: sb.size,
            };
            let off = sb.bitmap_offset().expect("member has a bitmap");
            (e, Some((minor, off, sb.data_offset, sb.data_size)))
        }
    }

    fn x(&self, key: &str) -> &str {
        self.x
            .get(key)
            .unwrap_or_else(|| panic!("{}: no {key} in mdadm -X", self.name()))
    }
}

/// mdadm's human_chunksize: "64 KB", "1 MB".
fn human_chunk(mut bytes: u64) -> String {
    let suffixes = ["B", "KB", "MB", "GB", "TB"];
    let mut i = 0;
    while bytes >> 10 != 0 {
        bytes >>= 10;
        i += 1;
    }
    format!("{bytes} {}", suffixes[i])
}

#[test]
fn golden_bitmaps_decode_as_mdadm_shows_them() {
    let all = load();
    assert!(all.len() >= 30, "only {} golden bitmaps", all.len());
    let metas: std::collections::BTreeSet<_> = all.iter().map(|s| s.meta.as_str()).collect();
    assert!(metas.contains("0.90") && metas.contains("1.0") && metas.contains("1.2"));
    for s in &all {
        let n = s.name();
        let sb = BitmapSuper::decode(&s.bitmap).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(s.x("Magic"), "6d746962", "{n}");
        assert_eq!(s.x("Version"), sb.version.to_string(), "{n}");
        // mdadm prints the uuid as four host-order words of the bytes.
        let words: Vec<String> = sb
            .uuid
            .chunks(4)
            .map(|w| format!("{:08x}", u32::from_le_bytes(w.try_into().unwrap())))
            .collect();
        let swapped: Vec<String> = sb
            .uuid
            .chunks(4)
            .map(|w| format!("{:08x}", u32::from_be_bytes(w.try_into().unwrap())))
            .collect();
        let shown = s.x("UUID");
        assert!(
            shown == words.join(":") || shown == swapped.join(":"),
            "{n}: uuid {shown}"
        );
        assert_eq!(s.x("Events"), sb.events.to_string(), "{n}");
        assert_eq!(s.x("Events Cleared"), sb.events_cleared.to_string(), "{n}");
        let state = match sb.state {
            0 => "OK",
            2 => "Out of date",
            _ => "Unknown",
        };
        assert_eq!(s.x("State"), state, "{n}");
        assert_eq!(s.x("Chunksize"), human_chunk(sb.chunksize.into()), "{n}");
        assert_eq!(
            s.x("Daemon"),
            format!("{}s flush period", sb.daemon_sleep),
            "{n}"
        );
        let mode = if sb.write_behind != 0 {
            format!("Allow write behind, max {}", sb.write_behind)
        } else {
            "Normal".into()
        };
        assert_eq!(s.x("Write Mode"), mode, "{n}");
        let sync_kb: u64 = s.x("Sync Size").split(' ').next().unwrap().parse().unwrap();
        assert_eq!(sync_kb, sb.sync_size / 2, "{n}");
        assert_eq!(sb.nodes, 0, "{n}");
        assert_eq!(sb.cluster_name, [0; 64], "{n}");

        // "Bitmap : N bits (chunks), M dirty (x%)"
        let bm = s.x("Bitmap");
        let total: u64 = bm.split(' ').next().unwrap().parse().unwrap();
        let dirty: u64 = bm
            .split(", ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(mdadm_total_bits(&sb), total, "{n}");
        assert_eq!(count_dirty(&s.bitmap, total), dirty, "{n}: dirty bits");
        let by_bit = (0..total).filter(|&c| test_bit(&s.bitmap, c)).count() as u64;
        assert_eq!(by_bit, dirty, "{n}");

        // Byte for byte back, both ways of writing it.
        let mut out = [0u8; SB_BYTES];
        sb.encode(&mut out).unwrap();
        assert_eq!(&out[..], &s.bitmap[..SB_BYTES], "{n}: encode");
        let mut copy = s.bitmap.clone();
        sb.update(&mut copy).unwrap();
        assert_eq!(copy, s.bitmap, "{n}: update");
        assert_eq!(BitmapSuper::decode(&out).unwrap(), sb);
        // Bits past the last chunk are not md's (md fills a stale bitmap's whole page
        // with ones): they count for nothing.
        let bytes = storage_bytes(total) as usize;
        assert!(s.bitmap.len() >= bytes, "{n}");
        let mut tail = s.bitmap.clone();
        for b in &mut tail[bytes..] {
            *b = 0xff;
        }
        for c in total..(bytes as u64 - SB_BYTES as u64) * 8 {
            set_bit(&mut tail, c);
        }
        assert_eq!(count_dirty(&tail, total), dirty, "{n}");
    }
}

#[test]
fn golden_bitmaps_sit_where_md_puts_them() {
    for s in load() {
        let n = s.name();
        let (_, v1) = s.md();
        match v1 {
            None => {
                assert_eq!(sb_start_v090(s.dev_sectors), Some(s.sb_sector), "{n}");
                assert_eq!(
                    bitmap_start_v090(s.dev_sectors),
                    Some(s.bitmap_sector),
                    "{n}"
                );
                let sb = BitmapSuper::decode(&s.bitmap).unwrap();
                let space = loaded_space(V090_SPACE_SECTORS, sb.sectors_reserved);
                if let Some(shown) = &s.sysfs_space {
                    assert_eq!(shown, &space.to_string(), "{n}: bitmap/space");
                }
                // Storage within the 60 KiB md allows after the superblock.
                let bytes = storage_bytes(mdadm_total_bits(&sb));
                assert!(bytes.div_ceil(512) <= V090_SPACE_SECTORS, "{n}");
            }
            Some((minor, off, data_offset, data_size)) => {
                assert_eq!(
                    bitmap_start_v1(s.sb_sector, off),
                    Some(s.bitmap_sector),
                    "{n}"
                );
                let sb = BitmapSuper::decode(&s.bitmap).unwrap();
                let total = mdadm_total_bits(&sb);
                let bytes = storage_bytes(total);
                let room = room_v1(s.sb_sector, data_offset, data_size, off).expect(&n);
                assert!(
                    bytes.div_ceil(512) <= room,
                    "{n}: {bytes} B in {room} sectors"
                );
                assert!(
                    u64::from(sb.sectors_reserved) <= room,
                    "{n}: reserved {}",
                    sb.sectors_reserved
                );
                // What md records, then keeps after reading sectors_reserved: sysfs
                // bitmap/space while the array runs.
                let space = loaded_space(space_v1(minor, off), sb.sectors_reserved);
                if let Some(shown) = &s.sysfs_space {
                    assert_eq!(shown, &space.to_string(), "{n}: bitmap/space");
                }
                // Every page write md makes fits (512-byte and 4 KiB blocks).
                for page in 0..storage_pages(total) {
                    let len = page_write_len(page, bytes, 512);
                    let fits = write_fits(
                        s.sb_sector,
                        data_offset,
                        data_size,
                        off.into(),
                        page * 8,
                        len,
                    );
                    assert_eq!(fits, Ok(()), "{n}: page {page}");
                }
            }
        }
    }
}

#[test]
fn golden_bitmaps_load_as_md_loaded_them() {
    for s in load() {
        let n = s.name();
        let (e, _) = s.md();
        let sb = BitmapSuper::decode(&s.bitmap).unwrap();
        let l = validate(&sb, &e).unwrap_or_else(|err| panic!("{n}: {err}"));
        assert_eq!(1u64 << (l.chunk_shift + 9), u64::from(sb.chunksize), "{n}");
        assert_eq!(
            l.chunks,
            mdadm_total_bits(&sb),
            "{n}: sync_size follows the array"
        );
        assert_eq!(l.daemon_sleep_s, sb.daemon_sleep);
        assert_eq!(l.write_behind, sb.write_behind);
        // A running array's bitmap carries its events (md updates both together).
        if s.mdstat.contains("md0 : active") {
            assert!(!l.stale, "{n}: running array with a stale bitmap");
            assert_eq!(sb.events, e.events, "{n}");
            // mdstat's bitmap line: our text for md's used pages.
            let line = s
                .mdstat
                .lines()
                .find_map(|l| l.trim().strip_prefix("bitmap: "))
                .unwrap_or_else(|| panic!("{n}: no bitmap line"));
            let used: u64 = line.split('/').next().unwrap().parse().unwrap();
            let mut ours = String::new();
            status_line(&mut ours, used, counter_pages(l.chunks), sb.chunksize, None).unwrap();
            assert_eq!(ours, format!("bitmap: {line}\n"), "{n}");
        }
    }
}

#[test]
fn golden_cases_show_md_behaviour() {
    let all = load();
    let get = |meta: &str, case: &str, dev: &str| {
        all.iter()
            .find(|s| s.meta == meta && s.case == case && s.dev == dev)
            .unwrap_or_else(|| panic!("no {meta}/{case}/{dev}"))
    };
    let dirty = |s: &Snap| {
        let sb = BitmapSuper::decode(&s.bitmap).unwrap();
        count_dirty(&s.bitmap, mdadm_total_bits(&sb))
    };
    for meta in ["0.90", "1.0", "1.2"] {
        let written = get(meta, "written", "vda");
        let cleared = get(meta, "cleared", "vda");
        let degraded = get(meta, "degraded", "vda");
        let readded = get(meta, "readded", "vda");
        // The guest wrote 4 KiB at the start of chunks 0 3 8 100 511 and the last one.
        let sb = BitmapSuper::decode(&written.bitmap).unwrap();
        let last = mdadm_total_bits(&sb) - 1;
        for c in [0, 3, 8, 100, 511, last] {
            assert!(test_bit(&written.bitmap, c), "{meta}: chunk {c} not dirty");
        }
        assert_eq!(dirty(written), 6, "{meta}: only the written chunks");
        assert_eq!(dirty(cleared), 0, "{meta}: the daemon clears idle chunks");
        // A degraded write stays dirty (chunks 1 2 9 200 and the last one)...
        for c in [1, 2, 9, 200, last] {
            assert!(test_bit(&degraded.bitmap, c), "{meta}: chunk {c}");
        }
        assert_eq!(dirty(degraded), 5, "{meta}");
        // ... and events_cleared stops while degraded.
        let dsb = BitmapSuper::decode(&degraded.bitmap).unwrap();
        let csb = BitmapSuper::decode(&cleared.bitmap).unwrap();
        assert!(dsb.events > csb.events && dsb.events_cleared <= dsb.events);
        // The re-add recovers only those (the snapshot may come before the recovery
        // has cleared them); once stopped, none is left.
        assert!(dirty(readded) == 0 || dirty(readded) == 5, "{meta}");
        for c in 0..mdadm_total_bits(&sb) {
            assert!(!test_bit(&readded.bitmap, c) || test_bit(&degraded.bitmap, c));
        }
        assert_eq!(dirty(get(meta, "stopped", "vda")), 0, "{meta}");
        // mdadm writes every bit set; md recovers them all, then the daemon clears.
        let fresh = get(meta, "fresh", "vda");
        assert_eq!(dirty(fresh), mdadm_total_bits(&sb), "{meta}");
        assert_eq!(dirty(get(meta, "clean", "vda")), 0, "{meta}");
        // mdadm --delay / --write-behind land in the superblock.
        let behind = BitmapSuper::decode(&get(meta, "behind", "vda").bitmap).unwrap();
        assert_eq!(
            (behind.daemon_sleep, behind.write_behind),
            (7, 100),
            "{meta}"
        );
        let grown = BitmapSuper::decode(&get(meta, "grown", "vda").bitmap).unwrap();
        assert_eq!(grown.chunksize, 128 << 10, "{meta}");
    }
}

fn good() -> (BitmapSuper, Expect) {
    let uuid = *b"0123456789abcdef";
    let sb = BitmapSuper::new(uuid, 20, 1 << 20, 64 << 10, 5, 0, 8);
    let mut sb = sb;
    sb.state = 0;
    sb.events_cleared = 18;
    (
        sb,
        Expect {
            uuid,
            events: 20,
            sync_sectors: 1 << 20,
        },
    )
}

#[test]
fn md_refuses_bad_superblocks_with_its_reason() {
    let (sb, e) = good();
    let l = validate(&sb, &e).unwrap();
    assert_eq!((l.chunk_shift, l.chunks, l.stale), (7, 8192, false));
    assert_eq!(l.events_cleared, 18);
    assert_eq!(l.daemon_sleep_jiffies, 5 * 250);

    let mut buf = [0u8; SB_BYTES];
    sb.encode(&mut buf).unwrap();
    buf[0] ^= 1;
    let err = BitmapSuper::decode(&buf).unwrap_err();
    assert_eq!(err.to_string(), "invalid bitmap file superblock: bad magic");
    assert_eq!(BitmapSuper::decode(&buf[..255]), Err(BitmapError::Short));

    let bad = |f: &dyn Fn(&mut BitmapSuper)| {
        let mut s = sb;
        f(&mut s);
        validate(&s, &e).unwrap_err().to_string()
    };
    let invalid = |r: &str| format!("invalid bitmap file superblock: {r}");
    assert_eq!(
        bad(&|s| s.version = 2),
        invalid("unrecognized superblock version")
    );
    assert_eq!(
        bad(&|s| s.version = 6),
        invalid("unrecognized superblock version")
    );
    assert_eq!(
        bad(&|s| s.chunksize = 0),
        invalid("bitmap chunksize too small")
    );
    assert_eq!(
        bad(&|s| s.chunksize = 256),
        invalid("bitmap chunksize too small")
    );
    assert_eq!(
        bad(&|s| s.chunksize = 3 << 16),
        invalid("bitmap chunksize not a power of 2")
    );
    assert_eq!(
        bad(&|s| s.daemon_sleep = 0),
        invalid("daemon sleep period out of range")
    );
    // md multiplies by HZ in 32 bits: 2^31 s wraps to 0 at HZ 250.
    assert_eq!(
        bad(&|s| s.daemon_sleep = 1 << 31),
        invalid("daemon sleep period out of range")
    );
    assert_eq!(
        bad(&|s| s.write_behind = 16384),
        invalid("write-behind limit out of range (0 - 16383)")
    );
    assert_eq!(bad(&|s| s.uuid[3] ^= 1), "bitmap superblock UUID mismatch");
    assert_eq!(
        bad(&|s| {
            s.version = VERSION_CLUSTERED;
            s.nodes = 4
        }),
        "Could not setup cluster service (-2)"
    );
    assert_eq!(
        bad(&|s| s.state = STATE_WRITE_ERROR),
        "failed to create bitmap (-5)"
    );
    // md's order: the version before the chunk, the chunk before the uuid.
    assert_eq!(
        bad(&|s| {
            s.version = 9;
            s.chunksize = 0;
            s.uuid = [0; 16]
        }),
        invalid("unrecognized superblock version")
    );
    assert_eq!(
        bad(&|s| {
            s.chunksize = 1000;
            s.uuid = [0; 16]
        }),
        invalid("bitmap chunksize not a power of 2")
    );

    // Accepted edges: write_behind 16383, version 3 and 5 without nodes, nodes ignored
    // before version 5.
    for f in [
        &(|s: &mut BitmapSuper| s.write_behind = 16383) as &dyn Fn(&mut BitmapSuper),
        &|s| s.version = 3,
        &|s| s.version = 5,
        &|s| s.nodes = 3,
        &|s| s.chunksize = 512,
        &|s| s.chunksize = 1 << 31,
    ] {
        let mut s = sb;
        f(&mut s);
        validate(&s, &e).unwrap();
    }
    let mut s = sb;
    s.version = 3;
    assert!(validate(&s, &e).unwrap().host_endian);
    s.chunksize = 1 << 31;
    assert_eq!(validate(&s, &e).unwrap().chunk_shift, 22);
}

#[test]
fn stale_bitmaps_force_a_full_recovery() {
    let (mut sb, e) = good();
    sb.events = 19;
    let l = validate(&sb, &e).unwrap();
    assert!(l.stale);
    assert_eq!(l.out_of_date, Some((19, 20)));
    assert_eq!(
        l.events_cleared, 20,
        "md takes the array's events when stale"
    );
    let (b, a) = l.out_of_date.unwrap();
    assert_eq!(
        OutOfDate {
            bitmap: b,
            array: a
        }
        .to_string(),
        "bitmap file is out of date (19 < 20) -- forcing full recovery"
    );
    // Ahead is fine; the STALE bit alone also forces it.
    sb.events = 21;
    assert!(!validate(&sb, &e).unwrap().stale);
    sb.state = STATE_STALE;
    let l = validate(&sb, &e).unwrap();
    assert!(l.stale && l.out_of_date.is_none());
    assert_eq!(l.events_cleared, 20);
}

#[test]
fn storage_and_page_writes() {
    assert_eq!(chunks(0, 7), 0);
    assert_eq!(chunks(128, 7), 1);
    assert_eq!(chunks(129, 7), 2);
    assert_eq!(chunks(u64::MAX, 0), u64::MAX);
    assert_eq!(chunks(u64::MAX, 63), 2);
    assert_eq!(storage_bytes(0), 256);
    assert_eq!(storage_bytes(1), 257);
    assert_eq!(storage_bytes(8 * 3840), 4096);
    assert_eq!(storage_pages(8 * 3840), 1);
    assert_eq!(storage_pages(8 * 3840 + 1), 2);
    assert_eq!(bit_pos(0), (256, 0));
    assert_eq!(bit_pos(9), (257, 1));
    // Page 1 starts with chunk (4096 - 256) * 8, as file_page_index puts it.
    assert_eq!(bit_pos(3840 * 8), (4096, 0));
    assert_eq!(page_index(3840 * 8 - 1), 0);
    assert_eq!(page_index(3840 * 8), 1);
    assert_eq!(page_index(3840 * 8 + 4096 * 8), 2);
    let mut st = vec![0u8; 300];
    fill_stale(&mut st);
    assert!(st[..SB_BYTES].iter().all(|&b| b == 0) && st[SB_BYTES..].iter().all(|&b| b == 0xff));
    assert_eq!(count_dirty(&st, 100), 100);
    assert_eq!(counter_pages(0), 0);
    assert_eq!(counter_pages(2048), 1);
    assert_eq!(counter_pages(2049), 2);

    let mut st = vec![0u8; 300];
    assert!(set_bit(&mut st, 10) && test_bit(&st, 10) && st[257] == 4);
    assert!(!set_bit(&mut st, 44 * 8) && !test_bit(&st, 44 * 8));
    assert!(set_bit(&mut st, 0) && set_bit(&mut st, 15));
    assert_eq!(count_dirty(&st, 16), 3);
    assert_eq!(count_dirty(&st, 15), 2);
    assert_eq!(count_dirty(&st, 1), 1);
    assert!(clear_bit(&mut st, 10) && !test_bit(&st, 10));
    assert_eq!(count_dirty(&st, u64::MAX), 2);

    // The last page trimmed, rounded to the logical block size.
    assert_eq!(page_write_len(0, 384, 512), 512);
    assert_eq!(page_write_len(0, 384, 4096), 4096);
    assert_eq!(page_write_len(0, 4096, 512), 4096);
    assert_eq!(page_write_len(0, 5000, 512), 4096);
    assert_eq!(page_write_len(1, 5000, 512), 1024);
    assert_eq!(page_write_len(1, 5000, 1), 904);
}

#[test]
fn write_fits_refuses_as_write_sb_page() {
    // 1.2: superblock at 8, bitmap at +8, data at 2048.
    assert_eq!(write_fits(8, 2048, 1 << 20, 8, 0, 4096), Ok(()));
    assert_eq!(write_fits(8, 2048, 1 << 20, 8, 2024, 4096), Ok(()));
    assert_eq!(
        write_fits(8, 2048, 1 << 20, 8, 2025, 4096),
        Err(BitmapError::RunsIntoData)
    );
    // 1.0: superblock at the end, bitmap before it, data from 0.
    let sb = 1 << 20;
    assert_eq!(write_fits(sb, 0, sb - 16, -16, 8, 4096), Ok(()));
    assert_eq!(
        write_fits(sb, 0, sb - 16, -16, 9, 4096),
        Err(BitmapError::RunsIntoMetadata)
    );
    assert_eq!(
        write_fits(sb, 0, sb - 15, -16, 0, 512),
        Err(BitmapError::DataRunsIntoBitmap)
    );
    assert_eq!(
        BitmapError::DataRunsIntoBitmap.to_string(),
        "data runs in to bitmap"
    );
    // 0.90 / 1.0 with the bitmap after the superblock: md does not check.
    assert_eq!(write_fits(sb, 0, sb, 8, 1 << 40, 4096), Ok(()));
}

#[test]
fn metadata_rules_for_the_bitmap_place() {
    assert_eq!(sb_start_v090(131072), Some(131072 - 128));
    assert_eq!(sb_start_v090(131072 + 127), Some(131072 - 128));
    assert_eq!(sb_start_v090(127), None);
    assert_eq!(bitmap_start_v090(131072), Some(131072 - 120));
    assert_eq!(bitmap_start_v1(8, 8), Some(16));
    assert_eq!(bitmap_start_v1(1000, -16), Some(984));
    assert_eq!(bitmap_start_v1(8, -16), None);
    assert_eq!(space_v1(1, 8), 0);
    assert_eq!(space_v1(2, 8), 0);
    assert_eq!(space_v1(0, -16), 16);
    assert_eq!(space_v1(0, 2), 6);
    assert_eq!(loaded_space(0, 8), 8);
    assert_eq!(loaded_space(16, 8), 8);
    assert_eq!(loaded_space(6, 8), 6);
    assert_eq!(room_v1(8, 2048, 1 << 20, 8), Some(2032));
    assert_eq!(room_v1(8, 2048, 1 << 20, 2048), None);
    assert_eq!(room_v1(1000, 0, 900, -16), Some(100));
    assert_eq!(room_v1(1000, 0, 990, -16), None);
}

#[test]
fn new_superblock_is_md_bitmap_new_disk_sb() {
    let sb = BitmapSuper::new([7; 16], 42, 1 << 21, 1 << 26, 0, 20000, 8);
    assert_eq!(sb.version, VERSION_HI);
    assert_eq!(sb.daemon_sleep, DEFAULT_DAEMON_SLEEP_S);
    assert_eq!(sb.write_behind, 8191);
    assert_eq!((sb.events, sb.events_cleared), (42, 42));
    assert_eq!(sb.state, STATE_STALE);
    let mut buf = [0xffu8; 300];
    sb.encode(&mut buf).unwrap();
    assert_eq!(&buf[..4], b"bitm");
    assert!(buf[136..256].iter().all(|&b| b == 0));
    assert_eq!(buf[256], 0xff, "encode writes the superblock only");
    assert_eq!(BitmapSuper::decode(&buf).unwrap(), sb);
    let l = validate(
        &sb,
        &Expect {
            uuid: [7; 16],
            events: 42,
            sync_sectors: 1 << 21,
        },
    )
    .unwrap();
    assert!(l.stale);
    assert_eq!(l.chunks, 16);
}

#[test]
fn status_line_is_md_bitmap_status() {
    let line = |u, t, c, f| {
        let mut s = String::new();
        status_line(&mut s, u, t, c, f).unwrap();
        s
    };
    assert_eq!(
        line(1, 8, 64 << 20, None),
        "bitmap: 1/8 pages [4KB], 65536KB chunk\n"
    );
    assert_eq!(
        line(0, 1, 512, None),
        "bitmap: 0/1 pages [0KB], 512B chunk\n"
    );
    assert_eq!(
        line(2, 2, 4096, Some("/a b\tc")),
        "bitmap: 2/2 pages [8KB], 4KB chunk, file: /a\\040b\\011c\n"
    );
}
