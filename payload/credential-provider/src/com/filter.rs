//! The credential provider filter: while our wrapper can show the inbox password provider's
//! tiles, hide that provider so each user sees one password tile (ours, with the link), not two.
//! Anything unexpected leaves every provider as it was.

use windows::Win32::Foundation::{E_INVALIDARG, E_NOTIMPL};
use windows::Win32::UI::Shell::{
    ICredentialProviderFilter_Impl, CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    CREDENTIAL_PROVIDER_USAGE_SCENARIO,
};
use windows_core::{implement, BOOL, GUID};

use super::log_sinks::open_logger;
use super::settings_snapshot::{current_settings, log_freshness};
use super::{entry, inner_provider};
use crate::filter_policy::{self, FilterDecision, FilterInput};
use crate::lifetime::LiveObject;
use crate::logging::{describe_settings, hresult_text, Logger};
use crate::scenario::UsageScenario;
use crate::session::{CurrentSession, SessionInfo};
use crate::wrapper_health;

#[implement(windows::Win32::UI::Shell::ICredentialProviderFilter)]
pub struct Filter {
    _live: LiveObject,
}

impl Filter {
    pub fn new() -> Self {
        Self {
            _live: LiveObject::new(),
        }
    }
}

/// Whether our wrapper would work now: no failure in this process, and the inbox provider can
/// be created, accepts the scenario and describes its fields.
fn wrapper_works(cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO, flags: u32, log: &Logger) -> bool {
    if wrapper_health::has_failed() {
        log.info(|| "a wrapper failed earlier in this process".to_owned());
        return false;
    }
    // The same steps the provider takes before it shows anything: create, scenario, fields.
    let probe = inner_provider::create(cpus, flags)
        .and_then(|inner| inner_provider::describe_fields(&inner));
    match probe {
        Ok(_) => true,
        Err(error) => {
            wrapper_health::record_failure();
            log.info(|| {
                format!(
                    "the inbox password provider cannot be used: {}",
                    hresult_text(error.code().0)
                )
            });
            false
        }
    }
}

impl ICredentialProviderFilter_Impl for Filter_Impl {
    fn Filter(
        &self,
        cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
        flags: u32,
        providers: *const GUID,
        allow: *mut BOOL,
        count: u32,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderFilter::Filter",
            &Logger::disabled(),
            || {
                let scenario = UsageScenario::from_raw(cpus.0);
                if !scenario.is_supported() {
                    // CredUI, change password, PLAP: not ours to touch, not worth a registry read.
                    wrapper_health::record_filtered(cpus.0, false);
                    return Ok(());
                }
                let len = count as usize;
                if len > 0 && (providers.is_null() || allow.is_null()) {
                    return Err(E_INVALIDARG.into());
                }
                let (providers, allowed): (Vec<u128>, Vec<bool>) = if len == 0 {
                    (Vec::new(), Vec::new())
                } else {
                    // SAFETY: LogonUI passes `count` provider GUIDs and `count` flags (non-null,
                    // checked above), valid for this call.
                    unsafe {
                        (
                            std::slice::from_raw_parts(providers, len)
                                .iter()
                                .map(GUID::to_u128)
                                .collect(),
                            std::slice::from_raw_parts(allow, len)
                                .iter()
                                .map(|b| b.as_bool())
                                .collect(),
                        )
                    }
                };
                let (settings, freshness) = current_settings();
                let log = open_logger(settings.enable_logging.value);
                log.info(|| {
                    format!("Filter({scenario:?}, flags=0x{flags:08X}) over {len} provider(s)")
                });
                log_freshness(&log, &freshness);
                log.info(|| describe_settings(&settings));
                let input = FilterInput {
                    scenario,
                    disabled: settings.disabled.value,
                    remote_session: CurrentSession.is_remote(),
                    providers: &providers,
                    allowed: &allowed,
                };
                let decision = filter_policy::decide(input, || wrapper_works(cpus, flags, &log));
                match &decision {
                    FilterDecision::Hide(indices) => {
                        for &index in indices {
                            if index < len {
                                // SAFETY: allow holds `count` BOOLs and index is below it.
                                unsafe { *allow.add(index) = BOOL(0) };
                            }
                        }
                        wrapper_health::record_filtered(cpus.0, true);
                        log.info(|| {
                            format!(
                            "hiding the inbox password provider {}: our wrapper shows its tiles",
                            crate::clsid_string(crate::PASSWORD_PROVIDER_CLSID)
                        )
                        });
                    }
                    FilterDecision::Leave(reason) => {
                        wrapper_health::record_filtered(cpus.0, false);
                        log.info(|| format!("leaving every provider as it was: {reason:?}"));
                    }
                }
                Ok(())
            },
        )
    }

    fn UpdateRemoteCredential(
        &self,
        _input: *const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
        _output: *mut CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    ) -> windows_core::Result<()> {
        // Remote credentials are not ours: LogonUI keeps the serialization it has.
        entry(
            "ICredentialProviderFilter::UpdateRemoteCredential",
            &Logger::disabled(),
            || Err(E_NOTIMPL.into()),
        )
    }
}
