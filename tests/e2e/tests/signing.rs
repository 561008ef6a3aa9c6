//! Signed builds: every shipped file of the signed `current` packages verifies against the
//! throw-away certificate `cargo xtask test` made; a wrong password, a missing key file and an
//! expired certificate each fail with a clear message, leave no artifact, and the password's
//! value never appears in what the build prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{ensure, Context, Result};

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set: run `cargo xtask test`"))
}

fn current_dist() -> Result<PathBuf> {
    Ok(PathBuf::from(env("SSPR_E2E_DIST")?).join("current"))
}

fn password() -> Result<String> {
    env(&env("SSPR_E2E_SIGNING_PASSWORD_ENV")?)
}

fn verify(file: &Path) -> Result<Output> {
    Command::new("osslsigncode")
        .args(["verify", "-CAfile", &env("SSPR_E2E_SIGNING_CERT")?, "-in"])
        .arg(file)
        .output()
        .context("cannot run osslsigncode")
}

fn assert_verifies(file: &Path) -> Result<()> {
    let output = verify(file)?;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} does not verify:\n{text}",
        file.display()
    );
    assert!(
        text.contains("Signature verification: ok"),
        "{}:\n{text}",
        file.display()
    );
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn every_shipped_file_of_the_signed_packages_verifies() -> Result<()> {
    for arch in ["x64", "x86"] {
        let msi = current_dist()?.join(arch).join("SsprWindowsLogon.PROD.msi");
        assert_verifies(&msi)?;
        let out = tempfile::tempdir().unwrap();
        let extracted = Command::new("msiextract")
            .arg("-C")
            .arg(out.path())
            .arg(&msi)
            .output()
            .expect("msiextract runs");
        assert!(
            extracted.status.success(),
            "{}",
            String::from_utf8_lossy(&extracted.stderr)
        );
        let listing = String::from_utf8_lossy(&extracted.stdout).into_owned();
        let mut checked = Vec::new();
        for line in listing.lines() {
            let path = out.path().join(line.trim().trim_start_matches('/'));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_verifies(&path)?;
            checked.push(name);
        }
        checked.sort();
        assert_eq!(
            checked,
            [
                "SsprCredentialProvider.dll",
                "SsprDiag.exe",
                "SsprResetHost.exe"
            ],
            "{arch}"
        );
    }
    Ok(())
}

