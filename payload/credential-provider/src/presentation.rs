//! What the provider shows for a usage scenario: nothing, the wrapped password tiles with our
//! link, or our own fallback tile. Decided at `SetUsageScenario` from the settings just read.

/// Why the provider shows nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenReason {
    /// `Disabled=1` in the settings or the policy key.
    Disabled,
    /// A remote session (RDP, Hyper-V enhanced session): reset is unsupported there.
    RemoteSession,
}

/// What the provider shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presentation {
    /// No fields, no credentials.
    Hidden(HiddenReason),
    /// The inbox password provider's credentials; with our link unless `link` is false.
    Wrapped { link: bool },
    /// One tile of our own with the link: the inner provider could not be used.
    Fallback,
}

/// The facts the decision needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Situation {
    pub disabled: bool,
    pub remote_session: bool,
    /// The filter hid the inbox password provider for this scenario in this process.
    pub inbox_hidden_by_filter: bool,
}

/// Decides what to show. `wrap` creates and prepares the inner provider; it is only called when
/// wrapping is wanted, and its error makes the fallback tile.
///
/// If the filter hid the inbox provider, its tiles must appear through us whatever else holds
/// (the kill switch may have flipped since the filter ran): then we wrap without our link
/// rather than hide, so nobody is left without a password box.
pub fn decide<E>(
    situation: Situation,
    wrap: impl FnOnce() -> Result<(), E>,
) -> (Presentation, Option<E>) {
    let hidden = if situation.disabled {
        Some(HiddenReason::Disabled)
    } else if situation.remote_session {
        Some(HiddenReason::RemoteSession)
    } else {
        None
    };
    match (hidden, situation.inbox_hidden_by_filter) {
        (Some(reason), false) => (Presentation::Hidden(reason), None),
        (Some(_), true) => match wrap() {
            Ok(()) => (Presentation::Wrapped { link: false }, None),
            Err(error) => (Presentation::Hidden(HiddenReason::Disabled), Some(error)),
        },
        (None, _) => match wrap() {
            Ok(()) => (Presentation::Wrapped { link: true }, None),
            Err(error) => (Presentation::Fallback, Some(error)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn situation(disabled: bool, remote_session: bool, filtered: bool) -> Situation {
        Situation {
            disabled,
            remote_session,
            inbox_hidden_by_filter: filtered,
        }
    }

    #[test]
    fn wraps_when_the_inner_provider_works() {
        let (shown, error) = decide::<()>(situation(false, false, true), || Ok(()));
        assert_eq!(shown, Presentation::Wrapped { link: true });
        assert_eq!(error, None);
    }

    #[test]
    fn falls_back_to_our_tile_when_it_does_not() {
        let (shown, error) = decide(situation(false, false, false), || {
            Err("class not registered")
        });
        assert_eq!(shown, Presentation::Fallback);
        assert_eq!(error, Some("class not registered"));
    }

    #[test]
    fn disabled_and_remote_show_nothing_and_never_create_the_inner_provider() {
        for (disabled, remote, reason) in [
            (true, false, HiddenReason::Disabled),
            (false, true, HiddenReason::RemoteSession),
            (true, true, HiddenReason::Disabled),
        ] {
            let mut called = false;
            let (shown, _) = decide::<()>(situation(disabled, remote, false), || {
                called = true;
                Ok(())
            });
            assert_eq!(shown, Presentation::Hidden(reason));
            assert!(!called);
        }
    }

    #[test]
    fn a_filtered_inbox_provider_is_never_left_unwrapped() {
        let (shown, _) = decide::<()>(situation(true, false, true), || Ok(()));
        assert_eq!(shown, Presentation::Wrapped { link: false });
        let (shown, error) = decide(situation(true, false, true), || Err(5));
        assert_eq!(shown, Presentation::Hidden(HiddenReason::Disabled));
        assert_eq!(error, Some(5));
    }
}
