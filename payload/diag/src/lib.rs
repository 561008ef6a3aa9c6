//! SsprDiag: checks every prerequisite and known conflict of password reset at the Windows
//! sign-in screen, and says for each what it looked at, what it found and the exact fix.
//!
//! The checks ([`checks`]) are platform-neutral: they read the machine only through
//! [`machine::Machine`], so they run on Linux against [`fixture::FakeMachine`]. The thin
//! Windows side, `windows`, implements that trait over the real registry and system calls.
//! Output: [`table`] (default), [`json`] (`--json`), [`collect`] (`--collect DIR`).

pub mod checks;
pub mod collect;
pub mod fixture;
pub mod json;
pub mod machine;
pub mod pe;
pub mod proxy_settings;
pub mod regfile;
pub mod registration;
pub mod report;
pub mod table;
pub mod tls_probe;
pub mod windows_version;

#[cfg(windows)]
pub mod windows;

use checks::{Context, Options};
use machine::{Arch, Machine};
use report::{Report, SystemSummary};

/// Runs every check against `machine`; `now_unix` stamps the report.
pub fn diagnose(machine: &dyn Machine, options: Options, now_unix: u64) -> Report {
    let ctx = Context::new(machine, options);
    let checks = checks::run_all(&ctx);
    Report {
        system: SystemSummary {
            computer: machine
                .env("COMPUTERNAME")
                .unwrap_or_else(|| "unknown".to_owned()),
            windows: ctx.windows.describe(),
            windows_arch: ctx.arch.name(),
            diag_version: env!("CARGO_PKG_VERSION").to_owned(),
            diag_arch: Arch::of_this_program().name(),
            generated: report::utc_timestamp(now_unix),
        },
        checks,
        settings: checks::settings::sources(&ctx.settings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FakeMachine;

    #[test]
    fn healthy_windows_7_reports_exit_code_0() {
        let report = diagnose(&FakeMachine::windows7(), Options::default(), 1_719_835_199);
        assert_eq!(report.exit_code(), 0);
        assert_eq!(
            report.system,
            SystemSummary {
                computer: "PC1".into(),
                windows: "Windows 7 SP1 Professional (6.1.7601)".into(),
                windows_arch: "x64".into(),
                diag_version: env!("CARGO_PKG_VERSION").into(),
                diag_arch: "x64".into(),
                generated: "2024-07-01T11:59:59Z".into(),
            }
        );
        let counts = report.counts();
        assert_eq!(
            (counts.pass, counts.warn, counts.fail, counts.skip),
            (13, 0, 0, 10)
        );
    }

    #[test]
    fn a_missing_dll_and_verbose_logging_give_exit_code_2() {
        let mut machine = FakeMachine::windows7().with_value(
            &machine::RegKey::hklm(sspr_settings::PROVIDER_KEY),
            "EnableLogging",
            machine::Value::Dword(1),
        );
        machine.remove_file(r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll");
        let report = diagnose(&machine, Options::default(), 0);
        let not_passing: Vec<(&str, &str)> = report
            .checks
            .iter()
            .filter(|c| matches!(c.status, report::Status::Warn | report::Status::Fail))
            .map(|c| (c.id, c.status.name()))
            .collect();
        assert_eq!(
            not_passing,
            [
                ("registration.com-class", "fail"),
                ("settings.logging", "warn")
            ]
        );
        assert_eq!(report.exit_code(), 2);
    }
}
