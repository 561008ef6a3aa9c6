//! sspr_fake_password_provider.dll: a stand-in for Windows' inbox password provider, for tests.
//!
//! The end-to-end suite registers it at the inbox provider's CLSID
//! `{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}` in a Wine prefix (Wine has no such provider), so the
//! product's wrapping mode can be driven for real. It shows two users: `alice` (an
//! `ICredentialProviderCredential`, Windows 7 style) and `bob` (an `ICredentialProviderCredential2`
//! whose SID is `S-1-5-32-544`, Windows 8 style), with a title, a user-name box, a password box, a
//! submit button and a link of its own. Values set are kept and read back; `GetSerialization`
//! returns `user=<name>;password=<password>` so a test sees it pass through the wrapper unchanged;
//! `SetSelected` and its own link report through the events interface, so a test sees whose
//! pointer reaches LogonUI.
//!
//! `SSPR_FAKE_PROVIDER` (comma-separated) makes it fail on purpose: `fail-create` (the class
//! factory refuses), `fail-scenario` (`SetUsageScenario` answers `E_NOTIMPL`), `fail-fields`
//! (`GetFieldDescriptorCount` fails).
//!
//! The export `SsprFakeLastEvents` hands out the events object the last credential was advised
//! with (the product's relay), so the probe can call each of its methods directly.
//!
//! Test code only: it never ships and nothing registers it outside a test prefix.
#![cfg_attr(
    windows,
    allow(
        clippy::undocumented_unsafe_blocks,
        reason = "a test program whose every call into the provider under test is unsafe; per-block SAFETY comments are still to write"
    )
)]
#![cfg(windows)]

use std::cell::RefCell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicIsize, Ordering};

use windows::Win32::Foundation::{
    CLASS_E_CLASSNOTAVAILABLE, CLASS_E_NOAGGREGATION, E_FAIL, E_INVALIDARG, E_NOTIMPL,
    E_OUTOFMEMORY, E_POINTER, NTSTATUS, S_FALSE, S_OK,
};
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::System::Com::{CoTaskMemAlloc, IClassFactory, IClassFactory_Impl};
use windows::Win32::UI::Shell::*;
use windows_core::{
    implement, IUnknown, IUnknownImpl as _, Interface, Ref, BOOL, GUID, HRESULT, PCWSTR, PWSTR,
};

/// The inbox password provider's CLSID, which this DLL impersonates in test prefixes only.
pub const CLSID_PASSWORD_PROVIDER: GUID =
    GUID::from_u128(sspr_identity::PASSWORD_PROVIDER_CLSID_VALUE);
/// The SID `bob`'s credential reports (BUILTIN\Administrators: every Windows can name it).
pub const BOB_SID: &str = "S-1-5-32-544";

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// The events object the last credential was advised with (all on the probe's one thread).
    // The initializer is `const` already; the lint misfires on the win7 targets' thread_local!.
    #[allow(clippy::missing_const_for_thread_local)]
    static LAST_EVENTS: RefCell<Option<ICredentialProviderCredentialEvents>> = const { RefCell::new(None) };
}

/// The events object the last credential was advised with, with a reference for the caller
/// (null if none): the product's relay when the product wraps this provider.
#[no_mangle]
pub extern "system" fn SsprFakeLastEvents() -> *mut c_void {
    LAST_EVENTS.with(|last| {
        last.borrow()
            .clone()
            .map_or(std::ptr::null_mut(), Interface::into_raw)
    })
}

struct Live;
impl Live {
    fn new() -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Self
    }
}
impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn knob(name: &str) -> bool {
    std::env::var("SSPR_FAKE_PROVIDER").is_ok_and(|v| v.split(',').any(|k| k.trim() == name))
}

fn co_wide(text: &str) -> windows_core::Result<PWSTR> {
    let wide: Vec<u16> = text.encode_utf16().chain(Some(0)).collect();
    // SAFETY: plain allocation; null handled.
    let p = unsafe { CoTaskMemAlloc(wide.len() * 2) }.cast::<u16>();
    if p.is_null() {
        return Err(E_OUTOFMEMORY.into());
    }
    // SAFETY: p holds wide.len() u16s.
    unsafe { std::ptr::copy_nonoverlapping(wide.as_ptr(), p, wide.len()) };
    Ok(PWSTR(p))
}

