//! `settings.effective` and `settings.logging`: the product's settings as the provider resolves
//! them (`sspr_settings::resolve`: a policy value wins, then the MSI's settings, then the default),
//! with where each value came from and, for a policy value, the administrative template policy
//! that set it. [`sources`] gives the same per setting for the report's `settings` list.

use sspr_settings::policy::{policy_for, POLICY_PATH};
use sspr_settings::{Resolved, Settings, Source, POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY};

use super::{windows10, Context, Problems};
use crate::machine::{expand_env, Machine, RegKey};
use crate::report::{CheckBuilder, CheckResult};

pub const EFFECTIVE_ID: &str = "settings.effective";
pub const LOGGING_ID: &str = "settings.logging";

/// `%ProgramData%\SsprWindowsLogon\logs`, where the provider writes its log files.
pub const LOG_DIR: &str = r"%ProgramData%\SsprWindowsLogon\logs";

/// How each setting's raw values read, for the "which one wins" lines.
fn raw(machine: &dyn Machine, key: &str, name: &str) -> String {
    machine
        .value(&RegKey::hklm(key), name)
        .map_or("not set".to_owned(), |v| v.describe())
}

fn winner_line<T>(
    machine: &dyn Machine,
    name: &str,
    resolved: &Resolved<T>,
    shown: String,
    second_key: &str,
) -> String {
    let second = if second_key == PROVIDER_KEY {
        "registration"
    } else {
        "settings"
    };
    let policy_raw = raw(machine, POLICY_KEY, name);
    let second_raw = raw(machine, second_key, name);
    let from = match (resolved.source, policy_for(name)) {
        (Source::Policy, Some(policy)) => format!("policy \"{}\"", policy.display_name),
        (source, _) => source.name().to_owned(),
    };
    let mut line =
        format!("{name} = {shown} from {from}; policy: {policy_raw}; {second}: {second_raw}");
    if resolved.source == Source::Policy && second_raw != "not set" {
        line.push_str(" (the policy value wins)");
    }
    line
}

/// ` (policy "<name>", <where the editor shows it>)` for a value set by an administrative template.
fn named_policy(value_name: &str) -> String {
    policy_for(value_name).map_or_else(String::new, |p| {
        format!(" (policy \"{}\", {POLICY_PATH})", p.display_name)
    })
}

fn flag(value: bool) -> String {
    if value { "1" } else { "0" }.to_owned()
}

fn source_of<T>(
    name: &'static str,
    resolved: &Resolved<T>,
    value: String,
) -> crate::report::SettingSource {
    crate::report::SettingSource {
        name,
        value,
        source: resolved.source.name(),
        policy: (resolved.source == Source::Policy)
            .then(|| policy_for(name))
            .flatten(),
    }
}

/// Every setting: its effective value, where it came from, and the policy that set it.
pub fn sources(s: &Settings) -> Vec<crate::report::SettingSource> {
    vec![
        source_of("Disabled", &s.disabled, flag(s.disabled.value)),
        source_of("LinkText", &s.link_text, s.link_text.value.clone()),
        source_of("PortalUrl", &s.portal_url, s.portal_url.value.clone()),
        source_of(
            "AllowedHosts",
            &s.allowed_hosts,
            s.allowed_hosts.value.join(";"),
        ),
        source_of(
            "IdleTimeoutSeconds",
            &s.idle_timeout_seconds,
            s.idle_timeout_seconds.value.to_string(),
        ),
        source_of(
            "EnableLogging",
            &s.enable_logging,
            flag(s.enable_logging.value),
        ),
    ]
}

