//! File-system steps that never leave a half-written file at a final path.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

/// A temporary folder beside the final output, removed on drop (what it held has been moved
/// into place by then, or must not be).
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates `<parent>/<name>` (callers make the name unique, e.g. with the pid); the parent
    /// is created if missing.
    pub fn new_in(parent: &Path, name: &str) -> Result<Self> {
        fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot create the output folder {}: choose a writable --out-dir",
                parent.display()
            )
        })?;
        let path = parent.join(name);
        if path.exists() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove the stale {}", path.display()))?;
        }
        fs::create_dir(&path).with_context(|| {
            format!(
                "cannot write into the output folder {}: choose a writable --out-dir",
                parent.display()
            )
        })?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Moves `from` to `to` with one `rename` (same file system: the scratch folder is a sibling).
pub fn publish(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    fs::rename(from, to).with_context(|| {
        format!(
            "cannot move {} into place at {}",
            from.display(),
            to.display()
        )
    })
}

/// Sets a file's modification time to `epoch` seconds (payload times inside the CAB follow it).
pub fn set_mtime(path: &Path, epoch: u64) -> Result<()> {
    let file = fs::File::options()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {} to set its time", path.display()))?;
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch))
        .with_context(|| format!("cannot set the time of {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_dir_is_removed_on_drop() {
        let root = tempfile::tempdir().unwrap();
        let scratch = ScratchDir::new_in(root.path(), ".a").unwrap();
        fs::write(scratch.path().join("half-written"), b"x").unwrap();
        let path = scratch.path().to_path_buf();
        drop(scratch);
        assert!(!path.exists());
        assert!(root.path().read_dir().unwrap().next().is_none());
    }

    #[test]
    fn unwritable_parent_names_the_folder_and_the_fix() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("not-a-dir");
        fs::write(&file, b"x").unwrap();
        let err = format!(
            "{:#}",
            ScratchDir::new_in(&file.join("out"), "x").unwrap_err()
        );
        assert!(err.contains("not-a-dir/out"), "{err}");
        assert!(err.contains("--out-dir"), "{err}");
    }
}
