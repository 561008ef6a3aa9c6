//! The one door the restricting SIDs must open: the window station and desktop the host shows
//! on (LogonUI's `WinSta0\Winlogon`), which grant SYSTEM alone. The provider adds an ACE for the
//! launch's SID before the host starts and removes it when the host's job closes; ACEs of
//! earlier launches that a crash or power loss left are removed at the next launch.

use windows::Win32::Foundation::HANDLE;
use windows::Win32::Security::Authorization::{SetSecurityInfo, SE_WINDOW_OBJECT};
use windows::Win32::Security::{
    AddAccessAllowedAce, AddAce, GetAce, GetLengthSid, InitializeAcl, ACE_HEADER, ACL,
    ACL_REVISION, DACL_SECURITY_INFORMATION, PSID,
};
use windows::Win32::System::StationsAndDesktops::{
    CloseDesktop, CloseWindowStation, GetProcessWindowStation, GetThreadDesktop,
    GetUserObjectInformationW, OpenDesktopW, OpenWindowStationW, DESKTOP_CONTROL_FLAGS, HDESK,
    HWINSTA, UOI_NAME,
};
use windows::Win32::System::Threading::GetCurrentThreadId;
use windows_core::HSTRING;

use super::acl::Security;
use super::launch_sid::LaunchSid;
use super::sid::sid_text;
use crate::is_launch_sid;

/// `READ_CONTROL | WRITE_DAC`: enough to rewrite the DACL.
const DACL_ACCESS: u32 = 0x2_0000 | 0x4_0000;
/// What the launch SID gets on the window station: enumerate desktops, read attributes, global
/// atoms, enumerate, read control. No clipboard, no screen reading, no exit-windows.
pub const WINSTA_GRANT: u32 = 0x1 | 0x2 | 0x20 | 0x100 | 0x2_0000;
/// What it gets on the desktop: read objects, create windows and menus, enumerate, write
/// objects, read control. No hooks, no journal record or playback, no desktop switch.
pub const DESKTOP_GRANT: u32 = 0x1 | 0x2 | 0x4 | 0x40 | 0x80 | 0x2_0000;

/// LogonUI's window station and desktop, opened by name to rewrite their DACLs.
struct Objects {
    winsta: HWINSTA,
    desktop: HDESK,
}

impl Drop for Objects {
    fn drop(&mut self) {
        // SAFETY: both handles were opened in `open` and are closed once, here.
        unsafe {
            let _ = CloseDesktop(self.desktop);
            let _ = CloseWindowStation(self.winsta);
        }
    }
}

fn object_name(handle: HANDLE) -> Result<String, String> {
    let mut buffer = [0u16; 256];
    let mut needed = 0u32;
    // SAFETY: buffer is writable for its byte size; handle is a window station or desktop.
    unsafe {
        GetUserObjectInformationW(
            handle,
            UOI_NAME,
            Some(buffer.as_mut_ptr().cast()),
            std::mem::size_of_val(&buffer) as u32,
            Some(&mut needed),
        )
    }
    .map_err(|e| format!("cannot read a window object's name: {e}"))?;
    let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
    Ok(String::from_utf16_lossy(&buffer[..end]))
}

fn open() -> Result<Objects, String> {
    // SAFETY: no arguments; the handles returned need no closing.
    let (winsta, desktop) = unsafe {
        (
            GetProcessWindowStation(),
            GetThreadDesktop(GetCurrentThreadId()),
        )
    };
    let winsta_name = object_name(HANDLE(winsta.map_err(|e| e.to_string())?.0))?;
    let desktop_name = object_name(HANDLE(desktop.map_err(|e| e.to_string())?.0))?;
    // SAFETY: the name is NUL-terminated for the call; the handle is closed in Drop.
    let winsta = unsafe { OpenWindowStationW(&HSTRING::from(&winsta_name), false, DACL_ACCESS) }
        .map_err(|e| format!("cannot open window station {winsta_name}: {e}"))?;
    // SAFETY: as above; OpenDesktopW looks in this process's window station.
    let desktop = match unsafe {
        OpenDesktopW(
            &HSTRING::from(&desktop_name),
            DESKTOP_CONTROL_FLAGS(0),
            false,
            DACL_ACCESS,
        )
    } {
        Ok(desktop) => desktop,
        Err(e) => {
            // SAFETY: opened just above, closed once.
            let _ = unsafe { CloseWindowStation(winsta) };
            return Err(format!("cannot open desktop {desktop_name}: {e}"));
        }
    };
    Ok(Objects { winsta, desktop })
}

