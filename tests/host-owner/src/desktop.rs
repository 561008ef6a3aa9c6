//! Waiting for the desktop window before a test program creates its first window.
//!
//! Wine starts its desktop process (`explorer.exe /desktop`) when the first program of a session
//! asks for the desktop window, and waits 10 s for it to become idle; on a loaded machine it can
//! take longer, and then that first `CreateWindowExW` fails with ERROR_INVALID_WINDOW_HANDLE
//! (docs/design.md, "Wine deviations"). Windows has its desktop before any program runs, so there
//! the first call answers at once. The wait is for the test's surroundings, not for the window
//! under test: the reset window is only created once the desktop exists.

use std::time::{Duration, Instant};

use windows::Win32::UI::WindowsAndMessaging::GetDesktopWindow;

/// How long the desktop may take to appear before the program gives up.
const DESKTOP_DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(250);

/// Returns once the desktop window exists, printing `desktop_wait_ms=` when it was not there
/// at once (Wine's desktop process was still starting); an error naming the deadline if it
/// never appears.
pub fn wait_for_desktop() -> Result<(), String> {
    let start = Instant::now();
    loop {
        // SAFETY: no arguments; returns a handle or null.
        let desktop = unsafe { GetDesktopWindow() };
        if !desktop.is_invalid() {
            let waited = start.elapsed();
            if !waited.is_zero() {
                println!("desktop_wait_ms={}", waited.as_millis());
            }
            return Ok(());
        }
        if start.elapsed() >= DESKTOP_DEADLINE {
            return Err(format!(
                "no desktop window after {} s",
                DESKTOP_DEADLINE.as_secs()
            ));
        }
        std::thread::sleep(POLL);
    }
}
