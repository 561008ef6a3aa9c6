//! What the window's periodic check concludes: the owner window is gone, or the user has been
//! idle too long, or nothing. Pure; the frame feeds it `IsWindow(owner)` and the time since the
//! last input message.

use std::time::Duration;

use super::close_reason::CloseReason;

/// The owner window as the check last saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Started without `--parent-window`.
    None,
    Alive,
    Gone,
}

/// Whether the window must close now, and why. A gone owner wins over idleness: it is what
/// happened first from the user's point of view (LogonUI moved on).
pub fn verdict(owner: Owner, since_input: Duration, idle_timeout: Duration) -> Option<CloseReason> {
    if owner == Owner::Gone {
        Some(CloseReason::OwnerClosed)
    } else if since_input >= idle_timeout {
        Some(CloseReason::Idle)
    } else {
        None
    }
}

/// The log line of an idle close, with the window's own times (from when its state was made):
/// the last input and now. Tests read from it that input reset the idle time: the close comes
/// at least `idle_timeout` after the last input.
pub fn idle_line(last_input: Duration, now: Duration, idle_timeout: Duration) -> String {
    format!(
        "idle: last input at +{} ms, closing at +{} ms after the window opened (idle timeout {} \
         ms)",
        last_input.as_millis(),
        now.as_millis(),
        idle_timeout.as_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_line_gives_the_window_s_own_times() {
        assert_eq!(
            idle_line(
                Duration::from_millis(812),
                Duration::from_millis(2_853),
                Duration::from_secs(2)
            ),
            "idle: last input at +812 ms, closing at +2853 ms after the window opened (idle \
             timeout 2000 ms)"
        );
    }

    const TIMEOUT: Duration = Duration::from_secs(120);

    #[test]
    fn stays_open_while_the_owner_lives_and_input_is_recent() {
        assert_eq!(
            verdict(Owner::Alive, Duration::from_secs(119), TIMEOUT),
            None
        );
        assert_eq!(verdict(Owner::None, Duration::ZERO, TIMEOUT), None);
    }

    #[test]
    fn closes_when_the_owner_is_gone() {
        assert_eq!(
            verdict(Owner::Gone, Duration::ZERO, TIMEOUT),
            Some(CloseReason::OwnerClosed)
        );
        assert_eq!(
            verdict(Owner::Gone, Duration::from_secs(500), TIMEOUT),
            Some(CloseReason::OwnerClosed)
        );
    }

    #[test]
    fn closes_when_idle_for_the_timeout() {
        assert_eq!(
            verdict(Owner::Alive, TIMEOUT, TIMEOUT),
            Some(CloseReason::Idle)
        );
        assert_eq!(
            verdict(Owner::None, Duration::from_secs(121), TIMEOUT),
            Some(CloseReason::Idle)
        );
    }
}
