//! Wine fixture for the end-to-end installer tests.
//!
//! `cargo xtask test` builds three releases of both MSIs and the COM probe, then runs the suite in
//! `tests/installer` with the `SSPR_E2E_*` variables that [`config`] reads. Each test gets a
//! [`wine::WinePrefix`]: a private copy of a template prefix made once per run, so a test costs
//! seconds rather than a `wineboot`. Around it:
//!
//! - [`msiexec`]: command lines for install, uninstall, upgrade and repair, run through a batch
//!   file so the real 32-bit exit code comes back (DESIGN section 5);
//! - [`registry`]: `reg query` parsed into typed values, in an explicit 64- or 32-bit view;
//! - [`snapshot`]: whole-machine snapshots (registry export and `drive_c` listing) and their
//!   difference, with the short list of Wine's own noise;
//! - [`package`]: what `msiinfo`/`msiextract` read from a built MSI;
//! - [`probe`]: runs `sspr-com-probe.exe` and parses its `key=value` report;
//! - [`log`]: reads an `msiexec /l*v` log;
//! - [`process`]: runs host programs with a deadline.

pub mod config;
pub mod log;
pub mod msiexec;
pub mod package;
pub mod probe;
pub mod process;
pub mod registry;
pub mod snapshot;
pub mod wine;

/// The provider's CLSID in registry form (DESIGN section 2).
pub const CLSID: &str = "{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}";

/// `HKCR\CLSID\{...}` as it lands on a machine: per-machine HKCR rows go to `HKLM\Software\Classes`.
pub const CLSID_KEY: &str = r"HKLM\Software\Classes\CLSID\{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}";

/// The key LogonUI enumerates to find credential providers.
pub const PROVIDER_KEY: &str = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}";

/// Settings written by the MSI.
pub const SETTINGS_KEY: &str = r"HKLM\SOFTWARE\SsprWindowsLogon";

/// Group Policy overrides: written by admins, never by the MSI.
pub const POLICY_KEY: &str = r"HKLM\SOFTWARE\Policies\SsprWindowsLogon";

/// Parent of the Add/Remove Programs entries.
pub const UNINSTALL_KEY: &str = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall";

/// The three payload binaries, as installed.
pub const PAYLOAD_FILES: [&str; 3] = [
    "SsprCredentialProvider.dll",
    "SsprDiag.exe",
    "SsprResetHost.exe",
];

/// The portal the MSI configures when no `PORTALURL` is given.
pub const DEFAULT_PORTAL_URL: &str = "https://passwordreset.microsoftonline.com/";
