//! Host build of rust-md's pure `core`-only files, so they can be tested, property-tested
//! and fuzzed with plain `cargo`. Each module is the very file the kernel module compiles.

#[path = "../../superblock.rs"]
pub mod superblock;

#[path = "../../mdstat.rs"]
pub mod mdstat;

#[path = "../../ioctl.rs"]
pub mod ioctl;

#[path = "../../resync.rs"]
pub mod resync;

#[path = "../../balance.rs"]
pub mod balance;

#[path = "../../sysfs/parse.rs"]
pub mod sysfs_parse;

#[path = "../../bitmap/format.rs"]
pub mod bitmap_format;

pub mod fuzzing;
