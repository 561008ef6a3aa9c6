//! The registry in an explicit view (`KEY_WOW64_64KEY` / `KEY_WOW64_32KEY`): whole subtrees
//! read into [`RegTree`]s by the payload's reader (sspr-registry), values set and deleted and
//! keys deleted through the registry API.

use anyhow::{bail, Context as _};
use windows::core::{HSTRING, PCWSTR};
use windows::Win32::Foundation::{ERROR_FILE_NOT_FOUND, WIN32_ERROR};
use windows::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegDeleteKeyExW, RegDeleteTreeW, RegDeleteValueW, RegOpenKeyExW,
    RegSetValueExW, HKEY, HKEY_CLASSES_ROOT, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS,
    KEY_ALL_ACCESS, KEY_WOW64_32KEY, KEY_WOW64_64KEY, REG_DWORD, REG_EXPAND_SZ,
    REG_OPTION_NON_VOLATILE, REG_SAM_FLAGS, REG_SZ,
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

/// A value as the suite types it.
fn suite_value(value: sspr_registry::Value) -> RegValue {
    match value {
        sspr_registry::Value::String(text) => RegValue::Sz(text),
        sspr_registry::Value::ExpandString(text) => RegValue::ExpandSz(text),
        sspr_registry::Value::Dword(number) => RegValue::Dword(number),
        other => RegValue::Other {
            kind: other.type_name(),
            data: other.describe(),
        },
    }
}

fn reader_view(view: RegView) -> sspr_registry::View {
    match view {
        RegView::Bits64 => sspr_registry::View::Native,
        RegView::Bits32 => sspr_registry::View::Wow32,
    }
}

/// `HKLM\X` as the payload's registry reader names its hive (no `HKCR`: per-machine classes are
/// `HKLM\Software\Classes`).
fn reader_hive(key: &str) -> anyhow::Result<(sspr_registry::Hive, &str)> {
    let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
    let hive = match root.to_ascii_uppercase().as_str() {
        "HKLM" | "HKEY_LOCAL_MACHINE" => sspr_registry::Hive::LocalMachine,
        "HKCU" | "HKEY_CURRENT_USER" => sspr_registry::Hive::CurrentUser,
        "HKU" | "HKEY_USERS" => sspr_registry::Hive::Users,
        _ => bail!("{key} does not start with HKLM, HKCU or HKU"),
    };
    Ok((hive, rest))
}

/// `key` and everything under it in `view`, by path relative to `key`, read with the payload's
/// registry reader (sspr-registry); `None` when absent (or unreadable: the runner runs elevated).
pub fn query(key: &str, view: RegView) -> anyhow::Result<Option<RegTree>> {
    let (hive, path) = reader_hive(key)?;
    let view = reader_view(view);
    let Some(opened) = sspr_registry::windows::Key::open(hive, view, path) else {
        return Ok(None);
    };
    let mut tree = RegTree::new();
    let mut pending = vec![(String::new(), opened)];
    while let Some((relative, key)) = pending.pop() {
        let values: RegValues = key
            .values()
            .into_iter()
            .map(|(name, value)| (name, suite_value(value)))
            .collect();
        for name in key.subkeys() {
            let child = if relative.is_empty() {
                name
            } else {
                format!(r"{relative}\{name}")
            };
            if let Some(opened) =
                sspr_registry::windows::Key::open(hive, view, &format!(r"{path}\{child}"))
            {
                pending.push((child, opened));
            }
        }
        tree.insert(relative, values);
    }
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
