//! `--json`: the report as JSON (serde_json), fields in a stable order, two-space indentation and
//! a final newline. The field names are the table's: see the README's SsprDiag section.

use serde::Serialize;

use crate::report::{CheckResult, Report, SettingSource};

/// The document's top level, in output order.
#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'a str,
    generated: &'a str,
    computer: &'a str,
    windows: &'a str,
    windows_arch: &'a str,
    diag_arch: &'a str,
    exit_code: u8,
    counts: Counts,
    settings: Vec<Setting<'a>>,
    checks: Vec<Check<'a>>,
}

/// One setting's effective value and where it came from; the policy fields are `null` unless
/// a Group Policy set it.
#[derive(Serialize)]
struct Setting<'a> {
    name: &'a str,
    value: &'a str,
    source: &'a str,
    policy: Option<&'a str>,
    policy_display_name: Option<&'a str>,
}

impl<'a> From<&'a SettingSource> for Setting<'a> {
    fn from(s: &'a SettingSource) -> Self {
        Setting {
            name: s.name,
            value: &s.value,
            source: s.source,
            policy: s.policy.map(|p| p.policy),
            policy_display_name: s.policy.map(|p| p.display_name),
        }
    }
}

#[derive(Serialize)]
struct Counts {
    pass: usize,
    skip: usize,
    warn: usize,
    fail: usize,
}

/// One check, in output order; `fix` is `null` when there is nothing to do.
#[derive(Serialize)]
struct Check<'a> {
    id: &'a str,
    title: &'a str,
    status: &'a str,
    summary: &'a str,
    looked_at: &'a [String],
    found: &'a [String],
    fix: Option<&'a str>,
}

impl<'a> From<&'a CheckResult> for Check<'a> {
    fn from(c: &'a CheckResult) -> Self {
        Check {
            id: c.id,
            title: c.title,
            status: c.status.name(),
            summary: &c.summary,
            looked_at: &c.looked_at,
            found: &c.found,
            fix: c.fix.as_deref(),
        }
    }
}

/// The whole report.
pub fn render(report: &Report) -> String {
    let counts = report.counts();
    let s = &report.system;
    let document = Document {
        tool: "SsprDiag",
        version: &s.diag_version,
        generated: &s.generated,
        computer: &s.computer,
        windows: &s.windows,
        windows_arch: &s.windows_arch,
        diag_arch: &s.diag_arch,
        exit_code: report.exit_code(),
        counts: Counts {
            pass: counts.pass,
            skip: counts.skip,
            warn: counts.warn,
            fail: counts.fail,
        },
        settings: report.settings.iter().map(Setting::from).collect(),
        checks: report.checks.iter().map(Check::from).collect(),
    };
    match serde_json::to_string_pretty(&document) {
        Ok(text) => text + "\n",
        // Strings, numbers and lists of them cannot fail to serialize; say so if they ever do.
        Err(error) => format!(
            "{{\"tool\": \"SsprDiag\", \"error\": {}}}\n",
            serde_json::Value::from(error.to_string())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckBuilder, SystemSummary};

    fn sample() -> Report {
        let mut check = CheckBuilder::new("registration.com-class", "COM class");
        check.look(r"HKLM\SOFTWARE\Classes\CLSID\{X}\InprocServer32\(default)");
        check.found("path \"C:\\x.dll\"\tmissing\u{1}");
        Report {
            system: SystemSummary::sample(),
            checks: vec![
                check.fail("Ünïcode summary", "reg add \"HKLM\\X\" /f"),
                CheckBuilder::new("session.remote", "Remote session").pass("Console session"),
            ],
            settings: vec![
                crate::report::SettingSource {
                    name: "Disabled",
                    value: "1".into(),
                    source: "policy",
                    policy: sspr_settings::policy::policy_for("Disabled"),
                },
                crate::report::SettingSource {
                    name: "PortalUrl",
                    value: "https://sspr.contoso.test/".into(),
                    source: "settings",
                    policy: None,
                },
            ],
        }
    }

    #[test]
    fn output_is_json_a_standard_parser_reads() {
        let text = render(&sample());
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["exit_code"], 2);
        assert_eq!(parsed["counts"]["fail"], 1);
        assert_eq!(
            parsed["checks"][0]["found"][0],
            "path \"C:\\x.dll\"\tmissing\u{1}"
        );
        assert_eq!(parsed["checks"][0]["fix"], "reg add \"HKLM\\X\" /f");
        assert_eq!(parsed["checks"][1]["fix"], serde_json::Value::Null);
        assert_eq!(parsed["checks"][1]["looked_at"], serde_json::json!([]));
        assert_eq!(parsed["checks"][0]["summary"], "Ünïcode summary");
        assert_eq!(parsed["checks"][0]["status"], "fail");
        assert!(text.starts_with("{\n  \"tool\": \"SsprDiag\",\n  \"version\": "));
        assert!(text.ends_with("}\n"));
        assert_eq!(
            parsed["settings"],
            serde_json::json!([
                {
                    "name": "Disabled",
                    "value": "1",
                    "source": "policy",
                    "policy": "TurnOffResetLink",
                    "policy_display_name": "Turn off the password reset link"
                },
                {
                    "name": "PortalUrl",
                    "value": "https://sspr.contoso.test/",
                    "source": "settings",
                    "policy": null,
                    "policy_display_name": null
                }
            ])
        );
    }
}
