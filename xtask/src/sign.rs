//! Authenticode signing: which files get signed (one function decides), the signing and
//! verification command lines (osslsigncode on Linux, signtool on Windows), and the key
//! checks made before any build starts.
//!
//! The key's password never reaches a command line on Linux (osslsigncode reads it from a file
//! with `-readpass`), never appears in output, logs, the manifest or an error: every message
//! that could carry tool output goes through [`Secret::scrub`].

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::command::{printed, ToolCommand};

/// A secret string: `Debug`/`Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where the signing key lives.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A PKCS#12 file and its password.
    Pkcs12 { path: PathBuf, password: Secret },
    /// A hardware key through a PKCS#11 module: the key's URI, the certificate (file or URI),
    /// and the PIN if the URI does not carry one.
    Pkcs11 {
        module: PathBuf,
        key_uri: String,
        cert: String,
        pin: Option<Secret>,
    },
}

#[derive(Clone, Debug)]
pub struct SigningConfig {
    pub key: KeySource,
    /// RFC 3161 timestamp server; without one the signature is only valid while the
    /// certificate is, and the output is reproducible.
    pub timestamp_url: Option<String>,
    /// CA certificates (PEM) to verify against; default: the system store.
    pub verify_ca: Option<PathBuf>,
    /// The signing time recorded in the signature (Unix seconds): `SOURCE_DATE_EPOCH` for an
    /// untimestamped build, so signing the same input twice gives the same bytes.
    pub signing_time: Option<u64>,
}

impl SigningConfig {
    pub fn secret(&self) -> Option<&Secret> {
        match &self.key {
            KeySource::Pkcs12 { password, .. } => Some(password),
            KeySource::Pkcs11 { pin, .. } => pin.as_ref(),
        }
    }

    /// Removes the secret from `text`, if there is one.
    pub fn scrub(&self, text: &str) -> String {
        self.secret()
            .map_or_else(|| text.to_owned(), |s| s.scrub(text))
    }
}

/// The environment variable `--pkcs12`'s password is read from by default.
pub const PASSWORD_ENV: &str = "SSPR_SIGNING_PASSWORD";

/// Signing options of `cargo xtask dist`. There is deliberately no option that takes a
/// password or PIN itself: command lines end up in shell histories and process lists.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SigningArgs {
    /// Authenticode-sign the DLL, the EXEs and the MSIs, then verify every signature.
    #[arg(long)]
    pub sign: bool,
    /// The signing key and certificate as a PKCS#12 (.p12/.pfx) file.
    #[arg(long, value_name = "PATH")]
    pub pkcs12: Option<PathBuf>,
    /// The environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", default_value = PASSWORD_ENV)]
    pub pkcs12_password_env: String,
    /// A file holding the PKCS#12 password (instead of the environment variable).
    #[arg(long, value_name = "PATH")]
    pub pkcs12_password_file: Option<PathBuf>,
    /// The PKCS#11 module of a hardware key (e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so).
    #[arg(long, value_name = "PATH")]
    pub pkcs11_module: Option<PathBuf>,
    /// The key's PKCS#11 URI (pkcs11:token=...;object=...).
    #[arg(long, value_name = "URI")]
    pub pkcs11_key: Option<String>,
    /// The signing certificate that goes with the PKCS#11 key (PEM or DER file).
    #[arg(long, value_name = "PATH")]
    pub pkcs11_cert: Option<String>,
    /// The environment variable holding the token PIN, if the URI does not carry it.
    #[arg(long, value_name = "VAR")]
    pub pkcs11_pin_env: Option<String>,
    /// An RFC 3161 timestamp server (without one, signed builds stay reproducible).
    #[arg(long, value_name = "URL")]
    pub timestamp_url: Option<String>,
    /// CA certificates (PEM) to verify the signatures against (default: the system store).
    #[arg(long, value_name = "PATH")]
    pub verify_ca: Option<PathBuf>,
}

