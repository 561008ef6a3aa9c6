//! Rules over components, their files, registry rows, directories and shortcuts: ICE02, 08,
//! 09, 18, 30, 38, 43, 57, 64, 80, 90, 91, 105.

use std::collections::{BTreeMap, BTreeSet};

use super::database::{Database, RowRef};
use super::{each_row, Finding, RuleEntry, Severity};

pub const RULES: &[RuleEntry] = &[
    (
        "ICE02",
        "a component's KeyPath file or registry row belongs to that component",
        ice02,
    ),
    ("ICE08", "no two components share a ComponentId GUID", ice08),
    (
        "ICE09",
        "components installed to the System folder are permanent",
        ice09,
    ),
    (
        "ICE18",
        "a component with a folder as KeyPath lists that folder in CreateFolder",
        ice18,
    ),
    (
        "ICE30",
        "no two components install a file of the same name into the same folder",
        ice30,
    ),
    (
        "ICE38",
        "components in a user profile folder use an HKCU registry value as KeyPath",
        ice38,
    ),
    (
        "ICE43",
        "components with non-advertised shortcuts in a profile folder use an HKCU KeyPath",
        ice43,
    ),
    (
        "ICE57",
        "no component mixes per-user and per-machine data",
        ice57,
    ),
    (
        "ICE64",
        "every folder created in a user profile is removed (RemoveFile)",
        ice64,
    ),
    (
        "ICE80",
        "32-bit packages have no 64-bit components, 32-bit components no 64-bit folders",
        ice80,
    ),
    (
        "ICE90",
        "no shortcut in a profile folder is placed through a public property",
        ice90,
    ),
    (
        "ICE91",
        "no file is installed into a per-user folder of a per-machine package",
        ice91,
    ),
    (
        "ICE105",
        "a per-user-only package installs nothing to per-machine locations",
        ice105,
    ),
];

/// `msidbComponentAttributes64bit`.
pub const COMPONENT_64BIT: i32 = 256;
/// `msidbComponentAttributesPermanent`.
const COMPONENT_PERMANENT: i32 = 16;
/// Registry table Root of HKEY_CURRENT_USER.
const HKCU: i32 = 1;

/// Folders in a user's profile (Windows Installer's folder properties).
const PROFILE_FOLDERS: &[&str] = &[
    "AdminToolsFolder",
    "AppDataFolder",
    "DesktopFolder",
    "FavoritesFolder",
    "FontsFolder",
    "LocalAppDataFolder",
    "MyPicturesFolder",
    "NetHoodFolder",
    "PersonalFolder",
    "PrintHoodFolder",
    "ProgramMenuFolder",
    "RecentFolder",
    "SendToFolder",
    "StartMenuFolder",
    "StartupFolder",
    "TemplateFolder",
];
const SYSTEM_FOLDERS: &[&str] = &["SystemFolder", "System64Folder", "System16Folder"];
const FOLDERS_64: &[&str] = &[
    "ProgramFiles64Folder",
    "CommonFiles64Folder",
    "System64Folder",
];

/// The first ancestor of `dir` (itself included) that is one of `roots`.
fn under(db: &Database, dir: &str, roots: &[&str]) -> Option<String> {
    let parents: BTreeMap<&str, Option<&str>> = db
        .rows("Directory")
        .filter_map(|r| Some((r.str("Directory")?, r.str("Directory_Parent"))))
        .collect();
    let mut current = Some(dir);
    let mut steps = 0;
    while let Some(d) = current {
        if roots.contains(&d) {
            return Some(d.to_owned());
        }
        let parent = parents.get(d).copied().flatten();
        current = parent.filter(|p| *p != d);
        steps += 1;
        if steps > 256 {
            break;
        }
    }
    None
}

fn components(db: &Database) -> impl Iterator<Item = RowRef<'_>> {
    db.rows("Component")
}

fn component_dir<'a>(db: &'a Database, component: &str) -> Option<&'a str> {
    components(db)
        .find(|c| c.str("Component") == Some(component))
        .and_then(|c| c.str("Directory_"))
}

