//! Which Windows this is: version from `RtlGetVersion` (or, failing that, the registry's
//! `CurrentVersion` values), edition and release from the registry.

use sspr_settings::WindowsFamily;

use crate::machine::{Machine, RegKey, Value};

/// `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`.
pub const CURRENT_VERSION_KEY: &str = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion";
/// `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions` (`ProductType`: WinNT, ServerNT, LanmanNT).
pub const PRODUCT_OPTIONS_KEY: &str = r"SYSTEM\CurrentControlSet\Control\ProductOptions";

/// Windows 10 version 1803, the first with the built-in reset link.
pub const BUILD_1803: u32 = 17134;
/// Windows 10 version 1809, which lifted the Ctrl+Alt+Del limitation.
pub const BUILD_1809: u32 = 17763;
/// Windows 11's first build.
pub const BUILD_WINDOWS_11: u32 = 22000;

/// The Windows releases the checks tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Vista or older: below what the product supports.
    Older,
    Windows7,
    Windows8,
    Windows81,
    Windows10,
    Windows11,
    /// Newer than 10.0, or nothing could be read.
    Unknown,
}

impl Family {
    /// Windows 7, 8 and 8.1: the "Windows 7, 8, and 8.1" section of Microsoft's "How to: Enable password reset from the Windows login screen" applies.
    pub fn is_seed_downlevel(self) -> bool {
        matches!(
            self,
            Family::Windows7 | Family::Windows8 | Family::Windows81
        )
    }

    /// Windows 10 and 11: the built-in feature and the Windows 10 section of Microsoft's "How to: Enable password reset from the Windows login screen" apply.
    pub fn is_windows_10_or_later(self) -> bool {
        matches!(self, Family::Windows10 | Family::Windows11)
    }
}

/// Workstation, server or domain controller (`wProductType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductType {
    Workstation,
    DomainController,
    Server,
    Unknown,
}

/// Everything known about the Windows version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsVersion {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    /// Update build revision (`UBR`, Windows 10+).
    pub ubr: Option<u32>,
    pub service_pack: u16,
    pub product_type: ProductType,
    pub product_name: Option<String>,
    pub edition_id: Option<String>,
    /// `DisplayVersion` (20H2 and later) or `ReleaseId` (1511 to 2009).
    pub display_version: Option<String>,
    /// Where major/minor/build came from: `RtlGetVersion`, `registry` or `nothing`.
    pub source: &'static str,
    /// The places read, for "looked at" lines.
    pub looked_at: Vec<String>,
}

fn string_value(machine: &dyn Machine, key: &RegKey, name: &str) -> Option<String> {
    machine
        .value(key, name)
        .and_then(|v| v.as_str().map(|s| s.trim().to_owned()))
        .filter(|s| !s.is_empty())
}

fn number_value(machine: &dyn Machine, key: &RegKey, name: &str) -> Option<u32> {
    match machine.value(key, name)? {
        Value::Dword(n) => Some(n),
        other => other.as_str()?.trim().parse().ok(),
    }
}

