//! The provider DLL built with its `fault-injection` feature: each COM method panics when
//! `SSPR_FAULT_POINT` names it, to prove the panic guard. Never shipped: `cargo xtask dist`
//! builds without the feature, and a test checks the shipped DLL ignores the variable.
//!
//! `SSPR_E2E_FAULT_DLL_X64` may point at a prebuilt one; otherwise the first test that needs it
//! builds it once per run with the workspace's own settings (`.cargo/config.toml`) into
//! `target/e2e-fault-injection`, a target folder of its own so the shipped build is untouched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::process;

/// A prebuilt x64 fault-injection DLL, if the caller has one.
pub const DLL_VARIABLE: &str = "SSPR_E2E_FAULT_DLL_X64";

/// The variable the DLL reads.
pub use sspr_identity::FAULT_POINT_VARIABLE;

const TARGET: &str = "x86_64-win7-windows-gnu";

/// A clean std build and the `windows` crate: minutes on two shared cores.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1800);

/// The x64 provider DLL with fault injection compiled in.
pub fn provider_dll_x64() -> anyhow::Result<&'static Path> {
    static DLL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DLL.get_or_init(|| locate_or_build().map_err(|error| format!("{error:#}")))
        .as_deref()
        .map_err(|message| anyhow::anyhow!("{message}"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

fn locate_or_build() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os(DLL_VARIABLE).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("{} (from {DLL_VARIABLE}) does not exist", path.display());
        }
        return Ok(path);
    }
    let root = workspace_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("e2e-fault-injection");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        // The win7 targets are tier 3: std is built from source (docs/design.md, "Windows 7 targets and the import audit").
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["build", "--locked", "--release", "--target", TARGET])
        .arg("-Zbuild-std=std,panic_unwind")
        .args([
            "--package",
            "sspr-credential-provider",
            "--features",
            "fault-injection",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    eprintln!(
        "[sspr-e2e] building the fault-injection provider into {} (set {DLL_VARIABLE} to skip)",
        target_dir.display()
    );
    let started = Instant::now();
    process::run(command, BUILD_TIMEOUT)?.success("cargo build of the fault-injection provider")?;
    eprintln!(
        "[sspr-e2e] fault-injection provider built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dll = target_dir
        .join(TARGET)
        .join("release")
        .join("sspr_credential_provider.dll");
    if !dll.is_file() {
        bail!("the build finished without {}", dll.display());
    }
    Ok(dll)
}
