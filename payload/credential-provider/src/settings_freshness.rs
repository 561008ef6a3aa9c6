//! What the log says about where a `SetUsageScenario`'s or `Filter`'s settings came from: the
//! process's snapshot, a fresh read, or a fresh read because no change notification could be
//! armed (docs/design.md, "Settings and policy").

use sspr_settings::snapshot::Freshness;

use crate::logging::Level;

/// The log line for `freshness`, at its level. Reading every time is worth a warning the first
/// time in a row (the sign-in screen is slower, and it may say why); after that, debug.
pub fn note(freshness: &Freshness) -> (Level, String) {
    match freshness {
        Freshness::Cached => (
            Level::Debug,
            "settings from this process's snapshot (no change notified since it was read)"
                .to_owned(),
        ),
        Freshness::FirstRead => (
            Level::Debug,
            "settings read from the registry (first use in this process; watched from the next)"
                .to_owned(),
        ),
        Freshness::Read => (
            Level::Debug,
            "settings read from the registry; watching its keys for changes".to_owned(),
        ),
        Freshness::Unwatched { reason, first } => (
            if *first { Level::Warning } else { Level::Debug },
            format!(
                "settings read from the registry at every use: a change notification cannot be \
                 registered ({reason})"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unwatched_read_warns_once_then_says_it_quietly() {
        let first = Freshness::Unwatched {
            reason: "RegisterWaitForSingleObject: 0x80070008".into(),
            first: true,
        };
        assert_eq!(
            note(&first),
            (
                Level::Warning,
                "settings read from the registry at every use: a change notification cannot be \
                 registered (RegisterWaitForSingleObject: 0x80070008)"
                    .to_owned()
            )
        );
        let again = Freshness::Unwatched {
            reason: "x".into(),
            first: false,
        };
        assert_eq!(note(&again).0, Level::Debug);
        assert_eq!(note(&Freshness::Cached).0, Level::Debug);
        assert_eq!(
            note(&Freshness::Read).1,
            "settings read from the registry; watching its keys for changes"
        );
    }
}
