//! The allow-list (`xtask/ice-allow.txt`): warnings the project accepts, each with its reason.
//!
//! One entry a line, `ICE | table | row | reason`: `row` is a row key, `*` for every row of
//! the table, or `~text` for the rows whose message contains `text` (generated keys, such as
//! wixl's Registry keys, differ between builds). `#` starts a comment line. Errors are never
//! accepted, whatever the file says.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{Finding, Severity};

/// The tracked file, relative to the workspace root.
pub const ALLOW_FILE: &str = "xtask/ice-allow.txt";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    pub ice: String,
    pub table: String,
    /// A row key, `*` for any row, or `~text`: any row whose message contains `text`.
    pub row: String,
    pub reason: String,
}

impl AllowEntry {
    fn matches(&self, finding: &Finding) -> bool {
        finding.severity != Severity::Error
            && self.ice == finding.ice
            && self.table == finding.table
            && match self.row.strip_prefix('~') {
                Some(text) => finding.message.contains(text),
                None => self.row == "*" || self.row == finding.row,
            }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    pub entries: Vec<AllowEntry>,
}

impl AllowList {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.splitn(4, '|').map(str::trim).collect();
            let [ice, table, row, reason] = fields[..] else {
                bail!(
                    "{origin}:{}: expected `ICE | table | row | reason`, found `{line}`",
                    number + 1
                );
            };
            if ice.is_empty() || table.is_empty() || row.is_empty() || reason.is_empty() {
                bail!(
                    "{origin}:{}: every field is required, the reason above all: `{line}`",
                    number + 1
                );
            }
            entries.push(AllowEntry {
                ice: ice.to_owned(),
                table: table.to_owned(),
                row: row.to_owned(),
                reason: reason.to_owned(),
            });
        }
        Ok(Self { entries })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the ICE allow-list {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// (findings still to report, accepted warnings with their reason).
    pub fn split(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<(Finding, String)>) {
        let mut kept = Vec::new();
        let mut allowed = Vec::new();
        for finding in findings {
            match self.entries.iter().find(|e| e.matches(&finding)) {
                Some(entry) => allowed.push((finding, entry.reason.clone())),
                None => kept.push(finding),
            }
        }
        (kept, allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(ice: &'static str, severity: Severity, row: &str) -> Finding {
        Finding::new(
            ice,
            severity,
            "Registry",
            row,
            "key `CLSID\\{11111111-2222-3333-4444-555555555555}` is registration",
        )
    }

    #[test]
    fn accepts_listed_warnings_never_errors() {
        let list = AllowList::parse(
            "# comment\nICE33 | Registry | ~CLSID\\{1111 | COM registration as Registry rows\n",
            "t",
        )
        .unwrap();
        let mut other_key = finding("ICE33", Severity::Warning, "reg4");
        other_key.message = "key `.sspr` is registration".into();
        let (kept, allowed) = list.split(vec![
            finding("ICE33", Severity::Warning, "reg1"),
            finding("ICE33", Severity::Error, "reg2"),
            finding("ICE57", Severity::Warning, "reg3"),
            other_key,
        ]);
        assert_eq!(
            kept.iter().map(|f| f.row.as_str()).collect::<Vec<_>>(),
            ["reg2", "reg3", "reg4"]
        );
        assert_eq!(allowed.len(), 1);
        assert_eq!(allowed[0].1, "COM registration as Registry rows");
    }

    #[test]
    fn an_entry_without_a_reason_is_refused() {
        let err = AllowList::parse("ICE33 | Registry | * |  \n", "ice-allow.txt").unwrap_err();
        assert!(format!("{err}").contains("ice-allow.txt:1"), "{err}");
        assert!(AllowList::parse("ICE33 Registry\n", "f").is_err());
    }

    #[test]
    fn the_tracked_list_parses_and_gives_every_entry_a_reason() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(ALLOW_FILE);
        let list = AllowList::load(&path).unwrap();
        for entry in &list.entries {
            assert!(entry.reason.len() > 20, "{entry:?}");
        }
    }
}
