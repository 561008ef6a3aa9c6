//! `cargo xtask msi-diff A.msi B.msi`: compares two Windows Installer packages table by table,
//! rows keyed by their primary keys, with the identifiers a build generates normalised, and
//! prints every difference. It is how the wixl and WiX Toolset builds of one commit are held
//! to the same meaning (docs/design.md, "MSI identity and properties").

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::io::{Read, Seek};
use std::path::Path;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// Summary-information fields every build sets anew. Their values never say anything about what
/// the package installs, so they are compared as "present or absent" only.
const GENERATED_SUMMARY_FIELDS: &[(&str, &str)] = &[
    (
        "PackageCode",
        "a new one per build (ours derives it from the content)",
    ),
    (
        "CreationTime",
        "the build's time (ours is SOURCE_DATE_EPOCH)",
    ),
    (
        "LastSaveTime",
        "the build's time (ours is SOURCE_DATE_EPOCH)",
    ),
    (
        "CreatingApplication",
        "names the compiler that wrote the package",
    ),
];

/// One package, reduced to what msi-diff compares.
#[derive(Debug, Default, PartialEq)]
pub struct PackageImage {
    /// Summary information: field name to its text, generated fields as `<generated>`.
    pub summary: BTreeMap<String, String>,
    pub tables: BTreeMap<String, TableImage>,
    /// Streams other than tables, summary and signature (the cabinet, `Binary` cells): name to
    /// SHA-256. A signature is not content: two builds signed apart still mean the same package.
    pub streams: BTreeMap<String, String>,
}

/// One table: its columns and rows keyed by the primary-key values.
#[derive(Debug, Default, PartialEq)]
pub struct TableImage {
    /// Column names with their definitions (`Name:type`), in table order.
    pub columns: Vec<String>,
    pub rows: BTreeMap<String, Vec<String>>,
}

/// One difference between two packages, named as precisely as the tables allow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    Summary {
        field: String,
        a: String,
        b: String,
    },
    TableOnlyIn {
        side: Side,
        table: String,
    },
    Columns {
        table: String,
        a: Vec<String>,
        b: Vec<String>,
    },
    RowOnlyIn {
        side: Side,
        table: String,
        key: String,
    },
    Cell {
        table: String,
        key: String,
        column: String,
        a: String,
        b: String,
    },
    StreamOnlyIn {
        side: Side,
        stream: String,
    },
    StreamContent {
        stream: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    A,
    B,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::A => "A",
            Side::B => "B",
        })
    }
}

impl Difference {
    /// The `table` or `table/key` or `summary/field` the difference is about: what an allow-list
    /// entry names.
    pub fn subject(&self) -> String {
        match self {
            Difference::Summary { field, .. } => format!("summary/{field}"),
            Difference::TableOnlyIn { table, .. } | Difference::Columns { table, .. } => {
                table.clone()
            }
            Difference::RowOnlyIn { table, key, .. } => format!("{table}/{key}"),
            Difference::Cell {
                table, key, column, ..
            } => format!("{table}/{key}/{column}"),
            Difference::StreamOnlyIn { stream, .. } | Difference::StreamContent { stream } => {
                format!("stream/{stream}")
            }
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Summary { field, a, b } => {
                write!(f, "summary {field}: A `{a}`, B `{b}`")
            }
            Difference::TableOnlyIn { side, table } => write!(f, "table {table}: only in {side}"),
            Difference::Columns { table, a, b } => write!(
                f,
                "table {table}: columns differ: A [{}], B [{}]",
                a.join(", "),
                b.join(", ")
            ),
            Difference::RowOnlyIn { side, table, key } => {
                write!(f, "table {table}: row [{key}] only in {side}")
            }
            Difference::Cell {
                table,
                key,
                column,
                a,
                b,
            } => write!(
                f,
                "table {table}: row [{key}] column {column}: A `{a}`, B `{b}`"
            ),
            Difference::StreamOnlyIn { side, stream } => {
                write!(f, "stream {stream}: only in {side}")
            }
            Difference::StreamContent { stream } => write!(f, "stream {stream}: content differs"),
        }
    }
}

/// Reads the package at `path` into the form msi-diff compares.
pub fn read(path: &Path) -> Result<PackageImage> {
    let file = fs::File::open(path)
        .with_context(|| format!("cannot open {}: name an existing .msi file", path.display()))?;
    let mut package = msi::Package::open(file)
        .with_context(|| format!("{} is not a Windows Installer package", path.display()))?;
    image_of(&mut package).with_context(|| format!("cannot read the tables of {}", path.display()))
}

