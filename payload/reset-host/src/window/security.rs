//! The control's security manager, handed out by the site's `IServiceProvider`: URLs outside the
//! policy (not even allowed as a script or image) are in the Restricted sites zone and may do
//! nothing; allowed URLs are in the Internet zone with downloads, ActiveX, Java, local file
//! paths, cross-domain data and the machine's credentials refused (`url_actions` has the table).
//! What it does not decide it leaves to Internet Explorer (`INET_E_DEFAULT_ACTION`).

use std::rc::Rc;

use windows::Win32::Foundation::{E_POINTER, S_FALSE};
use windows::Win32::System::Com::IEnumString;
use windows::Win32::System::Com::Urlmon::{
    IInternetSecurityManager, IInternetSecurityManager_Impl, IInternetSecurityMgrSite,
    INET_E_DEFAULT_ACTION,
};
use windows_core::{implement, OutRef, Ref, GUID, HRESULT, PCWSTR};

use super::entry;
use super::log_text::url_for_log;
use super::state::WindowState;
use super::url_actions::{self, ActionAnswer};

fn default_action() -> windows_core::Error {
    windows_core::Error::from_hresult(HRESULT(INET_E_DEFAULT_ACTION))
}

/// `Agile = false`: MSHTML calls it on the UI thread, where the `Rc` lives.
#[implement(IInternetSecurityManager, Agile = false)]
pub struct SecurityManager {
    state: Rc<WindowState>,
}

impl SecurityManager {
    pub fn new(state: Rc<WindowState>) -> Self {
        Self { state }
    }

    /// The URL as a string; `None` for a null pointer or one that is not UTF-16.
    fn url(url: &PCWSTR) -> Option<String> {
        if url.is_null() {
            return None;
        }
        // SAFETY: MSHTML passes a NUL-terminated wide string, valid for the call.
        unsafe { url.to_string() }.ok()
    }

    fn allowed(&self, url: Option<&str>) -> bool {
        url.is_some_and(|url| self.state.gate.allow_subresource(url))
    }
}

impl IInternetSecurityManager_Impl for SecurityManager_Impl {
    fn SetSecuritySite(
        &self,
        _site: Ref<'_, IInternetSecurityMgrSite>,
    ) -> windows_core::Result<()> {
        Err(default_action())
    }

    fn GetSecuritySite(&self) -> windows_core::Result<IInternetSecurityMgrSite> {
        Err(default_action())
    }

    fn MapUrlToZone(&self, url: &PCWSTR, zone: *mut u32, _flags: u32) -> windows_core::Result<()> {
        entry(
            "IInternetSecurityManager::MapUrlToZone",
            &self.state,
            || {
                if zone.is_null() {
                    return Err(E_POINTER.into());
                }
                let url = SecurityManager::url(url);
                let allowed = self.allowed(url.as_deref());
                // SAFETY: the caller's out-pointer, null-checked.
                unsafe { *zone = url_actions::zone(allowed) };
                Ok(())
            },
        )
    }

    fn GetSecurityId(
        &self,
        _url: &PCWSTR,
        _id: *mut u8,
        _id_size: *mut u32,
        _reserved: usize,
    ) -> windows_core::Result<()> {
        Err(default_action())
    }

    fn ProcessUrlAction(
        &self,
        url: &PCWSTR,
        action: u32,
        policy: *mut u8,
        policy_size: u32,
        _context: *const u8,
        _context_size: u32,
        _flags: u32,
        _reserved: u32,
    ) -> windows_core::Result<()> {
        entry(
            "IInternetSecurityManager::ProcessUrlAction",
            &self.state,
            || {
                let url = SecurityManager::url(url);
                let answer = url_actions::answer(action, self.allowed(url.as_deref()));
                let Some(value) = url_actions::policy_value(answer) else {
                    return Err(default_action());
                };
                if !policy.is_null() && policy_size as usize >= std::mem::size_of::<u32>() {
                    // SAFETY: the caller's buffer of `policy_size` bytes (checked), maybe unaligned.
                    unsafe { policy.cast::<u32>().write_unaligned(value) };
                }
                if let ActionAnswer::Disallow(what) = answer {
                    self.state.log(&format!(
                        "security manager refused {what} (URLACTION 0x{action:04X}) for {}",
                        url_for_log(url.as_deref().unwrap_or("an unreadable URL"))
                    ));
                    // S_FALSE: "disallowed", whatever the caller reads from the buffer.
                    return Err(windows_core::Error::from_hresult(S_FALSE));
                }
                Ok(())
            },
        )
    }

    fn QueryCustomPolicy(
        &self,
        _url: &PCWSTR,
        _key: *const GUID,
        _policy: *mut *mut u8,
        _policy_size: *mut u32,
        _context: *const u8,
        _context_size: u32,
        _reserved: u32,
    ) -> windows_core::Result<()> {
        Err(default_action())
    }

    fn SetZoneMapping(
        &self,
        _zone: u32,
        _pattern: &PCWSTR,
        _flags: u32,
    ) -> windows_core::Result<()> {
        Err(default_action())
    }

    fn GetZoneMappings(
        &self,
        _zone: u32,
        _mappings: OutRef<'_, IEnumString>,
        _flags: u32,
    ) -> windows_core::Result<()> {
        Err(default_action())
    }
}

/// The security manager as the interface MSHTML asks for.
pub fn security_manager(state: Rc<WindowState>) -> IInternetSecurityManager {
    SecurityManager::new(state).into()
}
