//! Whole-machine snapshots: "uninstall leaves nothing" means before-install equals after-uninstall.
//!
//! A snapshot is a `reg export` of `HKLM` and `HKU` (native view; on 64-bit Windows
//! `WOW6432Node` and `HKCR` live inside those) plus a listing of every path under `drive_c` with file sizes. Comparing two
//! snapshots ignores only the short list of Wine noise below, each entry with its reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context as _;

use crate::wine::{windows_path, WinePrefix};

/// Windows Installer's own bookkeeping keys. Windows ships them from setup on; a fresh Wine
/// prefix creates them at its first msiexec and keeps them, empty, after the last product goes.
/// Ignored only while they hold no values (a product's leftovers show as values or subkeys).
const WINE_INSTALLER_KEYS: [&str; 9] = [
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\Features",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\Products",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\UpgradeCodes",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UpgradeCodes",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Components",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products",
];

/// Keys a fresh Wine prefix has but leaves empty, where Windows always has content: removing the
/// last subkey a package wrote under one (the provider's event source under
/// `Eventlog\Application`, which on Windows holds every application's sources), Wine's msiexec
/// also deletes the emptied parent. Ignored only while they hold no values; a leftover subkey of
/// ours is its own key and still shows.
const WINE_EMPTY_SYSTEM_KEYS: [&str; 1] =
    [r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\Eventlog\Application"];

/// Display adapter keys, one `{GUID}\0000` per desktop, that Wine's graphics driver writes
/// whenever a process sets up a desktop (a service's new desktop can come with any msiexec;
/// without an X display it records `DriverError`). Ignored whole: nothing of ours lives there.
const WINE_DISPLAY_SUBTREES: [&str; 2] = [
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Video\",
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Hardware Profiles\Current\System\CurrentControlSet\Control\Video\",
];

/// `C:\windows\Installer`, the package cache, likewise created by Wine's first msiexec. Ignored
/// only as an empty folder: a cached package left inside it still shows.
const WINE_INSTALLER_DIRS: [&str; 1] = ["windows/Installer"];

/// What a path under `drive_c` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEntry {
    Dir,
    File { size: u64 },
    Symlink { target: String },
}

/// Registry and files of a prefix at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineSnapshot {
    /// Value lines (as `reg export` writes them) per key path.
    pub registry: BTreeMap<String, Vec<String>>,
    /// Every path under `drive_c`, `/`-separated and relative.
    pub files: BTreeMap<String, FileEntry>,
}

/// Parses a `reg export` file's text into value lines per key (continuation lines joined).
pub fn parse_reg_export(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut pending = String::new();
    for line in text.lines().map(|line| line.trim_end_matches('\r')) {
        if !pending.is_empty() {
            pending.push_str(line.trim_start());
        } else if let Some(key) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            keys.entry(key.to_owned()).or_default();
            current = Some(key.to_owned());
            continue;
        } else if line.is_empty() || line.starts_with("Windows Registry Editor") {
            continue;
        } else {
            pending.push_str(line);
        }
        if let Some(open) = pending.strip_suffix('\\') {
            pending = open.to_owned();
            continue;
        }
        if let Some(key) = &current {
            keys.entry(key.clone())
                .or_default()
                .push(std::mem::take(&mut pending));
        }
        pending.clear();
    }
    keys
}

fn list_files(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, FileEntry>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let relative = path
            .strip_prefix(root)
            .context("listed path outside drive_c")?
            .to_string_lossy()
            .into_owned();
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let target = std::fs::read_link(&path)?.to_string_lossy().into_owned();
            files.insert(relative, FileEntry::Symlink { target });
        } else if kind.is_dir() {
            files.insert(relative, FileEntry::Dir);
            list_files(root, &path, files)?;
        } else {
            files.insert(
                relative,
                FileEntry::File {
                    size: entry.metadata()?.len(),
                },
            );
        }
    }
    Ok(())
}

