//! The project's own rules (`SSPR*`): what a packaging team also asks of this package and no
//! ICE checks.

use std::collections::BTreeSet;

use super::database::Database;
use super::properties::{condition_properties, formatted_properties};
use super::sequences::sequence;
use super::{each_row, Finding, RuleEntry, Severity};

pub const RULES: &[RuleEntry] = &[
    ("SSPR01", "every PE file (.dll, .exe, .sys, .ocx, .cpl) carries its version and language in the File table", sspr01),
    ("SSPR02", "Feature attributes are those the WiX sources author (wixl drops Absent and AllowAdvertise)", sspr02),
    ("SSPR03", "the summary Template's platform matches every component's bitness (x64: all 64-bit; Intel: none)", sspr03),
    ("SSPR04", "a public property written to the registry and read back by AppSearch has a normalisation path before LaunchConditions, or a launch condition, for stray stored values", sspr04),
    ("SSPR05", "RemoveExistingProducts runs inside the installation transaction (after InstallInitialize, before InstallFinalize), so a failed upgrade rolls back to the old version", sspr05),
    ("SSPR06", "a _Validation table describes every column of every table", sspr06),
];

const PE_EXTENSIONS: &[&str] = &[".dll", ".exe", ".sys", ".ocx", ".cpl", ".drv"];

fn long_name(file_name: &str) -> &str {
    file_name.rsplit('|').next().unwrap_or(file_name)
}

fn sspr01(db: &Database) -> Vec<Finding> {
    each_row(db, "SSPR01", Severity::Error, "File", |f| {
        let name = long_name(f.str("FileName")?);
        let lower = name.to_ascii_lowercase();
        if !PE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
            return None;
        }
        let missing = match (f.get("Version").is_null(), f.get("Language").is_null()) {
            (false, false) => return None,
            (true, true) => "Version and Language",
            (true, false) => "Version",
            (false, true) => "Language",
        };
        Some(format!(
            "{name} is a PE file without {missing} in the File table: Windows Installer treats it as unversioned"
        ))
    })
}

fn sspr02(db: &Database) -> Vec<Finding> {
    let Some(authored) = &db.authored_features else {
        return vec![Finding::new(
            "SSPR02",
            Severity::Info,
            "Feature",
            "",
            "not checked: no WiX sources given (--sources)",
        )];
    };
    let mut out = Vec::new();
    for (feature, expected) in authored {
        let found = db
            .rows("Feature")
            .find(|r| r.str("Feature") == Some(feature.as_str()))
            .map(|r| r.int("Attributes").unwrap_or(0));
        match found {
            Some(actual) if actual == *expected => {}
            Some(actual) => out.push(Finding::new(
                "SSPR02",
                Severity::Error,
                "Feature",
                feature.as_str(),
                format!("Attributes {actual}, the sources author {expected}"),
            )),
            None => out.push(Finding::new(
                "SSPR02",
                Severity::Error,
                "Feature",
                feature.as_str(),
                "authored in the sources, missing from the Feature table",
            )),
        }
    }
    out
}

fn sspr03(db: &Database) -> Vec<Finding> {
    let want_64 = match db.summary.platform.as_str() {
        "x64" | "Arm64" | "Intel64" => true,
        "Intel" => false,
        other => {
            return vec![Finding::new(
                "SSPR03",
                Severity::Error,
                "",
                "",
                format!("summary Template platform `{other}` is none of x64, Intel, Arm64"),
            )]
        }
    };
    each_row(db, "SSPR03", Severity::Error, "Component", |c| {
        ((c.int("Attributes").unwrap_or(0) & 256 != 0) != want_64).then(|| {
            format!(
                "is {}-bit in a {} package (Template {})",
                if want_64 { 32 } else { 64 },
                if want_64 { "64-bit" } else { "32-bit" },
                db.summary.platform
            )
        })
    })
}

fn is_public(name: &str) -> bool {
    name.chars().all(|c| !c.is_ascii_lowercase())
}

