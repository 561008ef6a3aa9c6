//! A logon session of the host's own, whose network credentials are made up: the token the
//! restricted token is cut from, so that nothing the host does on the network is
//! authenticated with the computer's account (SYSTEM's logon session's identity).
//!
//! `LogonUserW(LOGON32_LOGON_NEW_CREDENTIALS)` clones the caller's token into a new logon
//! session whose outbound credentials are the ones given (`runas /netonly`); Windows checks
//! them only when a server asks, where a made-up local name and random password fail. It
//! needs no privilege.

use windows::Win32::Foundation::{HANDLE, LUID};
use windows::Win32::Security::{
    AllocateLocallyUniqueId, LogonUserW, LOGON32_LOGON_NEW_CREDENTIALS, LOGON32_PROVIDER_WINNT50,
};
use windows_core::{HSTRING, PCWSTR};

use std::os::windows::io::OwnedHandle;

use super::handle::take;
use super::token::token_facts;

/// The made-up network user name (in the local "domain" `.`).
pub const NETWORK_USER: &str = "SsprResetHost";

/// A token in a new logon session with made-up network credentials, checked to be a real token
/// (Wine's `LogonUserW` is a stub that answers success with a fake handle).
pub fn new_credentials_token() -> windows_core::Result<OwnedHandle> {
    let mut password = LUID::default();
    let mut salt = LUID::default();
    // SAFETY: valid out-pointers. Two fresh LUIDs make a password no one knows or needs.
    unsafe {
        AllocateLocallyUniqueId(&mut password)?;
        AllocateLocallyUniqueId(&mut salt)?;
    }
    let password = HSTRING::from(format!(
        "{:08x}{:08x}{:08x}{:08x}",
        password.HighPart, password.LowPart, salt.HighPart, salt.LowPart
    ));
    let mut token = HANDLE::default();
    // SAFETY: the strings are NUL-terminated for the call; token receives a handle we own.
    unsafe {
        LogonUserW(
            &HSTRING::from(NETWORK_USER),
            &HSTRING::from("."),
            PCWSTR(password.as_ptr()),
            LOGON32_LOGON_NEW_CREDENTIALS,
            LOGON32_PROVIDER_WINNT50,
            &mut token,
        )?
    };
    // Wine answers TRUE with the handle 0xdeadbeef: never close or use that.
    token_facts(token)?;
    // SAFETY: a real token handle (checked just above) that LogonUserW gave us to close.
    Ok(unsafe { take(token) })
}
