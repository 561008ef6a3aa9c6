//! The host's self-check refuses a job that lets a child leave it either way: breakaway on
//! request (`JOB_OBJECT_LIMIT_BREAKAWAY_OK`, 0x800) or silently for every child
//! (`JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK`, 0x1000). Either would undo the one-process limit.

use sspr_sandbox::{
    check, Group, JobFacts, Privilege, TokenFacts, ALLOWED_PRIVILEGE, JOB_LIMIT_FLAGS,
    JOB_UI_RESTRICTIONS, LAUNCH_SID_PREFIX, LOW_INTEGRITY_RID,
};

/// The token the provider gives the host: low integrity, change-notify only, every group
/// deny-only, the restricting SIDs, a logon session of its own.
fn sandboxed_token() -> TokenFacts {
    TokenFacts {
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
    }
}

fn violations(limit_flags: u32) -> Vec<String> {
    let job = JobFacts::new(true, limit_flags, 1, Some(JOB_UI_RESTRICTIONS));
    check(&sandboxed_token(), &job)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_job_without_breakaway_passes() {
    assert_eq!(violations(JOB_LIMIT_FLAGS), Vec::<String>::new());
}

#[test]
fn breakaway_on_request_is_refused() {
    assert_eq!(
        violations(JOB_LIMIT_FLAGS | 0x800),
        ["job: the job allows breakaway"]
    );
}

#[test]
fn silent_breakaway_is_refused() {
    assert_eq!(
        violations(JOB_LIMIT_FLAGS | 0x1000),
        ["job: the job allows breakaway"]
    );
}
