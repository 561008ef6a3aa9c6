//! What the checks may ask of a machine: registry keys and values (in an explicit hive and
//! registry view), a few system facts, environment variables and files. Hives, views and values
//! are `sspr-registry`'s, the reader the settings crate uses too.
//!
//! The checks see only [`Machine`], so they run on Linux against [`crate::fixture::FakeMachine`];
//! `crate::windows` implements it over the real registry and system calls.

use std::fmt;

use sspr_settings::{RegValue, RegistryRead};

pub use sspr_registry::{
    Hive, Value, View, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_NONE, REG_QWORD,
    REG_SZ,
};

/// A registry key: hive, view and path below the hive (no leading or trailing `\`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegKey {
    pub hive: Hive,
    pub view: View,
    pub path: String,
}

impl RegKey {
    pub fn new(hive: Hive, view: View, path: &str) -> Self {
        Self {
            hive,
            view,
            path: path.trim_matches('\\').to_owned(),
        }
    }

    /// `HKLM\path` in the native view.
    pub fn hklm(path: &str) -> Self {
        Self::new(Hive::LocalMachine, View::Native, path)
    }

    /// `HKLM\path` in the 32-bit view of 64-bit Windows.
    pub fn hklm32(path: &str) -> Self {
        Self::new(Hive::LocalMachine, View::Wow32, path)
    }

    /// `HKCU\path` of the user running SsprDiag.
    pub fn hkcu(path: &str) -> Self {
        Self::new(Hive::CurrentUser, View::Native, path)
    }

    /// `HKU\path`.
    pub fn hku(path: &str) -> Self {
        Self::new(Hive::Users, View::Native, path)
    }

    /// The same key in another view.
    pub fn in_view(&self, view: View) -> Self {
        Self {
            view,
            ..self.clone()
        }
    }

    /// A subkey.
    pub fn child(&self, name: &str) -> Self {
        Self {
            path: format!("{}\\{}", self.path, name.trim_matches('\\')),
            ..self.clone()
        }
    }

    /// `HKLM\...\name` (or `HKLM\...\(default)`) for "looked at" lines.
    pub fn value_path(&self, name: &str) -> String {
        let name = if name.is_empty() { "(default)" } else { name };
        format!("{self}\\{name}")
    }

    /// Whether the key is one WOW64 redirects (`HKLM\SOFTWARE\...`), so that its 32-bit view is
    /// a different key, shown under `Wow6432Node`.
    pub fn is_redirected(&self) -> bool {
        self.hive == Hive::LocalMachine && starts_with_ignore_case(&self.path, "SOFTWARE\\")
    }

    /// The path as regedit shows it: the 32-bit view of `SOFTWARE\x` is `SOFTWARE\Wow6432Node\x`.
    pub fn display_path(&self) -> String {
        if self.view == View::Wow32 && self.is_redirected() {
            format!("{}\\Wow6432Node\\{}", &self.path[..8], &self.path[9..])
        } else {
            self.path.clone()
        }
    }
}

impl fmt::Display for RegKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\\{}", self.hive.short_name(), self.display_path())
    }
}

/// Case-insensitive ASCII prefix test (registry and file names compare that way).
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// A 0/1 switch as Windows policies store it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flag {
    Absent,
    Off,
    On,
    /// Present, but neither DWORD 0 nor DWORD 1: what Windows makes of it is not documented.
    Unclear(Value),
}

impl Flag {
    pub fn read(machine: &dyn Machine, key: &RegKey, name: &str) -> Self {
        match machine.value(key, name) {
            None => Flag::Absent,
            Some(Value::Dword(0)) => Flag::Off,
            Some(Value::Dword(1)) => Flag::On,
            Some(other) => Flag::Unclear(other),
        }
    }

    /// `not set`, `0`, `1` or the odd value, for "found" lines.
    pub fn describe(&self) -> String {
        match self {
            Flag::Absent => "not set".to_owned(),
            Flag::Off => "0".to_owned(),
            Flag::On => "1".to_owned(),
            Flag::Unclear(value) => value.describe(),
        }
    }
}

/// `RtlGetVersion`'s answer (`OSVERSIONINFOEXW`), which, unlike `GetVersionEx`, does not lie to
/// programs without a compatibility manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsVersionInfo {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    pub service_pack_major: u16,
    /// `VER_NT_WORKSTATION` (1), `VER_NT_DOMAIN_CONTROLLER` (2) or `VER_NT_SERVER` (3).
    pub product_type: u8,
}

/// A processor architecture, of Windows itself or of a PE file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86,
    X64,
    Arm64,
    Other(u16),
}

impl Arch {
    /// The name the packages use (`x64`, `x86`).
    pub fn name(self) -> String {
        match self {
            Arch::X86 => "x86".to_owned(),
            Arch::X64 => "x64".to_owned(),
            Arch::Arm64 => "arm64".to_owned(),
            Arch::Other(code) => format!("unknown architecture {code}"),
        }
    }

    /// Whether this Windows has a separate 32-bit registry view.
    pub fn is_64_bit(self) -> bool {
        matches!(self, Arch::X64 | Arch::Arm64)
    }

