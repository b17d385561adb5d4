//! The check run on every fuzz input, shared by the cargo-fuzz target and the host test
//! that replays the saved corpus (`tests/fuzz_corpus.rs`).
//!
//! Input layout: byte 0 selects the format (bits 0-1: 0/1/2 = v1.0/1.1/1.2, 3 = v0.90)
//! and bit 2 asks to fix the checksum up before decoding, so the fuzzer can get past the
//! checksum test; bytes 1..9 are the device size in sectors (little endian); the rest is
//! the superblock buffer.

use crate::superblock::{sb0_checksum, sb1_checksum, Sb0, Sb1, SB0_BYTES, SB1_HEADER_BYTES};

/// Decodes `data` as described in the module docs; panics if an accepted superblock
/// does not re-encode to the same bytes. Returns whether it was accepted.
pub fn check_decode(data: &[u8]) -> bool {
    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    let Some((size, buf)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let dev_sectors = u64::from_le_bytes(*size);
    let mut buf = buf.to_vec();
    let fix_csum = sel & 4 != 0;
    match sel & 3 {
        3 => {
            if fix_csum && buf.len() >= SB0_BYTES {
                let c = sb0_checksum(&buf);
                buf[152..156].copy_from_slice(&c.to_ne_bytes());
            }
            check_sb0(&buf, dev_sectors)
        }
        minor => {
            if fix_csum && buf.len() >= SB1_HEADER_BYTES {
                let max_dev = u32::from_le_bytes(buf[220..224].try_into().unwrap()) as usize;
                if let Some(sb) = buf.get(..SB1_HEADER_BYTES + 2 * max_dev.min(1920)) {
                    let c = sb1_checksum(sb);
                    buf[216..220].copy_from_slice(&c.to_le_bytes());
                }
            }
            check_sb1(&buf, u32::from(minor), dev_sectors)
        }
    }
}

fn check_sb1(buf: &[u8], minor: u32, dev_sectors: u64) -> bool {
    let Ok(sb) = Sb1::decode(buf, minor, dev_sectors) else {
        return false;
    };
    let mut out = vec![0u8; 4096];
    let n = sb
        .encode(&mut out)
        .expect("accepted superblock must encode");
    assert_eq!(n, sb.sb_bytes());
    assert_eq!(&out[..n], &buf[..n], "v1.{minor} re-encode differs");
    let again = Sb1::decode(&out, minor, dev_sectors).expect("re-encoded must decode");
    assert_eq!(again, sb);
    true
}

fn check_sb0(buf: &[u8], dev_sectors: u64) -> bool {
    let Ok(sb) = Sb0::decode(buf, dev_sectors) else {
        return false;
    };
    let mut out = vec![0u8; SB0_BYTES];
    assert_eq!(sb.encode(&mut out), Ok(SB0_BYTES));
    // md accepts a checksum that only matches after folding to 16 bits; encode writes
    // the canonical one, so only that word may differ.
    assert_eq!(&out[..152], &buf[..152], "v0.90 re-encode differs");
    assert_eq!(
        &out[156..SB0_BYTES],
        &buf[156..SB0_BYTES],
        "v0.90 re-encode differs"
    );
    if sb.sb_csum == sb0_checksum(buf) {
        assert_eq!(&out[152..156], &buf[152..156]);
    }
    let mut again = Sb0::decode(&out, dev_sectors).expect("re-encoded must decode");
    again.sb_csum = sb.sb_csum;
    assert_eq!(again, sb);
    true
}
