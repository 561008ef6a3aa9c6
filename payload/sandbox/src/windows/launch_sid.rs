//! SIDs this code makes: well-known ones from their text, and the per-launch SID that marks one
//! host's token, its default DACL and its ACEs on the window station and desktop.

use windows::Win32::Foundation::{LocalFree, HLOCAL, LUID};
use windows::Win32::Security::Authorization::ConvertStringSidToSidW;
use windows::Win32::Security::{AllocateLocallyUniqueId, PSID};
use windows_core::HSTRING;

use crate::LAUNCH_SID_PREFIX;

/// A SID built from its `S-1-...` text, freed on drop.
#[derive(Debug)]
pub struct WellKnown {
    sid: PSID,
    text: String,
}

impl WellKnown {
    /// The SID `text` names.
    pub fn parse(text: &str) -> windows_core::Result<Self> {
        let mut sid = PSID::default();
        // SAFETY: the text is NUL-terminated for the call; sid receives a LocalAlloc'ed SID,
        // freed in Drop.
        unsafe { ConvertStringSidToSidW(&HSTRING::from(text), &mut sid)? };
        Ok(Self {
            sid,
            text: text.to_owned(),
        })
    }

    /// The SID, valid while `self` lives.
    pub fn psid(&self) -> PSID {
        self.sid
    }

    /// The SID as text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Drop for WellKnown {
    fn drop(&mut self) {
        // SAFETY: the SID came from LocalAlloc inside ConvertStringSidToSidW; freed once.
        unsafe {
            let _ = LocalFree(Some(HLOCAL(self.sid.0)));
        }
    }
}

/// One host launch's SID: [`LAUNCH_SID_PREFIX`] and a fresh locally unique id, held by no
/// account and granted by no object but the ones the provider marks for this launch.
pub type LaunchSid = WellKnown;

/// A new per-launch SID.
pub fn new_launch_sid() -> windows_core::Result<LaunchSid> {
    let mut luid = LUID::default();
    // SAFETY: luid is a valid out-pointer.
    unsafe { AllocateLocallyUniqueId(&mut luid)? };
    // The high part is signed in the structure; as a sub-authority it is the same 32 bits.
    WellKnown::parse(&format!(
        "{LAUNCH_SID_PREFIX}{}-{}",
        luid.HighPart as u32, luid.LowPart
    ))
}
