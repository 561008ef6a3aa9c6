//! One run of the host on Windows: read the sandbox and the settings, refuse unless both are
//! right, then show the window and report how it closed.
//!
//! Every line goes to standard output, which is `SsprResetHost.log` when the provider logs and
//! nowhere otherwise: the sandboxed host cannot open files in the log folder itself.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use sspr_identity::HostExit;
use sspr_sandbox::windows::{current_job_facts, current_token_facts};
use sspr_settings::windows_registry::MachineRegistry;
use sspr_settings::{resolve, Settings, WindowsFamily};
use sspr_url_policy::{Policy, Verdict};

use crate::args::Args;
use crate::desktop::{current_desktop, DesktopReport};
use crate::plan::{plan, Plan};
use crate::report::{SandboxReport, SelfTest};
use crate::window::{self, CloseReason, Gate, WindowOptions};

/// The window's title.
const TITLE: &str = "Reset your password";

/// One line to the log; a write that fails (full disk, no output) is dropped, never fatal.
fn log(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "SsprResetHost[{}] {line}", std::process::id());
    let _ = out.flush();
}

/// The settings, read from the machine's registry (the 64-bit view on 64-bit Windows).
pub fn settings() -> Settings {
    // The family only chooses the link's default wording, which the host does not show.
    resolve(&MachineRegistry, WindowsFamily::Windows8OrLater)
}

fn read_sandbox() -> SandboxReport {
    SandboxReport::new(
        current_token_facts().map_err(|e| e.to_string()),
        current_job_facts().map_err(|e| e.to_string()),
    )
}

/// The policy as the window's gate (which the window owns while it is open).
struct PolicyGate(Policy);

impl Gate for PolicyGate {
    // The window logs each decision with the URL (query and fragment dropped); this adds why a
    // URL was refused.
    fn allow_navigation(&self, url: &str) -> bool {
        match self.0.check(url) {
            Verdict::Allow { .. } => true,
            Verdict::Deny(deny) => {
                log(&format!("policy: {} ({})", deny, deny.kind.name()));
                false
            }
        }
    }

    // Scripts, styles and images may also come from the CDN hosts; a refusal here is the
    // security manager's, which logs what it refused.
    fn allow_subresource(&self, url: &str) -> bool {
        self.0.check_subresource(url).is_allowed()
    }

    fn log(&self, line: &str) {
        log(line);
    }
}

/// The host's run: `--self-test`, or the checks and then the window.
pub fn run(args: &Args, settings: &Settings) -> ExitCode {
    let sandbox = read_sandbox();
    let planned =
        plan(args.portal_url.as_deref(), args.user.as_deref(), settings).map_err(|e| e.to_string());
    let desktop = DesktopReport::new(current_desktop());
    if args.self_test {
        let report = SelfTest::new(sandbox, planned.as_ref().map_err(Clone::clone))
            .with_desktop(desktop)
            .with_access(crate::access_probes::run_all());
        let would_run = report.would_run;
        println!("{}", report.to_json());
        return if would_run {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(HostExit::NotSandboxed)
        };
    }
    log(&format!(
        "self-check: {}",
        serde_json::to_string(&sandbox).unwrap_or_default()
    ));
    log(&format!(
        "self-check desktop: {}",
        serde_json::to_string(&desktop).unwrap_or_default()
    ));
    if !sandbox.ok {
        for violation in &sandbox.violations {
            log(&format!("refusing to run: {violation}"));
        }
        eprintln!(
            "SsprResetHost: refusing to run outside the sandbox the credential provider starts \
             it in ({}); run it with --self-test to see the token and job",
            sandbox.violations.join("; ")
        );
        return ExitCode::from(HostExit::NotSandboxed);
    }
    if let Some(violation) = desktop.violation() {
        log(&format!("refusing to run: {violation}"));
        eprintln!(
            "SsprResetHost: refusing to run: {violation}; the host belongs on the sign-in screen"
        );
        return ExitCode::from(4);
    }
    let plan = match planned {
        Ok(plan) => plan,
        Err(error) => {
            log(&format!("no portal to show: {error}"));
            return ExitCode::from(HostExit::NoPortal);
        }
    };
    show(&plan, args.parent_window)
}

fn show(plan: &Plan, parent_window: u64) -> ExitCode {
    for line in &plan.rejected_settings {
        log(&format!("setting ignored: {line}"));
    }
    for (entry, reason) in &plan.policy.ignored_hosts {
        log(&format!("AllowedHosts entry `{entry}` ignored: {reason}"));
    }
    log(&format!(
        "sandbox ok; opening the portal at {} (owner window {parent_window}, idle timeout {} s, \
         allowed hosts: {})",
        plan.policy.policy.portal_host(),
        plan.idle_timeout_seconds,
        plan.policy.policy.hosts().join(" ")
    ));
    let options = WindowOptions {
        url: plan.url.clone(),
        owner: isize::try_from(parent_window).unwrap_or(0),
        idle_timeout: Duration::from_secs(u64::from(plan.idle_timeout_seconds)),
        title: TITLE.to_owned(),
    };
    match window::run(&options, PolicyGate(plan.policy.policy.clone())) {
        Ok(CloseReason::BrowserFailed(why)) => {
            log(&format!("closed: the browser failed ({why})"));
            ExitCode::from(HostExit::BrowserFailed)
        }
        Ok(reason) => {
            log(&format!("closed: {}", reason.name()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            log(&format!("the window failed: {error}"));
            ExitCode::from(HostExit::BrowserFailed)
        }
    }
}
