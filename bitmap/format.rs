// SPDX-License-Identifier: GPL-2.0
//! TEMPORARY stand-in for the bitmap codec (replaced by the bm-format branch).

pub const MAGIC: u32 = 0x6d74_6962;
pub const SB_BYTES: usize = 256;
pub const VERSION_LO: u32 = 3;
pub const VERSION_HI: u32 = 4;
pub const VERSION_CLUSTERED: u32 = 5;
pub const COUNTER_MAX: u16 = 0x3fff;
pub const NEEDED: u16 = 0x8000;
pub const RESYNC: u16 = 0x4000;
pub const STATE_STALE: u32 = 1 << 1;
pub const STATE_WRITE_ERROR: u32 = 1 << 2;
pub const COUNTERS_PER_PAGE: u64 = 2048;
pub const DEFAULT_DAEMON_SLEEP_S: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitmapSuper {
    pub version: u32,
    pub uuid: [u8; 16],
    pub events: u64,
    pub events_cleared: u64,
    pub sync_size: u64,
    pub state: u32,
    pub chunksize: u32,
    pub daemon_sleep: u32,
    pub write_behind: u32,
    pub sectors_reserved: u32,
    pub nodes: u32,
    pub cluster_name: [u8; 64],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitmapError {
    Short,
    Magic,
    Version,
    ChunkSmall,
    ChunkPow2,
    DaemonSleep,
    WriteBehind,
    Uuid,
    Clustered,
}

impl core::fmt::Display for BitmapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Short => "bitmap superblock too short",
            Self::Magic => "invalid bitmap magic",
            Self::Version => "unrecognized superblock version",
            Self::ChunkSmall => "bitmap chunksize too small",
            Self::ChunkPow2 => "bitmap chunksize not a power of 2",
            Self::DaemonSleep => "daemon sleep period out of range",
            Self::WriteBehind => "write-behind limit out of range (0 - 16383)",
            Self::Uuid => "bitmap superblock UUID mismatch",
            Self::Clustered => "clustered bitmaps are not supported",
        })
    }
}

