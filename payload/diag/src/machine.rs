//! What the checks may ask of a machine: registry keys and values (in an explicit hive and
//! registry view), a few system facts, environment variables and files.
//!
//! The checks see only [`Machine`], so they run on Linux against [`crate::fixture::FakeMachine`];
//! `crate::windows` implements it over the real registry and system calls.

use std::fmt;

use sspr_settings::{RegValue, RegistryRead};

/// A registry root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hive {
    LocalMachine,
    CurrentUser,
    Users,
}

impl Hive {
    /// The short form admins type (`HKLM`).
    pub fn short_name(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKLM",
            Hive::CurrentUser => "HKCU",
            Hive::Users => "HKU",
        }
    }

    /// The long form `.reg` files use (`HKEY_LOCAL_MACHINE`).
    pub fn long_name(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKEY_LOCAL_MACHINE",
            Hive::CurrentUser => "HKEY_CURRENT_USER",
            Hive::Users => "HKEY_USERS",
        }
    }
}

/// Which registry view: on 64-bit Windows, 64-bit programs (LogonUI among them) see the native
/// view and 32-bit programs the WOW64 one (`Wow6432Node`). On 32-bit Windows both are the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    /// `KEY_WOW64_64KEY`: what LogonUI reads on 64-bit Windows.
    Native,
    /// `KEY_WOW64_32KEY`: where an x86 package's rows land on 64-bit Windows.
    Wow32,
}

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

pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

/// A registry value with its type; unlike [`sspr_settings::RegValue`] it keeps binary data
/// (proxy settings are binary) and every type a `.reg` export must reproduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Dword(u32),
    Qword(u64),
    String(String),
    ExpandString(String),
    MultiString(Vec<String>),
    Binary(Vec<u8>),
    /// Any other type (REG_NONE, REG_DWORD_BIG_ENDIAN, ...), raw.
    Other {
        kind: u32,
        data: Vec<u8>,
    },
}

impl Value {
    /// `REG_SZ` value from text.
    pub fn sz(text: &str) -> Self {
        Value::String(text.to_owned())
    }

    /// Decodes a value as the registry returns it: type number and raw bytes.
    pub fn from_raw(kind: u32, bytes: &[u8]) -> Self {
        let units = || -> Vec<u16> {
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        let text = |units: &[u16]| {
            let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
            String::from_utf16_lossy(&units[..end])
        };
        match kind {
            REG_DWORD if bytes.len() >= 4 => {
                Value::Dword(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            }
            REG_QWORD if bytes.len() >= 8 => {
                let mut le = [0u8; 8];
                le.copy_from_slice(&bytes[..8]);
                Value::Qword(u64::from_le_bytes(le))
            }
            REG_SZ => Value::String(text(&units())),
            REG_EXPAND_SZ => Value::ExpandString(text(&units())),
            REG_MULTI_SZ => {
                let units = units();
                let mut items: Vec<String> = units
                    .split(|&u| u == 0)
                    .map(String::from_utf16_lossy)
                    .collect();
                while items.last().is_some_and(|s| s.is_empty()) {
                    items.pop();
                }
                Value::MultiString(items)
            }
            REG_BINARY => Value::Binary(bytes.to_vec()),
            kind => Value::Other {
                kind,
                data: bytes.to_vec(),
            },
        }
    }

    /// The registry type number.
    pub fn kind(&self) -> u32 {
        match self {
            Value::Dword(_) => REG_DWORD,
            Value::Qword(_) => REG_QWORD,
            Value::String(_) => REG_SZ,
            Value::ExpandString(_) => REG_EXPAND_SZ,
            Value::MultiString(_) => REG_MULTI_SZ,
            Value::Binary(_) => REG_BINARY,
            Value::Other { kind, .. } => *kind,
        }
    }

    /// The DWORD, if this is one.
    pub fn as_dword(&self) -> Option<u32> {
        match self {
            Value::Dword(n) => Some(*n),
            _ => None,
        }
    }

    /// The text of a `REG_SZ` or `REG_EXPAND_SZ`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::ExpandString(s) => Some(s),
            _ => None,
        }
    }

