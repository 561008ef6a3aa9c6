//! Upgrades that go wrong, and what an uninstall leaves, under Wine:
//!
//! - the new version's install fails after the old version was removed (a package whose
//!   cabinet is missing: InstallFiles fails inside the script): rolled back on Windows, where
//!   the removal is inside the transaction; under Wine neither version is left (a named
//!   deviation, asserted as it is);
//! - a stray value stored on the machine (`Disabled` = 2, REG_DWORD) does not block the next
//!   upgrade: it is replaced by the default and the verbose log says so, while the same value
//!   given on the command line is still refused;
//! - the provider's log folder (`%ProgramData%\SsprWindowsLogon\logs`) goes on uninstall.
//!
//! Run by `cargo xtask test` like the installer suite (same `SSPR_E2E_*` variables), with the
//! same harness so the run removes its Wine templates after the last test. Like every
//! end-to-end test, ignored unless `--include-ignored` (or `--ignored`) is given.

use sspr_e2e::wine_checks as common;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use libtest_mimic::{Arguments, Failed, Trial};
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::machine::Machine as _;
use sspr_e2e::msiexec::{Msiexec, INSTALL_FAILURE, SUCCESS};
use sspr_e2e::package::Package;
use sspr_e2e::registry::RegValue;
use sspr_e2e::SETTINGS_KEY;

use common::TestResult;

/// The next version with its embedded cabinet renamed away: everything up to InstallFiles
/// works (launch conditions, FindRelatedProducts, RemoveExistingProducts), then InstallFiles
/// cannot find its source and the install fails with 1603.
fn broken_next(prefix: &sspr_e2e::wine::WinePrefix) -> anyhow::Result<Package> {
    let next = common::package(Release::Next, Arch::X64)?;
    let path = prefix.scratch_file("broken-next", "msi");
    std::fs::copy(&next.path, &path)?;
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .open(&path)?;
    let mut package = msi::Package::open(file)?;
    package.update_rows(
        msi::Update::table("Media")
            .set("Cabinet", msi::Value::Str("#missing.cab".into()))
            .with(msi::Expr::col("DiskId").eq(msi::Expr::integer(1))),
    )?;
    package.flush()?;
    drop(package);
    Package::open(&path, &next.version, Arch::X64)
}

/// With RemoveExistingProducts inside the transaction (right after InstallInitialize, before
/// any action that writes the script: Microsoft's "RemoveExistingProducts Action" page), Windows
/// removes the old version in the same transaction as the new install, so a failed install
/// rolls the removal back and the old version stays installed and working.
///
/// Wine deviation: Wine's RemoveExistingProducts runs the removal as a separate msiexec
/// process that commits at once (the log shows it end within the action), so when the new
/// version then fails, nothing restores the old one: the machine ends with neither version.
/// Asserted as it is; the schedule that gives Windows its rollback is asserted on the package.
fn a_failed_upgrade_rolls_back_and_under_wine_leaves_neither_version() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("upgrade-rollback")?;
    let defaults = common::Settings::defaults(&prefix)?;
    let broken = broken_next(&prefix)?;

    // The schedule: the old product is removed after InstallInitialize and before the first
    // action that writes the script (ProcessComponents), so inside the transaction.
    let sequence = broken.table("InstallExecuteSequence")?;
    let at = |action: &str| -> anyhow::Result<i32> {
        let actions = sequence.column("Action");
        let numbers = sequence.column("Sequence");
        let index = actions
            .iter()
            .position(|a| *a == action)
            .with_context(|| format!("no {action} in InstallExecuteSequence"))?;
        Ok(numbers[index].parse()?)
    };
    assert_eq!(
        (
            at("InstallInitialize")?,
            at("RemoveExistingProducts")?,
            at("ProcessComponents")?
        ),
        (1500, 1501, 1600)
    );

    prefix.install(&current, &[])?;
    common::assert_installed(&prefix, &current, &defaults)?;

    let run = prefix.msiexec(&Msiexec::install(&broken)?)?;
    let log = run.log()?;
    assert_eq!(run.exit_code, INSTALL_FAILURE, "{}", log.tail(40));
    assert!(log.contains(&format!("Found application: {}", current.product_code)));
    // The new version's install failed in InstallFiles (its cabinet is missing), after
    // RemoveExistingProducts had run.
    assert!(log.contains("Action ended") && log.contains("InstallFiles. Return value 0."));
    assert!(log.contains("RemoveExistingProducts. Return value 1."));

    // Wine deviation (above): the old version is gone with the failed new one. The failed
    // install itself rolled back: nothing of either version is left behind.
    common::assert_not_installed(&prefix)?;
    assert_eq!(common::registered_products(&prefix)?, Vec::<String>::new());
    assert_eq!(common::arp_entries(&prefix)?, BTreeMap::new());
    Ok(())
}

