//! What the reset host's token and job must be, and the check that compares facts with it.

use crate::facts::{integrity_name, JobFacts, TokenFacts, SYSTEM_LOGON_SESSION};

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

/// The restricting SIDs every host token carries besides its per-launch SID: what ordinary
/// users may read (System32, HKLM\SOFTWARE, the fonts IE draws with) passes the second access
/// check, what only SYSTEM or Administrators may open (HKLM\SAM, HKLM\SECURITY, profiles,
/// LogonUI and winlogon) does not (docs/design.md, "The reset window and its sandbox").
pub const RESTRICTING_SIDS: &[(&str, &str)] = &[
    ("S-1-1-0", "Everyone"),
    ("S-1-5-32-545", "Users"),
    ("S-1-5-12", "Restricted code"),
];

/// The identifier authority of the per-launch SID (`SECURITY_RESOURCE_MANAGER_AUTHORITY`).
pub const LAUNCH_SID_AUTHORITY: u8 = 9;
/// Its first sub-authority: "SSPR" in ASCII, so a stale ACE left by a crash is recognised.
pub const LAUNCH_SID_MARK: u32 = 0x5353_5052;
/// Every per-launch SID starts with this (then two numbers from a fresh LUID).
pub const LAUNCH_SID_PREFIX: &str = "S-1-9-1397968978-";

