//! Whether the sign-in screen is shown in a remote session, behind a trait so tests can set it.

/// The facts about the current session the provider and filter need.
pub trait SessionInfo {
    /// True in an RDP or Hyper-V enhanced session, where password reset is unsupported.
    fn is_remote(&self) -> bool;
}

/// A session whose answer is fixed: for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedSession {
    pub remote: bool,
}

impl SessionInfo for FixedSession {
    fn is_remote(&self) -> bool {
        self.remote
    }
}

/// The session this process runs in: `GetSystemMetrics(SM_REMOTESESSION)`.
#[cfg(windows)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CurrentSession;

#[cfg(windows)]
impl SessionInfo for CurrentSession {
    fn is_remote(&self) -> bool {
        use windows::Win32::UI::WindowsAndMessaging::{GetSystemMetrics, SM_REMOTESESSION};
        // SAFETY: GetSystemMetrics takes a plain index and has no preconditions.
        unsafe { GetSystemMetrics(SM_REMOTESESSION) != 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_session_answers_as_set() {
        let sessions: [&dyn SessionInfo; 2] =
            [&FixedSession { remote: true }, &FixedSession::default()];
        assert_eq!(sessions.map(|s| s.is_remote()), [true, false]);
    }
}