fn sspr04(db: &Database) -> Vec<Finding> {
    let written: BTreeSet<String> = db
        .rows("Registry")
        .flat_map(|r| r.str("Value").map(formatted_properties).unwrap_or_default())
        .filter(|p| is_public(p))
        .collect();
    let read_back: BTreeSet<String> = db
        .rows("AppSearch")
        .filter_map(|r| r.str("Property").map(str::to_owned))
        .collect();
    let checked: BTreeSet<String> = db
        .rows("LaunchCondition")
        .flat_map(|r| {
            r.str("Condition")
                .map(condition_properties)
                .unwrap_or_default()
        })
        .collect();
    let mut out = Vec::new();
    for property in written.intersection(&read_back) {
        let missing: Vec<&str> = ["InstallExecuteSequence", "InstallUISequence"]
            .into_iter()
            .filter(|t| db.table(t).is_some() && !normalised(db, t, property))
            .collect();
        if missing.is_empty() {
            continue;
        }
        if checked.contains(property) {
            out.push(Finding::new(
                "SSPR04",
                Severity::Error,
                "AppSearch",
                property.as_str(),
                format!(
                    "{property} is read back from the registry and checked by a launch condition, with no custom action in {} replacing a stray stored value first: one unexpected value on a machine blocks every upgrade",
                    missing.join(", ")
                ),
            ));
        } else {
            out.push(Finding::new(
                "SSPR04",
                Severity::Warning,
                "AppSearch",
                property.as_str(),
                format!("{property} is written to the registry and read back, and neither a launch condition nor a normalisation checks the value read back"),
            ));
        }
    }
    out
}

/// A property-setting custom action for `property` with a constant value, conditioned on a
/// comparison with `property` (`<>`), scheduled after AppSearch and before LaunchConditions.
fn normalised(db: &Database, table: &str, property: &str) -> bool {
    let seq = sequence(db, table);
    let (Some(search), Some(launch)) = (seq.get("AppSearch"), seq.get("LaunchConditions")) else {
        return false;
    };
    db.rows("CustomAction")
        .filter(|ca| {
            ca.int("Type").is_some_and(|t| t & 0x3F == 51)
                && ca.str("Source") == Some(property)
                && !ca.str("Target").unwrap_or_default().contains('[')
        })
        .filter_map(|ca| ca.str("Action"))
        .any(|action| {
            db.rows(table).any(|r| {
                r.str("Action") == Some(action)
                    && r.int("Sequence")
                        .is_some_and(|n| n > *search && n < *launch)
                    && r.str("Condition").is_some_and(|c| {
                        c.contains("<>") && condition_properties(c).iter().any(|p| p == property)
                    })
            })
        })
}

fn sspr05(db: &Database) -> Vec<Finding> {
    let seq = sequence(db, "InstallExecuteSequence");
    let (Some(rep), Some(init), Some(fin)) = (
        seq.get("RemoveExistingProducts"),
        seq.get("InstallInitialize"),
        seq.get("InstallFinalize"),
    ) else {
        return Vec::new();
    };
    if rep > init && rep < fin {
        return Vec::new();
    }
    vec![Finding::new(
        "SSPR05",
        Severity::Error,
        "InstallExecuteSequence",
        "RemoveExistingProducts",
        format!("at {rep}, outside the transaction InstallInitialize ({init})..InstallFinalize ({fin}): if the new version fails to install, the old one is already gone"),
    )]
}

