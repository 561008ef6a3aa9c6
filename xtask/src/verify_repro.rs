//! `cargo xtask verify-repro`: two clean builds of the committed tree in two different folders
//! must give byte-identical artifacts; the first differing file is named. With `--mutate`, one
//! byte of the provider's source is then changed in the second folder and the rebuilt DLL and
//! MSIs must differ (proof that the comparison can fail).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::checksum;
use crate::command::ToolCommand;
use crate::msi_diff;
use crate::progress;
use crate::workspace::Workspace;

/// The byte `--mutate` changes: one letter of a log message the provider's DLL carries. Not the
/// CLSID (since the identity crate holds it, the MSI's own check would refuse the mutated build
/// for registering another class) and not a comment (which would not change the binary).
pub const MUTATION_FILE: &str = "payload/credential-provider/src/com/host_launch.rs";
pub const MUTATION_FROM: &str = "reset host started, process id";
pub const MUTATION_TO: &str = "reset host started, process iD";

/// Every file under `dir`, by path relative to it, with its SHA-256.
pub fn tree_hashes(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in
            fs::read_dir(&current).with_context(|| format!("cannot list {}", current.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, checksum::sha256_file(&path)?);
            }
        }
    }
    Ok(files)
}

/// The first difference between two trees, in path order, described; `None` if identical.
pub fn first_difference(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) -> Option<String> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .find_map(|name| match (a.get(name), b.get(name)) {
            (Some(x), Some(y)) if x == y => None,
            (Some(x), Some(y)) => Some(format!("{name} differs (sha256 {x} vs {y})")),
            (Some(_), None) => Some(format!("{name} exists only in the first build")),
            (None, _) => Some(format!("{name} exists only in the second build")),
        })
}

/// `git clone` of the committed tree at `commit`: uncommitted changes are deliberately not
/// part of it, and both folders get the same commit even if another one lands meanwhile.
pub fn clone(ws: &Workspace, into: &Path, commit: &str) -> Result<()> {
    ToolCommand::new("git")
        .args(["-c", "init.defaultBranch=main"])
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(&ws.root)
        .arg(into)
        .run()
        .context("cannot clone the repository for a clean build")?;
    ToolCommand::new("git")
        .args([
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "--quiet",
            commit,
        ])
        .cwd(into)
        .run()
        .with_context(|| format!("cannot check out {commit} in {}", into.display()))
}

pub fn build(ws: &Workspace, folder: &Path, dist_args: &[OsString]) -> Result<PathBuf> {
    let dist = folder.join("dist");
    ToolCommand::new(&ws.cargo)
        .args(["xtask", "dist", "--no-setup", "--out-dir"])
        .arg(&dist)
        .args(dist_args.iter().cloned())
        .env("CARGO_TARGET_DIR", folder.join("target"))
        .cwd(folder.join("src"))
        .run()
        .with_context(|| format!("the build in {} failed", folder.display()))?;
    Ok(dist)
}

/// The packages verify-repro compares table by table as well as byte by byte.
const PACKAGES: [&str; 2] = [
    "x64/SsprWindowsLogon.PROD.msi",
    "x86/SsprWindowsLogon.PROD.msi",
];