/// (id, type, label, field GUID) of each field.
const FIELDS: [(u32, CREDENTIAL_PROVIDER_FIELD_TYPE, &str, GUID); 5] = [
    (0, CPFT_LARGE_TEXT, "Fake user", GUID::zeroed()),
    (1, CPFT_EDIT_TEXT, "User name", CPFG_LOGON_USERNAME),
    (2, CPFT_PASSWORD_TEXT, "Password", CPFG_LOGON_PASSWORD),
    (3, CPFT_SUBMIT_BUTTON, "Submit", GUID::zeroed()),
    (4, CPFT_COMMAND_LINK, "Fake link", GUID::zeroed()),
];

#[no_mangle]
/// # Safety
/// COM's contract: valid pointers.
pub unsafe extern "system" fn DllGetClassObject(
    clsid: *const GUID,
    iid: *const GUID,
    out: *mut *mut c_void,
) -> HRESULT {
    if clsid.is_null() || iid.is_null() || out.is_null() {
        return E_POINTER;
    }
    // SAFETY: checked above.
    unsafe {
        *out = std::ptr::null_mut();
        if *clsid != CLSID_PASSWORD_PROVIDER {
            return CLASS_E_CLASSNOTAVAILABLE;
        }
        let factory: IClassFactory = Factory { _live: Live::new() }.into();
        factory.query(iid, out)
    }
}

#[no_mangle]
pub extern "system" fn DllCanUnloadNow() -> HRESULT {
    if LIVE.load(Ordering::SeqCst) == 0 {
        S_OK
    } else {
        S_FALSE
    }
}

#[implement(IClassFactory)]
struct Factory {
    _live: Live,
}

impl IClassFactory_Impl for Factory_Impl {
    fn CreateInstance(
        &self,
        outer: Ref<'_, IUnknown>,
        iid: *const GUID,
        out: *mut *mut c_void,
    ) -> windows_core::Result<()> {
        if iid.is_null() || out.is_null() {
            return Err(E_POINTER.into());
        }
        // SAFETY: checked above.
        unsafe { *out = std::ptr::null_mut() };
        if outer.is_some() {
            return Err(CLASS_E_NOAGGREGATION.into());
        }
        if knob("fail-create") {
            return Err(E_FAIL.into());
        }
        let provider: ICredentialProvider = FakeProvider {
            credentials: RefCell::new(Vec::new()),
            _live: Live::new(),
        }
        .into();
        // SAFETY: checked above.
        unsafe { provider.query(iid, out) }.ok()
    }

    fn LockServer(&self, _lock: BOOL) -> windows_core::Result<()> {
        Ok(())
    }
}

#[implement(ICredentialProvider, ICredentialProviderSetUserArray)]
struct FakeProvider {
    credentials: RefCell<Vec<ICredentialProviderCredential>>,
    _live: Live,
}

impl ICredentialProvider_Impl for FakeProvider_Impl {
    fn SetUsageScenario(
        &self,
        cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
        _flags: u32,
    ) -> windows_core::Result<()> {
        if knob("fail-scenario") || !(cpus == CPUS_LOGON || cpus == CPUS_UNLOCK_WORKSTATION) {
            return Err(E_NOTIMPL.into());
        }
        let alice: ICredentialProviderCredential = FakeCredential {
            core: CredCore::new("alice", ""),
        }
        .into();
        let bob: ICredentialProviderCredential2 = FakeCredential2 {
            core: CredCore::new("", "bob"),
        }
        .into();
        *self.credentials.borrow_mut() = vec![alice, bob.into()];
        Ok(())
    }
    fn SetSerialization(
        &self,
        _s: *const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    ) -> windows_core::Result<()> {
        Ok(())
    }
    fn Advise(
        &self,
        _e: Ref<'_, ICredentialProviderEvents>,
        _c: usize,
    ) -> windows_core::Result<()> {
        Ok(())
    }
    fn UnAdvise(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn GetFieldDescriptorCount(&self) -> windows_core::Result<u32> {
        if knob("fail-fields") {
            return Err(E_FAIL.into());
        }
        Ok(FIELDS.len() as u32)
    }
    fn GetFieldDescriptorAt(
        &self,
        index: u32,
    ) -> windows_core::Result<*mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR> {
        let (id, cpft, label, guid) = *FIELDS
            .get(index as usize)
            .ok_or(windows_core::Error::from(E_INVALIDARG))?;
        // SAFETY: plain allocation; null handled.
        let out =
            unsafe { CoTaskMemAlloc(std::mem::size_of::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>()) }
                .cast::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>();
        if out.is_null() {
            return Err(E_OUTOFMEMORY.into());
        }
        // SAFETY: fresh block of the right size.
        unsafe {
            out.write(CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR {
                dwFieldID: id,
                cpft,
                pszLabel: co_wide(label)?,
                guidFieldType: guid,
            })
        };
        Ok(out)
    }
    fn GetCredentialCount(
        &self,
        count: *mut u32,
        default: *mut u32,
        autologon: *mut BOOL,
    ) -> windows_core::Result<()> {
        // SAFETY: LogonUI's (the wrapper's) out-pointers.
        unsafe {
            *count = self.credentials.borrow().len() as u32;
            *default = 0;
            *autologon = BOOL(0);
        }
        Ok(())
    }
    fn GetCredentialAt(&self, index: u32) -> windows_core::Result<ICredentialProviderCredential> {
        self.credentials
            .borrow()
            .get(index as usize)
            .cloned()
            .ok_or_else(|| E_INVALIDARG.into())
    }
}

impl ICredentialProviderSetUserArray_Impl for FakeProvider_Impl {
    fn SetUserArray(
        &self,
        _users: Ref<'_, ICredentialProviderUserArray>,
    ) -> windows_core::Result<()> {
        Ok(())
    }
}

struct CredCore {
    values: RefCell<[String; 5]>,
    events: RefCell<Option<ICredentialProviderCredentialEvents>>,
    _live: Live,
}

impl Drop for CredCore {
    fn drop(&mut self) {
        self.forget_events();
    }
}

impl CredCore {
    /// Lets go of the events object, here and in `SsprFakeLastEvents`'s slot: the product's
    /// relay is its object, and holding it would keep the product's DLL loaded.
    fn forget_events(&self) {
        if let Some(events) = self.events.borrow_mut().take() {
            LAST_EVENTS.with(|last| {
                let mut last = last.borrow_mut();
                if last.as_ref() == Some(&events) {
                    *last = None;
                }
            });
        }
    }

