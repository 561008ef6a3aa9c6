//! The Windows calls: a key opened read-only in a [`View`] (`KEY_WOW64_64KEY` or
//! `KEY_WOW64_32KEY`, which 32-bit Windows ignores), one value read, subkeys listed, values
//! enumerated, each decoded with [`Value::from_raw`].
//!
//! `RegOpenKeyExW` with the view flag and `RegQueryValueExW` rather than `RegGetValueW`'s
//! `RRF_SUBKEY_WOW6464KEY`: Microsoft documents the access flag for Windows 7, while the
//! `RegGetValueW` flag came with a later SDK, and a Windows 7 that refused it would silently read
//! every setting as absent, kill switch included.

use windows::core::{PCWSTR, PWSTR};
use windows::Win32::Foundation::{ERROR_MORE_DATA, ERROR_SUCCESS};
use windows::Win32::System::Registry::{
    RegCloseKey, RegEnumKeyExW, RegEnumValueW, RegOpenKeyExW, RegQueryValueExW, HKEY,
    HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS, KEY_ENUMERATE_SUB_KEYS, KEY_QUERY_VALUE,
    KEY_WOW64_32KEY, KEY_WOW64_64KEY, REG_VALUE_TYPE,
};

use crate::{Hive, Value, View};

/// Longest value name the registry allows (16,383 characters) plus the terminator.
const MAX_VALUE_NAME: usize = 16_384;
/// Longest key name (255 characters) plus the terminator.
const MAX_KEY_NAME: usize = 256;
/// Enumeration stops here, whatever the registry holds.
const MAX_ENTRIES: u32 = 100_000;
/// A value that grows between the size query and the read is read again, this many times.
const READ_ATTEMPTS: usize = 4;

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A key open for reading its values and listing its subkeys; closed on drop.
#[derive(Debug)]
pub struct Key(HKEY);

impl Key {
    /// Opens `hive\path` in `view`; `None` when the key is absent or cannot be read.
    pub fn open(hive: Hive, view: View, path: &str) -> Option<Self> {
        Self::try_open(hive, view, path).ok()
    }

    /// Opens `hive\path` in `view`, or says why not: the Win32 error `RegOpenKeyExW` gave
    /// (2 the key is absent, 5 access denied).
    pub fn try_open(hive: Hive, view: View, path: &str) -> Result<Self, u32> {
        let root = match hive {
            Hive::LocalMachine => HKEY_LOCAL_MACHINE,
            Hive::CurrentUser => HKEY_CURRENT_USER,
            Hive::Users => HKEY_USERS,
        };
        let view = match view {
            View::Native => KEY_WOW64_64KEY,
            View::Wow32 => KEY_WOW64_32KEY,
        };
        let path = wide(path);
        let mut handle = HKEY::default();
        // SAFETY: `path` is NUL-terminated and outlives the call; `handle` is a valid out
        // pointer.
        let status = unsafe {
            RegOpenKeyExW(
                root,
                PCWSTR(path.as_ptr()),
                None,
                KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | view,
                &mut handle,
            )
        };
        if status == ERROR_SUCCESS {
            Ok(Self(handle))
        } else {
            Err(status.0)
        }
    }

    /// One value (`""` names the default value); `None` when it is absent or cannot be read.
    pub fn value(&self, name: &str) -> Option<Value> {
        let name = wide(name);
        let mut buffer = vec![0u8; 512];
        for _ in 0..READ_ATTEMPTS {
            let mut kind = REG_VALUE_TYPE(0);
            let mut size = u32::try_from(buffer.len()).ok()?;
            // SAFETY: the key is open; `name` is NUL-terminated; `buffer` holds `size` writable
            // bytes; `kind` and `size` are valid out pointers.
            let status = unsafe {
                RegQueryValueExW(
                    self.0,
                    PCWSTR(name.as_ptr()),
                    None,
                    Some(&mut kind),
                    Some(buffer.as_mut_ptr()),
                    Some(&mut size),
                )
            };
            if status == ERROR_SUCCESS {
                buffer.truncate(size as usize);
                return Some(Value::from_raw(kind.0, &buffer));
            }
            if status != ERROR_MORE_DATA {
                return None;
            }
            // Larger than the buffer (or grown since): again with the size the registry asked for.
            buffer = vec![0u8; (size as usize).max(buffer.len() * 2)];
        }
        None
    }

    /// The names of the key's subkeys, in the registry's order; an error ends the list early.
    pub fn subkeys(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut name = [0u16; MAX_KEY_NAME];
        for index in 0..MAX_ENTRIES {
            let mut len = name.len() as u32;
            // SAFETY: `name` holds `len` writable UTF-16 units; the key is open; the optional
            // outputs are not requested.
            let status = unsafe {
                RegEnumKeyExW(
                    self.0,
                    index,
                    Some(PWSTR(name.as_mut_ptr())),
                    &mut len,
                    None,
                    None,
                    None,
                    None,
                )
            };
            if status != ERROR_SUCCESS {
                // ERROR_NO_MORE_ITEMS ends the list; any other error ends it early.
                break;
            }
            names.push(String::from_utf16_lossy(&name[..len as usize]));
        }
        names
    }

    /// The key's values, in the registry's order; an error ends the list early.
    pub fn values(&self) -> Vec<(String, Value)> {
        let mut values = Vec::new();
        let mut name = vec![0u16; MAX_VALUE_NAME];
        let mut data = vec![0u8; 4096];
        let mut index = 0;
        let mut attempts = 0;
        while index < MAX_ENTRIES {
            let mut name_len = name.len() as u32;
            let mut data_len = data.len() as u32;
            let mut kind = 0u32;
            // SAFETY: `name` holds `name_len` UTF-16 units and `data` `data_len` bytes, both
            // writable; the key is open.
            let status = unsafe {
                RegEnumValueW(
                    self.0,
                    index,
                    Some(PWSTR(name.as_mut_ptr())),
                    &mut name_len,
                    None,
                    Some(&mut kind),
                    Some(data.as_mut_ptr()),
                    Some(&mut data_len),
                )
            };
            if status == ERROR_MORE_DATA && attempts + 1 < READ_ATTEMPTS {
                attempts += 1;
                data = vec![0u8; (data_len as usize).max(data.len() * 2)];
                continue;
            }
            if status != ERROR_SUCCESS {
                // ERROR_NO_MORE_ITEMS ends the list; any other error ends it early.
                break;
            }
            values.push((
                String::from_utf16_lossy(&name[..name_len as usize]),
                Value::from_raw(kind, &data[..data_len as usize]),
            ));
            index += 1;
            attempts = 0;
        }
        values
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the handle came from a successful RegOpenKeyExW and is closed exactly once.
        let _ = unsafe { RegCloseKey(self.0) };
    }
}
