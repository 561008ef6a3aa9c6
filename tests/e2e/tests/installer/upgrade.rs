//! Major upgrade N -> N+1 replaces the product; a downgrade N+1 -> N is refused and changes nothing.

use std::collections::BTreeMap;

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::{Msiexec, INSTALL_FAILURE};
use sspr_e2e::snapshot;

use crate::common::{self, TestResult};

/// `/i next.msi` over the current version: exit 0, one product registered (the new one), the new
/// version's files and values, the old ARP entry gone.
pub fn major_upgrade_leaves_one_product_with_new_version() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    assert_eq!(
        current.upgrade_code, next.upgrade_code,
        "an upgrade needs one UpgradeCode"
    );
    assert_ne!(
        current.product_code, next.product_code,
        "a major upgrade needs a new ProductCode"
    );
    let prefix = common::prefix64("major-upgrade")?;
    let defaults = common::Settings::defaults(&prefix)?;

    prefix.install(&current, &[])?;
    common::assert_installed(&prefix, &current, &defaults)?;
    prefix.install(&next, &[])?;

    common::assert_installed(&prefix, &next, &defaults)?;
    assert_eq!(common::registered_products(&prefix)?.len(), 1);
    assert_eq!(
        prefix.reg_query(&current.uninstall_key(), prefix.native_view())?,
        None
    );

    // The upgraded product uninstalls as cleanly as a fresh one.
    prefix.uninstall(&next)?;
    common::assert_not_installed(&prefix)
}

/// `/i current.msi` over the next version: 1603 from the downgrade launch condition, and the
/// machine is exactly as it was (registry export and file listing).
pub fn downgrade_is_refused_with_1603_and_product_untouched() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("downgrade")?;
    let defaults = common::Settings::defaults(&prefix)?;

    prefix.install(&next, &[])?;
    let before = prefix.snapshot()?;

    let run = prefix.msiexec(&Msiexec::install(&current)?)?;
    assert_eq!(run.exit_code, INSTALL_FAILURE);
    let log = run.log()?;
    // Wine deviations: a failed install ends its log with "Return value 0" (Windows: 3), and the
    // launch condition's message is not written to the log under /qn (Windows logs it).
    assert_eq!(log.final_return_value(), Some(0));
    assert!(!log.contains("A newer version of SsprWindowsLogon is already installed"));
    assert!(log.contains(&format!("Found application: {}", next.product_code)));

    let diff = snapshot::diff(&before, &prefix.snapshot()?);
    assert!(
        diff.is_empty(),
        "the refused downgrade changed the machine:\n{diff}"
    );
    common::assert_installed(&prefix, &next, &defaults)?;
    assert_eq!(
        common::arp_entries(&prefix)?,
        BTreeMap::from([(next.product_code.clone(), common::expected_arp(&next))])
    );
    Ok(())
}