    fn new(user_field: &str, title: &str) -> Self {
        let title = if title.is_empty() { user_field } else { title };
        Self {
            values: RefCell::new([
                title.into(),
                user_field.into(),
                String::new(),
                "Submit".into(),
                "Fake link".into(),
            ]),
            events: RefCell::new(None),
            _live: Live::new(),
        }
    }
    fn notify(&self, me: &ICredentialProviderCredential, text: &str) {
        let events = self.events.borrow().clone();
        if let Some(events) = events {
            let wide: Vec<u16> = text.encode_utf16().chain(Some(0)).collect();
            let events2 = events.cast::<ICredentialProviderCredentialEvents2>().ok();
            // SAFETY: live interfaces; the string outlives the calls.
            unsafe {
                if let Some(e2) = &events2 {
                    let _ = e2.BeginFieldUpdates();
                }
                let _ = events.SetFieldString(me, 0, PCWSTR(wide.as_ptr()));
                if let Some(e2) = &events2 {
                    let _ = e2.EndFieldUpdates();
                }
            }
        }
    }
}

#[implement(ICredentialProviderCredential)]
struct FakeCredential {
    core: CredCore,
}

#[implement(ICredentialProviderCredential2)]
struct FakeCredential2 {
    core: CredCore,
}

macro_rules! fake_credential {
    ($class:ident, $identity:ty) => {
        impl ICredentialProviderCredential_Impl for $class {
            fn Advise(
                &self,
                events: Ref<'_, ICredentialProviderCredentialEvents>,
            ) -> windows_core::Result<()> {
                *self.core.events.borrow_mut() = events.cloned();
                LAST_EVENTS.with(|last| *last.borrow_mut() = events.cloned());
                Ok(())
            }
            fn UnAdvise(&self) -> windows_core::Result<()> {
                self.core.forget_events();
                Ok(())
            }
            fn SetSelected(&self) -> windows_core::Result<BOOL> {
                let me = self.as_interface::<$identity>();
                self.core.notify(&me, "selected");
                Ok(BOOL(0))
            }
            fn SetDeselected(&self) -> windows_core::Result<()> {
                Ok(())
            }
            fn GetFieldState(
                &self,
                field: u32,
                state: *mut CREDENTIAL_PROVIDER_FIELD_STATE,
                interactive: *mut CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
            ) -> windows_core::Result<()> {
                if field as usize >= FIELDS.len() {
                    return Err(E_INVALIDARG.into());
                }
                // SAFETY: caller's out-pointers.
                unsafe {
                    *state = if field == 0 {
                        CPFS_DISPLAY_IN_BOTH
                    } else {
                        CPFS_DISPLAY_IN_SELECTED_TILE
                    };
                    *interactive = if field == 2 {
                        CPFIS_FOCUSED
                    } else {
                        CPFIS_NONE
                    };
                }
                Ok(())
            }
            fn GetStringValue(&self, field: u32) -> windows_core::Result<PWSTR> {
                let values = self.core.values.borrow();
                co_wide(
                    values
                        .get(field as usize)
                        .ok_or(windows_core::Error::from(E_INVALIDARG))?,
                )
            }
            fn GetBitmapValue(&self, _field: u32) -> windows_core::Result<HBITMAP> {
                Err(E_NOTIMPL.into())
            }
            fn GetCheckboxValue(
                &self,
                _f: u32,
                _c: *mut BOOL,
                _l: *mut PWSTR,
            ) -> windows_core::Result<()> {
                Err(E_NOTIMPL.into())
            }
            fn GetSubmitButtonValue(&self, field: u32) -> windows_core::Result<u32> {
                if field == 3 {
                    Ok(2)
                } else {
                    Err(E_INVALIDARG.into())
                }
            }
            fn GetComboBoxValueCount(
                &self,
                _f: u32,
                _i: *mut u32,
                _s: *mut u32,
            ) -> windows_core::Result<()> {
                Err(E_NOTIMPL.into())
            }
            fn GetComboBoxValueAt(&self, _f: u32, _i: u32) -> windows_core::Result<PWSTR> {
                Err(E_NOTIMPL.into())
            }
            fn SetStringValue(&self, field: u32, text: &PCWSTR) -> windows_core::Result<()> {
                let mut values = self.core.values.borrow_mut();
                let slot = values
                    .get_mut(field as usize)
                    .ok_or(windows_core::Error::from(E_INVALIDARG))?;
                // SAFETY: the caller's NUL-terminated string.
                *slot = unsafe { text.to_string() }.unwrap_or_default();
                Ok(())
            }
            fn SetCheckboxValue(&self, _f: u32, _c: BOOL) -> windows_core::Result<()> {
                Err(E_NOTIMPL.into())
            }
            fn SetComboBoxSelectedValue(&self, _f: u32, _i: u32) -> windows_core::Result<()> {
                Err(E_NOTIMPL.into())
            }
            fn CommandLinkClicked(&self, field: u32) -> windows_core::Result<()> {
                if field != 4 {
                    return Err(E_INVALIDARG.into());
                }
                let me = self.as_interface::<$identity>();
                self.core.notify(&me, "inner link clicked");
                Ok(())
            }
            fn GetSerialization(
                &self,
                response: *mut CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE,
                serialization: *mut CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
                text: *mut PWSTR,
                icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
            ) -> windows_core::Result<()> {
                let values = self.core.values.borrow();
                let user = if values[1].is_empty() {
                    &values[0]
                } else {
                    &values[1]
                };
                let blob = format!("user={user};password={}", values[2]).into_bytes();
                // SAFETY: plain allocation; the caller's out-pointers.
                unsafe {
                    let bytes = CoTaskMemAlloc(blob.len()).cast::<u8>();
                    if bytes.is_null() {
                        return Err(E_OUTOFMEMORY.into());
                    }
                    std::ptr::copy_nonoverlapping(blob.as_ptr(), bytes, blob.len());
                    *response = CPGSR_RETURN_CREDENTIAL_FINISHED;
                    *serialization = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION {
                        ulAuthenticationPackage: 0x5353,
                        clsidCredentialProvider: CLSID_PASSWORD_PROVIDER,
                        cbSerialization: blob.len() as u32,
                        rgbSerialization: bytes,
                    };
                    if !text.is_null() {
                        *text = PWSTR::null();
                    }
                    if !icon.is_null() {
                        *icon = CPSI_NONE;
                    }
                }
                Ok(())
            }
            fn ReportResult(
                &self,
                _s: NTSTATUS,
                _ss: NTSTATUS,
                text: *mut PWSTR,
                icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
            ) -> windows_core::Result<()> {
                // SAFETY: the caller's optional out-pointers.
                unsafe {
                    if !text.is_null() {
                        *text = PWSTR::null();
                    }
                    if !icon.is_null() {
                        *icon = CPSI_NONE;
                    }
                }
                Ok(())
            }
        }
    };
}

fake_credential!(FakeCredential_Impl, ICredentialProviderCredential);
fake_credential!(FakeCredential2_Impl, ICredentialProviderCredential2);

impl ICredentialProviderCredential2_Impl for FakeCredential2_Impl {
    fn GetUserSid(&self) -> windows_core::Result<PWSTR> {
        co_wide(BOB_SID)
    }
}
