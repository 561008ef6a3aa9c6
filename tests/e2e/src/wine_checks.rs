//! What "installed" and "not installed" mean under Wine: the shared checks of [`crate::suite`]
//! with the Wine path's install folder and deviations on top. Used by the installer suite and
//! `upgrade_safety`.

use std::collections::BTreeMap;

use crate::config::{Arch, E2eConfig, Release};
use crate::package::Package;
use crate::probe::ProbeReport;
use crate::registry::{RegValue, RegValues};
use crate::suite;
use crate::wine::{WineArch, WinePrefix};
use anyhow::ensure;

pub use crate::suite::registered_products;
pub use crate::suite::PROVIDER_FIELDS;
pub use crate::suite::{
    assert_not_installed, expected_probe_report_with_link, install_dir, InstallDir, Settings,
};

/// What a test returns.
pub type TestResult = anyhow::Result<()>;

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

/// Wine's part of a refusal by a launch condition, after the shared check
/// (`crate::suite::properties::assert_refused_by_launch_condition`: 1603, the install stopped
/// in LaunchConditions, no other condition's message): `shown` are the condition messages the
/// log holds.
///
/// Wine deviation `launch message not logged`: Wine's msiexec shows a failed condition's message
/// only in a message box, which `/qn` suppresses, so the message never reaches the verbose log
/// (Windows logs it), and it ends the LaunchConditions action with `Return value 0` (Windows: 3).
/// What Wine's log does show is that LaunchConditions was the last action started: the install
/// stopped there. Which condition refused follows from the inputs: each caller changes one thing
/// only (see its doc comment). Under Wine the test asserts that no condition message is logged.
pub fn no_launch_message_logged(_message: &str, shown: &[String]) -> TestResult {
    ensure!(
        shown.is_empty(),
        "Wine deviation `launch message not logged` no longer holds (assert the message): {shown:?}"
    );
    Ok(())
}

/// Files (byte for byte the payload msiextract reads), registry (in the package's view, and
/// nothing in the other) and ARP entry of `package`: the shared checks, then Wine's two empty
/// ARP values ([`expected_arp`]).
pub fn assert_installed(prefix: &WinePrefix, package: &Package, settings: &Settings) -> TestResult {
    let payload = suite::payload_from_bytes(package.payload(&prefix.scratch_file("payload", "d"))?);
    suite::assert_installed(prefix, package, settings, &payload)?;
    assert_eq!(
        arp_entries(prefix)?,
        BTreeMap::from([(package.product_code.clone(), expected_arp(package))])
    );
    Ok(())
}

/// The Add/Remove Programs values that identify the product (dates and sizes left out) as
/// Wine writes them.
pub fn expected_arp(package: &Package) -> RegValues {
    let mut values = suite::expected_arp_identity(package);
    // The packages name no URL unless built with `dist --help-url`. Wine deviation: Wine's
    // msiexec writes HelpLink and URLInfoAbout as empty strings when ARPHELPLINK and
    // ARPURLINFOABOUT are unset (Windows leaves them out).
    for name in WINE_EMPTY_ARP_VALUES {
        values.insert(name.to_owned(), RegValue::sz(""));
    }
    values
}

/// The two ARP values Wine writes as empty strings when the package names no URL.
const WINE_EMPTY_ARP_VALUES: [&str; 2] = ["HelpLink", "URLInfoAbout"];

/// The Add/Remove Programs entries named SsprWindowsLogon, by product code, identity values
/// only: the shared list and Wine's two empty values.
pub fn arp_entries(prefix: &WinePrefix) -> anyhow::Result<BTreeMap<String, RegValues>> {
    let names: Vec<&str> = suite::ARP_IDENTITY
        .iter()
        .chain(&WINE_EMPTY_ARP_VALUES)
        .copied()
        .collect();
    suite::arp_entries(prefix, &names)
}

/// The probe's full report when the provider is installed at `dir` and works, with the default
/// `LinkText` of a plain install.
pub fn expected_probe_report(dir: &InstallDir, pointer_bits: u32) -> ProbeReport {
    expected_probe_report_with_link(dir, pointer_bits, "Forgot password?")
}
