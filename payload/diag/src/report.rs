//! The outcome of a run: one [`CheckResult`] per check, and the exit code they add up to.

use sspr_identity::DiagExit;

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Pass,
    /// Does not apply to this machine (another Windows version, `--network` not given).
    Skip,
    Warn,
    Fail,
}

impl Status {
    /// The word in the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Status::Pass, Status::Skip, Status::Warn, Status::Fail]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// One check's answer: what it looked at, what it found, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// Stable identifier for scripts, e.g. `registration.com-class`.
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// One line: the verdict in words.
    pub summary: String,
    /// Registry values, APIs and files read.
    pub looked_at: Vec<String>,
    /// What they held.
    pub found: Vec<String>,
    /// The exact fix; `None` when there is nothing to do.
    pub fix: Option<String>,
}

/// Collects a check's observations, then closes with a verdict.
#[derive(Debug)]
pub struct CheckBuilder {
    id: &'static str,
    title: &'static str,
    looked_at: Vec<String>,
    found: Vec<String>,
}

impl CheckBuilder {
    pub fn new(id: &'static str, title: &'static str) -> Self {
        Self {
            id,
            title,
            looked_at: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Records a place read (once).
    pub fn look(&mut self, place: impl Into<String>) {
        let place = place.into();
        if !self.looked_at.contains(&place) {
            self.looked_at.push(place);
        }
    }

    /// Records an observation.
    pub fn found(&mut self, fact: impl Into<String>) {
        self.found.push(fact.into());
    }

    fn finish(self, status: Status, summary: String, fix: Option<String>) -> CheckResult {
        CheckResult {
            id: self.id,
            title: self.title,
            status,
            summary,
            looked_at: self.looked_at,
            found: self.found,
            fix,
        }
    }

    pub fn pass(self, summary: impl Into<String>) -> CheckResult {
        self.finish(Status::Pass, summary.into(), None)
    }

    pub fn skip(self, summary: impl Into<String>) -> CheckResult {
        self.finish(Status::Skip, summary.into(), None)
    }

    pub fn warn(self, summary: impl Into<String>, fix: impl Into<String>) -> CheckResult {
        self.finish(Status::Warn, summary.into(), Some(fix.into()))
    }

    pub fn fail(self, summary: impl Into<String>, fix: impl Into<String>) -> CheckResult {
        self.finish(Status::Fail, summary.into(), Some(fix.into()))
    }

    /// Closes with a verdict decided elsewhere (a pass or skip has no fix).
    pub fn verdict(
        self,
        status: Status,
        summary: impl Into<String>,
        fix: Option<String>,
    ) -> CheckResult {
        let fix = match status {
            Status::Pass | Status::Skip => None,
            Status::Warn | Status::Fail => fix,
        };
        self.finish(status, summary.into(), fix)
    }
}

/// What the report says about the machine as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemSummary {
    pub computer: String,
    pub windows: String,
    pub windows_arch: String,
    pub diag_version: String,
    pub diag_arch: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub generated: String,
}

#[cfg(test)]
impl SystemSummary {
    /// The machine the output tests describe.
    pub fn sample() -> Self {
        Self {
            computer: "PC1".into(),
            windows: "Windows 7 SP1 Professional (6.1.7601)".into(),
            windows_arch: "x64".into(),
            diag_version: "0.1.0".into(),
            diag_arch: "x64".into(),
            generated: "2024-07-01T11:59:59Z".into(),
        }
    }
}

/// Where one setting's effective value came from, and the Group Policy that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingSource {
    /// The registry value name (`Disabled`, `PortalUrl`, ...).
    pub name: &'static str,
    /// The effective value, as text (`1`, a URL, hosts joined with `;`).
    pub value: String,
    /// `policy`, `settings`, `registration` or `default`.
    pub source: &'static str,
    /// The administrative template policy that set it (only when `source` is `policy`).
    pub policy: Option<&'static sspr_settings::policy::PolicyValue>,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub system: SystemSummary,
    pub checks: Vec<CheckResult>,
    /// Every setting, in the order the provider and the reset window resolve them.
    pub settings: Vec<SettingSource>,
}

/// How many checks ended in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub skip: usize,
    pub warn: usize,
    pub fail: usize,
}

// SsprDiag's exit codes are documented once, on `sspr_identity::DiagExit`.
/// [`DiagExit::Passed`]'s code.
pub const EXIT_OK: u8 = DiagExit::Passed as u8;
/// [`DiagExit::Warnings`]'s code.
pub const EXIT_WARNINGS: u8 = DiagExit::Warnings as u8;
/// [`DiagExit::Failures`]'s code.
pub const EXIT_FAILURES: u8 = DiagExit::Failures as u8;
/// [`DiagExit::Usage`]'s code.
pub const EXIT_USAGE: u8 = DiagExit::Usage as u8;

impl Report {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for check in &self.checks {
            match check.status {
                Status::Pass => counts.pass += 1,
                Status::Skip => counts.skip += 1,
                Status::Warn => counts.warn += 1,
                Status::Fail => counts.fail += 1,
            }
        }
        counts
    }

    /// 0 all good, 1 warnings, 2 failures.
    pub fn exit_code(&self) -> u8 {
        let counts = self.counts();
        if counts.fail > 0 {
            EXIT_FAILURES
        } else if counts.warn > 0 {
            EXIT_WARNINGS
        } else {
            EXIT_OK
        }
    }

    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (proleptic Gregorian, UTC).
pub fn utc_timestamp(unix_seconds: u64) -> String {
    format!("{}Z", sspr_utc::Civil::from_unix(unix_seconds).iso8601())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status) -> CheckResult {
        CheckBuilder::new("x", "X").verdict(status, "s", Some("fix".into()))
    }

    fn report(statuses: &[Status]) -> Report {
        Report {
            settings: Vec::new(),
            system: SystemSummary {
                computer: String::new(),
                windows: String::new(),
                windows_arch: String::new(),
                diag_version: String::new(),
                diag_arch: String::new(),
                generated: String::new(),
            },
            checks: statuses.iter().map(|s| result(*s)).collect(),
        }
    }

    #[test]
    fn exit_code_is_the_worst_status() {
        assert_eq!(report(&[Status::Pass, Status::Skip]).exit_code(), 0);
        assert_eq!(
            report(&[Status::Pass, Status::Warn, Status::Skip]).exit_code(),
            1
        );
        assert_eq!(report(&[Status::Warn, Status::Fail]).exit_code(), 2);
        assert_eq!(report(&[]).exit_code(), 0);
        assert_eq!(
            report(&[Status::Warn, Status::Fail, Status::Pass, Status::Warn]).counts(),
            Counts {
                pass: 1,
                skip: 0,
                warn: 2,
                fail: 1
            }
        );
    }

    #[test]
    fn passes_carry_no_fix() {
        assert_eq!(result(Status::Pass).fix, None);
        assert_eq!(result(Status::Warn).fix.as_deref(), Some("fix"));
    }

    #[test]
    fn builder_records_each_place_once() {
        let mut check = CheckBuilder::new("id", "Title");
        check.look("HKLM\\A");
        check.look("HKLM\\A");
        check.found("one");
        let done = check.pass("ok");
        assert_eq!(done.looked_at, ["HKLM\\A"]);
        assert_eq!(done.found, ["one"]);
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_719_835_199), "2024-07-01T11:59:59Z");
    }

    #[test]
    fn status_names_round_trip() {
        for status in [Status::Pass, Status::Skip, Status::Warn, Status::Fail] {
            assert_eq!(Status::from_name(status.name()), Some(status));
        }
        assert_eq!(Status::from_name("ok"), None);
    }
}
