//! The process-wide window allow-list, applied: a window-event hook (`SetWinEventHook` with the
//! host's own process id, delivered out of context on the UI thread) sees every window any
//! thread of the process creates or shows. A top-level one whose class is not on
//! `window_classes`' list (a download or print dialog raised on another thread, HTML Help's
//! "HH Parent", a message box) is hidden at once and the reset window closes with
//! `CloseReason::PolicyBreach` naming the class, which ends the host. The CBT hook (`dialogs`)
//! still refuses dialogs on the UI thread before they exist; this catches everything else.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::{HWND, LPARAM, WPARAM};
use windows::Win32::System::Threading::GetCurrentProcessId;
use windows::Win32::UI::Accessibility::{SetWinEventHook, UnhookWinEvent, HWINEVENTHOOK};
use windows::Win32::UI::WindowsAndMessaging::{
    GetAncestor, GetClassNameW, GetDesktopWindow, PostMessageW, ShowWindowAsync, CHILDID_SELF,
    EVENT_OBJECT_CREATE, EVENT_OBJECT_SHOW, GA_PARENT, OBJID_WINDOW, SW_HIDE,
    WINEVENT_OUTOFCONTEXT, WM_CLOSE,
};

use super::close_reason::CloseReason;
use super::guard::catch_panic;
use super::state::WindowState;
use super::window_classes;

thread_local! {
    // Where the hook procedure (a plain function) finds the window to close.
    // The initializer is `const` already; the lint misfires on the win7 targets' thread_local!.
    #[allow(clippy::missing_const_for_thread_local)]
    static WATCHED: RefCell<Option<Rc<WindowState>>> = const { RefCell::new(None) };
}

/// The installed hook; removed on drop.
pub struct WindowWatch {
    hook: HWINEVENTHOOK,
}

impl WindowWatch {
    /// Watches every window of this process from now on; events arrive on the calling (UI)
    /// thread while it pumps messages.
    pub fn install(state: Rc<WindowState>) -> windows_core::Result<Self> {
        WATCHED.with(|watched| *watched.borrow_mut() = Some(state));
        // SAFETY: an out-of-context hook (no module) for our own process; the procedure lives
        // for the whole program.
        let hook = unsafe {
            SetWinEventHook(
                EVENT_OBJECT_CREATE,
                EVENT_OBJECT_SHOW,
                None,
                Some(window_event),
                GetCurrentProcessId(),
                0,
                WINEVENT_OUTOFCONTEXT,
            )
        };
        if hook.is_invalid() {
            WATCHED.with(|watched| watched.borrow_mut().take());
            return Err(windows_core::Error::from_win32());
        }
        Ok(Self { hook })
    }
}

impl Drop for WindowWatch {
    fn drop(&mut self) {
        // SAFETY: the hook this value installed, removed once.
        let _ = unsafe { UnhookWinEvent(self.hook) };
        WATCHED.with(|watched| watched.borrow_mut().take());
    }
}

unsafe extern "system" fn window_event(
    _hook: HWINEVENTHOOK,
    _event: u32,
    window: HWND,
    object: i32,
    child: i32,
    thread: u32,
    _time: u32,
) {
    catch_panic(
        || {
            if object == OBJID_WINDOW.0 && child == CHILDID_SELF as i32 && !window.is_invalid() {
                check(window, thread);
            }
        },
        || (),
    );
}

/// The top-level window's class, when `window` is a top-level window (its parent is the
/// desktop; message-only windows and children are not).
fn top_level_class(window: HWND) -> Option<String> {
    // SAFETY: both calls accept any handle, including one already destroyed.
    let top_level = unsafe { GetAncestor(window, GA_PARENT) == GetDesktopWindow() };
    if !top_level {
        return None;
    }
    let mut class = [0u16; 256];
    // SAFETY: the buffer is writable for its length; a gone window gives 0.
    let length = unsafe { GetClassNameW(window, &mut class) };
    Some(String::from_utf16_lossy(
        &class[..usize::try_from(length).unwrap_or(0)],
    ))
}

fn check(window: HWND, thread: u32) {
    let Some(class) = top_level_class(window) else {
        return;
    };
    if window_classes::allowed(&class) {
        return;
    }
    // Hidden at once (asynchronously: the window's thread may be busy), then asked to close;
    // the host ends right after, taking every thread's windows with it.
    // SAFETY: any window handle is accepted; a gone window only fails the calls.
    unsafe {
        let _ = ShowWindowAsync(window, SW_HIDE);
        let _ = PostMessageW(Some(window), WM_CLOSE, WPARAM(0), LPARAM(0));
    }
    WATCHED.with(|watched| {
        if let Some(state) = watched.borrow().as_ref() {
            let line = format!(
                "a top-level window of class `{class}` (thread {thread}) is not on the allow-list"
            );
            state.log(&format!("{line}; hidden, closing the window"));
            state.request_close(CloseReason::PolicyBreach(line));
        }
    });
}
