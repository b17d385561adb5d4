// SPDX-License-Identifier: GPL-2.0
//! The personality registry: the RAID levels this md can run, looked up by
//! level at RUN_ARRAY and listed on the first line of /proc/mdstat.

use kernel::prelude::*;
use kernel::sync::Mutex;

/// A RAID personality (md's `struct md_personality`).
pub(crate) struct Personality {
    /// Name as /proc/mdstat and md/level print it.
    pub(crate) name: &'static str,
    /// The level number in superblocks and ioctls.
    pub(crate) level: i32,
}

/// Registered personalities, in registration order.
#[pin_data]
pub(crate) struct Registry {
    #[pin]
    list: Mutex<KVec<&'static Personality>>,
}

impl Registry {
    /// An empty registry.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Registry {
            list <- kernel::new_mutex!(KVec::new(), "md:pers_list"),
        })
    }

    /// Adds a personality (md's `register_md_personality`).
    pub(crate) fn register(&self, p: &'static Personality) -> Result {
        self.list.lock().push(p, GFP_KERNEL)?;
        Ok(())
    }

    /// Finds the personality for `level`.
    #[allow(dead_code)]
    pub(crate) fn find(&self, level: i32) -> Option<&'static Personality> {
        self.list.lock().iter().copied().find(|p| p.level == level)
    }

    /// Calls `f` with the registered names, in order.
    pub(crate) fn with_names<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R {
        let list = self.list.lock();
        let mut names: [&str; 8] = [""; 8];
        let mut n = 0;
        for (slot, p) in names.iter_mut().zip(list.iter()) {
            *slot = p.name;
            n += 1;
        }
        f(names.get(..n).unwrap_or(&[]))
    }
}