    /// The architecture this SsprDiag.exe was built for, i.e. the package it came from.
    pub fn of_this_program() -> Self {
        if cfg!(target_arch = "x86_64") {
            Arch::X64
        } else if cfg!(target_arch = "x86") {
            Arch::X86
        } else if cfg!(target_arch = "aarch64") {
            Arch::Arm64
        } else {
            Arch::Other(0)
        }
    }
}

/// The session SsprDiag runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// `GetSystemMetrics(SM_REMOTESESSION) != 0`.
    pub remote: bool,
    /// `%SESSIONNAME%`: `Console`, `RDP-Tcp#3`, ...
    pub session_name: Option<String>,
}

/// `NetGetJoinInformation`'s answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinState {
    Unjoined,
    Workgroup(String),
    Domain(String),
}

/// A file in a listed folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub size: u64,
    pub is_dir: bool,
}

/// Everything the checks read from the machine.
pub trait Machine {
    /// One value of a key (`""` names the default value); `None` if the key or value is absent
    /// or unreadable.
    fn value(&self, key: &RegKey, name: &str) -> Option<Value>;
    /// The names of a key's subkeys; `None` if the key is absent or unreadable.
    fn subkeys(&self, key: &RegKey) -> Option<Vec<String>>;
    /// A key's values, in the registry's order; `None` if the key is absent or unreadable.
    fn values(&self, key: &RegKey) -> Option<Vec<(String, Value)>>;
    /// `RtlGetVersion`; `None` where it failed.
    fn os_version(&self) -> Option<OsVersionInfo>;
    /// `GetNativeSystemInfo`'s processor architecture: Windows', not this process's.
    fn native_arch(&self) -> Arch;
    fn session(&self) -> SessionInfo;
    /// `None` where the question could not be answered.
    fn join_state(&self) -> Option<JoinState>;
    fn env(&self, name: &str) -> Option<String>;
    /// Up to `limit` bytes of a file.
    fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, String>;
    /// A folder's entries; `None` if it does not exist or cannot be read.
    fn list_dir(&self, path: &str) -> Option<Vec<DirEntry>>;
    /// The folder SsprDiag.exe runs from.
    fn own_dir(&self) -> Option<String>;
    /// Writes the provider's Application event log entries to `destination` (an `.evtx` file).
    fn export_events(&self, destination: &std::path::Path) -> Result<(), String>;
}

/// The settings crate's view of a [`Machine`]: `HKLM` in the native view, the view the
/// credential provider itself reads.
pub struct SettingsRegistry<'a>(pub &'a dyn Machine);

impl RegistryRead for SettingsRegistry<'_> {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        self.0
            .value(&RegKey::hklm(key), name)
            .map(|value| RegValue::from(&value))
    }
}

/// Expands `%NAME%` references from the machine's environment, as
/// [`sspr_registry::expand_env`] does.
pub fn expand_env(machine: &dyn Machine, text: &str) -> String {
    sspr_registry::expand_env(text, |name| machine.env(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FakeMachine;

    #[test]
    fn keys_display_as_regedit_shows_them() {
        let key = RegKey::hklm(r"SOFTWARE\Classes\CLSID\{X}");
        assert_eq!(key.to_string(), r"HKLM\SOFTWARE\Classes\CLSID\{X}");
        assert_eq!(
            key.in_view(View::Wow32).to_string(),
            r"HKLM\SOFTWARE\Wow6432Node\Classes\CLSID\{X}"
        );
        assert_eq!(
            RegKey::hklm32(r"SYSTEM\CurrentControlSet").to_string(),
            r"HKLM\SYSTEM\CurrentControlSet"
        );
        assert_eq!(
            RegKey::hkcu(r"\Software\x\").child("y").value_path(""),
            r"HKCU\Software\x\y\(default)"
        );
    }

    #[test]
    fn the_settings_registry_reads_hklm_in_the_native_view() {
        let key = RegKey::hklm(r"SOFTWARE\P");
        let machine = FakeMachine::windows7()
            .with_value(&key, "A", Value::ExpandString("%x%".into()))
            .with_value(&key.in_view(View::Wow32), "B", Value::Dword(1));
        let registry = SettingsRegistry(&machine);
        assert_eq!(
            registry.read(r"SOFTWARE\P", "A"),
            Some(RegValue::String("%x%".into()))
        );
        assert_eq!(registry.read(r"SOFTWARE\P", "B"), None);
    }

    #[test]
    fn flags_read_strictly() {
        let key = RegKey::hklm(r"SOFTWARE\P");
        let machine = FakeMachine::windows7()
            .with_value(&key, "A", Value::Dword(1))
            .with_value(&key, "B", Value::Dword(0))
            .with_value(&key, "C", Value::sz("1"));
        assert_eq!(Flag::read(&machine, &key, "A"), Flag::On);
        assert_eq!(Flag::read(&machine, &key, "B"), Flag::Off);
        assert_eq!(Flag::read(&machine, &key, "D"), Flag::Absent);
        assert_eq!(
            Flag::read(&machine, &key, "C"),
            Flag::Unclear(Value::sz("1"))
        );
    }

    #[test]
    fn environment_references_expand() {
        let machine = FakeMachine::windows7().with_env("ProgramFiles", r"C:\Program Files");
        assert_eq!(
            expand_env(&machine, r"%ProgramFiles%\X\%Nope%\100%"),
            r"C:\Program Files\X\%Nope%\100%"
        );
    }
}
