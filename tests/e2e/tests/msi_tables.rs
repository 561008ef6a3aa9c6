//! The built MSIs read back with the `msi` crate: the exact Registry, File, Component, Property
//! and LaunchCondition rows of both packages (what wixl wrote, not what the sources say).

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, Result};

const CLSID: &str = sspr_identity::PROVIDER_CLSID;
/// The credential provider filter, the DLL's second class.
const FILTER_CLSID: &str = sspr_identity::FILTER_CLSID;

fn package_path(arch: &str) -> Result<PathBuf> {
    let dist = std::env::var_os("SSPR_E2E_DIST")
        .context("SSPR_E2E_DIST is not set: run `cargo xtask test`, which builds the MSIs first")?;
    Ok(PathBuf::from(dist)
        .join("current")
        .join(arch)
        .join("SsprWindowsLogon.PROD.msi"))
}

fn open(arch: &str) -> Result<msi::Package<std::fs::File>> {
    let path = package_path(arch)?;
    msi::open(&path).with_context(|| format!("cannot open {}", path.display()))
}

fn text(value: &msi::Value) -> String {
    match value {
        msi::Value::Null => String::new(),
        msi::Value::Int(n) => n.to_string(),
        msi::Value::Str(s) => s.clone(),
        // msi 0.11: a stream column's cell; no table compared here has one.
        msi::Value::Binary => "<binary>".to_owned(),
    }
}

