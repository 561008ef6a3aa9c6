//! What the reset host's token and job must be, and the check that compares facts with it.

use crate::facts::{integrity_name, JobFacts, TokenFacts};

/// The low integrity level's RID (`SECURITY_MANDATORY_LOW_RID`).
pub const LOW_INTEGRITY_RID: u32 = 0x1000;

/// The one privilege the host may hold: `CreateRestrictedToken(DISABLE_MAX_PRIVILEGE)` keeps it
/// (without it every path traversal would be access-checked; it grants nothing else).
pub const ALLOWED_PRIVILEGE: &str = "SeChangeNotifyPrivilege";

/// Built-in groups that must be deny-only: each can administer the machine or part of it.
pub const POWERFUL_GROUPS: &[(&str, &str)] = &[
    ("S-1-5-32-544", "Administrators"),
    ("S-1-5-32-547", "Power Users"),
    ("S-1-5-32-548", "Account Operators"),
    ("S-1-5-32-549", "Server Operators"),
    ("S-1-5-32-550", "Print Operators"),
    ("S-1-5-32-551", "Backup Operators"),
    ("S-1-5-32-552", "Replicators"),
    ("S-1-5-32-556", "Network Configuration Operators"),
    ("S-1-5-32-578", "Hyper-V Administrators"),
    ("S-1-5-32-580", "Remote Management Users"),
    // "Local account and member of Administrators group" (Windows 8.1 and later).
    ("S-1-5-114", "Local administrator account"),
];

/// Domain-relative RIDs (`S-1-5-21-<domain>-RID`) that must be deny-only: Domain Admins,
/// Cert Publishers, Schema Admins, Enterprise Admins, Group Policy Creator Owners, Key Admins,
/// Enterprise Key Admins.
pub const POWERFUL_DOMAIN_RIDS: &[u32] = &[512, 517, 518, 519, 520, 526, 527];

/// The job limits the provider sets: `JOB_OBJECT_LIMIT_ACTIVE_PROCESS` (with a limit of one, so
/// the host cannot start anything), `JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION` (no error
/// dialog at the sign-in screen) and `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE` (the host dies with
/// the provider's handle, i.e. with LogonUI or the next click).
pub const JOB_LIMIT_FLAGS: u32 = 0x8 | 0x400 | 0x2000;

/// The UI limits the provider sets: no clipboard either way, no system parameters or display
/// settings, no desktop switching or creation, no log-off/shut-down. Not `UILIMIT_HANDLES`: the
/// host's window is owned by LogonUI's, a handle from outside the job. Not `UILIMIT_GLOBALATOMS`:
/// the WebBrowser control registers global atoms.
pub const JOB_UI_RESTRICTIONS: u32 = 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80;

/// One way the facts differ from what the host needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// A stable name for logs and tests: `integrity`, `privilege`, `group`, `job`.
    pub area: &'static str,
    /// One human line.
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.area, self.detail)
    }
}

/// The name of a powerful group, or `None` for any other SID.
pub fn is_powerful_group(sid: &str) -> Option<&'static str> {
    if let Some((_, name)) = POWERFUL_GROUPS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(sid))
    {
        return Some(name);
    }
    let rest = sid.strip_prefix("S-1-5-21-")?;
    let parts: Vec<&str> = rest.split('-').collect();
    // S-1-5-21-<three sub-authorities>-<RID>.
    if parts.len() != 4 {
        return None;
    }
    let rid: u32 = parts[3].parse().ok()?;
    POWERFUL_DOMAIN_RIDS
        .contains(&rid)
        .then_some("domain administrative group")
}

