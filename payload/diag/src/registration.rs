//! Where the product registers itself (docs/design.md, "MSI identity and properties"), and reading a COM class's
//! `InprocServer32` back: the path, expanded, and what the file there is.

use crate::machine::{expand_env, Machine, RegKey, Value, View};
use crate::pe::{self, PeFacts};

/// The provider's CLSID in registry form.
pub const CLSID: &str = sspr_identity::PROVIDER_CLSID;
/// The product's credential provider filter (it hides the inbox password provider only while
/// our wrapper works); the same class id as `sspr_credential_provider::FILTER_CLSID`.
pub const FILTER_CLSID: &str = sspr_identity::FILTER_CLSID;
/// `HKCR\CLSID\{...}` as it lands: per-machine classes live in `HKLM\SOFTWARE\Classes`.
pub const COM_CLASS_KEY: &str = sspr_identity::PROVIDER_CLASS_KEY;
/// The key LogonUI enumerates for credential providers.
pub const PROVIDERS_KEY: &str = sspr_identity::CREDENTIAL_PROVIDERS_KEY;
/// The key LogonUI enumerates for credential provider filters.
pub const FILTERS_KEY: &str = sspr_identity::CREDENTIAL_PROVIDER_FILTERS_KEY;
/// `HKLM\SOFTWARE\Policies\Microsoft\Windows\System`: `ExcludedCredentialProviders` and
/// `DisableLockScreenAppNotifications` live here.
pub const SYSTEM_POLICY_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows\System";
/// The installed DLL's file name.
pub const DLL_NAME: &str = sspr_identity::PROVIDER_DLL;
/// The default value the MSI writes under both registration keys.
pub const CLASS_NAME: &str = sspr_identity::PROVIDER_CLASS_NAME;
/// Largest file read to inspect a DLL.
const DLL_READ_LIMIT: u64 = 64 * 1024 * 1024;

/// `HKLM\SOFTWARE\Classes\CLSID\{clsid}` in a view.
pub fn class_key(clsid: &str, view: View) -> RegKey {
    RegKey::hklm(r"SOFTWARE\Classes\CLSID")
        .child(clsid)
        .in_view(view)
}

/// A COM class's `InprocServer32` default value, as stored and expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InprocServer {
    pub key: RegKey,
    pub raw: Option<Value>,
    /// The path with `%VARIABLES%` expanded (for `REG_EXPAND_SZ`), trimmed.
    pub path: Option<String>,
}

pub fn inproc_server(machine: &dyn Machine, clsid: &str, view: View) -> InprocServer {
    let key = class_key(clsid, view).child("InprocServer32");
    let raw = machine.value(&key, "");
    let path = match &raw {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::ExpandString(s)) => Some(expand_env(machine, s.trim())),
        _ => None,
    }
    .filter(|p| !p.is_empty());
    InprocServer { key, raw, path }
}

/// The file name part of a Windows path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// The folder part of a Windows path (without the trailing `\`).
pub fn parent_dir(path: &str) -> Option<&str> {
    path.rfind(['\\', '/']).map(|at| &path[..at])
}

/// Whether a path is absolute (`C:\...` or `\\server\...`).
pub fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'\\' || bytes[2] == b'/'))
}

/// Reads the file at `path` and parses its PE header.
pub fn inspect_dll(machine: &dyn Machine, path: &str) -> Result<PeFacts, String> {
    let bytes = machine.read_file(path, DLL_READ_LIMIT)?;
    pe::parse(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{FakeMachine, INSTALL_DIR};

    #[test]
    fn inproc_server_is_read_and_expanded() {
        let machine = FakeMachine::windows7();
        let server = inproc_server(&machine, CLSID, View::Native);
        assert_eq!(
            server.path.as_deref(),
            Some(r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll")
        );
        let machine = machine.with_value(
            &class_key(CLSID, View::Native).child("InprocServer32"),
            "",
            Value::ExpandString(
                r" %ProgramFiles%\SsprWindowsLogon\SsprCredentialProvider.dll ".into(),
            ),
        );
        assert_eq!(
            inproc_server(&machine, CLSID, View::Native).path,
            Some(format!("{INSTALL_DIR}\\{DLL_NAME}"))
        );
        assert_eq!(inproc_server(&machine, CLSID, View::Wow32).path, None);
    }

    #[test]
    fn path_helpers() {
        assert_eq!(file_name(r"C:\a\b.dll"), "b.dll");
        assert_eq!(file_name("b.dll"), "b.dll");
        assert_eq!(parent_dir(r"C:\a\b.dll"), Some(r"C:\a"));
        assert!(is_absolute(r"C:\x"));
        assert!(is_absolute(r"\\server\share\x"));
        assert!(!is_absolute(r"x.dll"));
        assert!(!is_absolute(r"C:x.dll"));
    }
}
