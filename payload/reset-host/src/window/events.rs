//! The `DWebBrowserEvents2` sink: every navigation (the page's and its frames', server
//! redirects included: the site asks for redirect notifications) goes past the gate and is
//! cancelled when the gate says no; new windows, downloads, IE's error pages and process
//! switches are always cancelled. When a navigation completes (`NavigateComplete2`,
//! `DocumentComplete`) its URL is checked again: a page that arrived on a URL the gate refuses
//! got past `BeforeNavigate2` somehow, and the window closes rather than show it. Each
//! decision is logged through the gate.

use std::rc::Rc;

use windows::Win32::Foundation::{E_NOTIMPL, E_POINTER};
use windows::Win32::System::Com::{IDispatch_Impl, DISPATCH_FLAGS, DISPPARAMS, EXCEPINFO};
use windows::Win32::System::Variant::VARIANT;
use windows::Win32::Web::InternetExplorer::{
    DISPID_BEFORENAVIGATE2, DISPID_DOCUMENTCOMPLETE, DISPID_FILEDOWNLOAD, DISPID_NAVIGATECOMPLETE2,
    DISPID_NAVIGATEERROR, DISPID_NEWPROCESS, DISPID_NEWWINDOW2, DISPID_NEWWINDOW3,
    DISPID_WINDOWCLOSING,
};
use windows::Win32::UI::Shell::{DWebBrowserEvents2, DWebBrowserEvents2_Impl};
use windows_core::{implement, GUID};

use super::close_reason::CloseReason;
use super::dispatch::without_type_info;
use super::entry;
use super::event_args::EventArgs;
use super::log_text::url_for_log;
use super::state::WindowState;

/// `Agile = false`: no free-threaded marshaler. The control lives on the UI thread and so must
/// every call into this object (it holds `Rc`s).
#[implement(DWebBrowserEvents2, Agile = false)]
pub struct BrowserEvents {
    state: Rc<WindowState>,
}

impl BrowserEvents {
    pub fn new(state: Rc<WindowState>) -> Self {
        Self { state }
    }

    /// Handles one event: what `IDispatch::Invoke` does, callable directly by tests.
    pub fn on_event(&self, id: u32, args: &EventArgs<'_>) {
        match id {
            DISPID_BEFORENAVIGATE2 => self.before_navigate(args),
            DISPID_NAVIGATECOMPLETE2 => self.completed(args, "NavigateComplete2"),
            DISPID_DOCUMENTCOMPLETE => self.completed(args, "DocumentComplete"),
            DISPID_NEWWINDOW2 => {
                // NewWindow2(ppDisp, Cancel)
                self.enforce(args.cancel(1), "new window blocked");
            }
            DISPID_NEWWINDOW3 => {
                // NewWindow3(ppDisp, Cancel, dwFlags, bstrUrlContext, bstrUrl)
                let url = args.text(4).unwrap_or_default();
                let line = format!("new window blocked: {}", url_for_log(&url));
                self.enforce(args.cancel(1), &line);
            }
            DISPID_FILEDOWNLOAD => self.file_download(args),
            DISPID_NAVIGATEERROR => self.navigate_error(args),
            DISPID_NEWPROCESS => {
                // NewProcess(lCauseFlag, pWB2, Cancel): a navigation that would continue in
                // another process, out of this sink's sight.
                self.enforce(args.cancel(2), "navigation into a new process blocked");
            }
            DISPID_WINDOWCLOSING => {
                // WindowClosing(IsChildWindow, Cancel): script called window.close().
                let _ = args.cancel(1);
                if args.flag(0) != Some(true) {
                    self.state.log("the page closed the window");
                    self.state.request_close(CloseReason::UserClosed);
                }
            }
            _ => {}
        }
    }

