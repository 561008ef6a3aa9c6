//! Throw-away code-signing keys for the test suite, made with the `openssl` command line: a
//! valid self-signed certificate and an expired one, each as a password-protected PKCS#12.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::command::ToolCommand;

/// The keys and the password that opens both.
#[derive(Debug)]
pub struct TestKeys {
    /// Valid for 30 days from now; also the CA to verify signatures against.
    pub valid_p12: PathBuf,
    pub valid_cert: PathBuf,
    /// Valid from 2020-01-01 to 2021-01-01.
    pub expired_p12: PathBuf,
    pub password: String,
}

fn run(command: ToolCommand, what: &str) -> Result<()> {
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "making the test {what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// A password unique to this run (it must show up nowhere in the tests' captured output).
fn fresh_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("tk-{:x}-{}-p4ss", nanos, std::process::id())
}

pub fn make(dir: &Path) -> Result<TestKeys> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let password = fresh_password();
    let password_file = dir.join("password");
    fs::write(&password_file, &password)?;
    let passfile = format!("file:{}", password_file.display());

    run(
        ToolCommand::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            ])
            .args(["-subj", "/CN=SsprWindowsLogon Test Signing"])
            .args(["-addext", "extendedKeyUsage=codeSigning"])
            .args(["-keyout", "valid.key", "-out", "valid.pem"])
            .cwd(dir),
        "certificate",
    )?;
    run(pkcs12(dir, "valid", &passfile), "PKCS#12")?;

    // `openssl req -x509` cannot back-date; `openssl ca -selfsign` takes explicit dates.
    fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n\
         [ext]\nextendedKeyUsage = codeSigning\n",
    )?;
    fs::write(dir.join("index.txt"), "")?;
    fs::write(dir.join("serial"), "01\n")?;
    run(
        ToolCommand::new("openssl")
            .args([
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "expired.key",
            ])
            .args([
                "-out",
                "expired.csr",
                "-subj",
                "/CN=SsprWindowsLogon Expired Test Signing",
            ])
            .cwd(dir),
        "expired certificate request",
    )?;
    run(
        ToolCommand::new("openssl")
            .args([
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-selfsign",
                "-keyfile",
                "expired.key",
            ])
            .args([
                "-in",
                "expired.csr",
                "-out",
                "expired.pem",
                "-extensions",
                "ext",
            ])
            .args([
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20210101000000Z",
            ])
            .cwd(dir),
        "expired certificate",
    )?;
    run(pkcs12(dir, "expired", &passfile), "expired PKCS#12")?;
    fs::remove_file(&password_file)?;
    Ok(TestKeys {
        valid_p12: dir.join("valid.p12"),
        valid_cert: dir.join("valid.pem"),
        expired_p12: dir.join("expired.p12"),
        password,
    })
}

/// `openssl pkcs12 -export` of `NAME.pem` and `NAME.key` into `NAME.p12`, run in `dir`.
fn pkcs12(dir: &Path, name: &str, passout: &str) -> ToolCommand {
    ToolCommand::new("openssl")
        .args(["pkcs12", "-export"])
        .args(["-in", &format!("{name}.pem")])
        .args(["-inkey", &format!("{name}.key")])
        .args(["-out", &format!("{name}.p12")])
        .arg("-passout")
        .arg(passout)
        .cwd(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs12_exports_the_named_pair_with_the_password_from_a_file() {
        assert_eq!(
            pkcs12(Path::new("/k"), "expired", "file:/k/password").arg_strings(),
            [
                "pkcs12",
                "-export",
                "-in",
                "expired.pem",
                "-inkey",
                "expired.key",
                "-out",
                "expired.p12",
                "-passout",
                "file:/k/password"
            ]
        );
    }
}
