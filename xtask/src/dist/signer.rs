//! Who signs a dist: a key (PKCS#12 file or PKCS#11 token), opened and checked before anything is
//! built, or a signed build whose signatures are grafted onto this one (`--graft-signatures`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::arch::Arch;
use crate::fsutil;
use crate::progress;
use crate::sign::{self, SigningConfig};
use crate::signed_compare;

use super::MANIFEST_NAME;

/// The signing key, opened and checked, and the private file its secret is passed in; or the
/// signed build whose signatures are grafted.
pub struct Signer {
    mode: SignerMode,
    pub certificate: sign::CertificateInfo,
    epoch: u64,
}

enum SignerMode {
    Key {
        config: SigningConfig,
        secret_file: Option<sign::SecretFile>,
    },
    /// `<from>/<arch>/<file name>` is the signed counterpart of each file to sign; `work` is
    /// where its extracted signature goes.
    Graft { from: PathBuf, work: PathBuf },
}

impl Signer {
    /// The plan's signer, if it signs: opened before anything is built, so a wrong password or
    /// an expired certificate fails in a second, not after minutes of compiling.
    pub fn for_plan(
        signing: Option<&SigningConfig>,
        graft: Option<&Path>,
        scratch: &Path,
        epoch: u64,
    ) -> Result<Option<Self>> {
        match (signing, graft) {
            (Some(config), _) => Self::prepare(config, scratch, epoch).map(Some),
            (None, Some(from)) => Self::graft(from, scratch, epoch).map(Some),
            (None, None) => Ok(None),
        }
    }

    fn prepare(config: &SigningConfig, scratch: &Path, epoch: u64) -> Result<Self> {
        let certificate = sign::check_key(config, scratch)?;
        let secret_file = match config.secret() {
            Some(secret) => Some(sign::SecretFile::write(scratch, secret)?),
            None => None,
        };
        progress::status(
            "Signing",
            &format!(
                "with {} (sha256 {})",
                certificate.subject, certificate.sha256
            ),
        );
        let mut config = config.clone();
        if config.timestamp_url.is_none() {
            config.signing_time = Some(epoch);
        }
        Ok(Self {
            mode: SignerMode::Key {
                config,
                secret_file,
            },
            certificate,
            epoch,
        })
    }

    /// Grafting from `from`, a folder laid out as a dist (`<arch>/SsprWindowsLogon.PROD.msi`,
    /// `dist-manifest.json`) with each MSI's signed payload beside it (`<arch>/<shipped name>`);
    /// the certificate is the one its manifest names.
    fn graft(from: &Path, scratch: &Path, epoch: u64) -> Result<Self> {
        let manifest = from.join(MANIFEST_NAME);
        let text = fs::read_to_string(&manifest).with_context(|| {
            format!(
                "--graft-signatures: cannot read {} (the signed build's manifest)",
                manifest.display()
            )
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a dist manifest", manifest.display()))?;
        let sha256 = value["certificate_sha256"]
            .as_str()
            .with_context(|| format!("{} records no signing certificate: the build it describes is unsigned, so there is nothing to graft", manifest.display()))?
            .to_owned();
        progress::status(
            "Grafting",
            &format!(
                "the signatures of {} (certificate sha256 {sha256})",
                from.display()
            ),
        );
        Ok(Self {
            mode: SignerMode::Graft {
                from: from.to_path_buf(),
                work: scratch.join("graft"),
            },
            certificate: sign::CertificateInfo {
                sha256,
                subject: "grafted".into(),
                not_after: "grafted".into(),
            },
            epoch,
        })
    }

    pub fn sign(&self, arch: Arch, file: &Path) -> Result<()> {
        match &self.mode {
            SignerMode::Key {
                config,
                secret_file,
            } => {
                let password_file = secret_file.as_ref().map(sign::SecretFile::path);
                sign::sign_file(config, password_file, file)?;
            }
            SignerMode::Graft { from, work } => {
                let name = file.file_name().context("a file to sign without a name")?;
                sign::graft_signature(&from.join(arch.name()).join(name), file, work)?;
            }
        }
        // Signing writes a new file; pin its time again (staged files' times go into the CAB).
        fsutil::set_mtime(file, self.epoch)
    }

    pub fn verify(&self, file: &Path) -> Result<()> {
        match &self.mode {
            SignerMode::Key { config, .. } => sign::verify_file(config, file),
            // A grafted signature must at least be over this content; whether its certificate
            // is trusted is the signed build's question, not the rebuild's.
            SignerMode::Graft { .. } => match signed_compare::signature_digest_mismatch(file)? {
                None => Ok(()),
                Some(reason) => bail!("the grafted signature of {}: {reason}", file.display()),
            },
        }
    }
}
