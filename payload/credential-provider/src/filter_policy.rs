//! The filter's decision: hide the inbox password provider only while our wrapper can show its
//! tiles, and otherwise leave every provider as it was (fail open).

use crate::scenario::UsageScenario;
use crate::{PASSWORD_PROVIDER_CLSID, PROVIDER_CLSID};

/// Why the filter leaves everything as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveReason {
    /// Not logon or unlock: we do not wrap there.
    Scenario,
    /// `Disabled=1`: no filtering at all.
    Disabled,
    /// A remote session: our provider shows nothing there.
    RemoteSession,
    /// Our provider is not among the providers LogonUI enumerates.
    ProviderMissing,
    /// Our provider is there but excluded (policy or another filter): nothing would wrap.
    ProviderNotAllowed,
    /// The inbox password provider is not in the list, or something else already excludes it.
    NothingToHide,
    /// A wrapper failed earlier in this process, or the inner provider cannot be created now.
    WrapperUnavailable,
}

/// The filter's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterDecision {
    Leave(LeaveReason),
    /// Set `rgbAllow` to FALSE at these indices (every entry of the inbox password provider).
    Hide(Vec<usize>),
}

/// What LogonUI passed to `ICredentialProviderFilter::Filter`, plus our own state.
#[derive(Clone, Copy, Debug)]
pub struct FilterInput<'a> {
    pub scenario: UsageScenario,
    pub disabled: bool,
    pub remote_session: bool,
    pub providers: &'a [u128],
    pub allowed: &'a [bool],
}

/// Decides; `wrapper_works` (create the inner provider and try the scenario) is called only
/// when everything else says hide, because it costs a provider creation.
pub fn decide(input: FilterInput<'_>, wrapper_works: impl FnOnce() -> bool) -> FilterDecision {
    if !input.scenario.is_supported() {
        return FilterDecision::Leave(LeaveReason::Scenario);
    }
    if input.disabled {
        return FilterDecision::Leave(LeaveReason::Disabled);
    }
    if input.remote_session {
        return FilterDecision::Leave(LeaveReason::RemoteSession);
    }
    let allowed = |index: usize| input.allowed.get(index).copied().unwrap_or(false);
    let ours: Vec<usize> = positions(input.providers, PROVIDER_CLSID);
    if ours.is_empty() {
        return FilterDecision::Leave(LeaveReason::ProviderMissing);
    }
    if !ours.iter().any(|&index| allowed(index)) {
        return FilterDecision::Leave(LeaveReason::ProviderNotAllowed);
    }
    let inbox: Vec<usize> = positions(input.providers, PASSWORD_PROVIDER_CLSID)
        .into_iter()
        .filter(|&index| allowed(index))
        .collect();
    if inbox.is_empty() {
        return FilterDecision::Leave(LeaveReason::NothingToHide);
    }
    if !wrapper_works() {
        return FilterDecision::Leave(LeaveReason::WrapperUnavailable);
    }
    FilterDecision::Hide(inbox)
}

fn positions(providers: &[u128], clsid: u128) -> Vec<usize> {
    providers
        .iter()
        .enumerate()
        .filter(|(_, p)| **p == clsid)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OTHER: u128 = 0x94596c7e_3744_41ce_893e_bbf09122f76a; // smart card provider
    const PROVIDERS: [u128; 3] = [OTHER, PASSWORD_PROVIDER_CLSID, PROVIDER_CLSID];

    fn input<'a>(providers: &'a [u128], allowed: &'a [bool]) -> FilterInput<'a> {
        FilterInput {
            scenario: UsageScenario::Logon,
            disabled: false,
            remote_session: false,
            providers,
            allowed,
        }
    }

    #[test]
    fn hides_the_inbox_provider_when_the_wrapper_works() {
        let allowed = [true; 3];
        assert_eq!(
            decide(input(&PROVIDERS, &allowed), || true),
            FilterDecision::Hide(vec![1])
        );
        let unlock = FilterInput {
            scenario: UsageScenario::UnlockWorkstation,
            ..input(&PROVIDERS, &allowed)
        };
        assert_eq!(decide(unlock, || true), FilterDecision::Hide(vec![1]));
    }

    #[test]
    fn fails_open_when_the_wrapper_does_not_work() {
        assert_eq!(
            decide(input(&PROVIDERS, &[true; 3]), || false),
            FilterDecision::Leave(LeaveReason::WrapperUnavailable)
        );
    }

    #[test]
    fn leaves_other_scenarios_the_kill_switch_and_remote_sessions_alone_without_probing() {
        let allowed = [true; 3];
        let cases = [
            (
                FilterInput {
                    scenario: UsageScenario::CredUi,
                    ..input(&PROVIDERS, &allowed)
                },
                LeaveReason::Scenario,
            ),
            (
                FilterInput {
                    scenario: UsageScenario::ChangePassword,
                    ..input(&PROVIDERS, &allowed)
                },
                LeaveReason::Scenario,
            ),
            (
                FilterInput {
                    disabled: true,
                    ..input(&PROVIDERS, &allowed)
                },
                LeaveReason::Disabled,
            ),
            (
                FilterInput {
                    remote_session: true,
                    ..input(&PROVIDERS, &allowed)
                },
                LeaveReason::RemoteSession,
            ),
        ];
        for (case, reason) in cases {
            let mut probed = false;
            let decision = decide(case, || {
                probed = true;
                true
            });
            assert_eq!(decision, FilterDecision::Leave(reason));
            assert!(!probed, "{reason:?} must not cost a provider creation");
        }
    }

    #[test]
    fn never_hides_unless_our_provider_is_present_and_allowed() {
        assert_eq!(
            decide(
                input(&[OTHER, PASSWORD_PROVIDER_CLSID], &[true, true]),
                || true
            ),
            FilterDecision::Leave(LeaveReason::ProviderMissing)
        );
        assert_eq!(
            decide(input(&PROVIDERS, &[true, true, false]), || true),
            FilterDecision::Leave(LeaveReason::ProviderNotAllowed)
        );
        // A short allow array counts as "not allowed", never as an out-of-bounds read.
        assert_eq!(
            decide(input(&PROVIDERS, &[true, true]), || true),
            FilterDecision::Leave(LeaveReason::ProviderNotAllowed)
        );
    }

    #[test]
    fn nothing_to_hide_when_absent_or_already_excluded() {
        assert_eq!(
            decide(input(&[OTHER, PROVIDER_CLSID], &[true, true]), || true),
            FilterDecision::Leave(LeaveReason::NothingToHide)
        );
        assert_eq!(
            decide(input(&PROVIDERS, &[true, false, true]), || true),
            FilterDecision::Leave(LeaveReason::NothingToHide)
        );
    }
}
