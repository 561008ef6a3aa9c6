//! The end-to-end checks that hold on any Windows, run against a `&dyn Machine`: by the Wine
//! suite (tests/installer) on a [`crate::wine::WinePrefix`], and by the native runner
//! (`sspr-e2e-native.exe`, tests/e2e-native) on the Windows it runs on, or inside Wine as a
//! Windows program.
//!
//! What only Wine shows (its deviations) is asserted by the Wine tests on top of these; nothing
//! here depends on Wine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{ensure, Context as _};

pub mod properties;
pub mod provider;
pub mod upgrade;
pub mod url_corpus;

use crate::machine::Machine;
use crate::package::Package;
use crate::probe::{self, ProbeReport};
use crate::registry::{RegTree, RegValue, RegValues, RegView};
use crate::{
    BROWSER_EMULATION_KEY, CLSID, CLSID_KEY, DEFAULT_PORTAL_URL, EVENT_SOURCE_KEY,
    FILTER_CLSID_KEY, FILTER_KEY, PAYLOAD_FILES, POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY,
    UNINSTALL_KEY,
};

/// Where a package's files land, as Windows and as this process see it. The x64 package installs
/// to `ProgramFiles64Folder`; the x86 package only ever installs on 32-bit Windows, where
/// `ProgramFilesFolder` is `C:\Program Files` too.
#[derive(Clone, Debug)]
pub struct InstallDir {
    pub windows: String,
    pub host: PathBuf,
}

/// The product's install folder on `machine`.
pub fn install_dir(machine: &dyn Machine) -> anyhow::Result<InstallDir> {
    let windows = format!(r"{}\SsprWindowsLogon", machine.program_files());
    let host = machine.host_path(&windows)?;
    Ok(InstallDir { windows, host })
}

/// One file a package lays down: its size, and its bytes where the reader of the package could
/// extract them (msitools on Linux; the Windows Installer API reads sizes only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadFile {
    pub size: u64,
    pub bytes: Option<Vec<u8>>,
}

/// Payload files by name.
pub type Payload = BTreeMap<String, PayloadFile>;

/// A payload whose bytes are known (msiextract's output).
pub fn payload_from_bytes(files: BTreeMap<String, Vec<u8>>) -> Payload {
    files
        .into_iter()
        .map(|(name, bytes)| {
            let size = bytes.len() as u64;
            (
                name,
                PayloadFile {
                    size,
                    bytes: Some(bytes),
                },
            )
        })
        .collect()
}

/// The settings the MSI writes (`EnableLogging`, `PortalUrl`, `LinkText`, `Disabled`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub enable_logging: u32,
    pub portal_url: String,
    pub link_text: String,
    pub disabled: u32,
}

impl Settings {
    /// What a plain `msiexec /i x.msi /qn` writes on `machine`. The link text default depends on
    /// the OS (Windows 7's wording in Microsoft's "How to: Enable password reset from the Windows
    /// login screen"; wix/properties.wxi, `DefaultLinkTextWin7` when `VersionNT = 601`).
    pub fn defaults(machine: &dyn Machine) -> anyhow::Result<Self> {
        let version = machine.windows_version()?;
        Ok(Self {
            enable_logging: 0,
            portal_url: crate::DEFAULT_PORTAL_URL.to_owned(),
            link_text: default_link_text(&version).to_owned(),
            disabled: 0,
        })
    }

    /// Installs `package` with the three public properties (docs/design.md, "MSI identity and
    /// properties") on the command line (`Disabled` is left to the machine or the default).
    pub fn install_with(
        &self,
        machine: &dyn Machine,
        package: &Package,
    ) -> anyhow::Result<crate::msiexec::MsiexecRun> {
        let enable_logging = self.enable_logging.to_string();
        machine.install(
            package,
            &[
                ("ENABLELOGGING", enable_logging.as_str()),
                ("PORTALURL", self.portal_url.as_str()),
                ("LINKTEXT", self.link_text.as_str()),
            ],
        )
    }
}

