//! Opening a built MSI and checking it before it is accepted: wixl can drop an attribute or a
//! row and still exit 0 (docs/design.md, "wixl: the subset we use"), so the tables are read back and compared with what
//! the sources mean.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::arch::Arch;
use crate::command::ToolCommand;

pub const CLSID: &str = sspr_identity::PROVIDER_CLSID;
/// Registry table `Root` values.
pub const HKCR: i32 = 0;
pub const HKLM: i32 = 2;
/// `msidbComponentAttributes64bit`.
pub const COMPONENT_64BIT: i32 = 256;
/// The public properties the installer remembers (docs/design.md, "MSI identity and properties").
pub const PUBLIC_PROPERTIES: [&str; 4] = ["ENABLELOGGING", "PORTALURL", "LINKTEXT", "DISABLED"];

/// One row of the Registry table, without its generated primary key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegistryRow {
    pub root: i32,
    pub key: String,
    pub name: Option<String>,
    pub value: String,
    pub component: String,
}

fn row(root: i32, key: &str, name: Option<&str>, value: &str, component: &str) -> RegistryRow {
    RegistryRow {
        root,
        key: key.to_owned(),
        name: name.map(str::to_owned),
        value: value.to_owned(),
        component: component.to_owned(),
    }
}

/// The registration rows of docs/design.md, "MSI identity and properties", exactly as the Registry table must hold them, plus
/// the credential provider filter (its class and its `Credential Provider Filters` entry) and the
/// event log source the provider reports under.
pub fn expected_registry_rows() -> BTreeSet<RegistryRow> {
    const FILTER_CLSID: &str = sspr_identity::FILTER_CLSID;
    let clsid_key = format!("CLSID\\{CLSID}");
    let inproc_key = format!("{clsid_key}\\InprocServer32");
    let provider_key = sspr_identity::PROVIDER_KEY;
    let filter_clsid_key = format!("CLSID\\{FILTER_CLSID}");
    let filter_inproc_key = format!("{filter_clsid_key}\\InprocServer32");
    let filter_key = sspr_identity::FILTER_KEY;
    let event_source_key =
        "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\SsprCredentialProvider";
    let settings_key = sspr_identity::SETTINGS_KEY;
    [
        row(
            HKCR,
            &filter_clsid_key,
            None,
            "SsprCredentialProviderFilter",
            "ComRegistration",
        ),
        row(
            HKCR,
            &filter_inproc_key,
            None,
            "[INSTALLFOLDER]SsprCredentialProvider.dll",
            "ComRegistration",
        ),
        row(
            HKCR,
            &filter_inproc_key,
            Some("ThreadingModel"),
            "Apartment",
            "ComRegistration",
        ),
        row(
            HKLM,
            filter_key,
            None,
            "SsprCredentialProviderFilter",
            "ProviderRegistration",
        ),
        row(
            HKLM,
            event_source_key,
            Some("EventMessageFile"),
            "[INSTALLFOLDER]SsprCredentialProvider.dll",
            "ProviderRegistration",
        ),
        row(
            HKLM,
            event_source_key,
            Some("TypesSupported"),
            "#7",
            "ProviderRegistration",
        ),
        // The reset host's WebBrowser control in IE11 mode (docs/design.md, "The reset window and its sandbox").
        row(
            HKLM,
            r"SOFTWARE\Microsoft\Internet Explorer\Main\FeatureControl\FEATURE_BROWSER_EMULATION",
            Some("SsprResetHost.exe"),
            "#11001",
            "ProviderRegistration",
        ),
        row(
            HKCR,
            &clsid_key,
            None,
            "SsprCredentialProvider",
            "ComRegistration",
        ),
        row(
            HKCR,
            &inproc_key,
            None,
            "[INSTALLFOLDER]SsprCredentialProvider.dll",
            "ComRegistration",
        ),
        row(
            HKCR,
            &inproc_key,
            Some("ThreadingModel"),
            "Apartment",
            "ComRegistration",
        ),
        row(
            HKLM,
            provider_key,
            None,
            "SsprCredentialProvider",
            "ProviderRegistration",
        ),
        row(
            HKLM,
            provider_key,
            Some("EnableLogging"),
            "#[ENABLELOGGING]",
            "ProviderRegistration",
        ),
        row(
            HKLM,
            settings_key,
            Some("PortalUrl"),
            "[PORTALURL]",
            "Settings",
        ),
        row(
            HKLM,
            settings_key,
            Some("LinkText"),
            "[LINKTEXT]",
            "Settings",
        ),
        row(
            HKLM,
            settings_key,
            Some("Disabled"),
            "#[DISABLED]",
            "Settings",
        ),
    ]
    .into_iter()
    .collect()
}

