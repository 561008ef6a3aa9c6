//! Exit codes of the two programs admins and scripts run, documented here and nowhere else
//! (the README's tables and the tests take them from these enums).

/// `SsprResetHost.exe`'s exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostExit {
    /// 0: the window closed normally, or `--check-url` allowed the URL, or `--self-test` found
    /// the sandbox in place.
    Closed = 0,
    /// 1: `--check-url` denied the URL.
    UrlDenied = 1,
    /// 2: bad command line.
    BadCommandLine = 2,
    /// 3: no usable portal URL.
    NoPortal = 3,
    /// 4: not sandboxed as the provider starts it: the host refused to run.
    NotSandboxed = 4,
    /// 5: the browser control failed.
    BrowserFailed = 5,
    /// 6: not on Windows (only `--check-url` works elsewhere).
    NotWindows = 6,
}

/// `SsprDiag.exe`'s exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagExit {
    /// 0: every check passed or does not apply.
    Passed = 0,
    /// 1: warnings, no failure.
    Warnings = 1,
    /// 2: at least one failure.
    Failures = 2,
    /// 3: SsprDiag could not run as asked (bad arguments, `--collect` folder not writable).
    Usage = 3,
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
