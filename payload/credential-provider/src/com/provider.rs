//! The credential provider LogonUI creates: decides at `SetUsageScenario` what to show (see
//! `presentation`), then either passes LogonUI's calls to the wrapped inbox password provider
//! (adding our link field to its descriptors and wrapping each credential) or shows the fallback
//! tile, or nothing.
//!
//! The provider's state sits in a `RefCell`. Each borrow lasts one statement of a small helper
//! here and is never held across a call out (to the inner provider, to COM, to LogonUI's events):
//! values leave the state as clones, and replaced values (whose drop may release a COM object)
//! are dropped after the borrow ends. Cloning an interface (`AddRef`) under a borrow is fine: it
//! runs no code that could call us back.

use std::cell::RefCell;
use std::rc::Rc;

use sspr_settings::Settings;
use windows::Win32::Foundation::{E_INVALIDARG, E_NOTIMPL, E_POINTER, E_UNEXPECTED};
use windows::Win32::UI::Shell::{
    ICredentialProvider, ICredentialProviderCredential, ICredentialProviderEvents,
    ICredentialProviderSetUserArray, ICredentialProviderSetUserArray_Impl,
    ICredentialProviderUserArray, ICredentialProvider_Impl, CPFT_COMMAND_LINK,
    CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR,
    CREDENTIAL_PROVIDER_FIELD_TYPE, CREDENTIAL_PROVIDER_USAGE_SCENARIO,
};
use windows_core::{implement, Ref, BOOL, GUID};

use super::co_mem::field_descriptor;
use super::fallback_credential::FallbackCredential;
use super::link::LinkContext;
use super::log_sinks::open_logger;
use super::provider_mode::{self, forward_users, Mode};
use super::settings_snapshot::{current_settings, log_freshness};
use super::system::process_and_thread;
use super::wrapped_credential::wrap;
use super::{entry, inner_provider};
use crate::field_layout::{Slot, WrappedLayout};
use crate::fields;
use crate::lifetime::LiveObject;
use crate::logging::{describe_settings, hresult_text, Logger};
use crate::presentation::{HiddenReason, Situation};
use crate::scenario::UsageScenario;
use crate::session::{CurrentSession, SessionInfo};
use crate::wrapper_health;

/// `CREDENTIAL_PROVIDER_NO_DEFAULT`
const NO_DEFAULT: u32 = u32::MAX;

#[implement(ICredentialProvider, ICredentialProviderSetUserArray)]
pub struct Provider {
    session: Box<dyn SessionInfo>,
    state: RefCell<State>,
    _live: LiveObject,
}

#[derive(Default)]
struct State {
    log: Logger,
    link: Option<Rc<LinkContext>>,
    mode: Mode,
    /// LogonUI's provider events, kept so an inner provider created after `Advise` gets them too.
    events: Option<(ICredentialProviderEvents, usize)>,
    /// LogonUI's user list (Windows 8+), kept because it may arrive before the inner provider.
    users: Option<ICredentialProviderUserArray>,
}

/// What the provider shows once its descriptor table is known.
enum View {
    Hidden(HiddenReason),
    Fallback(Rc<LinkContext>),
    Wrapped {
        inner: ICredentialProvider,
        layout: Rc<WrappedLayout>,
        link: Rc<LinkContext>,
    },
}

/// What the state alone tells: the view, or a wrapped provider whose field table is unread.
enum Known {
    View(View),
    Unread {
        inner: ICredentialProvider,
        with_link: bool,
    },
}

impl Provider {
    pub fn new() -> Self {
        Self::with_session(Box::new(CurrentSession))
    }

    pub fn with_session(session: Box<dyn SessionInfo>) -> Self {
        Self {
            session,
            state: RefCell::new(State::default()),
            _live: LiveObject::new(),
        }
    }

    fn log(&self) -> Logger {
        self.state.borrow().log.clone()
    }

    fn link(&self) -> windows_core::Result<Rc<LinkContext>> {
        self.state
            .borrow()
            .link
            .clone()
            .ok_or_else(|| E_UNEXPECTED.into())
    }

    /// Replaces the mode and hands back the old one, to be dropped after the borrow (dropping
    /// it may release the inner provider or its credentials).
    fn replace_mode(&self, mode: Mode) -> Mode {
        std::mem::replace(&mut self.state.borrow_mut().mode, mode)
    }

