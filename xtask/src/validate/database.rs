//! An MSI read into plain data: every table's columns and rows, and the summary stream's fields
//! the rules look at. The rules are pure functions over this, so unit tests build one by hand.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// One cell: MSI columns hold a string, an integer or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i32),
    Str(String),
}

impl Cell {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i32> {
        match self {
            Cell::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// How Orca shows a cell in a row key.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Str(s) => s.clone(),
        }
    }
}

/// A column's definition as the database declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub nullable: bool,
    pub primary_key: bool,
    pub integer: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<ColumnDef>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The rows as name-addressable views.
    pub fn iter(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.rows
            .iter()
            .map(move |cells| RowRef { table: self, cells })
    }
}

/// One row with its table, so cells can be fetched by column name.
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    table: &'a Table,
    cells: &'a [Cell],
}

static NULL: Cell = Cell::Null;

impl<'a> RowRef<'a> {
    /// The cell of `column`; Null when the table has no such column.
    pub fn get(&self, column: &str) -> &'a Cell {
        self.table
            .column_index(column)
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&NULL)
    }

    pub fn str(&self, column: &str) -> Option<&'a str> {
        self.get(column).as_str()
    }

    pub fn int(&self, column: &str) -> Option<i32> {
        self.get(column).as_int()
    }

    /// The primary key as Orca prints it: key columns joined with `.`.
    pub fn key(&self) -> String {
        let keys: Vec<String> = self
            .table
            .columns
            .iter()
            .zip(self.cells)
            .filter(|(c, _)| c.primary_key)
            .map(|(_, v)| v.display())
            .collect();
        keys.join(".")
    }
}

/// The summary information fields the rules check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The platform part of Template (`x64`, `Intel`, `Arm64`...).
    pub platform: String,
    pub languages: Vec<u16>,
    pub page_count: Option<i32>,
    pub word_count: Option<i32>,
    pub package_code: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Database {
    pub tables: BTreeMap<String, Table>,
    pub summary: Summary,
    /// Feature id -> Attributes as the WiX sources author them, when the caller has the
    /// sources (rule SSPR02 compares; wixl drops some of these attributes).
    pub authored_features: Option<BTreeMap<String, i32>>,
}

impl Database {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The rows of `name`, none when the table is absent.
    pub fn rows(&self, name: &str) -> impl Iterator<Item = RowRef<'_>> {
        self.tables.get(name).into_iter().flat_map(Table::iter)
    }

    /// The Property table's value of `name`.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.rows("Property")
            .find(|r| r.str("Property") == Some(name))
            .and_then(|r| r.str("Value"))
    }

    /// Reads every table and the summary stream of the MSI at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let mut package = msi::open(path)
            .with_context(|| format!("cannot open {} as an MSI database", path.display()))?;
        let summary_info = package.summary_info();
        let summary = Summary {
            platform: summary_info.arch().unwrap_or_default().to_owned(),
            languages: summary_info
                .languages()
                .into_iter()
                .map(u16::from)
                .collect(),
            page_count: summary_info.page_count(),
            word_count: summary_info.word_count(),
            package_code: summary_info
                .uuid()
                .map(|u| format!("{{{}}}", u.hyphenated()).to_ascii_uppercase()),
        };
        let definitions: Vec<(String, Vec<ColumnDef>)> = package
            .tables()
            .map(|table| {
                let columns = table
                    .columns()
                    .iter()
                    .map(|c| ColumnDef {
                        name: c.name().to_owned(),
                        nullable: c.is_nullable(),
                        primary_key: c.is_primary_key(),
                        integer: matches!(
                            c.coltype(),
                            msi::ColumnType::Int16 | msi::ColumnType::Int32
                        ),
                    })
                    .collect();
                (table.name().to_owned(), columns)
            })
            .collect();
        let mut tables = BTreeMap::new();
        for (name, columns) in definitions {
            let rows = package
                .select_rows(msi::Select::table(name.as_str()))
                .with_context(|| format!("cannot read table {name} of {}", path.display()))?
                .map(|row| {
                    (0..row.len())
                        .map(|i| match &row[i] {
                            msi::Value::Null => Cell::Null,
                            msi::Value::Int(n) => Cell::Int(*n),
                            msi::Value::Str(s) => Cell::Str(s.clone()),
                            // A stream column (Icon.Data, Binary.Data): present, not inspected.
                            msi::Value::Binary => Cell::Str("[Binary Data]".into()),
                        })
                        .collect()
                })
                .collect();
            tables.insert(name, Table { columns, rows });
        }
        Ok(Self {
            tables,
            summary,
            authored_features: None,
        })
    }
}

/// Builders for unit tests: a table from column names (first `keys` are the primary key) and
/// rows of string cells, where "" is Null and a leading `i:` marks an integer.
#[cfg(test)]
pub mod build {
    use super::*;

    pub fn table(columns: &[&str], keys: usize, rows: &[&[&str]]) -> Table {
        Table {
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, name)| ColumnDef {
                    name: (*name).to_owned(),
                    nullable: i >= keys,
                    primary_key: i < keys,
                    integer: false,
                })
                .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            if v.is_empty() {
                                Cell::Null
                            } else if let Some(n) =
                                v.strip_prefix("i:").and_then(|n| n.parse().ok())
                            {
                                Cell::Int(n)
                            } else {
                                Cell::Str((*v).to_owned())
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// The standard columns of the tables the rules' tests build most (schema order).
    pub const COMPONENT: [&str; 6] = [
        "Component",
        "ComponentId",
        "Directory_",
        "Attributes",
        "Condition",
        "KeyPath",
    ];
    pub const FILE: [&str; 8] = [
        "File",
        "Component_",
        "FileName",
        "FileSize",
        "Version",
        "Language",
        "Attributes",
        "Sequence",
    ];
    pub const REGISTRY: [&str; 6] = ["Registry", "Root", "Key", "Name", "Value", "Component_"];

    /// The one finding a rule made; fails the test, listing them, when it made none or several.
    pub fn only(found: Vec<crate::validate::Finding>) -> crate::validate::Finding {
        match <[_; 1]>::try_from(found) {
            Ok([finding]) => finding,
            Err(found) => panic!(
                "expected exactly one finding, got {}: {found:#?}",
                found.len()
            ),
        }
    }

    pub fn db(tables: Vec<(&str, Table)>) -> Database {
        Database {
            tables: tables.into_iter().map(|(n, t)| (n.to_owned(), t)).collect(),
            summary: Summary {
                platform: "x64".into(),
                languages: vec![1033],
                page_count: Some(500),
                word_count: Some(2),
                package_code: Some("{00000000-0000-0000-0000-000000000001}".into()),
            },
            authored_features: None,
        }
    }
}
