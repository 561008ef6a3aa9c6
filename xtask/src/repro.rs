//! Reproducible MSIs: wixl stamps each package with a random PackageCode and the build time
//! (DESIGN section 6). This rewrites those summary fields: times from `SOURCE_DATE_EPOCH`, and
//! a PackageCode derived from the package's own bytes, so the same inputs give the same file
//! and any change in content gives a new PackageCode (as Windows Installer requires).

use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

fn set_summary(path: &Path, package_code: uuid::Uuid, epoch: u64) -> Result<()> {
    let mut package = msi::open_rw(path)
        .with_context(|| format!("cannot open {} to pin its summary information", path.display()))?;
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch);
    let summary = package.summary_info_mut();
    summary.set_uuid(package_code);
    summary.set_creation_time(time);
    summary.set_last_save_time(time);
    summary.clear_last_printed();
    package.flush().with_context(|| format!("cannot write {}", path.display()))
}

/// Pins the summary times to `epoch`, then sets the PackageCode to a name-based GUID over the
/// package's bytes as they are with a nil PackageCode.
pub fn pin_package(path: &Path, epoch: u64) -> Result<uuid::Uuid> {
    set_summary(path, uuid::Uuid::nil(), epoch)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let digest = Sha256::new().chain_update(b"SsprWindowsLogon PackageCode\0").chain_update(&bytes).finalize();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&digest[..16]);
    let code = uuid::Builder::from_custom_bytes(raw).into_uuid();
    set_summary(path, code, epoch)?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal package made with the msi crate itself, standing in for wixl's output.
    fn package(dir: &Path, name: &str, title: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        let mut package = msi::Package::create(msi::PackageType::Installer, file).unwrap();
        package.summary_info_mut().set_title(title);
        package.summary_info_mut().set_uuid(uuid::Uuid::from_u128(std::process::id() as u128 ^ title.len() as u128 ^ SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos()));
        package.summary_info_mut().set_creation_time_to_now();
        package.summary_info_mut().set_last_save_time_to_now();
        package.flush().unwrap();
        path
    }

    #[test]
    fn same_content_same_bytes_and_code() {
        let dir = tempfile::tempdir().unwrap();
        let a = package(dir.path(), "a.msi", "one");
        std::thread::sleep(Duration::from_millis(1100));
        let b = package(dir.path(), "b.msi", "one");
        assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let code_a = pin_package(&a, 1_700_000_000).unwrap();
        let code_b = pin_package(&b, 1_700_000_000).unwrap();
        assert_eq!(code_a, code_b);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let summary = msi::open(&a).unwrap();
        assert_eq!(summary.summary_info().uuid(), Some(code_a));
        assert_eq!(
            summary.summary_info().creation_time(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[test]
    fn different_content_different_code() {
        let dir = tempfile::tempdir().unwrap();
        let a = package(dir.path(), "a.msi", "one");
        let b = package(dir.path(), "b.msi", "two");
        assert_ne!(pin_package(&a, 1).unwrap(), pin_package(&b, 1).unwrap());
    }
}
