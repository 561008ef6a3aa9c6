//! `--faults`: with a provider DLL built with the `fault-injection` feature, forces a panic in
//! each exported function and interface method in turn (`SSPR_FAULT_POINT`) and prints what the
//! call answered: `fault.<Interface::Method>=<hr>`. Every interface method must answer
//! `E_UNEXPECTED`; `DllCanUnloadNow` answers `S_FALSE` (keep the DLL loaded when unsure). The
//! probe lives on and finishes with `after_faults_logon` (a fresh provider still works) and
//! `alive=1`.
//!
//! Credential methods are those of whatever the provider shows first: the fallback tile, or
//! (with a password provider to wrap) a wrapped credential, whose events relay is then reached
//! through the fake password provider's `SsprFakeLastEvents`.

use windows::Win32::Foundation::HWND;
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::System::Com::{
    CoCreateInstance, CoGetClassObject, IClassFactory, CLSCTX_INPROC_SERVER,
};
use windows::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows::Win32::UI::Shell::*;
use windows_core::{s, w, Interface, BOOL, HSTRING, PWSTR};

use crate::fake_logonui::{events_for, EventLog, FakeProviderEvents};
use crate::filter::{FILTER_CLSID, PASSWORD_PROVIDER, SMARTCARD_PROVIDER};
use crate::probe::{result_hex, PRODUCT_CLSID};
use crate::unload::can_unload_now;

/// The variable the fault-injection build reads (sspr_credential_provider::fault).
const FAULT_POINT: &str = sspr_identity::FAULT_POINT_VARIABLE;

/// The fake password provider's file name, as a test prefix registers it.
const FAKE_PROVIDER_DLL: &str = "sspr_fake_password_provider.dll";

/// Runs `call` with a panic forced at `method`, and prints its answer.
fn fault<T>(method: &str, call: impl FnOnce() -> windows_core::Result<T>) {
    std::env::set_var(FAULT_POINT, method);
    let result = call();
    std::env::remove_var(FAULT_POINT);
    println!("fault.{method}={}", result_hex(&result));
}

fn create_provider() -> windows_core::Result<ICredentialProvider> {
    // SAFETY: a valid CLSID; no aggregation; COM owns the returned reference.
    unsafe { CoCreateInstance(&PRODUCT_CLSID, None, CLSCTX_INPROC_SERVER) }
}

pub fn run() {
    // SAFETY (all calls below): every interface is live for the call, and every pointer passed
    // points to a local that outlives it.
    fault("DllGetClassObject", || unsafe {
        CoGetClassObject::<IClassFactory>(&PRODUCT_CLSID, CLSCTX_INPROC_SERVER, None)
    });
    if let Ok(factory) =
        unsafe { CoGetClassObject::<IClassFactory>(&PRODUCT_CLSID, CLSCTX_INPROC_SERVER, None) }
    {
        fault("IClassFactory::CreateInstance", || unsafe {
            factory.CreateInstance::<_, ICredentialProvider>(None::<&windows_core::IUnknown>)
        });
        let locked = std::cell::Cell::new(false);
        fault("IClassFactory::LockServer", || {
            let result = unsafe { factory.LockServer(true) };
            locked.set(result.is_ok());
            result
        });
        if locked.get() {
            // A build without fault injection took the lock: give it back.
            let _ = unsafe { factory.LockServer(false) };
        }
    }
    let Ok(provider) = create_provider() else {
        println!("alive=0");
        return;
    };
    fault("ICredentialProvider::SetUsageScenario", || unsafe {
        provider.SetUsageScenario(CPUS_LOGON, 0)
    });
    // SAFETY: as above.
    println!(
        "logon={}",
        result_hex(&unsafe { provider.SetUsageScenario(CPUS_LOGON, 0) })
    );
    let events: ICredentialProviderEvents = FakeProviderEvents {
        changed: Default::default(),
    }
    .into();
    fault("ICredentialProvider::Advise", || unsafe {
        provider.Advise(&events, 7)
    });
    fault("ICredentialProvider::UnAdvise", || unsafe {
        provider.UnAdvise()
    });
    fault("ICredentialProvider::SetSerialization", || unsafe {
        provider.SetSerialization(&CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default())
    });
    fault("ICredentialProviderSetUserArray::SetUserArray", || unsafe {
        provider
            .cast::<ICredentialProviderSetUserArray>()?
            .SetUserArray(None)
    });
    fault("ICredentialProvider::GetFieldDescriptorCount", || unsafe {
        provider.GetFieldDescriptorCount()
    });
    fault("ICredentialProvider::GetFieldDescriptorAt", || unsafe {
        provider.GetFieldDescriptorAt(0)
    });
    let (mut count, mut default, mut autologon) = (0u32, 0u32, BOOL(0));
    fault("ICredentialProvider::GetCredentialCount", || unsafe {
        provider.GetCredentialCount(&mut count, &mut default, &mut autologon)
    });
    // SAFETY: as above.
    let counted = unsafe { provider.GetCredentialCount(&mut count, &mut default, &mut autologon) };
    println!(
        "credentials={}",
        if counted.is_ok() {
            count.to_string()
        } else {
            result_hex(&counted)
        }
    );
    fault("ICredentialProvider::GetCredentialAt", || unsafe {
        provider.GetCredentialAt(0)
    });
    // The first tile with ICredentialProviderCredential2 if any (to reach GetUserSid), else the first.
    // SAFETY: as above.
    let tiles: Vec<ICredentialProviderCredential> = (0..count)
        .filter_map(|index| unsafe { provider.GetCredentialAt(index) }.ok())
        .collect();
    let chosen = tiles
        .iter()
        .find(|tile| tile.cast::<ICredentialProviderCredential2>().is_ok())
        .or(tiles.first());
    if let Some(credential) = chosen {
        credential_faults(credential);
    }
    drop(tiles);
    filter_faults();

    drop(provider);
    // SAFETY: as above.
    let after = create_provider().and_then(|p| unsafe { p.SetUsageScenario(CPUS_LOGON, 0) });
    println!("after_faults_logon={}", result_hex(&after));
    // Every object is released and the DLL still loaded: it may unload, unless the export
    // itself panics, when it must say "keep me" rather than unload code that may be in use.
    println!("can_unload_now={}", can_unload_now());
    std::env::set_var(FAULT_POINT, "DllCanUnloadNow");
    println!("fault.DllCanUnloadNow={}", can_unload_now());
    std::env::remove_var(FAULT_POINT);
    println!("alive=1");
}