fn registry_row<'a>(db: &'a Database, key: &str) -> Option<RowRef<'a>> {
    db.rows("Registry").find(|r| r.str("Registry") == Some(key))
}

fn keypath_is_hkcu(db: &Database, component: RowRef<'_>) -> bool {
    component
        .str("KeyPath")
        .and_then(|k| registry_row(db, k))
        .is_some_and(|r| r.int("Root") == Some(HKCU))
        && component.int("Attributes").unwrap_or(0) & 4 != 0
}

fn ice02(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in components(db) {
        let (Some(name), Some(key)) = (c.str("Component"), c.str("KeyPath")) else {
            continue;
        };
        let attributes = c.int("Attributes").unwrap_or(0);
        // msidbComponentAttributesRegistryKeyPath (4): the KeyPath names a Registry row.
        let (table, owner) = if attributes & 4 != 0 {
            (
                "Registry",
                registry_row(db, key).and_then(|r| r.str("Component_")),
            )
        } else if attributes & 32 != 0 {
            continue; // an ODBC data source key path: no ODBC tables in packages this checks
        } else {
            (
                "File",
                db.rows("File")
                    .find(|f| f.str("File") == Some(key))
                    .and_then(|f| f.str("Component_")),
            )
        };
        match owner {
            Some(owner) if owner == name => {}
            Some(owner) => out.push(Finding::new(
                "ICE02",
                Severity::Error,
                "Component",
                name,
                format!(
                    "KeyPath {table} row `{key}` belongs to component `{owner}`, not to this one"
                ),
            )),
            None => out.push(Finding::new(
                "ICE02",
                Severity::Error,
                "Component",
                name,
                format!("KeyPath `{key}` is not a row of the {table} table"),
            )),
        }
    }
    out
}

fn ice08(db: &Database) -> Vec<Finding> {
    let mut by_guid: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for c in components(db) {
        if let (Some(name), Some(guid)) = (c.str("Component"), c.str("ComponentId")) {
            by_guid
                .entry(guid.to_ascii_uppercase())
                .or_default()
                .push(name);
        }
    }
    let mut out = Vec::new();
    for (guid, names) in by_guid.iter().filter(|(_, n)| n.len() > 1) {
        for name in names {
            let others: Vec<&str> = names.iter().copied().filter(|n| n != name).collect();
            out.push(Finding::new(
                "ICE08",
                Severity::Error,
                "Component",
                *name,
                format!(
                    "ComponentId {guid} is also the GUID of {}",
                    others.join(", ")
                ),
            ));
        }
    }
    out
}

fn ice09(db: &Database) -> Vec<Finding> {
    each_row(db, "ICE09", Severity::Warning, "Component", |c| {
        (c.str("Directory_")
            .is_some_and(|d| under(db, d, SYSTEM_FOLDERS).is_some())
            && c.int("Attributes").unwrap_or(0) & COMPONENT_PERMANENT == 0)
            .then_some("installs into the System folder but is not permanent")
    })
}

fn ice18(db: &Database) -> Vec<Finding> {
    let created: BTreeSet<(String, String)> = db
        .rows("CreateFolder")
        .filter_map(|r| {
            Some((
                r.str("Directory_")?.to_owned(),
                r.str("Component_")?.to_owned(),
            ))
        })
        .collect();
    each_row(db, "ICE18", Severity::Error, "Component", |c| {
        let name = c.str("Component")?;
        let dir = c.str("Directory_")?;
        (c.get("KeyPath").is_null() && !created.contains(&(dir.to_owned(), name.to_owned())))
            .then(|| format!("KeyPath is its folder `{dir}`, which is not in the CreateFolder table for this component"))
    })
}

