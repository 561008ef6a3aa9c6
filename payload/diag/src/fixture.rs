//! An in-memory [`Machine`] for tests and fixtures: a registry, system facts, files.
//!
//! Start from [`FakeMachine::windows7`] (a freshly installed x64 Windows 7 SP1 Professional with
//! SsprWindowsLogon installed and healthy) or [`FakeMachine::windows10`], then change what a test
//! is about. Registry names compare case-insensitively, as on Windows.

use std::collections::BTreeMap;

use crate::machine::{
    Arch, DirEntry, JoinState, Machine, OsVersionInfo, RegKey, SessionInfo, Value,
};
use crate::registration::{CLSID, COM_CLASS_KEY, DLL_NAME, PROVIDERS_KEY};

/// Where the fixtures install the product.
pub const INSTALL_DIR: &str = r"C:\Program Files\SsprWindowsLogon";

/// A key's identity with its path lower-cased.
fn id(key: &RegKey) -> (crate::machine::Hive, crate::machine::View, String) {
    (key.hive, key.view, key.path.to_ascii_lowercase())
}

#[derive(Clone, Debug, Default)]
struct FakeKey {
    /// Name as written, value; compared case-insensitively.
    values: Vec<(String, Value)>,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct FakeMachine {
    keys: BTreeMap<(crate::machine::Hive, crate::machine::View, String), (RegKey, FakeKey)>,
    pub os: Option<OsVersionInfo>,
    pub arch: Arch,
    pub session: SessionInfo,
    pub join: Option<JoinState>,
    env: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
    dirs: Vec<(String, Vec<DirEntry>)>,
    pub own_dir: Option<String>,
}

impl FakeMachine {
    /// A machine with nothing on it: no keys, no files, no version.
    pub fn empty() -> Self {
        Self {
            keys: BTreeMap::new(),
            os: None,
            arch: Arch::X64,
            session: SessionInfo {
                remote: false,
                session_name: Some("Console".to_owned()),
            },
            join: Some(JoinState::Domain("CONTOSO".to_owned())),
            env: Vec::new(),
            files: Vec::new(),
            dirs: Vec::new(),
            own_dir: Some(INSTALL_DIR.to_owned()),
        }
    }