/// Reduces an open package; generic over the storage so tests can use in-memory packages.
pub fn image_of<F: Read + Seek>(package: &mut msi::Package<F>) -> Result<PackageImage> {
    let mut image = PackageImage {
        summary: summary_of(package.summary_info()),
        ..PackageImage::default()
    };
    let table_names: Vec<String> = package.tables().map(|t| t.name().to_owned()).collect();
    for name in table_names {
        let (columns, keys) = {
            let table = package
                .get_table(&name)
                .with_context(|| format!("table {name} listed but not found"))?;
            let columns: Vec<String> = table
                .columns()
                .iter()
                .map(|c| format!("{}:{}", c.name(), c.coltype()))
                .collect();
            (columns, table.primary_key_indices())
        };
        let mut rows = BTreeMap::new();
        for row in package.select_rows(msi::Select::table(name.as_str()))? {
            let cells: Vec<String> = (0..row.len()).map(|i| cell_text(&row[i])).collect();
            let key = keys
                .iter()
                .map(|&i| cells.get(i).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ");
            rows.insert(key, cells);
        }
        image.tables.insert(name, TableImage { columns, rows });
    }
    let stream_names: Vec<String> = package.streams().collect();
    for stream in stream_names {
        let mut bytes = Vec::new();
        package
            .read_stream(&stream)?
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read stream {stream}"))?;
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        image.streams.insert(stream, digest);
    }
    Ok(image)
}

fn cell_text(value: &msi::Value) -> String {
    match value {
        msi::Value::Null => String::new(),
        msi::Value::Int(n) => n.to_string(),
        msi::Value::Str(s) => s.clone(),
        msi::Value::Binary => "<binary>".to_owned(),
    }
}

fn summary_of(summary: &msi::SummaryInfo) -> BTreeMap<String, String> {
    let languages: Vec<String> = summary
        .languages()
        .into_iter()
        .map(|l| u16::from(l).to_string())
        .collect();
    let mut fields = BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            let generated = GENERATED_SUMMARY_FIELDS.iter().any(|(f, _)| *f == name);
            fields.insert(
                name.to_owned(),
                if generated {
                    "<generated>".to_owned()
                } else {
                    value
                },
            );
        }
    };
    put(
        "Template",
        Some(format!(
            "{};{}",
            summary.arch().unwrap_or(""),
            languages.join(",")
        )),
    );
    put("Title", summary.title().map(str::to_owned));
    put("Subject", summary.subject().map(str::to_owned));
    put("Author", summary.author().map(str::to_owned));
    put("Comments", summary.comments().map(str::to_owned));
    put("Keywords", Some(summary.keywords().join(";")));
    put("PackageCode", summary.uuid().map(|u| u.to_string()));
    put(
        "CreationTime",
        summary.creation_time().map(|_| String::new()),
    );
    put(
        "LastSaveTime",
        summary.last_saved_time().map(|_| String::new()),
    );
    put(
        "CreatingApplication",
        summary.creating_application().map(str::to_owned),
    );
    fields
}

/// Every difference between `a` and `b`, in a stable order.
pub fn compare(a: &PackageImage, b: &PackageImage) -> Vec<Difference> {
    let mut out = Vec::new();
    for field in union_keys(&a.summary, &b.summary) {
        let (va, vb) = (a.summary.get(field), b.summary.get(field));
        if va != vb {
            out.push(Difference::Summary {
                field: field.clone(),
                a: va.cloned().unwrap_or_else(|| "<absent>".to_owned()),
                b: vb.cloned().unwrap_or_else(|| "<absent>".to_owned()),
            });
        }
    }
    for table in union_keys(&a.tables, &b.tables) {
        match (a.tables.get(table), b.tables.get(table)) {
            (Some(ta), Some(tb)) => compare_tables(table, ta, tb, &mut out),
            (Some(_), None) => out.push(Difference::TableOnlyIn {
                side: Side::A,
                table: table.clone(),
            }),
            (None, _) => out.push(Difference::TableOnlyIn {
                side: Side::B,
                table: table.clone(),
            }),
        }
    }
    for stream in union_keys(&a.streams, &b.streams) {
        match (a.streams.get(stream), b.streams.get(stream)) {
            (Some(da), Some(db)) if da != db => out.push(Difference::StreamContent {
                stream: stream.clone(),
            }),
            (Some(_), None) => out.push(Difference::StreamOnlyIn {
                side: Side::A,
                stream: stream.clone(),
            }),
            (None, Some(_)) => out.push(Difference::StreamOnlyIn {
                side: Side::B,
                stream: stream.clone(),
            }),
            _ => {}
        }
    }
    out
}

