//! The supply-chain gate (`cargo xtask deny`, run by `cargo xtask test`): this workspace passes
//! it, and a scratch copy of it in which a payload crate gains a dependency under a licence
//! deny.toml does not allow fails it, naming the crate and the licence.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{ensure, Context, Result};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn gate(workspace: &Path) -> Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["deny", "--workspace"])
        .arg(workspace)
        .output()
        .context("cannot run xtask")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The tracked files of this checkout, copied into `into` (no `target/`).
fn scratch_copy(into: &Path) -> Result<()> {
    let listing = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .context("cannot run git")?;
    ensure!(
        listing.status.success(),
        "git ls-files failed: {}",
        text(&listing)
    );
    for rel in listing.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).context("a tracked path is not UTF-8")?);
        let from = root().join(rel);
        if !from.is_file() {
            continue;
        }
        let to = into.join(rel);
        let folder = to.parent().unwrap_or(into);
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        std::fs::copy(&from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

#[test]
fn this_workspace_passes_the_gate() -> Result<()> {
    let output = gate(&root())?;
    assert!(output.status.success(), "{}", text(&output));
    let all = text(&output);
    assert!(
        all.contains("Checked licences, duplicate versions and sources"),
        "{all}"
    );
    // Either checked against a local database or skipped, said plainly; never silent.
    assert!(
        all.contains("Checked advisories and yanked versions against the local database")
            || all.contains("Skipped advisories and yanked versions: no advisory database"),
        "{all}"
    );
    Ok(())
}

#[test]
fn a_dependency_under_a_disallowed_licence_fails_the_gate() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ws");
    scratch_copy(&copy)?;
    // A crate under the GPL, which deny.toml does not allow, as a dependency of SsprDiag.
    let bad = copy.join("payload/gpl-helper");
    std::fs::create_dir_all(bad.join("src")).unwrap();
    std::fs::write(
        bad.join("Cargo.toml"),
        "[package]\nname = \"gpl-helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"GPL-3.0-only\"\npublish = false\n",
    )
    .unwrap();
    std::fs::write(bad.join("src/lib.rs"), "//! A test dependency.\n").unwrap();
    let manifest = copy.join("payload/diag/Cargo.toml");
    let text_before = std::fs::read_to_string(&manifest).unwrap();
    assert!(text_before.contains("[dependencies]\n"));
    std::fs::write(
        &manifest,
        text_before.replacen(
            "[dependencies]\n",
            "[dependencies]\ngpl-helper = { path = \"../gpl-helper\" }\n",
            1,
        ),
    )
    .unwrap();
    // Record the new path dependency in the copy's Cargo.lock (nothing is downloaded).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let locked = Command::new(&cargo)
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(locked.status.success(), "{}", text(&locked));

    let output = gate(&copy)?;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("the supply-chain gate failed"), "{all}");
    assert!(all.contains("gpl-helper"), "{all}");
    assert!(all.contains("GPL-3.0-only"), "{all}");
    Ok(())
}