impl WindowsVersion {
    pub fn detect(machine: &dyn Machine) -> Self {
        let key = RegKey::hklm(CURRENT_VERSION_KEY);
        let mut looked_at = vec![
            "RtlGetVersion".to_owned(),
            format!(
                "{key}\\(ProductName, EditionID, CurrentVersion, CurrentMajorVersionNumber, \
                 CurrentBuildNumber, UBR, DisplayVersion, ReleaseId, CSDVersion)"
            ),
        ];
        let product_name = string_value(machine, &key, "ProductName");
        let edition_id = string_value(machine, &key, "EditionID");
        let display_version = string_value(machine, &key, "DisplayVersion")
            .or_else(|| string_value(machine, &key, "ReleaseId"));
        let ubr = number_value(machine, &key, "UBR");
        let (major, minor, build, service_pack, product_type, source) = match machine.os_version() {
            Some(os) => (
                os.major,
                os.minor,
                os.build,
                os.service_pack_major,
                match os.product_type {
                    1 => ProductType::Workstation,
                    2 => ProductType::DomainController,
                    3 => ProductType::Server,
                    _ => ProductType::Unknown,
                },
                "RtlGetVersion",
            ),
            None => {
                let options = RegKey::hklm(PRODUCT_OPTIONS_KEY);
                looked_at.push(options.value_path("ProductType"));
                let (major, minor) = match (
                    number_value(machine, &key, "CurrentMajorVersionNumber"),
                    number_value(machine, &key, "CurrentMinorVersionNumber"),
                ) {
                    (Some(major), Some(minor)) => (major, minor),
                    _ => string_value(machine, &key, "CurrentVersion")
                        .and_then(|v| {
                            let (a, b) = v.split_once('.')?;
                            Some((a.parse().ok()?, b.parse().ok()?))
                        })
                        .unwrap_or((0, 0)),
                };
                let build = number_value(machine, &key, "CurrentBuildNumber")
                    .or_else(|| number_value(machine, &key, "CurrentBuild"))
                    .unwrap_or(0);
                let service_pack = string_value(machine, &key, "CSDVersion")
                    .and_then(|v| v.strip_prefix("Service Pack ")?.trim().parse().ok())
                    .unwrap_or(0);
                let product_type = match string_value(machine, &options, "ProductType").as_deref() {
                    Some(t) if t.eq_ignore_ascii_case("WinNT") => ProductType::Workstation,
                    Some(t) if t.eq_ignore_ascii_case("ServerNT") => ProductType::Server,
                    Some(t) if t.eq_ignore_ascii_case("LanmanNT") => ProductType::DomainController,
                    _ => ProductType::Unknown,
                };
                let source = if major == 0 { "nothing" } else { "registry" };
                (major, minor, build, service_pack, product_type, source)
            }
        };
        Self {
            major,
            minor,
            build,
            ubr,
            service_pack,
            product_type,
            product_name,
            edition_id,
            display_version,
            source,
            looked_at,
        }
    }

    pub fn family(&self) -> Family {
        match (self.major, self.minor) {
            (0, _) => Family::Unknown,
            (major, _) if major < 6 => Family::Older,
            (6, 0) => Family::Older,
            (6, 1) => Family::Windows7,
            (6, 2) => Family::Windows8,
            (6, 3) => Family::Windows81,
            (10, 0) if self.build >= BUILD_WINDOWS_11 => Family::Windows11,
            (10, 0) => Family::Windows10,
            _ => Family::Unknown,
        }
    }

    /// The settings model's notion (link text default differs on Windows 7).
    pub fn settings_family(&self) -> WindowsFamily {
        if self.major == 0 {
            WindowsFamily::Windows8OrLater
        } else {
            WindowsFamily::from_version(self.major, self.minor)
        }
    }

    /// `Windows 7 SP1`, `Windows 10 22H2`, `Windows 11 23H2`, `Windows Server 6.3`.
    pub fn name(&self) -> String {
        let server = matches!(
            self.product_type,
            ProductType::Server | ProductType::DomainController
        );
        if server {
            return format!("Windows Server {}.{}", self.major, self.minor);
        }
        let base = match self.family() {
            Family::Windows7 => "Windows 7".to_owned(),
            Family::Windows8 => "Windows 8".to_owned(),
            Family::Windows81 => "Windows 8.1".to_owned(),
            Family::Windows10 => "Windows 10".to_owned(),
            Family::Windows11 => "Windows 11".to_owned(),
            Family::Older => "Windows (older than 7)".to_owned(),
            Family::Unknown if self.major == 0 => "Windows (version unknown)".to_owned(),
            Family::Unknown => format!("Windows {}.{}", self.major, self.minor),
        };
        let mut name = base;
        if self.service_pack > 0 {
            name.push_str(&format!(" SP{}", self.service_pack));
        }
        if self.family().is_windows_10_or_later() {
            if let Some(release) = &self.display_version {
                name.push(' ');
                name.push_str(release);
            }
        }
        name
    }

    /// `6.1.7601` or `10.0.19045.3803`.
    pub fn number(&self) -> String {
        match self.ubr {
            Some(ubr) if self.major >= 10 => {
                format!("{}.{}.{}.{}", self.major, self.minor, self.build, ubr)
            }
            _ => format!("{}.{}.{}", self.major, self.minor, self.build),
        }
    }

    /// `Windows 7 SP1 Professional (6.1.7601)`.
    pub fn describe(&self) -> String {
        match self.edition_id.as_deref() {
            Some(edition) => format!("{} {edition} ({})", self.name(), self.number()),
            None => format!("{}, edition unknown ({})", self.name(), self.number()),
        }
    }