impl SigningArgs {
    /// The same options as command-line arguments, to pass on to another `cargo xtask dist`
    /// (secrets stay in the environment or their files, never in these arguments).
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        let mut push = |flag: &str, value: Option<std::ffi::OsString>| {
            if let Some(value) = value {
                args.push(flag.into());
                args.push(value);
            }
        };
        push("--pkcs12", self.pkcs12.clone().map(Into::into));
        push(
            "--pkcs12-password-env",
            self.sign.then(|| self.pkcs12_password_env.clone().into()),
        );
        push(
            "--pkcs12-password-file",
            self.pkcs12_password_file.clone().map(Into::into),
        );
        push(
            "--pkcs11-module",
            self.pkcs11_module.clone().map(Into::into),
        );
        push("--pkcs11-key", self.pkcs11_key.clone().map(Into::into));
        push("--pkcs11-cert", self.pkcs11_cert.clone().map(Into::into));
        push(
            "--pkcs11-pin-env",
            self.pkcs11_pin_env.clone().map(Into::into),
        );
        push(
            "--timestamp-url",
            self.timestamp_url.clone().map(Into::into),
        );
        push("--verify-ca", self.verify_ca.clone().map(Into::into));
        if self.sign {
            args.insert(0, "--sign".into());
        }
        args
    }

    /// The signing configuration, `None` for an unsigned build; errors name the option to fix.
    pub fn into_config(self) -> Result<Option<SigningConfig>> {
        let pkcs11 =
            self.pkcs11_module.is_some() || self.pkcs11_key.is_some() || self.pkcs11_cert.is_some();
        if !self.sign {
            if self.pkcs12.is_some() || pkcs11 || self.timestamp_url.is_some() {
                bail!("signing options were given without --sign: add --sign to sign this build");
            }
            return Ok(None);
        }
        let key = match (self.pkcs12, pkcs11) {
            (Some(_), true) => bail!("--sign takes one key: --pkcs12 or the --pkcs11-* options, not both"),
            (None, false) => bail!(
                "--sign needs a key: --pkcs12 PATH (password in ${PASSWORD_ENV} or --pkcs12-password-file), or --pkcs11-module, --pkcs11-key and --pkcs11-cert"
            ),
            (Some(path), false) => {
                let password = match &self.pkcs12_password_file {
                    Some(file) => fs::read_to_string(file)
                        .map(|text| text.trim_end_matches(['\r', '\n']).to_owned())
                        .with_context(|| format!("cannot read the password file {} (--pkcs12-password-file)", file.display()))?,
                    None => std::env::var(&self.pkcs12_password_env).map_err(|_| {
                        anyhow::anyhow!(
                            "the PKCS#12 password is read from the environment variable {} (or a file with --pkcs12-password-file), and it is not set",
                            self.pkcs12_password_env
                        )
                    })?,
                };
                KeySource::Pkcs12 { path, password: Secret::new(password) }
            }
            (None, true) => {
                let (Some(module), Some(key_uri), Some(cert)) = (self.pkcs11_module, self.pkcs11_key, self.pkcs11_cert) else {
                    bail!("a PKCS#11 key needs all three of --pkcs11-module, --pkcs11-key and --pkcs11-cert");
                };
                let pin = match self.pkcs11_pin_env {
                    Some(var) => Some(Secret::new(std::env::var(&var).map_err(|_| {
                        anyhow::anyhow!("--pkcs11-pin-env names {var}, which is not set")
                    })?)),
                    None => None,
                };
                KeySource::Pkcs11 { module, key_uri, cert, pin }
            }
        };
        Ok(Some(SigningConfig {
            key,
            timestamp_url: self.timestamp_url,
            verify_ca: self.verify_ca,
            signing_time: None,
        }))
    }
}

/// The description and URL shown in Windows' signature dialog.
pub const DESCRIPTION: &str = "SsprWindowsLogon";
pub const INFO_URL: &str = "https://github.com/ssprwindowslogon/ssprwindowslogon";

