//! Silent install: files, registry in the 64-bit view, ARP entry, and COM activation by the probe
//! (the shared checks of `sspr_e2e::suite`, which the native runner runs too).

use anyhow::ensure;
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::suite;

use crate::common::{self, TestResult};

/// `msiexec /i x64.msi /qn` exits 0 and lays down exactly the payload and the values of docs/design.md, "MSI identity and properties".
pub fn silent_install_lays_down_files_and_registry_in_64bit_view() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("silent-install")?;
    // Wine 8 prefixes report Windows 7 SP1, so the default link text is Windows 7's.
    let version = prefix.windows_version()?;
    ensure!(
        version == "6.1.7601",
        "the prefix reports Windows {version}, not 7 SP1 (6.1.7601)"
    );
    let payload = suite::payload_from_bytes(package.payload(&prefix.scratch_file("payload", "d"))?);
    suite::silent_install(&prefix, &package, &payload)?;
    // Wine's two empty ARP values on top of the shared checks.
    common::assert_installed(&prefix, &package, &common::Settings::defaults(&prefix)?)
}

/// The probe creates the provider through COM from the installed path, the way LogonUI does;
/// before the install and after the uninstall the class is not registered at all.
pub fn probe_creates_provider_through_com_from_install_path() -> TestResult {
    let config = common::config()?;
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("com-activation")?;
    suite::probe_creates_provider_through_com(&prefix, &package, config.probe(Arch::X64))
}
