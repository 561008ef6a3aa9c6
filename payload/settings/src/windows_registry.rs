//! Reading `HKLM` values on Windows, in the 64-bit view on 64-bit Windows.
//!
//! [`MachineRegistryPass`] is what a resolve should use: it opens each key once for all the
//! values read from it (each open is a kernel call on Windows and a wineserver round trip under
//! Wine) and closes them when dropped, so nothing outlives the one resolve it was made for.
//!
//! `RegOpenKeyExW` with `KEY_WOW64_64KEY` and `RegQueryValueExW` rather than `RegGetValueW`'s
//! `RRF_SUBKEY_WOW6464KEY`: Microsoft documents the access flag for Windows 7 (on 32-bit Windows
//! it is ignored), while the `RegGetValueW` flag came with a later SDK, and a Windows 7 that
//! refused it would silently read every setting as absent, kill switch included.

use windows::core::PCWSTR;
use windows::Win32::Foundation::{ERROR_MORE_DATA, ERROR_SUCCESS};
use windows::Win32::System::Registry::{
    RegCloseKey, RegOpenKeyExW, RegQueryValueExW, HKEY, HKEY_LOCAL_MACHINE, KEY_QUERY_VALUE,
    KEY_WOW64_64KEY, REG_VALUE_TYPE,
};

use std::cell::RefCell;

use crate::{decode_value, RegValue, RegistryRead};

/// The machine's registry (`HKLM`), each read opening and closing its key.
#[derive(Debug, Default, Clone, Copy)]
pub struct MachineRegistry;

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// An open key, closed on drop.
#[derive(Debug)]
struct OpenKey(HKEY);

impl OpenKey {
    fn open(key: &str) -> Option<Self> {
        let key_w = wide(key);
        let mut handle = HKEY::default();
        // SAFETY: key_w is NUL-terminated and outlives the call; handle is a valid out-pointer.
        let status = unsafe {
            RegOpenKeyExW(
                HKEY_LOCAL_MACHINE,
                PCWSTR(key_w.as_ptr()),
                None,
                KEY_QUERY_VALUE | KEY_WOW64_64KEY,
                &mut handle,
            )
        };
        (status == ERROR_SUCCESS).then_some(Self(handle))
    }

    fn query(&self, name: &str) -> Option<RegValue> {
        let name_w = wide(name);
        // Settings are short; a value that grows between the size query and the read is retried.
        let mut capacity = 256usize;
        for _ in 0..4 {
            let mut buffer = vec![0u8; capacity];
            let mut size = u32::try_from(buffer.len()).ok()?;
            let mut kind = REG_VALUE_TYPE(0);
            // SAFETY: the key is open; name_w is NUL-terminated; buffer holds `size` writable
            // bytes; kind and size are valid out-pointers.
            let status = unsafe {
                RegQueryValueExW(
                    self.0,
                    PCWSTR(name_w.as_ptr()),
                    None,
                    Some(&mut kind),
                    Some(buffer.as_mut_ptr()),
                    Some(&mut size),
                )
            };
            if status == ERROR_MORE_DATA {
                capacity = (size as usize).max(capacity * 2);
                continue;
            }
            if status != ERROR_SUCCESS {
                return None;
            }
            buffer.truncate(size as usize);
            return Some(decode_value(kind.0, &buffer));
        }
        None
    }
}

impl Drop for OpenKey {
    fn drop(&mut self) {
        // SAFETY: the handle came from RegOpenKeyExW and is closed once.
        let _ = unsafe { RegCloseKey(self.0) };
    }
}

impl RegistryRead for MachineRegistry {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        OpenKey::open(key)?.query(name)
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
    keys: RefCell<Vec<(String, Option<OpenKey>)>>,
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
            return open.as_ref()?.query(name);
        }
        let open = OpenKey::open(key);
        let value = open.as_ref().and_then(|k| k.query(name));
        keys.push((key.to_owned(), open));
        value
    }
}
