//! A credential of the inbox password provider, wrapped: every call passes through to it, except
//! those for our link field, which we answer. LogonUI sees one credential, ours.
//!
//! Two classes, because `ICredentialProviderCredential2` (Windows 8+: the tile belongs to a user)
//! must be offered exactly when the inner credential has it. Both also answer
//! `ICredentialProviderCredentialWithFieldOptions`, forwarding it when the inner credential has
//! it and otherwise giving `CPCFO_NONE`, which is what LogonUI assumes without the interface.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::{E_INVALIDARG, NTSTATUS};
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::UI::Shell::{
    ICredentialProviderCredential, ICredentialProviderCredential2,
    ICredentialProviderCredential2_Impl, ICredentialProviderCredentialEvents,
    ICredentialProviderCredentialWithFieldOptions,
    ICredentialProviderCredentialWithFieldOptions_Impl, ICredentialProviderCredential_Impl,
    CPCFO_NONE, CPFS_DISPLAY_IN_SELECTED_TILE, CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS,
    CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION, CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
    CREDENTIAL_PROVIDER_FIELD_STATE, CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE,
    CREDENTIAL_PROVIDER_STATUS_ICON,
};
use windows_core::{implement, IUnknownImpl as _, Interface, Ref, BOOL, PCWSTR, PWSTR};

use super::co_mem::{co_task_wide, take_wide};
use super::credential_events::EventsRelay;
use super::entry;
use super::fallback_credential::answer_field_state;
use super::link::{self, LinkContext};
use crate::field_layout::{Route, WrappedLayout};
use crate::lifetime::LiveObject;
use crate::user_name;

/// Wraps `inner` for LogonUI, with `Credential2` exactly when `inner` has it.
pub fn wrap(
    inner: ICredentialProviderCredential,
    layout: Rc<WrappedLayout>,
    link: Rc<LinkContext>,
) -> ICredentialProviderCredential {
    let inner2 = inner.cast::<ICredentialProviderCredential2>().ok();
    let options = inner
        .cast::<ICredentialProviderCredentialWithFieldOptions>()
        .ok();
    let has_credential2 = inner2.is_some();
    let core = WrapCore {
        inner,
        inner2,
        options,
        layout,
        link,
        events: RefCell::new(None),
        relay: RefCell::new(None),
        _live: LiveObject::new(),
    };
    if has_credential2 {
        ICredentialProviderCredential2::from(WrappedCredential2 { core }).into()
    } else {
        WrappedCredential { core }.into()
    }
}

/// What both classes hold and do.
struct WrapCore {
    inner: ICredentialProviderCredential,
    inner2: Option<ICredentialProviderCredential2>,
    options: Option<ICredentialProviderCredentialWithFieldOptions>,
    layout: Rc<WrappedLayout>,
    link: Rc<LinkContext>,
    /// LogonUI's events object (for `OnCreatingWindow`).
    events: RefCell<Option<ICredentialProviderCredentialEvents>>,
    /// The relay handed to the inner credential in its place.
    relay: RefCell<Option<Rc<EventsRelay>>>,
    _live: LiveObject,
}

impl Drop for WrapCore {
    fn drop(&mut self) {
        if let Some(relay) = self.relay.get_mut().take() {
            relay.detach();
        }
    }
}

impl WrapCore {
    fn is_link(&self, field: u32) -> bool {
        self.layout.route(field) == Route::Link
    }

    fn advise(
        &self,
        events: Option<ICredentialProviderCredentialEvents>,
        outer: &ICredentialProviderCredential,
    ) -> windows_core::Result<()> {
        if let Some(old) = self.relay.borrow_mut().take() {
            old.detach();
        }
        *self.events.borrow_mut() = events.clone();
        let proxy = match events {
            Some(events) => {
                let relay = EventsRelay::new(events, outer, self.link.log.clone());
                let proxy = relay.proxy();
                *self.relay.borrow_mut() = Some(relay);
                Some(proxy)
            }
            None => None,
        };
        // SAFETY: inner is live; the proxy (or null) is a valid events interface.
        unsafe { self.inner.Advise(proxy.as_ref()) }
    }

    fn unadvise(&self) -> windows_core::Result<()> {
        // SAFETY: inner is live.
        let result = unsafe { self.inner.UnAdvise() };
        if let Some(relay) = self.relay.borrow_mut().take() {
            relay.detach();
        }
        self.events.borrow_mut().take();
        result
    }

