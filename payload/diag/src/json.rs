//! `--json`: the report as JSON, written by hand: a few lines of escaping instead of a
//! serialisation framework in a tool that runs on admins' machines. [`crate::json_reader`] reads
//! it back.

use crate::report::Report;

/// Writes `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn string_list(items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    let inner: Vec<String> = items
        .iter()
        .map(|item| format!("{indent}  {}", quote(item)))
        .collect();
    format!("[\n{}\n{indent}]", inner.join(",\n"))
}

/// The whole report; stable key order, two-space indentation, a final newline.
pub fn render(report: &Report) -> String {
    let counts = report.counts();
    let s = &report.system;
    let checks: Vec<String> = report
        .checks
        .iter()
        .map(|c| {
            format!(
                "    {{\n      \"id\": {},\n      \"title\": {},\n      \"status\": {},\n      \"summary\": {},\n      \"looked_at\": {},\n      \"found\": {},\n      \"fix\": {}\n    }}",
                quote(c.id),
                quote(c.title),
                quote(c.status.name()),
                quote(&c.summary),
                string_list(&c.looked_at, "      "),
                string_list(&c.found, "      "),
                c.fix.as_deref().map_or("null".to_owned(), quote)
            )
        })
        .collect();
    let settings: Vec<String> = report
        .settings
        .iter()
        .map(|setting| {
            format!(
                "    {{ \"name\": {}, \"value\": {}, \"source\": {}, \"policy\": {}, \"policy_display_name\": {} }}",
                quote(setting.name),
                quote(&setting.value),
                quote(setting.source),
                setting.policy.map_or("null".to_owned(), |p| quote(p.policy)),
                setting
                    .policy
                    .map_or("null".to_owned(), |p| quote(p.display_name)),
            )
        })
        .collect();
    let settings = if settings.is_empty() {
        "[]".to_owned()
    } else {
        format!("[\n{}\n  ]", settings.join(",\n"))
    };
    format!(
        "{{\n  \"tool\": \"SsprDiag\",\n  \"version\": {},\n  \"generated\": {},\n  \"computer\": {},\n  \"windows\": {},\n  \"windows_arch\": {},\n  \"diag_arch\": {},\n  \"exit_code\": {},\n  \"counts\": {{ \"pass\": {}, \"skip\": {}, \"warn\": {}, \"fail\": {} }},\n  \"settings\": {},\n  \"checks\": [\n{}\n  ]\n}}\n",
        quote(&s.diag_version),
        quote(&s.generated),
        quote(&s.computer),
        quote(&s.windows),
        quote(&s.windows_arch),
        quote(&s.diag_arch),
        report.exit_code(),
        counts.pass,
        counts.skip,
        counts.warn,
        counts.fail,
        settings,
        checks.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_reader::JsonValue;
    use crate::report::{CheckBuilder, Status, SystemSummary};

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

    #[test]
    fn own_reader_agrees_with_serde() {
        let text = render(&sample());
        let ours = JsonValue::parse(&text).unwrap();
        let checks = ours.get("checks").and_then(JsonValue::as_array).unwrap();
        assert_eq!(checks.len(), 2);
        assert_eq!(
            checks[0].get("status").and_then(JsonValue::as_str),
            Some(Status::Fail.name())
        );
        assert_eq!(
            checks[0]
                .get("found")
                .and_then(JsonValue::as_array)
                .unwrap()[0]
                .as_str(),
            Some("path \"C:\\x.dll\"\tmissing\u{1}")
        );
        assert_eq!(checks[1].get("fix"), Some(&JsonValue::Null));
        assert_eq!(ours.get("exit_code").and_then(JsonValue::as_f64), Some(2.0));
        assert_eq!(
            JsonValue::parse(r#"{"a": [true, false, null, -1.5e2, "\u00e9\/"]}"#).unwrap(),
            JsonValue::Object(vec![(
                "a".into(),
                JsonValue::Array(vec![
                    JsonValue::Bool(true),
                    JsonValue::Bool(false),
                    JsonValue::Null,
                    JsonValue::Number(-150.0),
                    JsonValue::String("é/".into()),
                ])
            )])
        );
        assert!(JsonValue::parse("{\"a\": }").is_err());
        assert!(JsonValue::parse("[1, 2").is_err());
        assert!(JsonValue::parse("{} x").is_err());
    }
}