fn compare_tables(name: &str, a: &TableImage, b: &TableImage, out: &mut Vec<Difference>) {
    if a.columns != b.columns {
        out.push(Difference::Columns {
            table: name.to_owned(),
            a: a.columns.clone(),
            b: b.columns.clone(),
        });
        return;
    }
    for key in union_keys(&a.rows, &b.rows) {
        match (a.rows.get(key), b.rows.get(key)) {
            (Some(ra), Some(rb)) => {
                for ((column, ca), cb) in a.columns.iter().zip(ra).zip(rb) {
                    if ca != cb {
                        out.push(Difference::Cell {
                            table: name.to_owned(),
                            key: key.clone(),
                            column: column
                                .split(':')
                                .next()
                                .unwrap_or(column.as_str())
                                .to_owned(),
                            a: ca.clone(),
                            b: cb.clone(),
                        });
                    }
                }
            }
            (Some(_), None) => out.push(Difference::RowOnlyIn {
                side: Side::A,
                table: name.to_owned(),
                key: key.clone(),
            }),
            (None, _) => out.push(Difference::RowOnlyIn {
                side: Side::B,
                table: name.to_owned(),
                key: key.clone(),
            }),
        }
    }
}

fn union_keys<'m, V>(
    a: &'m BTreeMap<String, V>,
    b: &'m BTreeMap<String, V>,
) -> BTreeSet<&'m String> {
    a.keys().chain(b.keys()).collect()
}

/// Accepted differences: one per line, `subject<TAB or spaces>reason`, `#` comments. A subject is
/// what [`Difference::subject`] prints (`File/SsprDiagExe/FileSize`, `_Validation`,
/// `summary/Comments`); a subject ending in `/*` accepts everything below it.
#[derive(Debug, Default)]
pub struct AllowList {
    entries: Vec<(String, String)>,
}

impl AllowList {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((subject, reason)) = line.split_once(char::is_whitespace) else {
                bail!(
                    "{origin}:{}: `{line}` has no reason: write `subject  why this difference is accepted`",
                    n + 1
                );
            };
            entries.push((subject.to_owned(), reason.trim().to_owned()));
        }
        Ok(Self { entries })
    }

    /// The reason `difference` is accepted, if it is.
    pub fn reason(&self, difference: &Difference) -> Option<&str> {
        let subject = difference.subject();
        self.entries.iter().find_map(|(pattern, reason)| {
            let matches = match pattern.strip_suffix("/*") {
                Some(prefix) => subject == prefix || subject.starts_with(&format!("{prefix}/")),
                None => subject == *pattern,
            };
            matches.then_some(reason.as_str())
        })
    }
}

/// The outcome of one comparison, split into accepted and unexpected differences.
#[derive(Debug, Default)]
pub struct Report {
    pub accepted: Vec<(Difference, String)>,
    pub unexpected: Vec<Difference>,
}

pub fn classify(differences: Vec<Difference>, allow: &AllowList) -> Report {
    let mut report = Report::default();
    for difference in differences {
        match allow.reason(&difference) {
            Some(reason) => report.accepted.push((difference, reason.to_owned())),
            None => report.unexpected.push(difference),
        }
    }
    report
}