/// `Disabled` = 2 on the machine (set by hand or by a tool), then the next version: it
/// installs, `Disabled` is the default 0 again, and the verbose log names the action that
/// replaced the stray value. The same value on the command line is still refused.
fn a_stray_stored_value_does_not_block_the_upgrade() -> TestResult {
    let current = common::package(Release::Current, Arch::X64)?;
    let next = common::package(Release::Next, Arch::X64)?;
    let prefix = common::prefix64("stray-value")?;
    let defaults = common::Settings::defaults(&prefix)?;

    prefix.install(&current, &[])?;
    prefix.reg_add(
        SETTINGS_KEY,
        "Disabled",
        &RegValue::Dword(2),
        prefix.native_view(),
    )?;

    // Given on the command line, the invalid value is refused, and nothing changes.
    let refused = prefix.msiexec(&Msiexec::install(&next)?.property("DISABLED", "2"))?;
    assert_eq!(refused.exit_code, INSTALL_FAILURE);
    assert_eq!(
        prefix
            .reg_values(SETTINGS_KEY, prefix.native_view())?
            .and_then(|v| v.get("Disabled").cloned()),
        Some(RegValue::Dword(2))
    );

    // Read back from the registry, it is replaced by the default.
    let run = prefix.msiexec(&Msiexec::install(&next)?)?;
    let log = run.log()?;
    assert_eq!(run.exit_code, SUCCESS, "{}", log.tail(40));
    assert!(
        log.contains("StrayStoredDisabledReplacedByDefault"),
        "the log does not name the normalisation:\n{}",
        log.tail(80)
    );
    assert!(!log.contains("StrayStoredEnableLoggingReplacedByDefault"));
    common::assert_installed(&prefix, &next, &defaults)?;
    assert_eq!(common::registered_products(&prefix)?.len(), 1);
    Ok(())
}

/// With logging on, the provider writes into `%ProgramData%\SsprWindowsLogon\logs`; the
/// uninstall removes the files and both folders.
fn uninstall_removes_the_log_folder() -> TestResult {
    let config = common::config()?;
    let current = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("log-folder")?;
    prefix.install(&current, &[("ENABLELOGGING", "1")])?;
    prefix.run_probe(config.probe(Arch::X64))?;

    let data = prefix
        .drive_c()
        .join("ProgramData")
        .join("SsprWindowsLogon");
    let logs = data.join("logs");
    let written: Vec<String> = std::fs::read_dir(&logs)
        .with_context(|| format!("the provider wrote no log folder {}", logs.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(written, ["SsprCredentialProvider.log"]);

    prefix.uninstall(&current)?;
    assert!(!logs.exists(), "{} survived the uninstall", logs.display());
    assert!(!data.exists(), "{} survived the uninstall", data.display());
    common::assert_not_installed(&prefix)
}

macro_rules! trial {
    ($test:ident) => {
        Trial::test(stringify!($test), || {
            let started = Instant::now();
            let result = $test();
            eprintln!(
                "[sspr-e2e] {} took {:.1} s",
                stringify!($test),
                started.elapsed().as_secs_f64()
            );
            result.map_err(|error| Failed::from(format!("{error:#}")))
        })
        // Ignored by plain `cargo test`: needs the MSIs and Wine; `cargo xtask test` runs it
        // with --include-ignored.
        .with_ignored_flag(true)
    };
}

fn main() -> ExitCode {
    let mut arguments = Arguments::from_args();
    arguments.test_threads = arguments.test_threads.or(Some(2));
    if !arguments.ignored && !arguments.include_ignored && !arguments.list {
        println!(
            "sspr-e2e: every upgrade-safety trial is ignored: needs the MSIs, the COM probe and \
             Wine that cargo xtask test provides: run cargo xtask test"
        );
    }
    let conclusion = libtest_mimic::run(
        &arguments,
        vec![
            trial!(a_failed_upgrade_rolls_back_and_under_wine_leaves_neither_version),
            trial!(a_stray_stored_value_does_not_block_the_upgrade),
            trial!(uninstall_removes_the_log_folder),
        ],
    );
    sspr_e2e::wine::teardown();
    conclusion.exit_code()
}
