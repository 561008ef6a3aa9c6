//! What "installed" and "not installed" mean, shared by the installer tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{ensure, Context as _};
use sspr_e2e::config::{Arch, E2eConfig, Release};
use sspr_e2e::msiexec::MsiexecRun;
use sspr_e2e::package::Package;
use sspr_e2e::probe::{self, ProbeReport};
use sspr_e2e::registry::{RegTree, RegValue, RegValues, RegView};
use sspr_e2e::wine::{WineArch, WinePrefix};
use sspr_e2e::{
    BROWSER_EMULATION_KEY, CLSID, CLSID_KEY, EVENT_SOURCE_KEY, FILTER_CLSID_KEY, FILTER_KEY,
    PAYLOAD_FILES, PROVIDER_KEY, SETTINGS_KEY, UNINSTALL_KEY,
};

pub type TestResult = anyhow::Result<()>;
/// A test that may find it cannot run here: `Completion::Ignored` with the reason, reported as a
/// skip (never as a pass).
pub type SkippableResult = anyhow::Result<libtest_mimic::Completion>;

/// The run's configuration (fails with "run `cargo xtask test`" when the environment lacks it).
pub fn config() -> anyhow::Result<&'static E2eConfig> {
    E2eConfig::get()
}

/// One of the six built packages.
pub fn package(release: Release, arch: Arch) -> anyhow::Result<Package> {
    config()?.package(release, arch)
}

/// A fresh 64-bit prefix for the test `name`.
pub fn prefix64(name: &str) -> anyhow::Result<WinePrefix> {
    WinePrefix::new(name, WineArch::Win64)
}

/// Where a package's files land, as Windows and as the host see it. The x64 package installs to
/// `ProgramFiles64Folder`; the x86 package only ever installs on 32-bit Windows, where
/// `ProgramFilesFolder` is `C:\Program Files` too.
pub struct InstallDir {
    pub windows: &'static str,
    pub host: PathBuf,
}

/// The product's install folder in `prefix`.
pub fn install_dir(prefix: &WinePrefix) -> InstallDir {
    InstallDir {
        windows: r"C:\Program Files\SsprWindowsLogon",
        host: prefix
            .drive_c()
            .join("Program Files")
            .join("SsprWindowsLogon"),
    }
}

