//! Major upgrade N -> N+1 replaces the product; a downgrade N+1 -> N is refused and changes
//! nothing. The checks are the shared ones (`sspr_e2e::suite::upgrade`); Wine's deviations (two
//! empty ARP values, how a refused install's log ends) are asserted on top.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::package::Package;
use sspr_e2e::suite::upgrade::{self, NEWER_INSTALLED};
use sspr_e2e::wine::WinePrefix;

use crate::common::{self, Settings, TestResult};

/// The shared "installed" check plus Wine's ARP values ([`common::assert_installed`]).
fn installed_on(prefix: &WinePrefix) -> impl Fn(&Package, &Settings) -> TestResult + '_ {
    move |package, settings| common::assert_installed(prefix, package, settings)
}

/// `/i next.msi` over the current version: exit 0, one product registered (the new one), the new
/// version's files and values, the old ARP entry gone.
pub fn major_upgrade_leaves_one_product_with_new_version() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("major-upgrade")?;
    let installed = installed_on(&prefix);
    upgrade::major_upgrade_leaves_one_product_with_new_version(
        &prefix,
        [&current, &next],
        &installed,
    )
}

/// `/i current.msi` over the next version: 1603 from the downgrade launch condition, and the
/// machine is exactly as it was (registry export and file listing).
pub fn downgrade_is_refused_with_1603_and_product_untouched() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("downgrade")?;
    let installed = installed_on(&prefix);
    let log = upgrade::downgrade_is_refused_with_1603_and_product_untouched(
        &prefix,
        [&current, &next],
        &installed,
    )?;
    // Wine deviations: a failed install ends its log with "Return value 0" (Windows: 3), and the
    // launch condition's message is not written to the log under /qn (Windows logs it).
    assert_eq!(log.final_return_value(), Some(0));
    assert!(!log.contains(NEWER_INSTALLED));
    Ok(())
}
