//! The product's identity, written out once: class ids, UpgradeCodes, file and product names,
//! registry keys and value names, exit codes, event ids, GUID formatting and the shipped
//! architectures (docs/design.md, "MSI identity and properties").
//!
//! Platform-neutral and without dependencies, so the payload, `xtask`, the tests and the probe
//! all use it. A tidy test (`xtask/tests/tidy.rs`) fails when one of these GUIDs or keys is
//! written out anywhere else, and checks the WiX sources, which cannot import Rust, against it.
//!
//! Each literal other crates must build on at compile time is also a macro (`provider_clsid!()`
//! ...), so they can `concat!` it into their own constants, e.g. a key with its hive.
#![forbid(unsafe_code)]

mod exit;
mod guid;

pub use exit::{DiagExit, HostExit};
pub use guid::{format_guid, guid_value, parse_guid};

/// The product's name: install folder, settings key, MSI product name.
pub const PRODUCT_NAME: &str = "SsprWindowsLogon";

/// The credential provider DLL's file name.
pub const PROVIDER_DLL: &str = "SsprCredentialProvider.dll";
/// The reset host's file name; the provider starts it from its own folder only.
pub const RESET_HOST_EXE: &str = "SsprResetHost.exe";
/// The diagnostics tool's file name.
pub const DIAG_EXE: &str = "SsprDiag.exe";
/// The package's file name, the same for both architectures (each in its own folder).
pub const MSI_NAME: &str = "SsprWindowsLogon.PROD.msi";

/// The provider's class id, `{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}`, as a literal.
#[macro_export]
macro_rules! provider_clsid {
    () => {
        "{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}"
    };
}
/// The filter's class id as a literal: registered under `Credential Provider Filters`, it hides
/// the inbox password provider while we wrap it.
#[macro_export]
macro_rules! filter_clsid {
    () => {
        "{0101B97F-830D-47C8-BFE7-C9CB2DB83703}"
    };
}
/// Windows' inbox password provider, the one we wrap (`CLSID_PasswordCredentialProvider` in the
/// Windows SDK), as a literal.
#[macro_export]
macro_rules! password_provider_clsid {
    () => {
        "{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}"
    };
}

/// The provider's class id in registry form.
pub const PROVIDER_CLSID: &str = provider_clsid!();
/// [`PROVIDER_CLSID`] as a number (`GUID::from_u128`).
pub const PROVIDER_CLSID_VALUE: u128 = guid_value(PROVIDER_CLSID);
/// The filter's class id in registry form.
pub const FILTER_CLSID: &str = filter_clsid!();
/// [`FILTER_CLSID`] as a number.
pub const FILTER_CLSID_VALUE: u128 = guid_value(FILTER_CLSID);
/// The inbox password provider's class id in registry form.
pub const PASSWORD_PROVIDER_CLSID: &str = password_provider_clsid!();
/// [`PASSWORD_PROVIDER_CLSID`] as a number.
pub const PASSWORD_PROVIDER_CLSID_VALUE: u128 = guid_value(PASSWORD_PROVIDER_CLSID);

/// The default value the MSI writes under the provider's class and registration keys.
pub const PROVIDER_CLASS_NAME: &str = "SsprCredentialProvider";
/// The default value the MSI writes under the filter's class and registration keys.
pub const FILTER_CLASS_NAME: &str = "SsprCredentialProviderFilter";
/// The Application event log source the MSI registers and the provider reports under.
pub const EVENT_SOURCE: &str = "SsprCredentialProvider";
/// The variable the provider's and the sandbox's `fault-injection` test builds read: a COM
/// method or launch step named there fails. Shipped builds never read it.
pub const FAULT_POINT_VARIABLE: &str = "SSPR_FAULT_POINT";

