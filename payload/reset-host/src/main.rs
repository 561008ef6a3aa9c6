//! SsprResetHost.exe: the reset portal in a locked-down window, started by the credential
//! provider's link inside a sandbox (restricted token, job) it checks before showing anything.
//!
//! Exit codes: `sspr_identity::HostExit` (documented there; 2, a bad command line, is clap's).

use std::process::ExitCode;

use clap::Parser;
use sspr_identity::HostExit;
#[cfg(windows)]
use sspr_reset_host::session;
use sspr_reset_host::{args::Args, plan::plan};
use sspr_settings::Settings;
use sspr_url_policy::Verdict;

/// `--check-url`: the verdict and its reason on one line.
fn check_url(url: &str, args: &Args, settings: &Settings) -> ExitCode {
    let plan = match plan(args.portal_url.as_deref(), None, settings) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("SsprResetHost: {error}");
            return ExitCode::from(HostExit::NoPortal);
        }
    };
    match plan.policy.policy.check(url) {
        Verdict::Allow { host } => {
            println!("allow: host `{host}` is on the allowed list");
            ExitCode::SUCCESS
        }
        Verdict::Deny(deny) => {
            println!("deny ({}): {}", deny.kind.name(), deny.detail);
            ExitCode::from(HostExit::UrlDenied)
        }
    }
}

fn main() -> ExitCode {
    // DLLs from System32 only, where Windows can be told so (docs/design.md, "The reset window
    // and its sandbox").
    #[cfg(windows)]
    let _ = sspr_sandbox::windows::restrict_process_dll_search();
    let args = Args::parse();
    #[cfg(windows)]
    let settings = session::settings();
    #[cfg(not(windows))]
    let settings = sspr_settings::resolve(
        &sspr_settings::MemoryRegistry::new(),
        sspr_settings::WindowsFamily::Windows8OrLater,
    );
    if let Some(url) = &args.check_url {
        return check_url(url, &args, &settings);
    }
    #[cfg(windows)]
    {
        session::run(&args, &settings)
    }
    #[cfg(not(windows))]
    {
        eprintln!(
            "SsprResetHost: the reset window runs on Windows only (--check-url works anywhere)"
        );
        ExitCode::from(HostExit::NotWindows)
    }
}