/// Every row of `table` as `col=value` strings joined by `|`, leaving out `skip` columns.
fn rows(
    package: &mut msi::Package<std::fs::File>,
    table: &str,
    skip: &[&str],
) -> Result<BTreeSet<String>> {
    let columns: Vec<String> = package
        .get_table(table)
        .with_context(|| format!("no {table} table"))?
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .filter(|name| !skip.contains(&name.as_str()))
        .collect();
    Ok(package
        .select_rows(msi::Select::table(table))
        .with_context(|| format!("cannot read the {table} table"))?
        .map(|row| {
            columns
                .iter()
                .map(|c| text(&row[c.as_str()]))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect())
}

fn set(items: &[String]) -> BTreeSet<String> {
    items.iter().cloned().collect()
}

fn registry_rows() -> BTreeSet<String> {
    let provider = sspr_identity::PROVIDER_KEY;
    let filters = sspr_identity::FILTER_KEY;
    let settings = sspr_identity::SETTINGS_KEY;
    let event_source =
        "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\SsprCredentialProvider";
    set(&[
        format!("0|CLSID\\{CLSID}||SsprCredentialProvider|ComRegistration"),
        format!("0|CLSID\\{CLSID}\\InprocServer32||[INSTALLFOLDER]SsprCredentialProvider.dll|ComRegistration"),
        format!("0|CLSID\\{CLSID}\\InprocServer32|ThreadingModel|Apartment|ComRegistration"),
        format!("2|{provider}||SsprCredentialProvider|ProviderRegistration"),
        format!("2|{provider}|EnableLogging|#[ENABLELOGGING]|ProviderRegistration"),
        format!("0|CLSID\\{FILTER_CLSID}||SsprCredentialProviderFilter|ComRegistration"),
        format!(
            "0|CLSID\\{FILTER_CLSID}\\InprocServer32||[INSTALLFOLDER]SsprCredentialProvider.dll|ComRegistration"
        ),
        format!("0|CLSID\\{FILTER_CLSID}\\InprocServer32|ThreadingModel|Apartment|ComRegistration"),
        format!("2|{filters}||SsprCredentialProviderFilter|ProviderRegistration"),
        format!(
            "2|{event_source}|EventMessageFile|[INSTALLFOLDER]SsprCredentialProvider.dll|ProviderRegistration"
        ),
        format!("2|{event_source}|TypesSupported|#7|ProviderRegistration"),
        "2|SOFTWARE\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\FEATURE_BROWSER_EMULATION|SsprResetHost.exe|#11001|ProviderRegistration".to_owned(),
        format!("2|{settings}|PortalUrl|[PORTALURL]|Settings"),
        format!("2|{settings}|LinkText|[LINKTEXT]|Settings"),
        format!("2|{settings}|Disabled|#[DISABLED]|Settings"),
    ])
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn registry_rows_are_exact_in_both_packages() -> Result<()> {
    for arch in ["x64", "x86"] {
        let mut package = open(arch)?;
        // The Registry column is a key wixl generates from a hash; the rest is the contract.
        assert_eq!(
            rows(&mut package, "Registry", &["Registry"])?,
            registry_rows(),
            "{arch}"
        );
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn summary_template_names_the_platform() -> Result<()> {
    assert_eq!(open("x64")?.summary_info().arch(), Some("x64"));
    assert_eq!(open("x86")?.summary_info().arch(), Some("Intel"));
    for arch in ["x64", "x86"] {
        let languages: Vec<u16> = open(arch)?
            .summary_info()
            .languages()
            .into_iter()
            .map(u16::from)
            .collect();
        assert_eq!(languages, [1033], "{arch}");
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn components_are_64_bit_exactly_in_the_x64_package() -> Result<()> {
    let x64 = set(&[
        "CredentialProviderDll|{B52DDFF6-0978-4838-82E5-ED99E4841A67}|INSTALLFOLDER|256||SsprCredentialProviderDll".into(),
        "ResetHostExe|{1F2FB92F-2A21-413A-924D-A663EF90783B}|INSTALLFOLDER|256||SsprResetHostExe".into(),
        "DiagExe|{080D07FA-2560-4CC5-A91B-C4BFF4A94962}|INSTALLFOLDER|256||SsprDiagExe".into(),
        "ComRegistration|{510510EF-026B-40BE-855D-7B0204961650}|INSTALLFOLDER|260||reg".into(),
        "ProviderRegistration|{9429C783-490E-4A00-AB43-2EA393D100F1}|INSTALLFOLDER|260||reg".into(),
        "Settings|{3926FCDA-875B-4B7B-8977-43A7C5A0DF9A}|INSTALLFOLDER|260||reg".into(),
    ]);
    let x86 = set(&[
        "CredentialProviderDll|{6D018321-F32D-4614-83E2-A39BC6571E61}|INSTALLFOLDER|0||SsprCredentialProviderDll".into(),
        "ResetHostExe|{E50596B9-AF8B-498F-888E-419B3CE051C4}|INSTALLFOLDER|0||SsprResetHostExe".into(),
        "DiagExe|{A0A6904C-A5A3-43AC-909E-54A4F7E72B39}|INSTALLFOLDER|0||SsprDiagExe".into(),
        "ComRegistration|{21CD03C9-61F0-40DF-A096-4495638F19C9}|INSTALLFOLDER|4||reg".into(),
        "ProviderRegistration|{FF191B68-5F2F-410A-BD70-5D1280356F59}|INSTALLFOLDER|4||reg".into(),
        "Settings|{3C48E0F3-3E05-4595-A865-1B263217FA29}|INSTALLFOLDER|4||reg".into(),
    ]);
    for (arch, expected) in [("x64", x64), ("x86", x86)] {
        let mut package = open(arch)?;
        // A registry key path is a generated `reg<hash>` id: compare its prefix only.
        let found: BTreeSet<String> = rows(&mut package, "Component", &[])?
            .into_iter()
            .map(|row| match row.rsplit_once("|reg") {
                Some((head, _)) => format!("{head}|reg"),
                None => row,
            })
            .collect();
        assert_eq!(found, expected, "{arch}");
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn files_are_the_three_binaries() -> Result<()> {
    for arch in ["x64", "x86"] {
        let mut package = open(arch)?;
        let found = rows(&mut package, "File", &["FileSize"])?;
        // Short names and each binary's version resource, written after wixl (which writes
        // neither) by `cargo xtask dist`: the workspace version as N.N.N.0, language 1033.
        let version = std::env::var("SSPR_E2E_VERSION_CURRENT")
            .expect("SSPR_E2E_VERSION_CURRENT: run `cargo xtask test`");
        let file_version = format!("{version}.0");
        assert_eq!(
            found,
            set(&[
                format!("SsprCredentialProviderDll|CredentialProviderDll|SSPRCR~1.DLL|SsprCredentialProvider.dll|{file_version}|1033|512|1"),
                format!("SsprResetHostExe|ResetHostExe|SSPRRE~1.EXE|SsprResetHost.exe|{file_version}|1033|512|2"),
                format!("SsprDiagExe|DiagExe|SsprDiag.exe|{file_version}|1033|512|3"),
            ]),
            "{arch}"
        );
        for row in package.select_rows(msi::Select::table("File")).unwrap() {
            assert!(
                row["FileSize"].as_int().unwrap_or(0) > 100_000,
                "{arch}: tiny {}",
                text(&row["FileName"])
            );
        }
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn properties_are_exact() -> Result<()> {
    let upgrade_codes = [
        ("x64", sspr_identity::Arch::X64.upgrade_code()),
        ("x86", sspr_identity::Arch::X86.upgrade_code()),
    ];
    let version = std::env::var("SSPR_E2E_VERSION_CURRENT")
        .expect("SSPR_E2E_VERSION_CURRENT: run `cargo xtask test`");
    let mut product_codes = Vec::new();
    for (arch, upgrade_code) in upgrade_codes {
        let mut package = open(arch)?;
        let all = rows(&mut package, "Property", &[])?;
        let product_code = all
            .iter()
            .find_map(|r| r.strip_prefix("ProductCode|"))
            .expect("ProductCode row")
            .to_owned();
        assert_eq!(product_code.len(), 38, "{product_code}");
        let expected = set(&[
            "ALLUSERS|1".into(),
            // No help link unless the release names one (`dist --help-url`); the icon.
            "ARPNOMODIFY|1".into(),
            "ARPPRODUCTICON|ProductIcon".into(),
            "Manufacturer|SsprWindowsLogon project".into(),
            format!("ProductCode|{product_code}"),
            "ProductLanguage|1033".into(),
            "ProductName|SsprWindowsLogon".into(),
            format!("ProductVersion|{version}"),
            "SecureCustomProperties|WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;ENABLELOGGING;PORTALURL;LINKTEXT;DISABLED".into(),
            format!("UpgradeCode|{upgrade_code}"),
        ]);
        assert_eq!(all, expected, "{arch}");
        product_codes.push(product_code);
    }
    assert_ne!(product_codes[0], product_codes[1]);
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn launch_conditions_are_exact() -> Result<()> {
    let common = [
        "NOT WIX_DOWNGRADE_DETECTED|A newer version of SsprWindowsLogon is already installed. Uninstall it first to install this older version.",
        "Privileged|Installing SsprWindowsLogon needs administrator rights. Run msiexec from an elevated prompt.",
        "Installed OR ENABLELOGGING = \"0\" OR ENABLELOGGING = \"1\"|ENABLELOGGING must be 0 or 1.",
        "Installed OR DISABLED = \"0\" OR DISABLED = \"1\"|DISABLED must be 0 or 1.",
    ];
    let folder = |property: &str| {
        format!(
            "Installed OR NOT INSTALLFOLDER OR (INSTALLFOLDER ~<< {property} AND NOT INSTALLFOLDER >< \"..\")|INSTALLFOLDER must be a folder under [{property}] (without ..): LogonUI runs SsprWindowsLogon's code as SYSTEM from it, so only administrators may be able to write there."
        )
    };
    let mut x64: Vec<String> = common.iter().map(|s| s.to_string()).collect();
    x64.push(folder("ProgramFiles64Folder"));
    x64.push("Installed OR VersionNT64 > 601 OR (VersionNT64 = 601 AND ServicePackLevel >= 1)|This SsprWindowsLogon package is for 64-bit Windows 7 SP1 or later.".into());
    x64.push("Installed OR (Msix64 AND NOT Arm64)|This is the x64 package and this Windows runs on an ARM64 processor, where LogonUI never loads an x64 credential provider. SsprWindowsLogon does not support ARM64 Windows.".into());
    let mut x86: Vec<String> = common.iter().map(|s| s.to_string()).collect();
    x86.push(folder("ProgramFilesFolder"));
    x86.push("Installed OR VersionNT > 601 OR (VersionNT = 601 AND ServicePackLevel >= 1)|This SsprWindowsLogon package is for 32-bit Windows 7 SP1 or later.".into());
    x86.push("Installed OR NOT Arm64|This is the x86 package and this Windows runs on an ARM64 processor, where LogonUI never loads an x86 credential provider. SsprWindowsLogon does not support ARM64 Windows.".into());
    x86.push("Installed OR NOT VersionNT64|This is the 32-bit package; this is 64-bit Windows. Install the x64 package (x64\\SsprWindowsLogon.PROD.msi) instead: LogonUI does not load a 32-bit credential provider on 64-bit Windows.".into());
    for (arch, expected) in [("x64", x64), ("x86", x86)] {
        let mut package = open(arch)?;
        assert_eq!(
            rows(&mut package, "LaunchCondition", &[])?,
            set(&expected),
            "{arch}"
        );
    }
    Ok(())
}