/// `HKLM\<this>`: the key LogonUI enumerates for credential providers, as a literal.
#[macro_export]
macro_rules! credential_providers_key {
    () => {
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers"
    };
}
/// `HKLM\<this>`: the key LogonUI enumerates for credential provider filters, as a literal.
#[macro_export]
macro_rules! credential_provider_filters_key {
    () => {
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Provider Filters"
    };
}
/// `HKLM\<this>`: the values the MSI writes, as a literal.
#[macro_export]
macro_rules! settings_key {
    () => {
        r"SOFTWARE\SsprWindowsLogon"
    };
}
/// `HKLM\<this>`: Group Policy's copy of the settings, as a literal; a value here always wins.
#[macro_export]
macro_rules! policy_key {
    () => {
        r"SOFTWARE\Policies\SsprWindowsLogon"
    };
}

/// [`PROVIDER_KEY`] as a literal.
#[macro_export]
macro_rules! provider_key {
    () => {
        concat!(
            $crate::credential_providers_key!(),
            r"\",
            $crate::provider_clsid!()
        )
    };
}
/// [`FILTER_KEY`] as a literal.
#[macro_export]
macro_rules! filter_key {
    () => {
        concat!(
            $crate::credential_provider_filters_key!(),
            r"\",
            $crate::filter_clsid!()
        )
    };
}
/// [`PROVIDER_CLASS_KEY`] as a literal.
#[macro_export]
macro_rules! provider_class_key {
    () => {
        concat!(r"SOFTWARE\Classes\CLSID\", $crate::provider_clsid!())
    };
}
/// [`FILTER_CLASS_KEY`] as a literal.
#[macro_export]
macro_rules! filter_class_key {
    () => {
        concat!(r"SOFTWARE\Classes\CLSID\", $crate::filter_clsid!())
    };
}

/// The key LogonUI enumerates for credential providers (under HKLM).
pub const CREDENTIAL_PROVIDERS_KEY: &str = credential_providers_key!();
/// The key LogonUI enumerates for credential provider filters (under HKLM).
pub const CREDENTIAL_PROVIDER_FILTERS_KEY: &str = credential_provider_filters_key!();
/// The provider's registration key (under HKLM), where `EnableLogging` lives.
pub const PROVIDER_KEY: &str = provider_key!();
/// The filter's registration key (under HKLM).
pub const FILTER_KEY: &str = filter_key!();
/// `HKCR\CLSID\{provider}` as it lands on a machine (under HKLM).
pub const PROVIDER_CLASS_KEY: &str = provider_class_key!();
/// `HKCR\CLSID\{filter}` as it lands on a machine (under HKLM).
pub const FILTER_CLASS_KEY: &str = filter_class_key!();
/// The values the MSI writes (under HKLM).
pub const SETTINGS_KEY: &str = settings_key!();
/// Group Policy's copy of the settings (under HKLM); a value here always wins.
pub const POLICY_KEY: &str = policy_key!();

/// Registry value names under [`SETTINGS_KEY`], [`POLICY_KEY`] and [`PROVIDER_KEY`].
pub mod value {
    /// The reset portal's URL (REG_SZ).
    pub const PORTAL_URL: &str = "PortalUrl";
    /// The link's text (REG_SZ).
    pub const LINK_TEXT: &str = "LinkText";
    /// The kill switch (REG_DWORD 0/1).
    pub const DISABLED: &str = "Disabled";
    /// Extra hosts the reset window may open (REG_SZ, `;`-separated).
    pub const ALLOWED_HOSTS: &str = "AllowedHosts";
    /// Seconds without input before the reset window closes (REG_DWORD).
    pub const IDLE_TIMEOUT_SECONDS: &str = "IdleTimeoutSeconds";
    /// Verbose logging (REG_DWORD 0/1), under the provider's registration key or the policy key.
    pub const ENABLE_LOGGING: &str = "EnableLogging";
}

/// The event ids of `payload/credential-provider/messages.mc`, one per level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventId {
    /// `SSPR_EVENT_INFO`.
    Info = 1,
    /// `SSPR_EVENT_WARNING`.
    Warning = 2,
    /// `SSPR_EVENT_ERROR`.
    Error = 3,
}

impl EventId {
    /// Every event id, in message-file order.
    pub const ALL: [EventId; 3] = [EventId::Info, EventId::Warning, EventId::Error];

    /// The id `ReportEventW` takes.
    pub fn id(self) -> u32 {
        self as u32
    }
}

/// A Windows architecture the product ships for (no ARM: Windows 7/8.1 had none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    X64,
    X86,
}

