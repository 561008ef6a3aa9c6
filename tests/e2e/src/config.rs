//! The contract with `cargo xtask test`: where the MSIs and the probe are, and their versions.
//!
//! Every variable is required. A missing one fails each test with a message naming it, so a
//! bare `cargo test -p sspr-e2e` says what to run instead of passing vacuously.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context as _};

use crate::package::Package;

/// The three builds the upgrade tests need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Release {
    /// A lower version (N-1), for downgrade and upgrade-from cases.
    Previous,
    /// The workspace version (N).
    Current,
    /// A higher version (N+1).
    Next,
}

impl Release {
    /// The folder under `SSPR_E2E_DIST` that holds this release.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Previous => "previous",
            Self::Current => "current",
            Self::Next => "next",
        }
    }

    fn version_variable(self) -> &'static str {
        match self {
            Self::Previous => "SSPR_E2E_VERSION_PREVIOUS",
            Self::Current => "SSPR_E2E_VERSION_CURRENT",
            Self::Next => "SSPR_E2E_VERSION_NEXT",
        }
    }
}

/// The two package architectures; [`Arch::name`] is the folder under a release directory.
pub use sspr_identity::Arch;

/// What `cargo xtask test` hands the suite through the environment.
#[derive(Debug)]
pub struct E2eConfig {
    dist: PathBuf,
    probe_x64: PathBuf,
    probe_x86: PathBuf,
    versions: [String; 3],
}

const HOW_TO_RUN: &str =
    "run `cargo xtask test`: it builds the MSIs and the probe and sets SSPR_E2E_*";

fn required(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => bail!("{name} is not set: {HOW_TO_RUN}"),
    }
}

fn existing_file(variable: &str, path: PathBuf) -> anyhow::Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        bail!(
            "{} (from {variable}) does not exist: {HOW_TO_RUN}",
            path.display()
        )
    }
}

impl E2eConfig {
    /// Reads and checks every `SSPR_E2E_*` variable.
    pub fn from_env() -> anyhow::Result<Self> {
        let dist = PathBuf::from(required("SSPR_E2E_DIST")?);
        let probe_x64 =
            existing_file("SSPR_E2E_PROBE_X64", required("SSPR_E2E_PROBE_X64")?.into())?;
        let probe_x86 =
            existing_file("SSPR_E2E_PROBE_X86", required("SSPR_E2E_PROBE_X86")?.into())?;
        let versions = [
            required(Release::Previous.version_variable())?,
            required(Release::Current.version_variable())?,
            required(Release::Next.version_variable())?,
        ];
        let config = Self {
            dist,
            probe_x64,
            probe_x86,
            versions,
        };
        for release in [Release::Previous, Release::Current, Release::Next] {
            for arch in [Arch::X64, Arch::X86] {
                existing_file("SSPR_E2E_DIST", config.msi_path(release, arch))?;
            }
        }
        Ok(config)
    }

    /// The configuration of this run, read once; every test calls this first.
    pub fn get() -> anyhow::Result<&'static Self> {
        static CONFIG: OnceLock<Result<E2eConfig, String>> = OnceLock::new();
        CONFIG
            .get_or_init(|| Self::from_env().map_err(|error| format!("{error:#}")))
            .as_ref()
            .map_err(|message| anyhow::anyhow!("{message}"))
    }

    fn msi_path(&self, release: Release, arch: Arch) -> PathBuf {
        self.dist
            .join(release.dir_name())
            .join(arch.name())
            .join("SsprWindowsLogon.PROD.msi")
    }

    /// The version a release was built with (`SSPR_E2E_VERSION_*`).
    pub fn version(&self, release: Release) -> &str {
        match release {
            Release::Previous => &self.versions[0],
            Release::Current => &self.versions[1],
            Release::Next => &self.versions[2],
        }
    }

    /// One built MSI.
    pub fn package(&self, release: Release, arch: Arch) -> anyhow::Result<Package> {
        let path = self.msi_path(release, arch);
        Package::open(&path, self.version(release), arch)
            .with_context(|| format!("reading {} ({release:?}, {arch:?})", path.display()))
    }

    /// The reset window's x64 test programs (tests/host-owner), built beside the x64 probe:
    /// `(sspr-host-owner.exe, sspr-window-probe.exe)`.
    pub fn window_tools(&self) -> anyhow::Result<(PathBuf, PathBuf)> {
        let dir = self
            .probe_x64
            .parent()
            .context("SSPR_E2E_PROBE_X64 has no folder")?;
        let owner = existing_file("SSPR_E2E_PROBE_X64", dir.join("sspr-host-owner.exe"))?;
        let probe = existing_file("SSPR_E2E_PROBE_X64", dir.join("sspr-window-probe.exe"))?;
        Ok((owner, probe))
    }

    /// The probe built for `arch` (`SSPR_E2E_PROBE_X64` / `SSPR_E2E_PROBE_X86`).
    pub fn probe(&self, arch: Arch) -> &Path {
        match arch {
            Arch::X64 => &self.probe_x64,
            Arch::X86 => &self.probe_x86,
        }
    }
}
