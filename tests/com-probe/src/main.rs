//! sspr-com-probe: loads the installed credential provider the way LogonUI does and prints what it saw.
//!
//! It initialises an apartment, creates the provider with `CoCreateInstance(CLSCTX_INPROC_SERVER)`
//! (so COM resolves the DLL through the registry, exactly as LogonUI does), drives the
//! `ICredentialProvider` calls LogonUI makes first, and prints one `key=value` line per
//! observation for the end-to-end tests (`tests/e2e`) to parse. HRESULTs are printed as
//! `0x%08X`; a call that fails prints its HRESULT and the probe carries on, so one run shows
//! everything. The exit code is 0 whenever the probe itself ran to the end.
//!
//! Keys, in order:
//! - `probe`: this program's name and version; `pointer_bits`: 32 or 64
//! - `clsid`: the class created (the product's CLSID unless one is given as the only argument)
//! - `coinit`: `CoInitializeEx(COINIT_APARTMENTTHREADED)`
//! - `create`: `CoCreateInstance` for `ICredentialProvider`
//! - `module`: the full path the provider DLL was loaded from (`GetModuleFileNameW`)
//! - `logon`: `SetUsageScenario(CPUS_LOGON, 0)`
//! - `fields`: `GetFieldDescriptorCount`, or `fields_hr` when it fails
//! - `field<i>`: `<dwFieldID>:<cpft>:<label>` per descriptor, or `field<i>_hr` when it fails
//! - `field_past_end`: `GetFieldDescriptorAt(count)`, which must fail
//! - `credentials_hr`, `credentials`, `default`, `autologon`: `GetCredentialCount`
//! - `unlock`: `SetUsageScenario(CPUS_UNLOCK_WORKSTATION, 0)` on a second object
//! - `credui`, `change_password`, `plap`: the same for scenarios the provider refuses
//! - `unloaded`: 1 when `CoFreeUnusedLibrariesEx(0)` unloaded the DLL after every object was
//!   released (so `DllCanUnloadNow` answered `S_OK`), else 0

#[cfg(windows)]
mod probe;

#[cfg(windows)]
fn main() {
    let clsid = std::env::args().nth(1);
    probe::run(clsid.as_deref());
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "sspr-com-probe is a Windows program: build it for x86_64-win7-windows-gnu or \
         i686-win7-windows-gnu and run it under Windows or Wine (`cargo xtask test` does both)."
    );
    std::process::exit(2);
}
