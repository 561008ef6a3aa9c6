//! The `--self-test` report and the lines the host writes to its log (standard output, which
//! the provider points at `SsprResetHost.log` when logging is on).

use serde::Serialize;
use sspr_sandbox::{JobFacts, TokenFacts, Violation};

use crate::access_probes::{granted, Probe};
use crate::desktop::DesktopReport;
use crate::plan::Plan;

/// The sandbox as this process sees it, and the verdict.
#[derive(Debug, Serialize)]
pub struct SandboxReport {
    /// True when the host may run (no violations).
    pub ok: bool,
    pub token: Option<TokenFacts>,
    pub job: Option<JobFacts>,
    /// One line per way the token or job differs from the sandbox.
    pub violations: Vec<String>,
}

impl SandboxReport {
    /// The report for facts read (or the errors reading them, which are violations too).
    pub fn new(token: Result<TokenFacts, String>, job: Result<JobFacts, String>) -> Self {
        let mut violations = Vec::new();
        if let (Ok(token), Ok(job)) = (&token, &job) {
            violations.extend(
                sspr_sandbox::check(token, job)
                    .iter()
                    .map(Violation::to_string),
            );
        }
        if let Err(error) = &token {
            violations.push(format!("token: cannot be read ({error})"));
        }
        if let Err(error) = &job {
            violations.push(format!("job: cannot be read ({error})"));
        }
        Self {
            ok: violations.is_empty(),
            token: token.ok(),
            job: job.ok(),
            violations,
        }
    }
}

/// The policy part of the report.
#[derive(Debug, Serialize)]
pub struct PolicyReport {
    pub portal_url: String,
    pub portal_source: String,
    pub allowed_hosts: Vec<String>,
    /// `AllowedHosts` entries ignored, with the reason.
    pub ignored_hosts: Vec<IgnoredHost>,
    pub rejected_settings: Vec<String>,
}

/// One ignored `AllowedHosts` entry.
#[derive(Debug, Serialize)]
pub struct IgnoredHost {
    pub entry: String,
    pub reason: String,
}

/// Everything `--self-test` prints.
#[derive(Debug, Serialize)]
pub struct SelfTest {
    pub program: &'static str,
    pub version: &'static str,
    pub sandbox: SandboxReport,
    /// The policy, or why none could be loaded.
    pub policy: Result<PolicyReport, String>,
    /// Each access the sandbox must deny, tried (docs/design.md, "The reset window and its
    /// sandbox"); any `granted` fails the self-test.
    pub access: Vec<Probe>,
    /// The first page it would open.
    pub url: Option<String>,
    pub idle_timeout_seconds: Option<u32>,
    /// True when the host would show the window (sandbox ok, a usable plan, and the desktop
    /// checked and right).
    pub would_run: bool,
    /// The desktop the host runs on, once checked ([`SelfTest::with_desktop`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop: Option<DesktopReport>,
}

impl SelfTest {
    /// The report for a sandbox verdict and a plan (or why there is none).
    pub fn new(sandbox: SandboxReport, plan: Result<&Plan, String>) -> Self {
        let would_run = sandbox.ok && plan.is_ok();
        Self {
            program: "SsprResetHost",
            version: env!("CARGO_PKG_VERSION"),
            sandbox,
            access: Vec::new(),
            url: plan.as_ref().ok().map(|p| p.url.clone()),
            idle_timeout_seconds: plan.as_ref().ok().map(|p| p.idle_timeout_seconds),
            policy: plan.map(|p| PolicyReport {
                portal_url: p.portal_url.clone(),
                portal_source: p.portal_source.clone(),
                allowed_hosts: p.policy.policy.hosts().to_vec(),
                ignored_hosts: p
                    .policy
                    .ignored_hosts
                    .iter()
                    .map(|(entry, reason)| IgnoredHost {
                        entry: entry.clone(),
                        reason: reason.clone(),
                    })
                    .collect(),
                rejected_settings: p.rejected_settings.clone(),
            }),
            would_run,
            desktop: None,
        }
    }

