//! The standard schema of the tables a package without UI uses: each column's data category
//! and foreign key, as Microsoft's database table reference defines them. ICE03 checks cells
//! against it, ICE06 checks that no column is missing, and the `_Validation` table written
//! after wixl (which writes none) is generated from it.

/// A column's data category (the `Category` column of `_Validation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Identifier,
    Guid,
    Filename,
    DefaultDir,
    Version,
    Language,
    Condition,
    Formatted,
    RegPath,
    Text,
    Integer,
    Cabinet,
    Property,
    Binary,
    WildCardFilename,
    Shortcut,
}

impl Category {
    /// The name `_Validation` uses.
    pub fn name(self) -> &'static str {
        match self {
            Category::Identifier => "Identifier",
            Category::Guid => "GUID",
            Category::Filename => "Filename",
            Category::DefaultDir => "DefaultDir",
            Category::Version => "Version",
            Category::Language => "Language",
            Category::Condition => "Condition",
            Category::Formatted => "Formatted",
            Category::RegPath => "RegPath",
            Category::Text => "Text",
            Category::Integer => "",
            Category::Cabinet => "Cabinet",
            Category::Property => "Property",
            Category::Binary => "Binary",
            Category::WildCardFilename => "WildCardFilename",
            Category::Shortcut => "Shortcut",
        }
    }
}

/// One column of a standard table.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub category: Category,
    /// (table, 1-based column) the value must be a key of.
    pub key: Option<(&'static str, i32)>,
    /// Inclusive range of an integer column.
    pub range: Option<(i32, i32)>,
}

const fn col(name: &'static str, category: Category) -> ColumnSpec {
    ColumnSpec {
        name,
        category,
        key: None,
        range: None,
    }
}

const fn fk(name: &'static str, category: Category, table: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        category,
        key: Some((table, 1)),
        range: None,
    }
}

const fn int(name: &'static str, min: i32, max: i32) -> ColumnSpec {
    ColumnSpec {
        name,
        category: Category::Integer,
        key: None,
        range: Some((min, max)),
    }
}

use Category::*;

const SEQUENCE: [ColumnSpec; 3] = [
    col("Action", Identifier),
    col("Condition", Condition),
    int("Sequence", -4, 32767),
];

