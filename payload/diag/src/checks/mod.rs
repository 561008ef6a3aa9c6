//! Every check, in report order, and the context they share.
//!
//! Each check reads the machine only through [`Machine`] and returns one [`CheckResult`] saying
//! what it looked at, what it found and, unless it passed, the exact fix.

pub mod architecture;
pub mod network;
pub mod providers;
pub mod proxy;
pub mod registration;
pub mod session;
pub mod settings;
pub mod tls;
pub mod version;
pub mod windows10;

use std::time::Duration;

use sspr_settings::Settings;

use crate::machine::{Arch, Machine};
use crate::report::CheckResult;
use crate::windows_version::WindowsVersion;

/// What the command line asked for beyond the offline checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `--network`: try a TLS 1.2 handshake with the portal hosts.
    pub network: bool,
    /// Longest wait for each step of a connection (DNS, connect, proxy, handshake).
    pub network_step_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            network: false,
            network_step_timeout: Duration::from_secs(5),
        }
    }
}

/// Facts several checks need, read once.
pub struct Context<'a> {
    pub machine: &'a dyn Machine,
    pub windows: WindowsVersion,
    pub arch: Arch,
    /// The settings as the provider resolves them (policy, then settings, then default).
    pub settings: Settings,
    pub options: Options,
}

impl<'a> Context<'a> {
    pub fn new(machine: &'a dyn Machine, options: Options) -> Self {
        let windows = WindowsVersion::detect(machine);
        let settings = sspr_settings::resolve(
            &crate::machine::SettingsRegistry(machine),
            windows.settings_family(),
        );
        Self {
            machine,
            arch: machine.native_arch(),
            windows,
            settings,
            options,
        }
    }
}

/// Runs every check, in the order the report shows them.
pub fn run_all(ctx: &Context<'_>) -> Vec<CheckResult> {
    vec![
        version::check(ctx),
        architecture::check(ctx),
        registration::com_class(ctx),
        registration::provider_key(ctx),
        settings::effective(ctx),
        settings::logging(ctx),
        tls::schannel(ctx),
        tls::winhttp(ctx),
        tls::wininet(ctx),
        windows10::allow_password_reset(ctx),
        windows10::ctrl_alt_del(ctx),
        windows10::lock_screen_notifications(ctx),
        windows10::hide_fast_user_switching(ctx),
        windows10::dont_display_last_user_name(ctx),
        windows10::no_lock_screen(ctx),
        windows10::lost_mode(ctx),
        windows10::custom_shell(ctx),
        windows10::three_setting_combination(ctx),
        providers::third_party(ctx),
        providers::filters(ctx),
        session::remote(ctx),
        proxy::machine_proxy(ctx),
        network::portal(ctx),
    ]
}

/// Joins several problems into one summary and one fix: the worst status wins, every fix is kept.
pub(crate) struct Problems {
    items: Vec<(crate::report::Status, String, String)>,
}

impl Problems {
    pub fn new() -> Self {
        Self { items: Vec::new() }
    }

    pub fn warn(&mut self, summary: impl Into<String>, fix: impl Into<String>) {
        self.items
            .push((crate::report::Status::Warn, summary.into(), fix.into()));
    }

    pub fn fail(&mut self, summary: impl Into<String>, fix: impl Into<String>) {
        self.items
            .push((crate::report::Status::Fail, summary.into(), fix.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Closes `check`: with the problems if there are any (failures first), else as passed.
    pub fn finish(
        mut self,
        check: crate::report::CheckBuilder,
        pass_summary: impl Into<String>,
    ) -> CheckResult {
        use crate::report::Status;
        if self.items.is_empty() {
            return check.pass(pass_summary);
        }
        self.items.sort_by_key(|item| std::cmp::Reverse(item.0));
        let status = self.items[0].0;
        let summary = self
            .items
            .iter()
            .map(|(_, s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let mut fixes: Vec<&str> = Vec::new();
        for (_, _, fix) in &self.items {
            if !fixes.contains(&fix.as_str()) {
                fixes.push(fix);
            }
        }
        let fix = fixes.join(" ");
        match status {
            Status::Fail => check.fail(summary, fix),
            _ => check.warn(summary, fix),
        }
    }
}

/// Test helpers: run one check against a fixture.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::fixture::FakeMachine;
    use crate::report::Status;

    pub fn run(machine: &FakeMachine, check: fn(&Context<'_>) -> CheckResult) -> CheckResult {
        let ctx = Context::new(machine, Options::default());
        check(&ctx)
    }

    pub fn status(machine: &FakeMachine, check: fn(&Context<'_>) -> CheckResult) -> Status {
        run(machine, check).status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FakeMachine;
    use crate::report::Status;

    #[test]
    fn healthy_fixtures_pass_every_offline_check() {
        for machine in [FakeMachine::windows7(), FakeMachine::windows10()] {
            let ctx = Context::new(&machine, Options::default());
            let results = run_all(&ctx);
            let not_passing: Vec<(&str, Status, &str)> = results
                .iter()
                .filter(|r| !matches!(r.status, Status::Pass | Status::Skip))
                .map(|r| (r.id, r.status, r.summary.as_str()))
                .collect();
            assert_eq!(not_passing, []);
            assert_eq!(results.len(), 23);
        }
    }

    #[test]
    fn ids_are_unique_and_every_non_pass_has_a_fix() {
        let mut machine = FakeMachine::empty();
        machine.arch = Arch::Arm64;
        let ctx = Context::new(&machine, Options::default());
        let results = run_all(&ctx);
        let mut ids: Vec<&str> = results.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), results.len());
        for result in &results {
            assert_eq!(
                result.fix.is_some(),
                matches!(result.status, Status::Warn | Status::Fail),
                "{}",
                result.id
            );
            assert!(
                !result.looked_at.is_empty(),
                "{} says what it looked at",
                result.id
            );
        }
    }

    #[test]
    fn problems_report_the_worst_first_and_keep_every_fix() {
        let mut problems = Problems::new();
        problems.warn("w", "fix w");
        problems.fail("f", "fix f");
        problems.warn("w2", "fix w");
        let result = problems.finish(crate::report::CheckBuilder::new("x", "X"), "ok");
        assert_eq!(result.status, Status::Fail);
        assert_eq!(result.summary, "f; w; w2");
        assert_eq!(result.fix.as_deref(), Some("fix f fix w"));
    }
}