    /// As `reg query` would name the type.
    pub fn type_name(&self) -> String {
        match self.kind() {
            REG_NONE => "REG_NONE".to_owned(),
            REG_SZ => "REG_SZ".to_owned(),
            REG_EXPAND_SZ => "REG_EXPAND_SZ".to_owned(),
            REG_BINARY => "REG_BINARY".to_owned(),
            REG_DWORD => "REG_DWORD".to_owned(),
            REG_MULTI_SZ => "REG_MULTI_SZ".to_owned(),
            REG_QWORD => "REG_QWORD".to_owned(),
            other => format!("registry type {other}"),
        }
    }

    /// Short human form for "found" lines: `1 (REG_DWORD)`, `"text" (REG_SZ)`.
    pub fn describe(&self) -> String {
        match self {
            Value::Dword(n) if *n > 9 => format!("0x{n:x} ({n}, REG_DWORD)"),
            Value::Dword(n) => format!("{n} (REG_DWORD)"),
            Value::Qword(n) => format!("0x{n:x} (REG_QWORD)"),
            Value::String(s) => format!("\"{s}\" (REG_SZ)"),
            Value::ExpandString(s) => format!("\"{s}\" (REG_EXPAND_SZ)"),
            Value::MultiString(items) => format!("{items:?} (REG_MULTI_SZ)"),
            Value::Binary(bytes) => format!("{} bytes (REG_BINARY)", bytes.len()),
            Value::Other { data, .. } => format!("{} bytes ({})", data.len(), self.type_name()),
        }
    }

    /// The settings crate's reduced form.
    pub fn to_settings_value(&self) -> RegValue {
        match self {
            Value::Dword(n) => RegValue::Dword(*n),
            Value::String(s) | Value::ExpandString(s) => RegValue::String(s.clone()),
            other => RegValue::Other(other.kind()),
        }
    }
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
            .map(|value| value.to_settings_value())
    }
}

/// Expands `%NAME%` references the way `ExpandEnvironmentStrings` does; unknown names stay as
/// written.
pub fn expand_env(machine: &dyn Machine, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end) if end > 0 => {
                let name = &after[..end];
                match machine.env(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn values_convert_for_the_settings_model() {
        assert_eq!(Value::Dword(1).to_settings_value(), RegValue::Dword(1));
        assert_eq!(
            Value::ExpandString("%x%".into()).to_settings_value(),
            RegValue::String("%x%".into())
        );
        assert_eq!(
            Value::Binary(vec![1]).to_settings_value(),
            RegValue::Other(REG_BINARY)
        );
        assert_eq!(Value::Dword(16).describe(), "0x10 (16, REG_DWORD)");
        assert_eq!(
            Value::Other {
                kind: 5,
                data: vec![0; 4]
            }
            .describe(),
            "4 bytes (registry type 5)"
        );
    }

    #[test]
    fn raw_values_decode() {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        assert_eq!(
            Value::from_raw(REG_DWORD, &[1, 2, 0, 0]),
            Value::Dword(0x201)
        );
        assert_eq!(
            Value::from_raw(REG_DWORD, &[1]),
            Value::Other {
                kind: REG_DWORD,
                data: vec![1]
            }
        );
        assert_eq!(
            Value::from_raw(REG_QWORD, &[1, 0, 0, 0, 0, 0, 0, 1]),
            Value::Qword(0x0100_0000_0000_0001)
        );
        assert_eq!(
            Value::from_raw(REG_SZ, &utf16("explorer.exe\0junk")),
            Value::sz("explorer.exe")
        );
        assert_eq!(
            Value::from_raw(REG_SZ, &utf16("no terminator")),
            Value::sz("no terminator")
        );
        assert_eq!(
            Value::from_raw(REG_EXPAND_SZ, &utf16("%SystemRoot%\0")),
            Value::ExpandString("%SystemRoot%".into())
        );
        assert_eq!(
            Value::from_raw(REG_MULTI_SZ, &utf16("a\0b\0\0")),
            Value::MultiString(vec!["a".into(), "b".into()])
        );
        assert_eq!(Value::from_raw(REG_BINARY, &[9]), Value::Binary(vec![9]));
        assert_eq!(
            Value::from_raw(REG_NONE, &[]),
            Value::Other {
                kind: REG_NONE,
                data: vec![]
            }
        );
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
