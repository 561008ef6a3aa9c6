//! The registry through its API, in an explicit view (`KEY_WOW64_64KEY` / `KEY_WOW64_32KEY`):
//! whole subtrees read into [`RegTree`]s, values set and deleted, keys deleted.

use anyhow::{bail, Context as _};
use windows::core::{HSTRING, PCWSTR, PWSTR};
use windows::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_NO_MORE_ITEMS, WIN32_ERROR};
use windows::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegDeleteKeyExW, RegDeleteTreeW, RegDeleteValueW, RegEnumKeyExW,
    RegEnumValueW, RegOpenKeyExW, RegQueryInfoKeyW, RegSetValueExW, HKEY, HKEY_CLASSES_ROOT,
    HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS, KEY_ALL_ACCESS, KEY_READ, KEY_WOW64_32KEY,
    KEY_WOW64_64KEY, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_OPTION_NON_VOLATILE, REG_QWORD,
    REG_SAM_FLAGS, REG_SZ, REG_VALUE_TYPE,
};

use crate::registry::{RegTree, RegValue, RegValues, RegView};

/// An open key, closed on drop.
struct Key(HKEY);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the key was opened by RegOpenKeyExW/RegCreateKeyExW and is closed once.
        let _ = unsafe { RegCloseKey(self.0) };
    }
}

fn view_flag(view: RegView) -> REG_SAM_FLAGS {
    match view {
        RegView::Bits64 => KEY_WOW64_64KEY,
        RegView::Bits32 => KEY_WOW64_32KEY,
    }
}

/// `HKLM\X` as its predefined root and the path below it.
pub fn split_root(key: &str) -> anyhow::Result<(HKEY, &str)> {
    let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
    let root = match root.to_ascii_uppercase().as_str() {
        "HKLM" | "HKEY_LOCAL_MACHINE" => HKEY_LOCAL_MACHINE,
        "HKCU" | "HKEY_CURRENT_USER" => HKEY_CURRENT_USER,
        "HKCR" | "HKEY_CLASSES_ROOT" => HKEY_CLASSES_ROOT,
        "HKU" | "HKEY_USERS" => HKEY_USERS,
        _ => bail!("{key} does not start with HKLM, HKCU, HKCR or HKU"),
    };
    Ok((root, rest))
}

fn check(status: WIN32_ERROR, what: &str) -> anyhow::Result<()> {
    if status.is_ok() {
        Ok(())
    } else {
        bail!(
            "{what}: {}",
            windows::core::Error::from(status.to_hresult())
        )
    }
}

/// Opens `path` under `root`; `None` when it does not exist.
fn open(root: HKEY, path: &str, access: REG_SAM_FLAGS) -> anyhow::Result<Option<Key>> {
    let mut key = HKEY::default();
    // SAFETY: `root` is a predefined or open key, the path a NUL-terminated HSTRING that lives
    // through the call, `key` a valid out pointer.
    let status = unsafe { RegOpenKeyExW(root, &HSTRING::from(path), None, access, &mut key) };
    if status == ERROR_FILE_NOT_FOUND {
        return Ok(None);
    }
    check(status, &format!("opening {path}"))?;
    Ok(Some(Key(key)))
}

fn subkey_names(key: &Key) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut buffer = vec![0u16; 256];
    for index in 0.. {
        let mut length = buffer.len() as u32;
        // SAFETY: `buffer` holds `length` UTF-16 units; the other out pointers are unused.
        let status = unsafe {
            RegEnumKeyExW(
                key.0,
                index,
                Some(PWSTR(buffer.as_mut_ptr())),
                &mut length,
                None,
                None,
                None,
                None,
            )
        };
        if status == ERROR_NO_MORE_ITEMS {
            break;
        }
        check(status, "enumerating subkeys")?;
        names.push(String::from_utf16_lossy(&buffer[..length as usize]));
    }
    Ok(names)
}

fn value_of(kind: REG_VALUE_TYPE, data: &[u8]) -> RegValue {
    let text = || {
        let units: Vec<u16> = data
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        let end = units
            .iter()
            .position(|unit| *unit == 0)
            .unwrap_or(units.len());
        String::from_utf16_lossy(&units[..end])
    };
    match kind {
        REG_SZ => RegValue::Sz(text()),
        REG_EXPAND_SZ => RegValue::ExpandSz(text()),
        REG_DWORD if data.len() == 4 => {
            RegValue::Dword(u32::from_le_bytes([data[0], data[1], data[2], data[3]]))
        }
        _ => RegValue::Other {
            kind: match kind {
                REG_BINARY => "REG_BINARY".to_owned(),
                REG_QWORD => "REG_QWORD".to_owned(),
                other => format!("type {}", other.0),
            },
            data: data.iter().map(|byte| format!("{byte:02X}")).collect(),
        },
    }
}

