//! What the two test programs (`sspr-host-owner` and `sspr-window-probe`) share: the window
//! procedure of the plain windows they create (LogonUI's stand-in, the foreign window), and the
//! wait for the desktop window before their first window.

#[cfg(windows)]
mod desktop;

#[cfg(windows)]
mod plain_window;

#[cfg(windows)]
pub use desktop::wait_for_desktop;
#[cfg(windows)]
pub use plain_window::default_window_proc;
