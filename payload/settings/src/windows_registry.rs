//! Reading `HKLM` values on Windows, in the 64-bit view on 64-bit Windows, with `sspr-registry`'s
//! reader (the one SsprDiag uses).
//!
//! [`MachineRegistryPass`] is what a resolve should use: it opens each key once for all the
//! values read from it (each open is a kernel call on Windows and a wineserver round trip under
//! Wine) and closes them when dropped, so nothing outlives the one resolve it was made for.

use std::cell::RefCell;

use sspr_registry::windows::Key;
use sspr_registry::{Hive, View};

use crate::{RegValue, RegistryRead};

/// The machine's registry (`HKLM`), each read opening and closing its key.
#[derive(Debug, Default, Clone, Copy)]
pub struct MachineRegistry;

fn open(key: &str) -> Option<Key> {
    Key::open(Hive::LocalMachine, View::Native, key)
}

fn query(key: &Key, name: &str) -> Option<RegValue> {
    key.value(name).as_ref().map(RegValue::from)
}

impl RegistryRead for MachineRegistry {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        query(&open(key)?, name)
    }
}

/// The machine's registry for one pass of reads (one resolve of the settings): each key is opened
/// at most once, an absent key is remembered as absent, and every handle is closed on drop.
///
/// Make a new one for every resolve and drop it after: values are still read fresh each time,
/// and a key created, deleted or replaced in between (Group Policy rewrites its keys on every
/// refresh) is seen by the next pass, which a handle kept across passes would miss.
#[derive(Debug, Default)]
pub struct MachineRegistryPass {
    /// `(key path, its handle or None when it could not be opened)`, in first-read order.
    keys: RefCell<Vec<(String, Option<Key>)>>,
}

impl MachineRegistryPass {
    pub fn new() -> Self {
        Self::default()
    }
}

impl RegistryRead for MachineRegistryPass {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        // Never re-entered (a query calls nothing of ours), so the borrow cannot fail.
        let mut keys = self.keys.try_borrow_mut().ok()?;
        // Registry paths are case-insensitive.
        if let Some((_, open)) = keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return query(open.as_ref()?, name);
        }
        let opened = open(key);
        let value = opened.as_ref().and_then(|k| query(k, name));
        keys.push((key.to_owned(), opened));
        value
    }
}
