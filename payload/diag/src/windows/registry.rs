//! Reading the registry: each key opened read-only in the view the [`RegKey`] names
//! (`KEY_WOW64_64KEY` or `KEY_WOW64_32KEY`, ignored by 32-bit Windows), values decoded with
//! [`Value::from_raw`].

use windows::core::{PCWSTR, PWSTR};
use windows::Win32::Foundation::{ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS};
use windows::Win32::System::Registry::{
    RegCloseKey, RegEnumKeyExW, RegEnumValueW, RegOpenKeyExW, RegQueryValueExW, HKEY,
    HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS, KEY_READ, KEY_WOW64_32KEY, KEY_WOW64_64KEY,
    REG_VALUE_TYPE,
};

use crate::machine::{Hive, RegKey, Value, View};

/// Longest value name the registry allows (16,383 characters) plus the terminator.
const MAX_VALUE_NAME: usize = 16_384;
/// Longest key name (255 characters) plus the terminator.
const MAX_KEY_NAME: usize = 256;
/// Enumeration stops here, whatever the registry holds.
const MAX_ENTRIES: u32 = 100_000;

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// An open key, closed on drop.
struct OpenKey(HKEY);

impl Drop for OpenKey {
    fn drop(&mut self) {
        // SAFETY: self.0 came from a successful RegOpenKeyExW and is closed exactly once.
        let _ = unsafe { RegCloseKey(self.0) };
    }
}

fn open(key: &RegKey) -> Option<OpenKey> {
    let root = match key.hive {
        Hive::LocalMachine => HKEY_LOCAL_MACHINE,
        Hive::CurrentUser => HKEY_CURRENT_USER,
        Hive::Users => HKEY_USERS,
    };
    let view = match key.view {
        View::Native => KEY_WOW64_64KEY,
        View::Wow32 => KEY_WOW64_32KEY,
    };
    let path = wide(&key.path);
    let mut handle = HKEY::default();
    // SAFETY: `path` is NUL-terminated and outlives the call; `handle` is a valid out pointer.
    let status = unsafe {
        RegOpenKeyExW(
            root,
            PCWSTR(path.as_ptr()),
            Some(0),
            KEY_READ | view,
            &mut handle,
        )
    };
    (status == ERROR_SUCCESS).then_some(OpenKey(handle))
}

pub fn value(key: &RegKey, name: &str) -> Option<Value> {
    let open = open(key)?;
    let name = wide(name);
    let mut buffer = vec![0u8; 512];
    for _ in 0..4 {
        let mut kind = REG_VALUE_TYPE(0);
        let mut size = buffer.len() as u32;
        // SAFETY: `name` is NUL-terminated; `buffer` holds `size` writable bytes; the key is open.
        let status = unsafe {
            RegQueryValueExW(
                open.0,
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
        // The value is larger (or grew since): retry with the size the registry asked for.
        buffer = vec![0u8; size as usize + 2];
    }
    None
}

pub fn subkeys(key: &RegKey) -> Option<Vec<String>> {
    let open = open(key)?;
    let mut names = Vec::new();
    for index in 0..MAX_ENTRIES {
        let mut name = [0u16; MAX_KEY_NAME];
        let mut len = name.len() as u32;
        // SAFETY: `name` holds `len` writable UTF-16 units; the key is open; the optional
        // outputs are not requested.
        let status = unsafe {
            RegEnumKeyExW(
                open.0,
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
    Some(names)
}

pub fn values(key: &RegKey) -> Option<Vec<(String, Value)>> {
    let open = open(key)?;
    let mut values = Vec::new();
    let mut name = vec![0u16; MAX_VALUE_NAME];
    let mut data = vec![0u8; 4096];
    let mut index = 0;
    let mut retries = 0;
    while index < MAX_ENTRIES {
        let mut name_len = name.len() as u32;
        let mut data_len = data.len() as u32;
        let mut kind = 0u32;
        // SAFETY: `name` holds `name_len` UTF-16 units and `data` `data_len` bytes, both
        // writable; the key is open.
        let status = unsafe {
            RegEnumValueW(
                open.0,
                index,
                Some(PWSTR(name.as_mut_ptr())),
                &mut name_len,
                None,
                Some(&mut kind),
                Some(data.as_mut_ptr()),
                Some(&mut data_len),
            )
        };
        if status == ERROR_MORE_DATA && retries < 4 {
            retries += 1;
            data = vec![0u8; (data_len as usize).max(data.len() * 2)];
            continue;
        }
        if status == ERROR_NO_MORE_ITEMS || status != ERROR_SUCCESS {
            break;
        }
        values.push((
            String::from_utf16_lossy(&name[..name_len as usize]),
            Value::from_raw(kind, &data[..data_len as usize]),
        ));
        index += 1;
        retries = 0;
    }
    Some(values)
}
