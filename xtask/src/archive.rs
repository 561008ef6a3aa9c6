//! The per-arch zip: the MSI, the README and the licence under one top folder, with every
//! entry's time pinned to `SOURCE_DATE_EPOCH` so the same inputs give the same bytes.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// The deflate level of every entry.
const ZIP_LEVEL: i64 = 1;

/// Writes `zip_path` with `entries` (name inside the folder, source file) under `folder/`.
pub fn write_zip(
    zip_path: &Path,
    folder: &str,
    entries: &[(&str, &Path)],
    epoch: u64,
) -> Result<()> {
    let file =
        File::create(zip_path).with_context(|| format!("cannot create {}", zip_path.display()))?;
    let mut zip = ZipWriter::new(file);
    // Level 1: the MSI, nearly all of each zip, is already a compressed cabinet. Measured on both
    // MSIs with the debug-built xtask: level 9 made the zips 0.1% smaller and took 1.5-2x as long.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(ZIP_LEVEL))
        .unix_permissions(0o644)
        .last_modified_time(zip_time(epoch)?);
    for (name, source) in entries {
        let bytes =
            std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?;
        zip.start_file(format!("{folder}/{name}"), options)?;
        zip.write_all(&bytes)?;
    }
    zip.finish()?
        .sync_all()
        .with_context(|| format!("cannot write {}", zip_path.display()))?;
    Ok(())
}

/// Zip times are local civil times from 1980 to 2107 at two-second resolution; earlier epochs
/// are clamped to 1980-01-01.
fn zip_time(epoch: u64) -> Result<DateTime> {
    let (year, month, day, hour, minute, second) = civil_from_epoch(epoch.max(315_532_800));
    DateTime::from_date_and_time(year, month, day, hour, minute, second).map_err(|_| {
        anyhow::anyhow!("SOURCE_DATE_EPOCH {epoch} is outside what a zip can store (1980-2107)")
    })
}

/// UTC calendar fields of a Unix time, as the zip crate takes them.
pub fn civil_from_epoch(epoch: u64) -> (u16, u8, u8, u8, u8, u8) {
    let c = sspr_utc::Civil::from_unix(epoch);
    (
        u16::try_from(c.year).unwrap_or(u16::MAX),
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_epoch(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_epoch(315_532_800), (1980, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_epoch(1_795_867_199), (2026, 11, 28, 11, 59, 59));
        assert_eq!(civil_from_epoch(951_782_400), (2000, 2, 29, 0, 0, 0));
    }

    #[test]
    fn same_inputs_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("README.md");
        std::fs::write(&src, b"hello").unwrap();
        let a = dir.path().join("a.zip");
        let b = dir.path().join("b.zip");
        write_zip(&a, "top", &[("README.md", &src)], 1_700_000_000).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write_zip(&b, "top", &[("README.md", &src)], 1_700_000_000).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let mut archive = zip::ZipArchive::new(File::open(&a).unwrap()).unwrap();
        assert_eq!(archive.by_index(0).unwrap().name(), "top/README.md");
    }
}
