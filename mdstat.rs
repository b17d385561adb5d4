// SPDX-License-Identifier: GPL-2.0
//! The text of /proc/mdstat, byte-identical to the kernel's md.
//!
//! Pure `core` code: it formats a snapshot of the arrays that the kernel side
//! collects under its locks, so the exact layout is tested on the host.

use core::fmt::{self, Write};

/// How a member is marked after its `name[desc_nr]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemberFlags {
    /// `(W)`: write-mostly.
    pub write_mostly: bool,
    /// `(J)`: journal device.
    pub journal: bool,
    /// `(F)`: faulty; nothing else is printed after it.
    pub faulty: bool,
    /// `(S)`: not in a slot (spare).
    pub spare: bool,
    /// `(R)`: replacement.
    pub replacement: bool,
}

/// One member as listed on an array's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    /// Block device name, e.g. `vda`.
    pub name: &'a str,
    /// The member's descriptor number (`desc_nr`).
    pub desc_nr: i32,
    /// Its flags.
    pub flags: MemberFlags,
    /// Its usable size in sectors (summed for inactive arrays).
    pub sectors: u64,
}

/// The running part of an array: personality and read-only state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Running<'a> {
    /// Personality name, e.g. `raid1`.
    pub personality: &'a str,
    /// `broken` instead of `active`.
    pub broken: bool,
    /// `(read-only)`.
    pub read_only: bool,
    /// `(auto-read-only)`.
    pub auto_read_only: bool,
    /// The array's size in sectors.
    pub array_sectors: u64,
    /// Configured mirrors (`[n/m]`, first number).
    pub raid_disks: u32,
    /// Slots holding an in-sync member, in slot order (`[UU]`).
    pub in_sync: &'a [bool],
    /// The sync line under the array, if any.
    pub sync: Option<SyncLine>,
}

/// md's status_resync line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncLine {
    /// A sync is running.
    Progress(crate::resync::Progress),
    /// A resync is needed but cannot run now (`resync=PENDING`, e.g. read-only).
    Pending,
    /// A sync is about to start (`resync=DELAYED`).
    Delayed,
}

/// Metadata as printed after the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metadata<'a> {
    /// A persistent md superblock of this version.
    Persistent {
        /// Major version (0 or 1).
        major: u32,
        /// Minor version.
        minor: u32,
    },
    /// Externally managed metadata.
    External(&'a str),
    /// No superblock.
    NonPersistent,
}

/// A snapshot of one array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayStatus<'a> {
    /// Array name, e.g. `md0`.
    pub name: &'a str,
    /// Members, in the order md lists them (most recently bound first).
    pub members: &'a [Member<'a>],
    /// `Some` once a personality runs the array.
    pub running: Option<Running<'a>>,
    /// Metadata kind.
    pub metadata: Metadata<'a>,
    /// Configured raid disks (an array with neither members nor raid disks is not listed).
    pub raid_disks: u32,
    /// The bitmap line, if the array has a bitmap.
    pub bitmap: Option<BitmapLine>,
}

/// md_bitmap_status's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitmapLine {
    /// Counter pages in use.
    pub used_pages: u64,
    /// Counter pages in all.
    pub pages: u64,
    /// Chunk size in bytes.
    pub chunksize: u32,
}

/// Writes md_bitmap_status's line (without the newline that ends the array).
pub fn write_bitmap<W: Write>(w: &mut W, b: &BitmapLine) -> fmt::Result {
    let kb = b.chunksize >> 10;
    write!(
        w,
        "bitmap: {}/{} pages [{}KB], ",
        b.used_pages,
        b.pages,
        b.used_pages.saturating_mul(4)
    )?;
    if kb != 0 {
        write!(w, "{kb}KB chunk")?;
    } else {
        write!(w, "{}B chunk", b.chunksize)?;
    }
    w.write_char('\n')
}

/// Writes the first line: `Personalities : [raid1] ` and a newline.
pub fn write_personalities<W: Write>(w: &mut W, names: &[&str]) -> fmt::Result {
    w.write_str("Personalities : ")?;
    for name in names {
        write!(w, "[{name}] ")?;
    }
    w.write_char('\n')
}

/// Writes the last line, listing members bound to no array.
pub fn write_unused<W: Write>(w: &mut W, unused: &[&str]) -> fmt::Result {
    w.write_str("unused devices: ")?;
    if unused.is_empty() {
        w.write_str("<none>")?;
    }
    for name in unused {
        write!(w, "{name} ")?;
    }
    w.write_char('\n')
}

/// Writes one array's lines; arrays with no members and no raid disks print nothing.
pub fn write_array<W: Write>(w: &mut W, a: &ArrayStatus<'_>) -> fmt::Result {
    if a.running.is_none() && a.raid_disks == 0 && a.members.is_empty() {
        return Ok(());
    }
    write!(w, "{} : ", a.name)?;
    match &a.running {
        Some(r) => {
            w.write_str(if r.broken { "broken" } else { "active" })?;
            if r.read_only {
                w.write_str(" (read-only)")?;
            }
            if r.auto_read_only {
                w.write_str(" (auto-read-only)")?;
            }
            write!(w, " {}", r.personality)?;
        }
        None => w.write_str("inactive")?,
    }
    let mut sectors: u64 = 0;
    for m in a.members {
        write!(w, " {}[{}]", m.name, m.desc_nr)?;
        if m.flags.write_mostly {
            w.write_str("(W)")?;
        }
        if m.flags.journal {
            w.write_str("(J)")?;
        }
        if m.flags.faulty {
            w.write_str("(F)")?;
            continue;
        }
        if m.flags.spare {
            w.write_str("(S)")?;
        }
        if m.flags.replacement {
            w.write_str("(R)")?;
        }
        sectors = sectors.saturating_add(m.sectors);
    }
    if !a.members.is_empty() {
        let blocks = match &a.running {
            Some(r) => r.array_sectors / 2,
            None => sectors / 2,
        };
        write!(w, "\n      {blocks} blocks")?;
    }
    match a.metadata {
        Metadata::Persistent { major, minor } => {
            if major != 0 || minor != 90 {
                write!(w, " super {major}.{minor}")?;
            }
        }
        Metadata::External(kind) => write!(w, " super external:{kind}")?,
        Metadata::NonPersistent => w.write_str(" super non-persistent")?,
    }
    match &a.running {
        Some(r) => {
            let working = r.in_sync.iter().filter(|s| **s).count();
            write!(w, " [{}/{}] [", r.raid_disks, working)?;
            for s in r.in_sync {
                w.write_char(if *s { 'U' } else { '_' })?;
            }
            w.write_str("]\n      ")?;
            match &r.sync {
                Some(SyncLine::Progress(p)) => {
                    crate::resync::write_progress(w, p)?;
                    w.write_str("\n      ")?;
                }
                Some(SyncLine::Pending) => w.write_str("\tresync=PENDING\n      ")?,
                Some(SyncLine::Delayed) => w.write_str("\tresync=DELAYED\n      ")?,
                None => {}
            }
        }
        None => w.write_str("\n       ")?,
    }
    if let Some(b) = &a.bitmap {
        write_bitmap(w, b)?;
    }
    w.write_char('\n')
}
