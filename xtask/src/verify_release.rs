//! `cargo xtask verify-release DIR`: a customer holding a published release rebuilds it from
//! its commit and checks that it is that build.
//!
//! The rebuild cannot sign (no key) and a timestamp is new on every signing, so it grafts the
//! release's own signatures instead (`dist --graft-signatures`): each payload binary and each
//! MSI of the rebuild gets the release's signature attached, and then every published file must
//! be byte for byte the release's. A signature attached to other code gives other bytes, so this
//! shows both that the signature-stripped content is identical and that the release's signatures
//! are signatures over exactly that content. A file that differs is named, with the reason from
//! [`signed_compare`].

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::checksum;
use crate::command::ToolCommand;
use crate::dist::{MANIFEST_NAME, SUMS_NAME};
use crate::payload::PAYLOAD;
use crate::progress;
use crate::signed_compare;
use crate::verify_repro;
use crate::wix::MSI_NAME;
use crate::workspace::Workspace;

/// What the release's manifest says about the build.
#[derive(Debug, PartialEq, Eq)]
pub struct ReleaseFacts {
    pub version: String,
    pub commit: String,
    pub source_date_epoch: u64,
    pub arches: Vec<String>,
    pub signed: bool,
}

pub fn read_facts(manifest_text: &str) -> Result<ReleaseFacts> {
    let value: serde_json::Value =
        serde_json::from_str(manifest_text).context("the manifest is not JSON")?;
    let text = |key: &str| {
        value[key]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("the manifest has no `{key}`"))
    };
    Ok(ReleaseFacts {
        version: text("version")?,
        commit: text("commit")?,
        source_date_epoch: value["source_date_epoch"]
            .as_u64()
            .context("the manifest has no `source_date_epoch`")?,
        arches: value["arches"]
            .as_array()
            .context("the manifest has no `arches`")?
            .iter()
            .filter_map(|a| a["arch"].as_str().map(str::to_owned))
            .collect(),
        signed: value["signed"].as_bool().unwrap_or(false),
    })
}

/// Where the release holds the file a dist writes at `rel`: the same path (a dist folder), or
/// for an MSI the name the release workflow publishes it under (`SsprWindowsLogon.PROD.x64.msi`).
pub fn release_path(release: &Path, rel: &str) -> PathBuf {
    let same = release.join(rel);
    if same.exists() {
        return same;
    }
    match rel.split_once('/') {
        Some((arch, name)) if name == MSI_NAME => {
            let stem = MSI_NAME.trim_end_matches(".msi");
            release.join(format!("{stem}.{arch}.msi"))
        }
        _ => same,
    }
}

/// Lays out `graft` for `dist --graft-signatures` from the signed build in `dist_dir`: its
/// manifest, each MSI at `<arch>/SsprWindowsLogon.PROD.msi`, and the payload binaries inside
/// each MSI beside it.
pub fn prepare_graft(dist_dir: &Path, arches: &[String], graft: &Path) -> Result<()> {
    if graft.exists() {
        fs::remove_dir_all(graft).with_context(|| format!("cannot clear {}", graft.display()))?;
    }
    fs::create_dir_all(graft).with_context(|| format!("cannot create {}", graft.display()))?;
    fs::copy(dist_dir.join(MANIFEST_NAME), graft.join(MANIFEST_NAME))
        .with_context(|| format!("cannot copy {}", dist_dir.join(MANIFEST_NAME).display()))?;
    for arch in arches {
        let msi = release_path(dist_dir, &format!("{arch}/{MSI_NAME}"));
        let dir = graft.join(arch);
        fs::create_dir_all(&dir)?;
        fs::copy(&msi, dir.join(MSI_NAME))
            .with_context(|| format!("cannot copy {}", msi.display()))?;
        let extracted = graft.join(format!(".extract-{arch}"));
        fs::create_dir_all(&extracted)?;
        let listing = ToolCommand::new("msiextract")
            .arg("-C")
            .arg(&extracted)
            .arg(&msi)
            .output_text()?;
        for binary in PAYLOAD {
            let inside = listing
                .lines()
                .map(|l| l.trim().trim_start_matches('/'))
                .find(|l| Path::new(l).file_name() == Some(binary.shipped_name.as_ref()))
                .with_context(|| {
                    format!("{} does not contain {}", msi.display(), binary.shipped_name)
                })?;
            fs::copy(extracted.join(inside), dir.join(binary.shipped_name))?;
        }
        fs::remove_dir_all(&extracted)?;
    }
    Ok(())
}

/// Every line of `SHA256SUMS` names a file of the release with that SHA-256.
fn check_sums(release: &Path) -> Result<usize> {
    let path = release.join(SUMS_NAME);
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((sum, rel)) = line.split_once("  ") else {
            bail!("{}: unexpected line `{line}`", path.display());
        };
        let file = release_path(release, rel);
        let actual = checksum::sha256_file(&file)?;
        if actual != sum {
            bail!(
                "{} has SHA-256 {actual}, but {SUMS_NAME} says {sum}: the download is damaged or not this release's",
                file.display()
            );
        }
        count += 1;
    }
    Ok(count)
}