/// The `LINKTEXT` a plain install writes on Windows `version` (`6.1.7601`: Windows 7 SP1).
pub fn default_link_text(version: &str) -> &'static str {
    if version.starts_with("6.1.") {
        "Forgot password?"
    } else {
        "Reset password"
    }
}

fn values<const N: usize>(entries: [(&str, RegValue); N]) -> RegValues {
    entries
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

fn tree<const N: usize>(keys: [(&str, RegValues); N]) -> RegTree {
    keys.into_iter()
        .map(|(path, values)| (path.to_owned(), values))
        .collect()
}

/// Every registry value of docs/design.md, "MSI identity and properties", key by key, exactly
/// (no extra values or subkeys), plus the credential provider filter (class and registration)
/// and the event log source.
pub fn expected_registration(
    dir: &InstallDir,
    settings: &Settings,
) -> Vec<(&'static str, RegTree)> {
    let dll = format!(r"{}\SsprCredentialProvider.dll", dir.windows);
    let class = |name: &str| {
        tree([
            ("", values([("", RegValue::sz(name))])),
            (
                "InprocServer32",
                values([
                    ("", RegValue::Sz(dll.clone())),
                    ("ThreadingModel", RegValue::sz("Apartment")),
                ]),
            ),
        ])
    };
    vec![
        (CLSID_KEY, class("SsprCredentialProvider")),
        (
            PROVIDER_KEY,
            tree([(
                "",
                values([
                    ("", RegValue::sz("SsprCredentialProvider")),
                    ("EnableLogging", RegValue::Dword(settings.enable_logging)),
                ]),
            )]),
        ),
        (FILTER_CLSID_KEY, class("SsprCredentialProviderFilter")),
        (
            FILTER_KEY,
            tree([(
                "",
                values([("", RegValue::sz("SsprCredentialProviderFilter"))]),
            )]),
        ),
        (
            EVENT_SOURCE_KEY,
            tree([(
                "",
                values([
                    ("EventMessageFile", RegValue::Sz(dll.clone())),
                    ("TypesSupported", RegValue::Dword(7)),
                ]),
            )]),
        ),
        (
            BROWSER_EMULATION_KEY,
            tree([("", values([("SsprResetHost.exe", RegValue::Dword(11001))]))]),
        ),
        (
            SETTINGS_KEY,
            tree([(
                "",
                values([
                    ("PortalUrl", RegValue::Sz(settings.portal_url.clone())),
                    ("LinkText", RegValue::Sz(settings.link_text.clone())),
                    ("Disabled", RegValue::Dword(settings.disabled)),
                ]),
            )]),
        ),
    ]
}

/// The Add/Remove Programs values that identify the product on any Windows (dates and sizes
/// left out; Wine adds two empty ones, asserted by the Wine tests).
pub const ARP_IDENTITY: [&str; 6] = [
    "DisplayName",
    "DisplayVersion",
    "Publisher",
    "NoModify",
    "WindowsInstaller",
    "UninstallString",
];

/// [`ARP_IDENTITY`]'s values for `package`.
pub fn expected_arp_identity(package: &Package) -> RegValues {
    let uninstall = format!("MsiExec.exe /X{}", package.product_code);
    values([
        ("DisplayName", RegValue::sz("SsprWindowsLogon")),
        ("DisplayVersion", RegValue::Sz(package.version.clone())),
        ("Publisher", RegValue::sz("SsprWindowsLogon project")),
        ("NoModify", RegValue::Dword(1)),
        ("WindowsInstaller", RegValue::Dword(1)),
        ("UninstallString", RegValue::ExpandSz(uninstall)),
    ])
}

/// The Add/Remove Programs entries named SsprWindowsLogon, by product code, the values named
/// in `identity` only.
pub fn arp_entries(
    machine: &dyn Machine,
    identity: &[&str],
) -> anyhow::Result<BTreeMap<String, RegValues>> {
    let Some(entries) = machine.reg_query(UNINSTALL_KEY, machine.native_view())? else {
        return Ok(BTreeMap::new());
    };
    Ok(entries
        .into_iter()
        .filter(|(_, values)| values.get("DisplayName") == Some(&RegValue::sz("SsprWindowsLogon")))
        .map(|(code, mut values)| {
            values.retain(|name, _| identity.contains(&name.as_str()));
            (code, values)
        })
        .collect())
}

/// Products Windows Installer has registered (`Installer\Products`, packed codes).
pub fn registered_products(machine: &dyn Machine) -> anyhow::Result<Vec<String>> {
    let key = r"HKLM\Software\Classes\Installer\Products";
    Ok(machine
        .reg_query(key, machine.native_view())?
        .unwrap_or_default()
        .into_keys()
        .filter(|path| !path.is_empty() && !path.contains('\\'))
        .collect())
}

/// The files in the install folder, by name.
fn installed_files(dir: &InstallDir) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut installed = BTreeMap::new();
    for entry in
        std::fs::read_dir(&dir.host).with_context(|| format!("listing {}", dir.host.display()))?
    {
        let path = entry?.path();
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        installed.insert(
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            bytes,
        );
    }
    Ok(installed)
}