impl WinePrefix {
    /// `reg export` of one root key in the prefix's native view, parsed.
    pub fn reg_export(&self, root: &str) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
        let file = self.scratch_file(&format!("export-{root}"), "reg");
        let target = windows_path(&file)?;
        self.wine([
            "reg",
            "export",
            root,
            target.as_str(),
            self.native_view().switch(),
            "/y",
        ])?
        .success(&format!("reg export {root}"))?;
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        // reg export writes UTF-16LE with a BOM, as on Windows.
        let (_, text) =
            crate::log::decode(&bytes).with_context(|| format!("decoding {}", file.display()))?;
        Ok(parse_reg_export(&text))
    }

    /// The registry (`HKLM`, `HKU`) and every path under `drive_c`.
    pub fn snapshot(&self) -> anyhow::Result<MachineSnapshot> {
        let mut registry = self.reg_export("HKLM")?;
        registry.extend(self.reg_export("HKU")?);
        let drive_c = self.drive_c();
        let mut files = BTreeMap::new();
        list_files(&drive_c, &drive_c, &mut files)?;
        Ok(MachineSnapshot { registry, files })
    }
}

/// One side's extra or differing entries.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SnapshotDiff {
    pub keys_added: Vec<String>,
    pub keys_removed: Vec<String>,
    pub keys_changed: Vec<(String, Vec<String>, Vec<String>)>,
    pub files_added: Vec<String>,
    pub files_removed: Vec<String>,
    pub files_changed: Vec<(String, FileEntry, FileEntry)>,
}

impl SnapshotDiff {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn is_display_noise(key: &str) -> bool {
    WINE_DISPLAY_SUBTREES
        .iter()
        .any(|subtree| starts_with_ignore_case(key, subtree))
}

fn is_registry_noise(key: &str, values: &[String]) -> bool {
    is_display_noise(key)
        || (values.is_empty()
            && WINE_INSTALLER_KEYS
                .iter()
                .chain(&WINE_EMPTY_SYSTEM_KEYS)
                .any(|noise| noise.eq_ignore_ascii_case(key)))
}

fn is_file_noise(path: &str, entry: &FileEntry) -> bool {
    *entry == FileEntry::Dir
        && WINE_INSTALLER_DIRS
            .iter()
            .any(|noise| noise.eq_ignore_ascii_case(path))
}

/// What changed from `before` to `after`, Wine noise left out.
pub fn diff(before: &MachineSnapshot, after: &MachineSnapshot) -> SnapshotDiff {
    diff_with(before, after, Noise::Wine)
}

/// What changed from `before` to `after`, every difference kept (a Windows machine has no Wine
/// noise to leave out).
pub fn diff_exact(before: &MachineSnapshot, after: &MachineSnapshot) -> SnapshotDiff {
    diff_with(before, after, Noise::None)
}

/// Which differences [`diff_with`] leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Noise {
    /// The Wine noise listed at the top of this file.
    Wine,
    /// None.
    None,
}

fn diff_with(before: &MachineSnapshot, after: &MachineSnapshot, noise: Noise) -> SnapshotDiff {
    let wine = noise == Noise::Wine;
    let is_registry_noise = |key: &str, values: &[String]| wine && is_registry_noise(key, values);
    let is_display_noise = |key: &str| wine && is_display_noise(key);
    let is_file_noise = |path: &str, entry: &FileEntry| wine && is_file_noise(path, entry);
    let mut result = SnapshotDiff::default();
    for (key, values) in &after.registry {
        match before.registry.get(key) {
            None if !is_registry_noise(key, values) => result.keys_added.push(key.clone()),
            Some(old) if old != values && !is_display_noise(key) => {
                result
                    .keys_changed
                    .push((key.clone(), old.clone(), values.clone()))
            }
            _ => {}
        }
    }
    for (key, values) in &before.registry {
        if !after.registry.contains_key(key) && !is_registry_noise(key, values) {
            result.keys_removed.push(key.clone());
        }
    }
    for (path, entry) in &after.files {
        match before.files.get(path) {
            None if !is_file_noise(path, entry) => result.files_added.push(path.clone()),
            Some(old) if old != entry => {
                result
                    .files_changed
                    .push((path.clone(), old.clone(), entry.clone()))
            }
            _ => {}
        }
    }
    for (path, entry) in &before.files {
        if !after.files.contains_key(path) && !is_file_noise(path, entry) {
            result.files_removed.push(path.clone());
        }
    }
    result
}

