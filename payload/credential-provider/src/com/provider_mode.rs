//! What the provider shows after `SetUsageScenario`, and how that call builds it: the decision
//! (`presentation::decide`, pure) with the inner password provider created on its demand, then
//! the inner provider connected to the user list and events LogonUI gave us earlier.
//!
//! Each step takes what it needs as arguments and touches none of the provider's state, so no
//! `RefCell` borrow of the provider can be held while these call the inner provider or COM.

use std::rc::Rc;

use windows::Win32::UI::Shell::{
    ICredentialProvider, ICredentialProviderCredential, ICredentialProviderEvents,
    ICredentialProviderSetUserArray, ICredentialProviderUserArray,
    CREDENTIAL_PROVIDER_USAGE_SCENARIO,
};
use windows_core::Interface;

use super::inner_provider;
use crate::field_layout::WrappedLayout;
use crate::logging::{hresult_text, Logger};
use crate::presentation::{self, HiddenReason, Presentation, Situation};
use crate::wrapper_health;

/// What the provider shows.
#[derive(Default)]
pub enum Mode {
    /// No supported `SetUsageScenario` yet.
    #[default]
    Unset,
    Hidden(HiddenReason),
    Fallback {
        tile: Option<ICredentialProviderCredential>,
    },
    Wrapped(Wrapped),
}

/// The inbox password provider we wrap, and what we made of it so far.
pub struct Wrapped {
    pub inner: ICredentialProvider,
    pub with_link: bool,
    /// Read from the inner provider's field table at the first field call.
    pub layout: Option<Rc<WrappedLayout>>,
    pub credentials: Vec<ICredentialProviderCredential>,
}

/// Decides what to show in `situation`, creating the inner provider for `scenario` when the
/// decision wants it, and logs the decision (and why the inner provider cannot be used).
pub fn choose(
    situation: Situation,
    scenario: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
    flags: u32,
    log: &Logger,
) -> Mode {
    let mut inner = None;
    // A lasting failure seen earlier in this process was logged then: once is enough.
    let known_unavailable = inner_provider::known_unavailable().is_some();
    let (shown, error) = presentation::decide(situation, || {
        inner = Some(inner_provider::create(scenario, flags)?);
        Ok::<(), windows_core::Error>(())
    });
    if let Some(error) = &error {
        log_unavailable(error, known_unavailable, log);
    }
    log.info(|| {
        format!(
            "showing {shown:?} (remote session: {})",
            situation.remote_session
        )
    });
    match (shown, inner) {
        (Presentation::Wrapped { link }, Some(inner)) => Mode::Wrapped(Wrapped {
            inner,
            with_link: link,
            layout: None,
            credentials: Vec::new(),
        }),
        (Presentation::Wrapped { .. }, None) | (Presentation::Fallback, _) => {
            Mode::Fallback { tile: None }
        }
        (Presentation::Hidden(reason), _) => Mode::Hidden(reason),
    }
}

fn log_unavailable(error: &windows_core::Error, known_unavailable: bool, log: &Logger) {
    wrapper_health::record_failure();
    let message = || {
        format!(
            "the inbox password provider {} cannot be used ({}: {}){}",
            crate::clsid_string(crate::PASSWORD_PROVIDER_CLSID),
            hresult_text(error.code().0),
            error.message(),
            if known_unavailable {
                "; known since an earlier attempt in this process"
            } else {
                ""
            }
        )
    };
    if known_unavailable {
        log.debug(message);
    } else {
        log.warning(message);
    }
}

/// Gives a new inner provider LogonUI's user list and events, which may have come before it
/// existed. A failure is logged, never fatal: the tiles still show.
pub fn connect(
    inner: &ICredentialProvider,
    users: Option<&ICredentialProviderUserArray>,
    events: Option<&(ICredentialProviderEvents, usize)>,
    log: &Logger,
) {
    if let Some(users) = users {
        if let Err(error) = forward_users(inner, users) {
            log.warning(|| {
                format!(
                    "SetUserArray on the password provider: {}",
                    hresult_text(error.code().0)
                )
            });
        }
    }
    if let Some((events, context)) = events {
        // SAFETY: inner is live; events is LogonUI's interface.
        if let Err(error) = unsafe { inner.Advise(events, *context) } {
            log.warning(|| {
                format!(
                    "Advise on the password provider: {}",
                    hresult_text(error.code().0)
                )
            });
        }
    }
}

/// Hands LogonUI's user list to the inner provider, if it takes one (Windows 8+).
pub fn forward_users(
    inner: &ICredentialProvider,
    users: &ICredentialProviderUserArray,
) -> windows_core::Result<()> {
    match inner.cast::<ICredentialProviderSetUserArray>() {
        // SAFETY: both interfaces are live.
        Ok(set_users) => unsafe { set_users.SetUserArray(users) },
        Err(_) => Ok(()),
    }
}