/// Files (exactly the payload), registry (in the package's view, and nothing in the other) and
/// the ARP entry of `package`.
pub fn assert_installed(
    machine: &dyn Machine,
    package: &Package,
    settings: &Settings,
    payload: &Payload,
) -> anyhow::Result<()> {
    let dir = install_dir(machine)?;
    let installed = installed_files(&dir)?;
    assert_eq!(
        installed.keys().map(String::as_str).collect::<Vec<_>>(),
        PAYLOAD_FILES
    );
    assert_eq!(
        payload.keys().map(String::as_str).collect::<Vec<_>>(),
        PAYLOAD_FILES,
        "{}'s payload",
        package.path.display()
    );
    for (name, bytes) in &installed {
        let expected = &payload[name];
        assert_eq!(
            bytes.len() as u64,
            expected.size,
            "size of the installed {name}"
        );
        if let Some(expected) = &expected.bytes {
            assert!(
                bytes == expected,
                "the installed {name} differs from {}'s",
                package.path.display()
            );
        }
    }

    let view = machine.native_view();
    for (key, expected) in expected_registration(&dir, settings) {
        assert_eq!(
            machine.reg_query(key, view)?.as_ref(),
            Some(&expected),
            "{key} in {view:?}"
        );
    }
    if view == RegView::Bits64 {
        // The 64-bit provider is registered for 64-bit LogonUI only: nothing in WOW6432Node.
        // The event source is under HKLM\SYSTEM, which WOW64 does not redirect: both views show
        // the one key, so it is left out here.
        for (key, _) in expected_registration(&dir, settings)
            .into_iter()
            .filter(|(key, _)| *key != EVENT_SOURCE_KEY)
        {
            assert_eq!(
                machine.reg_query(key, RegView::Bits32)?,
                None,
                "{key} in the 32-bit view"
            );
        }
        let x86 = machine.host_path(r"C:\Program Files (x86)\SsprWindowsLogon")?;
        assert!(!x86.exists(), "{} exists", x86.display());
    }
    assert_eq!(
        arp_entries(machine, &ARP_IDENTITY)?,
        BTreeMap::from([(package.product_code.clone(), expected_arp_identity(package))])
    );
    Ok(())
}

/// Nothing of the product: no install folder, no registration, no ARP entry, no product.
pub fn assert_not_installed(machine: &dyn Machine) -> anyhow::Result<()> {
    let dir = install_dir(machine)?;
    assert!(!dir.host.exists(), "the install folder is still there");
    for key in [
        CLSID_KEY,
        PROVIDER_KEY,
        FILTER_CLSID_KEY,
        FILTER_KEY,
        EVENT_SOURCE_KEY,
        BROWSER_EMULATION_KEY,
        SETTINGS_KEY,
    ] {
        for view in [RegView::Bits64, RegView::Bits32] {
            assert_eq!(machine.reg_query(key, view)?, None, "{key} in {view:?}");
        }
    }
    assert_eq!(arp_entries(machine, &ARP_IDENTITY)?, BTreeMap::new());
    assert_eq!(registered_products(machine)?, Vec::<String>::new());
    Ok(())
}