pub fn effective(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let s = &ctx.settings;
    let mut check = CheckBuilder::new(EFFECTIVE_ID, "Settings and policy (which value wins)");
    for key in [POLICY_KEY, SETTINGS_KEY] {
        check.look(format!(
            "HKLM\\{key}\\(Disabled, PortalUrl, LinkText, AllowedHosts, IdleTimeoutSeconds)"
        ));
    }
    check.found(winner_line(
        machine,
        "Disabled",
        &s.disabled,
        flag(s.disabled.value),
        SETTINGS_KEY,
    ));
    check.found(winner_line(
        machine,
        "PortalUrl",
        &s.portal_url,
        format!("\"{}\"", s.portal_url.value),
        SETTINGS_KEY,
    ));
    check.found(winner_line(
        machine,
        "LinkText",
        &s.link_text,
        format!("\"{}\"", s.link_text.value),
        SETTINGS_KEY,
    ));
    check.found(winner_line(
        machine,
        "AllowedHosts",
        &s.allowed_hosts,
        format!("\"{}\"", s.allowed_hosts.value.join(";")),
        SETTINGS_KEY,
    ));
    check.found(winner_line(
        machine,
        "IdleTimeoutSeconds",
        &s.idle_timeout_seconds,
        s.idle_timeout_seconds.value.to_string(),
        SETTINGS_KEY,
    ));

    let mut problems = Problems::new();
    if machine.subkeys(&RegKey::hklm(SETTINGS_KEY)).is_none() {
        problems.warn(
            format!("HKLM\\{SETTINGS_KEY} is missing, so every setting not set by policy is the default"),
            "Repair the installation (msiexec /fa SsprWindowsLogon.PROD.msi /qn) to restore the values the MSI writes.",
        );
    }
    let rejected: Vec<&String> = s
        .disabled
        .rejected
        .iter()
        .chain(&s.portal_url.rejected)
        .chain(&s.link_text.rejected)
        .chain(&s.allowed_hosts.rejected)
        .chain(&s.idle_timeout_seconds.rejected)
        .collect();
    for why in &rejected {
        check.found(format!("ignored: {why}"));
    }
    if !rejected.is_empty() {
        let list = rejected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        problems.warn(
            format!("Unusable value(s) ignored, the next source used instead: {list}"),
            format!("Correct or delete each value named (policy values under HKLM\\{POLICY_KEY} come from Group Policy: fix the GPO; settings values under HKLM\\{SETTINGS_KEY}: reg add or reinstall with the MSI property). PortalUrl must be an https:// URL; Disabled a DWORD 0 or 1; LinkText non-empty text."),
        );
    }
    let builtin_on = ctx.windows.family().is_windows_10_or_later()
        && windows10::BuiltinReset::read(machine).enabled();
    if s.disabled.value && !builtin_on {
        let fix = match s.disabled.source {
            Source::Policy => format!("Group Policy sets HKLM\\{POLICY_KEY}\\Disabled = 1{}: set that policy to Disabled or Not configured in the GPO and run gpupdate /force. No value under HKLM\\{SETTINGS_KEY} can override a policy value.", named_policy("Disabled")),
            _ => format!("reg add \"HKLM\\{SETTINGS_KEY}\" /v Disabled /t REG_DWORD /d 0 /f"),
        };
        problems.fail(
            format!(
                "The kill switch is on (Disabled = 1 from {}): the provider shows no reset link",
                s.disabled.source.name()
            ),
            fix,
        );
    }
    let pass = if s.disabled.value {
        format!(
            "Provider switched off (Disabled = 1 from {}) while Windows' built-in reset link is on: one link, as intended",
            s.disabled.source.name()
        )
    } else {
        format!(
            "Enabled; portal {} (from {}), link text \"{}\" (from {})",
            s.portal_url.value,
            s.portal_url.source.name(),
            s.link_text.value,
            s.link_text.source.name()
        )
    };
    problems.finish(check, pass)
}