/// Every launch condition message of the packages, read from their source (wix/launch.wxi).
pub fn launch_messages() -> anyhow::Result<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wix/launch.wxi");
    let source =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(source
        .split("Message=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect())
}

/// The one launch condition message that contains `words`.
pub fn launch_message(words: &str) -> anyhow::Result<String> {
    let all = launch_messages()?;
    let matching: Vec<&String> = all.iter().filter(|m| m.contains(words)).collect();
    ensure!(
        matching.len() == 1,
        "{} launch condition messages contain {words:?}: {all:#?}",
        matching.len()
    );
    Ok(matching[0].clone())
}

/// The run failed with 1603 in the LaunchConditions action, and the message of the refusing
/// condition (`message`, one of [`launch_messages`]) is accounted for.
///
/// Wine deviation `launch message not logged`: Wine's msiexec shows a failed condition's message
/// only in a message box, which `/qn` suppresses, so the message never reaches the verbose log
/// (Windows logs it), and it ends the LaunchConditions action with `Return value 0` (Windows: 3).
/// What Wine's log does show is that LaunchConditions was the last action started: the install
/// stopped there. Which condition refused follows from the inputs: each caller changes one thing
/// only (see its doc comment). Under Wine the test asserts that no condition message is logged.
pub fn assert_refused_by_launch_condition(run: &MsiexecRun, message: &str) -> TestResult {
    ensure!(
        run.exit_code == sspr_e2e::msiexec::INSTALL_FAILURE,
        "`{}` exited {}, expected 1603",
        run.command_line,
        run.exit_code
    );
    let all = launch_messages()?;
    ensure!(
        all.iter().any(|m| m == message),
        "{message:?} is not a launch condition message of wix/launch.wxi"
    );
    let log = run.log()?;
    let last_started = log
        .text
        .lines()
        .rev()
        .filter_map(|line| line.strip_prefix("Action start "))
        .filter_map(|rest| rest.split_once(": ").map(|(_, action)| action))
        .find(|action| *action != "INSTALL.");
    ensure!(
        last_started == Some("LaunchConditions."),
        "the install stopped in {last_started:?}, not in LaunchConditions:\n{}",
        log.tail(40)
    );
    let shown: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|candidate| log.text.lines().any(|line| line.contains(candidate)))
        .collect();
    ensure!(
        shown.is_empty(),
        "Wine deviation `launch message not logged` no longer holds (assert the message): {shown:?}"
    );
    Ok(())
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
    /// What a plain `msiexec /i x.msi /qn` writes on this prefix. The link text default depends on
    /// the OS (Windows 7's wording in Microsoft's "How to: Enable password reset from the Windows login screen"): Wine 8 prefixes report Windows 7 SP1 (6.1.7601),
    /// which this asserts, so the Windows 7 wording is expected.
    pub fn defaults(prefix: &WinePrefix) -> anyhow::Result<Self> {
        let version = prefix.windows_version()?;
        ensure!(
            version == "6.1.7601",
            "the prefix reports Windows {version}, not 7 SP1 (6.1.7601)"
        );
        Ok(Self {
            enable_logging: 0,
            portal_url: sspr_e2e::DEFAULT_PORTAL_URL.to_owned(),
            link_text: "Forgot password?".to_owned(),
            disabled: 0,
        })
    }

    /// Installs `package` with the three public properties (docs/design.md, "MSI identity and properties") on the command
    /// line (`Disabled` is left to the machine or the default).
    pub fn install_with(
        &self,
        prefix: &WinePrefix,
        package: &Package,
    ) -> anyhow::Result<MsiexecRun> {
        let enable_logging = self.enable_logging.to_string();
        prefix.install(
            package,
            &[
                ("ENABLELOGGING", enable_logging.as_str()),
                ("PORTALURL", self.portal_url.as_str()),
                ("LINKTEXT", self.link_text.as_str()),
            ],
        )
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

/// Every registry value of docs/design.md, "MSI identity and properties", key by key, exactly (no extra values or subkeys),
/// plus the credential provider filter (class and registration) and the event log source.
pub fn expected_registration(
    dir: &InstallDir,
    settings: &Settings,
) -> Vec<(&'static str, RegTree)> {
    let dll = format!(r"{}\SsprCredentialProvider.dll", dir.windows);
    vec![
        (
            CLSID_KEY,
            tree([
                ("", values([("", RegValue::sz("SsprCredentialProvider"))])),
                (
                    "InprocServer32",
                    values([
                        ("", RegValue::Sz(dll.clone())),
                        ("ThreadingModel", RegValue::sz("Apartment")),
                    ]),
                ),
            ]),
        ),
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
        (
            FILTER_CLSID_KEY,
            tree([
                (
                    "",
                    values([("", RegValue::sz("SsprCredentialProviderFilter"))]),
                ),
                (
                    "InprocServer32",
                    values([
                        ("", RegValue::Sz(dll.clone())),
                        ("ThreadingModel", RegValue::sz("Apartment")),
                    ]),
                ),
            ]),
        ),
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

/// Files, registry (in the package's view, and nothing in the other) and ARP entry of `package`.
pub fn assert_installed(prefix: &WinePrefix, package: &Package, settings: &Settings) -> TestResult {
    let dir = install_dir(prefix);
    let payload = package.payload(&prefix.scratch_file("payload", "d"))?;
    let mut installed = BTreeMap::new();
    for entry in
        std::fs::read_dir(&dir.host).with_context(|| format!("listing {}", dir.host.display()))?
    {
        let path = entry?.path();
        installed.insert(
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            std::fs::read(&path)?,
        );
    }
    assert_eq!(
        installed.keys().map(String::as_str).collect::<Vec<_>>(),
        PAYLOAD_FILES
    );
    assert!(
        installed == payload,
        "installed files differ from {}'s payload",
        package.path.display()
    );

    let view = prefix.native_view();
    for (key, expected) in expected_registration(&dir, settings) {
        assert_eq!(
            prefix.reg_query(key, view)?.as_ref(),
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
                prefix.reg_query(key, RegView::Bits32)?,
                None,
                "{key} in the 32-bit view"
            );
        }
        assert!(!prefix
            .drive_c()
            .join("Program Files (x86)")
            .join("SsprWindowsLogon")
            .exists());
    }
    assert_eq!(
        arp_entries(prefix)?,
        BTreeMap::from([(package.product_code.clone(), expected_arp(package))])
    );
    Ok(())
}

/// The Add/Remove Programs values that identify the product (dates and sizes left out).
pub fn expected_arp(package: &Package) -> RegValues {
    let uninstall = format!("MsiExec.exe /X{}", package.product_code);
    values([
        ("DisplayName", RegValue::sz("SsprWindowsLogon")),
        ("DisplayVersion", RegValue::Sz(package.version.clone())),
        ("Publisher", RegValue::sz("SsprWindowsLogon project")),
        ("NoModify", RegValue::Dword(1)),
        ("WindowsInstaller", RegValue::Dword(1)),
        ("UninstallString", RegValue::ExpandSz(uninstall)),
        // The packages name no URL unless built with `dist --help-url`. Wine deviation: Wine's
        // msiexec writes HelpLink and URLInfoAbout as empty strings when ARPHELPLINK and
        // ARPURLINFOABOUT are unset (Windows leaves them out).
        ("HelpLink", RegValue::sz("")),
        ("URLInfoAbout", RegValue::sz("")),
    ])
}

const ARP_IDENTITY: [&str; 8] = [
    "DisplayName",
    "DisplayVersion",
    "Publisher",
    "NoModify",
    "WindowsInstaller",
    "UninstallString",
    "HelpLink",
    "URLInfoAbout",
];

/// The Add/Remove Programs entries named SsprWindowsLogon, by product code, identity values only.
pub fn arp_entries(prefix: &WinePrefix) -> anyhow::Result<BTreeMap<String, RegValues>> {
    let Some(entries) = prefix.reg_query(UNINSTALL_KEY, prefix.native_view())? else {
        return Ok(BTreeMap::new());
    };
    Ok(entries
        .into_iter()
        .filter(|(_, values)| values.get("DisplayName") == Some(&RegValue::sz("SsprWindowsLogon")))
        .map(|(code, mut values)| {
            values.retain(|name, _| ARP_IDENTITY.contains(&name.as_str()));
            (code, values)
        })
        .collect())
}

/// Products Windows Installer has registered (`Installer\Products`, packed codes).
pub fn registered_products(prefix: &WinePrefix) -> anyhow::Result<Vec<String>> {
    let key = r"HKLM\Software\Classes\Installer\Products";
    Ok(prefix
        .reg_query(key, prefix.native_view())?
        .unwrap_or_default()
        .into_keys()
        .filter(|path| !path.is_empty() && !path.contains('\\'))
        .collect())
}

/// Nothing of the product: no install folder, no registration, no ARP entry, no product.
pub fn assert_not_installed(prefix: &WinePrefix) -> TestResult {
    assert!(
        !install_dir(prefix).host.exists(),
        "the install folder is still there"
    );
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
            assert_eq!(prefix.reg_query(key, view)?, None, "{key} in {view:?}");
        }
    }
    assert_eq!(arp_entries(prefix)?, BTreeMap::new());
    assert_eq!(registered_products(prefix)?, Vec::<String>::new());
    Ok(())
}

/// The field descriptors the provider answers at logon, as the probe prints them:
/// `dwFieldID:CREDENTIAL_PROVIDER_FIELD_TYPE:label` (1 large text, 2 small text, 3 command link).
/// What the built DLL says, not what its source says: update with the provider's fields. Wine
/// has no inbox password provider to wrap, so this is the fallback tile; its link carries the
/// `LinkText` a plain install writes on Wine's Windows 7 ([`Settings::defaults`]).
pub const PROVIDER_FIELDS: [&str; 3] = [
    "0:1:Password reset",
    "1:2:Forgot your password? Reset it here.",
    "2:3:Forgot password?",
];

/// The probe's full report when the provider is installed at `dir` and works, with the default
/// `LinkText` of a plain install.
pub fn expected_probe_report(dir: &InstallDir, pointer_bits: u32) -> ProbeReport {
    expected_probe_report_with_link(dir, pointer_bits, "Forgot password?")
}

/// The same, with `link_text` as the installed `LinkText` (the fallback tile's link label).
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
        // Wine has no inbox password provider to wrap: one fallback tile, never the default
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
