//! Process-wide memory of how wrapping went, shared by the provider and the filter.
//!
//! LogonUI runs the filter before it creates the providers, so the filter cannot see this
//! session's wrapper. What it can know: whether a wrapper in this process has already failed (then
//! it stops hiding the inbox provider, so a later sign-in screen falls back to Windows' own
//! tiles), and the provider can know whether the filter hid the inbox provider for a scenario
//! (then it must keep wrapping it even if the kill switch flipped in between, or nobody could
//! type a password).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

static WRAPPER_FAILED: AtomicBool = AtomicBool::new(false);
/// Bit `1 << scenario` is set while the filter has hidden the inbox provider for that scenario.
static HIDDEN_SCENARIOS: AtomicU32 = AtomicU32::new(0);

fn bit(scenario: i32) -> u32 {
    u32::try_from(scenario)
        .ok()
        .and_then(|s| 1u32.checked_shl(s))
        .unwrap_or(0)
}

/// A wrapper could not create or drive the inbox provider in this process.
pub fn record_failure() {
    WRAPPER_FAILED.store(true, Ordering::SeqCst);
}

/// True once any wrapper in this process has failed.
pub fn has_failed() -> bool {
    WRAPPER_FAILED.load(Ordering::SeqCst)
}

/// The filter hid (`true`) or left (`false`) the inbox provider for `scenario` (raw CPUS value).
pub fn record_filtered(scenario: i32, hidden: bool) {
    if hidden {
        HIDDEN_SCENARIOS.fetch_or(bit(scenario), Ordering::SeqCst);
    } else {
        HIDDEN_SCENARIOS.fetch_and(!bit(scenario), Ordering::SeqCst);
    }
}

/// Whether the filter's last decision for `scenario` in this process was to hide the inbox provider.
pub fn inbox_hidden_for(scenario: i32) -> bool {
    HIDDEN_SCENARIOS.load(Ordering::SeqCst) & bit(scenario) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test owns the process-wide flags, so the assertions cannot race each other.
    #[test]
    fn remembers_failures_and_filter_decisions() {
        assert!(!has_failed());
        record_failure();
        assert!(has_failed());

        assert!(!inbox_hidden_for(1));
        record_filtered(1, true);
        record_filtered(2, true);
        assert!(inbox_hidden_for(1) && inbox_hidden_for(2));
        record_filtered(2, false);
        assert!(inbox_hidden_for(1) && !inbox_hidden_for(2));
        // Out-of-range scenarios are never "hidden" and never disturb the others.
        record_filtered(-1, true);
        record_filtered(40, true);
        assert!(!inbox_hidden_for(-1) && !inbox_hidden_for(40));
        assert!(inbox_hidden_for(1));
    }
}
