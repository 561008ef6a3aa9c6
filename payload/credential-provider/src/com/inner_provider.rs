//! The inbox password provider we wrap: creating it for a scenario, and reading its field table.
//!
//! A creation that failed because the class is not there (not registered, its DLL missing or
//! unloadable: Wine has no such provider, a stripped Windows image may lack it) is remembered for
//! the rest of the process, so later `SetUsageScenario` calls skip a COM class lookup that cannot
//! succeed. LogonUI is a new process at each sign-in screen, so a repaired machine is seen at the
//! next one; other failures (out of memory, a bad apartment) are retried every time.

use std::sync::atomic::{AtomicI32, Ordering};

use windows::Win32::Foundation::{
    CLASS_E_CLASSNOTAVAILABLE, CO_E_DLLNOTFOUND, CO_E_ERRORINDLL, ERROR_BAD_EXE_FORMAT,
    ERROR_MOD_NOT_FOUND, ERROR_PROC_NOT_FOUND, E_NOINTERFACE, REGDB_E_CLASSNOTREG,
};
use windows::Win32::System::Com::{CoCreateInstance, CLSCTX_INPROC_SERVER};
use windows::Win32::UI::Shell::{ICredentialProvider, CREDENTIAL_PROVIDER_USAGE_SCENARIO};
use windows_core::{GUID, HRESULT};

use super::co_mem::free_descriptor;
use crate::field_layout::InnerField;

const CLSID_PASSWORD_PROVIDER: GUID = GUID::from_u128(crate::PASSWORD_PROVIDER_CLSID);

/// The HRESULT of a creation failure that holds for this process's life; 0 while none is known.
static UNAVAILABLE: AtomicI32 = AtomicI32::new(0);

/// Whether `code` from `CoCreateInstance` says the class itself is missing or cannot load.
fn is_lasting(code: HRESULT) -> bool {
    [
        REGDB_E_CLASSNOTREG,
        CLASS_E_CLASSNOTAVAILABLE,
        CO_E_DLLNOTFOUND,
        CO_E_ERRORINDLL,
        E_NOINTERFACE,
        ERROR_MOD_NOT_FOUND.to_hresult(),
        ERROR_PROC_NOT_FOUND.to_hresult(),
        ERROR_BAD_EXE_FORMAT.to_hresult(),
    ]
    .contains(&code)
}

/// The lasting creation failure remembered in this process, if any (it was logged when it
/// happened).
pub fn known_unavailable() -> Option<HRESULT> {
    match UNAVAILABLE.load(Ordering::SeqCst) {
        0 => None,
        code => Some(HRESULT(code)),
    }
}

/// Creates the inbox password provider in-process (as LogonUI would) and gives it the scenario.
pub fn create(
    scenario: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
    flags: u32,
) -> windows_core::Result<ICredentialProvider> {
    if let Some(code) = known_unavailable() {
        return Err(code.into());
    }
    // SAFETY: the CLSID is a valid GUID; no aggregation; COM owns the returned reference.
    let created: windows_core::Result<ICredentialProvider> =
        unsafe { CoCreateInstance(&CLSID_PASSWORD_PROVIDER, None, CLSCTX_INPROC_SERVER) };
    let provider = created.inspect_err(|error| {
        if is_lasting(error.code()) {
            UNAVAILABLE.store(error.code().0, Ordering::SeqCst);
        }
    })?;
    // SAFETY: provider is a live interface; the scenario and flags are LogonUI's own.
    unsafe { provider.SetUsageScenario(scenario, flags) }?;
    Ok(provider)
}

/// The id, type and field GUID of each of the provider's descriptors, in order.
pub fn describe_fields(provider: &ICredentialProvider) -> windows_core::Result<Vec<InnerField>> {
    // SAFETY: provider is a live interface.
    let count = unsafe { provider.GetFieldDescriptorCount() }?;
    let mut fields = Vec::new();
    for index in 0..count {
        // SAFETY: provider is a live interface; index is below its own count.
        let descriptor = unsafe { provider.GetFieldDescriptorAt(index) }?;
        if descriptor.is_null() {
            return Err(windows::Win32::Foundation::E_POINTER.into());
        }
        // SAFETY: a non-null descriptor from GetFieldDescriptorAt is a valid, initialised block.
        let field = unsafe { &*descriptor };
        fields.push(InnerField {
            id: field.dwFieldID,
            kind: field.cpft.0,
            guid: field.guidFieldType.to_u128(),
        });
        // SAFETY: the descriptor and its label are ours to free (CoTaskMemAlloc), freed once.
        unsafe { free_descriptor(descriptor) };
    }
    Ok(fields)
}
