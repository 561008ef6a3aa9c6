//! Rules over properties and the strings that refer to them: ICE24, 46, 61, 69, 99.

use std::collections::{BTreeMap, BTreeSet};

use super::database::Database;
use super::schema;
use super::{each_row, Finding, RuleEntry, Severity};

pub const RULES: &[RuleEntry] = &[
    ("ICE24", "ProductCode is an upper-case GUID, ProductVersion major.minor.build within 255.255.65535, ProductLanguage a number", ice24),
    ("ICE33", "Registry rows that Windows Installer's Class, ProgId, TypeLib, AppId or Extension tables should hold instead (HKCR CLSID, ProgID, TypeLib, AppID, file extension keys)", ice33),
    ("ICE46", "conditions and formatted strings name properties with the case they are defined with", ice46),
    ("ICE61", "Upgrade rows: a version bound, a public ActionProperty listed in SecureCustomProperties, and no row that removes this very product", ice61),
    ("ICE69", "a [#file] or [$component] reference in a component's row names its own component (another in the same feature: warning; in another feature: error)", ice69),
    ("ICE99", "no Directory is named like a Windows Installer property", ice99),
];

/// Properties Windows Installer sets or reads itself (not folders).
const INSTALLER_PROPERTIES: &[&str] = &[
    "ADDLOCAL",
    "ADDSOURCE",
    "AdminUser",
    "ALLUSERS",
    "Arm64",
    "ARPNOMODIFY",
    "ARPNOREMOVE",
    "ARPPRODUCTICON",
    "ComputerName",
    "Installed",
    "Intel",
    "LogonUser",
    "Manufacturer",
    "MSIINSTALLPERUSER",
    "Msix64",
    "Privileged",
    "ProductCode",
    "ProductLanguage",
    "ProductName",
    "ProductState",
    "ProductVersion",
    "REINSTALL",
    "REINSTALLMODE",
    "REMOVE",
    "ServicePackLevel",
    "UILevel",
    "UpgradeCode",
    "UPGRADINGPRODUCTCODE",
    "UserSID",
    "VersionMsi",
    "VersionNT",
    "VersionNT64",
    "WindowsBuild",
    "WIX_DOWNGRADE_DETECTED",
    "WIX_UPGRADE_DETECTED",
];

/// Folder properties Windows Installer resolves.
const FOLDER_PROPERTIES: &[&str] = &[
    "AppDataFolder",
    "CommonAppDataFolder",
    "CommonFilesFolder",
    "CommonFiles64Folder",
    "DesktopFolder",
    "LocalAppDataFolder",
    "ProgramFilesFolder",
    "ProgramFiles64Folder",
    "ProgramMenuFolder",
    "SourceDir",
    "StartMenuFolder",
    "SystemFolder",
    "System64Folder",
    "TARGETDIR",
    "TempFolder",
    "WindowsFolder",
];

const KEYWORDS: &[&str] = &["NOT", "AND", "OR", "XOR", "EQV", "IMP"];

/// Property names a condition reads: identifiers outside quotes, not keywords, not prefixed by
/// the `%` (environment), `$`/`?` (component) or `&`/`!` (feature) operators.
pub fn condition_properties(condition: &str) -> Vec<String> {
    let chars: Vec<char> = condition.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            quoted = !quoted;
            i += 1;
            continue;
        }
        if !quoted && (c.is_ascii_alphabetic() || c == '_') {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let prefixed = start > 0 && "%$?&!".contains(chars[start - 1]);
            if !prefixed && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&word)) {
                out.push(word);
            }
            continue;
        }
        i += 1;
    }
    out
}

/// `[NAME]` references of a formatted string (not `[#file]`, `[$comp]`, `[%env]`, `[\x]`...).
pub fn formatted_properties(text: &str) -> Vec<String> {
    bracketed(text)
        .into_iter()
        .filter(|inner| schema::is_identifier(inner))
        .collect()
}

fn bracketed(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        out.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    out
}

