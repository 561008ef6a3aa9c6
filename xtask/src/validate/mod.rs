//! `cargo xtask validate-msi`: Internal Consistency Evaluators (ICEs) on Linux.
//!
//! Orca and `msival2` run Microsoft's ICEs from `darice.cub` on Windows only. These are the ICEs
//! that apply to a package without UI, each written from Microsoft's ICE reference and named by
//! its number, plus the project's own rules (`SSPR*`). Each rule is a pure function over a
//! [`Database`] read with the `msi` crate, so unit tests run it on tables built by hand, and the
//! fixture tests (tests/e2e/tests/ice_fixtures.rs) on our MSIs with one row changed.

pub mod allow;
pub mod authored;
mod components;
mod data;
pub mod database;
mod project;
mod properties;
pub mod report;
pub mod schema;
mod sequences;

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::Serialize;

pub use database::Database;

/// Orca's three levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One message, as Orca shows it: the ICE, its level, the table and row it is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub ice: &'static str,
    pub severity: Severity,
    /// Empty for package-wide messages (summary stream, missing tables).
    pub table: String,
    /// The row's primary key, key columns joined with `.`; empty when not about one row.
    pub row: String,
    pub message: String,
}

impl Finding {
    pub fn new(
        ice: &'static str,
        severity: Severity,
        table: &str,
        row: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            ice,
            severity,
            table: table.to_owned(),
            row: row.into(),
            message: message.into(),
        }
    }
}

/// The findings of a rule that judges each row of one table on its own: `problem` returns the
/// message for a row that breaks the rule, `None` for one that keeps it (or lacks what the rule
/// reads). Each finding names its row by the row's primary key.
pub fn each_row<'a, M: Into<String>>(
    db: &'a Database,
    ice: &'static str,
    severity: Severity,
    table: &'static str,
    mut problem: impl FnMut(database::RowRef<'a>) -> Option<M>,
) -> Vec<Finding> {
    db.rows(table)
        .filter_map(|row| {
            problem(row).map(|message| Finding::new(ice, severity, table, row.key(), message))
        })
        .collect()
}

/// A rule: its name, what it checks (for `--list` and the README), and the check.
pub struct Rule {
    pub ice: &'static str,
    pub checks: &'static str,
    pub run: fn(&Database) -> Vec<Finding>,
}

/// Every rule, in ICE order, the project's own last.
pub fn rules() -> Vec<Rule> {
    let mut all = Vec::new();
    all.extend(data::RULES.iter().map(Rule::from_entry));
    all.extend(components::RULES.iter().map(Rule::from_entry));
    all.extend(sequences::RULES.iter().map(Rule::from_entry));
    all.extend(properties::RULES.iter().map(Rule::from_entry));
    all.sort_by_key(|r| ice_order(r.ice));
    all.extend(project::RULES.iter().map(Rule::from_entry));
    all
}

/// `(ice, what it checks, check)`: how each rule module lists its rules.
pub type RuleEntry = (&'static str, &'static str, fn(&Database) -> Vec<Finding>);

impl Rule {
    fn from_entry(entry: &RuleEntry) -> Self {
        Self {
            ice: entry.0,
            checks: entry.1,
            run: entry.2,
        }
    }
}

fn ice_order(ice: &str) -> u32 {
    ice.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .unwrap_or(u32::MAX)
}

/// Runs every rule on `db`; findings sorted by severity, then ICE, table and row.
pub fn validate(db: &Database) -> Vec<Finding> {
    let mut findings: Vec<Finding> = rules().iter().flat_map(|r| (r.run)(db)).collect();
    findings.sort_by(|a, b| {
        (
            a.severity,
            ice_order(a.ice),
            a.ice,
            &a.table,
            &a.row,
            &a.message,
        )
            .cmp(&(
                b.severity,
                ice_order(b.ice),
                b.ice,
                &b.table,
                &b.row,
                &b.message,
            ))
    });
    findings.dedup();
    findings
}

/// One package's report: its findings split by the allow-list.
#[derive(Debug, Serialize)]
pub struct PackageReport {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    /// Warnings the allow-list accepts, with its reason.
    pub allowed: Vec<(Finding, String)>,
}

impl PackageReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Reads and validates the package at `path`, moving the warnings `allow` accepts aside.
pub fn validate_file(
    path: &Path,
    allow: &allow::AllowList,
    sources: Option<&Path>,
) -> Result<PackageReport> {
    let mut db = Database::read(path)?;
    if let Some(dir) = sources {
        db.authored_features = Some(authored::from_dir(dir)?);
    }
    let (findings, allowed) = allow.split(validate(&db));
    Ok(PackageReport {
        path: path.to_owned(),
        findings,
        allowed,
    })
}

/// Options of `cargo xtask validate-msi`.
#[derive(Debug)]
pub struct CliOptions {
    pub paths: Vec<PathBuf>,
    pub json: bool,
    pub allow: PathBuf,
    /// WiX sources whose Feature attributes SSPR02 compares with; `None`: rule skipped.
    pub sources: Option<PathBuf>,
}

/// Validates each package and prints the report; `Ok(false)` when any package has an error.
pub fn run_cli(options: &CliOptions) -> Result<bool> {
    if options.paths.is_empty() {
        bail!("name at least one MSI: cargo xtask validate-msi PATH...");
    }
    let allow = allow::AllowList::load(&options.allow)?;
    let authored = match &options.sources {
        Some(dir) => Some(authored::from_dir(dir)?),
        None => None,
    };
    let mut reports = Vec::new();
    for path in &options.paths {
        let mut db = Database::read(path)?;
        db.authored_features = authored.clone();
        let (findings, allowed) = allow.split(validate(&db));
        reports.push(PackageReport {
            path: path.clone(),
            findings,
            allowed,
        });
    }
    if options.json {
        println!("{}", report::json(&reports));
    } else {
        print!("{}", report::text(&reports));
    }
    Ok(reports.iter().all(|r| r.errors() == 0))
}

/// The rule list, one line each: `ICE03  what it checks`.
pub fn rule_list() -> String {
    rules()
        .iter()
        .map(|r| format!("{:<7} {}\n", r.ice, r.checks))
        .collect()
}

/// What dist runs on each package it built: every finding printed, and an error when the
/// package has an ICE error. Warnings outside the allow-list are printed and do not stop the
/// build (the fixture tests hold our packages to none).
pub fn check_for_dist(path: &Path, allow: &allow::AllowList, sources: &Path) -> Result<()> {
    let report = validate_file(path, allow, Some(sources))?;
    for finding in &report.findings {
        eprintln!("    {}", report::orca_line(finding));
    }
    if !report.allowed.is_empty() {
        eprintln!(
            "    {} warning(s) accepted by {} (cargo xtask validate-msi lists them)",
            report.allowed.len(),
            allow::ALLOW_FILE
        );
    }
    if report.errors() > 0 {
        bail!(
            "{}: {} ICE error(s) (listed above): fix the package; errors cannot be allow-listed",
            path.display(),
            report.errors(),
        );
    }
    Ok(())
}