/// The standard tables: name and columns in order.
pub const TABLES: &[(&str, &[ColumnSpec])] = &[
    (
        "AppSearch",
        &[col("Property", Identifier), col("Signature_", Identifier)],
    ),
    (
        "Component",
        &[
            col("Component", Identifier),
            col("ComponentId", Guid),
            fk("Directory_", Identifier, "Directory"),
            int("Attributes", 0, 32767),
            col("Condition", Condition),
            col("KeyPath", Identifier),
        ],
    ),
    (
        "CreateFolder",
        &[
            fk("Directory_", Identifier, "Directory"),
            fk("Component_", Identifier, "Component"),
        ],
    ),
    (
        "CustomAction",
        &[
            col("Action", Identifier),
            int("Type", 1, 32767),
            col("Source", Cabinet),
            col("Target", Formatted),
        ],
    ),
    (
        "Directory",
        &[
            col("Directory", Identifier),
            fk("Directory_Parent", Identifier, "Directory"),
            col("DefaultDir", DefaultDir),
        ],
    ),
    (
        "Feature",
        &[
            col("Feature", Identifier),
            fk("Feature_Parent", Identifier, "Feature"),
            col("Title", Text),
            col("Description", Text),
            int("Display", 0, 32767),
            int("Level", 0, 32767),
            fk("Directory_", Identifier, "Directory"),
            int("Attributes", 0, 63),
        ],
    ),
    (
        "FeatureComponents",
        &[
            fk("Feature_", Identifier, "Feature"),
            fk("Component_", Identifier, "Component"),
        ],
    ),
    (
        "File",
        &[
            col("File", Identifier),
            fk("Component_", Identifier, "Component"),
            col("FileName", Filename),
            int("FileSize", 0, i32::MAX),
            col("Version", Version),
            col("Language", Language),
            int("Attributes", 0, 32767),
            int("Sequence", 1, 32767),
        ],
    ),
    ("Icon", &[col("Name", Identifier), col("Data", Binary)]),
    ("AdminExecuteSequence", &SEQUENCE),
    ("AdminUISequence", &SEQUENCE),
    ("AdvtExecuteSequence", &SEQUENCE),
    ("InstallExecuteSequence", &SEQUENCE),
    ("InstallUISequence", &SEQUENCE),
    (
        "LaunchCondition",
        &[col("Condition", Condition), col("Description", Formatted)],
    ),
    (
        "Media",
        &[
            int("DiskId", 1, 32767),
            int("LastSequence", 0, 32767),
            col("DiskPrompt", Text),
            col("Cabinet", Cabinet),
            col("VolumeLabel", Text),
            col("Source", Property),
        ],
    ),
    (
        "MsiFileHash",
        &[
            fk("File_", Identifier, "File"),
            int("Options", 0, 0),
            int("HashPart1", i32::MIN, i32::MAX),
            int("HashPart2", i32::MIN, i32::MAX),
            int("HashPart3", i32::MIN, i32::MAX),
            int("HashPart4", i32::MIN, i32::MAX),
        ],
    ),
    (
        "Property",
        &[col("Property", Identifier), col("Value", Text)],
    ),
    (
        "RegLocator",
        &[
            col("Signature_", Identifier),
            int("Root", 0, 3),
            col("Key", RegPath),
            col("Name", Formatted),
            int("Type", 0, 18),
        ],
    ),
    (
        "Registry",
        &[
            col("Registry", Identifier),
            int("Root", -1, 3),
            col("Key", RegPath),
            col("Name", Formatted),
            col("Value", Formatted),
            fk("Component_", Identifier, "Component"),
        ],
    ),
    (
        "RemoveFile",
        &[
            col("FileKey", Identifier),
            fk("Component_", Identifier, "Component"),
            col("FileName", WildCardFilename),
            col("DirProperty", Identifier),
            int("InstallMode", 1, 3),
        ],
    ),
    (
        "Shortcut",
        &[
            col("Shortcut", Identifier),
            fk("Directory_", Identifier, "Directory"),
            col("Name", Filename),
            fk("Component_", Identifier, "Component"),
            col("Target", Shortcut),
            col("Arguments", Formatted),
            col("Description", Text),
            int("Hotkey", 0, 32767),
            fk("Icon_", Identifier, "Icon"),
            int("IconIndex", -32767, 32767),
            int("ShowCmd", 1, 7),
            fk("WkDir", Identifier, "Directory"),
        ],
    ),
    (
        "Upgrade",
        &[
            col("UpgradeCode", Guid),
            col("VersionMin", Text),
            col("VersionMax", Text),
            col("Language", Language),
            int("Attributes", 0, 2147483647),
            col("Remove", Formatted),
            col("ActionProperty", Identifier),
        ],
    ),
];

/// The columns of standard table `table`, if it is one.
pub fn columns(table: &str) -> Option<&'static [ColumnSpec]> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, c)| *c)
}

pub fn column(table: &str, column: &str) -> Option<&'static ColumnSpec> {
    columns(table)?.iter().find(|c| c.name == column)
}

/// `name` is an Identifier: a letter or `_` first, then letters, digits, `_` and `.`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` with upper-case hex digits.
pub fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 38
        && bytes[0] == b'{'
        && bytes[37] == b'}'
        && bytes[1..37].iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_digit() || (b'A'..=b'F').contains(b)
            }
        })
}

const SHORT_NAME_FORBIDDEN: &str = "\\?|><:/*\"+,;=[] ";
const LONG_NAME_FORBIDDEN: &str = "\\?|><:/*\"";

/// An 8.3 name: up to eight characters, optionally a dot and up to three more, none of the
/// characters short names cannot hold.
pub fn is_short_name(name: &str) -> bool {
    let (base, ext) = match name.split_once('.') {
        Some((b, e)) => (b, Some(e)),
        None => (name, None),
    };
    !base.is_empty()
        && base.len() <= 8
        && ext.is_none_or(|e| !e.is_empty() && e.len() <= 3 && !e.contains('.'))
        && name.is_ascii()
        && !name.chars().any(|c| SHORT_NAME_FORBIDDEN.contains(c))
}

fn is_long_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name
            .chars()
            .any(|c| LONG_NAME_FORBIDDEN.contains(c) || c.is_control())
}