/// `msiexec /i x64.msi /qn` exits 0 and lays down exactly the payload and the values of
/// docs/design.md, "MSI identity and properties"; policies stay the admins'.
pub fn silent_install(
    machine: &dyn Machine,
    package: &Package,
    payload: &Payload,
) -> anyhow::Result<()> {
    let defaults = Settings::defaults(machine)?;
    assert_not_installed(machine)?;
    let run = machine.install(package, &[])?;
    assert_installed(machine, package, &defaults, payload)?;
    // Policies are the admins' to write; the MSI never creates them.
    assert_eq!(machine.reg_query(POLICY_KEY, RegView::Bits64)?, None);
    assert_eq!(run.log()?.final_return_value(), Some(1));
    Ok(())
}

/// Install with every property set, uninstall: the snapshot after equals the one before, no
/// ARP entry, and an admin's policy value survives (it is not the MSI's).
pub fn silent_uninstall_leaves_nothing(
    machine: &dyn Machine,
    package: &Package,
    payload: &Payload,
) -> anyhow::Result<()> {
    let view = machine.native_view();
    let policy_existed = machine.reg_query(POLICY_KEY, view)?.is_some();
    let result = uninstall_with_a_policy(machine, package, payload);
    // The admin's policy value this test set goes, whether or not the test passed.
    if !policy_existed && machine.reg_query(POLICY_KEY, view)?.is_some() {
        machine.reg_delete_key(POLICY_KEY, view)?;
    }
    result
}

fn uninstall_with_a_policy(
    machine: &dyn Machine,
    package: &Package,
    payload: &Payload,
) -> anyhow::Result<()> {
    let view = machine.native_view();
    let policy = RegValue::sz("https://policy.example.test/");
    machine.reg_add(POLICY_KEY, "PortalUrl", &policy, view)?;
    let before = machine.snapshot()?;

    let settings = admin_settings();
    settings.install_with(machine, package)?;
    assert_installed(machine, package, &settings, payload)?;

    machine.uninstall(package)?;
    let after = machine.snapshot()?;
    let diff = machine.diff(&before, &after);
    assert!(
        diff.is_empty(),
        "the uninstall left changes behind on {}:\n{diff}",
        machine.describe()
    );
    assert_eq!(machine.reg_query(&package.uninstall_key(), view)?, None);
    assert_eq!(
        machine.reg_values(POLICY_KEY, view)?,
        Some([("PortalUrl".to_owned(), policy)].into())
    );
    assert_not_installed(machine)
}

/// The field descriptors the provider answers at logon, as the probe prints them:
/// `dwFieldID:CREDENTIAL_PROVIDER_FIELD_TYPE:label` (1 large text, 2 small text, 3 command
/// link): the fallback tile, shown where no password provider is registered to wrap. What the
/// built DLL says, not what its source says: update with the provider's fields. Its link
/// carries the `LinkText` a plain install writes.
pub const PROVIDER_FIELDS: [&str; 3] = [
    "0:1:Password reset",
    "1:2:Forgot your password? Reset it here.",
    "2:3:Forgot password?",
];

