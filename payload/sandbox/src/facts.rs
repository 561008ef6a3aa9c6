//! What a process's token and job say about it, as plain data (read on Windows, judged anywhere).

use serde::Serialize;

/// `SE_GROUP_ENABLED`: the group counts when access is granted.
pub const SE_GROUP_ENABLED: u32 = 0x4;
/// `SE_GROUP_USE_FOR_DENY_ONLY`: the group only ever denies access.
pub const SE_GROUP_USE_FOR_DENY_ONLY: u32 = 0x10;

/// One group of a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The SID in `S-1-...` form.
    pub sid: String,
    /// `SE_GROUP_*` attribute bits as the token has them.
    pub attributes: u32,
    /// `enabled`, `deny-only`, `mandatory`, `owner`, `logon-id`, `integrity`: the bits spelled out.
    pub flags: Vec<&'static str>,
}

impl Group {
    /// A group with its attribute bits spelled out.
    pub fn new(sid: impl Into<String>, attributes: u32) -> Self {
        const NAMES: [(u32, &str); 7] = [
            (0x1, "mandatory"),
            (0x2, "enabled-by-default"),
            (SE_GROUP_ENABLED, "enabled"),
            (0x8, "owner"),
            (SE_GROUP_USE_FOR_DENY_ONLY, "deny-only"),
            (0x20, "integrity"),
            (0xC000_0000, "logon-id"),
        ];
        let flags = NAMES
            .iter()
            .filter(|(bit, _)| attributes & bit == *bit)
            .map(|(_, name)| *name)
            .collect();
        Self {
            sid: sid.into(),
            attributes,
            flags,
        }
    }

    /// True when the group grants access (enabled and not deny-only).
    pub fn grants(&self) -> bool {
        self.attributes & SE_GROUP_ENABLED != 0 && self.attributes & SE_GROUP_USE_FOR_DENY_ONLY == 0
    }
}

/// One privilege of a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Privilege {
    /// The privilege's name, e.g. `SeChangeNotifyPrivilege`.
    pub name: String,
    /// Whether it is enabled right now.
    pub enabled: bool,
}

/// A token as the host sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenFacts {
    /// The user SID.
    pub user: String,
    /// The integrity level's RID (`0x1000` low, `0x2000` medium, `0x3000` high, `0x4000` system);
    /// `None` when the token has no label.
    pub integrity_rid: Option<u32>,
    /// The level's name (`low`, `medium`, ...).
    pub integrity: String,
    /// Every privilege the token holds.
    pub privileges: Vec<Privilege>,
    /// Every group of the token.
    pub groups: Vec<Group>,
    /// The restricting SIDs (`TokenRestrictedSids`): an access is granted only if these grant it
    /// too. Empty for an unrestricted token.
    pub restricting_sids: Vec<String>,
    /// The logon session (`TokenStatistics.AuthenticationId`) as `high:low` in hex; SYSTEM's is
    /// [`SYSTEM_LOGON_SESSION`], whose network identity is the computer account.
    pub logon_session: String,
}

/// SYSTEM's logon session (`SYSTEM_LUID`, 0x3e7): network logons from it use the computer's
/// account.
pub const SYSTEM_LOGON_SESSION: &str = "0x0:0x3e7";

/// A logon session LUID as [`TokenFacts::logon_session`] spells it.
pub fn logon_session_text(high: i32, low: u32) -> String {
    format!("0x{high:x}:0x{low:x}")
}

/// The job a process runs in, as the host sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct JobFacts {
    /// True when the process belongs to a job.
    pub in_job: bool,
    /// `JOB_OBJECT_LIMIT_*` bits.
    pub limit_flags: u32,
    /// The active process limit (meaningful with `JOB_OBJECT_LIMIT_ACTIVE_PROCESS`).
    pub active_process_limit: u32,
    /// `JOB_OBJECT_UILIMIT_*` bits; `None` when Windows would not say (Wine cannot).
    pub ui_restrictions: Option<u32>,
    /// The limit and UI bits spelled out.
    pub flags: Vec<&'static str>,
}

impl JobFacts {
    /// Job facts with the bits spelled out.
    pub fn new(in_job: bool, limit_flags: u32, active_process_limit: u32, ui: Option<u32>) -> Self {
        const LIMITS: [(u32, &str); 4] = [
            (0x8, "active-process"),
            (0x400, "die-on-unhandled-exception"),
            (0x800, "breakaway-ok"),
            (0x2000, "kill-on-job-close"),
        ];
        const UI: [(u32, &str); 8] = [
            (0x1, "ui-handles"),
            (0x2, "ui-read-clipboard"),
            (0x4, "ui-write-clipboard"),
            (0x8, "ui-system-parameters"),
            (0x10, "ui-display-settings"),
            (0x20, "ui-global-atoms"),
            (0x40, "ui-desktop"),
            (0x80, "ui-exit-windows"),
        ];
        let flags = LIMITS
            .iter()
            .filter(|(bit, _)| limit_flags & bit != 0)
            .chain(UI.iter().filter(|(bit, _)| ui.unwrap_or(0) & bit != 0))
            .map(|(_, name)| *name)
            .collect();
        Self {
            in_job,
            limit_flags,
            active_process_limit,
            ui_restrictions: ui,
            flags,
        }
    }
}

/// The name of an integrity level RID.
pub fn integrity_name(rid: Option<u32>) -> &'static str {
    match rid {
        None => "none",
        Some(0) => "untrusted",
        Some(0x1000) => "low",
        Some(0x2000) => "medium",
        Some(0x2100) => "medium-plus",
        Some(0x3000) => "high",
        Some(0x4000) => "system",
        Some(0x5000) => "protected-process",
        Some(_) => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_attributes_are_spelled_out() {
        let admins = Group::new("S-1-5-32-544", 0x10 | 0x8);
        assert_eq!(admins.flags, ["owner", "deny-only"]);
        assert!(!admins.grants());
        let everyone = Group::new("S-1-1-0", 0x7);
        assert_eq!(
            everyone.flags,
            ["mandatory", "enabled-by-default", "enabled"]
        );
        assert!(everyone.grants());
        let logon = Group::new("S-1-5-5-0-1", 0xC000_0007);
        assert!(logon.flags.contains(&"logon-id"));
    }

    #[test]
    fn job_bits_are_spelled_out() {
        let job = JobFacts::new(true, 0x2008, 1, Some(0x40 | 0x2));
        assert_eq!(
            job.flags,
            [
                "active-process",
                "kill-on-job-close",
                "ui-read-clipboard",
                "ui-desktop"
            ]
        );
    }

    #[test]
    fn logon_sessions_are_spelled_like_systems() {
        assert_eq!(logon_session_text(0, 0x3e7), SYSTEM_LOGON_SESSION);
        assert_eq!(logon_session_text(1, 0xabc), "0x1:0xabc");
    }

    #[test]
    fn integrity_levels_have_names() {
        assert_eq!(integrity_name(Some(0x1000)), "low");
        assert_eq!(integrity_name(Some(0x4000)), "system");
        assert_eq!(integrity_name(None), "none");
    }
}
