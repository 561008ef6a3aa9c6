//! `cargo xtask msi-diff` on the real packages: a package against its byte copy (no difference),
//! against a copy with one Property row changed (exactly that change, named by table, key and
//! column), and the same change accepted by an allow-list with its reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{ensure, Context, Result};

fn env(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set: run `cargo xtask test`"))
}

fn current_x64() -> Result<PathBuf> {
    Ok(env("SSPR_E2E_DIST")?
        .join("current")
        .join("x64")
        .join("SsprWindowsLogon.PROD.msi"))
}

fn msi_diff(a: &Path, b: &Path, allow: Option<&Path>) -> Result<Output> {
    let mut command = Command::new(env("SSPR_E2E_XTASK")?);
    command.arg("msi-diff").arg(a).arg(b);
    if let Some(allow) = allow {
        command.arg("--allow").arg(allow);
    }
    command.output().context("cannot run xtask msi-diff")
}

fn lines_starting(output: &Output, prefix: &str) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// A copy of the current x64 package with `ARPNOMODIFY` set to 0 by msitools' `msibuild`, which
/// rewrites the string pool. (The `msi` crate's `update_rows` on a wixl package changed every cell
/// holding the same string, four in all: msi-diff showed it, so the test edits with msibuild.)
fn changed_copy(dir: &Path) -> Result<PathBuf> {
    let copy = dir.join("changed.msi");
    let current = current_x64()?;
    std::fs::copy(&current, &copy)
        .with_context(|| format!("cannot copy {} to {}", current.display(), copy.display()))?;
    let status = Command::new("msibuild")
        .arg(&copy)
        .arg("-q")
        .arg("UPDATE `Property` SET `Value` = '0' WHERE `Property` = 'ARPNOMODIFY'")
        .status()
        .context("cannot run msibuild (msitools; `cargo xtask test` installs it)")?;
    ensure!(status.success(), "msibuild failed: {status}");
    Ok(copy)
}

#[test]
#[ignore = "needs the MSIs and xtask that cargo xtask test builds: run cargo xtask test"]
fn a_package_and_its_copy_do_not_differ() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.msi");
    std::fs::copy(current_x64()?, &copy).unwrap();
    let output = msi_diff(&current_x64()?, &copy, None)?;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(lines_starting(&output, "differs:"), Vec::<String>::new());
    assert_eq!(
        lines_starting(&output, "0 unexpected"),
        ["0 unexpected difference(s), 0 accepted"]
    );
    Ok(())
}

#[test]
#[ignore = "needs the MSIs and xtask that cargo xtask test builds: run cargo xtask test"]
fn one_changed_row_is_the_one_difference_named() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_copy(dir.path())?;
    let output = msi_diff(&current_x64()?, &changed, None)?;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        lines_starting(&output, "differs:"),
        ["differs: table Property: row [ARPNOMODIFY] column Value: A `1`, B `0`"]
    );
    Ok(())
}

#[test]
#[ignore = "needs the MSIs and xtask that cargo xtask test builds: run cargo xtask test"]
fn an_allowed_difference_is_printed_with_its_reason_and_passes() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_copy(dir.path())?;
    let allow = dir.path().join("allow.txt");
    std::fs::write(
        &allow,
        "# test\nProperty/ARPNOMODIFY/Value  the test changed it\n",
    )
    .unwrap();
    let output = msi_diff(&current_x64()?, &changed, Some(&allow))?;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        lines_starting(&output, "accepted:"),
        ["accepted: table Property: row [ARPNOMODIFY] column Value: A `1`, B `0` (the test changed it)"]
    );
    Ok(())
}

#[test]
#[ignore = "needs the MSIs and xtask that cargo xtask test builds: run cargo xtask test"]
fn a_file_that_is_not_a_package_is_an_error_naming_it() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.msi");
    std::fs::write(&bogus, b"not a package").unwrap();
    let output = msi_diff(&current_x64()?, &bogus, None)?;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bogus.msi is not a Windows Installer package"),
        "{stderr}"
    );
    Ok(())
}
