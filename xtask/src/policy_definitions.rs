//! The administrative templates a dist ships: `admx/` in the checkout becomes
//! `PolicyDefinitions/` beside the MSIs and inside each zip, the layout admins copy into
//! `C:\Windows\PolicyDefinitions` or the domain's central store. Checked against the ADMX
//! schema's rules before anything is copied.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fsutil;

/// The folder name admins know, in the dist folder and in each zip.
pub const FOLDER: &str = "PolicyDefinitions";

/// `(PolicyDefinitions/<name>, source in admx/)` for every shipped file.
pub fn files(root: &Path) -> Vec<(String, PathBuf)> {
    sspr_policy_templates::shipped_names()
        .into_iter()
        .map(|name| {
            let source = root.join("admx").join(&name);
            (format!("{FOLDER}/{name}"), source)
        })
        .collect()
}

/// Checks the templates, then copies each into `scratch` under its published name.
pub fn stage(root: &Path, scratch: &Path, files: &[(String, PathBuf)]) -> Result<()> {
    sspr_policy_templates::check_dir(&root.join("admx")).map_err(anyhow::Error::msg)?;
    for (rel, source) in files {
        let to = scratch.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let temporary = to.with_extension("partial");
        std::fs::copy(source, &temporary)
            .with_context(|| format!("cannot copy {} to {}", source.display(), to.display()))?;
        fsutil::publish(&temporary, &to)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_keep_the_central_store_layout() {
        assert_eq!(
            files(Path::new("/src")),
            [
                (
                    "PolicyDefinitions/SsprWindowsLogon.admx".to_owned(),
                    PathBuf::from("/src/admx/SsprWindowsLogon.admx")
                ),
                (
                    "PolicyDefinitions/en-US/SsprWindowsLogon.adml".to_owned(),
                    PathBuf::from("/src/admx/en-US/SsprWindowsLogon.adml")
                ),
                (
                    "PolicyDefinitions/de-DE/SsprWindowsLogon.adml".to_owned(),
                    PathBuf::from("/src/admx/de-DE/SsprWindowsLogon.adml")
                ),
            ]
        );
    }

    #[test]
    fn the_shipped_templates_pass_the_check_and_stage() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scratch = tempfile::tempdir().unwrap();
        let files = files(&root);
        stage(&root, scratch.path(), &files).unwrap();
        for (rel, source) in &files {
            assert_eq!(
                std::fs::read(scratch.path().join(rel)).unwrap(),
                std::fs::read(source).unwrap()
            );
        }
    }
}
