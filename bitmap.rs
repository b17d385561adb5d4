// SPDX-License-Identifier: GPL-2.0
//! Write-intent bitmaps (md-bitmap.c). For now only the on-disk codec, [`format`]; the
//! engine that keeps the counters and writes the bits comes with issue 11.

// The engine uses these items (hence `dead_code` until it lands); `pub` for the host
// tests (format.rs allows `unreachable_pub` itself).
#[allow(dead_code)]
pub(crate) mod format;