fn sspr06(db: &Database) -> Vec<Finding> {
    let Some(validation) = db.table("_Validation") else {
        return vec![Finding::new(
            "SSPR06",
            Severity::Error,
            "_Validation",
            "",
            "the package has no _Validation table: validation tools cannot check its data",
        )];
    };
    let described: BTreeSet<(String, String)> = validation
        .iter()
        .filter_map(|r| Some((r.str("Table")?.to_owned(), r.str("Column")?.to_owned())))
        .collect();
    let mut out = Vec::new();
    for (name, table) in &db.tables {
        if name.starts_with('_') {
            continue;
        }
        for column in &table.columns {
            if !described.contains(&(name.clone(), column.name.clone())) {
                out.push(Finding::new(
                    "SSPR06",
                    Severity::Error,
                    "_Validation",
                    format!("{name}.{}", column.name),
                    "column not described in _Validation",
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, only, table, FILE, REGISTRY};
    use crate::validate::database::Cell;

    #[test]
    fn sspr01_pe_files_need_version_and_language() {
        let dll = "SSPRCR~1.DLL|SsprCredentialProvider.dll";
        let files = table(
            &FILE,
            1,
            &[
                &["Dll", "C", dll, "i:1", "0.1.0.0", "1033", "i:512", "i:1"],
                &["Exe", "C", "SsprDiag.exe", "i:1", "", "", "i:512", "i:2"],
                &["Txt", "C", "README.txt", "i:1", "", "", "i:512", "i:3"],
            ],
        );
        let found = only(sspr01(&db(vec![("File", files)])));
        assert_eq!(found.row, "Exe");
        assert_eq!(found.message, "SsprDiag.exe is a PE file without Version and Language in the File table: Windows Installer treats it as unversioned");
    }

    #[test]
    fn sspr02_feature_attributes_as_authored() {
        let mut db = db(vec![(
            "Feature",
            table(&["Feature", "Attributes"], 1, &[&["Complete", "i:0"]]),
        )]);
        assert_eq!(sspr02(&db)[0].severity, Severity::Info);
        db.authored_features = Some([("Complete".to_owned(), 24)].into_iter().collect());
        assert_eq!(
            sspr02(&db)[0].message,
            "Attributes 0, the sources author 24"
        );
    }

    #[test]
    fn sspr03_template_and_bitness() {
        let mut db = db(vec![(
            "Component",
            table(
                &["Component", "Attributes"],
                1,
                &[&["A", "i:256"], &["B", "i:4"]],
            ),
        )]);
        assert_eq!(sspr03(&db).len(), 1);
        db.summary.platform = "Intel".into();
        assert_eq!(sspr03(&db)[0].row, "A");
    }

    fn read_back(with_normaliser: bool) -> Database {
        let mut sequence: Vec<&[&str]> = vec![
            &["AppSearch", "", "i:50"],
            &["LaunchConditions", "", "i:100"],
        ];
        if with_normaliser {
            sequence.push(&[
                "StrayDisabled",
                "DISABLED <> \"0\" AND DISABLED <> \"1\"",
                "i:66",
            ]);
        }
        db(vec![
            (
                "Registry",
                table(
                    &REGISTRY,
                    1,
                    &[&["r", "i:2", "K", "Disabled", "#[DISABLED]", "C"]],
                ),
            ),
            (
                "AppSearch",
                table(&["Property", "Signature_"], 2, &[&["DISABLED", "s"]]),
            ),
            (
                "LaunchCondition",
                table(
                    &["Condition", "Description"],
                    1,
                    &[&["Installed OR DISABLED = \"0\" OR DISABLED = \"1\"", "m"]],
                ),
            ),
            (
                "CustomAction",
                table(
                    &["Action", "Type", "Source", "Target"],
                    1,
                    &[&["StrayDisabled", "i:51", "DISABLED", "0"]],
                ),
            ),
            (
                "InstallExecuteSequence",
                table(&["Action", "Condition", "Sequence"], 1, &sequence),
            ),
        ])
    }

    #[test]
    fn sspr04_a_checked_read_back_value_needs_a_normaliser() {
        let found = only(sspr04(&read_back(false)));
        assert_eq!(
            (found.row.as_str(), found.severity),
            ("DISABLED", Severity::Error)
        );
        assert_eq!(sspr04(&read_back(true)), []);
    }

    #[test]
    fn sspr05_remove_existing_products_in_the_transaction() {
        let seq = |rep: &str| {
            db(vec![(
                "InstallExecuteSequence",
                table(
                    &["Action", "Condition", "Sequence"],
                    1,
                    &[
                        &["InstallInitialize", "", "i:1500"],
                        &["RemoveExistingProducts", "", rep],
                        &["InstallFinalize", "", "i:6600"],
                    ],
                ),
            )])
        };
        assert_eq!(sspr05(&seq("i:1501")), []);
        assert_eq!(sspr05(&seq("i:1401"))[0].row, "RemoveExistingProducts");
    }

    #[test]
    fn sspr06_validation_table_covers_every_column() {
        let mut db = db(vec![("Property", table(&["Property", "Value"], 1, &[]))]);
        assert_eq!(
            sspr06(&db)[0].message,
            "the package has no _Validation table: validation tools cannot check its data"
        );
        db.tables.insert(
            "_Validation".into(),
            table(&["Table", "Column"], 2, &[&["Property", "Property"]]),
        );
        let found = only(sspr06(&db));
        assert_eq!(found.row, "Property.Value");
        db.tables.get_mut("_Validation").unwrap().rows.push(vec![
            Cell::Str("Property".into()),
            Cell::Str("Value".into()),
        ]);
        assert_eq!(sspr06(&db), []);
    }
}
