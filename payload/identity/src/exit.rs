//! Exit codes of the two programs admins and scripts run, documented here and nowhere else
//! (the README's tables and the tests take them from these enums).

/// `SsprResetHost.exe`'s exit codes.
///
/// | code | variant | meaning |
/// |---|---|---|
/// | 0 | `Closed` | the window closed normally; `--check-url` allowed the URL; `--self-test` found the sandbox in place |
/// | 1 | `UrlDenied` | `--check-url` denied the URL |
/// | 2 | `BadCommandLine` | bad command line (clap exits with it) |
/// | 3 | `NoPortal` | no usable portal URL |
/// | 4 | `NotSandboxed` | not sandboxed the way the provider starts it: the host refused to run |
/// | 5 | `BrowserFailed` | the browser control failed |
/// | 6 | `NotWindows` | not on Windows (only `--check-url` works elsewhere) |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostExit {
    Closed = 0,
    UrlDenied = 1,
    BadCommandLine = 2,
    NoPortal = 3,
    NotSandboxed = 4,
    BrowserFailed = 5,
    NotWindows = 6,
}

/// `SsprDiag.exe`'s exit codes, in order from 0: `Passed` (every check passed or does not
/// apply), `Warnings` (warnings, no failure), `Failures` (at least one failure), `Usage`
/// (SsprDiag could not run as asked: bad arguments, `--collect` folder not writable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagExit {
    Passed,
    Warnings,
    Failures,
    Usage,
}

impl HostExit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl DiagExit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<HostExit> for std::process::ExitCode {
    fn from(exit: HostExit) -> Self {
        Self::from(exit.code())
    }
}

impl From<DiagExit> for std::process::ExitCode {
    fn from(exit: DiagExit) -> Self {
        Self::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_numbers() {
        assert_eq!(
            [
                HostExit::Closed,
                HostExit::UrlDenied,
                HostExit::BadCommandLine,
                HostExit::NoPortal,
                HostExit::NotSandboxed,
                HostExit::BrowserFailed,
                HostExit::NotWindows,
            ]
            .map(HostExit::code),
            [0, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(
            [
                DiagExit::Passed,
                DiagExit::Warnings,
                DiagExit::Failures,
                DiagExit::Usage
            ]
            .map(DiagExit::code),
            [0, 1, 2, 3]
        );
    }
}
