//! The locked-down reset window: the system WebBrowser control in a popup owned by LogonUI's
//! window, hosted without ATL.
//!
//! Code map. Pure, tested on Linux: `close_reason` (why it closed), `keys` (which key chords are
//! swallowed), `dialog_policy` (which dialogs may not open), `watch` (owner gone / idle),
//! `placement` (size and position), `log_text` (URLs without query), `gate_slot` (the caller's
//! gate, owned, reachable from COM objects while `run` lasts). Windows glue: `guard` (the panic guard,
//! shared with the provider through `sspr-panic-guard`), `frame` (window, message loop, timer), `browser` (the control's life), `site` (client site,
//! in-place site and frame, `IDocHostUIHandler`, ambient properties), `doc_host` (the
//! `IDocHostUIHandler` definition windows-rs lacks), `events` (the `DWebBrowserEvents2` sink),
//! `event_args` (its `DISPPARAMS`), `dialogs` (the CBT hook), `state` (what they share).
//!
//! Every COM method and the window and hook procedures run their body inside [`guard`]'s
//! `catch_panic` (through [`entry`] and [`entry_hresult`] for COM), except methods whose whole
//! body is a constant answer, which cannot panic.
//
// Linux builds compile the pure modules for their tests only: the host uses the window on
// Windows alone (session.rs), so anything here would be dead code in a Linux build.
#![cfg(any(windows, test))]

mod close_reason;
mod commands;
mod dialog_policy;
mod gate_slot;
#[cfg(windows)]
mod guard;
mod ie_features;
mod keys;
mod log_text;
mod placement;
mod url_actions;
mod watch;
mod window_classes;

#[cfg(windows)]
mod browser;
#[cfg(windows)]
mod command_target;
#[cfg(windows)]
mod dialogs;
#[cfg(windows)]
mod dispatch;
#[cfg(windows)]
mod doc_host;
#[cfg(windows)]
mod event_args;
#[cfg(windows)]
mod events;
#[cfg(windows)]
mod exercise;
#[cfg(windows)]
mod frame;
#[cfg(windows)]
mod lockdown;
#[cfg(windows)]
mod security;
#[cfg(windows)]
mod site;
#[cfg(windows)]
mod state;
#[cfg(windows)]
mod window_hook;

#[cfg(windows)]
pub use close_reason::CloseReason;
#[cfg(windows)]
pub use exercise::exercise;

/// What the reset window shows and how long it stays.
#[cfg(windows)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowOptions {
    /// The first page, already allowed by the policy (it goes past the gate again all the same).
    pub url: String,
    /// LogonUI's window handle from `--parent-window` (0 = none): the owner of ours.
    pub owner: isize,
    /// Close after this long without keyboard or mouse input in the window.
    pub idle_timeout: std::time::Duration,
    /// The window's caption, e.g. "Reset password".
    pub title: String,
}

/// Everything the window reports and asks: each allowed or denied navigation (the page's and
/// its frames'), each blocked new window, download, dialog and key, and the close reason.
pub trait Gate {
    /// Whether the control may load `url` (the full URL, query included) as a page: the top
    /// level or a frame.
    fn allow_navigation(&self, url: &str) -> bool;
    /// Whether a page may load `url` as a script, style sheet, image or font (the security
    /// manager's question). By default: where a page may be.
    fn allow_subresource(&self, url: &str) -> bool {
        self.allow_navigation(url)
    }
    /// One line for the host's log. URLs in it have no query or fragment.
    fn log(&self, line: &str);
}

/// A gate that lives for the whole program (a unit struct's `&Gate`) serves as the gate itself.
impl<G: Gate + ?Sized> Gate for &'static G {
    fn allow_navigation(&self, url: &str) -> bool {
        (**self).allow_navigation(url)
    }

    fn allow_subresource(&self, url: &str) -> bool {
        (**self).allow_subresource(url)
    }

    fn log(&self, line: &str) {
        (**self).log(line);
    }
}

/// Shows the reset window and returns when it closes, with the reason.
///
/// Call on the thread that will own the window (the main thread), with COM not initialised as
/// multithreaded on it: `run` calls `OleInitialize` (single-threaded apartment) and
/// `OleUninitialize` itself, and pumps the thread's messages until the window closes.
///
/// `Err` only when there is no window at all: OLE cannot start, the window class or the window
/// cannot be created, the message loop fails. A WebBrowser control that cannot be created,
/// locked down or pointed at `options.url` is `Ok(CloseReason::BrowserFailed(..))`, with the
/// window already closed. An owner window that is gone before the start is
/// `Ok(CloseReason::OwnerClosed)` without a window.
///
/// The window's COM objects may outlive `run` (a control that keeps our sink), so they cannot
/// borrow: `run` owns `gate`, and drops it before it returns; a call that comes later is denied.
#[cfg(windows)]
pub fn run(
    options: &WindowOptions,
    gate: impl Gate + 'static,
) -> windows_core::Result<CloseReason> {
    frame::run(options, std::rc::Rc::new(gate))
}

/// Runs one COM method body inside the panic guard; a panic answers `E_UNEXPECTED` and is logged.
#[cfg(windows)]
fn entry<T>(
    method: &'static str,
    state: &state::WindowState,
    body: impl FnOnce() -> windows_core::Result<T>,
) -> windows_core::Result<T> {
    guard::catch_panic(body, || {
        report_panic(method, state);
        Err(windows::Win32::Foundation::E_UNEXPECTED.into())
    })
}

/// [`entry`] for methods that answer a bare `HRESULT` (`IDocHostUIHandler`'s S_OK/S_FALSE).
#[cfg(windows)]
fn entry_hresult(
    method: &'static str,
    state: &state::WindowState,
    body: impl FnOnce() -> windows_core::HRESULT,
) -> windows_core::HRESULT {
    guard::catch_panic(body, || {
        report_panic(method, state);
        windows::Win32::Foundation::E_UNEXPECTED
    })
}

#[cfg(windows)]
fn report_panic(method: &'static str, state: &state::WindowState) {
    // The gate is the caller's code: a panic in its log must not escape either.
    guard::catch_panic(
        || {
            state.log(&format!(
                "{method}: a panic was caught; answering E_UNEXPECTED"
            ))
        },
        || (),
    );
}