/// Every property the package defines: Property rows, property-setting custom actions,
/// AppSearch, Directory keys, Upgrade action properties, and the installer's own.
pub fn defined_properties(db: &Database) -> BTreeSet<String> {
    let mut defined: BTreeSet<String> = INSTALLER_PROPERTIES
        .iter()
        .chain(FOLDER_PROPERTIES)
        .map(|s| (*s).to_owned())
        .collect();
    defined.extend(
        db.rows("Property")
            .filter_map(|r| r.str("Property"))
            .map(str::to_owned),
    );
    defined.extend(
        db.rows("CustomAction")
            .filter(|r| r.int("Type").is_some_and(|t| t & 0x3F == 51))
            .filter_map(|r| r.str("Source"))
            .map(str::to_owned),
    );
    defined.extend(
        db.rows("AppSearch")
            .filter_map(|r| r.str("Property"))
            .map(str::to_owned),
    );
    defined.extend(
        db.rows("Directory")
            .filter_map(|r| r.str("Directory"))
            .map(str::to_owned),
    );
    defined.extend(
        db.rows("Upgrade")
            .filter_map(|r| r.str("ActionProperty"))
            .map(str::to_owned),
    );
    defined
}

/// (table, row key, column, property) for every property reference the package makes.
pub fn references(db: &Database) -> Vec<(String, String, &'static str, String)> {
    let mut out = Vec::new();
    let conditions: &[(&str, &str)] = &[
        ("LaunchCondition", "Condition"),
        ("Component", "Condition"),
        ("InstallExecuteSequence", "Condition"),
        ("InstallUISequence", "Condition"),
        ("AdminExecuteSequence", "Condition"),
        ("AdminUISequence", "Condition"),
    ];
    for (table, column) in conditions {
        for r in db.rows(table) {
            for p in r.str(column).map(condition_properties).unwrap_or_default() {
                out.push(((*table).to_owned(), r.key(), *column, p));
            }
        }
    }
    let formatted: &[(&str, &str)] = &[
        ("Registry", "Key"),
        ("Registry", "Name"),
        ("Registry", "Value"),
        ("CustomAction", "Target"),
        ("LaunchCondition", "Description"),
        ("Shortcut", "Arguments"),
    ];
    for (table, column) in formatted {
        for r in db.rows(table) {
            for p in r.str(column).map(formatted_properties).unwrap_or_default() {
                out.push(((*table).to_owned(), r.key(), *column, p));
            }
        }
    }
    out
}

/// Registry Root of HKEY_CLASSES_ROOT, and of HKLM (whose `SOFTWARE\Classes` is the same).
const HKCR: i32 = 0;
const HKLM: i32 = 2;

fn ice33(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in db.rows("Registry") {
        let Some(key) = r.str("Key") else { continue };
        let classes_key = match r.int("Root") {
            Some(HKCR) => Some(key),
            Some(HKLM) => key
                .get(..17)
                .filter(|p| p.eq_ignore_ascii_case("SOFTWARE\\Classes\\"))
                .map(|_| &key[17..]),
            _ => None,
        };
        let Some(class_key) = classes_key else {
            continue;
        };
        let first = class_key.split('\\').next().unwrap_or_default();
        let table = if first.eq_ignore_ascii_case("CLSID") {
            "Class"
        } else if first.eq_ignore_ascii_case("TypeLib") {
            "TypeLib"
        } else if first.eq_ignore_ascii_case("AppID") {
            "AppId"
        } else if first.starts_with('.') {
            "Extension"
        } else {
            continue;
        };
        out.push(Finding::new(
            "ICE33",
            Severity::Warning,
            "Registry",
            r.key(),
            format!("key `{key}` is registration Windows Installer keeps in its {table} table"),
        ));
    }
    out
}

fn ice46(db: &Database) -> Vec<Finding> {
    let defined = defined_properties(db);
    let mut out = Vec::new();
    for (table, row, column, name) in references(db) {
        if defined.contains(&name) {
            continue;
        }
        if let Some(other) = defined.iter().find(|d| d.eq_ignore_ascii_case(&name)) {
            out.push(Finding::new(
                "ICE46",
                Severity::Warning,
                &table,
                row,
                format!("column {column} names property `{name}`, defined as `{other}`: property names are case-sensitive"),
            ));
        }
    }
    out
}