/// A self-signed certificate that signed nothing here, in `dir`.
fn another_certificate(dir: &Path) -> Result<PathBuf> {
    let other = dir.join("other.pem");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Someone Else",
        ])
        .arg("-keyout")
        .arg(dir.join("other.key"))
        .arg("-out")
        .arg(&other)
        .output()
        .context("cannot run openssl")?;
    ensure!(
        made.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    Ok(other)
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn a_signature_does_not_verify_against_another_certificate() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let other = another_certificate(dir.path())?;
    let output = Command::new("osslsigncode")
        .args(["verify", "-CAfile"])
        .arg(&other)
        .arg("-in")
        .arg(current_dist()?.join("x64/SsprWindowsLogon.PROD.msi"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{text}");
    // Refused for the certificate chain (the signer is not the given CA), not for anything else:
    // the same file verifies against its own certificate.
    assert!(text.contains("Signature verification: failed"), "{text}");
    assert!(
        text.contains("Verify error: self-signed certificate"),
        "{text}"
    );
    assert_verifies(&current_dist()?.join("x64/SsprWindowsLogon.PROD.msi"))?;
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn the_manifest_records_signing_state_and_fingerprint() -> Result<()> {
    let fingerprint = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-in",
            &env("SSPR_E2E_SIGNING_CERT")?,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&fingerprint.stdout);
    let expected = text
        .trim()
        .split_once('=')
        .unwrap()
        .1
        .replace(':', "")
        .to_ascii_lowercase();
    let manifest = std::fs::read_to_string(current_dist()?.join("dist-manifest.json")).unwrap();
    assert!(manifest.contains("\"signed\": true"), "{manifest}");
    // Every MSI and payload binary names the certificate; the zips are not signed.
    assert_eq!(
        manifest
            .matches(&format!("\"certificate_sha256\": \"{expected}\""))
            .count(),
        1 + 2 * 4,
        "{manifest}"
    );
    let unsigned = std::fs::read_to_string(
        PathBuf::from(env("SSPR_E2E_DIST")?).join("previous/dist-manifest.json"),
    )
    .unwrap();
    assert!(unsigned.contains("\"signed\": false"), "{unsigned}");
    assert!(!unsigned.contains("\"signed\": true"), "{unsigned}");
    Ok(())
}

/// `cargo xtask dist --sign` with `key`, into a fresh folder; returns the output and the folder.
fn sign_with(key: &Path, password_value: &str) -> Result<(Output, tempfile::TempDir)> {
    sign_verifying_with(
        key,
        password_value,
        Path::new(&env("SSPR_E2E_SIGNING_CERT")?),
    )
}

/// [`sign_with`], verifying the signatures against `ca`.
fn sign_verifying_with(
    key: &Path,
    password_value: &str,
    ca: &Path,
) -> Result<(Output, tempfile::TempDir)> {
    let out = tempfile::tempdir().context("cannot create a temporary folder")?;
    let output = Command::new(env("SSPR_E2E_XTASK")?)
        .args(["dist", "--no-setup", "--arch", "x64", "--sign", "--pkcs12"])
        .arg(key)
        .args([
            "--pkcs12-password-env",
            "SSPR_E2E_THIS_TEST_PASSWORD",
            "--verify-ca",
        ])
        .arg(ca)
        .arg("--out-dir")
        .arg(out.path().join("dist"))
        .env("SSPR_E2E_THIS_TEST_PASSWORD", password_value)
        .output()
        .context("cannot run xtask")?;
    Ok((output, out))
}

fn assert_failed_cleanly(output: &Output, out: &Path, message: &str, secret: &str) -> Result<()> {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains(message), "expected `{message}` in:\n{all}");
    assert!(
        !all.contains(secret),
        "the password leaked into the output:\n{all}"
    );
    let dist = out.join("dist");
    for rel in [
        "x64/SsprWindowsLogon.PROD.msi",
        "SHA256SUMS",
        "dist-manifest.json",
        "SsprWindowsLogon-0.1.0-x64.zip",
    ] {
        assert!(!dist.join(rel).exists(), "{rel} was left at its final path");
    }
    if dist.exists() {
        let left: Vec<_> = std::fs::read_dir(&dist)
            .with_context(|| format!("cannot list {}", dist.display()))?
            .collect();
        assert!(left.is_empty(), "the output folder is not empty: {left:?}");
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn a_wrong_password_fails_clearly_without_leaking_it() -> Result<()> {
    let wrong = format!("{}-wrong", password()?);
    let (output, out) = sign_with(Path::new(&env("SSPR_E2E_SIGNING_P12")?), &wrong)?;
    assert_failed_cleanly(
        &output,
        out.path(),
        "with the given password (wrong password",
        &wrong,
    )?;
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn a_missing_key_file_fails_clearly() -> Result<()> {
    let missing = PathBuf::from(env("SSPR_E2E_SIGNING_P12")?).with_file_name("no-such-key.p12");
    let (output, out) = sign_with(&missing, &password()?)?;
    assert_failed_cleanly(
        &output,
        out.path(),
        "no-such-key.p12 does not exist",
        &password()?,
    )?;
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn an_expired_certificate_fails_clearly() -> Result<()> {
    let (output, out) = sign_with(Path::new(&env("SSPR_E2E_EXPIRED_P12")?), &password()?)?;
    assert_failed_cleanly(
        &output,
        out.path(),
        "expired on Jan  1 00:00:00 2021 GMT",
        &password()?,
    )?;
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn a_successful_signed_build_never_prints_the_password() -> Result<()> {
    let (output, out) = sign_with(Path::new(&env("SSPR_E2E_SIGNING_P12")?), &password()?)?;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{all}");
    assert!(!all.contains(&password()?), "the password leaked:\n{all}");
    assert!(all.contains("Verified 4 x64 signatures"), "{all}");
    let manifest = std::fs::read_to_string(out.path().join("dist/dist-manifest.json")).unwrap();
    assert!(!manifest.contains(&password()?));
    assert_verifies(&out.path().join("dist/x64/SsprWindowsLogon.PROD.msi"))?;
    Ok(())
}

/// Signing works but the signatures do not verify against the CA given (`--verify-ca`): dist
/// fails after signing, naming the file and osslsigncode's reason, and publishes nothing.
#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn a_signature_that_does_not_verify_fails_dist() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let other = another_certificate(dir.path())?;
    let (output, out) = sign_verifying_with(
        Path::new(&env("SSPR_E2E_SIGNING_P12")?),
        &password()?,
        &other,
    )?;
    assert_failed_cleanly(
        &output,
        out.path(),
        "SsprCredentialProvider.dll does not verify: ",
        &password()?,
    )?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("self-signed certificate"), "{stderr}");
    Ok(())
}