    /// x64 Windows 7 SP1 Professional, domain-joined, TLS 1.2 enabled as Microsoft's "How to: Enable password reset from the Windows login screen" asks, IE 11,
    /// with SsprWindowsLogon installed as the MSI installs it: every check passes.
    pub fn windows7() -> Self {
        let current_version = RegKey::hklm(r"SOFTWARE\Microsoft\Windows NT\CurrentVersion");
        let tls_client = RegKey::hklm(
            r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client",
        );
        let winhttp = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
        let mut machine = Self::empty()
            .with_os(6, 1, 7601, 1)
            .with_value(
                &current_version,
                "ProductName",
                Value::sz("Windows 7 Professional"),
            )
            .with_value(&current_version, "EditionID", Value::sz("Professional"))
            .with_value(&current_version, "CurrentVersion", Value::sz("6.1"))
            .with_value(&current_version, "CurrentBuildNumber", Value::sz("7601"))
            .with_value(&current_version, "CSDVersion", Value::sz("Service Pack 1"))
            .with_value(&tls_client, "Enabled", Value::Dword(1))
            .with_value(&tls_client, "DisabledByDefault", Value::Dword(0))
            .with_value(
                &RegKey::hklm(winhttp),
                "DefaultSecureProtocols",
                Value::Dword(0xA80),
            )
            .with_value(
                &RegKey::hklm32(winhttp),
                "DefaultSecureProtocols",
                Value::Dword(0xA80),
            )
            .with_value(
                &RegKey::hklm(r"SOFTWARE\Microsoft\Internet Explorer"),
                "svcVersion",
                Value::sz("11.0.9600.19036"),
            )
            .with_value(
                &RegKey::hklm(r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"),
                "Shell",
                Value::sz("explorer.exe"),
            )
            .with_env("SystemRoot", r"C:\Windows")
            .with_env("ProgramFiles", r"C:\Program Files")
            .with_env("ProgramData", r"C:\ProgramData")
            .with_env("COMPUTERNAME", "PC1");
        machine = machine.with_product_installed();
        for (clsid, name, dll) in [
            (
                "{6f45dc1e-5384-457a-bc13-2cd81b0d28ed}",
                "PasswordProvider",
                r"%SystemRoot%\system32\authui.dll",
            ),
            (
                "{8bf9a910-a8ff-457f-999f-a5ca10b4a885}",
                "Smartcard Credential Provider",
                r"%SystemRoot%\system32\SmartcardCredentialProvider.dll",
            ),
        ] {
            machine = machine.with_provider(clsid, name, dll);
        }
        machine
    }

    /// x64 Windows 10 22H2 Pro, Azure AD joined, built-in reset enabled by policy, our provider
    /// switched off so the two links do not double up: every check passes.
    pub fn windows10() -> Self {
        let current_version = RegKey::hklm(r"SOFTWARE\Microsoft\Windows NT\CurrentVersion");
        let tls_client = RegKey::hklm(
            r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client",
        );
        let mut machine = Self::windows7()
            .with_os(10, 0, 19045, 0)
            .with_value(&current_version, "ProductName", Value::sz("Windows 10 Pro"))
            .with_value(&current_version, "EditionID", Value::sz("Professional"))
            .with_value(
                &current_version,
                "CurrentMajorVersionNumber",
                Value::Dword(10),
            )
            .with_value(
                &current_version,
                "CurrentMinorVersionNumber",
                Value::Dword(0),
            )
            .with_value(&current_version, "CurrentBuildNumber", Value::sz("19045"))
            .with_value(&current_version, "UBR", Value::Dword(3803))
            .with_value(&current_version, "DisplayVersion", Value::sz("22H2"))
            .with_value(
                &RegKey::hklm(r"SOFTWARE\Policies\Microsoft\AzureADAccount"),
                "AllowPasswordReset",
                Value::Dword(1),
            )
            .with_key(&RegKey::hklm(
                r"SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo\0123456789ABCDEF",
            ))
            .with_value(
                &RegKey::hklm(sspr_settings::SETTINGS_KEY),
                "Disabled",
                Value::Dword(1),
            );
        machine.remove_value(&current_version, "CSDVersion");
        machine.remove_value(&tls_client, "Enabled");
        machine.remove_value(&tls_client, "DisabledByDefault");
        machine.join = Some(JoinState::Workgroup("WORKGROUP".to_owned()));
        machine
    }

    /// Registers what the x64 MSI registers and puts the DLL where it points.
    pub fn with_product_installed(self) -> Self {
        let dll_path = format!("{INSTALL_DIR}\\{DLL_NAME}");
        let class = RegKey::hklm(COM_CLASS_KEY);
        let provider = RegKey::hklm(PROVIDERS_KEY).child(CLSID);
        let settings = RegKey::hklm(sspr_settings::SETTINGS_KEY);
        self.with_value(&class, "", Value::sz("SsprCredentialProvider"))
            .with_value(&class.child("InprocServer32"), "", Value::sz(&dll_path))
            .with_value(
                &class.child("InprocServer32"),
                "ThreadingModel",
                Value::sz("Apartment"),
            )
            .with_value(&provider, "", Value::sz("SsprCredentialProvider"))
            .with_value(&provider, "EnableLogging", Value::Dword(0))
            .with_value(
                &settings,
                "PortalUrl",
                Value::sz(sspr_settings::DEFAULT_PORTAL_URL),
            )
            .with_value(&settings, "LinkText", Value::sz("Forgot password?"))
            .with_value(&settings, "Disabled", Value::Dword(0))
            .with_file(
                &dll_path,
                crate::pe::tests_support::dll(0x8664, &["DllCanUnloadNow", "DllGetClassObject"]),
            )
    }

    /// A credential provider registration with its COM class.
    pub fn with_provider(self, clsid: &str, name: &str, dll: &str) -> Self {
        self.with_value(
            &RegKey::hklm(PROVIDERS_KEY).child(clsid),
            "",
            Value::sz(name),
        )
        .with_value(
            &RegKey::hklm(r"SOFTWARE\Classes\CLSID")
                .child(clsid)
                .child("InprocServer32"),
            "",
            Value::ExpandString(dll.to_owned()),
        )
    }

    pub fn with_os(mut self, major: u32, minor: u32, build: u32, service_pack: u16) -> Self {
        self.os = Some(OsVersionInfo {
            major,
            minor,
            build,
            service_pack_major: service_pack,
            product_type: 1,
        });
        self
    }

    /// Creates a key (and its parents) without values.
    pub fn with_key(mut self, key: &RegKey) -> Self {
        self.ensure_key(key);
        self
    }

    fn ensure_key(&mut self, key: &RegKey) -> &mut FakeKey {
        let parts: Vec<&str> = key.path.split('\\').collect();
        for depth in 1..parts.len() {
            let parent = RegKey::new(key.hive, key.view, &parts[..depth].join("\\"));
            self.keys
                .entry(id(&parent))
                .or_insert_with(|| (parent.clone(), FakeKey::default()));
        }
        &mut self
            .keys
            .entry(id(key))
            .or_insert_with(|| (key.clone(), FakeKey::default()))
            .1
    }

    pub fn with_value(mut self, key: &RegKey, name: &str, value: Value) -> Self {
        self.set_value(key, name, value);
        self
    }

    pub fn set_value(&mut self, key: &RegKey, name: &str, value: Value) {
        let entry = self.ensure_key(key);
        entry
            .values
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        entry.values.push((name.to_owned(), value));
    }

    pub fn remove_value(&mut self, key: &RegKey, name: &str) {
        if let Some((_, entry)) = self.keys.get_mut(&id(key)) {
            entry
                .values
                .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        }
    }

    /// Deletes a key and everything below it.
    pub fn remove_key(&mut self, key: &RegKey) {
        let (hive, view, path) = id(key);
        let below = format!("{path}\\");
        self.keys.retain(|(h, v, p), _| {
            !(*h == hive && *v == view && (*p == path || p.starts_with(&below)))
        });
    }

    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn with_file(mut self, path: &str, bytes: Vec<u8>) -> Self {
        self.remove_file(path);
        self.files.push((path.to_owned(), bytes));
        self
    }

    pub fn remove_file(&mut self, path: &str) {
        self.files.retain(|(p, _)| !p.eq_ignore_ascii_case(path));
    }

    pub fn with_dir(mut self, path: &str, entries: Vec<DirEntry>) -> Self {
        self.dirs.retain(|(p, _)| !p.eq_ignore_ascii_case(path));
        self.dirs.push((path.to_owned(), entries));
        self
    }
}

impl Machine for FakeMachine {
    fn value(&self, key: &RegKey, name: &str) -> Option<Value> {
        self.keys.get(&id(key)).and_then(|(_, entry)| {
            entry
                .values
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    }

    fn subkeys(&self, key: &RegKey) -> Option<Vec<String>> {
        let (hive, view, path) = id(key);
        self.keys.get(&(hive, view, path.clone()))?;
        let prefix = format!("{path}\\");
        Some(
            self.keys
                .iter()
                .filter(|((h, v, p), _)| {
                    *h == hive
                        && *v == view
                        && p.starts_with(&prefix)
                        && !p[prefix.len()..].contains('\\')
                })
                .map(|(_, (original, _))| original.path[prefix.len()..].to_owned())
                .collect(),
        )
    }

    fn values(&self, key: &RegKey) -> Option<Vec<(String, Value)>> {
        self.keys
            .get(&id(key))
            .map(|(_, entry)| entry.values.clone())
    }

    fn os_version(&self) -> Option<OsVersionInfo> {
        self.os
    }

    fn native_arch(&self) -> Arch {
        self.arch
    }

    fn session(&self) -> SessionInfo {
        self.session.clone()
    }

    fn join_state(&self) -> Option<JoinState> {
        self.join.clone()
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, String> {
        self.files
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(path))
            .map(|(_, bytes)| bytes.iter().copied().take(limit as usize).collect())
            .ok_or_else(|| "The system cannot find the file specified. (os error 2)".to_owned())
    }

    fn list_dir(&self, path: &str) -> Option<Vec<DirEntry>> {
        self.dirs
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(path))
            .map(|(_, entries)| entries.clone())
    }

    fn own_dir(&self) -> Option<String> {
        self.own_dir.clone()
    }

    fn export_events(&self, _destination: &std::path::Path) -> Result<(), String> {
        Err("no event log in fixtures".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_are_direct_children_with_original_case() {
        let root = RegKey::hklm(r"SOFTWARE\A");
        let machine = FakeMachine::empty()
            .with_key(&root.child("One"))
            .with_key(&root.child("Two").child("Deep"));
        assert_eq!(
            machine.subkeys(&RegKey::hklm(r"software\a")),
            Some(vec!["One".to_owned(), "Two".to_owned()])
        );
        assert_eq!(machine.subkeys(&RegKey::hklm(r"SOFTWARE\B")), None);
        assert_eq!(
            machine.subkeys(&root.in_view(crate::machine::View::Wow32)),
            None
        );
    }

    #[test]
    fn removing_a_key_removes_its_subtree() {
        let root = RegKey::hklm(r"SOFTWARE\A");
        let mut machine = FakeMachine::empty().with_value(&root.child("B"), "x", Value::Dword(1));
        machine.remove_key(&root);
        assert_eq!(machine.value(&root.child("B"), "x"), None);
        assert_eq!(machine.subkeys(&RegKey::hklm("SOFTWARE")), Some(Vec::new()));
    }
}
