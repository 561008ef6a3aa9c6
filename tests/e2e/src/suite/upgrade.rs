//! Major upgrade and refused downgrade over any machine (docs/design.md, "MSI identity and
//! properties"): `next` over `current` replaces the product; `current` over `next` is refused by
//! the downgrade condition and changes nothing.

use anyhow::ensure;

use crate::log::VerboseLog;
use crate::machine::Machine;
use crate::msiexec::{Msiexec, INSTALL_FAILURE};
use crate::package::Package;
use crate::suite::properties::AssertInstalled;
use crate::suite::{assert_not_installed, registered_products, Settings};

/// The start of the downgrade refusal's message (wix/SsprWindowsLogon.wxs, `MajorUpgrade`'s
/// `DowngradeErrorMessage`): Windows logs it, Wine does not.
pub const NEWER_INSTALLED: &str = "A newer version of SsprWindowsLogon is already installed";

/// `current` and `next` are one product's two releases: one UpgradeCode, two ProductCodes.
fn assert_releases(current: &Package, next: &Package) -> anyhow::Result<()> {
    ensure!(
        current.upgrade_code == next.upgrade_code,
        "an upgrade needs one UpgradeCode: {} and {}",
        current.upgrade_code,
        next.upgrade_code
    );
    ensure!(
        current.product_code != next.product_code,
        "a major upgrade needs a new ProductCode: {} is both {} and {}",
        current.product_code,
        current.path.display(),
        next.path.display()
    );
    Ok(())
}

/// `/i next.msi` over `current`: exit 0, one product registered (the new one), the new
/// version's files and values, the old ARP entry gone; the upgraded product uninstalls as
/// cleanly as a fresh one.
pub fn major_upgrade_leaves_one_product_with_new_version(
    machine: &dyn Machine,
    [current, next]: [&Package; 2],
    assert_installed: AssertInstalled<'_>,
) -> anyhow::Result<()> {
    assert_releases(current, next)?;
    let defaults = Settings::defaults(machine)?;
    machine.install(current, &[])?;
    assert_installed(current, &defaults)?;
    machine.install(next, &[])?;

    assert_installed(next, &defaults)?;
    assert_eq!(registered_products(machine)?.len(), 1);
    assert_eq!(
        machine.reg_query(&current.uninstall_key(), machine.native_view())?,
        None
    );
    machine.uninstall(next)?;
    assert_not_installed(machine)
}

/// `/i current.msi` over `next`: 1603, the log shows the newer product found, and the machine
/// is exactly as it was (the machine's snapshot) with `next` installed. Returns the log for the
/// machine's own expectations of how a refused install ends. Leaves `next` installed.
pub fn downgrade_is_refused_with_1603_and_product_untouched(
    machine: &dyn Machine,
    [current, next]: [&Package; 2],
    assert_installed: AssertInstalled<'_>,
) -> anyhow::Result<VerboseLog> {
    assert_releases(current, next)?;
    let defaults = Settings::defaults(machine)?;
    machine.install(next, &[])?;
    let before = machine.snapshot()?;

    let run = machine.msiexec(&Msiexec::install_path(machine.windows_path(&current.path)?))?;
    assert_eq!(run.exit_code, INSTALL_FAILURE, "`{}`", run.command_line);
    let log = run.log()?;
    assert!(
        log.contains(&format!("Found application: {}", next.product_code)),
        "{}",
        log.tail(40)
    );

    let diff = machine.diff(&before, &machine.snapshot()?);
    assert!(
        diff.is_empty(),
        "the refused downgrade changed {}:\n{diff}",
        machine.describe()
    );
    assert_installed(next, &defaults)?;
    Ok(log)
}