    /// The view, reading the inner provider's field table the first time. If that fails before
    /// anything was shown, the fallback tile takes over (or nothing, in pass-through mode).
    fn view(&self) -> windows_core::Result<View> {
        match self.known_view()? {
            Known::View(view) => Ok(view),
            Known::Unread { inner, with_link } => self.read_layout(inner, with_link),
        }
    }

    /// The view as far as the state tells it, without calling out.
    fn known_view(&self) -> windows_core::Result<Known> {
        let state = self.state.borrow();
        let link = || {
            state
                .link
                .clone()
                .ok_or_else(|| windows_core::Error::from(E_UNEXPECTED))
        };
        Ok(match &state.mode {
            Mode::Unset => return Err(E_UNEXPECTED.into()),
            Mode::Hidden(reason) => Known::View(View::Hidden(*reason)),
            Mode::Fallback { .. } => Known::View(View::Fallback(link()?)),
            Mode::Wrapped(wrapped) => match &wrapped.layout {
                Some(layout) => Known::View(View::Wrapped {
                    inner: wrapped.inner.clone(),
                    layout: Rc::clone(layout),
                    link: link()?,
                }),
                None => Known::Unread {
                    inner: wrapped.inner.clone(),
                    with_link: wrapped.with_link,
                },
            },
        })
    }

    /// Reads the inner provider's field table (a call out, with no borrow held) and records the
    /// layout, or gives the inner provider up.
    fn read_layout(
        &self,
        inner: ICredentialProvider,
        with_link: bool,
    ) -> windows_core::Result<View> {
        let log = self.log();
        match inner_provider::describe_fields(&inner) {
            Ok(fields) => {
                let layout = Rc::new(WrappedLayout::new(fields, with_link));
                log.info(|| {
                    format!(
                        "wrapping the password provider: {} fields of its own, our link {}",
                        layout.inner_fields().len(),
                        layout
                            .link_id()
                            .map_or("hidden".to_owned(), |id| format!("is field {id}"))
                    )
                });
                if let Mode::Wrapped(wrapped) = &mut self.state.borrow_mut().mode {
                    wrapped.layout = Some(Rc::clone(&layout));
                }
                Ok(View::Wrapped {
                    inner,
                    layout,
                    link: self.link()?,
                })
            }
            Err(error) => {
                wrapper_health::record_failure();
                log.error(|| {
                    format!(
                        "the password provider's fields cannot be read ({}): {}",
                        hresult_text(error.code().0),
                        if with_link {
                            "showing our own tile instead"
                        } else {
                            "showing nothing"
                        }
                    )
                });
                // SAFETY: inner is live; it is being dropped, so it must let go of LogonUI.
                let _ = unsafe { inner.UnAdvise() };
                if with_link {
                    drop(self.replace_mode(Mode::Fallback { tile: None }));
                    Ok(View::Fallback(self.link()?))
                } else {
                    drop(self.replace_mode(Mode::Hidden(HiddenReason::Disabled)));
                    Ok(View::Hidden(HiddenReason::Disabled))
                }
            }
        }
    }

    fn wrapped_inner(&self) -> Option<ICredentialProvider> {
        match &self.state.borrow().mode {
            Mode::Wrapped(wrapped) => Some(wrapped.inner.clone()),
            _ => None,
        }
    }

    /// LogonUI's user list and events as given so far (clones: the borrow ends here).
    fn logon_ui_handles(
        &self,
    ) -> (
        Option<ICredentialProviderUserArray>,
        Option<(ICredentialProviderEvents, usize)>,
    ) {
        let state = self.state.borrow();
        (state.users.clone(), state.events.clone())
    }

