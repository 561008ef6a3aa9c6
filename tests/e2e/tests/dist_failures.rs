//! A `cargo xtask dist` that fails part-way (after the payload is built and staged) leaves the
//! output folder exactly as it was: an earlier build's files untouched, nothing added, no
//! scratch folder left behind.
//!
//! The failure is a `wixl` that fails the way wixl does on a broken WiX source (an error on
//! stderr, exit 1), put first on PATH; everything else is the real toolchain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set: run `cargo xtask test`"))
}

/// Every file under `dir` (relative path, content).
fn contents(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let listing = || format!("cannot list {}", folder.display());
        for entry in std::fs::read_dir(&folder).with_context(listing)? {
            let path = entry.with_context(listing)?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir)?.to_path_buf();
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                found.insert(relative, bytes);
            }
        }
    }
    Ok(found)
}

#[test]
#[ignore = "needs the payload build and the xtask binary that cargo xtask test provides: run cargo xtask test"]
fn a_wixl_failure_leaves_the_output_folder_exactly_as_it_was() -> Result<()> {
    let scratch = tempfile::tempdir().unwrap();
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("wixl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'SsprWindowsLogon.wxs:12: error: unexpected element <Broken>' >&2\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // An earlier build's outputs (stand-ins with known bytes) and a file of the user's own.
    let out = scratch.path().join("dist");
    for (relative, text) in [
        ("x64/SsprWindowsLogon.PROD.msi", "the earlier x64 package"),
        ("SsprWindowsLogon-0.1.0-x64.zip", "the earlier zip"),
        ("SHA256SUMS", "the earlier sums"),
        ("dist-manifest.json", "{\"earlier\": true}"),
        ("notes.txt", "not ours"),
    ] {
        let path = out.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let before = contents(&out)?;

    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&env("PATH")?)),
    )
    .unwrap();
    let output = Command::new(env("SSPR_E2E_XTASK")?)
        .args(["dist", "--no-setup", "--arch", "x64", "--out-dir"])
        .arg(&out)
        .env("PATH", path)
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // It got as far as the MSI: the payload was built and staged first.
    assert!(stderr.contains("Built payload for x64"), "{stderr}");
    assert!(
        stderr.contains("unexpected element <Broken>"),
        "wixl's error is not passed on:\n{stderr}"
    );
    assert_eq!(
        contents(&out)?,
        before,
        "the failed dist changed the output folder"
    );
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".dist-"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "a scratch folder was left");
    Ok(())
}
