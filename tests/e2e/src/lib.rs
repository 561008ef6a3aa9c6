//! Wine fixture for the end-to-end installer tests.
//!
//! `cargo xtask test` builds three releases of both MSIs and the COM probe, then runs the suite in
//! `tests/installer` with the `SSPR_E2E_*` variables that [`config`] reads. Each test gets a
//! [`wine::WinePrefix`]: a private copy of a template prefix made once per run, so a test costs
//! seconds rather than a `wineboot`. Around it:
//!
//! - [`msiexec`]: command lines for install, uninstall, upgrade and repair, run through a batch
//!   file so the real 32-bit exit code comes back (docs/design.md, "Wine deviations");
//! - [`registry`]: `reg query` parsed into typed values, in an explicit 64- or 32-bit view;
//! - [`snapshot`]: whole-machine snapshots (registry export and `drive_c` listing) and their
//!   difference, with the short list of Wine's own noise;
//! - [`package`]: what `msiinfo`/`msiextract` read from a built MSI;
//! - [`probe`]: runs `sspr-com-probe.exe` and parses its `key=value` report;
//! - [`fake_password_provider`]: registers the probe package's stand-in for Windows' inbox
//!   password provider (Wine has none), so the provider's wrapping mode can run;
//! - [`fault_injection`]: the provider DLL built with its `fault-injection` feature;
//! - [`log`]: reads an `msiexec /l*v` log;
//! - [`diag`]: runs `SsprDiag.exe --json` and reads its report;
//! - [`process`]: runs host programs with a deadline;
//! - [`machine`]: the one interface the shared tests ([`suite`]) use, implemented for a Wine
//!   prefix ([`wine_machine`]) and, on Windows, for the machine itself (`native`: the native
//!   runner `sspr-e2e-native.exe`, tests/e2e-native);
//! - [`wine_checks`]: the shared checks with the Wine path's install folder and deviations on
//!   top, for the installer suite and `upgrade_safety`.

pub mod config;
pub mod diag;
pub mod fake_password_provider;
pub mod fault_injection;
pub mod log;
pub mod machine;
pub mod msiexec;
#[cfg(windows)]
pub mod native;
pub mod package;
pub mod probe;
pub mod process;
pub mod registry;
pub mod snapshot;
pub mod suite;
pub mod wine;
pub mod wine_checks;
pub mod wine_machine;

/// The provider's CLSID in registry form (docs/design.md, "MSI identity and properties").
pub const CLSID: &str = sspr_identity::PROVIDER_CLSID;

/// `HKCR\CLSID\{...}` as it lands on a machine: per-machine HKCR rows go to `HKLM\Software\Classes`.
pub const CLSID_KEY: &str = concat!(
    r"HKLM\Software\Classes\CLSID\",
    sspr_identity::provider_clsid!()
);

/// The key LogonUI enumerates to find credential providers: one subkey per provider.
pub const PROVIDERS_KEY: &str = concat!(r"HKLM\", sspr_identity::credential_providers_key!());

/// Our entry under [`PROVIDERS_KEY`].
pub const PROVIDER_KEY: &str = concat!(r"HKLM\", sspr_identity::provider_key!());

/// The credential provider filter's CLSID, the DLL's second class.
pub const FILTER_CLSID: &str = sspr_identity::FILTER_CLSID;

/// `HKCR\CLSID\{filter}` as it lands on a machine.
pub const FILTER_CLSID_KEY: &str = concat!(
    r"HKLM\Software\Classes\CLSID\",
    sspr_identity::filter_clsid!()
);

/// The key LogonUI enumerates to find credential provider filters.
pub const FILTER_KEY: &str = concat!(r"HKLM\", sspr_identity::filter_key!());

/// The Application event log source the provider reports under.
pub const EVENT_SOURCE_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\SsprCredentialProvider";

/// Internet Explorer's per-program rendering mode; the MSI sets the reset host's to IE11.
pub const BROWSER_EMULATION_KEY: &str =
    r"HKLM\SOFTWARE\Microsoft\Internet Explorer\Main\FeatureControl\FEATURE_BROWSER_EMULATION";

/// Settings written by the MSI.
pub const SETTINGS_KEY: &str = concat!(r"HKLM\", sspr_identity::settings_key!());

/// Group Policy overrides: written by admins, never by the MSI.
pub const POLICY_KEY: &str = concat!(r"HKLM\", sspr_identity::policy_key!());

/// Parent of the Add/Remove Programs entries.
pub const UNINSTALL_KEY: &str = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall";

/// The three payload binaries, as installed.
pub const PAYLOAD_FILES: [&str; 3] = [
    sspr_identity::PROVIDER_DLL,
    sspr_identity::DIAG_EXE,
    sspr_identity::RESET_HOST_EXE,
];

/// The portal the MSI configures when no `PORTALURL` is given.
pub const DEFAULT_PORTAL_URL: &str = "https://passwordreset.microsoftonline.com/";