    /// `SetUsageScenario`: read the settings, decide and build what to show (creating and
    /// connecting the inner provider), then install it. Only the last step touches the state.
    fn set_usage_scenario(
        &self,
        cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
        flags: u32,
    ) -> windows_core::Result<()> {
        let scenario = UsageScenario::from_raw(cpus.0);
        if !scenario.is_supported() {
            return Err(E_NOTIMPL.into());
        }
        // The process's snapshot, re-read after any change notified on the settings' keys:
        // an admin's change applies at the next screen.
        let (settings, freshness) = current_settings();
        let log = open_logger(settings.enable_logging.value);
        log.info(|| {
            let (pid, _) = process_and_thread();
            format!("SetUsageScenario({scenario:?}, flags=0x{flags:08X}) in process {pid}")
        });
        log_freshness(&log, &freshness);
        log.info(|| describe_settings(&settings));

        let situation = Situation {
            disabled: settings.disabled.value,
            remote_session: self.session.is_remote(),
            inbox_hidden_by_filter: wrapper_health::inbox_hidden_for(cpus.0),
        };
        let mode = provider_mode::choose(situation, cpus, flags, &log);
        if let Mode::Wrapped(wrapped) = &mode {
            // LogonUI's user list and events may have come before the inner provider existed.
            let (users, events) = self.logon_ui_handles();
            provider_mode::connect(&wrapped.inner, users.as_ref(), events.as_ref(), &log);
        }
        self.install(mode, &settings, log);
        Ok(())
    }

    /// Makes `mode`, the link for `settings` and `log` the provider's; what they replace is
    /// dropped once the borrow has ended.
    fn install(&self, mode: Mode, settings: &Settings, log: Logger) {
        let link = Rc::new(LinkContext {
            link_text: settings.link_text.value.clone(),
            portal_url: settings.portal_url.value.clone(),
            log: log.clone(),
        });
        let replaced = {
            let mut state = self.state.borrow_mut();
            state.link = Some(link);
            state.log = log;
            std::mem::replace(&mut state.mode, mode)
        };
        drop(replaced);
    }
}

impl ICredentialProvider_Impl for Provider_Impl {
    fn SetUsageScenario(
        &self,
        cpus: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
        flags: u32,
    ) -> windows_core::Result<()> {
        entry("ICredentialProvider::SetUsageScenario", &self.log(), || {
            self.set_usage_scenario(cpus, flags)
        })
    }

