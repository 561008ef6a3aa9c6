//! The default output: one table row per check, then what each warning and failure looked at,
//! found, and how to fix it (every check with `--verbose`). Plain ASCII, for any console.

use crate::report::{CheckResult, Report, Status, EXIT_FAILURES, EXIT_OK};

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Skip => "SKIP",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
    }
}

fn block(out: &mut String, heading: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        let head = if i == 0 { heading } else { "" };
        out.push_str(&format!("  {head:<11}{line}\n"));
    }
}

fn details(out: &mut String, check: &CheckResult) {
    out.push_str(&format!(
        "[{}] {}: {}\n",
        label(check.status),
        check.id,
        check.title
    ));
    block(out, "result:", std::slice::from_ref(&check.summary));
    block(out, "looked at:", &check.looked_at);
    block(out, "found:", &check.found);
    if let Some(fix) = &check.fix {
        block(out, "fix:", std::slice::from_ref(fix));
    }
    out.push('\n');
}

/// Renders the report; `verbose` shows the details of passed and skipped checks too.
pub fn render(report: &Report, verbose: bool) -> String {
    let s = &report.system;
    let mut out = format!(
        "SsprDiag {} ({}) on {}: {}, {} Windows, {}\n\n",
        s.diag_version, s.diag_arch, s.computer, s.windows, s.windows_arch, s.generated
    );
    let width = report
        .checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!("STATUS  {:<width$}  RESULT\n", "CHECK"));
    for check in &report.checks {
        out.push_str(&format!(
            "{:<6}  {:<width$}  {}\n",
            label(check.status),
            check.id,
            check.summary
        ));
    }
    let shown: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| verbose || matches!(c.status, Status::Warn | Status::Fail))
        .collect();
    if !shown.is_empty() {
        out.push_str("\nDetails\n-------\n");
        for check in shown {
            details(&mut out, check);
        }
    } else {
        out.push('\n');
    }
    let counts = report.counts();
    let code = report.exit_code();
    let meaning = match code {
        EXIT_OK => "all good",
        EXIT_FAILURES => "failures",
        _ => "warnings",
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    out.push_str(&format!(
        "{}: {} passed, {}, {}, {} not applicable. Exit code {code} ({meaning}).\n",
        plural(report.checks.len(), "check", "checks"),
        counts.pass,
        plural(counts.warn, "warning", "warnings"),
        plural(counts.fail, "failure", "failures"),
        counts.skip
    ));
    if !verbose {
        out.push_str("Run with --verbose for every check's details, --json for scripts.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckBuilder, SystemSummary};

    #[test]
    fn table_then_details_of_problems() {
        let mut failing = CheckBuilder::new("registration.com-class", "COM class");
        failing.look("HKLM\\A\\(default)");
        failing.look("HKLM\\B");
        failing.found("missing");
        let report = Report {
            settings: Vec::new(),
            system: SystemSummary::sample(),
            checks: vec![
                CheckBuilder::new("windows.version", "Windows").pass("Windows 7 SP1: supported"),
                failing.fail("The DLL is missing", "Repair it."),
            ],
        };
        assert_eq!(
            render(&report, false),
            "SsprDiag 0.1.0 (x64) on PC1: Windows 7 SP1 Professional (6.1.7601), x64 Windows, 2024-07-01T11:59:59Z

STATUS  CHECK                   RESULT
PASS    windows.version         Windows 7 SP1: supported
FAIL    registration.com-class  The DLL is missing

Details
-------
[FAIL] registration.com-class: COM class
  result:    The DLL is missing
  looked at: HKLM\\A\\(default)
             HKLM\\B
  found:     missing
  fix:       Repair it.

2 checks: 1 passed, 0 warnings, 1 failure, 0 not applicable. Exit code 2 (failures).
Run with --verbose for every check's details, --json for scripts.
"
        );
        let verbose = render(&report, true);
        assert!(verbose
            .contains("[PASS] windows.version: Windows\n  result:    Windows 7 SP1: supported\n"));
        assert!(!verbose.contains("Run with --verbose"));
    }
}
