//! A built MSI as msitools sees it: identity, tables, summary information and payload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context as _};

use crate::config::Arch;
use crate::process;

const MSITOOLS_TIMEOUT: Duration = Duration::from_secs(60);

/// One MSI of the dist folder, with the codes read from its Property table.
#[derive(Clone, Debug)]
pub struct Package {
    pub path: PathBuf,
    pub arch: Arch,
    /// The version `cargo xtask test` says it built (checked against `ProductVersion`).
    pub version: String,
    pub product_code: String,
    pub upgrade_code: String,
}

impl Package {
    /// Reads the package's identity and checks its `ProductVersion` is `version`.
    pub fn open(path: &Path, version: &str, arch: Arch) -> anyhow::Result<Self> {
        let properties = properties(path)?;
        let property = |name: &str| {
            properties
                .get(name)
                .cloned()
                .with_context(|| format!("{} has no {name} property", path.display()))
        };
        let product_version = property("ProductVersion")?;
        if product_version != version {
            bail!(
                "{} has ProductVersion {product_version}, but the environment says {version}: \
                 rebuild with `cargo xtask test`",
                path.display()
            );
        }
        Ok(Self {
            path: path.to_owned(),
            arch,
            version: version.to_owned(),
            product_code: property("ProductCode")?,
            upgrade_code: property("UpgradeCode")?,
        })
    }

    /// The file name the package has in the dist folder.
    pub fn file_name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("SsprWindowsLogon.PROD.msi")
    }

    /// The package's Add/Remove Programs key.
    pub fn uninstall_key(&self) -> String {
        format!(r"{}\{}", crate::UNINSTALL_KEY, self.product_code)
    }

    /// A table, as `msiinfo export` prints it.
    pub fn table(&self, name: &str) -> anyhow::Result<MsiTable> {
        export_table(&self.path, name)
    }

    /// The `Template` line of the summary information (`x64;1033`, `Intel;1033`).
    pub fn template(&self) -> anyhow::Result<String> {
        let mut command = Command::new("msiinfo");
        command.arg("suminfo").arg(&self.path);
        let output = process::run(command, MSITOOLS_TIMEOUT)?.success("msiinfo suminfo")?;
        output
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("Template: "))
            .map(|template| template.trim().to_owned())
            .with_context(|| {
                format!(
                    "msiinfo suminfo {} printed no Template",
                    self.path.display()
                )
            })
    }

    /// The payload files by name, extracted with `msiextract` into `scratch`.
    pub fn payload(&self, scratch: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
        std::fs::create_dir_all(scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let mut command = Command::new("msiextract");
        command.arg("-C").arg(scratch).arg(&self.path);
        process::run(command, MSITOOLS_TIMEOUT)?.success("msiextract")?;
        let mut files = BTreeMap::new();
        collect_files(scratch, &mut files)?;
        Ok(files)
    }
}

fn collect_files(dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if let Some(name) = path.file_name().and_then(|name| name.to_str()) {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(name.to_owned(), bytes);
        }
    }
    Ok(())
}

/// `IMAGE_FILE_MACHINE_I386`: a 32-bit x86 image.
pub const MACHINE_I386: u16 = 0x014C;
/// `IMAGE_FILE_MACHINE_AMD64`: an x64 image.
pub const MACHINE_AMD64: u16 = 0x8664;

/// The COFF machine of a PE image, `None` when `image` is not one.
pub fn pe_machine(image: &[u8]) -> Option<u16> {
    let offset = u32::from_le_bytes(image.get(0x3C..0x40)?.try_into().ok()?) as usize;
    if image.get(offset..offset.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    Some(u16::from_le_bytes(
        image.get(offset + 4..offset + 6)?.try_into().ok()?,
    ))
}

/// A table exported by `msiinfo export`: column names and rows keyed by column.
#[derive(Debug)]
pub struct MsiTable {
    pub columns: Vec<String>,
    pub rows: Vec<BTreeMap<String, String>>,
}

impl MsiTable {
    /// Parses `msiinfo export` output: column names, column types, table name and keys, rows.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut lines = text.split("\r\n").flat_map(|line| line.split('\n'));
        let columns: Vec<String> = lines
            .next()
            .context("empty export")?
            .split('\t')
            .map(str::to_owned)
            .collect();
        lines.next().context("export has no column types")?;
        lines.next().context("export has no table line")?;
        let rows = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                columns
                    .iter()
                    .cloned()
                    .zip(line.split('\t').map(str::to_owned))
                    .collect()
            })
            .collect();
        Ok(Self { columns, rows })
    }

    /// The values of one column, in row order.
    pub fn column(&self, name: &str) -> Vec<&str> {
        self.rows
            .iter()
            .filter_map(|row| row.get(name).map(String::as_str))
            .collect()
    }
}

fn export_table(path: &Path, table: &str) -> anyhow::Result<MsiTable> {
    let mut command = Command::new("msiinfo");
    command.arg("export").arg(path).arg(table);
    let output = process::run(command, MSITOOLS_TIMEOUT)?
        .success(&format!("msiinfo export {} {table}", path.display()))?;
    MsiTable::parse(&output.stdout)
}

fn properties(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let table = export_table(path, "Property")?;
    Ok(table
        .rows
        .into_iter()
        .filter_map(|mut row| Some((row.remove("Property")?, row.remove("Value")?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_msiinfo_export() {
        let text = "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n\
                    ProductCode\t{D1C706E6-E316-5CB5-82F7-B35A319D455F}\r\nProductVersion\t0.1.0\r\n";
        let table = MsiTable::parse(text).unwrap();
        assert_eq!(table.columns, ["Property", "Value"]);
        assert_eq!(table.column("Property"), ["ProductCode", "ProductVersion"]);
        assert_eq!(
            table.column("Value"),
            ["{D1C706E6-E316-5CB5-82F7-B35A319D455F}", "0.1.0"]
        );
    }

    #[test]
    fn reads_the_coff_machine() {
        let mut image = vec![0u8; 0x90];
        image[0x3C] = 0x80;
        image[0x80..0x84].copy_from_slice(b"PE\0\0");
        image[0x84..0x86].copy_from_slice(&MACHINE_AMD64.to_le_bytes());
        assert_eq!(pe_machine(&image), Some(MACHINE_AMD64));
        assert_eq!(pe_machine(&image[..0x40]), None);
        image[0x80] = b'X';
        assert_eq!(pe_machine(&image), None);
    }

    #[test]
    fn empty_cells_stay_empty() {
        let text = "A\tB\tC\ns72\tS72\tS72\nT\tA\nx\t\tz\n";
        let table = MsiTable::parse(text).unwrap();
        assert_eq!(table.column("B"), [""]);
        assert_eq!(table.column("C"), ["z"]);
    }
}