/// The one place that decides what gets signed: Windows executables, DLLs and packages.
/// Zips, checksums and the manifest are covered by `SHA256SUMS` instead.
pub fn is_signable(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    matches!(ext.as_deref(), Some("exe" | "dll" | "msi"))
}

/// `osslsigncode sign`. `password_file` holds the PKCS#12 password or PKCS#11 PIN.
pub fn osslsigncode_sign(
    config: &SigningConfig,
    password_file: Option<&Path>,
    input: &Path,
    output: &Path,
) -> ToolCommand {
    let mut command = ToolCommand::new("osslsigncode").arg("sign");
    match &config.key {
        KeySource::Pkcs12 { path, .. } => command = command.arg("-pkcs12").arg(path),
        KeySource::Pkcs11 {
            module,
            key_uri,
            cert,
            ..
        } => {
            command = command
                .arg("-pkcs11module")
                .arg(module)
                .arg("-pkcs11cert")
                .arg(cert)
                .arg("-key")
                .arg(key_uri)
        }
    }
    if let Some(file) = password_file {
        command = command.arg("-readpass").arg(file);
    }
    command = command.args(["-h", "sha256", "-n", DESCRIPTION, "-i", INFO_URL]);
    match (&config.timestamp_url, config.signing_time) {
        (Some(url), _) => command = command.arg("-ts").arg(url),
        (None, Some(time)) => command = command.arg("-time").arg(time.to_string()),
        (None, None) => {}
    }
    command.arg("-in").arg(input).arg("-out").arg(output)
}

/// `osslsigncode verify`, against `verify_ca` when given.
pub fn osslsigncode_verify(config: &SigningConfig, file: &Path) -> ToolCommand {
    let mut command = ToolCommand::new("osslsigncode").arg("verify");
    if let Some(ca) = &config.verify_ca {
        command = command.arg("-CAfile").arg(ca);
    }
    command.arg("-in").arg(file)
}

/// `signtool sign` on Windows. signtool takes a PKCS#12 password only as `/p`, so there it is
/// an argument (visible to the user's own processes) but still never printed: the caller
/// scrubs. Hardware keys on Windows go through their vendor's CSP, which this build does not
/// drive yet.
pub fn signtool_sign(config: &SigningConfig, file: &Path) -> Result<ToolCommand> {
    let KeySource::Pkcs12 { path, password } = &config.key else {
        bail!("on Windows, --pkcs11-* keys are not supported yet: sign with --pkcs12, or build on Linux where osslsigncode drives PKCS#11");
    };
    let mut command = ToolCommand::new("signtool")
        .args([
            "sign",
            "/fd",
            "SHA256",
            "/d",
            DESCRIPTION,
            "/du",
            INFO_URL,
            "/f",
        ])
        .arg(path)
        .arg("/p")
        .arg(password.expose())
        .redact(password.expose());
    if let Some(url) = &config.timestamp_url {
        command = command.arg("/tr").arg(url).args(["/td", "SHA256"]);
    }
    Ok(command.arg(file))
}

/// `signtool verify /pa` (the default Authenticode policy, as Windows applies it).
pub fn signtool_verify(file: &Path) -> ToolCommand {
    ToolCommand::new("signtool")
        .args(["verify", "/pa", "/v"])
        .arg(file)
}

/// What the certificate check found: the fingerprint recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// SHA-256 of the DER certificate, lower-case hex without separators.
    pub sha256: String,
    pub subject: String,
    pub not_after: String,
}

/// Parses `openssl x509 -noout -fingerprint -sha256 -subject -enddate` output.
pub fn parse_x509_text(text: &str) -> Option<CertificateInfo> {
    let mut sha256 = None;
    let mut subject = None;
    let mut not_after = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some((key, value)) = line.split_once('=') {
            let key = key.trim();
            if key.to_ascii_lowercase().contains("sha256 fingerprint") {
                sha256 = Some(value.replace(':', "").to_ascii_lowercase());
            } else if key == "subject" {
                subject = Some(value.trim().to_owned());
            } else if key == "notAfter" {
                not_after = Some(value.trim().to_owned());
            }
        }
    }
    Some(CertificateInfo {
        sha256: sha256?,
        subject: subject?,
        not_after: not_after?,
    })
}

