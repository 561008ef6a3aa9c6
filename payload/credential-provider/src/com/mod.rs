//! COM glue (Windows only): the exports and class factory, the provider, its credentials, the
//! events proxy, the filter, and the Windows services they use (logging sinks, the reset host
//! launch). Decisions live in the platform-neutral modules; this code calls Windows and them.
//!
//! Every interface method body runs through [`entry`]: the fault-injection point, the panic guard
//! (a panic answers `E_UNEXPECTED`) and one debug log line with the result.

mod co_mem;
mod credential_events;
mod exports;
mod fallback_credential;
mod filter;
mod host_launch;
mod inner_provider;
mod link;
mod log_sinks;
mod private_dir;
mod provider;
mod provider_mode;
mod settings_snapshot;
mod system;
mod wrapped_credential;

use windows::Win32::Foundation::E_UNEXPECTED;

use crate::guard::catch_panic;
use crate::logging::{hresult_text, Logger};

/// Runs one COM method body: fault point, panic guard, one log line.
pub(crate) fn entry<T>(
    method: &'static str,
    log: &Logger,
    body: impl FnOnce() -> windows_core::Result<T>,
) -> windows_core::Result<T> {
    let result = catch_panic(
        || {
            crate::fault::point(method);
            body()
        },
        || {
            log.error(|| format!("{method}: a panic was caught; answering E_UNEXPECTED"));
            Err(E_UNEXPECTED.into())
        },
    );
    log.debug(|| match &result {
        Ok(_) => format!("{method} -> 0x00000000"),
        Err(error) => format!("{method} -> {}", hresult_text(error.code().0)),
    });
    result
}