    /// Adds the desktop check; a wrong desktop means the host would not run.
    pub fn with_desktop(mut self, desktop: DesktopReport) -> Self {
        self.would_run &= desktop.ok;
        self.desktop = Some(desktop);
        self
    }

    /// The report with the access probes' results: a granted access is a sandbox violation and
    /// the host would not run.
    pub fn with_access(mut self, probes: Vec<Probe>) -> Self {
        let leaks = granted(&probes);
        if !leaks.is_empty() {
            self.sandbox.ok = false;
            self.would_run = false;
            self.sandbox.violations.extend(leaks);
        }
        self.access = probes;
        self
    }

    /// Pretty JSON (serialising plain data cannot fail; an empty object if it somehow did).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sspr_sandbox::{Group, Privilege, JOB_LIMIT_FLAGS, JOB_UI_RESTRICTIONS};

    fn system_token() -> TokenFacts {
        TokenFacts {
            user: "S-1-5-18".into(),
            integrity_rid: Some(0x4000),
            integrity: "system".into(),
            privileges: vec![Privilege {
                name: "SeTcbPrivilege".into(),
                enabled: true,
            }],
            groups: vec![Group::new("S-1-5-32-544", 0xF)],
            restricting_sids: Vec::new(),
            logon_session: "0x0:0x3e7".into(),
        }
    }

    #[test]
    fn a_full_token_is_reported_with_every_violation() {
        let report = SandboxReport::new(
            Ok(system_token()),
            Ok(JobFacts::new(
                true,
                JOB_LIMIT_FLAGS,
                1,
                Some(JOB_UI_RESTRICTIONS),
            )),
        );
        assert!(!report.ok);
        assert_eq!(report.violations.len(), 5, "{:?}", report.violations);
        let json = SelfTest::new(report, Err("no plan".into())).to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["would_run"], false);
        assert_eq!(value["sandbox"]["token"]["integrity"], "system");
        assert_eq!(value["sandbox"]["token"]["groups"][0]["flags"][3], "owner");
        assert_eq!(value["sandbox"]["job"]["active_process_limit"], 1);
        assert_eq!(value["policy"]["Err"], "no plan");
    }

    #[test]
    fn a_granted_access_fails_the_self_test() {
        use crate::access_probes::Outcome;
        let sandbox = SandboxReport {
            ok: true,
            token: None,
            job: None,
            violations: Vec::new(),
        };
        let report = SelfTest::new(sandbox, Err("no plan".into())).with_access(vec![
            Probe::new("hklm-sam", Outcome::Denied, "access denied"),
            Probe::new("open-logonui", Outcome::Granted, "opened"),
        ]);
        assert!(!report.sandbox.ok);
        assert_eq!(
            report.sandbox.violations,
            ["access open-logonui: granted (opened)"]
        );
        let value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(value["access"][0]["outcome"], "denied");
        assert_eq!(value["access"][1]["access"], "open-logonui");
    }

    #[test]
    fn unreadable_facts_are_violations() {
        let report = SandboxReport::new(Err("access denied".into()), Err("no job".into()));
        assert_eq!(
            report.violations,
            [
                "token: cannot be read (access denied)",
                "job: cannot be read (no job)"
            ]
        );
    }

    #[test]
    fn a_wrong_desktop_means_the_host_would_not_run() {
        let token = system_token();
        let report = SandboxReport::new(Ok(token), Err("no job".into()));
        let desktop = DesktopReport::new(Ok(r"WinSta0\Default".to_owned()));
        let json = SelfTest::new(report, Err("no plan".into()))
            .with_desktop(desktop)
            .to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["would_run"], false);
        assert_eq!(value["desktop"]["actual"]["Ok"], r"WinSta0\Default");
        assert_eq!(value["desktop"]["expected"], r"WinSta0\Winlogon");
        assert_eq!(value["desktop"]["ok"], false);
    }
}
