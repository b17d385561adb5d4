// SPDX-License-Identifier: GPL-2.0
//! /sys/block/mdN/md/: the attributes mdadm and md's users read and write.

use core::fmt::Write;

use kernel::prelude::*;
use kernel::sync::ArcBorrow;

use crate::ffi::Page;
use core::sync::atomic::Ordering;

use crate::{
    do_md_run, do_md_stop, ioctl, md_set_readonly, restart_array, stop_writes, with_ref, Mddev,
    MddevState, Ro,
};

/// md's array_state words.
const ARRAY_STATES: [&str; 10] = [
    "clear",
    "inactive",
    "suspended",
    "readonly",
    "read-auto",
    "clean",
    "active",
    "write-pending",
    "active-idle",
    "broken",
];

/// Shows attribute `name`.
pub(crate) fn attr_show(m: ArcBorrow<'_, Mddev>, name: &[u8], page: &mut Page<'_>) -> Result {
    with_ref(m, |m| {
        let st = m.state.lock();
        let r = match name {
            b"array_state" => writeln!(page, "{}", array_state(m, &st)),
            b"level" => match (st.pers, st.level) {
                (Some(p), _) => writeln!(page, "{}", p.name),
                (None, ioctl::LEVEL_NONE) => Ok(()),
                // A level written by name reads back as that name (md's clevel).
                (None, 1) if st.level_by_name => writeln!(page, "raid1"),
                (None, l) => writeln!(page, "{l}"),
            },
            // md shows nothing until the array has slots.
            b"raid_disks" if st.raid_disks == 0 => Ok(()),
            b"raid_disks" => writeln!(page, "{}", st.raid_disks),
            b"metadata_version" => {
                if st.persistent {
                    writeln!(page, "{}.{}", st.major_version, st.minor_version)
                } else {
                    writeln!(page, "none")
                }
            }
            _ => return Err(EIO),
        };
        r.map_err(|_| EFBIG)
    })
}

fn array_state(m: &Mddev, st: &MddevState) -> &'static str {
    if st.pers.is_some() {
        match m.ro() {
            Ro::Rdonly => "readonly",
            Ro::AutoRead => "read-auto",
            Ro::Rdwr if m.in_sync.load(Ordering::SeqCst) => "clean",
            Ro::Rdwr => "active",
        }
    } else if st.disks.is_empty() && st.raid_disks == 0 && st.dev_sectors == 0 {
        "clear"
    } else {
        "inactive"
    }
}

/// The first word of a sysfs write, without the trailing newline.
fn word(input: &[u8]) -> &[u8] {
    let end = input
        .iter()
        .position(|b| *b == b'\n' || *b == 0)
        .unwrap_or(input.len());
    input.get(..end).unwrap_or(&[])
}

fn parse_u32(s: &[u8]) -> Result<u32> {
    if s.is_empty() {
        return Err(EINVAL);
    }
    let mut n: u32 = 0;
    for b in s {
        if !b.is_ascii_digit() {
            return Err(EINVAL);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(b - b'0')))
            .ok_or(EINVAL)?;
    }
    Ok(n)
}

/// Stores `input` into attribute `name`.
pub(crate) fn attr_store(m: ArcBorrow<'_, Mddev>, name: &[u8], input: &[u8]) -> Result {
    with_ref(m, |m| {
        let w = word(input);
        if name == b"array_state" && w == b"clear" {
            // As STOP_ARRAY: write back before taking the state lock.
            m.disk.sync()?;
        }
        let mut st = m.state.lock();
        match name {
            b"array_state" => {
                let idx = ARRAY_STATES
                    .iter()
                    .position(|s| s.as_bytes() == w)
                    .ok_or(EINVAL)?;
                let running = st.pers.is_some();
                let r = match idx {
                    // clear: stop and forget
                    0 => do_md_stop(m, &mut st, true, 0),
                    // inactive: stop a running array but keep its members
                    1 if running => do_md_stop(m, &mut st, false, 0),
                    1 => Ok(()),
                    // readonly
                    3 if running => md_set_readonly(m, &mut st, 0),
                    3 => {
                        m.set_ro(Ro::Rdonly);
                        do_md_run(m, &mut st)
                    }
                    // read-auto
                    4 if running => {
                        let r = match m.ro() {
                            Ro::Rdwr => md_set_readonly(m, &mut st, 0),
                            Ro::Rdonly => restart_array(m, &st),
                            Ro::AutoRead => Ok(()),
                        };
                        if r.is_ok() {
                            m.set_ro(Ro::AutoRead);
                        }
                        r
                    }
                    4 => {
                        m.set_ro(Ro::AutoRead);
                        do_md_run(m, &mut st)
                    }
                    // clean: writable, superblocks marked clean when no write is pending
                    5 if running => {
                        if m.ro() != Ro::Rdwr {
                            restart_array(m, &st)?;
                        }
                        if m.writes_pending.load(Ordering::SeqCst) != 0 {
                            Err(EBUSY)
                        } else {
                            stop_writes(m, &mut st);
                            Ok(())
                        }
                    }
                    // active: writable
                    6 if running => {
                        if m.ro() != Ro::Rdwr {
                            restart_array(m, &st)?;
                        }
                        Ok(())
                    }
                    6 => {
                        m.set_ro(Ro::Rdwr);
                        do_md_run(m, &mut st)
                    }
                    _ => Err(EINVAL),
                };
                if r.is_ok() {
                    m.release_open_hold();
                }
                r
            }
            b"raid_disks" => {
                if st.pers.is_some() {
                    return Err(EBUSY);
                }
                let n = parse_u32(w)?;
                if n == 0 || n > 1920 {
                    return Err(EINVAL);
                }
                st.raid_disks = n;
                m.update_configured(&mut st);
                Ok(())
            }
            b"level" => {
                if st.pers.is_some() {
                    return Err(EBUSY);
                }
                (st.level, st.level_by_name) = match w {
                    b"raid1" => (1, true),
                    b"1" => (1, false),
                    _ => return Err(EINVAL),
                };
                Ok(())
            }
            b"metadata_version" => {
                if st.pers.is_some() || st.raid_disks != 0 {
                    return Err(EBUSY);
                }
                let (major, minor) = match w {
                    b"none" => {
                        st.persistent = false;
                        st.major_version = 0;
                        st.minor_version = 90;
                        return Ok(());
                    }
                    b"0.90" => (0, 90),
                    b"1.0" | b"1.00" => (1, 0),
                    b"1.1" | b"1.01" => (1, 1),
                    b"1.2" | b"1.02" => (1, 2),
                    _ => return Err(EINVAL),
                };
                st.persistent = true;
                st.major_version = major;
                st.minor_version = minor;
                st.patch_version = 0;
                Ok(())
            }
            _ => Err(EIO),
        }
    })
}
