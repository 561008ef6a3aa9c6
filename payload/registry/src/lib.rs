//! The one registry reader of the payload, shared by `sspr-settings` (the provider's and reset
//! window's settings) and SsprDiag: hives, views and values as the registry stores them.
//!
//! [`Value::from_raw`] turns what the registry returns (a type number and raw bytes) into a
//! [`Value`]; it is pure and tested on Linux. The Windows-only [`windows`] module opens a key
//! read-only in a [`View`] and reads, lists and enumerates it.

#[cfg(windows)]
pub mod windows;

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

/// Registry value types, as `winnt.h` numbers them.
pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

/// A registry value with its type: every type a `.reg` export must reproduce, binary data
/// kept (proxy settings are binary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Dword(u32),
    Qword(u64),
    String(String),
    ExpandString(String),
    MultiString(Vec<String>),
    Binary(Vec<u8>),
    /// Any other type (REG_NONE, REG_DWORD_BIG_ENDIAN, ...), or a DWORD or QWORD too short to
    /// be one, raw.
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
    ///
    /// Strings end at the first NUL (or at the end when the writer stored none) and a trailing
    /// odd byte is dropped; a multi-string's trailing empty items (its terminators) are dropped;
    /// a DWORD shorter than four bytes (a QWORD shorter than eight) is kept raw as
    /// [`Value::Other`] rather than read as garbage.
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
        match (kind, bytes) {
            (REG_DWORD, [a, b, c, d, ..]) => Value::Dword(u32::from_le_bytes([*a, *b, *c, *d])),
            (REG_QWORD, [a, b, c, d, e, f, g, h, ..]) => {
                Value::Qword(u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
            }
            (REG_SZ, _) => Value::String(text(&units())),
            (REG_EXPAND_SZ, _) => Value::ExpandString(text(&units())),
            (REG_MULTI_SZ, _) => {
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
            (REG_BINARY, _) => Value::Binary(bytes.to_vec()),
            (kind, _) => Value::Other {
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

    /// Short human form: `1 (REG_DWORD)`, `"text" (REG_SZ)`.
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
}

/// Expands `%NAME%` references the way `ExpandEnvironmentStrings` does, each name looked up with
/// `lookup` (a `REG_EXPAND_SZ` such as ProfileList's `%SystemDrive%\Users\x`); unknown names
/// stay as written.
pub fn expand_env(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end) if end > 0 => {
                let name = &after[..end];
                match lookup(name) {
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

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn numbers_decode_and_short_ones_stay_raw() {
        assert_eq!(Value::from_raw(REG_DWORD, &[1, 0, 0, 0]), Value::Dword(1));
        assert_eq!(
            Value::from_raw(REG_DWORD, &[0x78, 0x56, 0x34, 0x12]),
            Value::Dword(0x1234_5678)
        );
        assert_eq!(
            Value::from_raw(REG_DWORD, &[1, 0]),
            Value::Other {
                kind: REG_DWORD,
                data: vec![1, 0]
            }
        );
        assert_eq!(
            Value::from_raw(REG_QWORD, &[1, 0, 0, 0, 0, 0, 0, 1]),
            Value::Qword(0x0100_0000_0000_0001)
        );
        assert_eq!(
            Value::from_raw(REG_QWORD, &[0; 4]),
            Value::Other {
                kind: REG_QWORD,
                data: vec![0; 4]
            }
        );
    }

    #[test]
    fn strings_end_at_the_first_nul() {
        assert_eq!(
            Value::from_raw(REG_SZ, &utf16("explorer.exe\0junk")),
            Value::sz("explorer.exe")
        );
        assert_eq!(
            Value::from_raw(REG_SZ, &utf16("no terminator")),
            Value::sz("no terminator")
        );
        let mut odd = utf16("ab");
        odd.push(7);
        assert_eq!(
            Value::from_raw(REG_EXPAND_SZ, &odd),
            Value::ExpandString("ab".into())
        );
        assert_eq!(Value::from_raw(REG_SZ, &[]), Value::sz(""));
        assert_eq!(
            Value::from_raw(REG_MULTI_SZ, &utf16("a\0b\0\0")),
            Value::MultiString(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            Value::from_raw(REG_MULTI_SZ, &utf16("a\0\0b\0\0")),
            Value::MultiString(vec!["a".into(), "".into(), "b".into()])
        );
    }

    #[test]
    fn other_types_are_kept_raw() {
        assert_eq!(Value::from_raw(REG_BINARY, &[9]), Value::Binary(vec![9]));
        assert_eq!(
            Value::from_raw(REG_NONE, &[]),
            Value::Other {
                kind: REG_NONE,
                data: vec![]
            }
        );
        assert_eq!(Value::from_raw(5, &[1, 2, 3, 4]).kind(), 5);
    }

    #[test]
    fn values_describe_themselves_as_reg_does() {
        assert_eq!(Value::Dword(1).describe(), "1 (REG_DWORD)");
        assert_eq!(Value::Dword(16).describe(), "0x10 (16, REG_DWORD)");
        assert_eq!(Value::sz("x").describe(), "\"x\" (REG_SZ)");
        assert_eq!(
            Value::Other {
                kind: 5,
                data: vec![0; 4]
            }
            .describe(),
            "4 bytes (registry type 5)"
        );
        assert_eq!(Value::ExpandString("%x%".into()).as_str(), Some("%x%"));
        assert_eq!(Value::Binary(vec![]).as_str(), None);
        assert_eq!(Value::Dword(7).as_dword(), Some(7));
        assert_eq!(
            (Hive::Users.short_name(), Hive::CurrentUser.long_name()),
            ("HKU", "HKEY_CURRENT_USER")
        );
    }
    #[test]
    fn environment_references_expand_and_unknown_ones_stay() {
        let lookup = |name: &str| (name == "SystemDrive").then(|| "C:".to_owned());
        assert_eq!(
            expand_env(r"%SystemDrive%\Users\bob", lookup),
            r"C:\Users\bob"
        );
        assert_eq!(expand_env(r"%Nope%\100%", lookup), r"%Nope%\100%");
        assert_eq!(expand_env("%%x", lookup), "%%x");
    }
}