/// A Filename cell: `short|long`, or a name that is itself a valid short name. A long name
/// alone is what Windows Installer's note 1325 is about: without a short name, an install on a
/// volume with short names turned off, or to a short-name path, cannot resolve it.
pub fn filename_problem(value: &str) -> Option<String> {
    match value.split_once('|') {
        Some((short, long)) => {
            if !is_short_name(short) {
                Some(format!("`{short}` is not a valid short (8.3) file name"))
            } else if !is_long_name(long) {
                Some(format!("`{long}` is not a valid long file name"))
            } else {
                None
            }
        }
        None if is_short_name(value) => None,
        None => Some(format!(
            "`{value}` is a long file name without a short name (short|long)"
        )),
    }
}

/// A DefaultDir cell: `target` or `target:source`, each a Filename or `.`/`SourceDir`-like
/// names of root directories.
pub fn default_dir_problem(value: &str, is_root: bool) -> Option<String> {
    if is_root {
        return None;
    }
    value
        .split(':')
        .filter(|part| *part != ".")
        .find_map(filename_problem)
}

/// A file version: one to four dot-separated integers of at most 65535.
pub fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    (1..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.parse::<u32>().is_ok_and(|n| n <= 65535))
}

/// A Language cell: comma-separated decimal language ids.
pub fn is_language(text: &str) -> bool {
    text.split(',')
        .all(|p| !p.is_empty() && p.parse::<u16>().is_ok())
}

/// Square brackets and braces balance in a formatted string.
pub fn formatted_problem(text: &str) -> Option<String> {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Some(format!("`{text}` closes a bracket it never opened"));
        }
    }
    (depth != 0).then(|| format!("`{text}` leaves a bracket open"))
}

/// Quotes and parentheses balance in a condition.
pub fn condition_problem(text: &str) -> Option<String> {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Some("a `)` without its `(`".into());
        }
    }
    if quoted {
        Some("an unterminated string".into())
    } else if depth != 0 {
        Some("a `(` without its `)`".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            filename_problem("SSPRCR~1.DLL|SsprCredentialProvider.dll"),
            None
        );
        assert_eq!(filename_problem("SsprDiag.exe"), None);
        assert_eq!(
            filename_problem("SsprCredentialProvider.dll").as_deref(),
            Some("`SsprCredentialProvider.dll` is a long file name without a short name (short|long)")
        );
        assert!(filename_problem("TOOLONGNAME.DLL|x.dll").is_some());
        assert!(filename_problem("A B.TXT|a b.txt").is_some());
        assert_eq!(default_dir_problem(".", false), None);
        assert_eq!(
            default_dir_problem("SSPRWI~1|SsprWindowsLogon", false),
            None
        );
        assert!(default_dir_problem("SsprWindowsLogon", false).is_some());
    }

    #[test]
    fn identifiers_guids_versions() {
        assert!(is_identifier("SsprDiagExe"));
        assert!(is_identifier("_x.y1"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("a-b"));
        assert!(is_guid("{00112233-4455-6677-8899-AABBCCDDEEFF}"));
        assert!(!is_guid("{00112233-4455-6677-8899-aabbccddeeff}"));
        assert!(!is_guid("00112233-4455-6677-8899-AABBCCDDEEFF"));
        assert!(is_version("0.1.0.0"));
        assert!(!is_version("1.2.3.4.5"));
        assert!(!is_version("1.70000"));
        assert!(is_language("1033"));
        assert!(is_language("0,1033"));
        assert!(!is_language("en-US"));
    }

    #[test]
    fn conditions_and_formatted_strings_balance() {
        assert_eq!(condition_problem("Installed OR (VersionNT >= 601)"), None);
        assert_eq!(condition_problem("X = \"(\""), None);
        assert!(condition_problem("(X").is_some());
        assert!(condition_problem("X = \"a").is_some());
        assert_eq!(formatted_problem("[INSTALLFOLDER]a.dll"), None);
        assert!(formatted_problem("[INSTALLFOLDER").is_some());
    }

    #[test]
    fn every_foreign_key_names_a_standard_table() {
        for (table, columns) in TABLES {
            for c in *columns {
                if let Some((target, _)) = c.key {
                    assert!(columns_of(target), "{table}.{} -> {target}", c.name);
                }
            }
        }
    }

    fn columns_of(table: &str) -> bool {
        columns(table).is_some()
    }
}