pub fn run(release: &Path) -> Result<()> {
    let release = std::path::absolute(release)
        .with_context(|| format!("cannot resolve {}", release.display()))?;
    let ws = Workspace::locate();
    let manifest = release.join(MANIFEST_NAME);
    let facts = read_facts(&fs::read_to_string(&manifest).with_context(|| {
        format!(
            "cannot read {}: give the folder holding the release's files",
            manifest.display()
        )
    })?)
    .with_context(|| format!("reading {}", manifest.display()))?;
    let sums = check_sums(&release)?;
    progress::status("Checked", &format!("{sums} files against {SUMS_NAME}"));
    let known = ToolCommand::new("git")
        .args(["cat-file", "-e", &format!("{}^{{commit}}", facts.commit)])
        .cwd(&ws.root)
        .output()?;
    if !known.status.success() {
        bail!(
            "the release was built from commit {}, which {} does not have: fetch the release's tag first",
            facts.commit,
            ws.root.display()
        );
    }
    let root = ws.target_dir.join("verify-release");
    if root.exists() {
        fs::remove_dir_all(&root).with_context(|| format!("cannot clear {}", root.display()))?;
    }
    let mut args: Vec<std::ffi::OsString> = vec!["--version".into(), facts.version.clone().into()];
    if let [arch] = facts.arches.as_slice() {
        args.extend(["--arch".into(), arch.into()]);
    }
    if facts.signed {
        let graft = root.join("graft");
        prepare_graft(&release, &facts.arches, &graft)?;
        args.extend(["--graft-signatures".into(), graft.into_os_string()]);
    }
    let folder = root.join("build");
    verify_repro::clone(&ws, &folder.join("src"), &facts.commit)?;
    // The release's own time, whatever this checkout's environment says.
    std::env::set_var("SOURCE_DATE_EPOCH", facts.source_date_epoch.to_string());
    let rebuilt = progress::step(
        "Rebuilt",
        &format!("{} from commit {}", facts.version, facts.commit),
        || verify_repro::build(&ws, &folder, &args),
    )?;
    let files = verify_repro::tree_hashes(&rebuilt)?;
    for (rel, hash) in &files {
        let theirs = release_path(&release, rel);
        if !theirs.is_file() {
            bail!(
                "the rebuild has {rel}, the release does not ({} is missing)",
                theirs.display()
            );
        }
        if &checksum::sha256_file(&theirs)? != hash {
            let reason =
                signed_compare::difference(&theirs, &rebuilt.join(rel), &root.join("compare"))?
                    .unwrap_or_else(|| "the bytes differ".into());
            bail!("{rel} is not the release's: {reason}");
        }
    }
    progress::status(
        "Verified",
        &format!(
            "{} files of release {} are byte for byte the rebuild of commit {}{}",
            files.len(),
            facts.version,
            facts.commit,
            if facts.signed {
                " with the release's signatures grafted on: each signature is over identical content"
            } else {
                ""
            }
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_manifest_facts() {
        let facts = read_facts(
            r#"{"name":"SsprWindowsLogon","version":"1.2.3","commit":"abc","source_date_epoch":1700000000,
                "signed":true,"arches":[{"arch":"x64"},{"arch":"x86"}]}"#,
        )
        .unwrap();
        assert_eq!(
            facts,
            ReleaseFacts {
                version: "1.2.3".into(),
                commit: "abc".into(),
                source_date_epoch: 1_700_000_000,
                arches: vec!["x64".into(), "x86".into()],
                signed: true,
            }
        );
        assert!(read_facts("{}")
            .unwrap_err()
            .to_string()
            .contains("`version`"));
    }

    #[test]
    fn finds_msis_under_their_published_names() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            release_path(dir.path(), "x64/SsprWindowsLogon.PROD.msi"),
            dir.path().join("SsprWindowsLogon.PROD.x64.msi")
        );
        fs::create_dir(dir.path().join("x86")).unwrap();
        fs::write(dir.path().join("x86/SsprWindowsLogon.PROD.msi"), "m").unwrap();
        assert_eq!(
            release_path(dir.path(), "x86/SsprWindowsLogon.PROD.msi"),
            dir.path().join("x86/SsprWindowsLogon.PROD.msi")
        );
        assert_eq!(
            release_path(dir.path(), "SHA256SUMS"),
            dir.path().join("SHA256SUMS")
        );
    }

    #[test]
    fn a_damaged_download_fails_the_checksums() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("SsprWindowsLogon.PROD.x64.msi"), "msi").unwrap();
        let sum = checksum::sha256_file(&dir.path().join("SsprWindowsLogon.PROD.x64.msi")).unwrap();
        fs::write(
            dir.path().join(SUMS_NAME),
            format!("{sum}  x64/SsprWindowsLogon.PROD.msi\n"),
        )
        .unwrap();
        assert_eq!(check_sums(dir.path()).unwrap(), 1);
        fs::write(dir.path().join("SsprWindowsLogon.PROD.x64.msi"), "msj").unwrap();
        let err = check_sums(dir.path()).unwrap_err().to_string();
        assert!(err.contains("the download is damaged"), "{err}");
    }
}
