//! The inbox password provider we wrap: creating it for a scenario, and reading its field table.

use windows::Win32::System::Com::{CoCreateInstance, CLSCTX_INPROC_SERVER};
use windows::Win32::UI::Shell::{ICredentialProvider, CREDENTIAL_PROVIDER_USAGE_SCENARIO};
use windows_core::GUID;

use super::co_mem::free_descriptor;
use crate::field_layout::InnerField;

const CLSID_PASSWORD_PROVIDER: GUID = GUID::from_u128(crate::PASSWORD_PROVIDER_CLSID);

/// Creates the inbox password provider in-process (as LogonUI would) and gives it the scenario.
pub fn create(
    scenario: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
    flags: u32,
) -> windows_core::Result<ICredentialProvider> {
    // SAFETY: the CLSID is a valid GUID; no aggregation; COM owns the returned reference.
    let provider: ICredentialProvider =
        unsafe { CoCreateInstance(&CLSID_PASSWORD_PROVIDER, None, CLSCTX_INPROC_SERVER) }?;
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