pub fn run(dist_args: &[OsString], mutate: bool) -> Result<()> {
    let ws = Workspace::locate();
    let root = ws.target_dir.join("repro");
    if root.exists() {
        fs::remove_dir_all(&root).with_context(|| format!("cannot clear {}", root.display()))?;
    }
    let folders = [root.join("one"), root.join("two")];
    let commit = ws.commit();
    if commit == "unknown" {
        bail!(
            "verify-repro builds the committed tree, and {} is not a git checkout",
            ws.root.display()
        );
    }
    for folder in &folders {
        clone(&ws, &folder.join("src"), &commit)?;
    }
    let mut trees = Vec::new();
    let mut dists = Vec::new();
    let timestamped = dist_args.iter().any(|a| a == "--timestamp-url");
    for (index, folder) in folders.iter().enumerate() {
        // A timestamp is new on every signing: the second build grafts the first one's
        // signatures instead, so its files must then be the first's byte for byte (a
        // signature attached to other code gives other bytes).
        let args = if timestamped && index == 1 {
            let graft = root.join("graft");
            crate::verify_release::prepare_graft(
                &folders[0].join("dist"),
                &["x64".to_owned(), "x86".to_owned()],
                &graft,
            )?;
            vec!["--graft-signatures".into(), graft.into_os_string()]
        } else {
            dist_args.to_vec()
        };
        let dist = progress::step(
            "Built",
            &format!("clean build in {}", folder.display()),
            || build(&ws, folder, &args),
        )?;
        trees.push(tree_hashes(&dist)?);
        dists.push(dist);
    }
    if let Some(difference) = first_difference(&trees[0], &trees[1]) {
        bail!("not reproducible: {difference}");
    }
    for msi in PACKAGES {
        let differences = msi_diff::compare(
            &msi_diff::read(&dists[0].join(msi))?,
            &msi_diff::read(&dists[1].join(msi))?,
        );
        if !differences.is_empty() {
            bail!(
                "msi-diff finds {msi} different although its bytes are the same: {differences:?}"
            );
        }
    }
    progress::status(
        "Reproduced",
        &format!(
            "{} files byte-identical across {} and {}",
            trees[0].len(),
            folders[0].display(),
            folders[1].display()
        ),
    );
    if mutate {
        let file = folders[1].join("src").join(MUTATION_FILE);
        let text =
            fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        if !text.contains(MUTATION_FROM) {
            bail!("{MUTATION_FILE} no longer contains `{MUTATION_FROM}`: update the mutation in xtask/src/verify_repro.rs");
        }
        fs::write(&file, text.replacen(MUTATION_FROM, MUTATION_TO, 1))?;
        let dist = progress::step("Rebuilt", "with one source byte changed", || {
            build(&ws, &folders[1], dist_args)
        })?;
        let mutated = tree_hashes(&dist)?;
        for msi in PACKAGES {
            if trees[0].get(msi) == mutated.get(msi) {
                bail!("changing one byte of {MUTATION_FILE} left {msi} unchanged: the comparison cannot see source changes");
            }
            // Table by table, the change must show where it is: in the payload's cabinet.
            let differences = msi_diff::compare(
                &msi_diff::read(&dists[0].join(msi))?,
                &msi_diff::read(&dist.join(msi))?,
            );
            let cabinet = msi_diff::Difference::StreamContent {
                stream: "payload.cab".to_owned(),
            };
            if !differences.contains(&cabinet) {
                bail!("msi-diff does not name the changed payload of {msi}: {differences:?}");
            }
            for difference in &differences {
                progress::status("Differs", &format!("{msi}: {difference}"));
            }
        }
        progress::status(
            "Detected",
            &format!("the one-byte change in {MUTATION_FILE}: both MSIs differ"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mutation_finds_its_text_once_in_the_committed_source() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = fs::read_to_string(root.join(MUTATION_FILE)).unwrap();
        assert_eq!(text.matches(MUTATION_FROM).count(), 1, "{MUTATION_FILE}");
        assert_eq!(MUTATION_FROM.len(), MUTATION_TO.len());
        assert_ne!(MUTATION_FROM, MUTATION_TO);
    }

    fn tree(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn identical_trees_have_no_difference() {
        let a = tree(&[("SHA256SUMS", "1"), ("x64/a.msi", "2")]);
        assert_eq!(first_difference(&a, &a.clone()), None);
    }

    #[test]
    fn names_the_first_differing_file_in_path_order() {
        let a = tree(&[("b.zip", "1"), ("x64/a.msi", "2"), ("x86/a.msi", "3")]);
        let b = tree(&[("b.zip", "1"), ("x64/a.msi", "9"), ("x86/a.msi", "8")]);
        assert_eq!(
            first_difference(&a, &b).unwrap(),
            "x64/a.msi differs (sha256 2 vs 9)"
        );
        let c = tree(&[("b.zip", "1"), ("x64/a.msi", "2")]);
        assert_eq!(
            first_difference(&a, &c).unwrap(),
            "x86/a.msi exists only in the first build"
        );
        assert_eq!(
            first_difference(&c, &a).unwrap(),
            "x86/a.msi exists only in the second build"
        );
    }

    #[test]
    fn hashes_a_tree_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("x64")).unwrap();
        fs::write(dir.path().join("x64/a"), b"abc").unwrap();
        let hashes = tree_hashes(dir.path()).unwrap();
        assert_eq!(
            hashes.get("x64/a").map(String::as_str),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }
}
