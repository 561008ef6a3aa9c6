//! Rules over the sequence tables and custom actions: ICE12, 27, 68, 82.

use std::collections::BTreeMap;

use super::database::Database;
use super::{Finding, RuleEntry, Severity};

pub const RULES: &[RuleEntry] = &[
    ("ICE12", "property-setting custom actions (types 35, 51) are scheduled on the right side of CostFinalize", ice12),
    ("ICE27", "standard actions in the order and section Windows Installer requires (search, costing, InstallValidate, the InstallInitialize..InstallFinalize script, RemoveExistingProducts in an allowed place)", ice27),
    ("ICE68", "custom action types are valid; NoImpersonate only on deferred (in-script) actions", ice68),
    ("ICE82", "no two actions of a sequence table share a sequence number", ice82),
];

pub const SEQUENCE_TABLES: [&str; 5] = [
    "InstallExecuteSequence",
    "InstallUISequence",
    "AdminExecuteSequence",
    "AdminUISequence",
    "AdvtExecuteSequence",
];

/// action -> sequence number, for the actions of `table` with a positive number.
pub fn sequence(db: &Database, table: &str) -> BTreeMap<String, i32> {
    db.rows(table)
        .filter_map(|r| Some((r.str("Action")?.to_owned(), r.int("Sequence")?)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Actions that write the installation script: only between InstallInitialize and
/// InstallFinalize, never in a UI sequence.
const SCRIPT_ACTIONS: &[&str] = &[
    "AllocateRegistrySpace",
    "BindImage",
    "CreateFolders",
    "CreateShortcuts",
    "DeleteServices",
    "DuplicateFiles",
    "InstallFiles",
    "InstallServices",
    "MoveFiles",
    "PatchFiles",
    "ProcessComponents",
    "PublishComponents",
    "PublishFeatures",
    "PublishProduct",
    "RegisterClassInfo",
    "RegisterExtensionInfo",
    "RegisterProduct",
    "RegisterProgIdInfo",
    "RegisterTypeLibraries",
    "RegisterUser",
    "RemoveDuplicateFiles",
    "RemoveEnvironmentStrings",
    "RemoveFiles",
    "RemoveFolders",
    "RemoveIniValues",
    "RemoveRegistryValues",
    "RemoveShortcuts",
    "SelfRegModules",
    "SelfUnregModules",
    "StartServices",
    "StopServices",
    "UnpublishComponents",
    "UnpublishFeatures",
    "UnregisterClassInfo",
    "WriteEnvironmentStrings",
    "WriteIniValues",
    "WriteRegistryValues",
];

/// Actions that must come before costing starts.
const SEARCH_ACTIONS: &[&str] = &[
    "AppSearch",
    "CCPSearch",
    "FindRelatedProducts",
    "LaunchConditions",
    "RMCCPSearch",
];

/// (earlier, later) pairs that must hold when both actions are scheduled.
const ORDER: &[(&str, &str)] = &[
    ("CostInitialize", "FileCost"),
    ("FileCost", "CostFinalize"),
    ("CostFinalize", "MigrateFeatureStates"),
    ("CostFinalize", "InstallValidate"),
    ("InstallValidate", "InstallInitialize"),
    ("InstallInitialize", "InstallFinalize"),
    ("FindRelatedProducts", "MigrateFeatureStates"),
    ("AppSearch", "LaunchConditions"),
];

fn ice27(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in ["InstallExecuteSequence", "AdminExecuteSequence"] {
        let seq = sequence(db, table);
        let at = |name: &str| seq.get(name).copied();
        let mut push = |row: &str, message: String| {
            out.push(Finding::new("ICE27", Severity::Error, table, row, message))
        };
        for (first, second) in ORDER {
            if let (Some(a), Some(b)) = (at(first), at(second)) {
                if a >= b {
                    push(second, format!("must come after {first} ({a}), is at {b}"));
                }
            }
        }
        if let Some(cost) = at("CostInitialize") {
            for action in SEARCH_ACTIONS {
                if let Some(n) = at(action).filter(|n| *n > cost) {
                    push(
                        action,
                        format!("must come before CostInitialize ({cost}), is at {n}"),
                    );
                }
            }
        }
        if let (Some(init), Some(fin)) = (at("InstallInitialize"), at("InstallFinalize")) {
            for action in SCRIPT_ACTIONS {
                if let Some(n) = at(action).filter(|n| *n < init || *n > fin) {
                    push(action, format!("writes the installation script: must be between InstallInitialize ({init}) and InstallFinalize ({fin}), is at {n}"));
                }
            }
        }
        if let Some(problem) = remove_existing_products_problem(&seq) {
            push("RemoveExistingProducts", problem);
        }
    }
    for table in ["InstallUISequence", "AdminUISequence"] {
        for action in sequence(db, table).keys() {
            if SCRIPT_ACTIONS.contains(&action.as_str()) || action == "InstallInitialize" {
                out.push(Finding::new(
                    "ICE27",
                    Severity::Error,
                    table,
                    action,
                    "is an execute-sequence action and cannot run in a UI sequence",
                ));
            }
        }
    }
    out
}

/// Where Microsoft's "RemoveExistingProducts Action" page allows the action: between
/// InstallValidate and InstallInitialize; after InstallInitialize before any action that writes
/// the script; between InstallExecute(Again) and InstallFinalize; or after InstallFinalize.
fn remove_existing_products_problem(seq: &BTreeMap<String, i32>) -> Option<String> {
    let at = |name: &str| seq.get(name).copied();
    let rep = at("RemoveExistingProducts")?;
    let validate = at("InstallValidate")?;
    if rep < validate {
        return Some(format!(
            "must come after InstallValidate ({validate}), is at {rep}"
        ));
    }
    let (Some(init), Some(fin)) = (at("InstallInitialize"), at("InstallFinalize")) else {
        return None;
    };
    if rep < init || rep > fin {
        return None;
    }
    // Inside the script: fine right after InstallInitialize, or after InstallExecute(Again),
    // as long as no script-writing action runs between that point and it.
    let start = ["InstallExecute", "InstallExecuteAgain"]
        .iter()
        .filter_map(|a| at(a))
        .filter(|n| *n < rep)
        .max()
        .unwrap_or(init);
    let before: Vec<&str> = SCRIPT_ACTIONS
        .iter()
        .filter(|a| at(a).is_some_and(|n| n > start && n < rep))
        .copied()
        .collect();
    (!before.is_empty()).then(|| {
        format!(
            "at {rep}, after {} which already write the script: schedule it right after InstallInitialize or after InstallExecute",
            before.join(", ")
        )
    })
}

/// Custom action type parts.
const BASE_MASK: i32 = 0x3F;
const IN_SCRIPT: i32 = 0x400;
const NO_IMPERSONATE: i32 = 0x800;
const TS_AWARE: i32 = 0x4000;
/// Base types Windows Installer defines (DLL, EXE, JScript, VBScript, nested install and the
/// property/directory setters, with their source locations).
const BASE_TYPES: &[i32] = &[
    1, 2, 5, 6, 7, 17, 18, 19, 21, 22, 23, 34, 35, 37, 38, 39, 50, 51, 53, 54,
];

fn ice68(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for ca in db.rows("CustomAction") {
        let (Some(name), Some(kind)) = (ca.str("Action"), ca.int("Type")) else {
            continue;
        };
        let base = kind & BASE_MASK;
        if !BASE_TYPES.contains(&base) {
            out.push(Finding::new(
                "ICE68",
                Severity::Error,
                "CustomAction",
                name,
                format!("type {kind}: base type {base} is not a custom action type"),
            ));
            continue;
        }
        if kind & NO_IMPERSONATE != 0 && kind & IN_SCRIPT == 0 {
            out.push(Finding::new(
                "ICE68",
                Severity::Warning,
                "CustomAction",
                name,
                format!("type {kind} is marked NoImpersonate (2048) but is not deferred (1024): it never runs elevated; drop the bit (WiX: Impersonate=\"yes\")"),
            ));
        }
        if kind & TS_AWARE != 0 && kind & IN_SCRIPT == 0 {
            out.push(Finding::new(
                "ICE68",
                Severity::Warning,
                "CustomAction",
                name,
                format!("type {kind} is marked TSAware (16384) but is not deferred"),
            ));
        }
    }
    out
}

/// msidbCustomActionType for a property (51) and a directory (35) set from a formatted value.
const SET_PROPERTY: i32 = 51;
const SET_DIRECTORY: i32 = 35;

fn ice12(db: &Database) -> Vec<Finding> {
    let directories: Vec<&str> = db
        .rows("Directory")
        .filter_map(|d| d.str("Directory"))
        .collect();
    let mut out = Vec::new();
    for table in SEQUENCE_TABLES {
        let seq = sequence(db, table);
        let Some(cost_finalize) = seq.get("CostFinalize").copied() else {
            continue;
        };
        for ca in db.rows("CustomAction") {
            let (Some(name), Some(kind), Some(source)) =
                (ca.str("Action"), ca.int("Type"), ca.str("Source"))
            else {
                continue;
            };
            let Some(at) = seq.get(name).copied() else {
                continue;
            };
            let base = kind & BASE_MASK;
            if base == SET_DIRECTORY {
                if !directories.contains(&source) {
                    out.push(Finding::new(
                        "ICE12",
                        Severity::Error,
                        "CustomAction",
                        name,
                        format!("type 35 sets `{source}`, which is not a Directory"),
                    ));
                } else if at < cost_finalize {
                    out.push(Finding::new(
                        "ICE12",
                        Severity::Error,
                        table,
                        name,
                        format!(
                            "type 35 must come after CostFinalize ({cost_finalize}), is at {at}"
                        ),
                    ));
                }
            }
            if base == SET_PROPERTY && directories.contains(&source) && at > cost_finalize {
                out.push(Finding::new("ICE12", Severity::Error, table, name, format!("type 51 sets the folder `{source}`: it must come before CostFinalize ({cost_finalize}), is at {at} (use type 35 after it)")));
            }
        }
    }
    out
}

fn ice82(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in SEQUENCE_TABLES {
        let mut by_number: BTreeMap<i32, Vec<String>> = BTreeMap::new();
        for (action, n) in sequence(db, table) {
            by_number.entry(n).or_default().push(action);
        }
        for (n, actions) in by_number {
            for action in actions.iter().skip(1) {
                out.push(Finding::new(
                    "ICE82",
                    Severity::Warning,
                    table,
                    action,
                    format!("has sequence number {n}, as has {}", actions[0]),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, only, table};

    fn seq(rows: &[&[&str]]) -> Database {
        db(vec![
            (
                "InstallExecuteSequence",
                table(&["Action", "Condition", "Sequence"], 1, rows),
            ),
            (
                "CustomAction",
                table(
                    &["Action", "Type", "Source", "Target"],
                    1,
                    &[
                        &["SetX", "i:51", "X", "1"],
                        &["Elevated", "i:2099", "Y", "1"],
                    ],
                ),
            ),
            (
                "Directory",
                table(
                    &["Directory", "Directory_Parent", "DefaultDir"],
                    1,
                    &[&["TARGETDIR", "", "SourceDir"]],
                ),
            ),
        ])
    }

    const STANDARD: &[&[&str]] = &[
        &["FindRelatedProducts", "", "i:25"],
        &["AppSearch", "", "i:50"],
        &["LaunchConditions", "", "i:100"],
        &["CostInitialize", "", "i:800"],
        &["FileCost", "", "i:900"],
        &["CostFinalize", "", "i:1000"],
        &["InstallValidate", "", "i:1400"],
        &["InstallInitialize", "", "i:1500"],
        &["RemoveExistingProducts", "", "i:1501"],
        &["WriteRegistryValues", "", "i:5000"],
        &["InstallFinalize", "", "i:6600"],
    ];

    #[test]
    fn standard_order_passes() {
        let db = seq(STANDARD);
        assert_eq!(ice27(&db), []);
        assert_eq!(ice82(&db), []);
        assert_eq!(ice12(&db), []);
    }

    #[test]
    fn ice27_script_action_outside_the_script_and_search_after_costing() {
        let mut rows = STANDARD.to_vec();
        rows[9] = &["WriteRegistryValues", "", "i:1450"];
        rows[1] = &["AppSearch", "", "i:850"];
        let found = ice27(&seq(&rows));
        let rows: Vec<&str> = found.iter().map(|f| f.row.as_str()).collect();
        assert_eq!(
            rows,
            ["LaunchConditions", "AppSearch", "WriteRegistryValues"],
            "{found:#?}"
        );
    }

    #[test]
    fn ice27_remove_existing_products_before_install_validate() {
        let mut rows = STANDARD.to_vec();
        rows[8] = &["RemoveExistingProducts", "", "i:1300"];
        let found = only(ice27(&seq(&rows)));
        assert_eq!(
            found.message,
            "must come after InstallValidate (1400), is at 1300"
        );
    }

    #[test]
    fn ice27_remove_existing_products_after_script_actions() {
        let mut rows = STANDARD.to_vec();
        rows[8] = &["RemoveExistingProducts", "", "i:5500"];
        let found = only(ice27(&seq(&rows)));
        assert!(found
            .message
            .starts_with("at 5500, after WriteRegistryValues"));
        // After InstallExecute it is allowed again.
        rows.push(&["InstallExecute", "", "i:5400"]);
        assert_eq!(ice27(&seq(&rows)), []);
        // And after InstallFinalize.
        rows[8] = &["RemoveExistingProducts", "", "i:6700"];
        assert_eq!(ice27(&seq(&rows)), []);
    }

    #[test]
    fn ice68_no_impersonate_on_an_immediate_action() {
        let found = only(ice68(&seq(STANDARD)));
        assert_eq!(
            (found.row.as_str(), found.severity),
            ("Elevated", Severity::Warning)
        );
    }

    #[test]
    fn ice82_shared_sequence_number() {
        let mut rows = STANDARD.to_vec();
        rows[2] = &["LaunchConditions", "", "i:50"];
        let found = only(ice82(&seq(&rows)));
        assert_eq!(found.message, "has sequence number 50, as has AppSearch");
    }

    #[test]
    fn ice12_folder_set_by_type_51_after_costing() {
        let mut db = seq(&[&["CostFinalize", "", "i:1000"], &["SetX", "", "i:1100"]]);
        db.tables.get_mut("CustomAction").unwrap().rows[0][2] =
            crate::validate::database::Cell::Str("TARGETDIR".into());
        let found = only(ice12(&db));
        assert_eq!(found.row, "SetX");
    }
}
