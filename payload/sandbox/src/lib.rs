//! The reset host's sandbox: what "restricted" means (facts and expectations, pure and tested on
//! Linux), how the provider applies it and how the host reads it back (`windows`).
//!
//! The provider runs as SYSTEM inside LogonUI and never shows UI itself. It starts
//! `SsprResetHost.exe` with a restricted copy of its token (every group deny-only, every
//! privilege but change-notify removed, low integrity level, the restricting SIDs Everyone,
//! Users, Restricted and a per-launch SID, in a logon session of its own whose network
//! credentials are made up) inside a job object (one active process, UI limits, killed when the
//! job closes). The host reads its own token and job at start and refuses to run unless both
//! are exactly that ([`check`]). [`non_admin_writers`] judges whether a folder that SYSTEM
//! loads code from or logs into can be written by anyone but SYSTEM and Administrators.

mod expectations;
mod facts;
mod launch_steps;
#[cfg(windows)]
pub mod windows;
mod writers;

pub use expectations::{
    check, is_launch_sid, is_powerful_group, Violation, ALLOWED_PRIVILEGE, JOB_LIMIT_FLAGS,
    JOB_UI_RESTRICTIONS, LAUNCH_SID_AUTHORITY, LAUNCH_SID_MARK, LAUNCH_SID_PREFIX,
    LOW_INTEGRITY_RID, POWERFUL_DOMAIN_RIDS, POWERFUL_GROUPS, RESTRICTING_SIDS,
};
pub use facts::{
    integrity_name, logon_session_text, Group, JobFacts, Privilege, TokenFacts,
    SYSTEM_LOGON_SESSION,
};
pub use launch_steps::{
    LaunchStep, OnFailure, ASSIGN_JOB, CREATE_PROCESS, FAULT_POINT_VARIABLE, HANDLE_LIST,
    INHERIT_OUTPUT, JOB_CREATE, JOB_LIMITS, JOB_UI_LIMITS, LAUNCH_SID, LAUNCH_STEPS, LOGON_SESSION,
    OWNER_WINDOW, OWN_TOKEN, READ_BACK, RESTRICTED_TOKEN, RESUME, WINDOW_GRANT,
};
pub use writers::{non_admin_writers, AceFacts};
