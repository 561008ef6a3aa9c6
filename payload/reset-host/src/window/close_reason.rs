//! Why the reset window closed: the one value [`super::run`] answers with, and the name each
//! reason has in logs and in the host's exit report.

use std::fmt;

/// Why the reset window closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The user pressed Esc.
    Escape,
    /// No keyboard or mouse input reached the window for the idle timeout.
    Idle,
    /// LogonUI's window, which owns ours, went away (sign-in, LogonUI's own timeout, a restart).
    OwnerClosed,
    /// The user closed the window (its close button, Alt+F4), or the page asked to close it.
    UserClosed,
    /// The WebBrowser control could not be created, started or pointed at the portal; the text
    /// says which step failed and with which HRESULT.
    BrowserFailed(String),
    /// Something got past a gate that should have stopped it, and the window closed rather
    /// than show it: a page that finished loading on a URL the policy refuses (a redirect the
    /// control did not report), or a top-level window of a class not on the allow-list. The
    /// text says what.
    PolicyBreach(String),
}

impl CloseReason {
    /// A stable, lower-case name for logs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Escape => "escape",
            Self::Idle => "idle",
            Self::OwnerClosed => "owner-closed",
            Self::UserClosed => "user-closed",
            Self::BrowserFailed(_) => "browser-failed",
            Self::PolicyBreach(_) => "policy-breach",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BrowserFailed(detail) | Self::PolicyBreach(detail) => {
                write!(f, "{}: {detail}", self.name())
            }
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_name() {
        let names: Vec<_> = [
            CloseReason::Escape,
            CloseReason::Idle,
            CloseReason::OwnerClosed,
            CloseReason::UserClosed,
            CloseReason::BrowserFailed("x".to_owned()),
            CloseReason::PolicyBreach("x".to_owned()),
        ]
        .iter()
        .map(CloseReason::name)
        .collect();
        assert_eq!(
            names,
            [
                "escape",
                "idle",
                "owner-closed",
                "user-closed",
                "browser-failed",
                "policy-breach"
            ]
        );
    }

    #[test]
    fn display_adds_the_failure_detail() {
        assert_eq!(CloseReason::Idle.to_string(), "idle");
        assert_eq!(
            CloseReason::BrowserFailed("CoCreateInstance(WebBrowser) failed: 0x80040154".into())
                .to_string(),
            "browser-failed: CoCreateInstance(WebBrowser) failed: 0x80040154"
        );
    }
}
