//! The supply-chain gate: cargo-deny (installed by `setup`) with the tracked `deny.toml`.
//! Licences, banned duplicates and sources are checked on every run; the advisory check needs
//! the advisory database, which only the release workflow can fetch: it runs here when a copy
//! is already on this machine, and otherwise says plainly that it was skipped.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::command::ToolCommand;
use crate::progress;

/// The checks that need nothing but the workspace.
pub const OFFLINE_CHECKS: [&str; 3] = ["bans", "licenses", "sources"];

/// `cargo deny check` of `checks` for the workspace at `root`, with its `deny.toml`, without
/// touching the network (`--offline`: no index update, no advisory database fetch).
pub fn check_command(cargo: &str, root: &Path, checks: &[&str]) -> ToolCommand {
    ToolCommand::new(cargo)
        .args(["deny", "--locked", "--offline", "--color", "never"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--config")
        .arg(root.join("deny.toml"))
        .arg("check")
        .args(checks.iter().copied())
        .cwd(root)
}

/// Where cargo-deny keeps advisory databases by default (`$CARGO_HOME/advisory-dbs`).
pub fn advisory_db_dir(cargo_home: Option<&Path>) -> Option<PathBuf> {
    cargo_home.map(|home| home.join("advisory-dbs"))
}

/// True if `dir` holds a fetched database (a checkout with a `crates` folder).
pub fn has_advisory_db(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.path().join("crates").is_dir())
        })
        .unwrap_or(false)
}

/// Runs the gate for the workspace at `root`.
pub fn run(cargo: &str, root: &Path, cargo_home: Option<&Path>) -> Result<()> {
    progress::step(
        "Checked",
        "licences, duplicate versions and sources (cargo deny, deny.toml)",
        || {
            check_command(cargo, root, &OFFLINE_CHECKS)
                .run()
                .context("the supply-chain gate failed (cargo-deny's findings are above; deny.toml says what is allowed)")
        },
    )?;
    match advisory_db_dir(cargo_home).filter(|dir| has_advisory_db(dir)) {
        Some(dir) => progress::step(
            "Checked",
            &format!(
                "advisories and yanked versions against the local database in {}",
                dir.display()
            ),
            || {
                check_command(cargo, root, &["advisories"])
                    .run()
                    .context("the advisory check failed (cargo-deny's findings are above)")
            },
        )?,
        None => progress::status(
            "Skipped",
            &format!(
                "advisories and yanked versions: no advisory database in {} and none can be fetched here; the release workflow checks them (cargo deny check advisories)",
                advisory_db_dir(cargo_home).map_or_else(|| "$CARGO_HOME/advisory-dbs".into(), |d| d.display().to_string())
            ),
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_with_the_tracked_config_and_the_lock_file() {
        let command = check_command("cargo", Path::new("/src"), &OFFLINE_CHECKS);
        assert_eq!(
            command.arg_strings(),
            [
                "deny",
                "--locked",
                "--offline",
                "--color",
                "never",
                "--manifest-path",
                "/src/Cargo.toml",
                "--config",
                "/src/deny.toml",
                "check",
                "bans",
                "licenses",
                "sources"
            ]
        );
        let advisories = check_command("cargo", Path::new("/src"), &["advisories"]);
        assert_eq!(&advisories.arg_strings()[9..], ["check", "advisories"]);
    }

    #[test]
    fn an_advisory_db_is_a_checkout_with_crates() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_advisory_db(&dir.path().join("absent")));
        std::fs::create_dir_all(dir.path().join("github.com-2f857891b7f43c59")).unwrap();
        assert!(!has_advisory_db(dir.path()));
        std::fs::create_dir_all(dir.path().join("github.com-2f857891b7f43c59/crates")).unwrap();
        assert!(has_advisory_db(dir.path()));
    }
}
