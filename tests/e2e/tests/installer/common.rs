//! What "installed" and "not installed" mean, shared by the installer tests: the e2e library's
//! Wine checks ([`sspr_e2e::wine_checks`]), and the result type of a test that may be skipped.

pub use sspr_e2e::wine_checks::*;

/// A test that may find it cannot run here: `Completion::Ignored` with the reason, reported as a
/// skip (never as a pass).
pub type SkippableResult = anyhow::Result<libtest_mimic::Completion>;