/// What was read back from a package.
#[derive(Debug)]
pub struct PackageFacts {
    pub template: String,
    pub registry: BTreeSet<RegistryRow>,
    /// (component, attributes)
    pub components: Vec<(String, i32)>,
    pub files: BTreeSet<String>,
    pub secure_properties: String,
}

pub fn read_facts(path: &Path) -> Result<PackageFacts> {
    let mut package =
        msi::open(path).with_context(|| format!("cannot open {} as an MSI", path.display()))?;
    let summary = package.summary_info();
    let languages: Vec<String> = summary
        .languages()
        .into_iter()
        .map(|l| u16::from(l).to_string())
        .collect();
    let template = format!("{};{}", summary.arch().unwrap_or(""), languages.join(","));
    let mut registry = BTreeSet::new();
    for r in package.select_rows(msi::Select::table("Registry"))? {
        registry.insert(RegistryRow {
            root: r["Root"].as_int().unwrap_or(-1),
            key: r["Key"].as_str().unwrap_or_default().to_owned(),
            name: r["Name"].as_str().map(str::to_owned),
            value: r["Value"].as_str().unwrap_or_default().to_owned(),
            component: r["Component_"].as_str().unwrap_or_default().to_owned(),
        });
    }
    let components = package
        .select_rows(msi::Select::table("Component"))?
        .map(|r| {
            (
                r["Component"].as_str().unwrap_or_default().to_owned(),
                r["Attributes"].as_int().unwrap_or(0),
            )
        })
        .collect();
    let files = package
        .select_rows(msi::Select::table("File"))?
        // `short|long` (short names are written after wixl): the long name is the file's.
        .map(|r| {
            let name = r["FileName"].as_str().unwrap_or_default();
            name.rsplit('|').next().unwrap_or(name).to_owned()
        })
        .collect();
    let secure_properties = package
        .select_rows(msi::Select::table("Property"))?
        .find(|r| r["Property"].as_str() == Some("SecureCustomProperties"))
        .and_then(|r| r["Value"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(PackageFacts {
        template,
        registry,
        components,
        files,
        secure_properties,
    })
}

/// Every way `facts` differs from what an `arch` package must be; empty means accepted.
pub fn problems(facts: &PackageFacts, arch: Arch, shipped: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    if facts.template != arch.msi_template() {
        problems.push(format!(
            "summary Template is `{}`, expected `{}`",
            facts.template,
            arch.msi_template()
        ));
    }
    for missing in expected_registry_rows().difference(&facts.registry) {
        problems.push(format!("Registry row missing or altered: {missing:?}"));
    }
    for (component, attributes) in &facts.components {
        let is_64 = attributes & COMPONENT_64BIT != 0;
        if is_64 != (arch == Arch::X64) {
            problems.push(format!(
                "component {component} has attributes {attributes}: the 64-bit bit must be {}",
                if arch == Arch::X64 {
                    "set (Win64=\"yes\")"
                } else {
                    "clear"
                }
            ));
        }
    }
    for name in shipped {
        if !facts.files.contains(*name) {
            problems.push(format!("File table has no {name}"));
        }
    }
    let secure: BTreeSet<&str> = facts.secure_properties.split(';').collect();
    for property in PUBLIC_PROPERTIES {
        if !secure.contains(property) {
            problems.push(format!("{property} is not in SecureCustomProperties"));
        }
    }
    problems
}

/// Reads and checks the package at `path`; the error lists every problem.
pub fn check(path: &Path, arch: Arch, shipped: &[&str]) -> Result<()> {
    let facts = read_facts(path)?;
    let problems = problems(&facts, arch, shipped);
    if !problems.is_empty() {
        bail!(
            "{} is not the package the sources describe (wixl may have dropped something quietly):\n  {}",
            path.display(),
            problems.join("\n  ")
        );
    }
    Ok(())
}

/// Adds the public properties to SecureCustomProperties (wixl ignores `Secure="yes"`), so values
/// given with a UI reach the server-side install. Done with msitools' `msibuild`, which keeps
/// the compound file in the layout every reader (osslsigncode included) accepts.
pub fn secure_public_properties(path: &Path) -> Result<()> {
    let current = {
        let mut package = msi::open(path)
            .with_context(|| format!("cannot open {} to read its properties", path.display()))?;
        package
            .select_rows(msi::Select::table("Property"))?
            .find(|r| r["Property"].as_str() == Some("SecureCustomProperties"))
            .and_then(|r| r["Value"].as_str().map(str::to_owned))
    };
    let mut names: Vec<&str> = current
        .iter()
        .flat_map(|v| v.split(';'))
        .filter(|s| !s.is_empty())
        .collect();
    for property in PUBLIC_PROPERTIES {
        if !names.contains(&property) {
            names.push(property);
        }
    }
    let value = names.join(";");
    let query = if current.is_some() {
        format!(
            "UPDATE `Property` SET `Value` = '{value}' WHERE `Property` = 'SecureCustomProperties'"
        )
    } else {
        format!("INSERT INTO `Property` (`Property`, `Value`) VALUES ('SecureCustomProperties', '{value}')")
    };
    let output = ToolCommand::new("msibuild")
        .arg(path)
        .arg("-q")
        .arg(&query)
        .output()?;
    if !output.status.success() || !output.stderr.is_empty() {
        bail!(
            "msibuild could not set SecureCustomProperties in {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Registry table of a correct package, as `msiinfo export <msi> Registry` prints it
    /// (Root|Key|Name|Value|Component, no primary key), written out here rather than taken from
    /// [`expected_registry_rows`], so a change to either shows up as a problem. `{PROVIDER}`,
    /// `{FILTER}` and `{SETTINGS}` stand for sspr-identity's class ids and settings key.
    const GOOD_REGISTRY: &str = r"0|CLSID\{FILTER}||SsprCredentialProviderFilter|ComRegistration
0|CLSID\{FILTER}\InprocServer32||[INSTALLFOLDER]SsprCredentialProvider.dll|ComRegistration
0|CLSID\{FILTER}\InprocServer32|ThreadingModel|Apartment|ComRegistration
0|CLSID\{PROVIDER}||SsprCredentialProvider|ComRegistration
0|CLSID\{PROVIDER}\InprocServer32||[INSTALLFOLDER]SsprCredentialProvider.dll|ComRegistration
0|CLSID\{PROVIDER}\InprocServer32|ThreadingModel|Apartment|ComRegistration
2|SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Provider Filters\{FILTER}||SsprCredentialProviderFilter|ProviderRegistration
2|SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\{PROVIDER}||SsprCredentialProvider|ProviderRegistration
2|SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\{PROVIDER}|EnableLogging|#[ENABLELOGGING]|ProviderRegistration
2|SYSTEM\CurrentControlSet\Services\EventLog\Application\SsprCredentialProvider|EventMessageFile|[INSTALLFOLDER]SsprCredentialProvider.dll|ProviderRegistration
2|SYSTEM\CurrentControlSet\Services\EventLog\Application\SsprCredentialProvider|TypesSupported|#7|ProviderRegistration
2|SOFTWARE\Microsoft\Internet Explorer\Main\FeatureControl\FEATURE_BROWSER_EMULATION|SsprResetHost.exe|#11001|ProviderRegistration
2|{SETTINGS}|PortalUrl|[PORTALURL]|Settings
2|{SETTINGS}|LinkText|[LINKTEXT]|Settings
2|{SETTINGS}|Disabled|#[DISABLED]|Settings";

    fn good_registry() -> BTreeSet<RegistryRow> {
        GOOD_REGISTRY
            .replace("{PROVIDER}", sspr_identity::PROVIDER_CLSID)
            .replace("{FILTER}", sspr_identity::FILTER_CLSID)
            .replace("{SETTINGS}", sspr_identity::SETTINGS_KEY)
            .lines()
            .map(|line| {
                let cells: Vec<&str> = line.split('|').collect();
                RegistryRow {
                    root: cells[0].parse().unwrap(),
                    key: cells[1].to_owned(),
                    name: Some(cells[2]).filter(|n| !n.is_empty()).map(str::to_owned),
                    value: cells[3].to_owned(),
                    component: cells[4].to_owned(),
                }
            })
            .collect()
    }

    fn good_facts(arch: Arch) -> PackageFacts {
        let bit = if arch == Arch::X64 {
            COMPONENT_64BIT
        } else {
            0
        };
        PackageFacts {
            template: arch.msi_template().into(),
            registry: good_registry(),
            components: vec![("ComRegistration".into(), bit | 4), ("DiagExe".into(), bit)],
            files: ["SsprDiag.exe".to_string()].into_iter().collect(),
            secure_properties: "WIX_UPGRADE_DETECTED;ENABLELOGGING;PORTALURL;LINKTEXT;DISABLED"
                .into(),
        }
    }

    #[test]
    fn the_written_out_table_is_what_the_check_expects() {
        assert_eq!(good_registry().len(), 15);
        assert_eq!(expected_registry_rows(), good_registry());
    }

    #[test]
    fn a_correct_package_has_no_problems() {
        for arch in Arch::ALL {
            assert_eq!(
                problems(&good_facts(arch), arch, &["SsprDiag.exe"]),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn names_each_problem() {
        let mut facts = good_facts(Arch::X64);
        facts.template = "Intel;1033".into();
        facts.components[1].1 = 0;
        facts
            .registry
            .retain(|r| !(r.name.as_deref() == Some("ThreadingModel") && r.key.contains(CLSID)));
        facts.secure_properties = "ENABLELOGGING".into();
        let found = problems(&facts, Arch::X64, &["SsprDiag.exe", "SsprResetHost.exe"]);
        assert_eq!(found.len(), 7, "{found:#?}");
        assert!(found[0].contains("Template is `Intel;1033`, expected `x64;1033`"));
        assert!(found[1].contains("ThreadingModel"));
        assert!(found[2].contains("component DiagExe"));
        assert!(found[3].contains("SsprResetHost.exe"));
        assert!(found[4..]
            .iter()
            .all(|p| p.contains("SecureCustomProperties")));
    }

    #[test]
    fn the_inproc_server_points_at_the_installed_dll() {
        let inproc: Vec<_> = expected_registry_rows()
            .into_iter()
            .filter(|r| r.key.ends_with("InprocServer32") && r.name.is_none())
            .collect();
        // The provider's class and the filter's: both served by the one installed DLL.
        assert_eq!(inproc.len(), 2);
        for row in &inproc {
            assert_eq!(row.value, "[INSTALLFOLDER]SsprCredentialProvider.dll");
            assert_eq!(row.root, HKCR);
            assert_eq!(row.component, "ComRegistration");
        }
    }

    #[test]
    fn the_filter_and_the_event_source_are_registered() {
        let rows = expected_registry_rows();
        let filter = rows
            .iter()
            .find(|r| r.key.contains("Credential Provider Filters"))
            .expect("a Credential Provider Filters row");
        assert_eq!(filter.key, sspr_identity::FILTER_KEY);
        assert_eq!((filter.root, filter.name.as_deref()), (HKLM, None));
        let event_source: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.key
                    .ends_with("EventLog\\Application\\SsprCredentialProvider")
            })
            .map(|r| (r.name.as_deref(), r.value.as_str()))
            .collect();
        assert_eq!(
            event_source,
            [
                (
                    Some("EventMessageFile"),
                    "[INSTALLFOLDER]SsprCredentialProvider.dll"
                ),
                (Some("TypesSupported"), "#7")
            ]
        );
        assert_eq!(rows.len(), 15);
    }
}
