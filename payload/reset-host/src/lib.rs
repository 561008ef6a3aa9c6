//! SsprResetHost's parts: the command line, the plan (settings, policy, first URL), the
//! `--self-test` report, and on Windows the session (self-check, then the window) and the
//! locked-down window itself. `main.rs` is the executable around them.

pub mod access_probes;
pub mod args;
pub mod desktop;
pub mod plan;
pub mod portal;
pub mod report;
#[cfg(windows)]
pub mod session;
pub mod window;
