//! The events object we give a wrapped credential in place of LogonUI's.
//!
//! The inner credential reports changes (`SetFieldString`, `SetFieldState`, ...) passing itself
//! as the credential; LogonUI knows only our wrapper, so each call is relayed with the wrapper in
//! its place. Field ids pass through unchanged (see `field_layout`). The relay holds the wrapper
//! without a reference (the wrapper owns the inner credential, which owns this object), and the
//! wrapper detaches it before it goes away.
//!
//! Two classes: LogonUI's events object has `ICredentialProviderCredentialEvents2` on Windows 8 and
//! later, and the inner credential must see exactly what LogonUI offers.

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;

use windows::Win32::Foundation::{E_UNEXPECTED, HWND};
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::UI::Shell::{
    ICredentialProviderCredential, ICredentialProviderCredentialEvents,
    ICredentialProviderCredentialEvents2, ICredentialProviderCredentialEvents2_Impl,
    ICredentialProviderCredentialEvents_Impl, CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS,
    CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE, CREDENTIAL_PROVIDER_FIELD_STATE,
};
use windows_core::{implement, Interface, Ref, BOOL, PCWSTR};

use super::entry;
use crate::lifetime::LiveObject;
use crate::logging::Logger;

/// LogonUI's events object plus the wrapper to name in its place.
pub struct EventsRelay {
    logonui: ICredentialProviderCredentialEvents,
    logonui2: Option<ICredentialProviderCredentialEvents2>,
    /// The wrapper's `ICredentialProviderCredential`, not counted; null once detached.
    outer: Cell<*mut c_void>,
    log: Logger,
}

impl EventsRelay {
    /// A relay for `outer` (the wrapper's interface pointer, which must call [`detach`] before
    /// it is destroyed) to LogonUI's `events`.
    ///
    /// [`detach`]: EventsRelay::detach
    pub fn new(
        events: ICredentialProviderCredentialEvents,
        outer: &ICredentialProviderCredential,
        log: Logger,
    ) -> Rc<Self> {
        let logonui2 = events.cast::<ICredentialProviderCredentialEvents2>().ok();
        Rc::new(Self {
            logonui: events,
            logonui2,
            outer: Cell::new(outer.as_raw()),
            log,
        })
    }

    /// The events object to hand the inner credential: with `Events2` exactly when LogonUI's has it.
    pub fn proxy(self: &Rc<Self>) -> ICredentialProviderCredentialEvents {
        if self.logonui2.is_some() {
            ICredentialProviderCredentialEvents2::from(CredentialEventsProxy2 {
                relay: Rc::clone(self),
                _live: LiveObject::new(),
            })
            .into()
        } else {
            CredentialEventsProxy {
                relay: Rc::clone(self),
                _live: LiveObject::new(),
            }
            .into()
        }
    }

    /// Forget the wrapper: later events from the inner credential are refused.
    pub fn detach(&self) {
        self.outer.set(std::ptr::null_mut());
    }

    /// Calls `forward` with LogonUI's events and the wrapper, if still attached.
    fn with_outer<T>(
        &self,
        forward: impl FnOnce(
            &ICredentialProviderCredentialEvents,
            &ICredentialProviderCredential,
        ) -> windows_core::Result<T>,
    ) -> windows_core::Result<T> {
        let raw = self.outer.get();
        // SAFETY: a non-null pointer is the wrapper's live interface: the wrapper detaches this
        // relay before it is destroyed, and everything runs on LogonUI's apartment thread.
        let outer = unsafe { ICredentialProviderCredential::from_raw_borrowed(&raw) };
        match outer {
            Some(outer) => forward(&self.logonui, outer),
            None => Err(E_UNEXPECTED.into()),
        }
    }

    /// One relayed method: [`entry`] (its panic guard and log line) around [`with_outer`].
    ///
    /// [`with_outer`]: EventsRelay::with_outer
    fn forward(
        &self,
        method: &'static str,
        call: impl FnOnce(
            &ICredentialProviderCredentialEvents,
            &ICredentialProviderCredential,
        ) -> windows_core::Result<()>,
    ) -> windows_core::Result<()> {
        entry(method, &self.log, || self.with_outer(call))
    }

    fn events2(&self) -> windows_core::Result<&ICredentialProviderCredentialEvents2> {
        self.logonui2.as_ref().ok_or_else(|| E_UNEXPECTED.into())
    }
}

#[implement(ICredentialProviderCredentialEvents)]
struct CredentialEventsProxy {
    relay: Rc<EventsRelay>,
    _live: LiveObject,
}

#[implement(ICredentialProviderCredentialEvents2)]
struct CredentialEventsProxy2 {
    relay: Rc<EventsRelay>,
    _live: LiveObject,
}

