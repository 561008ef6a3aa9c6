//! The DLL exports and the class factory, for both classes: the provider and the filter.
//!
//! Exports are thin `extern "system"` shims over functions returning `windows_core::Result`;
//! the HRESULT is produced once, at the boundary, inside the panic guard.

use std::ffi::c_void;

use windows::Win32::Foundation::{
    CLASS_E_CLASSNOTAVAILABLE, CLASS_E_NOAGGREGATION, E_POINTER, E_UNEXPECTED, S_FALSE, S_OK,
};
use windows::Win32::System::Com::{IClassFactory, IClassFactory_Impl};
use windows::Win32::UI::Shell::{ICredentialProvider, ICredentialProviderFilter};
use windows_core::{implement, IUnknown, Interface, Ref, BOOL, GUID, HRESULT};

use super::entry;
use super::filter::Filter;
use super::provider::Provider;
use crate::guard::catch_panic;
use crate::lifetime::{self, LiveObject};
use crate::logging::Logger;

/// The classes this DLL serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Provider,
    Filter,
}

impl Class {
    const PROVIDER: GUID = GUID::from_u128(crate::PROVIDER_CLSID);
    const FILTER: GUID = GUID::from_u128(crate::FILTER_CLSID);

    fn from_clsid(clsid: &GUID) -> Option<Self> {
        match *clsid {
            Self::PROVIDER => Some(Self::Provider),
            Self::FILTER => Some(Self::Filter),
            _ => None,
        }
    }

    fn create(self) -> IUnknown {
        match self {
            Class::Provider => ICredentialProvider::from(Provider::new()).into(),
            Class::Filter => ICredentialProviderFilter::from(Filter::new()).into(),
        }
    }
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
        || {
            crate::fault::point("DllGetClassObject");
            // SAFETY: pointers come from COM; get_class_object checks each for null before use.
            unsafe { get_class_object(rclsid, riid, ppv) }.map_or_else(|e| e.code(), |()| S_OK)
        },
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
    let class = Class::from_clsid(unsafe { &*rclsid })
        .ok_or(windows_core::Error::from(CLASS_E_CLASSNOTAVAILABLE))?;
    let factory: IClassFactory = ClassFactory {
        class,
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
            crate::fault::point("DllCanUnloadNow");
            if lifetime::can_unload() {
                // COM may unload the DLL now: the settings watch calls into it.
                super::settings_snapshot::disarm();
                S_OK
            } else {
                S_FALSE
            }
        },
        // Unsure means "keep me loaded": unloading code that is still in use would crash LogonUI.
        || S_FALSE,
    )
}

#[implement(IClassFactory)]
struct ClassFactory {
    class: Class,
    _live: LiveObject,
}

impl IClassFactory_Impl for ClassFactory_Impl {
    fn CreateInstance(
        &self,
        outer: Ref<'_, IUnknown>,
        riid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> windows_core::Result<()> {
        entry("IClassFactory::CreateInstance", &Logger::disabled(), || {
            if riid.is_null() || ppv.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: ppv is non-null (checked above).
            unsafe { *ppv = std::ptr::null_mut() };
            if outer.is_some() {
                return Err(CLASS_E_NOAGGREGATION.into());
            }
            let object = self.class.create();
            // SAFETY: riid and ppv are non-null; query writes the interface or null.
            unsafe { object.query(riid, ppv) }.ok()
        })
    }

    fn LockServer(&self, lock: BOOL) -> windows_core::Result<()> {
        entry("IClassFactory::LockServer", &Logger::disabled(), || {
            lifetime::lock_server(lock.as_bool());
            Ok(())
        })
    }
}