impl Arch {
    /// Both, in build order.
    pub const ALL: [Arch; 2] = [Arch::X64, Arch::X86];

    /// The name used in folders, file names, `wixl -a` and `-D Arch=`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X64 => "x64",
            Arch::X86 => "x86",
        }
    }

    /// The UpgradeCode of this arch's package. Never change one: installed copies would no
    /// longer be upgraded.
    pub fn upgrade_code(self) -> &'static str {
        match self {
            Arch::X64 => "{4F7D1C2A-8B3E-4E59-9A61-2C8D5B0E7F13}",
            Arch::X86 => "{9B2E6A41-3C7F-4D18-B5E2-7A0C9F4D6E25}",
        }
    }

    /// The tier-3 Rust target whose std still runs on Windows 7 (docs/design.md, "Windows 7
    /// targets and the import audit").
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::X64 => "x86_64-win7-windows-gnu",
            Arch::X86 => "i686-win7-windows-gnu",
        }
    }

    /// The MSI summary `Template` property a package for this arch must carry.
    pub fn msi_template(self) -> &'static str {
        match self {
            Arch::X64 => "x64;1033",
            Arch::X86 => "Intel;1033",
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_id_numbers_match_their_strings() {
        assert_eq!(PROVIDER_CLSID_VALUE, 0x86D2F0AC_2171_46CF_9998_4E33B3D7FD4F);
        assert_eq!(FILTER_CLSID_VALUE, 0x0101B97F_830D_47C8_BFE7_C9CB2DB83703);
        assert_eq!(
            PASSWORD_PROVIDER_CLSID_VALUE,
            0x60b78e88_ead8_445c_9cfd_0b87f74ea6cd
        );
        for (text, value) in [
            (PROVIDER_CLSID, PROVIDER_CLSID_VALUE),
            (FILTER_CLSID, FILTER_CLSID_VALUE),
            (PASSWORD_PROVIDER_CLSID, PASSWORD_PROVIDER_CLSID_VALUE),
        ] {
            assert_eq!(format_guid(value), text);
        }
    }

    #[test]
    fn keys_are_built_from_the_class_ids() {
        assert_eq!(
            PROVIDER_KEY,
            r"SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}"
        );
        assert_eq!(
            FILTER_KEY,
            r"SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Provider Filters\{0101B97F-830D-47C8-BFE7-C9CB2DB83703}"
        );
        assert_eq!(
            PROVIDER_CLASS_KEY,
            r"SOFTWARE\Classes\CLSID\{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}"
        );
        assert_eq!(SETTINGS_KEY, r"SOFTWARE\SsprWindowsLogon");
        assert_eq!(POLICY_KEY, r"SOFTWARE\Policies\SsprWindowsLogon");
    }

    #[test]
    fn upgrade_codes_are_distinct_braced_guids() {
        let [x64, x86] = Arch::ALL.map(Arch::upgrade_code);
        assert_ne!(x64, x86);
        for code in [x64, x86] {
            assert_eq!(format_guid(guid_value(code)), code);
        }
    }

    #[test]
    fn arch_names() {
        assert_eq!(Arch::ALL.map(Arch::name), ["x64", "x86"]);
        assert_eq!(Arch::X86.to_string(), "x86");
        assert_eq!(Arch::X64.rust_target(), "x86_64-win7-windows-gnu");
        assert_eq!(Arch::X86.msi_template(), "Intel;1033");
    }

    #[test]
    fn event_ids() {
        assert_eq!(EventId::ALL.map(EventId::id), [1, 2, 3]);
    }
}
