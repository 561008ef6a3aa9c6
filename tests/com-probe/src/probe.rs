//! The Windows half of the probe: COM calls in the order LogonUI makes them, one printed line each.

use windows::Win32::Foundation::HMODULE;
use windows::Win32::System::Com::{
    CoCreateInstance, CoFreeUnusedLibrariesEx, CoInitializeEx, CoTaskMemFree, CoUninitialize,
    CLSCTX_INPROC_SERVER, COINIT_APARTMENTTHREADED,
};
use windows::Win32::System::LibraryLoader::{GetModuleFileNameW, GetModuleHandleW};
use windows::Win32::UI::Shell::{
    ICredentialProvider, CPUS_CHANGE_PASSWORD, CPUS_CREDUI, CPUS_LOGON, CPUS_PLAP,
    CPUS_UNLOCK_WORKSTATION, CREDENTIAL_PROVIDER_USAGE_SCENARIO,
};
use windows_core::{BOOL, GUID, HRESULT, HSTRING};

/// `{86D2F0AC-...}`: the product's CLSID (docs/design.md, "MSI identity and properties").
pub(crate) const PRODUCT_CLSID: GUID = GUID::from_u128(sspr_identity::PROVIDER_CLSID_VALUE);

/// The file name COM loads for the CLSID; used to find the module after creation.
pub(crate) const PROVIDER_DLL: &str = "SsprCredentialProvider.dll";

pub(crate) fn hex(hr: HRESULT) -> String {
    format!("0x{:08X}", hr.0 as u32)
}

pub(crate) fn result_hex<T>(result: &windows_core::Result<T>) -> String {
    match result {
        Ok(_) => hex(HRESULT(0)),
        Err(error) => hex(error.code()),
    }
}