impl fmt::Display for SnapshotDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for key in &self.keys_added {
            writeln!(f, "+ key [{key}]")?;
        }
        for key in &self.keys_removed {
            writeln!(f, "- key [{key}]")?;
        }
        for (key, old, new) in &self.keys_changed {
            writeln!(f, "~ key [{key}]")?;
            for line in old.iter().filter(|line| !new.contains(line)) {
                writeln!(f, "    - {line}")?;
            }
            for line in new.iter().filter(|line| !old.contains(line)) {
                writeln!(f, "    + {line}")?;
            }
        }
        for path in &self.files_added {
            writeln!(f, "+ file C:/{path}")?;
        }
        for path in &self.files_removed {
            writeln!(f, "- file C:/{path}")?;
        }
        for (path, old, new) in &self.files_changed {
            writeln!(f, "~ file C:/{path}: {old:?} -> {new:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\Software\\SsprWindowsLogon]\r\n\
        \"Disabled\"=dword:00000000\r\n\
        \"Blob\"=hex:01,02,\\\r\n  03,04\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\Software\\Classes\\Installer]\r\n\r\n";

    #[test]
    fn parses_export_with_continuations() {
        let keys = parse_reg_export(EXPORT);
        assert_eq!(
            keys[r"HKEY_LOCAL_MACHINE\Software\SsprWindowsLogon"],
            ["\"Disabled\"=dword:00000000", "\"Blob\"=hex:01,02,03,04"]
        );
        assert!(keys[r"HKEY_LOCAL_MACHINE\Software\Classes\Installer"].is_empty());
    }

    fn snapshot(registry: &str, files: &[(&str, FileEntry)]) -> MachineSnapshot {
        MachineSnapshot {
            registry: parse_reg_export(registry),
            files: files
                .iter()
                .map(|(path, entry)| (path.to_string(), entry.clone()))
                .collect(),
        }
    }

    #[test]
    fn empty_installer_bookkeeping_is_noise_but_a_leftover_is_not() {
        let before = snapshot("", &[]);
        let after = snapshot(EXPORT, &[("windows/Installer", FileEntry::Dir)]);
        let diff = diff(&before, &after);
        assert_eq!(
            diff.keys_added,
            [r"HKEY_LOCAL_MACHINE\Software\SsprWindowsLogon"]
        );
        assert!(diff.files_added.is_empty());

        let cached = snapshot(
            "",
            &[("windows/Installer/1a2b.msi", FileEntry::File { size: 9 })],
        );
        assert_eq!(
            super::diff(&before, &cached).files_added,
            ["windows/Installer/1a2b.msi"]
        );
    }

    #[test]
    fn an_emptied_event_log_parent_is_noise_but_our_source_is_not() {
        let parent =
            "[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\Eventlog\\Application]\n";
        let source = "[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\Eventlog\\Application\\SsprCredentialProvider]\n\"TypesSupported\"=dword:00000007\n";
        let fresh = snapshot(parent, &[]);
        let uninstalled = snapshot("", &[]);
        assert!(diff(&fresh, &uninstalled).is_empty());
        let leftover = snapshot(&format!("{parent}{source}"), &[]);
        assert_eq!(
            diff(&fresh, &leftover).keys_added,
            [
                r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\Eventlog\Application\SsprCredentialProvider"
            ]
        );
    }

    #[test]
    fn display_adapter_keys_are_noise() {
        let before = snapshot("[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\Video\\{A}\\0000]\n\"X\"=\"1\"\n", &[]);
        let after = snapshot(
            "[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\Video\\{A}\\0000]\n\"X\"=\"2\"\n\
             [HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\Video\\{B}\\0000]\n\"DriverError\"=\"no X\"\n",
            &[],
        );
        assert!(diff(&before, &after).is_empty());
    }

    #[test]
    fn the_exact_diff_keeps_what_wine_calls_noise() {
        let before = snapshot("", &[]);
        let after = snapshot(EXPORT, &[("windows/Installer", FileEntry::Dir)]);
        let diff = diff_exact(&before, &after);
        assert_eq!(
            diff.keys_added,
            [
                r"HKEY_LOCAL_MACHINE\Software\Classes\Installer",
                r"HKEY_LOCAL_MACHINE\Software\SsprWindowsLogon"
            ]
        );
        assert_eq!(diff.files_added, ["windows/Installer"]);
    }

    #[test]
    fn changed_values_are_reported() {
        let before = snapshot("[HKEY_USERS\\A]\n\"x\"=\"1\"\n", &[]);
        let after = snapshot("[HKEY_USERS\\A]\n\"x\"=\"2\"\n", &[]);
        let diff = diff(&before, &after);
        assert_eq!(
            diff.to_string(),
            "~ key [HKEY_USERS\\A]\n    - \"x\"=\"1\"\n    + \"x\"=\"2\"\n"
        );
    }
}
