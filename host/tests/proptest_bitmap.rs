//! Property tests of the write-intent bitmap codec: random superblocks md would accept
//! round-trip and pass its checks; random and mutated bytes never panic (the fuzz
//! target's check); the bit helpers agree with a plain model.

use proptest::prelude::*;
use rust_md_host::bitmap_format::*;
use rust_md_host::fuzzing::check_bitmap_decode;

fn valid_sb() -> impl Strategy<Value = BitmapSuper> {
    (
        (3u32..=5, any::<[u8; 16]>(), any::<u64>(), any::<u64>()),
        (any::<u64>(), 9u32..32, 1u32..100_000, 0u32..=16383),
        (any::<u32>(), any::<bool>()),
    )
        .prop_map(
            |(
                (version, uuid, events, events_cleared),
                (sync_size, shift, sleep, wb),
                (reserved, stale),
            )| {
                BitmapSuper {
                    version,
                    uuid,
                    events,
                    events_cleared,
                    sync_size,
                    state: if stale { STATE_STALE } else { 0 },
                    chunksize: 1 << shift,
                    daemon_sleep: sleep,
                    write_behind: wb,
                    sectors_reserved: reserved,
                    nodes: 0,
                    cluster_name: [0; 64],
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_superblocks_round_trip_and_load(sb in valid_sb(), events in any::<u64>(),
                                             sync in 0u64..(1 << 40), tail in any::<[u8; 32]>()) {
        let mut buf = vec![0u8; SB_BYTES];
        sb.encode(&mut buf).unwrap();
        prop_assert_eq!(BitmapSuper::decode(&buf), Ok(sb));
        let e = Expect { uuid: sb.uuid, events, sync_sectors: sync };
        let l = validate(&sb, &e).unwrap();
        prop_assert_eq!(l.stale, sb.events < events || sb.state != 0);
        prop_assert_eq!(l.chunks, sync.div_ceil(u64::from(sb.chunksize >> 9)));
        // The same through the fuzz check, with bits after the superblock.
        let mut input = vec![3u8];
        input.extend_from_slice(&events.to_le_bytes());
        input.extend_from_slice(&sync.to_le_bytes());
        input.extend_from_slice(&buf);
        input.extend_from_slice(&tail);
        prop_assert!(check_bitmap_decode(&input));
    }

    #[test]
    fn mutated_superblocks_never_panic(sb in valid_sb(), flips in prop::collection::vec((0usize..SB_BYTES, any::<u8>()), 1..8),
                                       sel in any::<u8>(), events in any::<u64>(), sync in any::<u64>()) {
        let mut buf = vec![0u8; SB_BYTES + 64];
        sb.encode(&mut buf).unwrap();
        for (i, x) in flips {
            buf[i] ^= x;
        }
        let mut input = vec![sel];
        input.extend_from_slice(&events.to_le_bytes());
        input.extend_from_slice(&sync.to_le_bytes());
        input.extend_from_slice(&buf);
        check_bitmap_decode(&input);
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600), magic in any::<bool>()) {
        let mut data = data;
        if magic && data.len() >= 21 {
            data[17..21].copy_from_slice(&MAGIC.to_le_bytes());
        }
        check_bitmap_decode(&data);
    }

    #[test]
    fn bits_match_a_plain_model(ops in prop::collection::vec((any::<bool>(), 0u64..2200), 0..64),
                                len in SB_BYTES..SB_BYTES + 300, chunks in 0u64..3000) {
        let mut st = vec![0u8; len];
        let mut model = std::collections::BTreeSet::new();
        let cap = 8 * (len - SB_BYTES) as u64;
        for (set, c) in ops {
            let ok = if set { set_bit(&mut st, c) } else { clear_bit(&mut st, c) };
            prop_assert_eq!(ok, c < cap);
            if ok {
                if set { model.insert(c); } else { model.remove(&c); }
            }
        }
        for c in 0..cap + 9 {
            prop_assert_eq!(test_bit(&st, c), model.contains(&c));
            let (byte, bit) = bit_pos(c);
            prop_assert_eq!(byte, SB_BYTES as u64 + c / 8);
            prop_assert_eq!(u64::from(bit), c % 8);
        }
        let want = model.iter().filter(|&&c| c < chunks).count() as u64;
        prop_assert_eq!(count_dirty(&st, chunks), want);
        prop_assert!(st[..SB_BYTES].iter().all(|&b| b == 0), "superblock bytes untouched");
    }

    #[test]
    fn page_writes_cover_the_storage(chunks in 0u64..200_000, lbs_shift in 9u32..13) {
        let lbs = 1u32 << lbs_shift;
        let bytes = storage_bytes(chunks);
        let pages = storage_pages(chunks);
        prop_assert_eq!(bytes, SB_BYTES as u64 + chunks.div_ceil(8));
        let mut total = 0u64;
        for p in 0..pages {
            let len = page_write_len(p, bytes, lbs);
            prop_assert!(len % 512 == 0 && len >= 512);
            prop_assert!(len <= 4096 || (p + 1 == pages && lbs > 4096));
            total += u64::from(len);
        }
        prop_assert!(total >= bytes);
        prop_assert!(total < bytes + u64::from(lbs).max(4096));
    }
}
