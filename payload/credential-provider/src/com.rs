//! COM glue: the DLL exports, the class factory and the provider object.
//!
//! Exports are thin `extern "system"` shims over functions returning `windows_core::Result`;
//! the HRESULT is produced once, at the boundary, inside the panic guard.

use std::ffi::c_void;

use windows::Win32::Foundation::{
    CLASS_E_CLASSNOTAVAILABLE, CLASS_E_NOAGGREGATION, E_INVALIDARG, E_NOTIMPL, E_POINTER,
    E_UNEXPECTED, S_FALSE, S_OK,
};
use windows::Win32::System::Com::{CoTaskMemAlloc, IClassFactory, IClassFactory_Impl};
use windows::Win32::UI::Shell::{
    ICredentialProvider, ICredentialProviderCredential, ICredentialProviderEvents,
    ICredentialProvider_Impl, CPFT_COMMAND_LINK, CPFT_LARGE_TEXT, CPFT_SMALL_TEXT,
    CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR,
    CREDENTIAL_PROVIDER_USAGE_SCENARIO,
};
use windows_core::{implement, Interface, Ref, BOOL, GUID, HRESULT, PWSTR};

use crate::fields::{self, FieldKind};
use crate::guard::catch_panic;
use crate::lifetime::{self, LiveObject};
use crate::scenario::UsageScenario;

const CLSID_PROVIDER: GUID = GUID::from_u128(crate::PROVIDER_CLSID);

/// Runs a COM method body inside the panic guard.
fn guarded<T>(body: impl FnOnce() -> windows_core::Result<T>) -> windows_core::Result<T> {
    catch_panic(body, || Err(E_UNEXPECTED.into()))
}

#[no_mangle]
/// # Safety
/// Called by COM with valid pointers for `rclsid`, `riid` and `ppv` (each checked for null).
pub unsafe extern "system" fn DllGetClassObject(
    rclsid: *const GUID,
    riid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    catch_panic(
        // SAFETY: pointers come from COM; get_class_object checks each for null before use.
        || unsafe { get_class_object(rclsid, riid, ppv) }.map_or_else(|e| e.code(), |()| S_OK),
        || E_UNEXPECTED,
    )
}

unsafe fn get_class_object(
    rclsid: *const GUID,
    riid: *const GUID,
    ppv: *mut *mut c_void,
) -> windows_core::Result<()> {
    if rclsid.is_null() || riid.is_null() || ppv.is_null() {
        return Err(E_POINTER.into());
    }
    // SAFETY: ppv is non-null and points to an out-pointer COM gave us.
    unsafe { *ppv = std::ptr::null_mut() };
    // SAFETY: rclsid is non-null and points to a GUID for the duration of the call.
    if unsafe { *rclsid } != CLSID_PROVIDER {
        return Err(CLASS_E_CLASSNOTAVAILABLE.into());
    }
    let factory: IClassFactory = ProviderFactory {
        _live: LiveObject::new(),
    }
    .into();
    // SAFETY: riid and ppv are non-null; query writes the interface or null.
    unsafe { factory.query(riid, ppv) }.ok()
}

#[no_mangle]
pub extern "system" fn DllCanUnloadNow() -> HRESULT {
    catch_panic(
        || {
            if lifetime::can_unload() {
                S_OK
            } else {
                S_FALSE
            }
        },
        || S_FALSE,
    )
}

#[implement(IClassFactory)]
struct ProviderFactory {
    _live: LiveObject,
}

impl IClassFactory_Impl for ProviderFactory_Impl {
    fn CreateInstance(
        &self,
        outer: Ref<'_, windows_core::IUnknown>,
        riid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> windows_core::Result<()> {
        guarded(|| {
            if riid.is_null() || ppv.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: ppv is non-null (checked above).
            unsafe { *ppv = std::ptr::null_mut() };
            if outer.is_some() {
                return Err(CLASS_E_NOAGGREGATION.into());
            }
            let provider: ICredentialProvider = Provider::new().into();
            // SAFETY: riid and ppv are non-null; query writes the interface or null.
            unsafe { provider.query(riid, ppv) }.ok()
        })
    }

    fn LockServer(&self, lock: BOOL) -> windows_core::Result<()> {
        guarded(|| {
            lifetime::lock_server(lock.as_bool());
            Ok(())
        })
    }
}

#[implement(ICredentialProvider)]
struct Provider {
    _live: LiveObject,
    scenario: std::sync::Mutex<Option<UsageScenario>>,
}

impl Provider {
    fn new() -> Self {
        Self {
            _live: LiveObject::new(),
            scenario: std::sync::Mutex::new(None),
        }
    }