pub fn logging(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let resolved = &ctx.settings.enable_logging;
    let mut check = CheckBuilder::new(LOGGING_ID, "Verbose logging (EnableLogging) and log files");
    check.look(format!("HKLM\\{POLICY_KEY}\\EnableLogging"));
    check.look(format!("HKLM\\{PROVIDER_KEY}\\EnableLogging"));
    let dir = expand_env(machine, LOG_DIR);
    check.look(dir.clone());
    check.found(winner_line(
        machine,
        "EnableLogging",
        resolved,
        flag(resolved.value),
        PROVIDER_KEY,
    ));
    match machine.list_dir(&dir) {
        None => check.found(format!("{dir} does not exist (no log written yet)")),
        Some(entries) => {
            let files: Vec<_> = entries.iter().filter(|e| !e.is_dir).collect();
            let bytes: u64 = files.iter().map(|e| e.size).sum();
            check.found(format!("{dir}: {} file(s), {bytes} bytes", files.len()));
        }
    }
    let mut problems = Problems::new();
    for why in &resolved.rejected {
        check.found(format!("ignored: {why}"));
        problems.warn(
            format!("EnableLogging value ignored: {why}"),
            format!("Set it to a DWORD: reg add \"HKLM\\{PROVIDER_KEY}\" /v EnableLogging /t REG_DWORD /d 0 /f"),
        );
    }
    if resolved.value {
        let fix = match resolved.source {
            Source::Policy => format!("Turn it off when troubleshooting is done: set HKLM\\{POLICY_KEY}\\EnableLogging to 0{} in the GPO that sets it.", named_policy("EnableLogging")),
            _ => format!("Turn it off when troubleshooting is done: reg add \"HKLM\\{PROVIDER_KEY}\" /v EnableLogging /t REG_DWORD /d 0 /f"),
        };
        problems.warn(
            format!(
                "Verbose logging is on (from {}); Microsoft's \"How to: Enable password reset from the Windows login screen\" says to use it for troubleshooting only",
                resolved.source.name()
            ),
            fix,
        );
    }
    problems.finish(check, "Verbose logging is off")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::machine::{DirEntry, Value};
    use crate::report::Status;

    #[test]
    fn effective_pass_shows_which_value_wins() {
        let result = run(&FakeMachine::windows7(), effective);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.summary,
            "Enabled; portal https://passwordreset.microsoftonline.com/ (from settings), link text \"Forgot password?\" (from settings)"
        );
        assert_eq!(
            result.found[0],
            "Disabled = 0 from settings; policy: not set; settings: 0 (REG_DWORD)"
        );
        assert_eq!(
            result.found[3],
            "AllowedHosts = \"\" from default; policy: not set; settings: not set"
        );
    }

    #[test]
    fn effective_fails_on_a_conflicting_policy_kill_switch() {
        let machine = FakeMachine::windows7()
            .with_value(&RegKey::hklm(POLICY_KEY), "Disabled", Value::Dword(1))
            .with_value(
                &RegKey::hklm(POLICY_KEY),
                "PortalUrl",
                Value::sz("https://sspr.contoso.test/"),
            );
        let result = run(&machine, effective);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            "The kill switch is on (Disabled = 1 from policy): the provider shows no reset link"
        );
        assert_eq!(
            result.found[0],
            "Disabled = 1 from policy \"Turn off the password reset link\"; policy: 1 (REG_DWORD); settings: 0 (REG_DWORD) (the policy value wins)"
        );
        assert_eq!(
            result.found[1],
            "PortalUrl = \"https://sspr.contoso.test/\" from policy \"Password reset portal address\"; policy: \"https://sspr.contoso.test/\" (REG_SZ); settings: \"https://passwordreset.microsoftonline.com/\" (REG_SZ) (the policy value wins)"
        );
        assert_eq!(
            result.fix.as_deref(),
            Some(concat!(
                r"Group Policy sets HKLM\",
                sspr_identity::policy_key!(),
                r#"\Disabled = 1 (policy "Turn off the password reset link", Computer Configuration\Administrative Templates\SsprWindowsLogon\Password reset at the sign-in screen): set that policy to Disabled or Not configured in the GPO and run gpupdate /force. No value under HKLM\"#,
                sspr_identity::settings_key!(),
                " can override a policy value."
            ))
        );

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(SETTINGS_KEY),
            "Disabled",
            Value::Dword(1),
        );
        let result = run(&machine, effective);
        assert_eq!(
            result.fix.as_deref(),
            Some(concat!(
                r#"reg add "HKLM\"#,
                sspr_identity::settings_key!(),
                r#"" /v Disabled /t REG_DWORD /d 0 /f"#
            ))
        );
    }

    #[test]
    fn effective_warns_on_rejected_values_and_missing_key() {
        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(POLICY_KEY),
            "PortalUrl",
            Value::sz("http://downgrade.test/"),
        );
        let result = run(&machine, effective);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "Unusable value(s) ignored, the next source used instead: policy PortalUrl: `http://downgrade.test/` is not an https:// URL"
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_key(&RegKey::hklm(SETTINGS_KEY));
        let result = run(&machine, effective);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            concat!(
                r"HKLM\",
                sspr_identity::settings_key!(),
                " is missing, so every setting not set by policy is the default"
            )
        );
    }

    #[test]
    fn effective_accepts_our_link_off_when_windows_has_its_own() {
        let result = run(&FakeMachine::windows10(), effective);
        assert_eq!(result.status, Status::Pass);
        assert!(result
            .summary
            .starts_with("Provider switched off (Disabled = 1 from settings)"));
    }

    #[test]
    fn sources_name_the_policy_only_for_policy_values() {
        let machine = FakeMachine::windows7()
            .with_value(
                &RegKey::hklm(POLICY_KEY),
                "IdleTimeoutSeconds",
                Value::Dword(90),
            )
            .with_value(&RegKey::hklm(POLICY_KEY), "EnableLogging", Value::Dword(0));
        let ctx = Context::new(&machine, crate::checks::Options::default());
        let found: Vec<(&str, String, &str, Option<&str>)> = sources(&ctx.settings)
            .into_iter()
            .map(|s| (s.name, s.value, s.source, s.policy.map(|p| p.policy)))
            .collect();
        assert_eq!(
            found,
            [
                ("Disabled", "0".to_owned(), "settings", None),
                ("LinkText", "Forgot password?".to_owned(), "settings", None),
                (
                    "PortalUrl",
                    "https://passwordreset.microsoftonline.com/".to_owned(),
                    "settings",
                    None
                ),
                ("AllowedHosts", String::new(), "default", None),
                (
                    "IdleTimeoutSeconds",
                    "90".to_owned(),
                    "policy",
                    Some("IdleTimeoutSeconds")
                ),
                (
                    "EnableLogging",
                    "0".to_owned(),
                    "policy",
                    Some("EnableLogging")
                ),
            ]
        );
        let result = run(&machine, logging);
        assert_eq!(
            result.found[0],
            "EnableLogging = 0 from policy \"Turn on verbose logging of the password reset provider\"; policy: 0 (REG_DWORD); registration: 0 (REG_DWORD) (the policy value wins)"
        );
    }

    #[test]
    fn logging_pass_warn_and_log_folder() {
        let result = run(&FakeMachine::windows7(), logging);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (Status::Pass, "Verbose logging is off")
        );
        assert_eq!(
            result.found[1],
            r"C:\ProgramData\SsprWindowsLogon\logs does not exist (no log written yet)"
        );

        let machine = FakeMachine::windows7()
            .with_value(
                &RegKey::hklm(PROVIDER_KEY),
                "EnableLogging",
                Value::Dword(1),
            )
            .with_dir(
                r"C:\ProgramData\SsprWindowsLogon\logs",
                vec![DirEntry {
                    name: "provider.log".into(),
                    size: 120,
                    is_dir: false,
                }],
            );
        let result = run(&machine, logging);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.found,
            [
                "EnableLogging = 1 from registration; policy: not set; registration: 1 (REG_DWORD)",
                r"C:\ProgramData\SsprWindowsLogon\logs: 1 file(s), 120 bytes",
            ]
        );

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(PROVIDER_KEY),
            "EnableLogging",
            Value::Dword(5),
        );
        let result = run(&machine, logging);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "EnableLogging value ignored: registration EnableLogging: DWORD 5 is neither 0 nor 1"
        );
    }
}