fn values(key: &Key) -> anyhow::Result<RegValues> {
    let (mut max_name, mut max_data) = (0u32, 0u32);
    // SAFETY: every out pointer is either None or a valid u32.
    let status = unsafe {
        RegQueryInfoKeyW(
            key.0,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            Some(&mut max_name),
            Some(&mut max_data),
            None,
            None,
        )
    };
    check(status, "reading a key's sizes")?;
    let mut values = RegValues::new();
    let mut name = vec![0u16; max_name as usize + 1];
    let mut data = vec![0u8; max_data as usize + 2];
    for index in 0.. {
        let mut name_length = name.len() as u32;
        let mut data_length = data.len() as u32;
        let mut kind = 0u32;
        // SAFETY: `name` holds `name_length` units and `data` `data_length` bytes; `kind` is a
        // valid out pointer.
        let status = unsafe {
            RegEnumValueW(
                key.0,
                index,
                Some(PWSTR(name.as_mut_ptr())),
                &mut name_length,
                None,
                Some(&mut kind),
                Some(data.as_mut_ptr()),
                Some(&mut data_length),
            )
        };
        if status == ERROR_NO_MORE_ITEMS {
            break;
        }
        check(status, "enumerating values")?;
        values.insert(
            String::from_utf16_lossy(&name[..name_length as usize]),
            value_of(REG_VALUE_TYPE(kind), &data[..data_length as usize]),
        );
    }
    Ok(values)
}

fn walk(key: &Key, relative: &str, view: RegView, tree: &mut RegTree) -> anyhow::Result<()> {
    tree.insert(relative.to_owned(), values(key)?);
    for name in subkey_names(key)? {
        let Some(child) = open(key.0, &name, KEY_READ | view_flag(view))? else {
            continue;
        };
        let path = if relative.is_empty() {
            name
        } else {
            format!(r"{relative}\{name}")
        };
        walk(&child, &path, view, tree)?;
    }
    Ok(())
}

/// `key` and everything under it in `view`, by path relative to `key`; `None` when absent.
pub fn query(key: &str, view: RegView) -> anyhow::Result<Option<RegTree>> {
    let (root, path) = split_root(key)?;
    let Some(opened) = open(root, path, KEY_READ | view_flag(view))? else {
        return Ok(None);
    };
    let mut tree = RegTree::new();
    walk(&opened, "", view, &mut tree).with_context(|| format!("reading {key} in {view:?}"))?;
    Ok(Some(tree))
}

/// Sets `name` (`""`: the default value) of `key`, creating the key.
pub fn set_value(key: &str, name: &str, value: &RegValue, view: RegView) -> anyhow::Result<()> {
    let (root, path) = split_root(key)?;
    let mut opened = HKEY::default();
    // SAFETY: as in `open`; no security attributes or disposition are asked for.
    let status = unsafe {
        RegCreateKeyExW(
            root,
            &HSTRING::from(path),
            None,
            PCWSTR::null(),
            REG_OPTION_NON_VOLATILE,
            KEY_ALL_ACCESS | view_flag(view),
            None,
            &mut opened,
            None,
        )
    };
    check(status, &format!("creating {key}"))?;
    let opened = Key(opened);
    let text = |text: &str| -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    };
    let (kind, data) = match value {
        RegValue::Sz(value) => (REG_SZ, text(value)),
        RegValue::ExpandSz(value) => (REG_EXPAND_SZ, text(value)),
        RegValue::Dword(value) => (REG_DWORD, value.to_le_bytes().to_vec()),
        RegValue::Other { kind, .. } => bail!("setting a {kind} value is not supported"),
    };
    // SAFETY: `data` holds the value's bytes for the call.
    let status = unsafe { RegSetValueExW(opened.0, &HSTRING::from(name), None, kind, Some(&data)) };
    check(status, &format!("setting {key}\\{name}"))
}

/// Deletes one value (`""`: the default value).
pub fn delete_value(key: &str, name: &str, view: RegView) -> anyhow::Result<()> {
    let (root, path) = split_root(key)?;
    let opened = open(root, path, KEY_ALL_ACCESS | view_flag(view))?
        .with_context(|| format!("{key} does not exist"))?;
    // SAFETY: the key is open with write access; the name lives through the call.
    let status = unsafe { RegDeleteValueW(opened.0, &HSTRING::from(name)) };
    check(status, &format!("deleting {key}\\{name}"))
}

/// Deletes `key` and everything under it.
pub fn delete_tree(key: &str, view: RegView) -> anyhow::Result<()> {
    let (root, path) = split_root(key)?;
    let Some(opened) = open(root, path, KEY_ALL_ACCESS | view_flag(view))? else {
        bail!("{key} does not exist");
    };
    // SAFETY: the key is open with full access; a null subkey empties the key itself.
    let status = unsafe { RegDeleteTreeW(opened.0, PCWSTR::null()) };
    check(status, &format!("emptying {key}"))?;
    drop(opened);
    // SAFETY: `root` is a predefined key; the path lives through the call.
    let status = unsafe { RegDeleteKeyExW(root, &HSTRING::from(path), view_flag(view).0, None) };
    check(status, &format!("deleting {key}"))
}