    /// Home editions (Windows 7 Starter/Home Basic/Home Premium, 8+ "Core"): no domain join,
    /// no Azure AD join.
    pub fn is_home_edition(&self) -> Option<bool> {
        let edition = self.edition_id.as_deref()?;
        Some(
            ["Core", "Home", "Starter"]
                .iter()
                .any(|prefix| crate::machine::starts_with_ignore_case(edition, prefix)),
        )
    }

    /// Home or Pro: the editions on which Windows does not enforce content delivery policy
    /// (`IsContentDeliveryPolicyEnforced` in Microsoft's "How to: Enable password reset from the Windows login screen", which Microsoft's later revision of the
    /// article words as "Windows SKU isn't Home or Professional edition").
    pub fn is_home_or_pro(&self) -> Option<bool> {
        let edition = self.edition_id.as_deref()?;
        Some(
            self.is_home_edition() == Some(true)
                || crate::machine::starts_with_ignore_case(edition, "Professional"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FakeMachine;

    #[test]
    fn windows_7_from_rtl_get_version() {
        let version = WindowsVersion::detect(&FakeMachine::windows7());
        assert_eq!(version.family(), Family::Windows7);
        assert_eq!(version.describe(), "Windows 7 SP1 Professional (6.1.7601)");
        assert_eq!(version.source, "RtlGetVersion");
        assert_eq!(version.settings_family(), WindowsFamily::Windows7);
        assert_eq!(version.is_home_or_pro(), Some(true));
    }

    #[test]
    fn windows_10_and_11_names() {
        let version = WindowsVersion::detect(&FakeMachine::windows10());
        assert_eq!(
            version.describe(),
            "Windows 10 22H2 Professional (10.0.19045.3803)"
        );
        let version = WindowsVersion::detect(&FakeMachine::windows10().with_os(10, 0, 22631, 0));
        assert_eq!(version.family(), Family::Windows11);
        assert_eq!(version.name(), "Windows 11 22H2");
    }

    #[test]
    fn registry_fallback_when_rtl_get_version_fails() {
        let mut machine = FakeMachine::windows7();
        machine.os = None;
        let version = WindowsVersion::detect(&machine);
        assert_eq!(version.source, "registry");
        assert_eq!((version.major, version.minor, version.build), (6, 1, 7601));
        assert_eq!(version.service_pack, 1);
        assert_eq!(version.product_type, ProductType::Unknown);

        let mut machine = FakeMachine::windows10();
        machine.os = None;
        let machine = machine.with_value(
            &RegKey::hklm(PRODUCT_OPTIONS_KEY),
            "ProductType",
            Value::sz("ServerNT"),
        );
        let version = WindowsVersion::detect(&machine);
        assert_eq!(
            (version.major, version.minor, version.build),
            (10, 0, 19045)
        );
        assert_eq!(version.name(), "Windows Server 10.0");

        let version = WindowsVersion::detect(&FakeMachine::empty());
        assert_eq!(
            (version.source, version.family()),
            ("nothing", Family::Unknown)
        );
    }

    #[test]
    fn editions() {
        let home = |edition: &str| {
            let machine = FakeMachine::windows7().with_value(
                &RegKey::hklm(CURRENT_VERSION_KEY),
                "EditionID",
                Value::sz(edition),
            );
            let version = WindowsVersion::detect(&machine);
            (version.is_home_edition(), version.is_home_or_pro())
        };
        assert_eq!(home("HomePremium"), (Some(true), Some(true)));
        assert_eq!(home("CoreSingleLanguage"), (Some(true), Some(true)));
        assert_eq!(home("Enterprise"), (Some(false), Some(false)));
        assert_eq!(home("Education"), (Some(false), Some(false)));
        assert_eq!(home("ProfessionalN"), (Some(false), Some(true)));
    }

    #[test]
    fn families() {
        let family = |major, minor, build| {
            WindowsVersion::detect(&FakeMachine::empty().with_os(major, minor, build, 0)).family()
        };
        assert_eq!(family(6, 0, 6002), Family::Older);
        assert_eq!(family(6, 2, 9200), Family::Windows8);
        assert_eq!(family(6, 3, 9600), Family::Windows81);
        assert_eq!(family(10, 0, 17763), Family::Windows10);
        assert_eq!(family(11, 0, 1), Family::Unknown);
    }
}