fn credential_faults(credential: &ICredentialProviderCredential) {
    let log = EventLog::default();
    log.expect(credential);
    let events = events_for(&log, true);
    // SAFETY (all calls below): as in `run`.
    fault("ICredentialProviderCredential::Advise", || unsafe {
        credential.Advise(&events)
    });
    println!(
        "advise={}",
        result_hex(&unsafe { credential.Advise(&events) })
    );
    fault("ICredentialProviderCredential::SetSelected", || unsafe {
        credential.SetSelected()
    });
    fault("ICredentialProviderCredential::SetDeselected", || unsafe {
        credential.SetDeselected()
    });
    let (mut state, mut interactive) = (
        CREDENTIAL_PROVIDER_FIELD_STATE(0),
        CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE(0),
    );
    fault("ICredentialProviderCredential::GetFieldState", || unsafe {
        credential.GetFieldState(0, &mut state, &mut interactive)
    });
    fault("ICredentialProviderCredential::GetStringValue", || unsafe {
        credential.GetStringValue(0)
    });
    fault("ICredentialProviderCredential::GetBitmapValue", || unsafe {
        credential.GetBitmapValue(0)
    });
    let (mut checked, mut label) = (BOOL(0), PWSTR::null());
    fault(
        "ICredentialProviderCredential::GetCheckboxValue",
        || unsafe { credential.GetCheckboxValue(0, &mut checked, &mut label) },
    );
    fault(
        "ICredentialProviderCredential::GetSubmitButtonValue",
        || unsafe { credential.GetSubmitButtonValue(0) },
    );
    let (mut items, mut selected) = (0u32, 0u32);
    fault(
        "ICredentialProviderCredential::GetComboBoxValueCount",
        || unsafe { credential.GetComboBoxValueCount(0, &mut items, &mut selected) },
    );
    fault(
        "ICredentialProviderCredential::GetComboBoxValueAt",
        || unsafe { credential.GetComboBoxValueAt(0, 0) },
    );
    fault("ICredentialProviderCredential::SetStringValue", || unsafe {
        credential.SetStringValue(0, w!("x"))
    });
    fault(
        "ICredentialProviderCredential::SetCheckboxValue",
        || unsafe { credential.SetCheckboxValue(0, true) },
    );
    fault(
        "ICredentialProviderCredential::SetComboBoxSelectedValue",
        || unsafe { credential.SetComboBoxSelectedValue(0, 0) },
    );
    fault(
        "ICredentialProviderCredential::CommandLinkClicked",
        || unsafe { credential.CommandLinkClicked(0) },
    );
    let mut response = CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE(0);
    let mut serialization = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    let (mut text, mut icon) = (PWSTR::null(), CREDENTIAL_PROVIDER_STATUS_ICON(0));
    fault(
        "ICredentialProviderCredential::GetSerialization",
        || unsafe {
            credential.GetSerialization(&mut response, &mut serialization, &mut text, &mut icon)
        },
    );
    fault("ICredentialProviderCredential::ReportResult", || unsafe {
        credential.ReportResult(
            windows::Win32::Foundation::NTSTATUS(0),
            windows::Win32::Foundation::NTSTATUS(0),
            &mut text,
            &mut icon,
        )
    });
    if let Ok(credential2) = credential.cast::<ICredentialProviderCredential2>() {
        fault("ICredentialProviderCredential2::GetUserSid", || unsafe {
            credential2.GetUserSid()
        });
    }
    if let Ok(options) = credential.cast::<ICredentialProviderCredentialWithFieldOptions>() {
        fault(
            "ICredentialProviderCredentialWithFieldOptions::GetFieldOptions",
            || unsafe { options.GetFieldOptions(0) },
        );
    }
    if let Some(relay) = fake_provider_last_events() {
        relay_faults(&relay, credential);
    }
    fault("ICredentialProviderCredential::UnAdvise", || unsafe {
        credential.UnAdvise()
    });
}