    /// The user this tile is for: its user-name field, else the account of its SID.
    fn user(&self) -> Option<String> {
        let from_field = user_name::user_name_field(self.layout.inner_fields())
            .and_then(|field| link::user_from_field(&self.inner, field));
        from_field.or_else(|| {
            // SAFETY: inner2 is live; GetUserSid returns a CoTaskMemAlloc string that is ours.
            let sid = unsafe { self.inner2.as_ref()?.GetUserSid() }.ok()?;
            // SAFETY: see above.
            link::user_from_sid(&unsafe { take_wide(sid) })
        })
    }

    fn command_link_clicked(&self, field: u32) -> windows_core::Result<()> {
        if !self.is_link(field) {
            // SAFETY: inner is live; the field is the inner's own.
            return unsafe { self.inner.CommandLinkClicked(field) };
        }
        let user = self.user();
        let events = self.events.borrow().clone();
        self.link.open_reset(events.as_ref(), user)
    }
}

#[implement(
    ICredentialProviderCredential,
    ICredentialProviderCredentialWithFieldOptions
)]
struct WrappedCredential {
    core: WrapCore,
}

#[implement(
    ICredentialProviderCredential2,
    ICredentialProviderCredentialWithFieldOptions
)]
struct WrappedCredential2 {
    core: WrapCore,
}