/// A file holding the secret for osslsigncode's `-readpass`, readable by the owner only,
/// removed on drop.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    pub fn write(dir: &Path, secret: &Secret) -> Result<Self> {
        let path = dir.join(format!(".signing-secret-{}", std::process::id()));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&path)
            .with_context(|| format!("cannot create a private file in {}", dir.display()))?;
        std::io::Write::write_all(&mut file, secret.expose().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Opens the key with `openssl` before anything is built, so a wrong password, a missing
/// file or an expired certificate fail in a second with a clear message.
pub fn check_key(config: &SigningConfig, scratch: &Path) -> Result<CertificateInfo> {
    let pem = match &config.key {
        KeySource::Pkcs12 { path, password } => {
            if !path.is_file() {
                bail!("the PKCS#12 key file {} does not exist: pass the path of your .p12/.pfx with --pkcs12", path.display());
            }
            let secret = SecretFile::write(scratch, password)?;
            let output = ToolCommand::new("openssl")
                .args(["pkcs12", "-nokeys", "-clcerts", "-in"])
                .arg(path)
                .arg("-passin")
                .arg(format!("file:{}", secret.path().display()))
                .output()?;
            if !output.status.success() {
                bail!(
                    "cannot open the PKCS#12 key file {} with the given password (wrong password, or not a PKCS#12 file): {}",
                    path.display(),
                    config.scrub(String::from_utf8_lossy(&output.stderr).lines().next().unwrap_or("").trim())
                );
            }
            output.stdout
        }
        KeySource::Pkcs11 { cert, .. } => {
            let path = Path::new(cert);
            if !path.is_file() {
                bail!("the PKCS#11 certificate {cert} is not a file: pass the signing certificate (PEM or DER) with --pkcs11-cert");
            }
            fs::read(path).with_context(|| format!("cannot read {cert}"))?
        }
    };
    let pem_path = scratch.join(format!(".signing-cert-{}.pem", std::process::id()));
    fs::write(&pem_path, &pem).with_context(|| format!("cannot write {}", pem_path.display()))?;
    let checked = describe_certificate(&pem_path);
    let _ = fs::remove_file(&pem_path);
    let (info, still_valid) = checked?;
    if !still_valid && config.timestamp_url.is_none() {
        bail!(
            "the signing certificate ({}) expired on {}: signatures made with it would not verify; renew it",
            info.subject,
            info.not_after
        );
    }
    Ok(info)
}

/// The certificate's fingerprint, subject and end date, and whether it is still valid now
/// (`-checkend 0`).
fn describe_certificate(pem: &Path) -> Result<(CertificateInfo, bool)> {
    let output = ToolCommand::new("openssl")
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-subject",
            "-enddate",
            "-nameopt",
            "RFC2253",
            "-in",
        ])
        .arg(pem)
        .output()?;
    if !output.status.success() {
        bail!(
            "the signing certificate could not be read: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let info = parse_x509_text(&text).with_context(|| {
        format!("unexpected openssl output for the signing certificate: {text}")
    })?;
    let valid = ToolCommand::new("openssl")
        .args(["x509", "-noout", "-checkend", "0", "-in"])
        .arg(pem)
        .output()?
        .status
        .success();
    Ok((info, valid))
}

/// Signs `file` in place with the platform's tool: signtool on Windows, osslsigncode elsewhere.
pub fn sign_file(config: &SigningConfig, password_file: Option<&Path>, file: &Path) -> Result<()> {
    if cfg!(windows) {
        run_scrubbed(
            config,
            &signtool_sign(config, file)?,
            &format!("signing {}", file.display()),
        )
    } else {
        sign_in_place(config, password_file, file)
    }
}