    /// BeforeNavigate2(pDisp, URL, Flags, TargetFrameName, PostData, Headers, Cancel)
    fn before_navigate(&self, args: &EventArgs<'_>) {
        let scope = if self.state.is_top_level(args.dispatch(0).as_ref()) {
            ""
        } else {
            " (frame)"
        };
        let Some(url) = args.text(1) else {
            self.enforce(
                args.cancel(6),
                &format!("navigation denied{scope}: its URL could not be read"),
            );
            return;
        };
        if self.state.gate.allow_navigation(&url) {
            self.state
                .log(&format!("navigation allowed{scope}: {}", url_for_log(&url)));
        } else {
            let line = format!("navigation denied{scope}: {}", url_for_log(&url));
            self.enforce(args.cancel(6), &line);
        }
    }

    /// NavigateComplete2(pDisp, URL) and DocumentComplete(pDisp, URL): the URL the page (or a
    /// frame) ended up on, after any redirect. `about:blank`, which the control loads into new
    /// frames by itself, is the one URL outside the policy a completed navigation may have.
    fn completed(&self, args: &EventArgs<'_>, event: &str) {
        let scope = if self.state.is_top_level(args.dispatch(0).as_ref()) {
            ""
        } else {
            " (frame)"
        };
        let url = args.text(1).unwrap_or_default();
        if url.eq_ignore_ascii_case("about:blank") || self.state.gate.allow_navigation(&url) {
            return;
        }
        let line = format!(
            "{event}{scope} on a URL the policy refuses: {}",
            url_for_log(&url)
        );
        self.state.log(&format!("{line}; closing the window"));
        self.state.request_close(CloseReason::PolicyBreach(line));
    }

    /// FileDownload(ActiveDocument, Cancel); before Internet Explorer 6 SP1 only Cancel. It also
    /// fires for pages the control shows itself (ActiveDocument true); only real downloads are
    /// cancelled.
    fn file_download(&self, args: &EventArgs<'_>) {
        let count = args.count();
        let active_document = if count >= 2 { args.flag(0) } else { None };
        if active_document != Some(true) {
            self.enforce(args.cancel(count.saturating_sub(1)), "download blocked");
        }
    }

    /// NavigateError(pDisp, URL, TargetFrameName, StatusCode, Cancel). Cancelling keeps
    /// Internet Explorer's error page away: its links start network diagnostics.
    fn navigate_error(&self, args: &EventArgs<'_>) {
        let url = args.text(1).unwrap_or_default();
        let status = args.number(3).map_or("unknown".to_owned(), |code| {
            format!("0x{:08X}", code as u32)
        });
        let line = format!(
            "navigation failed ({status}): {}; error page suppressed",
            url_for_log(&url)
        );
        self.enforce(args.cancel(4), &line);
    }

    /// Logs a blocking decision, or closes the window when the control gave no way to cancel:
    /// what must not happen must not happen silently.
    fn enforce(&self, cancelled: bool, line: &str) {
        if cancelled {
            self.state.log(line);
        } else {
            self.state
                .log(&format!("{line}, but the event cannot be cancelled"));
            self.state.request_close(CloseReason::BrowserFailed(format!(
                "could not enforce: {line}"
            )));
        }
    }
}

impl DWebBrowserEvents2_Impl for BrowserEvents_Impl {}

impl IDispatch_Impl for BrowserEvents_Impl {
    // Events arrive by DISPID; nobody needs names.
    without_type_info!(E_NOTIMPL);

    fn Invoke(
        &self,
        id: i32,
        _interface: *const GUID,
        _locale: u32,
        _flags: DISPATCH_FLAGS,
        params: *const DISPPARAMS,
        _result: *mut VARIANT,
        _exception: *mut EXCEPINFO,
        _bad_argument: *mut u32,
    ) -> windows_core::Result<()> {
        entry("DWebBrowserEvents2::Invoke", &self.state, || {
            if params.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: params is the non-null DISPPARAMS of this Invoke call.
            let args = unsafe { EventArgs::new(params) };
            self.on_event(u32::try_from(id).unwrap_or(0), &args);
            Ok(())
        })
    }
}
