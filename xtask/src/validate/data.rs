//! ICE03 (each cell's data against its column's category, range, nullability and foreign key)
//! and ICE06 (no standard column missing from a table), over the standard schema in
//! [`super::schema`].

use std::collections::BTreeSet;

use super::database::{Cell, Database};
use super::schema::{self, Category};
use super::{Finding, RuleEntry, Severity};

pub const RULES: &[RuleEntry] = &[
    (
        "ICE03",
        "every cell against its column: nullability, integer range, data category (Identifier, GUID, Filename with short|long, DefaultDir, Version, Language, Condition, Formatted) and foreign key",
        ice03,
    ),
    (
        "ICE06",
        "every column the standard schema defines for a table is in the database's table",
        ice06,
    ),
];

fn ice03(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, table) in &db.tables {
        for row in table.iter() {
            for (index, def) in table.columns.iter().enumerate() {
                let cell = row.get(&def.name);
                let spec = schema::column(name, &def.name);
                let at = |message: String| {
                    Finding::new(
                        "ICE03",
                        Severity::Error,
                        name,
                        row.key(),
                        format!("column {} (#{}): {message}", def.name, index + 1),
                    )
                };
                if cell.is_null() {
                    if !def.nullable {
                        out.push(at("Null in a column that is not nullable".into()));
                    }
                    continue;
                }
                let Some(spec) = spec else { continue };
                if let (Some((min, max)), Cell::Int(n)) = (spec.range, cell) {
                    if *n < min || *n > max {
                        out.push(at(format!("{n} is outside {min}..={max}")));
                    }
                }
                if let Some(text) = cell.as_str() {
                    if let Some(problem) =
                        category_problem(db, name, spec.category, text, row.key())
                    {
                        out.push(at(problem));
                    }
                }
                if let Some((target, _)) = spec.key {
                    // A Directory's parent may be itself (the root); a null key was handled above.
                    let value = cell.display();
                    let self_root = name == "Directory" && def.name == "Directory_Parent";
                    let is_own_root = self_root && value == row.key();
                    if !is_own_root && !has_key(db, target, &value) {
                        out.push(at(format!("`{value}` is not a key of table {target}")));
                    }
                }
            }
        }
    }
    out
}

fn has_key(db: &Database, table: &str, value: &str) -> bool {
    db.rows(table).any(|r| r.key() == value)
}

fn category_problem(
    db: &Database,
    table: &str,
    category: Category,
    text: &str,
    key: String,
) -> Option<String> {
    match category {
        Category::Identifier if !schema::is_identifier(text) => {
            Some(format!("`{text}` is not a valid Identifier"))
        }
        Category::Guid if !schema::is_guid(text) => {
            Some(format!("`{text}` is not a GUID in upper case with braces"))
        }
        Category::Filename => schema::filename_problem(text),
        Category::DefaultDir => {
            let is_root = db
                .rows(table)
                .find(|r| r.key() == key)
                .is_some_and(|r| r.get("Directory_Parent").is_null());
            schema::default_dir_problem(text, is_root)
        }
        Category::Version if !schema::is_version(text) => {
            Some(format!("`{text}` is not a file version (N.N.N.N)"))
        }
        Category::Language if !schema::is_language(text) => {
            Some(format!("`{text}` is not a list of language ids"))
        }
        Category::Condition => schema::condition_problem(text),
        Category::Formatted => schema::formatted_problem(text),
        Category::RegPath if text.starts_with('\\') => {
            Some(format!("registry path `{text}` starts with a backslash"))
        }
        _ => None,
    }
}

fn ice06(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, table) in &db.tables {
        let Some(columns) = schema::columns(name) else {
            continue;
        };
        let present: BTreeSet<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        for spec in columns {
            if !present.contains(spec.name) {
                out.push(Finding::new(
                    "ICE06",
                    Severity::Error,
                    name,
                    "",
                    format!("column {} of the standard table is missing", spec.name),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, only, table, COMPONENT, FILE};

    fn files(name: &str, version: &str) -> Database {
        db(vec![
            (
                "Component",
                table(
                    &COMPONENT,
                    1,
                    &[&[
                        "C",
                        "{11111111-1111-1111-1111-111111111111}",
                        "D",
                        "i:256",
                        "",
                        "F",
                    ]],
                ),
            ),
            (
                "Directory",
                table(
                    &["Directory", "Directory_Parent", "DefaultDir"],
                    1,
                    &[
                        &["TARGETDIR", "", "SourceDir"],
                        &["D", "TARGETDIR", "SSPRWI~1|SsprWindowsLogon"],
                    ],
                ),
            ),
            (
                "File",
                table(
                    &FILE,
                    1,
                    &[&["F", "C", name, "i:2", version, "1033", "i:512", "i:1"]],
                ),
            ),
        ])
    }

    #[test]
    fn clean_tables_pass() {
        assert_eq!(
            ice03(&files("SSPRCR~1.DLL|SsprCredentialProvider.dll", "0.1.0.0")),
            []
        );
        assert_eq!(ice06(&files("a.dll", "1.0")), []);
    }

    #[test]
    fn catches_long_names_versions_and_dangling_keys() {
        let found = ice03(&files("SsprCredentialProvider.dll", "0.1.x"));
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "column FileName (#3): `SsprCredentialProvider.dll` is a long file name without a short name (short|long)",
                "column Version (#5): `0.1.x` is not a file version (N.N.N.N)",
            ]
        );
        assert!(found.iter().all(|f| f.table == "File" && f.row == "F"));
        let mut bad = files("a.dll", "1.0");
        bad.tables.get_mut("Component").unwrap().rows[0][2] = Cell::Str("Nowhere".into());
        let found = only(ice03(&bad));
        assert_eq!(
            found.message,
            "column Directory_ (#3): `Nowhere` is not a key of table Directory"
        );
    }

    #[test]
    fn a_null_in_a_key_column_is_an_error() {
        let mut bad = files("a.dll", "1.0");
        let file = bad.tables.get_mut("File").unwrap();
        file.columns[1].nullable = false;
        file.rows[0][1] = Cell::Null;
        let found = only(ice03(&bad));
        assert!(found.message.contains("not nullable"), "{found:?}");
    }

    #[test]
    fn a_missing_column_is_an_ice06_error() {
        let mut bad = files("a.dll", "1.0");
        let file = bad.tables.get_mut("File").unwrap();
        file.columns.remove(5);
        for row in &mut file.rows {
            row.remove(5);
        }
        let found = only(ice06(&bad));
        assert_eq!(
            found.message,
            "column Language of the standard table is missing"
        );
    }
}