/// Runs the whole probe; `clsid` overrides the product's CLSID.
pub fn run(clsid: Option<u128>) {
    println!(
        "probe={} {}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    );
    println!("pointer_bits={}", usize::BITS);
    let clsid = clsid.map_or(PRODUCT_CLSID, GUID::from_u128);
    println!("clsid={{{clsid:?}}}");

    // SAFETY: first COM call on this thread; balanced by CoUninitialize below.
    let coinit = unsafe { CoInitializeEx(None, COINIT_APARTMENTTHREADED) };
    println!("coinit={}", hex(coinit));

    probe_logon(&clsid);
    for (name, scenario) in [
        ("unlock", CPUS_UNLOCK_WORKSTATION),
        ("credui", CPUS_CREDUI),
        ("change_password", CPUS_CHANGE_PASSWORD),
        ("plap", CPUS_PLAP),
    ] {
        probe_scenario(&clsid, name, scenario);
    }

    // Every object is released now, so DllCanUnloadNow must say S_OK and COM unloads the DLL.
    // SAFETY: called on an initialised apartment thread; both arguments are plain values.
    unsafe { CoFreeUnusedLibrariesEx(0, None) };
    println!("unloaded={}", u8::from(loaded_provider_path().is_none()));

    if coinit.is_ok() {
        // SAFETY: balances the successful CoInitializeEx above, on the same thread.
        unsafe { CoUninitialize() };
    }
}

/// Runs one of the other modes inside the same apartment set-up and unload check as [`run`].
pub fn run_mode(name: &str, mode: fn()) {
    println!(
        "probe={} {}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    );
    println!("pointer_bits={}", usize::BITS);
    println!("mode={name}");
    // SAFETY: first COM call on this thread; balanced by CoUninitialize below.
    let coinit = unsafe { CoInitializeEx(None, COINIT_APARTMENTTHREADED) };
    println!("coinit={}", hex(coinit));
    mode();
    // SAFETY: called on an initialised apartment thread; both arguments are plain values.
    unsafe { CoFreeUnusedLibrariesEx(0, None) };
    println!("unloaded={}", u8::from(loaded_provider_path().is_none()));
    if coinit.is_ok() {
        // SAFETY: balances the successful CoInitializeEx above, on the same thread.
        unsafe { CoUninitialize() };
    }
}

fn create(clsid: &GUID) -> windows_core::Result<ICredentialProvider> {
    // SAFETY: clsid points to a live GUID; no aggregation; COM owns the returned reference.
    unsafe { CoCreateInstance(clsid, None, CLSCTX_INPROC_SERVER) }
}

/// The full path of the loaded provider DLL, if it is loaded.
pub(crate) fn loaded_provider_path() -> Option<String> {
    // SAFETY: the name is a valid NUL-terminated wide string for the duration of the call.
    let module: HMODULE = unsafe { GetModuleHandleW(&HSTRING::from(PROVIDER_DLL)) }.ok()?;
    let mut buffer = [0u16; 1024];
    // SAFETY: module is a loaded module handle; the buffer length is passed by the slice.
    let len = unsafe { GetModuleFileNameW(Some(module), &mut buffer) } as usize;
    Some(String::from_utf16_lossy(&buffer[..len.min(buffer.len())]))
}

/// What LogonUI does first with a provider: logon scenario, field descriptors, credential count.
fn probe_logon(clsid: &GUID) {
    let provider = create(clsid);
    println!("create={}", result_hex(&provider));
    let Ok(provider) = provider else { return };
    println!("module={}", loaded_provider_path().unwrap_or_default());

    // SAFETY: provider is a live interface; flags 0 as LogonUI passes for a plain logon.
    let logon = unsafe { provider.SetUsageScenario(CPUS_LOGON, 0) };
    println!("logon={}", result_hex(&logon));

    // SAFETY: provider is a live interface.
    match unsafe { provider.GetFieldDescriptorCount() } {
        Ok(count) => {
            println!("fields={count}");
            for index in 0..count {
                print_field(&provider, index);
            }
            // SAFETY: provider is a live interface; an index past the end must be refused.
            let past_end = unsafe { provider.GetFieldDescriptorAt(count) };
            if let Ok(descriptor) = past_end {
                // SAFETY: a returned descriptor belongs to us; free it even though it is wrong.
                unsafe { free_descriptor(descriptor) };
            }
            println!("field_past_end={}", result_hex(&past_end));
        }
        Err(error) => println!("fields_hr={}", hex(error.code())),
    }

    let mut count = u32::MAX;
    let mut default = 0u32;
    let mut autologon = BOOL(-1);
    // SAFETY: provider is live; the three out-pointers point to locals that outlive the call.
    let credentials =
        unsafe { provider.GetCredentialCount(&mut count, &mut default, &mut autologon) };
    println!("credentials_hr={}", result_hex(&credentials));
    if credentials.is_ok() {
        println!("credentials={count}");
        println!("default={default}");
        println!("autologon={}", autologon.0);
    }
}

fn print_field(provider: &ICredentialProvider, index: u32) {
    // SAFETY: provider is a live interface.
    match unsafe { provider.GetFieldDescriptorAt(index) } {
        Ok(descriptor) if descriptor.is_null() => println!("field{index}_hr=null"),
        Ok(descriptor) => {
            // SAFETY: a non-null descriptor from GetFieldDescriptorAt is a valid, initialised block.
            let field = unsafe { &*descriptor };
            let label = if field.pszLabel.is_null() {
                String::new()
            } else {
                // SAFETY: pszLabel is a NUL-terminated wide string owned by the descriptor.
                unsafe { field.pszLabel.to_string() }.unwrap_or_else(|_| "<invalid UTF-16>".into())
            };
            println!("field{index}={}:{}:{label}", field.dwFieldID, field.cpft.0);
            // SAFETY: the descriptor and its label came from CoTaskMemAlloc and are ours to free.
            unsafe { free_descriptor(descriptor) };
        }
        Err(error) => println!("field{index}_hr={}", hex(error.code())),
    }
}

/// Frees a descriptor as LogonUI does: the label, then the block, both with `CoTaskMemFree`.
///
/// # Safety
/// `descriptor` is null or a block from `GetFieldDescriptorAt` that nothing else references.
pub(crate) unsafe fn free_descriptor(
    descriptor: *mut windows::Win32::UI::Shell::CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR,
) {
    if descriptor.is_null() {
        return;
    }
    // SAFETY: the caller guarantees descriptor is a valid block we own.
    let label = unsafe { (*descriptor).pszLabel };
    // SAFETY: label is null or CoTaskMemAlloc memory; CoTaskMemFree accepts both.
    unsafe { CoTaskMemFree(Some(label.0 as *const _)) };
    // SAFETY: descriptor is CoTaskMemAlloc memory (see above), freed once.
    unsafe { CoTaskMemFree(Some(descriptor as *const _)) };
}

/// A fresh object per scenario, as LogonUI and CredUI each create their own.
fn probe_scenario(clsid: &GUID, name: &str, scenario: CREDENTIAL_PROVIDER_USAGE_SCENARIO) {
    match create(clsid) {
        Ok(provider) => {
            // SAFETY: provider is a live interface.
            let result = unsafe { provider.SetUsageScenario(scenario, 0) };
            println!("{name}={}", result_hex(&result));
        }
        Err(error) => println!("{name}_create={}", hex(error.code())),
    }
}
