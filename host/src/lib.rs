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

// Pure files with a folder of submodules (badblocks.rs + badblocks/log.rs): an inline
// module rooted at the top level, so their `mod` items resolve as in the kernel crate
// (host/scripts/kernel-lints.sh compiles the modules listed here the same way).
#[path = "../.."]
mod top {
    pub mod badblocks;
}
pub use top::badblocks;

pub mod fuzzing;