/// The probe's full report when the provider is installed at `dir`, works, and shows its
/// fallback tile, with `link_text` as the installed `LinkText`.
pub fn expected_probe_report_with_link(
    dir: &InstallDir,
    pointer_bits: u32,
    link_text: &str,
) -> ProbeReport {
    let mut report: BTreeMap<String, String> = [
        (
            "probe",
            format!("sspr-com-probe {}", env!("CARGO_PKG_VERSION")),
        ),
        ("pointer_bits", pointer_bits.to_string()),
        ("clsid", CLSID.to_owned()),
        ("coinit", probe::S_OK.to_owned()),
        ("create", probe::S_OK.to_owned()),
        (
            "module",
            format!(r"{}\SsprCredentialProvider.dll", dir.windows),
        ),
        ("logon", probe::S_OK.to_owned()),
        ("fields", PROVIDER_FIELDS.len().to_string()),
        ("field_past_end", probe::E_INVALIDARG.to_owned()),
        // No password provider to wrap: one fallback tile, never the default
        // (CREDENTIAL_PROVIDER_NO_DEFAULT, u32::MAX), no autologon.
        ("credentials_hr", probe::S_OK.to_owned()),
        ("credentials", "1".to_owned()),
        ("default", u32::MAX.to_string()),
        ("autologon", "0".to_owned()),
        ("unlock", probe::S_OK.to_owned()),
        ("credui", probe::E_NOTIMPL.to_owned()),
        ("change_password", probe::E_NOTIMPL.to_owned()),
        ("plap", probe::E_NOTIMPL.to_owned()),
        // Every object released: DllCanUnloadNow says S_OK and COM unloads the DLL.
        ("unloaded", "1".to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    for (index, field) in PROVIDER_FIELDS.iter().enumerate() {
        report.insert(format!("field{index}"), (*field).to_owned());
    }
    report.insert("field2".to_owned(), format!("2:3:{link_text}"));
    ProbeReport(report)
}

/// The probe's full report when the CLSID is not registered at all.
pub fn expected_probe_report_unregistered(pointer_bits: u32) -> ProbeReport {
    let not_registered = probe::REGDB_E_CLASSNOTREG.to_owned();
    ProbeReport(
        [
            (
                "probe",
                format!("sspr-com-probe {}", env!("CARGO_PKG_VERSION")),
            ),
            ("pointer_bits", pointer_bits.to_string()),
            ("clsid", CLSID.to_owned()),
            ("coinit", probe::S_OK.to_owned()),
            ("create", not_registered.clone()),
            ("unlock_create", not_registered.clone()),
            ("credui_create", not_registered.clone()),
            ("change_password_create", not_registered.clone()),
            ("plap_create", not_registered),
            ("unloaded", "1".to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect(),
    )
}

/// Runs the probe (a path this process reaches) on `machine` and parses its report.
pub fn run_probe(
    machine: &dyn Machine,
    probe: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<ProbeReport> {
    let exe = machine.windows_path(probe)?;
    let output = machine
        .run(&exe, args, env)?
        .success("sspr-com-probe.exe")?;
    Ok(ProbeReport::parse(&output.stdout))
}

/// Whether Windows' own password provider is registered (its class has an `InprocServer32`).
pub fn inbox_password_provider(machine: &dyn Machine) -> anyhow::Result<Option<String>> {
    let key = format!(
        r"HKLM\Software\Classes\CLSID\{}\InprocServer32",
        sspr_identity::PASSWORD_PROVIDER_CLSID
    );
    Ok(
        match machine
            .reg_values(&key, machine.native_view())?
            .and_then(|mut values| values.remove(""))
        {
            Some(RegValue::Sz(dll) | RegValue::ExpandSz(dll)) => Some(dll),
            _ => None,
        },
    )
}

/// The probe's report on the installed provider: the fallback tile's, exactly, with
/// `link_text`, where no password provider is registered; where one is, the provider is created
/// from the installed DLL and released (the tiles are
/// [`wrapping_appends_the_link_and_the_filter_hides_the_inbox`]'s to check).
pub fn assert_probe_creates_the_installed_provider(
    machine: &dyn Machine,
    probe: &std::path::Path,
    link_text: &str,
) -> anyhow::Result<()> {
    let dir = install_dir(machine)?;
    let report = run_probe(machine, probe, &[], &[])?;
    if inbox_password_provider(machine)?.is_none() {
        assert_eq!(report, expected_probe_report_with_link(&dir, 64, link_text));
    } else {
        assert_eq!(report.get("create")?, probe::S_OK);
        assert_eq!(
            report.get("module")?,
            format!(r"{}\{}", dir.windows, sspr_identity::PROVIDER_DLL)
        );
        assert_eq!(report.get("unloaded")?, "1");
    }
    Ok(())
}

/// The probe creates the provider through COM from the installed path, the way LogonUI does;
/// before the install and after the uninstall the class is not registered at all. Where no
/// password provider is registered the report is the fallback tile's, exactly.
pub fn probe_creates_provider_through_com(
    machine: &dyn Machine,
    package: &Package,
    probe: &std::path::Path,
) -> anyhow::Result<()> {
    assert_eq!(
        run_probe(machine, probe, &[], &[])?,
        expected_probe_report_unregistered(64)
    );
    let settings = Settings::defaults(machine)?;
    machine.install(package, &[])?;
    assert_probe_creates_the_installed_provider(machine, probe, &settings.link_text)?;
    machine.uninstall(package)?;
    assert_eq!(
        run_probe(machine, probe, &[], &[])?,
        expected_probe_report_unregistered(64)
    );
    Ok(())
}

/// `S_OK:1,0,1`: the filter hid the inbox password provider (smart card, inbox, ours).
pub const INBOX_HIDDEN: &str = "0x00000000:1,0,1";

/// With a password provider registered (Windows' own, or the stand-in where there is none):
/// the provider wraps it, so its tile's fields are the inner provider's, in order, then our link
/// with the installed `LinkText`; the COM half of the probe's report is as without one; every
/// tile carries the link, which starts the installed reset host, and serializes a typed password
/// as the inner provider does; the filter hides the inbox provider at logon and unlock (the
/// probe's list, then the machine's registered providers).
pub fn wrapping_appends_the_link_and_the_filter_hides_the_inbox(
    machine: &dyn Machine,
    package: &Package,
    probe: &std::path::Path,
) -> anyhow::Result<()> {
    ensure!(
        inbox_password_provider(machine)?.is_some(),
        "no password provider is registered at {}",
        sspr_identity::PASSWORD_PROVIDER_CLSID
    );
    let link_text = "Reset my password";
    machine.install(package, &[("LINKTEXT", link_text)])?;
    let dir = install_dir(machine)?;
    let report = run_probe(machine, probe, &[], &[])?;
    let fallback = expected_probe_report_with_link(&dir, 64, link_text);
    for key in [
        "probe",
        "pointer_bits",
        "clsid",
        "coinit",
        "create",
        "module",
        "logon",
        "credentials_hr",
        "unlock",
        "credui",
        "change_password",
        "plap",
        "unloaded",
    ] {
        assert_eq!(report.get(key)?, fallback.get(key)?, "probe's {key}");
    }
    // Fields passed through: the inner provider's own, in order, then our link.
    let inner = run_probe(
        machine,
        probe,
        &[sspr_identity::PASSWORD_PROVIDER_CLSID],
        &[],
    )?;
    let inner_fields: usize = inner.get("fields")?.parse().context("inner fields")?;
    assert_eq!(
        report.get("fields")?,
        (inner_fields + 1).to_string(),
        "fields: the inner provider's {inner_fields} and our link"
    );
    for index in 0..inner_fields {
        let key = format!("field{index}");
        assert_eq!(report.get(&key)?, inner.get(&key)?, "{key} passed through");
    }
    assert_eq!(
        report.get(&format!("field{inner_fields}"))?,
        format!("{inner_fields}:3:{link_text}"),
        "the wrapped tile's last field"
    );
    tiles_carry_the_link_and_serialize_untouched(machine, probe, &dir, link_text, inner_fields)?;

    let filter = run_probe(machine, probe, &["--filter"], &[])?;
    assert_eq!(filter.get("filter_create")?, probe::S_OK);
    assert_eq!(filter.get("filter.logon")?, INBOX_HIDDEN);
    assert_eq!(filter.get("filter.unlock")?, INBOX_HIDDEN);
    filter_hides_only_the_inbox_in_the_registered_list(machine, probe)?;
    machine.uninstall(package)?;
    assert_not_installed(machine)
}

/// The credential providers registered on `machine` (what LogonUI enumerates), braced CLSIDs.
pub fn registered_providers(machine: &dyn Machine) -> anyhow::Result<Vec<String>> {
    Ok(machine
        .reg_query(crate::PROVIDERS_KEY, machine.native_view())?
        .unwrap_or_default()
        .into_keys()
        .filter(|path| !path.is_empty() && !path.contains('\\'))
        .collect())
}

/// The filter given the machine's own provider list (with ours, installed): at logon and unlock
/// only the inbox password provider is hidden, every other provider left as it was; in CredUI
/// and change-password nothing is.
pub fn filter_hides_only_the_inbox_in_the_registered_list(
    machine: &dyn Machine,
    probe: &std::path::Path,
) -> anyhow::Result<()> {
    let providers = registered_providers(machine)?;
    let is_inbox =
        |clsid: &String| clsid.eq_ignore_ascii_case(sspr_identity::PASSWORD_PROVIDER_CLSID);
    ensure!(
        providers.iter().any(is_inbox) && providers.iter().any(|c| c.eq_ignore_ascii_case(CLSID)),
        "the registered providers lack the inbox password provider or ours: {providers:?}"
    );
    let list = providers.join(",");
    let report = run_probe(
        machine,
        probe,
        &["--filter"],
        &[("SSPR_PROBE_PROVIDERS", &list)],
    )?;
    let flags = |hidden: bool| {
        let flags: Vec<&str> = providers
            .iter()
            .map(|clsid| if hidden && is_inbox(clsid) { "0" } else { "1" })
            .collect();
        format!("{}:{}", probe::S_OK, flags.join(","))
    };
    for (scenario, hidden) in [
        ("logon", true),
        ("unlock", true),
        ("credui", false),
        ("change_password", false),
    ] {
        assert_eq!(
            report.get(&format!("filter.{scenario}"))?,
            flags(hidden),
            "filter.{scenario} over {providers:?}"
        );
    }
    Ok(())
}

/// LogonUI's conversation (`--tiles`) with the reset host replaced by the probe's recorder (as
/// the Wine suite does): on every tile our link's value is `link_text`, clicking it starts the
/// installed host with the portal and LogonUI's window, and the typed password is serialized by
/// the inner provider (its CLSID, `CPGSR_RETURN_CREDENTIAL_FINISHED`), not by us.
fn tiles_carry_the_link_and_serialize_untouched(
    machine: &dyn Machine,
    probe: &std::path::Path,
    dir: &InstallDir,
    link_text: &str,
    link_field: usize,
) -> anyhow::Result<()> {
    let host = dir.host.join(sspr_identity::RESET_HOST_EXE);
    std::fs::copy(probe, &host).with_context(|| format!("replacing {}", host.display()))?;
    let record = machine.scratch_file("host-record", "d");
    std::fs::create_dir_all(&record).with_context(|| format!("creating {}", record.display()))?;
    let record = machine.windows_path(&record)?;
    let tiles = run_probe(
        machine,
        probe,
        &["--tiles"],
        &[("SSPR_PROBE_RECORD_DIR", record.as_str())],
    )?;
    assert_eq!(
        tiles.get("link_field")?,
        link_field.to_string(),
        "{tiles:#?}"
    );
    let credentials: usize = tiles.get("credentials")?.parse().context("credentials")?;
    ensure!(credentials >= 1, "no tiles: {tiles:#?}");
    let host_line = format!(
        r#""{}\{}" --portal-url={} --parent-window="#,
        dir.windows,
        sspr_identity::RESET_HOST_EXE,
        DEFAULT_PORTAL_URL
    );
    for index in 0..credentials {
        let key = |name: &str| format!("cred{index}.{name}");
        assert_eq!(tiles.get(&key(&format!("value{link_field}")))?, link_text);
        assert_eq!(tiles.get(&key("link"))?, probe::S_OK, "{}", key("link"));
        let started = tiles.get(&key("host"))?;
        ensure!(
            started.starts_with(&host_line),
            "{} = {started:?}, expected it to start with {host_line:?}",
            key("host")
        );
        let serialization = tiles.get(&key("serialization"))?;
        let parts: Vec<&str> = serialization.splitn(5, ':').collect();
        ensure!(
            parts.len() == 5
                && parts[0] == probe::S_OK
                && parts[1] == "2"
                && parts[3].eq_ignore_ascii_case(sspr_identity::PASSWORD_PROVIDER_CLSID),
            "{} = {serialization:?}: not the inner provider's finished credential",
            key("serialization")
        );
    }
    Ok(())
}

/// `cycles` install/uninstall cycles on one machine: every run exits 0, the DLL comes and goes,
/// and the snapshot after the last equals the one before the first.
pub fn install_uninstall_cycles_leave_nothing(
    machine: &dyn Machine,
    package: &Package,
    cycles: usize,
) -> anyhow::Result<()> {
    let dll = install_dir(machine)?.host.join(sspr_identity::PROVIDER_DLL);
    let before = machine.snapshot()?;
    for cycle in 1..=cycles {
        machine.install(package, &[])?;
        assert!(dll.is_file(), "cycle {cycle}: the DLL is not installed");
        machine.uninstall(package)?;
        assert!(!dll.exists(), "cycle {cycle}: the DLL is still there");
    }
    let diff = machine.diff(&before, &machine.snapshot()?);
    assert!(
        diff.is_empty(),
        "{cycles} cycles left changes behind:\n{diff}"
    );
    assert_not_installed(machine)
}

/// An admin's non-default settings, as the repair, policy and upgrade tests install them.
pub fn admin_settings() -> Settings {
    Settings {
        enable_logging: 1,
        portal_url: "https://sspr.example.test/".into(),
        link_text: "Reset my password".into(),
        disabled: 0,
    }
}

/// Installs with [`admin_settings`], then deletes the installed DLL and the InprocServer32
/// default value, and checks both are gone (the class's ThreadingModel stays).
pub fn install_and_damage(machine: &dyn Machine, package: &Package) -> anyhow::Result<()> {
    admin_settings().install_with(machine, package)?;
    let dll = install_dir(machine)?.host.join(sspr_identity::PROVIDER_DLL);
    std::fs::remove_file(&dll).with_context(|| format!("deleting {}", dll.display()))?;
    let inproc = format!(r"{CLSID_KEY}\InprocServer32");
    machine.reg_delete_value(&inproc, None, machine.native_view())?;
    assert_damaged(machine)
}

/// The DLL and the InprocServer32 default value are gone.
pub fn assert_damaged(machine: &dyn Machine) -> anyhow::Result<()> {
    let dll = install_dir(machine)?.host.join(sspr_identity::PROVIDER_DLL);
    assert!(!dll.exists(), "{} is there", dll.display());
    let inproc = format!(r"{CLSID_KEY}\InprocServer32");
    assert_eq!(
        machine.reg_values(&inproc, machine.native_view())?,
        Some([("ThreadingModel".to_owned(), RegValue::sz("Apartment"))].into())
    );
    Ok(())
}

/// `msiexec /i x.msi REINSTALL=ALL REINSTALLMODE=vomus /qn` after [`install_and_damage`]: exit
/// 0, both are back, the admin's settings kept, and COM activation works again (the fallback
/// tile's exact report where no password provider is registered).
pub fn reinstall_all_restores(
    machine: &dyn Machine,
    package: &Package,
    payload: &Payload,
    probe: &std::path::Path,
) -> anyhow::Result<()> {
    let admin = admin_settings();
    let repair = crate::msiexec::Msiexec::install_path(machine.windows_path(&package.path)?)
        .property("REINSTALL", "ALL")
        .property("REINSTALLMODE", "vomus");
    machine
        .msiexec(&repair)?
        .expect_exit(crate::msiexec::SUCCESS)?;
    assert_installed(machine, package, &admin, payload)?;
    assert_probe_creates_the_installed_provider(machine, probe, &admin.link_text)
}

/// A silent install's verbose log ends with `INSTALL. Return value 1.` and records the product
/// code, version and install folder. Returns the log for the caller's own checks.
pub fn verbose_log_records_the_install(
    machine: &dyn Machine,
    package: &Package,
) -> anyhow::Result<crate::log::VerboseLog> {
    let run = machine.install(package, &[])?;
    let log = run.log()?;
    assert_eq!(log.final_return_value(), Some(1), "{}", log.tail(20));
    let last = log.final_action_line().unwrap_or_default();
    assert!(last.ends_with(": INSTALL. Return value 1."), "{last}");
    for line in [
        format!("Property(S): ProductCode = {}", package.product_code),
        format!("Property(S): ProductVersion = {}", package.version),
        format!(
            r"Property(S): INSTALLFOLDER = {}\SsprWindowsLogon\",
            machine.program_files()
        ),
    ] {
        assert!(
            log.text.lines().any(|logged| logged.trim_end() == line),
            "the log lacks {line:?}"
        );
    }
    Ok(log)
}
