//! Where things are: the workspace root, the target folder, the tools cargo runs us with, and
//! facts about the checkout (commit, SOURCE_DATE_EPOCH) that outputs record.

use std::env;
use std::path::{Path, PathBuf};

use crate::command::ToolCommand;

#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// The cargo that runs xtask (`$CARGO`), so the pinned toolchain builds the payload too.
    pub cargo: String,
    pub cargo_home: Option<PathBuf>,
    /// The toolchain's sysroot: `-Zbuild-std` compiles std from its `rust-src`, so its path
    /// would end up in panic messages unless remapped.
    pub sysroot: Option<PathBuf>,
}

impl Workspace {
    pub fn locate() -> Self {
        // xtask/Cargo.toml sits one level below the root.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let target_dir =
            env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
        let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let sysroot = ToolCommand::new(rustc)
            .args(["--print", "sysroot"])
            .cwd(&root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        Self {
            root,
            target_dir,
            cargo,
            cargo_home,
            sysroot,
        }
    }

    /// A workspace at `/r` with plain `cargo`, for tests of command lines.
    #[cfg(test)]
    pub fn fixture() -> Self {
        Self {
            root: "/r".into(),
            target_dir: "/r/target".into(),
            cargo: "cargo".into(),
            cargo_home: None,
            sysroot: None,
        }
    }

    pub fn wix_dir(&self) -> PathBuf {
        self.root.join("wix")
    }

    pub fn default_dist_dir(&self) -> PathBuf {
        self.target_dir.join("dist")
    }

    fn git(&self, args: &[&str]) -> Option<String> {
        ToolCommand::new("git")
            .args(args)
            .cwd(&self.root)
            .stdout_if_success()
    }

    /// The commit being built, `unknown` outside a git checkout.
    pub fn commit(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
            .unwrap_or_else(|| "unknown".into())
    }

    /// `SOURCE_DATE_EPOCH` if set, else the last commit's time, else 1980-01-01 (the earliest
    /// time a zip can hold).
    pub fn source_date_epoch(&self) -> anyhow::Result<u64> {
        if let Ok(text) = env::var("SOURCE_DATE_EPOCH") {
            return text.trim().parse().map_err(|_| {
                anyhow::anyhow!("SOURCE_DATE_EPOCH=`{text}` is not a Unix time in seconds: unset it or give e.g. 1700000000")
            });
        }
        Ok(self
            .git(&["log", "-1", "--format=%ct"])
            .and_then(|t| t.parse().ok())
            .unwrap_or(315_532_800))
    }
}

/// The first line a tool prints for `--version` / `-V`, or `unknown`.
pub fn tool_version(program: &str, args: &[&str]) -> String {
    ToolCommand::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
