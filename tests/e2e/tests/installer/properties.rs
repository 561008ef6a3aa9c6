//! MSI public properties: the command line wins, an upgrade keeps what the machine has, else the default.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::Msiexec;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::SETTINGS_KEY;

use crate::common::{self, Settings, TestResult};

/// `ENABLELOGGING=1 PORTALURL=... LINKTEXT=...` land; an upgrade without them keeps them (and
/// a `Disabled` set by hand); an upgrade with new values takes the new values.
pub fn command_line_properties_land_and_upgrades_keep_or_replace_them() -> TestResult {
    let previous = common::package(Release::Previous, Arch::X64)?;
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("properties")?;

    let admin = Settings {
        enable_logging: 1,
        portal_url: "https://sspr.example.test/".into(),
        link_text: "Reset my password".into(),
        disabled: 0,
    };
    admin.install_with(&prefix, &previous)?;
    common::assert_installed(&prefix, &previous, &admin)?;

    // An admin pulls the kill switch by hand; no upgrade may quietly turn the provider back on.
    let admin = Settings {
        disabled: 1,
        ..admin
    };
    prefix.reg_add(
        SETTINGS_KEY,
        "Disabled",
        &RegValue::Dword(1),
        RegView::Bits64,
    )?;

    // Upgrade with no properties: the values on the machine beat the defaults.
    prefix.install(&current, &[])?;
    common::assert_installed(&prefix, &current, &admin)?;

    // Upgrade with new values: the command line beats the machine.
    let changed = Settings {
        enable_logging: 0,
        portal_url: "https://reset.example.test/portal?tenant=contoso".into(),
        link_text: "Can't sign in? Reset your password".into(),
        disabled: 1,
    };
    changed.install_with(&prefix, &next)?;
    common::assert_installed(&prefix, &next, &changed)
}

/// `ENABLELOGGING` or `DISABLED` other than 0 or 1 is refused by the launch conditions; nothing
/// is installed. Which condition: each refused command line differs from one that installs in
/// the same prefix only in that property's value.
pub fn invalid_enablelogging_is_refused() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("invalid-property")?;
    let run = prefix.msiexec(&Msiexec::install(&package)?.property("ENABLELOGGING", "2"))?;
    common::assert_refused_by_launch_condition(&run, &common::launch_message("ENABLELOGGING")?)?;
    common::assert_not_installed(&prefix)?;
    let run = prefix.msiexec(&Msiexec::install(&package)?.property("DISABLED", "yes"))?;
    common::assert_refused_by_launch_condition(&run, &common::launch_message("DISABLED")?)?;
    common::assert_not_installed(&prefix)?;
    // The same command lines with valid values install.
    prefix.install(&package, &[("ENABLELOGGING", "1"), ("DISABLED", "0")])?;
    Ok(())
}

/// `DISABLED=1` on the msiexec command line (the kill switch at install time) lands as
/// `Disabled=1` beside the defaults.
pub fn disabled_on_the_command_line_lands() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("disabled-property")?;
    let expected = Settings {
        disabled: 1,
        ..Settings::defaults(&prefix)?
    };
    prefix.install(&package, &[("DISABLED", "1")])?;
    common::assert_installed(&prefix, &package, &expected)
}
