//! The reset host's sandbox: what "restricted" means (facts and expectations, pure and tested on
//! Linux), how the provider applies it and how the host reads it back (`windows`).
//!
//! The provider runs as SYSTEM inside LogonUI and never shows UI itself. It starts
//! `SsprResetHost.exe` with a restricted copy of its token (powerful groups deny-only, every
//! privilege but change-notify removed, low integrity level) inside a job object (one active
//! process, UI limits, killed when the job closes). The host reads its own token and job at
//! start and refuses to run unless both are exactly that ([`check`]).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod expectations;
mod facts;
#[cfg(windows)]
pub mod windows;

pub use expectations::{
    check, is_powerful_group, Violation, ALLOWED_PRIVILEGE, JOB_LIMIT_FLAGS, JOB_UI_RESTRICTIONS,
    LOW_INTEGRITY_RID, POWERFUL_DOMAIN_RIDS, POWERFUL_GROUPS,
};
pub use facts::{integrity_name, Group, JobFacts, Privilege, TokenFacts};
