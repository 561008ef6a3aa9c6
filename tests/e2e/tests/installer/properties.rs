//! MSI public properties: the command line wins, an upgrade keeps what the machine has, else the
//! default. The checks are the shared ones (`sspr_e2e::suite::properties`); Wine's deviations
//! (two empty ARP values, no launch condition message logged) are asserted on top.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::package::Package;
use sspr_e2e::suite::properties;
use sspr_e2e::wine::WinePrefix;

use crate::common::{self, Settings, TestResult};

/// The shared "installed" check plus Wine's ARP values ([`common::assert_installed`]).
fn installed_on(prefix: &WinePrefix) -> impl Fn(&Package, &Settings) -> TestResult + '_ {
    move |package, settings| common::assert_installed(prefix, package, settings)
}

/// `ENABLELOGGING=1 PORTALURL=... LINKTEXT=...` land; an upgrade without them keeps them (and
/// a `Disabled` set by hand); an upgrade with new values takes the new values.
pub fn command_line_properties_land_and_upgrades_keep_or_replace_them() -> TestResult {
    let previous = common::package(Release::Previous, Arch::X64)?;
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("properties")?;
    let installed = installed_on(&prefix);
    properties::command_line_properties_land_and_upgrades_keep_or_replace_them(
        &prefix,
        [&previous, &current, &next],
        &installed,
    )
}

/// `ENABLELOGGING` or `DISABLED` other than 0 or 1 is refused by the launch conditions; nothing
/// is installed. Which condition: each refused command line differs from one that installs in
/// the same prefix only in that property's value.
pub fn invalid_enablelogging_is_refused() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("invalid-property")?;
    properties::invalid_properties_are_refused(&prefix, &package, &common::no_launch_message_logged)
}

/// `DISABLED=1` on the msiexec command line (the kill switch at install time) lands as
/// `Disabled=1` beside the defaults.
pub fn disabled_on_the_command_line_lands() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("disabled-property")?;
    let installed = installed_on(&prefix);
    properties::disabled_on_the_command_line_lands(&prefix, &package, &installed)
}