    fn active_scenario(&self) -> Option<UsageScenario> {
        self.scenario.lock().ok().and_then(|s| *s)
    }
}

/// Copies `text` into a NUL-terminated UTF-16 buffer from `CoTaskMemAlloc` (LogonUI frees it).
fn co_task_wide(text: &str) -> windows_core::Result<PWSTR> {
    let wide: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
    let bytes = std::mem::size_of_val(wide.as_slice());
    // SAFETY: CoTaskMemAlloc has no preconditions; a null result is handled.
    let buffer = unsafe { CoTaskMemAlloc(bytes) }.cast::<u16>();
    if buffer.is_null() {
        return Err(windows::Win32::Foundation::E_OUTOFMEMORY.into());
    }
    // SAFETY: buffer holds `wide.len()` u16s and does not overlap `wide`.
    unsafe { std::ptr::copy_nonoverlapping(wide.as_ptr(), buffer, wide.len()) };
    Ok(PWSTR(buffer))
}

impl ICredentialProvider_Impl for Provider_Impl {
    fn SetUsageScenario(
        &self,
        cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
        _flags: u32,
    ) -> windows_core::Result<()> {
        guarded(|| {
            let scenario = UsageScenario::from_raw(cpus.0);
            if !scenario.is_supported() {
                return Err(E_NOTIMPL.into());
            }
            let mut slot = self
                .scenario
                .lock()
                .map_err(|_| windows_core::Error::from(E_UNEXPECTED))?;
            *slot = Some(scenario);
            Ok(())
        })
    }

    fn SetSerialization(
        &self,
        _serialization: *const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    ) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }

    fn Advise(
        &self,
        _events: Ref<'_, ICredentialProviderEvents>,
        _context: usize,
    ) -> windows_core::Result<()> {
        Ok(())
    }

    fn UnAdvise(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn GetFieldDescriptorCount(&self) -> windows_core::Result<u32> {
        guarded(|| Ok(fields::TILE_FIELDS.len() as u32))
    }

    fn GetFieldDescriptorAt(
        &self,
        index: u32,
    ) -> windows_core::Result<*mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR> {
        guarded(|| {
            let field =
                fields::descriptor_at(index).ok_or(windows_core::Error::from(E_INVALIDARG))?;
            let label = co_task_wide(field.label)?;
            let descriptor = CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR {
                dwFieldID: field.id,
                cpft: match field.kind {
                    FieldKind::LargeText => CPFT_LARGE_TEXT,
                    FieldKind::SmallText => CPFT_SMALL_TEXT,
                    FieldKind::CommandLink => CPFT_COMMAND_LINK,
                },
                pszLabel: label,
                guidFieldType: GUID::zeroed(),
            };
            // SAFETY: CoTaskMemAlloc has no preconditions; a null result is handled below.
            let out = unsafe {
                CoTaskMemAlloc(std::mem::size_of::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>())
            }
            .cast::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>();
            if out.is_null() {
                // SAFETY: label came from CoTaskMemAlloc above and is not referenced elsewhere.
                unsafe {
                    windows::Win32::System::Com::CoTaskMemFree(Some(label.0 as *const c_void))
                };
                return Err(windows::Win32::Foundation::E_OUTOFMEMORY.into());
            }
            // SAFETY: out is a fresh, suitably sized and aligned CoTaskMemAlloc block.
            unsafe { out.write(descriptor) };
            Ok(out)
        })
    }

    fn GetCredentialCount(
        &self,
        count: *mut u32,
        default: *mut u32,
        autologon_with_default: *mut BOOL,
    ) -> windows_core::Result<()> {
        guarded(|| {
            if count.is_null() || default.is_null() || autologon_with_default.is_null() {
                return Err(E_POINTER.into());
            }
            if self.active_scenario().is_none() {
                return Err(E_UNEXPECTED.into());
            }
            // First cut: the provider offers no tile yet (the reset tile and the wrapped password
            // tiles come with the credential provider issue). CREDENTIAL_PROVIDER_NO_DEFAULT = -1.
            // SAFETY: all three out-pointers are non-null (checked above).
            unsafe {
                *count = 0;
                *default = u32::MAX;
                *autologon_with_default = BOOL(0);
            }
            Ok(())
        })
    }

    fn GetCredentialAt(&self, _index: u32) -> windows_core::Result<ICredentialProviderCredential> {
        Err(E_INVALIDARG.into())
    }
}