/// Rewrites the DACL of `handle` without the launch-SID ACEs `drop_ace` picks, plus an allow
/// ACE for `add`. Returns how many ACEs were removed. A missing DACL (everyone allowed) is left
/// alone: an ACE added to it would lock everyone else out.
fn rewrite(
    handle: HANDLE,
    drop_ace: &dyn Fn(&str) -> bool,
    add: Option<(PSID, u32)>,
) -> Result<usize, String> {
    let security = Security::of_handle(handle, SE_WINDOW_OBJECT)
        .map_err(|e| format!("cannot read the DACL: {e}"))?;
    let old = security.dacl();
    if old.is_null() {
        return Ok(0);
    }
    // SAFETY: old is a valid ACL inside `security`.
    let (old_size, count) = unsafe { ((*old).AclSize, (*old).AceCount) };
    // SAFETY: add's SID is valid for the call.
    let extra = add.map_or(0, |(sid, _)| 16 + unsafe { GetLengthSid(sid) });
    let size = u32::from(old_size) + extra;
    let mut buffer = vec![0u64; (size as usize).div_ceil(8)];
    let new = buffer.as_mut_ptr().cast::<ACL>();
    // SAFETY: buffer holds `size` bytes, 8-byte aligned.
    unsafe { InitializeAcl(new, size, ACL_REVISION) }.map_err(|e| e.to_string())?;
    let mut removed = 0;
    for index in 0..u32::from(count) {
        let mut ace = std::ptr::null_mut();
        // SAFETY: index < AceCount of a valid ACL.
        unsafe { GetAce(old, index, &mut ace) }.map_err(|e| e.to_string())?;
        // SAFETY: every ACE starts with a header.
        let header = unsafe { *ace.cast::<ACE_HEADER>() };
        // Allow (0) and deny (1) ACEs carry their SID at offset 8.
        if header.AceType <= 1 {
            // SAFETY: as stated, within AceSize.
            let sid = sid_text(PSID(unsafe { ace.cast::<u8>().add(8) }.cast()));
            if is_launch_sid(&sid) && drop_ace(&sid) {
                removed += 1;
                continue;
            }
        }
        // SAFETY: the ACE is AceSize bytes; the new ACL has room for every old ACE.
        unsafe { AddAce(new, ACL_REVISION, u32::MAX, ace, u32::from(header.AceSize)) }
            .map_err(|e| e.to_string())?;
    }
    if let Some((sid, mask)) = add {
        // SAFETY: sid is valid; the ACL has room for one more ACE of this SID.
        unsafe { AddAccessAllowedAce(new, ACL_REVISION, mask, sid) }.map_err(|e| e.to_string())?;
    }
    if removed == 0 && add.is_none() {
        return Ok(0);
    }
    // SAFETY: handle is open with WRITE_DAC; new is a valid ACL in buffer.
    let status = unsafe {
        SetSecurityInfo(
            handle,
            SE_WINDOW_OBJECT,
            DACL_SECURITY_INFORMATION,
            None,
            None,
            Some(new),
            None,
        )
    };
    if status.is_err() {
        return Err(format!(
            "cannot write the DACL: {}",
            windows_core::Error::from(status)
        ));
    }
    Ok(removed)
}

/// Removes every launch-SID ACE from the window station and desktop (what crashed launches
/// left); returns how many.
pub fn purge_stale() -> Result<usize, String> {
    let objects = open()?;
    let winsta = rewrite(HANDLE(objects.winsta.0), &|_| true, None)?;
    let desktop = rewrite(HANDLE(objects.desktop.0), &|_| true, None)?;
    Ok(winsta + desktop)
}

/// The launch SID's ACEs on the window station and desktop, removed on drop.
#[derive(Debug)]
pub struct WindowGrant {
    sid: String,
}

impl WindowGrant {
    /// Grants `launch` [`WINSTA_GRANT`] and [`DESKTOP_GRANT`] on LogonUI's window station and
    /// desktop.
    pub fn new(launch: &LaunchSid) -> Result<Self, String> {
        let objects = open()?;
        // Drop stale ACEs of earlier launches while the DACL is being rewritten anyway.
        rewrite(
            HANDLE(objects.winsta.0),
            &|_| true,
            Some((launch.psid(), WINSTA_GRANT)),
        )
        .map_err(|e| format!("window station: {e}"))?;
        let grant = Self {
            sid: launch.text().to_owned(),
        };
        rewrite(
            HANDLE(objects.desktop.0),
            &|_| true,
            Some((launch.psid(), DESKTOP_GRANT)),
        )
        .map_err(|e| format!("desktop: {e}"))?;
        Ok(grant)
    }

    /// The SID the ACEs name.
    pub fn sid(&self) -> &str {
        &self.sid
    }
}

impl Drop for WindowGrant {
    fn drop(&mut self) {
        let Ok(objects) = open() else { return };
        let own = |sid: &str| sid.eq_ignore_ascii_case(&self.sid);
        let _ = rewrite(HANDLE(objects.winsta.0), &own, None);
        let _ = rewrite(HANDLE(objects.desktop.0), &own, None);
    }
}
