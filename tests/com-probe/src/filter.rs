//! `--filter`: the product's credential provider filter, called as LogonUI calls it.
//!
//! The provider list given is, in order: the smart card provider, the inbox password provider
//! and the product's provider, all allowed; or, with `SSPR_PROBE_PROVIDERS` set (braced CLSIDs,
//! comma-separated: the native runner passes the machine's registered providers), that list.
//! Keys: `filter_create`, then
//! `filter.<scenario>=<hr>:<allow flags, comma-separated>` for `logon`, `unlock`, `credui`,
//! `change_password`, and `filter.update_remote_credential`.

use windows::Win32::System::Com::{CoCreateInstance, CLSCTX_INPROC_SERVER};
use windows::Win32::UI::Shell::{
    ICredentialProviderFilter, CPUS_CHANGE_PASSWORD, CPUS_CREDUI, CPUS_LOGON,
    CPUS_UNLOCK_WORKSTATION, CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
};
use windows_core::{BOOL, GUID};

use crate::probe::{result_hex, PRODUCT_CLSID};

/// The filter's class id (the product's second class).
pub const FILTER_CLSID: GUID = GUID::from_u128(sspr_identity::FILTER_CLSID_VALUE);
/// The inbox password provider.
pub const PASSWORD_PROVIDER: GUID = GUID::from_u128(sspr_identity::PASSWORD_PROVIDER_CLSID_VALUE);
/// The inbox smart card provider: a provider the filter must never touch.
pub const SMARTCARD_PROVIDER: GUID = GUID::from_u128(0x8fd7e19c_3bf7_489b_a72c_846ab3678c96);

/// The list to filter: `SSPR_PROBE_PROVIDERS`'s, or the fixed three.
fn providers() -> Vec<GUID> {
    match std::env::var("SSPR_PROBE_PROVIDERS") {
        Ok(list) if !list.is_empty() => list
            .split(',')
            .map(|clsid| GUID::from_u128(sspr_identity::guid_value(clsid.trim())))
            .collect(),
        _ => vec![SMARTCARD_PROVIDER, PASSWORD_PROVIDER, PRODUCT_CLSID],
    }
}

pub fn run() {
    // SAFETY: a valid CLSID; no aggregation; COM owns the returned reference.
    let filter: windows_core::Result<ICredentialProviderFilter> =
        unsafe { CoCreateInstance(&FILTER_CLSID, None, CLSCTX_INPROC_SERVER) };
    println!("filter_create={}", result_hex(&filter));
    let Ok(filter) = filter else { return };
    for (name, scenario) in [
        ("logon", CPUS_LOGON),
        ("unlock", CPUS_UNLOCK_WORKSTATION),
        ("credui", CPUS_CREDUI),
        ("change_password", CPUS_CHANGE_PASSWORD),
    ] {
        let providers = providers();
        let mut allow = vec![BOOL(1); providers.len()];
        let count = u32::try_from(providers.len()).unwrap_or(u32::MAX);
        // SAFETY: filter is live; both vectors hold `count` entries and outlive the call.
        let result =
            unsafe { filter.Filter(scenario, 0, providers.as_ptr(), allow.as_mut_ptr(), count) };
        let flags: Vec<String> = allow.iter().map(|b| b.0.to_string()).collect();
        println!("filter.{name}={}:{}", result_hex(&result), flags.join(","));
    }
    let input = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    let mut output = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    // SAFETY: filter is live; both structures are locals.
    let remote = unsafe { filter.UpdateRemoteCredential(&input, &mut output) };
    println!("filter.update_remote_credential={}", result_hex(&remote));
}
