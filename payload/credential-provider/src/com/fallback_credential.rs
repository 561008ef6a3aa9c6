//! Our own tile, shown when the inbox password provider cannot be wrapped: a title, a short help
//! text and the reset link, so the reset stays reachable. It never signs anyone in.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::{E_INVALIDARG, E_POINTER, NTSTATUS};
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::UI::Shell::{
    ICredentialProviderCredentialEvents, ICredentialProviderCredential_Impl, CPFIS_NONE,
    CPGSR_NO_CREDENTIAL_NOT_FINISHED, CPSI_NONE, CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE, CREDENTIAL_PROVIDER_FIELD_STATE,
    CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE, CREDENTIAL_PROVIDER_STATUS_ICON,
};
use windows_core::{implement, Ref, BOOL, PCWSTR, PWSTR};

use super::co_mem::co_task_wide;
use super::entry;
use super::link::LinkContext;
use crate::fields::{self, LINK_FIELD};
use crate::lifetime::LiveObject;

#[implement(windows::Win32::UI::Shell::ICredentialProviderCredential)]
pub struct FallbackCredential {
    link: Rc<LinkContext>,
    events: RefCell<Option<ICredentialProviderCredentialEvents>>,
    _live: LiveObject,
}

impl FallbackCredential {
    pub fn new(link: Rc<LinkContext>) -> Self {
        Self {
            link,
            events: RefCell::new(None),
            _live: LiveObject::new(),
        }
    }
}

/// Answers `GetFieldState` for a field of ours: `E_POINTER` when an out-pointer is null, else
/// what `visibility` gives (an error passes through), never interactive (`CPFIS_NONE`).
///
/// # Safety
///
/// `state_out` and `interactive_out` are each null or valid for a write.
pub(super) unsafe fn answer_field_state(
    state_out: *mut CREDENTIAL_PROVIDER_FIELD_STATE,
    interactive_out: *mut CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
    visibility: impl FnOnce() -> windows_core::Result<CREDENTIAL_PROVIDER_FIELD_STATE>,
) -> windows_core::Result<()> {
    if state_out.is_null() || interactive_out.is_null() {
        return Err(E_POINTER.into());
    }
    let state = visibility()?;
    // SAFETY: both out-pointers are non-null (checked above) and, by the caller's contract,
    // writable.
    unsafe {
        *state_out = state;
        *interactive_out = CPFIS_NONE;
    }
    Ok(())
}

fn no_such_field<T>() -> windows_core::Result<T> {
    Err(E_INVALIDARG.into())
}

impl ICredentialProviderCredential_Impl for FallbackCredential_Impl {
    fn Advise(
        &self,
        events: Ref<'_, ICredentialProviderCredentialEvents>,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::Advise",
            &self.link.log,
            || {
                *self.events.borrow_mut() = events.cloned();
                Ok(())
            },
        )
    }

    fn UnAdvise(&self) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::UnAdvise",
            &self.link.log,
            || {
                self.events.borrow_mut().take();
                Ok(())
            },
        )
    }

    fn SetSelected(&self) -> windows_core::Result<BOOL> {
        // Never an autologon: this tile carries no credential.
        entry(
            "ICredentialProviderCredential::SetSelected",
            &self.link.log,
            || Ok(BOOL(0)),
        )
    }

    fn SetDeselected(&self) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::SetDeselected",
            &self.link.log,
            || Ok(()),
        )
    }

    fn GetFieldState(
        &self,
        field: u32,
        state: *mut CREDENTIAL_PROVIDER_FIELD_STATE,
        interactive: *mut CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::GetFieldState",
            &self.link.log,
            || {
                // SAFETY: LogonUI's out-pointers, each null or writable.
                unsafe {
                    answer_field_state(state, interactive, || {
                        let descriptor = fields::descriptor_at(field)
                            .ok_or(windows_core::Error::from(E_INVALIDARG))?;
                        Ok(CREDENTIAL_PROVIDER_FIELD_STATE(
                            fields::visibility(descriptor) as i32,
                        ))
                    })
                }
            },
        )
    }

    fn GetStringValue(&self, field: u32) -> windows_core::Result<PWSTR> {
        entry(
            "ICredentialProviderCredential::GetStringValue",
            &self.link.log,
            || {
                let descriptor =
                    fields::descriptor_at(field).ok_or(windows_core::Error::from(E_INVALIDARG))?;
                co_task_wide(&fields::label_of(descriptor, &self.link.link_text))
            },
        )
    }

    fn GetBitmapValue(&self, _field: u32) -> windows_core::Result<HBITMAP> {
        entry(
            "ICredentialProviderCredential::GetBitmapValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn GetCheckboxValue(
        &self,
        _field: u32,
        _checked: *mut BOOL,
        _label: *mut PWSTR,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::GetCheckboxValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn GetSubmitButtonValue(&self, _field: u32) -> windows_core::Result<u32> {
        entry(
            "ICredentialProviderCredential::GetSubmitButtonValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn GetComboBoxValueCount(
        &self,
        _field: u32,
        _items: *mut u32,
        _selected: *mut u32,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::GetComboBoxValueCount",
            &self.link.log,
            no_such_field,
        )
    }

    fn GetComboBoxValueAt(&self, _field: u32, _item: u32) -> windows_core::Result<PWSTR> {
        entry(
            "ICredentialProviderCredential::GetComboBoxValueAt",
            &self.link.log,
            no_such_field,
        )
    }

    fn SetStringValue(&self, _field: u32, _text: &PCWSTR) -> windows_core::Result<()> {
        // No editable field: nothing is stored, and the value is never looked at or logged.
        entry(
            "ICredentialProviderCredential::SetStringValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn SetCheckboxValue(&self, _field: u32, _checked: BOOL) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::SetCheckboxValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn SetComboBoxSelectedValue(&self, _field: u32, _item: u32) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::SetComboBoxSelectedValue",
            &self.link.log,
            no_such_field,
        )
    }

    fn CommandLinkClicked(&self, field: u32) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::CommandLinkClicked",
            &self.link.log,
            || {
                if field != LINK_FIELD {
                    return no_such_field();
                }
                let events = self.events.borrow().clone();
                self.link.open_reset(events.as_ref(), None)
            },
        )
    }

    fn GetSerialization(
        &self,
        response: *mut CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE,
        _serialization: *mut CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
        status_text: *mut PWSTR,
        status_icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::GetSerialization",
            &self.link.log,
            || {
                if response.is_null() {
                    return Err(E_POINTER.into());
                }
                // SAFETY: response is non-null; the optional outputs are written only when non-null.
                unsafe {
                    *response = CPGSR_NO_CREDENTIAL_NOT_FINISHED;
                    if !status_text.is_null() {
                        *status_text = PWSTR::null();
                    }
                    if !status_icon.is_null() {
                        *status_icon = CPSI_NONE;
                    }
                }
                Ok(())
            },
        )
    }

    fn ReportResult(
        &self,
        _status: NTSTATUS,
        _substatus: NTSTATUS,
        status_text: *mut PWSTR,
        status_icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderCredential::ReportResult",
            &self.link.log,
            || {
                // SAFETY: each optional output is written only when non-null.
                unsafe {
                    if !status_text.is_null() {
                        *status_text = PWSTR::null();
                    }
                    if !status_icon.is_null() {
                        *status_icon = CPSI_NONE;
                    }
                }
                Ok(())
            },
        )
    }
}
