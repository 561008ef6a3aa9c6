//! Snapshots on a real Windows: the keys and folders the product can touch, not the whole
//! machine. A running Windows changes its registry all the time (services, updates, telemetry),
//! so a whole-machine comparison would fail for reasons of its own; every place the MSI writes
//! (docs/design.md, "MSI identity and properties"), the parents LogonUI and Add/Remove Programs
//! enumerate, and Windows Installer's product registrations are covered instead.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;

use crate::registry::{RegValue, RegView};
use crate::snapshot::{FileEntry, MachineSnapshot};

/// The registry subtrees a snapshot reads (absent ones count as empty).
pub const REGISTRY_SCOPE: [&str; 9] = [
    r"HKLM\Software\Classes\CLSID",
    r"HKLM\Software\Classes\Installer\Products",
    r"HKLM\Software\Classes\Installer\UpgradeCodes",
    r"HKLM\Software\Microsoft\Windows\CurrentVersion\Authentication",
    crate::UNINSTALL_KEY,
    crate::EVENT_SOURCE_KEY,
    crate::BROWSER_EMULATION_KEY,
    crate::SETTINGS_KEY,
    crate::POLICY_KEY,
];

/// The folders a snapshot lists: both install folders' parents' entries for the product.
pub const FILE_SCOPE: [&str; 2] = [
    r"C:\Program Files\SsprWindowsLogon",
    r"C:\Program Files (x86)\SsprWindowsLogon",
];

/// A value as one line, `"name"=TYPE:data`.
fn value_line(name: &str, value: &RegValue) -> String {
    let data = match value {
        RegValue::Sz(text) => format!("REG_SZ:{text}"),
        RegValue::ExpandSz(text) => format!("REG_EXPAND_SZ:{text}"),
        RegValue::Dword(number) => format!("REG_DWORD:{number:#010x}"),
        RegValue::Other { kind, data } => format!("{kind}:{data}"),
    };
    format!("\"{name}\"={data}")
}

fn list(dir: &Path, files: &mut BTreeMap<String, FileEntry>) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = path.to_string_lossy().replace('\\', "/");
        if entry.file_type()?.is_dir() {
            files.insert(name, FileEntry::Dir);
            list(&path, files)?;
        } else {
            files.insert(
                name,
                FileEntry::File {
                    size: entry.metadata()?.len(),
                },
            );
        }
    }
    Ok(())
}

/// Registry ([`REGISTRY_SCOPE`], in `view`) and files ([`FILE_SCOPE`], each folder itself
/// included) as they are now.
pub fn take(view: RegView) -> anyhow::Result<MachineSnapshot> {
    let mut registry = BTreeMap::new();
    for scope in REGISTRY_SCOPE {
        let Some(tree) = super::registry::query(scope, view)? else {
            continue;
        };
        for (relative, values) in tree {
            let key = if relative.is_empty() {
                scope.to_owned()
            } else {
                format!(r"{scope}\{relative}")
            };
            registry.insert(
                key,
                values
                    .iter()
                    .map(|(name, value)| value_line(name, value))
                    .collect(),
            );
        }
    }
    let mut files = BTreeMap::new();
    for folder in FILE_SCOPE {
        let path = Path::new(folder);
        if path.is_dir() {
            files.insert(folder.replace('\\', "/"), FileEntry::Dir);
            list(path, &mut files)?;
        }
    }
    Ok(MachineSnapshot { registry, files })
}