/// The events object the fake password provider was last advised with: our relay.
fn fake_provider_last_events() -> Option<ICredentialProviderCredentialEvents> {
    // SAFETY: the name is a valid NUL-terminated wide string for the call.
    let module = unsafe { GetModuleHandleW(&HSTRING::from(FAKE_PROVIDER_DLL)) }.ok()?;
    // SAFETY: module is loaded; the export name is a NUL-terminated ANSI string.
    let export = unsafe { GetProcAddress(module, s!("SsprFakeLastEvents")) }?;
    // SAFETY: SsprFakeLastEvents is `extern "system" fn() -> *mut c_void`, returning an
    // AddRef'd ICredentialProviderCredentialEvents pointer or null, which we now own.
    unsafe {
        let function: unsafe extern "system" fn() -> *mut core::ffi::c_void =
            std::mem::transmute(export);
        let raw = function();
        (!raw.is_null()).then(|| ICredentialProviderCredentialEvents::from_raw(raw))
    }
}

fn relay_faults(
    relay: &ICredentialProviderCredentialEvents,
    credential: &ICredentialProviderCredential,
) {
    let c = credential;
    // SAFETY (all calls below): as in `run`; the relay replaces `c` with the wrapper anyway.
    fault(
        "ICredentialProviderCredentialEvents::SetFieldState",
        || unsafe { relay.SetFieldState(c, 0, CPFS_HIDDEN) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldInteractiveState",
        || unsafe { relay.SetFieldInteractiveState(c, 0, CPFIS_NONE) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldString",
        || unsafe { relay.SetFieldString(c, 0, w!("x")) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldCheckbox",
        || unsafe { relay.SetFieldCheckbox(c, 0, false, w!("x")) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldBitmap",
        || unsafe { relay.SetFieldBitmap(c, 0, HBITMAP::default()) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldComboBoxSelectedItem",
        || unsafe { relay.SetFieldComboBoxSelectedItem(c, 0, 0) },
    );
    fault(
        "ICredentialProviderCredentialEvents::DeleteFieldComboBoxItem",
        || unsafe { relay.DeleteFieldComboBoxItem(c, 0, 0) },
    );
    fault(
        "ICredentialProviderCredentialEvents::AppendFieldComboBoxItem",
        || unsafe { relay.AppendFieldComboBoxItem(c, 0, w!("x")) },
    );
    fault(
        "ICredentialProviderCredentialEvents::SetFieldSubmitButton",
        || unsafe { relay.SetFieldSubmitButton(c, 0, 0) },
    );
    fault(
        "ICredentialProviderCredentialEvents::OnCreatingWindow",
        || -> windows_core::Result<HWND> { unsafe { relay.OnCreatingWindow() } },
    );
    if let Ok(relay2) = relay.cast::<ICredentialProviderCredentialEvents2>() {
        fault(
            "ICredentialProviderCredentialEvents2::BeginFieldUpdates",
            || unsafe { relay2.BeginFieldUpdates() },
        );
        fault(
            "ICredentialProviderCredentialEvents2::EndFieldUpdates",
            || unsafe { relay2.EndFieldUpdates() },
        );
        fault(
            "ICredentialProviderCredentialEvents2::SetFieldOptions",
            || unsafe { relay2.SetFieldOptions(c, 0, CPCFO_NONE) },
        );
    }
}

fn filter_faults() {
    // SAFETY: a valid CLSID; no aggregation; COM owns the returned reference.
    let Ok(filter) = (unsafe {
        CoCreateInstance::<_, ICredentialProviderFilter>(
            &FILTER_CLSID,
            None::<&windows_core::IUnknown>,
            CLSCTX_INPROC_SERVER,
        )
    }) else {
        println!("filter_create=failed");
        return;
    };
    let providers = [SMARTCARD_PROVIDER, PASSWORD_PROVIDER, PRODUCT_CLSID];
    let mut allow = [BOOL(1); 3];
    // SAFETY: filter is live; both arrays hold three entries and outlive the call.
    fault("ICredentialProviderFilter::Filter", || unsafe {
        filter.Filter(CPUS_LOGON, 0, providers.as_ptr(), allow.as_mut_ptr(), 3)
    });
    let flags: Vec<String> = allow.iter().map(|b| b.0.to_string()).collect();
    // A panicking filter must leave LogonUI's allow list as it was.
    println!("fault_filter_allow={}", flags.join(","));
    let input = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    let mut output = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    // SAFETY: filter is live; both structures are locals.
    fault(
        "ICredentialProviderFilter::UpdateRemoteCredential",
        || unsafe { filter.UpdateRemoteCredential(&input, &mut output) },
    );
}