    fn SetSerialization(
        &self,
        serialization: *const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProvider::SetSerialization",
            &self.log(),
            || match self.wrapped_inner() {
                // SAFETY: inner is live; LogonUI's serialization pointer passes through unread.
                Some(inner) => unsafe { inner.SetSerialization(serialization) },
                None => Err(E_NOTIMPL.into()),
            },
        )
    }

    fn Advise(
        &self,
        events: Ref<'_, ICredentialProviderEvents>,
        context: usize,
    ) -> windows_core::Result<()> {
        entry("ICredentialProvider::Advise", &self.log(), || {
            let events = events.cloned();
            let replaced = std::mem::replace(
                &mut self.state.borrow_mut().events,
                events.clone().map(|e| (e, context)),
            );
            drop(replaced);
            match self.wrapped_inner() {
                // The inner provider's CredentialsChanged goes straight to LogonUI with our
                // context: LogonUI then asks us again, and we re-wrap.
                // SAFETY: inner is live; events is LogonUI's interface or null.
                Some(inner) => unsafe { inner.Advise(events.as_ref(), context) },
                None => Ok(()),
            }
        })
    }

    fn UnAdvise(&self) -> windows_core::Result<()> {
        entry("ICredentialProvider::UnAdvise", &self.log(), || {
            let replaced = self.state.borrow_mut().events.take();
            drop(replaced);
            match self.wrapped_inner() {
                // SAFETY: inner is live.
                Some(inner) => unsafe { inner.UnAdvise() },
                None => Ok(()),
            }
        })
    }

    fn GetFieldDescriptorCount(&self) -> windows_core::Result<u32> {
        entry(
            "ICredentialProvider::GetFieldDescriptorCount",
            &self.log(),
            || {
                Ok(match self.view()? {
                    View::Hidden(_) => 0,
                    View::Fallback(_) => fields::TILE_FIELDS.len() as u32,
                    View::Wrapped { layout, .. } => layout.descriptor_count(),
                })
            },
        )
    }

    fn GetFieldDescriptorAt(
        &self,
        index: u32,
    ) -> windows_core::Result<*mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR> {
        entry(
            "ICredentialProvider::GetFieldDescriptorAt",
            &self.log(),
            || match self.view()? {
                View::Hidden(_) => Err(E_INVALIDARG.into()),
                View::Fallback(link) => {
                    let field = fields::descriptor_at(index)
                        .ok_or(windows_core::Error::from(E_INVALIDARG))?;
                    field_descriptor(
                        field.id,
                        CREDENTIAL_PROVIDER_FIELD_TYPE(field.kind as i32),
                        &fields::label_of(field, &link.link_text),
                        GUID::zeroed(),
                    )
                }
                View::Wrapped {
                    inner,
                    layout,
                    link,
                } => match layout.slot(index) {
                    // SAFETY: inner is live; its CoTaskMemAlloc descriptor passes to LogonUI.
                    Some(Slot::Inner(inner_index)) => unsafe {
                        inner.GetFieldDescriptorAt(inner_index)
                    },
                    Some(Slot::Link) => field_descriptor(
                        layout
                            .link_id()
                            .ok_or(windows_core::Error::from(E_UNEXPECTED))?,
                        CPFT_COMMAND_LINK,
                        &link.link_text,
                        GUID::zeroed(),
                    ),
                    None => Err(E_INVALIDARG.into()),
                },
            },
        )
    }

    fn GetCredentialCount(
        &self,
        count: *mut u32,
        default: *mut u32,
        autologon: *mut BOOL,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProvider::GetCredentialCount",
            &self.log(),
            || {
                if count.is_null() || default.is_null() || autologon.is_null() {
                    return Err(E_POINTER.into());
                }
                let (n, d, a) = match self.view()? {
                    View::Hidden(reason) => {
                        self.log().info(|| format!("no tiles: {reason:?}"));
                        (0, NO_DEFAULT, BOOL(0))
                    }
                    View::Fallback(link) => {
                        let mut state = self.state.borrow_mut();
                        if let Mode::Fallback { tile } = &mut state.mode {
                            if tile.is_none() {
                                *tile = Some(FallbackCredential::new(link).into());
                            }
                        }
                        // Never the default: our tile must not take the focus from a password box.
                        (1, NO_DEFAULT, BOOL(0))
                    }
                    View::Wrapped {
                        inner,
                        layout,
                        link,
                    } => {
                        let (mut n, mut d, mut a) = (0u32, NO_DEFAULT, BOOL(0));
                        // SAFETY: inner is live; the three locals are valid out-pointers.
                        unsafe { inner.GetCredentialCount(&mut n, &mut d, &mut a) }?;
                        let wrapped = (0..n)
                            .map(|index| {
                                // SAFETY: inner is live; index is below its own count.
                                let credential = unsafe { inner.GetCredentialAt(index) }?;
                                Ok(wrap(credential, Rc::clone(&layout), Rc::clone(&link)))
                            })
                            .collect::<windows_core::Result<Vec<_>>>()?;
                        let replaced = match &mut self.state.borrow_mut().mode {
                            Mode::Wrapped(state) => {
                                std::mem::replace(&mut state.credentials, wrapped)
                            }
                            _ => wrapped,
                        };
                        drop(replaced);
                        // One wrapper per inner credential, in order: the default index stays valid.
                        (n, d, a)
                    }
                };
                self.log()
                    .info(|| format!("{n} credential(s), default {d}, autologon {}", a.0));
                // SAFETY: all three out-pointers are non-null (checked above).
                unsafe {
                    *count = n;
                    *default = d;
                    *autologon = a;
                }
                Ok(())
            },
        )
    }

    fn GetCredentialAt(&self, index: u32) -> windows_core::Result<ICredentialProviderCredential> {
        entry("ICredentialProvider::GetCredentialAt", &self.log(), || {
            let state = self.state.borrow();
            let found = match &state.mode {
                Mode::Fallback { tile: Some(tile) } if index == 0 => Some(tile.clone()),
                Mode::Wrapped(wrapped) => usize::try_from(index)
                    .ok()
                    .and_then(|i| wrapped.credentials.get(i).cloned()),
                _ => None,
            };
            found.ok_or_else(|| E_INVALIDARG.into())
        })
    }
}

impl ICredentialProviderSetUserArray_Impl for Provider_Impl {
    fn SetUserArray(
        &self,
        users: Ref<'_, ICredentialProviderUserArray>,
    ) -> windows_core::Result<()> {
        entry(
            "ICredentialProviderSetUserArray::SetUserArray",
            &self.log(),
            || {
                let users = users.cloned();
                let replaced = std::mem::replace(&mut self.state.borrow_mut().users, users.clone());
                drop(replaced);
                match (self.wrapped_inner(), users) {
                    (Some(inner), Some(users)) => forward_users(&inner, &users),
                    _ => Ok(()),
                }
            },
        )
    }
}
