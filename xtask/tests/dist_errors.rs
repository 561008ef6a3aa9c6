//! Bad input to `cargo xtask dist`: a clear message, a non-zero exit, and nothing at any final
//! path. Each case fails before any build starts, so these run in milliseconds.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{Context, Result};

fn xtask(args: &[&str], path_env: Option<&Path>) -> Result<Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(args);
    if let Some(dir) = path_env {
        command.env("PATH", dir);
    }
    command.output().context("cannot run xtask")
}

/// `cargo xtask dist ARGS --out-dir OUT_DIR`.
fn dist_into(out_dir: &Path, args: &[&str], path_env: Option<&Path>) -> Result<Output> {
    let out_dir = out_dir
        .to_str()
        .with_context(|| format!("{} is not UTF-8", out_dir.display()))?;
    let mut all = vec!["dist"];
    all.extend(args);
    all.extend(["--out-dir", out_dir]);
    xtask(&all, path_env)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_no_artifacts(out: &Path) {
    for rel in [
        "x64/SsprWindowsLogon.PROD.msi",
        "x86/SsprWindowsLogon.PROD.msi",
        "SHA256SUMS",
        "dist-manifest.json",
    ] {
        assert!(!out.join(rel).exists(), "{rel} was written");
    }
}

#[test]
fn a_pre_release_version_is_refused_with_the_reason() -> Result<()> {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = dist_into(&dist, &["--version", "1.0.0-rc.1"], None)?;
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: --version: version `1.0.0-rc.1` is a pre-release"),
        "{text}"
    );
    assert!(
        text.contains("use a plain version such as `1.0.0`"),
        "{text}"
    );
    assert!(!dist.exists());
    Ok(())
}

#[test]
fn an_out_of_range_version_is_refused() -> Result<()> {
    let output = xtask(&["dist", "--version", "1.256.0", "--dry-run"], None)?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("minor 256 is above 255"),
        "{}",
        stderr(&output)
    );
    Ok(())
}

#[test]
fn missing_tools_are_named_one_per_line_with_their_package() -> Result<()> {
    let out = tempfile::tempdir().unwrap();
    let empty_path = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = dist_into(&dist, &["--no-setup"], Some(empty_path.path()))?;
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    for line in [
        "missing `x86_64-w64-mingw32-gcc`: install the Debian/Ubuntu package `gcc-mingw-w64-x86-64` (apt-get install gcc-mingw-w64-x86-64)",
        "missing `i686-w64-mingw32-gcc`: install the Debian/Ubuntu package `gcc-mingw-w64-i686` (apt-get install gcc-mingw-w64-i686)",
        "missing `wixl`: install the Debian/Ubuntu package `wixl` (apt-get install wixl)",
        "missing `msiinfo`: install the Debian/Ubuntu package `msitools` (apt-get install msitools)",
        "(--no-setup was given, so nothing was installed)",
    ] {
        assert!(text.lines().any(|l| l.ends_with(line)), "no line `{line}` in:\n{text}");
    }
    assert!(!dist.exists());
    Ok(())
}

#[test]
fn an_unwritable_output_folder_is_named() -> Result<()> {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let dist = file.join("dist");
    let output = dist_into(&dist, &["--no-setup", "--arch", "x64"], None)?;
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "cannot create the output folder {}",
            dist.display()
        )),
        "{text}"
    );
    assert!(text.contains("choose a writable --out-dir"), "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
    Ok(())
}

#[test]
fn the_wix_backend_is_refused_off_windows_before_building() -> Result<()> {
    let out = tempfile::tempdir().unwrap();
    let output = dist_into(out.path(), &["--backend", "wix"], None)?;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("runs only on Windows; on this machine use --backend wixl"));
    assert_no_artifacts(out.path());
    Ok(())
}

#[test]
fn dry_run_prints_the_plan_and_builds_nothing() -> Result<()> {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = dist_into(&dist, &["--dry-run", "--version", "2.3.4"], None)?;
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("dist plan: version 2.3.4, arches x64,x86, backend Wixl"),
        "{text}"
    );
    assert!(text.contains("wixl -a x64"), "{text}");
    assert!(text.contains("wixl -a x86"), "{text}");
    assert!(text.contains("-Zbuild-std=std,panic_unwind"), "{text}");
    assert!(text.contains("SsprWindowsLogon-2.3.4-x86.zip"), "{text}");
    assert!(!dist.exists());
    Ok(())
}