/// `ICredentialProviderCredentialEvents` for both proxy classes: relay with the wrapper swapped in.
macro_rules! relay_credential_events {
    ($class:ident) => {
        impl ICredentialProviderCredentialEvents_Impl for $class {
            fn SetFieldState(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                state: CREDENTIAL_PROVIDER_FIELD_STATE,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldState",
                    // SAFETY: both interfaces are live; the arguments are the inner's own.
                    |events, outer| unsafe { events.SetFieldState(outer, field, state) },
                )
            }

            fn SetFieldInteractiveState(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                state: CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldInteractiveState",
                    // SAFETY: both interfaces are live; the arguments are the inner's own.
                    |events, outer| unsafe { events.SetFieldInteractiveState(outer, field, state) },
                )
            }

            fn SetFieldString(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                text: &PCWSTR,
            ) -> windows_core::Result<()> {
                let text = *text;
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldString",
                    // SAFETY: both interfaces are live; text is the inner's string, valid for
                    // this call.
                    |events, outer| unsafe { events.SetFieldString(outer, field, text) },
                )
            }

            fn SetFieldCheckbox(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                checked: BOOL,
                label: &PCWSTR,
            ) -> windows_core::Result<()> {
                let label = *label;
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldCheckbox",
                    // SAFETY: both interfaces are live; label is valid for this call.
                    |events, outer| unsafe {
                        events.SetFieldCheckbox(outer, field, checked.as_bool(), label)
                    },
                )
            }

            fn SetFieldBitmap(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                bitmap: HBITMAP,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldBitmap",
                    // SAFETY: both interfaces are live; the bitmap handle is the inner's.
                    |events, outer| unsafe { events.SetFieldBitmap(outer, field, bitmap) },
                )
            }

            fn SetFieldComboBoxSelectedItem(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: u32,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldComboBoxSelectedItem",
                    // SAFETY: both interfaces are live.
                    |events, outer| unsafe {
                        events.SetFieldComboBoxSelectedItem(outer, field, item)
                    },
                )
            }

            fn DeleteFieldComboBoxItem(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: u32,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::DeleteFieldComboBoxItem",
                    // SAFETY: both interfaces are live.
                    |events, outer| unsafe { events.DeleteFieldComboBoxItem(outer, field, item) },
                )
            }

            fn AppendFieldComboBoxItem(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: &PCWSTR,
            ) -> windows_core::Result<()> {
                let item = *item;
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::AppendFieldComboBoxItem",
                    // SAFETY: both interfaces are live; item is valid for this call.
                    |events, outer| unsafe { events.AppendFieldComboBoxItem(outer, field, item) },
                )
            }

            fn SetFieldSubmitButton(
                &self,
                _pcpc: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                adjacent_to: u32,
            ) -> windows_core::Result<()> {
                self.relay.forward(
                    "ICredentialProviderCredentialEvents::SetFieldSubmitButton",
                    // SAFETY: both interfaces are live.
                    |events, outer| unsafe {
                        events.SetFieldSubmitButton(outer, field, adjacent_to)
                    },
                )
            }

            fn OnCreatingWindow(&self) -> windows_core::Result<HWND> {
                let relay = &self.relay;
                entry(
                    "ICredentialProviderCredentialEvents::OnCreatingWindow",
                    &relay.log,
                    || {
                        // SAFETY: LogonUI's events interface is live.
                        unsafe { relay.logonui.OnCreatingWindow() }
                    },
                )
            }
        }
    };
}

relay_credential_events!(CredentialEventsProxy_Impl);
relay_credential_events!(CredentialEventsProxy2_Impl);

impl ICredentialProviderCredentialEvents2_Impl for CredentialEventsProxy2_Impl {
    fn BeginFieldUpdates(&self) -> windows_core::Result<()> {
        let relay = &self.relay;
        entry(
            "ICredentialProviderCredentialEvents2::BeginFieldUpdates",
            &relay.log,
            || {
                // SAFETY: LogonUI's events interface is live.
                unsafe { relay.events2()?.BeginFieldUpdates() }
            },
        )
    }

    fn EndFieldUpdates(&self) -> windows_core::Result<()> {
        let relay = &self.relay;
        entry(
            "ICredentialProviderCredentialEvents2::EndFieldUpdates",
            &relay.log,
            || {
                // SAFETY: LogonUI's events interface is live.
                unsafe { relay.events2()?.EndFieldUpdates() }
            },
        )
    }

    fn SetFieldOptions(
        &self,
        _credential: Ref<'_, ICredentialProviderCredential>,
        field: u32,
        options: CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS,
    ) -> windows_core::Result<()> {
        let relay = &self.relay;
        entry(
            "ICredentialProviderCredentialEvents2::SetFieldOptions",
            &relay.log,
            || {
                let events2 = relay.events2()?;
                // SAFETY: both interfaces are live.
                relay.with_outer(|_, outer| unsafe {
                    events2.SetFieldOptions(outer, field, options)
                })
            },
        )
    }
}