/// The pass-through `ICredentialProviderCredential` and field options for both classes.
macro_rules! wrapped_credential_methods {
    ($class:ident, $identity:ty) => {
        impl ICredentialProviderCredential_Impl for $class {
            fn Advise(
                &self,
                events: Ref<'_, ICredentialProviderCredentialEvents>,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::Advise",
                    &core.link.log,
                    || {
                        // The relay names this object, as LogonUI knows it, in the inner's events.
                        let identity = self.as_interface::<$identity>();
                        let outer: &ICredentialProviderCredential = &identity;
                        core.advise(events.cloned(), outer)
                    },
                )
            }

            fn UnAdvise(&self) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::UnAdvise",
                    &core.link.log,
                    || core.unadvise(),
                )
            }

            fn SetSelected(&self) -> windows_core::Result<BOOL> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::SetSelected",
                    &core.link.log,
                    || {
                        // SAFETY: inner is live.
                        unsafe { core.inner.SetSelected() }
                    },
                )
            }

            fn SetDeselected(&self) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::SetDeselected",
                    &core.link.log,
                    || {
                        // SAFETY: inner is live.
                        unsafe { core.inner.SetDeselected() }
                    },
                )
            }

            fn GetFieldState(
                &self,
                field: u32,
                state: *mut CREDENTIAL_PROVIDER_FIELD_STATE,
                interactive: *mut CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetFieldState",
                    &core.link.log,
                    || {
                        if !core.is_link(field) {
                            // SAFETY: inner is live; LogonUI's out-pointers pass through.
                            return unsafe { core.inner.GetFieldState(field, state, interactive) };
                        }
                        // SAFETY: LogonUI's out-pointers, each null or writable.
                        unsafe {
                            answer_field_state(state, interactive, || {
                                Ok(CPFS_DISPLAY_IN_SELECTED_TILE)
                            })
                        }
                    },
                )
            }

            fn GetStringValue(&self, field: u32) -> windows_core::Result<PWSTR> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetStringValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            co_task_wide(&core.link.link_text)
                        } else {
                            // SAFETY: inner is live; its CoTaskMemAlloc string passes to LogonUI.
                            unsafe { core.inner.GetStringValue(field) }
                        }
                    },
                )
            }

            fn GetBitmapValue(&self, field: u32) -> windows_core::Result<HBITMAP> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetBitmapValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live.
                        unsafe { core.inner.GetBitmapValue(field) }
                    },
                )
            }

            fn GetCheckboxValue(
                &self,
                field: u32,
                checked: *mut BOOL,
                label: *mut PWSTR,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetCheckboxValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live; LogonUI's out-pointers pass through.
                        unsafe { core.inner.GetCheckboxValue(field, checked, label) }
                    },
                )
            }

            fn GetSubmitButtonValue(&self, field: u32) -> windows_core::Result<u32> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetSubmitButtonValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live.
                        unsafe { core.inner.GetSubmitButtonValue(field) }
                    },
                )
            }

            fn GetComboBoxValueCount(
                &self,
                field: u32,
                items: *mut u32,
                selected: *mut u32,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetComboBoxValueCount",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live; LogonUI's out-pointers pass through.
                        unsafe { core.inner.GetComboBoxValueCount(field, items, selected) }
                    },
                )
            }

            fn GetComboBoxValueAt(&self, field: u32, item: u32) -> windows_core::Result<PWSTR> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::GetComboBoxValueAt",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live.
                        unsafe { core.inner.GetComboBoxValueAt(field, item) }
                    },
                )
            }

            fn SetStringValue(&self, field: u32, text: &PCWSTR) -> windows_core::Result<()> {
                let core = &self.core;
                let text = *text;
                // The value (a password, perhaps) is handed on and never read or logged here.
                entry(
                    "ICredentialProviderCredential::SetStringValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live; text is LogonUI's string, valid for this call.
                        unsafe { core.inner.SetStringValue(field, text) }
                    },
                )
            }

            fn SetCheckboxValue(&self, field: u32, checked: BOOL) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::SetCheckboxValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live.
                        unsafe { core.inner.SetCheckboxValue(field, checked.as_bool()) }
                    },
                )
            }

            fn SetComboBoxSelectedValue(&self, field: u32, item: u32) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::SetComboBoxSelectedValue",
                    &core.link.log,
                    || {
                        if core.is_link(field) {
                            return Err(E_INVALIDARG.into());
                        }
                        // SAFETY: inner is live.
                        unsafe { core.inner.SetComboBoxSelectedValue(field, item) }
                    },
                )
            }

            fn CommandLinkClicked(&self, field: u32) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::CommandLinkClicked",
                    &core.link.log,
                    || core.command_link_clicked(field),
                )
            }

            fn GetSerialization(
                &self,
                response: *mut CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE,
                serialization: *mut CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
                status_text: *mut PWSTR,
                status_icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                // The serialized credential passes straight through; we never look inside it.
                entry(
                    "ICredentialProviderCredential::GetSerialization",
                    &core.link.log,
                    || {
                        // SAFETY: inner is live; LogonUI's out-pointers pass through.
                        unsafe {
                            core.inner.GetSerialization(
                                response,
                                serialization,
                                status_text,
                                status_icon,
                            )
                        }
                    },
                )
            }

            fn ReportResult(
                &self,
                status: NTSTATUS,
                substatus: NTSTATUS,
                status_text: *mut PWSTR,
                status_icon: *mut CREDENTIAL_PROVIDER_STATUS_ICON,
            ) -> windows_core::Result<()> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredential::ReportResult",
                    &core.link.log,
                    || {
                        core.link.log.debug(|| {
                            format!(
                                "ReportResult status=0x{:08X} substatus=0x{:08X}",
                                status.0, substatus.0
                            )
                        });
                        // SAFETY: inner is live; LogonUI's out-pointers pass through.
                        unsafe {
                            core.inner
                                .ReportResult(status, substatus, status_text, status_icon)
                        }
                    },
                )
            }
        }

        impl ICredentialProviderCredentialWithFieldOptions_Impl for $class {
            fn GetFieldOptions(
                &self,
                field: u32,
            ) -> windows_core::Result<CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS> {
                let core = &self.core;
                entry(
                    "ICredentialProviderCredentialWithFieldOptions::GetFieldOptions",
                    &core.link.log,
                    || {
                        match &core.options {
                            // SAFETY: the inner options interface is live.
                            Some(options) if !core.is_link(field) => unsafe {
                                options.GetFieldOptions(field)
                            },
                            _ => Ok(CPCFO_NONE),
                        }
                    },
                )
            }
        }
    };
}

wrapped_credential_methods!(WrappedCredential_Impl, ICredentialProviderCredential);
wrapped_credential_methods!(WrappedCredential2_Impl, ICredentialProviderCredential2);

impl ICredentialProviderCredential2_Impl for WrappedCredential2_Impl {
    fn GetUserSid(&self) -> windows_core::Result<PWSTR> {
        let core = &self.core;
        entry(
            "ICredentialProviderCredential2::GetUserSid",
            &core.link.log,
            || {
                match &core.inner2 {
                    // SAFETY: inner2 is live; its CoTaskMemAlloc string passes to LogonUI.
                    Some(inner2) => unsafe { inner2.GetUserSid() },
                    None => Err(E_INVALIDARG.into()),
                }
            },
        )
    }
}