/// `cargo xtask msi-diff`: prints the differences; `Ok(false)` when any is unexpected.
pub fn run(a: &Path, b: &Path, allow: Option<&Path>) -> Result<bool> {
    let allow = match allow {
        Some(path) => {
            let text = fs::read_to_string(path).with_context(|| {
                format!(
                    "cannot read the allow-list {}: name an existing file",
                    path.display()
                )
            })?;
            AllowList::parse(&text, &path.display().to_string())?
        }
        None => AllowList::default(),
    };
    let report = classify(compare(&read(a)?, &read(b)?), &allow);
    println!("A: {}\nB: {}", a.display(), b.display());
    for (field, why) in GENERATED_SUMMARY_FIELDS {
        println!("normalised: summary {field} ({why})");
    }
    for (difference, reason) in &report.accepted {
        println!("accepted: {difference} ({reason})");
    }
    for difference in &report.unexpected {
        println!("differs: {difference}");
    }
    println!(
        "{} unexpected difference(s), {} accepted",
        report.unexpected.len(),
        report.accepted.len()
    );
    Ok(report.unexpected.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An in-memory package with a Property table and the given rows.
    fn package(rows: &[(&str, &str)], title: &str) -> PackageImage {
        let mut package =
            msi::Package::create(msi::PackageType::Installer, Cursor::new(Vec::new())).unwrap();
        package.summary_info_mut().set_title(title);
        // A new PackageCode per package, as every build makes.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let code = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        package
            .summary_info_mut()
            .set_uuid(uuid::Uuid::from_u128(u128::from(code)));
        package
            .create_table(
                "Property",
                vec![
                    msi::Column::build("Property").primary_key().id_string(72),
                    msi::Column::build("Value").nullable().text_string(0),
                ],
            )
            .unwrap();
        package
            .insert_rows(
                msi::Insert::into("Property").rows(
                    rows.iter()
                        .map(|(k, v)| vec![msi::Value::from(*k), msi::Value::from(*v)])
                        .collect(),
                ),
            )
            .unwrap();
        image_of(&mut package).unwrap()
    }

    #[test]
    fn identical_packages_with_different_package_codes_do_not_differ() {
        let a = package(&[("ProductVersion", "1.0.0")], "SsprWindowsLogon");
        let b = package(&[("ProductVersion", "1.0.0")], "SsprWindowsLogon");
        assert_eq!(compare(&a, &b), []);
    }

    #[test]
    fn a_changed_cell_is_named_by_table_key_and_column() {
        let a = package(&[("ProductVersion", "1.0.0"), ("ARPNOMODIFY", "1")], "T");
        let b = package(&[("ProductVersion", "1.0.1"), ("ARPNOMODIFY", "1")], "T");
        let differences = compare(&a, &b);
        assert_eq!(
            differences,
            [Difference::Cell {
                table: "Property".into(),
                key: "ProductVersion".into(),
                column: "Value".into(),
                a: "1.0.0".into(),
                b: "1.0.1".into(),
            }]
        );
        assert_eq!(
            differences[0].to_string(),
            "table Property: row [ProductVersion] column Value: A `1.0.0`, B `1.0.1`"
        );
        assert_eq!(differences[0].subject(), "Property/ProductVersion/Value");
    }

    #[test]
    fn rows_and_summary_fields_on_one_side_only() {
        let a = package(&[("A", "1")], "T");
        let b = package(&[("B", "1")], "U");
        assert_eq!(
            compare(&a, &b),
            [
                Difference::Summary {
                    field: "Title".into(),
                    a: "T".into(),
                    b: "U".into()
                },
                Difference::RowOnlyIn {
                    side: Side::A,
                    table: "Property".into(),
                    key: "A".into()
                },
                Difference::RowOnlyIn {
                    side: Side::B,
                    table: "Property".into(),
                    key: "B".into()
                },
            ]
        );
    }

    #[test]
    fn allow_list_accepts_exact_subjects_and_prefixes_with_their_reason() {
        let allow = AllowList::parse(
            "# comment\nProperty/A  wixl writes it\n_Validation/*   WiX adds the validation table\n",
            "allow.txt",
        )
        .unwrap();
        let only_a = Difference::RowOnlyIn {
            side: Side::A,
            table: "Property".into(),
            key: "A".into(),
        };
        let validation = Difference::TableOnlyIn {
            side: Side::B,
            table: "_Validation".into(),
        };
        let other = Difference::RowOnlyIn {
            side: Side::B,
            table: "Property".into(),
            key: "B".into(),
        };
        assert_eq!(allow.reason(&only_a), Some("wixl writes it"));
        assert_eq!(
            allow.reason(&validation),
            Some("WiX adds the validation table")
        );
        assert_eq!(allow.reason(&other), None);
        let report = classify(vec![only_a, other.clone()], &allow);
        assert_eq!(report.unexpected, [other]);
        assert_eq!(report.accepted.len(), 1);
    }

    #[test]
    fn allow_list_entry_without_reason_is_refused_with_its_line() {
        let error = AllowList::parse("Property/A\n", "allow.txt").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("allow.txt:1: `Property/A` has no reason"),
            "{error}"
        );
    }
}
