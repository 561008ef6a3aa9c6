//! What the package needs after wixl and wixl cannot write (docs/design.md, "wixl: the subset
//! we use"), done with msitools' `msibuild` so the compound file keeps the layout osslsigncode
//! reads:
//!
//! - File table Version and Language from each PE file's version resource;
//! - short names (`short|long`) in the File and Directory tables;
//! - Feature Attributes as the sources author them (wixl drops `Absent`, `AllowAdvertise`);
//! - the RemoveFile rows of `wix/RemoveFile.idt` (wixl aborts on `RemoveFile` and drops
//!   `RemoveFolder/@Directory`): the log folder and its files go on uninstall;
//! - a `_Validation` table describing every column (wixl writes none).
//!
//! `cargo xtask validate-msi` (SSPR01, SSPR02, SSPR06, ICE03) checks every one of these.

mod pe_version;
mod short_names;
mod validation_table;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::command::ToolCommand;
use crate::validate::{authored, Database};

/// Rows wixl cannot author, imported as they are (an IDT file: tab-separated, three header
/// lines). Each replaces the table of its name.
pub const IDT_FILES: [&str; 1] = ["RemoveFile.idt"];

/// Applies every fix-up to the MSI at `msi`, built from the files in `stage_dir` and the
/// sources in `wix_dir`.
pub fn apply(msi: &Path, stage_dir: &Path, wix_dir: &Path) -> Result<()> {
    for idt in IDT_FILES {
        msibuild(msi, &["-i".as_ref(), wix_dir.join(idt).as_os_str()])?;
    }
    let db = Database::read(msi)?;
    let mut queries = file_queries(&db, stage_dir)?;
    queries.extend(directory_queries(&db));
    queries.extend(feature_queries(&db, &authored::from_dir(wix_dir)?));
    for query in &queries {
        msibuild(msi, &["-q".as_ref(), query.as_ref()])?;
    }
    let db = Database::read(msi)?;
    let scratch = tempfile_in(msi)?;
    let idt = scratch.join("_Validation.idt");
    std::fs::write(&idt, validation_table::idt(&db))
        .with_context(|| format!("cannot write {}", idt.display()))?;
    let result = msibuild(msi, &["-i".as_ref(), idt.as_os_str()]);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// A private folder beside `msi` for the generated IDT file.
fn tempfile_in(msi: &Path) -> Result<std::path::PathBuf> {
    let dir = msi
        .parent()
        .context("the MSI path has no folder")?
        .join(format!(".fixup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn msibuild(msi: &Path, args: &[&std::ffi::OsStr]) -> Result<()> {
    let mut command = ToolCommand::new("msibuild").arg(msi);
    for arg in args {
        command = command.arg(arg);
    }
    let output = command.output()?;
    if !output.status.success() || !output.stderr.is_empty() {
        bail!(
            "`{command}` failed on {}: {}",
            msi.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// `'` doubled, for a string literal in msibuild's SQL.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn long_name(file_name: &str) -> &str {
    file_name.rsplit('|').next().unwrap_or(file_name)
}

/// Short names and, for PE files, Version and Language.
fn file_queries(db: &Database, stage_dir: &Path) -> Result<Vec<String>> {
    let mut taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let directory_of: BTreeMap<&str, &str> = db
        .rows("Component")
        .filter_map(|c| Some((c.str("Component")?, c.str("Directory_")?)))
        .collect();
    let mut queries = Vec::new();
    for f in db.rows("File") {
        let (Some(key), Some(name)) = (f.str("File"), f.str("FileName")) else {
            continue;
        };
        let folder = f
            .str("Component_")
            .and_then(|c| directory_of.get(c))
            .copied()
            .unwrap_or_default();
        let long = long_name(name);
        let mut sets = Vec::new();
        if !name.contains('|') {
            let named = short_names::with_short_name(long, taken.entry(folder.into()).or_default());
            if named != name {
                sets.push(format!("`FileName` = {}", quote(&named)));
            }
        }
        let path = stage_dir.join(long);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if bytes.starts_with(b"MZ") {
            let Some(found) = pe_version::read(&bytes)
                .with_context(|| format!("cannot read the PE image {}", path.display()))?
            else {
                bail!(
                    "{} has no version resource: Windows Installer would treat it as unversioned \
                     (give its crate a VERSIONINFO in its build script)",
                    path.display()
                );
            };
            sets.push(format!("`Version` = {}", quote(&found.version)));
            sets.push(format!(
                "`Language` = {}",
                quote(&found.language.to_string())
            ));
        }
        if !sets.is_empty() {
            queries.push(format!(
                "UPDATE `File` SET {} WHERE `File` = {}",
                sets.join(", "),
                quote(key)
            ));
        }
    }
    Ok(queries)
}

fn directory_queries(db: &Database) -> Vec<String> {
    let mut taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queries = Vec::new();
    for d in db.rows("Directory") {
        let (Some(key), Some(default_dir)) = (d.str("Directory"), d.str("DefaultDir")) else {
            continue;
        };
        // Roots (no parent) and folder properties (".") keep their names.
        let Some(parent) = d.str("Directory_Parent") else {
            continue;
        };
        if default_dir == "." || default_dir.contains('|') || default_dir.contains(':') {
            continue;
        }
        let named =
            short_names::with_short_name(default_dir, taken.entry(parent.into()).or_default());
        if named != default_dir {
            queries.push(format!(
                "UPDATE `Directory` SET `DefaultDir` = {} WHERE `Directory` = {}",
                quote(&named),
                quote(key)
            ));
        }
    }
    queries
}

fn feature_queries(db: &Database, authored: &BTreeMap<String, i32>) -> Vec<String> {
    db.rows("Feature")
        .filter_map(|f| {
            let key = f.str("Feature")?;
            let wanted = *authored.get(key)?;
            (f.int("Attributes") != Some(wanted)).then(|| {
                format!(
                    "UPDATE `Feature` SET `Attributes` = {wanted} WHERE `Feature` = {}",
                    quote(key)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, table};

    #[test]
    fn directories_get_short_names_folder_properties_do_not() {
        let db = db(vec![(
            "Directory",
            table(
                &["Directory", "Directory_Parent", "DefaultDir"],
                1,
                &[
                    &["TARGETDIR", "", "SourceDir"],
                    &["ProgramFiles64Folder", "TARGETDIR", "."],
                    &["INSTALLFOLDER", "ProgramFiles64Folder", "SsprWindowsLogon"],
                    &["LogsFolder", "DataFolder", "logs"],
                ],
            ),
        )]);
        assert_eq!(
            directory_queries(&db),
            ["UPDATE `Directory` SET `DefaultDir` = 'SSPRWI~1|SsprWindowsLogon' WHERE `Directory` = 'INSTALLFOLDER'"]
        );
    }

    #[test]
    fn features_get_the_authored_attributes() {
        let db = db(vec![(
            "Feature",
            table(&["Feature", "Attributes"], 1, &[&["Complete", "i:0"]]),
        )]);
        let authored = [("Complete".to_owned(), 24)].into_iter().collect();
        assert_eq!(
            feature_queries(&db, &authored),
            ["UPDATE `Feature` SET `Attributes` = 24 WHERE `Feature` = 'Complete'"]
        );
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(quote("it's"), "'it''s'");
    }
}
