//! LogonUI's side of the credential events, as the probe plays it: every call is recorded with
//! whether the credential it names is the one LogonUI was given (the wrapper), and
//! `OnCreatingWindow` answers a fixed window handle the reset host's command line must carry.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::HWND;
use windows::Win32::Graphics::Gdi::HBITMAP;
use windows::Win32::UI::Shell::{
    ICredentialProviderCredential, ICredentialProviderCredentialEvents,
    ICredentialProviderCredentialEvents2, ICredentialProviderCredentialEvents2_Impl,
    ICredentialProviderCredentialEvents_Impl, ICredentialProviderEvents,
    ICredentialProviderEvents_Impl, CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS,
    CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE, CREDENTIAL_PROVIDER_FIELD_STATE,
};
use windows_core::{implement, Interface, Ref, BOOL, PCWSTR};

/// The window handle the probe's LogonUI gives out (`--parent-window=68284` on the host's line).
pub const PARENT_WINDOW: usize = 0x10ABC;

/// Calls received, in order, as `Name(field,detail,by=wrapper|other)`.
#[derive(Clone, Default)]
pub struct EventLog {
    calls: Rc<RefCell<Vec<String>>>,
    /// The credential LogonUI knows (raw interface pointer), to tell who is named in a call.
    expected: Rc<RefCell<usize>>,
}

impl EventLog {
    pub fn expect(&self, credential: &ICredentialProviderCredential) {
        *self.expected.borrow_mut() = credential.as_raw() as usize;
    }

    pub fn joined(&self) -> String {
        self.calls.borrow().join(";")
    }

    fn push(
        &self,
        name: &str,
        credential: &Ref<'_, ICredentialProviderCredential>,
        detail: String,
    ) {
        let by = match credential.as_ref() {
            Some(c) if c.as_raw() as usize == *self.expected.borrow() => "wrapper",
            Some(_) => "other",
            None => "null",
        };
        self.calls
            .borrow_mut()
            .push(format!("{name}({detail},by={by})"));
    }
}

/// LogonUI's events object as Windows 7 has it (`ICredentialProviderCredentialEvents` only).
#[implement(ICredentialProviderCredentialEvents)]
pub struct FakeEvents {
    pub log: EventLog,
}

/// LogonUI's events object as Windows 8 and later have it (with `...Events2`).
#[implement(ICredentialProviderCredentialEvents2)]
pub struct FakeEvents2 {
    pub log: EventLog,
}

/// An events object for a credential, the Windows 8+ kind when `events2`.
pub fn events_for(log: &EventLog, events2: bool) -> ICredentialProviderCredentialEvents {
    if events2 {
        ICredentialProviderCredentialEvents2::from(FakeEvents2 { log: log.clone() }).into()
    } else {
        FakeEvents { log: log.clone() }.into()
    }
}

fn text(value: &PCWSTR) -> String {
    if value.is_null() {
        return String::new();
    }
    // SAFETY: the caller passes a NUL-terminated string valid for the call.
    unsafe { value.to_string() }.unwrap_or_default()
}

macro_rules! record_events {
    ($class:ident) => {
        impl ICredentialProviderCredentialEvents_Impl for $class {
            fn SetFieldState(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                state: CREDENTIAL_PROVIDER_FIELD_STATE,
            ) -> windows_core::Result<()> {
                self.log
                    .push("SetFieldState", &c, format!("{field},{}", state.0));
                Ok(())
            }
            fn SetFieldInteractiveState(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                state: CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE,
            ) -> windows_core::Result<()> {
                self.log.push(
                    "SetFieldInteractiveState",
                    &c,
                    format!("{field},{}", state.0),
                );
                Ok(())
            }
            fn SetFieldString(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                value: &PCWSTR,
            ) -> windows_core::Result<()> {
                self.log
                    .push("SetFieldString", &c, format!("{field},{}", text(value)));
                Ok(())
            }
            fn SetFieldCheckbox(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                checked: BOOL,
                label: &PCWSTR,
            ) -> windows_core::Result<()> {
                self.log.push(
                    "SetFieldCheckbox",
                    &c,
                    format!("{field},{},{}", checked.0, text(label)),
                );
                Ok(())
            }
            fn SetFieldBitmap(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                _bitmap: HBITMAP,
            ) -> windows_core::Result<()> {
                self.log.push("SetFieldBitmap", &c, field.to_string());
                Ok(())
            }
            fn SetFieldComboBoxSelectedItem(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: u32,
            ) -> windows_core::Result<()> {
                self.log.push(
                    "SetFieldComboBoxSelectedItem",
                    &c,
                    format!("{field},{item}"),
                );
                Ok(())
            }
            fn DeleteFieldComboBoxItem(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: u32,
            ) -> windows_core::Result<()> {
                self.log
                    .push("DeleteFieldComboBoxItem", &c, format!("{field},{item}"));
                Ok(())
            }
            fn AppendFieldComboBoxItem(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                item: &PCWSTR,
            ) -> windows_core::Result<()> {
                self.log.push(
                    "AppendFieldComboBoxItem",
                    &c,
                    format!("{field},{}", text(item)),
                );
                Ok(())
            }
            fn SetFieldSubmitButton(
                &self,
                c: Ref<'_, ICredentialProviderCredential>,
                field: u32,
                adjacent: u32,
            ) -> windows_core::Result<()> {
                self.log
                    .push("SetFieldSubmitButton", &c, format!("{field},{adjacent}"));
                Ok(())
            }
            fn OnCreatingWindow(&self) -> windows_core::Result<HWND> {
                Ok(HWND(PARENT_WINDOW as _))
            }
        }
    };
}

record_events!(FakeEvents_Impl);
record_events!(FakeEvents2_Impl);

impl ICredentialProviderCredentialEvents2_Impl for FakeEvents2_Impl {
    fn BeginFieldUpdates(&self) -> windows_core::Result<()> {
        self.log
            .calls
            .borrow_mut()
            .push("BeginFieldUpdates".to_owned());
        Ok(())
    }
    fn EndFieldUpdates(&self) -> windows_core::Result<()> {
        self.log
            .calls
            .borrow_mut()
            .push("EndFieldUpdates".to_owned());
        Ok(())
    }
    fn SetFieldOptions(
        &self,
        c: Ref<'_, ICredentialProviderCredential>,
        field: u32,
        options: CREDENTIAL_PROVIDER_CREDENTIAL_FIELD_OPTIONS,
    ) -> windows_core::Result<()> {
        self.log
            .push("SetFieldOptions", &c, format!("{field},{}", options.0));
        Ok(())
    }
}

/// LogonUI's provider events (`CredentialsChanged`), counted.
#[implement(ICredentialProviderEvents)]
pub struct FakeProviderEvents {
    pub changed: Rc<RefCell<u32>>,
}

impl ICredentialProviderEvents_Impl for FakeProviderEvents_Impl {
    fn CredentialsChanged(&self, _context: usize) -> windows_core::Result<()> {
        *self.changed.borrow_mut() += 1;
        Ok(())
    }
}