fn ice30(db: &Database) -> Vec<Finding> {
    let mut seen: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut out = Vec::new();
    for f in db.rows("File") {
        let (Some(file), Some(component), Some(names)) =
            (f.str("File"), f.str("Component_"), f.str("FileName"))
        else {
            continue;
        };
        let dir = component_dir(db, component).unwrap_or_default().to_owned();
        for name in names.split('|') {
            let slot = (dir.clone(), name.to_ascii_lowercase());
            match seen.get(&slot) {
                Some((other_file, other_component)) if other_component != component => {
                    out.push(Finding::new(
                        "ICE30",
                        Severity::Error,
                        "File",
                        file,
                        format!(
                            "`{name}` in folder `{dir}` is also installed by file `{other_file}` of component `{other_component}`"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert(slot, (file.to_owned(), component.to_owned()));
                }
            }
        }
    }
    out
}

fn ice38(db: &Database) -> Vec<Finding> {
    each_row(db, "ICE38", Severity::Error, "Component", |c| {
        (c.str("Directory_")
            .is_some_and(|d| under(db, d, PROFILE_FOLDERS).is_some())
            && !keypath_is_hkcu(db, c))
        .then_some(
            "installs to a user profile folder: its KeyPath must be a registry value under HKCU",
        )
    })
}

fn ice43(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in db.rows("Shortcut") {
        let (Some(component), Some(dir), Some(target)) =
            (s.str("Component_"), s.str("Directory_"), s.str("Target"))
        else {
            continue;
        };
        // An advertised shortcut's Target is a Feature key; a non-advertised one is formatted.
        if !target.contains('[') || under(db, dir, PROFILE_FOLDERS).is_none() {
            continue;
        }
        if let Some(c) = components(db).find(|c| c.str("Component") == Some(component)) {
            if !keypath_is_hkcu(db, c) {
                out.push(Finding::new(
                    "ICE43",
                    Severity::Error,
                    "Component",
                    component,
                    format!("has the non-advertised shortcut `{}` in a profile folder: its KeyPath must be an HKCU registry value", s.key()),
                ));
            }
        }
    }
    out
}

fn ice57(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in components(db) {
        let Some(name) = c.str("Component") else {
            continue;
        };
        let rows: Vec<i32> = db
            .rows("Registry")
            .filter(|r| r.str("Component_") == Some(name))
            .filter_map(|r| r.int("Root"))
            .collect();
        let in_profile = c
            .str("Directory_")
            .is_some_and(|d| under(db, d, PROFILE_FOLDERS).is_some());
        let has_files = db.rows("File").any(|f| f.str("Component_") == Some(name));
        let per_user = rows.contains(&HKCU) || (in_profile && has_files);
        let per_machine =
            rows.iter().any(|r| *r == 0 || *r == 2 || *r == 3) || (!in_profile && has_files);
        if per_user && per_machine {
            out.push(Finding::new(
                "ICE57",
                Severity::Error,
                "Component",
                name,
                "has both per-user data (HKCU or a profile folder) and per-machine data",
            ));
        }
    }
    out
}

fn ice64(db: &Database) -> Vec<Finding> {
    let removed: BTreeSet<&str> = db
        .rows("RemoveFile")
        .filter(|r| r.get("FileName").is_null())
        .filter_map(|r| r.str("DirProperty"))
        .collect();
    each_row(db, "ICE64", Severity::Error, "Directory", |d| {
        let id = d.str("Directory")?;
        let root = under(db, id, PROFILE_FOLDERS)?;
        (root != id && !removed.contains(id))
            .then(|| format!("is in the user profile ({root}) but not removed by a RemoveFile row"))
    })
}

fn ice80(db: &Database) -> Vec<Finding> {
    let intel = db.summary.platform == "Intel";
    let mut out = Vec::new();
    for c in components(db) {
        let Some(name) = c.str("Component") else {
            continue;
        };
        let is_64 = c.int("Attributes").unwrap_or(0) & COMPONENT_64BIT != 0;
        if intel && is_64 {
            out.push(Finding::new(
                "ICE80",
                Severity::Error,
                "Component",
                name,
                "is 64-bit in a package whose Template is Intel (32-bit)",
            ));
        }
        if let Some(folder) = c.str("Directory_").and_then(|d| under(db, d, FOLDERS_64)) {
            if !is_64 {
                out.push(Finding::new(
                    "ICE80",
                    Severity::Error,
                    "Component",
                    name,
                    format!("is 32-bit but installs into the 64-bit folder {folder}"),
                ));
            }
        }
    }
    out
}

fn ice90(db: &Database) -> Vec<Finding> {
    each_row(db, "ICE90", Severity::Warning, "Shortcut", |s| {
        let dir = s.str("Directory_")?;
        let public = dir.chars().all(|c| !c.is_ascii_lowercase());
        (public && under(db, dir, PROFILE_FOLDERS).is_some()).then(|| {
            format!("is placed in `{dir}`, a public property: a per-user folder the command line can move")
        })
    })
}

fn ice91(db: &Database) -> Vec<Finding> {
    each_row(db, "ICE91", Severity::Warning, "File", |f| {
        let dir = component_dir(db, f.str("Component_")?)?;
        let root = under(db, dir, PROFILE_FOLDERS)?;
        Some(format!("installs into {root}, a per-user folder: other users of a per-machine install never get it"))
    })
}

fn ice105(db: &Database) -> Vec<Finding> {
    let per_user_only =
        db.property("MSIINSTALLPERUSER") == Some("1") && db.property("ALLUSERS") == Some("2");
    if !per_user_only {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in components(db) {
        let Some(name) = c.str("Component") else {
            continue;
        };
        if c.str("Directory_").is_some_and(|d| {
            under(db, d, PROFILE_FOLDERS).is_none()
                && under(db, d, &["LocalAppDataFolder", "AppDataFolder"]).is_none()
                && d != "TARGETDIR"
        }) {
            out.push(Finding::new(
                "ICE105",
                Severity::Error,
                "Component",
                name,
                "a per-user-only package installs this component outside the user's profile",
            ));
        }
    }
    for r in db.rows("Registry") {
        if matches!(r.int("Root"), Some(0 | 2 | 3)) {
            out.push(Finding::new(
                "ICE105",
                Severity::Error,
                "Registry",
                r.key(),
                "a per-user-only package writes a per-machine registry value",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, only, table, COMPONENT, FILE, REGISTRY};
    use crate::validate::database::{Cell, Table};

    fn directories(with_profile_folder: bool) -> Table {
        let mut all = table(
            &["Directory", "Directory_Parent", "DefaultDir"],
            1,
            &[
                &["TARGETDIR", "", "SourceDir"],
                &["ProgramFiles64Folder", "TARGETDIR", "."],
                &[
                    "INSTALLFOLDER",
                    "ProgramFiles64Folder",
                    "SSPRWI~1|SsprWindowsLogon",
                ],
                &["AppDataFolder", "TARGETDIR", "."],
                &["UserDir", "AppDataFolder", "Sspr"],
                &["SystemFolder", "TARGETDIR", "."],
            ],
        );
        if !with_profile_folder {
            all.rows.retain(|r| r[0] != Cell::Str("UserDir".into()));
        }
        all
    }

    fn package(components: &[&[&str]], files: &[&[&str]], registry: &[&[&str]]) -> Database {
        let in_profile = components.iter().any(|c| c[2] == "UserDir");
        db(vec![
            ("Directory", directories(in_profile)),
            ("Component", table(&COMPONENT, 1, components)),
            ("File", table(&FILE, 1, files)),
            ("Registry", table(&REGISTRY, 1, registry)),
        ])
    }

    const G1: &str = "{11111111-1111-1111-1111-111111111111}";
    const G2: &str = "{22222222-2222-2222-2222-222222222222}";

    fn ours() -> Database {
        package(
            &[
                &["Dll", G1, "INSTALLFOLDER", "i:256", "", "DllFile"],
                &["Reg", G2, "INSTALLFOLDER", "i:260", "", "reg1"],
            ],
            &[&[
                "DllFile",
                "Dll",
                "A.DLL|a.dll",
                "i:1",
                "1.0.0.0",
                "1033",
                "i:512",
                "i:1",
            ]],
            &[&["reg1", "i:2", "SOFTWARE\\X", "", "1", "Reg"]],
        )
    }

    fn ices(db: &Database) -> Vec<(&'static str, String)> {
        RULES
            .iter()
            .flat_map(|(_, _, rule)| rule(db))
            .map(|f| (f.ice, f.row))
            .collect()
    }

    #[test]
    fn a_clean_package_passes_every_rule() {
        assert_eq!(ices(&ours()), []);
    }

    #[test]
    fn ice02_keypath_of_another_component() {
        let mut db = ours();
        db.tables.get_mut("Registry").unwrap().rows[0][5] = Cell::Str("Dll".into());
        assert_eq!(ice02(&db)[0].row, "Reg");
        assert!(ice02(&db)[0].message.contains("belongs to component `Dll`"));
    }

    #[test]
    fn ice08_duplicate_guid() {
        let mut db = ours();
        db.tables.get_mut("Component").unwrap().rows[1][1] = Cell::Str(G1.into());
        assert_eq!(
            ices(&db),
            [("ICE08", "Dll".to_owned()), ("ICE08", "Reg".to_owned())]
        );
    }

    #[test]
    fn ice09_system_folder_component_not_permanent() {
        let mut db = ours();
        db.tables.get_mut("Component").unwrap().rows[1][2] = Cell::Str("SystemFolder".into());
        assert_eq!(ice09(&db)[0].row, "Reg");
    }

    #[test]
    fn ice18_folder_keypath_without_createfolder() {
        let mut db = ours();
        db.tables.get_mut("Component").unwrap().rows[1][5] = Cell::Null;
        db.tables.get_mut("Component").unwrap().rows[1][3] = Cell::Int(256);
        assert_eq!(ice18(&db)[0].row, "Reg");
    }

    #[test]
    fn ice30_two_components_one_file_name() {
        let mut db = ours();
        db.tables.get_mut("File").unwrap().rows.push(
            table(
                &FILE,
                1,
                &[&["Other", "Reg", "A.DLL|a.dll", "i:1", "", "", "i:512", "i:2"]],
            )
            .rows[0]
                .clone(),
        );
        let found = ice30(&db);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].row, "Other");
    }

    #[test]
    fn profile_rules_38_57_64_91() {
        let db = package(
            &[&["User", G1, "UserDir", "i:0", "", "UserFile"]],
            &[&[
                "UserFile",
                "User",
                "A.DLL|a.dll",
                "i:1",
                "",
                "",
                "i:512",
                "i:1",
            ]],
            &[
                &["reg1", "i:1", "Software\\X", "", "1", "User"],
                &["reg2", "i:2", "SOFTWARE\\X", "", "1", "User"],
            ],
        );
        let found = ices(&db);
        assert!(found.contains(&("ICE38", "User".into())), "{found:?}");
        assert!(found.contains(&("ICE57", "User".into())), "{found:?}");
        assert!(found.contains(&("ICE64", "UserDir".into())), "{found:?}");
        assert!(found.contains(&("ICE91", "UserFile".into())), "{found:?}");
    }

    #[test]
    fn ice80_bitness() {
        let mut db = ours();
        db.summary.platform = "Intel".into();
        assert_eq!(ice80(&db).len(), 2);
        let mut db = ours();
        db.tables.get_mut("Component").unwrap().rows[0][3] = Cell::Int(0);
        let found = only(ice80(&db));
        assert_eq!(
            found.message,
            "is 32-bit but installs into the 64-bit folder ProgramFiles64Folder"
        );
    }

    #[test]
    fn ice105_only_for_per_user_packages() {
        let mut db = ours();
        assert_eq!(ice105(&db), []);
        db.tables.insert(
            "Property".into(),
            table(
                &["Property", "Value"],
                1,
                &[&["ALLUSERS", "2"], &["MSIINSTALLPERUSER", "1"]],
            ),
        );
        assert_eq!(ice105(&db).len(), 3);
    }
}
