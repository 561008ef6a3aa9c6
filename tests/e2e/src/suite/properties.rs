//! MSI public properties over any machine (docs/design.md, "MSI identity and properties"): the
//! command line wins, an upgrade keeps what the machine has, else the default; a value the
//! launch conditions (wix/launch.wxi) refuse installs nothing, as does the x86 package on 64-bit
//! Windows.

use anyhow::{ensure, Context as _};

use crate::config::Arch;
use crate::machine::Machine;
use crate::msiexec::{Msiexec, MsiexecRun, INSTALL_FAILURE};
use crate::package::Package;
use crate::registry::RegValue;
use crate::suite::{assert_not_installed, Settings};
use crate::SETTINGS_KEY;

/// How a caller checks "installed": the shared checks, plus its machine's own where it has any
/// (Wine: two empty ARP values).
pub type AssertInstalled<'a> = &'a dyn Fn(&Package, &Settings) -> anyhow::Result<()>;

/// wix/launch.wxi, compiled in: the native runner reads it on a machine without the sources.
const LAUNCH_WXI: &str = include_str!("../../../../wix/launch.wxi");

/// Every launch condition message of the packages, read from their source (wix/launch.wxi).
pub fn launch_messages() -> Vec<String> {
    LAUNCH_WXI
        .split("Message=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The one launch condition message that contains `words`.
pub fn launch_message(words: &str) -> anyhow::Result<String> {
    let all = launch_messages();
    let matching: Vec<&String> = all.iter().filter(|m| m.contains(words)).collect();
    ensure!(
        matching.len() == 1,
        "{} launch condition messages contain {words:?}: {all:#?}",
        matching.len()
    );
    Ok(matching[0].clone())
}

/// The run failed with 1603 in the LaunchConditions action (the last action the log shows
/// started), and no launch condition message but `message`'s is logged. Returns the condition
/// messages the log shows, for the machine's own expectation (Windows logs `message`; Wine
/// logs none: the Wine tests assert that deviation).
pub fn assert_refused_by_launch_condition(
    run: &MsiexecRun,
    message: &str,
) -> anyhow::Result<Vec<String>> {
    ensure!(
        run.exit_code == INSTALL_FAILURE,
        "`{}` exited {}, expected 1603",
        run.command_line,
        run.exit_code
    );
    let all = launch_messages();
    ensure!(
        all.iter().any(|m| m == message),
        "{message:?} is not a launch condition message of wix/launch.wxi"
    );
    let log = run.log()?;
    let last_started = log
        .text
        .lines()
        .rev()
        .filter_map(|line| line.strip_prefix("Action start "))
        .filter_map(|rest| rest.split_once(": ").map(|(_, action)| action))
        .find(|action| *action != "INSTALL.");
    ensure!(
        last_started == Some("LaunchConditions."),
        "the install stopped in {last_started:?}, not in LaunchConditions:\n{}",
        log.tail(40)
    );
    let shown: Vec<String> = all
        .into_iter()
        .filter(|candidate| {
            log.text
                .lines()
                .any(|line| line.contains(candidate.as_str()))
        })
        .collect();
    ensure!(
        shown.iter().all(|m| m == message),
        "another launch condition refused the install: {shown:?}, expected only {message:?}"
    );
    Ok(shown)
}

/// `ENABLELOGGING=2` and `DISABLED=yes` are each refused by their launch condition and install
/// nothing; the same command lines with valid values install (so each refused line differs from
/// one that installs only in that property's value). `logged(message, shown)` is the machine's
/// own check of the messages the log shows. Leaves the product installed.
pub fn invalid_properties_are_refused(
    machine: &dyn Machine,
    package: &Package,
    logged: &dyn Fn(&str, &[String]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let msi = machine.windows_path(&package.path)?;
    for (property, value, words) in [
        ("ENABLELOGGING", "2", "ENABLELOGGING"),
        ("DISABLED", "yes", "DISABLED"),
    ] {
        let run = machine.msiexec(&Msiexec::install_path(msi.clone()).property(property, value))?;
        let message = launch_message(words)?;
        let shown = assert_refused_by_launch_condition(&run, &message)
            .with_context(|| format!("{property}={value}"))?;
        logged(&message, &shown)?;
        assert_not_installed(machine)?;
    }
    machine.install(package, &[("ENABLELOGGING", "1"), ("DISABLED", "0")])?;
    Ok(())
}

/// `DISABLED=1` on the msiexec command line (the kill switch at install time) lands as
/// `Disabled=1` beside the defaults. Leaves the product installed.
pub fn disabled_on_the_command_line_lands(
    machine: &dyn Machine,
    package: &Package,
    assert_installed: AssertInstalled<'_>,
) -> anyhow::Result<()> {
    let expected = Settings {
        disabled: 1,
        ..Settings::defaults(machine)?
    };
    machine.install(package, &[("DISABLED", "1")])?;
    assert_installed(package, &expected)
}

/// `ENABLELOGGING=1 PORTALURL=... LINKTEXT=...` land with `previous`; an upgrade to `current`
/// without them keeps them (and a `Disabled` set by hand); an upgrade to `next` with new values
/// takes the new values. Leaves `next` installed.
pub fn command_line_properties_land_and_upgrades_keep_or_replace_them(
    machine: &dyn Machine,
    [previous, current, next]: [&Package; 3],
    assert_installed: AssertInstalled<'_>,
) -> anyhow::Result<()> {
    let admin = super::admin_settings();
    admin.install_with(machine, previous)?;
    assert_installed(previous, &admin)?;

    // An admin pulls the kill switch by hand; no upgrade may quietly turn the provider back on.
    let admin = Settings {
        disabled: 1,
        ..admin
    };
    machine.reg_add(
        SETTINGS_KEY,
        "Disabled",
        &RegValue::Dword(1),
        machine.native_view(),
    )?;

    // Upgrade with no properties: the values on the machine beat the defaults.
    machine.install(current, &[])?;
    assert_installed(current, &admin)?;

    // Upgrade with new values: the command line beats the machine.
    let changed = Settings {
        enable_logging: 0,
        portal_url: "https://reset.example.test/portal?tenant=contoso".into(),
        link_text: "Can't sign in? Reset your password".into(),
        disabled: 1,
    };
    changed.install_with(machine, next)?;
    assert_installed(next, &changed)
}

/// On 64-bit Windows the x86 package's launch condition refuses it (LogonUI there never loads a
/// 32-bit provider): 1603 in LaunchConditions, and the machine is exactly as before (its
/// snapshot). `logged` as in [`invalid_properties_are_refused`].
pub fn x86_package_is_refused_on_64bit_windows(
    machine: &dyn Machine,
    package: &Package,
    logged: &dyn Fn(&str, &[String]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    ensure!(
        package.arch == Arch::X86,
        "{} is not the x86 package",
        package.path.display()
    );
    let before = machine.snapshot()?;
    let run = machine.msiexec(&Msiexec::install_path(machine.windows_path(&package.path)?))?;
    let message = launch_message("this is 64-bit Windows")?;
    let shown = assert_refused_by_launch_condition(&run, &message)?;
    logged(&message, &shown)?;
    let diff = machine.diff(&before, &machine.snapshot()?);
    assert!(
        diff.is_empty(),
        "the refused x86 install changed {}:\n{diff}",
        machine.describe()
    );
    let x86 = machine.host_path(r"C:\Program Files (x86)\SsprWindowsLogon")?;
    assert!(!x86.exists(), "{} exists", x86.display());
    assert_not_installed(machine)
}