/// Every way `token` and `job` differ from the sandbox; empty when the host may run.
pub fn check(token: &TokenFacts, job: &JobFacts) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut add = |area, detail: String| found.push(Violation { area, detail });
    match token.integrity_rid {
        Some(LOW_INTEGRITY_RID) => {}
        other => add(
            "integrity",
            format!("integrity level is {}, expected low", integrity_name(other)),
        ),
    }
    for privilege in &token.privileges {
        if privilege.name != ALLOWED_PRIVILEGE {
            add(
                "privilege",
                format!(
                    "{} is present{}, expected only {ALLOWED_PRIVILEGE}",
                    privilege.name,
                    if privilege.enabled {
                        " and enabled"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    for group in &token.groups {
        if let Some(name) = is_powerful_group(&group.sid) {
            if group.grants() || group.attributes & crate::facts::SE_GROUP_USE_FOR_DENY_ONLY == 0 {
                add("group", format!("{} ({name}) is not deny-only", group.sid));
            }
        }
    }
    if !job.in_job {
        add("job", "the process is not in a job".to_owned());
    } else {
        let missing = JOB_LIMIT_FLAGS & !job.limit_flags;
        if missing != 0 {
            add("job", format!("job limit flags 0x{missing:x} are not set"));
        }
        if job.limit_flags & 0x8 != 0 && job.active_process_limit != 1 {
            add(
                "job",
                format!(
                    "active process limit is {}, expected 1",
                    job.active_process_limit
                ),
            );
        }
        if job.limit_flags & (0x800 | 0x1000) != 0 {
            add("job", "the job allows breakaway".to_owned());
        }
        match job.ui_restrictions {
            Some(ui) if JOB_UI_RESTRICTIONS & !ui != 0 => add(
                "job",
                format!(
                    "UI restrictions 0x{:x} are not set",
                    JOB_UI_RESTRICTIONS & !ui
                ),
            ),
            Some(_) => {}
            None => add("job", "the UI restrictions cannot be read".to_owned()),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Group, Privilege};

    /// The token the provider gives the host on Windows: SYSTEM, low, change-notify only,
    /// Administrators deny-only.
    fn sandboxed() -> (TokenFacts, JobFacts) {
        let token = TokenFacts {
            user: "S-1-5-18".into(),
            integrity_rid: Some(LOW_INTEGRITY_RID),
            integrity: "low".into(),
            privileges: vec![Privilege {
                name: ALLOWED_PRIVILEGE.into(),
                enabled: true,
            }],
            groups: vec![
                Group::new("S-1-5-32-544", 0x10 | 0x8),
                Group::new("S-1-1-0", 0x7),
                Group::new("S-1-5-11", 0x7),
                Group::new("S-1-16-4096", 0x60),
            ],
            restricted_sids: false,
        };
        let job = JobFacts::new(true, JOB_LIMIT_FLAGS, 1, Some(JOB_UI_RESTRICTIONS));
        (token, job)
    }

    fn areas(token: &TokenFacts, job: &JobFacts) -> Vec<&'static str> {
        check(token, job).iter().map(|v| v.area).collect()
    }

    #[test]
    fn the_sandbox_the_provider_builds_passes() {
        let (token, job) = sandboxed();
        assert_eq!(check(&token, &job), []);
    }

    #[test]
    fn a_full_system_token_outside_a_job_fails_on_every_count() {
        let (mut token, _) = sandboxed();
        token.integrity_rid = Some(0x4000);
        token.privileges.push(Privilege {
            name: "SeDebugPrivilege".into(),
            enabled: true,
        });
        token.groups[0] = Group::new("S-1-5-32-544", 0xF);
        let found = check(&token, &JobFacts::default());
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "integrity: integrity level is system, expected low",
                "privilege: SeDebugPrivilege is present and enabled, expected only SeChangeNotifyPrivilege",
                "group: S-1-5-32-544 (Administrators) is not deny-only",
                "job: the process is not in a job",
            ]
        );
    }

    #[test]
    fn medium_integrity_is_not_enough() {
        let (mut token, job) = sandboxed();
        token.integrity_rid = Some(0x2000);
        assert_eq!(areas(&token, &job), ["integrity"]);
        token.integrity_rid = None;
        assert_eq!(areas(&token, &job), ["integrity"]);
    }

    #[test]
    fn a_disabled_privilege_still_counts() {
        let (mut token, job) = sandboxed();
        token.privileges.push(Privilege {
            name: "SeShutdownPrivilege".into(),
            enabled: false,
        });
        assert_eq!(areas(&token, &job), ["privilege"]);
    }

    #[test]
    fn a_disabled_but_not_deny_only_admin_group_fails() {
        // A group merely disabled could be re-enabled by AdjustTokenGroups.
        let (mut token, job) = sandboxed();
        token.groups[0] = Group::new("S-1-5-32-544", 0x8);
        assert_eq!(areas(&token, &job), ["group"]);
    }

    #[test]
    fn domain_admins_are_recognised_in_any_domain() {
        assert_eq!(
            is_powerful_group("S-1-5-21-1004336348-1177238915-682003330-512"),
            Some("domain administrative group")
        );
        assert_eq!(
            is_powerful_group("S-1-5-21-1004336348-1177238915-682003330-513"),
            None
        );
        assert_eq!(is_powerful_group("S-1-5-21-512"), None);
        assert_eq!(is_powerful_group("S-1-5-32-551"), Some("Backup Operators"));
        assert_eq!(is_powerful_group("S-1-1-0"), None);
    }

    #[test]
    fn job_limits_each_matter() {
        let (token, _) = sandboxed();
        let no_kill = JobFacts::new(
            true,
            JOB_LIMIT_FLAGS & !0x2000,
            1,
            Some(JOB_UI_RESTRICTIONS),
        );
        assert_eq!(
            check(&token, &no_kill)[0].detail,
            "job limit flags 0x2000 are not set"
        );
        let two = JobFacts::new(true, JOB_LIMIT_FLAGS, 2, Some(JOB_UI_RESTRICTIONS));
        assert_eq!(
            check(&token, &two)[0].detail,
            "active process limit is 2, expected 1"
        );
        let breakaway = JobFacts::new(true, JOB_LIMIT_FLAGS | 0x800, 1, Some(JOB_UI_RESTRICTIONS));
        assert_eq!(areas(&token, &breakaway), ["job"]);
        let unknown = JobFacts::new(true, JOB_LIMIT_FLAGS, 1, None);
        assert_eq!(
            check(&token, &unknown)[0].detail,
            "the UI restrictions cannot be read"
        );
        let clipboard = JobFacts::new(true, JOB_LIMIT_FLAGS, 1, Some(JOB_UI_RESTRICTIONS & !0x2));
        assert_eq!(
            check(&token, &clipboard)[0].detail,
            "UI restrictions 0x2 are not set"
        );
    }
}