/// True for a per-launch SID: [`LAUNCH_SID_PREFIX`] and exactly two more sub-authorities.
pub fn is_launch_sid(sid: &str) -> bool {
    let Some(rest) = sid.strip_prefix(LAUNCH_SID_PREFIX) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Domain-relative RIDs (`S-1-5-21-<domain>-RID`) that must be deny-only: Domain Admins,
/// Cert Publishers, Schema Admins, Enterprise Admins, Group Policy Creator Owners, Key Admins,
/// Enterprise Key Admins.
pub const POWERFUL_DOMAIN_RIDS: &[u32] = &[512, 517, 518, 519, 520, 526, 527];

/// The job limits the provider sets: `JOB_OBJECT_LIMIT_ACTIVE_PROCESS` (with a limit of one, so
/// the host cannot start anything), `JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION` (no error
/// dialog at the sign-in screen) and `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE` (the host dies with
/// the provider's handle, i.e. with LogonUI or the next click).
pub const JOB_LIMIT_FLAGS: u32 = 0x8 | 0x400 | 0x2000;

/// The UI limits the provider sets: no window or other USER handle of a process outside the
/// job (`UILIMIT_HANDLES`: the one exception, LogonUI's window that owns the host's, is granted
/// to the job by the provider with `UserHandleGrantAccess`), no clipboard either way, no system
/// parameters or display settings, no desktop switching or creation, no log-off/shut-down. Not
/// `UILIMIT_GLOBALATOMS`: the WebBrowser control registers global atoms.
pub const JOB_UI_RESTRICTIONS: u32 = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80;

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

/// `SE_GROUP_INTEGRITY`: the token's integrity label, which is not a group that grants.
const SE_GROUP_INTEGRITY: u32 = 0x20;

/// The restricting SIDs must be exactly [`RESTRICTING_SIDS`] and one per-launch SID.
fn check_restricting(sids: &[String], add: &mut impl FnMut(&'static str, String)) {
    if sids.is_empty() {
        add(
            "restricting",
            "the token has no restricting SIDs, so it reaches all SYSTEM can".to_owned(),
        );
        return;
    }
    for (sid, name) in RESTRICTING_SIDS {
        if !sids.iter().any(|s| s.eq_ignore_ascii_case(sid)) {
            add("restricting", format!("{sid} ({name}) is missing"));
        }
    }
    let launch = sids.iter().filter(|s| is_launch_sid(s)).count();
    if launch != 1 {
        add(
            "restricting",
            format!("{launch} per-launch SIDs ({LAUNCH_SID_PREFIX}...), expected 1"),
        );
    }
    for sid in sids {
        let known = RESTRICTING_SIDS
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(sid));
        if !known && !is_launch_sid(sid) {
            add(
                "restricting",
                format!("{sid} must not be a restricting SID"),
            );
        }
    }
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
    // Every group but the integrity label only denies: the normal access check grants through
    // the user SID alone, and the restricting SIDs below decide what that reaches.
    for group in &token.groups {
        if group.attributes & SE_GROUP_INTEGRITY != 0 {
            continue;
        }
        if group.grants() || group.attributes & crate::facts::SE_GROUP_USE_FOR_DENY_ONLY == 0 {
            let name = is_powerful_group(&group.sid)
                .map(|name| format!(" ({name})"))
                .unwrap_or_default();
            add("group", format!("{}{name} is not deny-only", group.sid));
        }
    }
    check_restricting(&token.restricting_sids, &mut add);
    if token.logon_session == SYSTEM_LOGON_SESSION {
        add(
            "logon-session",
            format!(
                "the token is in SYSTEM's logon session ({SYSTEM_LOGON_SESSION}), whose network \
                 logons use the computer's account"
            ),
        );
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

    /// The token the provider gives the host on Windows: SYSTEM, low, change-notify only, every
    /// group deny-only, the restricting SIDs, a logon session of its own.
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
                Group::new("S-1-1-0", 0x10 | 0x3),
                Group::new("S-1-5-11", 0x10 | 0x3),
                Group::new("S-1-16-4096", 0x60),
            ],
            restricting_sids: vec![
                "S-1-1-0".into(),
                "S-1-5-32-545".into(),
                "S-1-5-12".into(),
                format!("{LAUNCH_SID_PREFIX}0-1234567"),
            ],
            logon_session: "0x0:0x5a1f3".into(),
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
        token.restricting_sids.clear();
        token.logon_session = SYSTEM_LOGON_SESSION.into();
        let found = check(&token, &JobFacts::default());
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "integrity: integrity level is system, expected low",
                "privilege: SeDebugPrivilege is present and enabled, expected only SeChangeNotifyPrivilege",
                "group: S-1-5-32-544 (Administrators) is not deny-only",
                "restricting: the token has no restricting SIDs, so it reaches all SYSTEM can",
                "logon-session: the token is in SYSTEM's logon session (0x0:0x3e7), whose network \
                 logons use the computer's account",
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
    fn every_group_but_the_label_must_deny() {
        let (mut token, job) = sandboxed();
        token.groups[1] = Group::new("S-1-1-0", 0x7);
        assert_eq!(
            check(&token, &job)[0].to_string(),
            "group: S-1-1-0 is not deny-only"
        );
    }

    #[test]
    fn restricting_sids_are_exactly_the_three_and_one_launch_sid() {
        let (mut token, job) = sandboxed();
        token.restricting_sids.push("S-1-5-18".into());
        token.restricting_sids.retain(|s| s != "S-1-5-12");
        let text: Vec<String> = check(&token, &job)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "restricting: S-1-5-12 (Restricted code) is missing",
                "restricting: S-1-5-18 must not be a restricting SID",
            ]
        );
        token.restricting_sids = vec!["S-1-1-0".into(), "S-1-5-32-545".into(), "S-1-5-12".into()];
        assert_eq!(
            check(&token, &job)[0].detail,
            "0 per-launch SIDs (S-1-9-1397968978-...), expected 1"
        );
    }

    #[test]
    fn launch_sids_have_the_mark_and_two_numbers() {
        assert!(is_launch_sid("S-1-9-1397968978-0-99"));
        assert!(!is_launch_sid("S-1-9-1397968978-0"));
        assert!(!is_launch_sid("S-1-9-1397968978-0-9-9"));
        assert!(!is_launch_sid("S-1-9-1397968979-0-99"));
        assert!(!is_launch_sid("S-1-9-1397968978-x-99"));
        assert_eq!(
            format!("S-1-{LAUNCH_SID_AUTHORITY}-{LAUNCH_SID_MARK}-"),
            LAUNCH_SID_PREFIX
        );
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

    /// A job that lets a child leave it either way undoes the one-process limit: breakaway on
    /// request (`JOB_OBJECT_LIMIT_BREAKAWAY_OK`, 0x800) or silently for every child
    /// (`JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK`, 0x1000).
    fn breakaway_violations(limit_flags: u32) -> Vec<String> {
        let (token, _) = sandboxed();
        let job = JobFacts::new(true, limit_flags, 1, Some(JOB_UI_RESTRICTIONS));
        check(&token, &job)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_job_without_breakaway_passes() {
        assert_eq!(breakaway_violations(JOB_LIMIT_FLAGS), Vec::<String>::new());
    }

    #[test]
    fn breakaway_on_request_is_refused() {
        assert_eq!(
            breakaway_violations(JOB_LIMIT_FLAGS | 0x800),
            ["job: the job allows breakaway"]
        );
    }

    #[test]
    fn silent_breakaway_is_refused() {
        assert_eq!(
            breakaway_violations(JOB_LIMIT_FLAGS | 0x1000),
            ["job: the job allows breakaway"]
        );
    }
}