fn ice24(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |row: &str, message: String| {
        out.push(Finding::new(
            "ICE24",
            Severity::Error,
            "Property",
            row,
            message,
        ))
    };
    match db.property("ProductCode") {
        Some(code) if schema::is_guid(code) => {}
        Some(code) => push(
            "ProductCode",
            format!("`{code}` is not an upper-case GUID with braces"),
        ),
        None => push("ProductCode", "missing".into()),
    }
    match db.property("ProductVersion") {
        Some(version) if product_version_ok(version) => {}
        Some(version) => push(
            "ProductVersion",
            format!("`{version}` is not major.minor.build[.revision] with major and minor at most 255, build at most 65535"),
        ),
        None => push("ProductVersion", "missing".into()),
    }
    match db.property("ProductLanguage") {
        Some(language) if language.parse::<u16>().is_ok() => {}
        Some(language) => push(
            "ProductLanguage",
            format!("`{language}` is not a language id"),
        ),
        None => push("ProductLanguage", "missing".into()),
    }
    out
}

fn product_version_ok(version: &str) -> bool {
    let parts: Vec<Option<u32>> = version.split('.').map(|p| p.parse().ok()).collect();
    let limits = [255, 255, 65535, 65535];
    (2..=4).contains(&parts.len())
        && parts
            .iter()
            .zip(limits)
            .all(|(p, limit)| p.is_some_and(|n| n <= limit))
}

/// msidbUpgradeAttributes bits.
const ONLY_DETECT: i32 = 2;
const MIN_INCLUSIVE: i32 = 0x100;
const MAX_INCLUSIVE: i32 = 0x200;

