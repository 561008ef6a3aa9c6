//! Silent install: files, registry in the 64-bit view, ARP entry, and COM activation by the probe.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::probe::ProbeReport;
use sspr_e2e::registry::RegView;
use sspr_e2e::POLICY_KEY;

use crate::common::{self, TestResult};

/// `msiexec /i x64.msi /qn` exits 0 and lays down exactly the payload and the values of docs/design.md, "MSI identity and properties".
pub fn silent_install_lays_down_files_and_registry_in_64bit_view() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("silent-install")?;
    let defaults = common::Settings::defaults(&prefix)?;
    common::assert_not_installed(&prefix)?;

    let run = prefix.install(&package, &[])?;
    common::assert_installed(&prefix, &package, &defaults)?;
    // Policies are the admins' to write; the MSI never creates them.
    assert_eq!(prefix.reg_query(POLICY_KEY, RegView::Bits64)?, None);
    assert_eq!(run.log()?.final_return_value(), Some(1));
    Ok(())
}

/// The probe creates the provider through COM from the installed path, the way LogonUI does;
/// before the install and after the uninstall the class is not registered at all.
pub fn probe_creates_provider_through_com_from_install_path() -> TestResult {
    let config = common::config()?;
    let package = common::package(Release::Current, Arch::X64)?;
    let probe = config.probe(Arch::X64);
    let prefix = common::prefix64("com-activation")?;
    let dir = common::install_dir(&prefix);

    assert_eq!(
        prefix.run_probe(probe)?,
        common::expected_probe_report_unregistered(64)
    );

    prefix.install(&package, &[])?;
    let report: ProbeReport = prefix.run_probe(probe)?;
    assert_eq!(report, common::expected_probe_report(&dir, 64));

    prefix.uninstall(&package)?;
    assert_eq!(
        prefix.run_probe(probe)?,
        common::expected_probe_report_unregistered(64)
    );
    Ok(())
}
