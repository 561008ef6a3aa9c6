//! The reset link, shared by the wrapped credentials and the fallback tile: its label, and what
//! a click does (find the parent window and the user, start the reset host).

use windows::Win32::Foundation::{LocalFree, HLOCAL};
use windows::Win32::Security::Authorization::ConvertStringSidToSidW;
use windows::Win32::Security::{LookupAccountSidW, PSID, SID_NAME_USE};
use windows::Win32::UI::Shell::{
    ICredentialProviderCredential, ICredentialProviderCredentialEvents,
};
use windows_core::{HSTRING, PCWSTR, PWSTR};

use super::co_mem::take_wide;
use super::host_launch;
use crate::host_command::HostRequest;
use crate::logging::Logger;
use crate::user_name;

/// What every tile's link needs, from the settings read at `SetUsageScenario`.
#[derive(Debug)]
pub struct LinkContext {
    pub link_text: String,
    pub portal_url: String,
    pub log: Logger,
}

impl LinkContext {
    /// Opens the reset experience for `user`: LogonUI's window comes from `OnCreatingWindow`
    /// (the host's window is owned by it), then the host starts and we return at once.
    pub fn open_reset(
        &self,
        events: Option<&ICredentialProviderCredentialEvents>,
        user: Option<String>,
    ) -> windows_core::Result<()> {
        let parent_window = events
            // SAFETY: events is LogonUI's live callback interface for this credential.
            .and_then(|events| unsafe { events.OnCreatingWindow() }.ok())
            .map_or(0, |window| window.0 as usize);
        if parent_window == 0 {
            self.log
                .warning(|| "LogonUI gave no parent window; the reset host gets 0".to_owned());
        }
        let request = HostRequest {
            user,
            portal_url: self.portal_url.clone(),
            parent_window,
        };
        host_launch::start(&request, &self.log).map(|_| ())
    }
}

/// The user name typed in or shown by the inner credential's user-name field.
pub fn user_from_field(inner: &ICredentialProviderCredential, field: u32) -> Option<String> {
    // SAFETY: inner is a live credential; field is its user-name field id.
    let value = unsafe { inner.GetStringValue(field) }.ok()?;
    // SAFETY: GetStringValue returns a CoTaskMemAlloc string that is now ours.
    user_name::clean(&unsafe { take_wide(value) })
}

/// `DOMAIN\user` for a SID in string form (`ICredentialProviderCredential2::GetUserSid`).
pub fn user_from_sid(sid_text: &str) -> Option<String> {
    let mut sid = PSID::default();
    // SAFETY: the string is NUL-terminated for the call; sid is a valid out-pointer.
    unsafe { ConvertStringSidToSidW(&HSTRING::from(sid_text), &mut sid) }.ok()?;
    let mut name = [0u16; 257];
    let mut domain = [0u16; 257];
    let (mut name_len, mut domain_len) = (name.len() as u32, domain.len() as u32);
    let mut use_kind = SID_NAME_USE::default();
    // SAFETY: sid is valid until freed below; both buffers are writable for their stated sizes.
    let looked_up = unsafe {
        LookupAccountSidW(
            PCWSTR::null(),
            sid,
            Some(PWSTR(name.as_mut_ptr())),
            &mut name_len,
            Some(PWSTR(domain.as_mut_ptr())),
            &mut domain_len,
            &mut use_kind,
        )
    };
    // SAFETY: ConvertStringSidToSidW allocates the SID with LocalAlloc; freed once.
    unsafe { LocalFree(Some(HLOCAL(sid.0))) };
    looked_up.ok()?;
    let text = |buffer: &[u16], len: u32| {
        String::from_utf16_lossy(&buffer[..(len as usize).min(buffer.len())])
    };
    user_name::qualified(&text(&domain, domain_len), &text(&name, name_len))
}