fn parse_version(text: &str) -> Vec<u32> {
    text.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn ice61(db: &Database) -> Vec<Finding> {
    let secure: BTreeSet<&str> = db
        .property("SecureCustomProperties")
        .map(|v| v.split(';').collect())
        .unwrap_or_default();
    let own_code = db.property("UpgradeCode");
    let own_version = db.property("ProductVersion").map(parse_version);
    let mut out = Vec::new();
    for r in db.rows("Upgrade") {
        let row = r.key();
        let attributes = r.int("Attributes").unwrap_or(0);
        let (min, max) = (r.str("VersionMin"), r.str("VersionMax"));
        if min.is_none() && max.is_none() {
            out.push(Finding::new(
                "ICE61",
                Severity::Error,
                "Upgrade",
                &row,
                "neither VersionMin nor VersionMax: the row matches every version",
            ));
        }
        if let Some(property) = r.str("ActionProperty") {
            if property.chars().any(|c| c.is_ascii_lowercase()) {
                out.push(Finding::new(
                    "ICE61",
                    Severity::Error,
                    "Upgrade",
                    &row,
                    format!("ActionProperty `{property}` is not a public (upper-case) property"),
                ));
            } else if !secure.contains(property) {
                out.push(Finding::new(
                    "ICE61",
                    Severity::Error,
                    "Upgrade",
                    &row,
                    format!("ActionProperty `{property}` is not in SecureCustomProperties"),
                ));
            }
        }
        if attributes & ONLY_DETECT == 0 && r.str("UpgradeCode") == own_code {
            if let Some(v) = &own_version {
                let above_min = min.is_none_or(|m| {
                    let m = parse_version(m);
                    if attributes & MIN_INCLUSIVE != 0 {
                        *v >= m
                    } else {
                        *v > m
                    }
                });
                let below_max = max.is_none_or(|m| {
                    let m = parse_version(m);
                    if attributes & MAX_INCLUSIVE != 0 {
                        *v <= m
                    } else {
                        *v < m
                    }
                });
                if above_min && below_max {
                    out.push(Finding::new("ICE61", Severity::Warning, "Upgrade", &row, "this product's own version is in the range it removes: a reinstall would remove itself"));
                }
            }
        }
    }
    out
}

fn ice69(db: &Database) -> Vec<Finding> {
    let file_component: BTreeMap<&str, &str> = db
        .rows("File")
        .filter_map(|f| Some((f.str("File")?, f.str("Component_")?)))
        .collect();
    let features_of = |component: &str| -> BTreeSet<String> {
        db.rows("FeatureComponents")
            .filter(|r| r.str("Component_") == Some(component))
            .filter_map(|r| r.str("Feature_").map(str::to_owned))
            .collect()
    };
    let mut out = Vec::new();
    for (table, columns) in [
        ("Registry", &["Key", "Name", "Value"][..]),
        ("Shortcut", &["Target", "Arguments"][..]),
    ] {
        for r in db.rows(table) {
            let Some(own) = r.str("Component_") else {
                continue;
            };
            for column in columns {
                for inner in r.str(column).map(bracketed).unwrap_or_default() {
                    let (kind, target) = match inner.chars().next() {
                        Some('#' | '!') => ("file", &inner[1..]),
                        Some('$') => ("component", &inner[1..]),
                        _ => continue,
                    };
                    let owner = if kind == "file" {
                        file_component.get(target).copied()
                    } else {
                        Some(target)
                    };
                    let Some(owner) = owner.filter(|o| *o != own) else {
                        continue;
                    };
                    let shared = !features_of(own).is_disjoint(&features_of(owner));
                    out.push(Finding::new(
                        "ICE69",
                        if shared { Severity::Warning } else { Severity::Error },
                        table,
                        r.key(),
                        format!(
                            "column {column} of a row of component `{own}` refers to {kind} `{target}` of component `{owner}`{}",
                            if shared { " (same feature)" } else { ", which is in another feature" }
                        ),
                    ));
                }
            }
        }
    }
    out
}

fn ice99(db: &Database) -> Vec<Finding> {
    each_row(db, "ICE99", Severity::Error, "Directory", |d| {
        d.str("Directory")
            .filter(|id| INSTALLER_PROPERTIES.contains(id))
            .map(|_| {
                "is named like a Windows Installer property: the folder's path would overwrite it"
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, only, table, REGISTRY};
    use crate::validate::database::Cell;

    #[test]
    fn condition_and_formatted_references() {
        assert_eq!(
            condition_properties("Installed OR (VersionNT64 >= 601 AND NOT Arm64) OR $Comp=3 OR %PATH OR X = \"Y AND Z\""),
            ["Installed", "VersionNT64", "Arm64", "X"]
        );
        assert_eq!(
            formatted_properties("#[ENABLELOGGING] [#File] [$C] [%TEMP] [INSTALLFOLDER]x.dll"),
            ["ENABLELOGGING", "INSTALLFOLDER"]
        );
    }

    fn properties(rows: &[&[&str]]) -> Database {
        db(vec![("Property", table(&["Property", "Value"], 1, rows))])
    }

    #[test]
    fn ice24_product_identity() {
        let good = properties(&[
            &["ProductCode", "{00112233-4455-6677-8899-AABBCCDDEEFF}"],
            &["ProductVersion", "0.1.0"],
            &["ProductLanguage", "1033"],
        ]);
        assert_eq!(ice24(&good), []);
        let bad = properties(&[
            &["ProductCode", "{00112233-4455-6677-8899-aabbccddeeff}"],
            &["ProductVersion", "256.1.0"],
            &["ProductLanguage", "1033"],
        ]);
        let rows: Vec<String> = ice24(&bad).into_iter().map(|f| f.row).collect();
        assert_eq!(rows, ["ProductCode", "ProductVersion"]);
    }

    #[test]
    fn ice46_case_mismatch() {
        let db = db(vec![
            (
                "Property",
                table(&["Property", "Value"], 1, &[&["DISABLED", "0"]]),
            ),
            (
                "LaunchCondition",
                table(
                    &["Condition", "Description"],
                    1,
                    &[&["Installed OR Disabled = \"0\" OR PRIVILEGED", "m"]],
                ),
            ),
        ]);
        let found = ice46(&db);
        let names: Vec<&str> = found
            .iter()
            .map(|f| f.message.split('`').nth(1).unwrap())
            .collect();
        assert_eq!(names, ["Disabled", "PRIVILEGED"]);
    }

    #[test]
    fn ice61_upgrade_rows() {
        let upgrade = |attributes: &str, max: &str| {
            db(vec![
                (
                    "Property",
                    table(
                        &["Property", "Value"],
                        1,
                        &[
                            &["UpgradeCode", "{11111111-2222-3333-4444-555555555555}"],
                            &["ProductVersion", "0.1.0"],
                            &["SecureCustomProperties", "WIX_UPGRADE_DETECTED"],
                        ],
                    ),
                ),
                (
                    "Upgrade",
                    table(
                        &[
                            "UpgradeCode",
                            "VersionMin",
                            "VersionMax",
                            "Language",
                            "Attributes",
                            "Remove",
                            "ActionProperty",
                        ],
                        7,
                        &[&[
                            "{11111111-2222-3333-4444-555555555555}",
                            "",
                            max,
                            "",
                            attributes,
                            "",
                            "WIX_UPGRADE_DETECTED",
                        ]],
                    ),
                ),
            ])
        };
        assert_eq!(ice61(&upgrade("i:1", "0.1.0")), []);
        let found = only(ice61(&upgrade("i:513", "0.1.0")));
        assert!(found.message.contains("remove itself"));
        let mut unsecured = upgrade("i:1", "0.1.0");
        unsecured.tables.get_mut("Property").unwrap().rows[2][1] = Cell::Str("X".into());
        assert!(ice61(&unsecured)[0]
            .message
            .contains("not in SecureCustomProperties"));
    }

    #[test]
    fn ice69_file_of_another_component() {
        let db = db(vec![
            (
                "File",
                table(&["File", "Component_"], 1, &[&["Dll", "DllComponent"]]),
            ),
            (
                "Registry",
                table(
                    &REGISTRY,
                    1,
                    &[
                        &["r1", "i:0", "CLSID\\X", "", "[#Dll]", "Com"],
                        &["r2", "i:0", "CLSID\\Y", "", "[INSTALLFOLDER]x.dll", "Com"],
                    ],
                ),
            ),
            (
                "FeatureComponents",
                table(
                    &["Feature_", "Component_"],
                    2,
                    &[&["F", "DllComponent"], &["F", "Com"]],
                ),
            ),
        ]);
        let found = only(ice69(&db));
        assert_eq!(
            (found.row.as_str(), found.severity),
            ("r1", Severity::Warning)
        );
    }

    #[test]
    fn ice33_class_registration_as_registry_rows() {
        let db = db(vec![(
            "Registry",
            table(
                &REGISTRY,
                1,
                &[
                    &[
                        "r1",
                        "i:0",
                        "CLSID\\{00112233-4455-6677-8899-AABBCCDDEEFF}",
                        "",
                        "x",
                        "C",
                    ],
                    &["r2", "i:2", "SOFTWARE\\Classes\\.sspr", "", "x", "C"],
                    &["r3", "i:2", "SOFTWARE\\Contoso", "PortalUrl", "x", "C"],
                ],
            ),
        )]);
        let found = ice33(&db);
        let rows: Vec<&str> = found.iter().map(|f| f.row.as_str()).collect();
        assert_eq!(rows, ["r1", "r2"]);
        assert!(found[0].message.ends_with("its Class table"));
        assert!(found[1].message.ends_with("its Extension table"));
    }

    #[test]
    fn ice99_directory_named_like_a_property() {
        let db = db(vec![(
            "Directory",
            table(
                &["Directory", "Directory_Parent", "DefaultDir"],
                1,
                &[&["Privileged", "TARGETDIR", "x"]],
            ),
        )]);
        assert_eq!(ice99(&db).len(), 1);
    }
}
