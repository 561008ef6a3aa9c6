//! Printing a report: Orca's columns as text, or JSON (`--json`).

use serde::Serialize;

use super::{Finding, PackageReport};

/// `ICE03  error    File  SsprDiagExe  message`: one line per finding, as Orca lists them.
pub fn orca_line(finding: &Finding) -> String {
    format!(
        "{:<6} {:<7}  {}  {}  {}",
        finding.ice,
        finding.severity.name(),
        if finding.table.is_empty() {
            "-"
        } else {
            &finding.table
        },
        if finding.row.is_empty() {
            "-"
        } else {
            &finding.row
        },
        finding.message
    )
}

pub fn text(reports: &[PackageReport]) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&format!("{}\n", report.path.display()));
        for finding in &report.findings {
            out.push_str(&format!("  {}\n", orca_line(finding)));
        }
        for (finding, reason) in &report.allowed {
            out.push_str(&format!("  {}  [allowed: {reason}]\n", orca_line(finding)));
        }
        out.push_str(&format!(
            "  {} error(s), {} warning(s), {} accepted by the allow-list\n",
            report.errors(),
            report.warnings(),
            report.allowed.len()
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    path: String,
    errors: usize,
    warnings: usize,
    findings: Vec<JsonFinding<'a>>,
}

/// `[{path, errors, warnings, findings: [{ice, severity, table, row, message, allowed?}]}]`.
pub fn json(reports: &[PackageReport]) -> String {
    let out: Vec<JsonReport> = reports
        .iter()
        .map(|r| JsonReport {
            path: r.path.display().to_string(),
            errors: r.errors(),
            warnings: r.warnings(),
            findings: r
                .findings
                .iter()
                .map(|finding| JsonFinding {
                    finding,
                    allowed: None,
                })
                .chain(r.allowed.iter().map(|(finding, reason)| JsonFinding {
                    finding,
                    allowed: Some(reason),
                }))
                .collect(),
        })
        .collect();
    serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Severity;

    #[test]
    fn one_line_per_finding_in_orca_order() {
        let f = Finding::new("ICE08", Severity::Error, "Component", "A", "dup");
        assert_eq!(orca_line(&f), "ICE08  error    Component  A  dup");
        let report = PackageReport {
            path: "p.msi".into(),
            findings: vec![f],
            allowed: vec![],
        };
        let json: serde_json::Value = serde_json::from_str(&json(&[report])).unwrap();
        assert_eq!(json[0]["errors"], 1);
        assert_eq!(json[0]["findings"][0]["ice"], "ICE08");
        assert_eq!(json[0]["findings"][0]["severity"], "error");
        assert_eq!(json[0]["findings"][0]["row"], "A");
    }
}