fn le32(b: &[u8], o: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(o..o + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}
fn le64(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(o..o + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

impl BitmapSuper {
    pub fn decode(buf: &[u8]) -> Result<BitmapSuper, BitmapError> {
        if buf.len() < SB_BYTES {
            return Err(BitmapError::Short);
        }
        if le32(buf, 0) != MAGIC {
            return Err(BitmapError::Magic);
        }
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(buf.get(8..24).ok_or(BitmapError::Short)?);
        let mut cluster_name = [0u8; 64];
        cluster_name.copy_from_slice(buf.get(64..128).ok_or(BitmapError::Short)?);
        Ok(BitmapSuper {
            version: le32(buf, 4),
            uuid,
            events: le64(buf, 24),
            events_cleared: le64(buf, 32),
            sync_size: le64(buf, 40),
            state: le32(buf, 48),
            chunksize: le32(buf, 52),
            daemon_sleep: le32(buf, 56),
            write_behind: le32(buf, 60),
            sectors_reserved: le32(buf, 64),
            nodes: le32(buf, 68),
            cluster_name,
        })
    }

    pub fn encode(&self, out: &mut [u8]) -> Result<(), BitmapError> {
        let o = out.get_mut(..SB_BYTES).ok_or(BitmapError::Short)?;
        o.fill(0);
        let mut put = |off: usize, b: &[u8]| {
            if let Some(d) = o.get_mut(off..off + b.len()) {
                d.copy_from_slice(b);
            }
        };
        put(0, &MAGIC.to_le_bytes());
        put(4, &self.version.to_le_bytes());
        put(8, &self.uuid);
        put(24, &self.events.to_le_bytes());
        put(32, &self.events_cleared.to_le_bytes());
        put(40, &self.sync_size.to_le_bytes());
        put(48, &self.state.to_le_bytes());
        put(52, &self.chunksize.to_le_bytes());
        put(56, &self.daemon_sleep.to_le_bytes());
        put(60, &self.write_behind.to_le_bytes());
        put(64, &self.sectors_reserved.to_le_bytes());
        put(68, &self.nodes.to_le_bytes());
        put(72, &self.cluster_name[..56]);
        Ok(())
    }
}

pub struct Expect {
    pub uuid: [u8; 16],
    pub events: u64,
    pub sync_sectors: u64,
}

pub struct Loaded {
    pub chunk_shift: u32,
    pub chunks: u64,
    pub stale: bool,
    pub events_cleared: u64,
    pub daemon_sleep_s: u32,
    pub write_behind: u32,
}

pub fn validate(sb: &BitmapSuper, e: &Expect) -> Result<Loaded, BitmapError> {
    if sb.version < VERSION_LO || sb.version > VERSION_CLUSTERED {
        return Err(BitmapError::Version);
    }
    if sb.chunksize < 512 {
        return Err(BitmapError::ChunkSmall);
    }
    if !sb.chunksize.is_power_of_two() {
        return Err(BitmapError::ChunkPow2);
    }
    if sb.daemon_sleep < 1 || sb.daemon_sleep > 100_000 {
        return Err(BitmapError::DaemonSleep);
    }
    if sb.write_behind > u32::from(COUNTER_MAX) {
        return Err(BitmapError::WriteBehind);
    }
    if sb.nodes != 0 {
        return Err(BitmapError::Clustered);
    }
    if sb.uuid != e.uuid {
        return Err(BitmapError::Uuid);
    }
    let stale = sb.events < e.events || sb.state & STATE_STALE != 0;
    let chunk_shift = (sb.chunksize >> 9).trailing_zeros();
    Ok(Loaded {
        chunk_shift,
        chunks: chunks(e.sync_sectors, chunk_shift),
        stale,
        events_cleared: if stale { e.events } else { sb.events_cleared },
        daemon_sleep_s: sb.daemon_sleep,
        write_behind: sb.write_behind,
    })
}

pub fn chunks(sync_sectors: u64, chunk_shift: u32) -> u64 {
    let c = 1u64.checked_shl(chunk_shift).unwrap_or(u64::MAX);
    sync_sectors.div_ceil(c.max(1))
}

pub fn storage_bytes(chunks: u64) -> u64 {
    (SB_BYTES as u64).saturating_add(chunks.div_ceil(8))
}

pub fn storage_pages(chunks: u64) -> u64 {
    storage_bytes(chunks).div_ceil(4096)
}

pub fn bit_pos(c: u64) -> (u64, u8) {
    ((SB_BYTES as u64).saturating_add(c / 8), (c % 8) as u8)
}

pub fn page_write_len(index: u64, storage_bytes: u64, lbs: u32) -> u32 {
    let pages = storage_bytes.div_ceil(4096);
    if index + 1 < pages {
        return 4096;
    }
    let last = storage_bytes - index.saturating_mul(4096);
    let lbs = u64::from(lbs.max(512));
    (last.div_ceil(lbs) * lbs).min(4096) as u32
}

pub fn counter_pages(chunks: u64) -> u64 {
    chunks.div_ceil(COUNTERS_PER_PAGE)
}

/// __write_sb_page's checks (temporary).
pub fn write_fits(
    sb_start: u64,
    data_offset: u64,
    dev_sectors: u64,
    offset: i64,
    page: u64,
    len: u64,
) -> Result<(), BitmapError> {
    let sb = i128::from(sb_start);
    let bm = sb + i128::from(offset);
    let start = bm + i128::from(page) * 8;
    let end = start + i128::from(len.div_ceil(512));
    if offset < 0 {
        if end > sb || i128::from(data_offset) + i128::from(dev_sectors) > bm {
            return Err(BitmapError::Short);
        }
    } else if sb_start < data_offset && end > i128::from(data_offset) {
        return Err(BitmapError::Short);
    }
    Ok(())
}
