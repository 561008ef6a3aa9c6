//! Which desktop the host runs on. The reset window belongs on the sign-in screen's secure
//! desktop, `WinSta0\Winlogon`, where LogonUI (its owner) is and where nothing of a signed-in
//! user runs; started anywhere else (a user's `WinSta0\Default`, a service's hidden window
//! station), it is not where the credential provider started it, and refuses to run.

use serde::Serialize;

/// The window station and desktop of the sign-in screen.
pub const SIGN_IN_DESKTOP: &str = r"WinSta0\Winlogon";

/// What `--self-test` and the self-check report about the desktop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DesktopReport {
    /// `station\desktop` of the host's thread, or why it could not be read.
    pub actual: Result<String, String>,
    pub expected: &'static str,
    pub ok: bool,
}

impl DesktopReport {
    /// The verdict for what was read.
    pub fn new(actual: Result<String, String>) -> Self {
        let ok = actual
            .as_ref()
            .is_ok_and(|name| name.eq_ignore_ascii_case(SIGN_IN_DESKTOP));
        Self {
            actual,
            expected: SIGN_IN_DESKTOP,
            ok,
        }
    }

    /// The violation line, when there is one.
    pub fn violation(&self) -> Option<String> {
        if self.ok {
            return None;
        }
        Some(match &self.actual {
            Ok(name) => format!("desktop: running on `{name}`, expected `{SIGN_IN_DESKTOP}`"),
            Err(error) => format!("desktop: cannot be read ({error})"),
        })
    }
}

/// `station\desktop` of the calling thread.
#[cfg(windows)]
pub fn current_desktop() -> Result<String, String> {
    use windows::Win32::Foundation::HANDLE;
    use windows::Win32::System::StationsAndDesktops::{
        GetProcessWindowStation, GetThreadDesktop, GetUserObjectInformationW, UOI_NAME,
    };
    use windows::Win32::System::Threading::GetCurrentThreadId;

    fn name_of(object: HANDLE) -> Result<String, String> {
        let mut name = [0u16; 256];
        let mut needed = 0u32;
        // SAFETY: the buffer is writable for the byte length given; the handle is ours.
        unsafe {
            GetUserObjectInformationW(
                object,
                UOI_NAME,
                Some(name.as_mut_ptr().cast()),
                std::mem::size_of_val(&name) as u32,
                Some(&mut needed),
            )
        }
        .map_err(|error| error.to_string())?;
        let length = name
            .iter()
            .position(|unit| *unit == 0)
            .unwrap_or(name.len());
        Ok(String::from_utf16_lossy(&name[..length]))
    }

    // SAFETY: both calls return handles the system owns (not to be closed) for this process
    // and thread.
    let station = unsafe { GetProcessWindowStation() }.map_err(|error| error.to_string())?;
    // SAFETY: as above.
    let desktop =
        unsafe { GetThreadDesktop(GetCurrentThreadId()) }.map_err(|error| error.to_string())?;
    Ok(format!(
        "{}\\{}",
        name_of(HANDLE(station.0))?,
        name_of(HANDLE(desktop.0))?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_desktop_is_the_only_one() {
        assert!(DesktopReport::new(Ok(r"WinSta0\Winlogon".to_owned())).ok);
        assert!(DesktopReport::new(Ok(r"winsta0\winlogon".to_owned())).ok);
        let user = DesktopReport::new(Ok(r"WinSta0\Default".to_owned()));
        assert_eq!(
            user.violation().as_deref(),
            Some(r"desktop: running on `WinSta0\Default`, expected `WinSta0\Winlogon`")
        );
        let unreadable = DesktopReport::new(Err("access denied".to_owned()));
        assert_eq!(
            unreadable.violation().as_deref(),
            Some("desktop: cannot be read (access denied)")
        );
    }
}