/// Verifies `file`'s signature with the platform's tool.
pub fn verify_file(config: &SigningConfig, file: &Path) -> Result<()> {
    if cfg!(windows) {
        run_scrubbed(
            config,
            &signtool_verify(file),
            &format!("verifying {}", file.display()),
        )
    } else {
        verify(config, file)
    }
}

fn run_scrubbed(config: &SigningConfig, command: &ToolCommand, what: &str) -> Result<()> {
    let output = command.output()?;
    if !output.status.success() {
        bail!("{what} failed: {}", config.scrub(printed(&output).trim()));
    }
    Ok(())
}

/// Signs `file` in place (through a temporary `.signed` file beside it) with osslsigncode.
fn sign_in_place(config: &SigningConfig, password_file: Option<&Path>, file: &Path) -> Result<()> {
    let mut signed = file.as_os_str().to_owned();
    signed.push(".signed");
    let signed = PathBuf::from(signed);
    let command = osslsigncode_sign(config, password_file, file, &signed);
    run_scrubbed(config, &command, &format!("signing {}", file.display())).inspect_err(|_| {
        let _ = fs::remove_file(&signed);
    })?;
    fs::rename(&signed, file)
        .with_context(|| format!("cannot replace {} with its signed copy", file.display()))
}

/// Replaces `file` by `file` with the signature of `signed` attached (osslsigncode
/// `extract-signature`, then `attach-signature`), through files in `work`.
pub fn graft_signature(signed: &Path, file: &Path, work: &Path) -> Result<()> {
    fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    let signature = work.join("signature.der");
    let grafted = work.join("grafted");
    for path in [&signature, &grafted] {
        let _ = fs::remove_file(path);
    }
    let output = ToolCommand::new("osslsigncode")
        .arg("extract-signature")
        .arg("-in")
        .arg(signed)
        .arg("-out")
        .arg(&signature)
        .output()?;
    if !signature.is_file() {
        bail!(
            "cannot extract the signature of {}: {}",
            signed.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    // attach-signature also verifies the result, which fails without the signer's CA: whether
    // it wrote the file is what counts, and the caller checks the digest.
    let output = ToolCommand::new("osslsigncode")
        .arg("attach-signature")
        .arg("-sigin")
        .arg(&signature)
        .arg("-in")
        .arg(file)
        .arg("-out")
        .arg(&grafted)
        .output()?;
    if !grafted.is_file() {
        bail!(
            "cannot attach the signature of {} to {}: {}",
            signed.display(),
            file.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    fs::rename(&grafted, file)
        .with_context(|| format!("cannot replace {} with its grafted copy", file.display()))
}

/// Verifies `file`'s signature; the error carries osslsigncode's reason.
fn verify(config: &SigningConfig, file: &Path) -> Result<()> {
    let output = osslsigncode_verify(config, file).output()?;
    let text = printed(&output);
    if !output.status.success() || !text.contains("Signature verification: ok") {
        let reason: Vec<&str> = text
            .lines()
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                l.contains("fail")
                    || l.contains("error")
                    || l.contains("expired")
                    || l.contains("mismatch")
            })
            .take(4)
            .collect();
        bail!(
            "the signature of {} does not verify: {}",
            file.display(),
            config.scrub(&reason.join("; "))
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkcs12(timestamp: Option<&str>) -> SigningConfig {
        SigningConfig {
            key: KeySource::Pkcs12 {
                path: "/keys/release.p12".into(),
                password: Secret::new("hunter2".into()),
            },
            timestamp_url: timestamp.map(str::to_owned),
            verify_ca: Some("/keys/ca.pem".into()),
            signing_time: Some(1_700_000_000),
        }
    }

    #[test]
    fn no_sign_no_config_and_stray_options_are_refused() {
        assert!(SigningArgs::default().into_config().unwrap().is_none());
        let stray = SigningArgs {
            pkcs12: Some("k.p12".into()),
            ..SigningArgs::default()
        };
        assert!(stray
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("without --sign"));
    }

    #[test]
    fn sign_needs_exactly_one_key() {
        let none = SigningArgs {
            sign: true,
            ..SigningArgs::default()
        };
        assert!(none
            .into_config()
            .unwrap_err()
            .to_string()
            .starts_with("--sign needs a key"));
        let both = SigningArgs {
            sign: true,
            pkcs12: Some("k.p12".into()),
            pkcs11_key: Some("pkcs11:x".into()),
            ..SigningArgs::default()
        };
        assert!(both
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("not both"));
        let partial = SigningArgs {
            sign: true,
            pkcs11_key: Some("pkcs11:x".into()),
            ..SigningArgs::default()
        };
        assert!(partial
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("all three"));
    }

    #[test]
    fn password_comes_from_a_file_or_a_named_variable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        fs::write(&file, "from-file\n").unwrap();
        let args = SigningArgs {
            sign: true,
            pkcs12: Some("k.p12".into()),
            pkcs12_password_file: Some(file),
            ..SigningArgs::default()
        };
        let config = args.into_config().unwrap().unwrap();
        assert_eq!(config.secret().map(Secret::expose), Some("from-file"));
        let unset = SigningArgs {
            sign: true,
            pkcs12: Some("k.p12".into()),
            pkcs12_password_env: "SSPR_TEST_SURELY_UNSET".into(),
            ..SigningArgs::default()
        };
        let err = unset.into_config().unwrap_err().to_string();
        assert!(
            err.contains("environment variable SSPR_TEST_SURELY_UNSET"),
            "{err}"
        );
    }

    #[test]
    fn forwards_options_without_secrets() {
        let args = SigningArgs {
            sign: true,
            pkcs12: Some("/k/a.p12".into()),
            pkcs12_password_env: "PW".into(),
            verify_ca: Some("/k/ca.pem".into()),
            ..SigningArgs::default()
        };
        let forwarded: Vec<String> = args
            .to_args()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            forwarded,
            [
                "--sign",
                "--pkcs12",
                "/k/a.p12",
                "--pkcs12-password-env",
                "PW",
                "--verify-ca",
                "/k/ca.pem"
            ]
        );
        assert!(SigningArgs::default().to_args().is_empty());
    }

    #[test]
    fn signs_binaries_and_packages_only() {
        for yes in [
            "a/SsprCredentialProvider.dll",
            "SsprDiag.EXE",
            "x64/SsprWindowsLogon.PROD.msi",
        ] {
            assert!(is_signable(Path::new(yes)), "{yes}");
        }
        for no in [
            "SHA256SUMS",
            "dist-manifest.json",
            "SsprWindowsLogon-0.1.0-x64.zip",
            "README.md",
        ] {
            assert!(!is_signable(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn osslsigncode_reads_the_password_from_a_file() {
        let cmd = osslsigncode_sign(
            &pkcs12(None),
            Some(Path::new("/tmp/pw")),
            Path::new("in.dll"),
            Path::new("out.dll"),
        );
        assert_eq!(
            cmd.arg_strings(),
            [
                "sign",
                "-pkcs12",
                "/keys/release.p12",
                "-readpass",
                "/tmp/pw",
                "-h",
                "sha256",
                "-n",
                "SsprWindowsLogon",
                "-i",
                INFO_URL,
                "-time",
                "1700000000",
                "-in",
                "in.dll",
                "-out",
                "out.dll",
            ]
        );
        assert!(!cmd.to_string().contains("hunter2"));
    }

    #[test]
    fn osslsigncode_timestamps_when_asked() {
        let cmd = osslsigncode_sign(
            &pkcs12(Some("http://ts.example.test")),
            None,
            Path::new("a"),
            Path::new("b"),
        );
        let args = cmd.arg_strings();
        let at = args.iter().position(|a| a == "-ts").unwrap();
        assert_eq!(args[at + 1], "http://ts.example.test");
        assert!(
            !args.contains(&"-time".to_string()),
            "a timestamped signature records the real time"
        );
    }

    #[test]
    fn osslsigncode_drives_pkcs11() {
        let config = SigningConfig {
            key: KeySource::Pkcs11 {
                module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                key_uri: "pkcs11:token=release;object=sign".into(),
                cert: "/keys/sign.pem".into(),
                pin: None,
            },
            timestamp_url: None,
            verify_ca: None,
            signing_time: None,
        };
        let cmd = osslsigncode_sign(&config, None, Path::new("x.msi"), Path::new("y.msi"));
        assert_eq!(
            &cmd.arg_strings()[..7],
            [
                "sign",
                "-pkcs11module",
                "/usr/lib/softhsm/libsofthsm2.so",
                "-pkcs11cert",
                "/keys/sign.pem",
                "-key",
                "pkcs11:token=release;object=sign"
            ]
        );
        assert_eq!(
            osslsigncode_verify(&config, Path::new("y.msi")).arg_strings(),
            ["verify", "-in", "y.msi"]
        );
    }

    #[test]
    fn verify_uses_the_given_ca() {
        let cmd = osslsigncode_verify(&pkcs12(None), Path::new("x.msi"));
        assert_eq!(
            cmd.arg_strings(),
            ["verify", "-CAfile", "/keys/ca.pem", "-in", "x.msi"]
        );
    }

    #[test]
    fn signtool_command_lines() {
        let cmd = signtool_sign(
            &pkcs12(Some("http://ts.example.test")),
            Path::new("C:/o/x.msi"),
        )
        .unwrap();
        assert_eq!(
            cmd.arg_strings(),
            [
                "sign",
                "/fd",
                "SHA256",
                "/d",
                "SsprWindowsLogon",
                "/du",
                INFO_URL,
                "/f",
                "/keys/release.p12",
                "/p",
                "hunter2",
                "/tr",
                "http://ts.example.test",
                "/td",
                "SHA256",
                "C:/o/x.msi",
            ]
        );
        assert!(!cmd.to_string().contains("hunter2"), "{cmd}");
        assert_eq!(
            signtool_verify(Path::new("C:/o/x.msi")).arg_strings(),
            ["verify", "/pa", "/v", "C:/o/x.msi"]
        );
        let pkcs11 = SigningConfig {
            key: KeySource::Pkcs11 {
                module: "m".into(),
                key_uri: "k".into(),
                cert: "c".into(),
                pin: None,
            },
            timestamp_url: None,
            verify_ca: None,
            signing_time: None,
        };
        assert!(signtool_sign(&pkcs11, Path::new("x"))
            .unwrap_err()
            .to_string()
            .contains("not supported yet"));
    }

    #[test]
    fn secrets_never_print() {
        let config = pkcs12(None);
        assert_eq!(format!("{config:?}").matches("hunter2").count(), 0);
        assert_eq!(config.scrub("bad password hunter2!"), "bad password ***!");
    }

    #[test]
    fn parses_openssl_certificate_text() {
        let text = "sha256 Fingerprint=AB:CD:01\nsubject=CN=Test Signing\nnotAfter=Dec 25 12:00:00 2026 GMT\n";
        assert_eq!(
            parse_x509_text(text),
            Some(CertificateInfo {
                sha256: "abcd01".into(),
                subject: "CN=Test Signing".into(),
                not_after: "Dec 25 12:00:00 2026 GMT".into(),
            })
        );
        assert_eq!(parse_x509_text("garbage"), None);
    }

    #[test]
    fn secret_file_is_private_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = SecretFile::write(dir.path(), &Secret::new("s3cret".into())).unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(fs::read_to_string(&path).unwrap(), "s3cret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        drop(file);
        assert!(!path.exists());
    }
}
