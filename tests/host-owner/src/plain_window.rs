//! The window procedure of a window that handles nothing itself.

use windows::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
use windows::Win32::UI::WindowsAndMessaging::DefWindowProcW;

/// A window procedure that leaves every message to `DefWindowProcW`, for a window class whose
/// windows only need to exist (an owner, a foreign top-level window).
///
/// # Safety
///
/// Called by Windows as a window procedure, with the arguments it gives one.
pub unsafe extern "system" fn default_window_proc(
    window: HWND,
    message: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    // SAFETY: the arguments Windows gave this window procedure.
    unsafe { DefWindowProcW(window, message, wparam, lparam) }
}
