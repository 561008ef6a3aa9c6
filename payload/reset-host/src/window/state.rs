//! What the frame, the site and the events sink share on the UI thread: the window handle, the
//! gate, the close reason, the last input time, and the control's in-place interfaces.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use windows::Win32::Foundation::{HWND, LPARAM, POINT, RECT, S_OK, WPARAM};
use windows::Win32::System::Com::IDispatch;
use windows::Win32::System::Ole::{IOleInPlaceActiveObject, IOleInPlaceObject};
use windows::Win32::UI::Input::KeyboardAndMouse::SetFocus;
use windows::Win32::UI::WindowsAndMessaging::{
    GetClientRect, IsWindow, PostMessageW, PostQuitMessage, MSG, WM_CLOSE,
};
use windows_core::{IUnknown, Interface};

use super::close_reason::CloseReason;
use super::gate_slot::GateSlot;
use super::watch::{self, Owner};

pub struct WindowState {
    pub gate: Rc<GateSlot>,
    owner: Option<HWND>,
    idle_timeout: Duration,
    hwnd: Cell<HWND>,
    /// Set while `frame::message_loop` runs: a `WM_DESTROY` then is not ours and ends the loop.
    looping: Cell<bool>,
    /// When the state (and so the window's idle clock) started: the origin of the times the
    /// idle close reports.
    opened: Instant,
    last_input: Cell<Instant>,
    last_pointer: Cell<Option<POINT>>,
    close: RefCell<Option<CloseReason>>,
    /// The control's active object (from `IOleInPlaceUIWindow::SetActiveObject`): the message
    /// loop offers it key messages, as an in-place container must.
    active_object: RefCell<Option<IOleInPlaceActiveObject>>,
    in_place: RefCell<Option<IOleInPlaceObject>>,
    /// The control's identity, to tell its own events from its frames'.
    browser: RefCell<Option<IUnknown>>,
}

impl WindowState {
    pub fn new(gate: Rc<GateSlot>, owner: Option<HWND>, idle_timeout: Duration) -> Self {
        let now = Instant::now();
        Self {
            gate,
            owner,
            idle_timeout,
            hwnd: Cell::new(HWND::default()),
            looping: Cell::new(false),
            opened: now,
            last_input: Cell::new(now),
            last_pointer: Cell::new(None),
            close: RefCell::new(None),
            active_object: RefCell::new(None),
            in_place: RefCell::new(None),
            browser: RefCell::new(None),
        }
    }

    pub fn log(&self, line: &str) {
        self.gate.log(line);
    }

    pub fn hwnd(&self) -> HWND {
        self.hwnd.get()
    }

    pub fn set_hwnd(&self, hwnd: HWND) {
        self.hwnd.set(hwnd);
    }

    pub fn set_looping(&self, looping: bool) {
        self.looping.set(looping);
    }

    /// Records why the window closes (the first reason wins) and asks the frame to close. The
    /// frame only ends its message loop; the control is torn down afterwards in `run`, never from
    /// inside one of the control's own callbacks.
    pub fn request_close(&self, reason: CloseReason) {
        self.record_close(reason);
        let hwnd = self.hwnd();
        // A null window would turn WM_CLOSE into a thread message nobody handles.
        let posted = !hwnd.is_invalid()
            // SAFETY: posting to our own window; if it is already gone the call only fails.
            && unsafe { PostMessageW(Some(hwnd), WM_CLOSE, WPARAM(0), LPARAM(0)) }.is_ok();
        if !posted {
            // SAFETY: called on the UI thread, whose loop this ends.
            unsafe { PostQuitMessage(0) };
        }
    }

    /// `WM_CLOSE`: the close button, Alt+F4, or a `request_close`.
    pub fn on_close_message(&self) {
        self.record_close(CloseReason::UserClosed);
        // SAFETY: called on the UI thread from its window procedure.
        unsafe { PostQuitMessage(0) };
    }

    /// `WM_DESTROY`. Ours comes after the loop; one during the loop is someone else's doing:
    /// Windows destroying windows owned by a destroyed owner, usually.
    pub fn on_destroyed(&self) {
        if self.looping.get() {
            let reason = if self.owner_state() == Owner::Gone {
                CloseReason::OwnerClosed
            } else {
                CloseReason::UserClosed
            };
            self.log("the window was destroyed from outside the host");
            self.record_close(reason);
            // SAFETY: called on the UI thread from its window procedure.
            unsafe { PostQuitMessage(0) };
        }
        self.hwnd.set(HWND::default());
    }

    /// Records why the window closes, logging it; the first reason wins.
    pub fn record_close(&self, reason: CloseReason) {
        let first = self.close.borrow().is_none();
        if first {
            self.log(&format!("closing: {reason}"));
            *self.close.borrow_mut() = Some(reason);
        }
    }

    /// The reason recorded so far, if any, without taking it.
    pub fn peek_close_reason(&self) -> Option<CloseReason> {
        self.close.borrow().clone()
    }

    /// The reason recorded, or `UserClosed` when the loop ended without one.
    pub fn take_close_reason(&self) -> CloseReason {
        // A no-op when a reason was recorded; otherwise it logs the default.
        self.record_close(CloseReason::UserClosed);
        self.close
            .borrow_mut()
            .take()
            .unwrap_or(CloseReason::UserClosed)
    }

    /// Notes user input from a queued message, for the idle timeout. A pointer message counts
    /// only when the pointer moved: Windows also sends `WM_MOUSEMOVE` when a window appears or
    /// moves under a still pointer.
    pub fn note_input(&self, message: &MSG, is_pointer_move: bool) {
        if is_pointer_move {
            let moved = self
                .last_pointer
                .get()
                .is_none_or(|last| last.x != message.pt.x || last.y != message.pt.y);
            self.last_pointer.set(Some(message.pt));
            if !moved {
                return;
            }
        }
        self.last_input.set(Instant::now());
    }

    pub fn owner_state(&self) -> Owner {
        match self.owner {
            None => Owner::None,
            // SAFETY: IsWindow accepts any value, including a handle that was destroyed.
            Some(owner) if unsafe { IsWindow(Some(owner)) }.as_bool() => Owner::Alive,
            Some(_) => Owner::Gone,
        }
    }

    /// The periodic check: owner gone or idle too long closes the window.
    pub fn check_watch(&self) {
        let since_input = self.last_input.get().elapsed();
        if let Some(reason) = watch::verdict(self.owner_state(), since_input, self.idle_timeout) {
            if reason == CloseReason::Idle {
                self.log(&watch::idle_line(
                    self.last_input.get() - self.opened,
                    self.opened.elapsed(),
                    self.idle_timeout,
                ));
            }
            self.request_close(reason);
        }
    }

    pub fn client_rect(&self) -> RECT {
        let mut rect = RECT::default();
        // SAFETY: rect is a valid out-pointer; a failure leaves the empty rectangle.
        let _ = unsafe { GetClientRect(self.hwnd(), &mut rect) };
        rect
    }

    pub fn set_active_object(&self, active: Option<IOleInPlaceActiveObject>) {
        *self.active_object.borrow_mut() = active;
    }

    /// Offers a key message to the control's accelerators; `true` when it consumed it.
    pub fn translate_accelerator(&self, message: &MSG) -> bool {
        let Some(active) = self.active_object.borrow().clone() else {
            return false;
        };
        // The raw call: windows-rs maps S_FALSE ("not mine, dispatch it") to Ok like S_OK.
        // SAFETY: active is a live interface on this thread; message outlives the call.
        let result = unsafe {
            (Interface::vtable(&active).TranslateAccelerator)(Interface::as_raw(&active), message)
        };
        result == S_OK
    }

    /// Tells the control our frame was (de)activated, as an in-place container must.
    pub fn frame_activated(&self, active: bool) {
        if let Some(object) = self.active_object.borrow().clone() {
            // SAFETY: object is a live interface on this thread.
            let _ = unsafe { object.OnFrameWindowActivate(active) };
        }
    }

    pub fn set_in_place(&self, in_place: Option<IOleInPlaceObject>) {
        *self.in_place.borrow_mut() = in_place;
    }

    /// Fits the control to the client area (`WM_SIZE`).
    pub fn resize_browser(&self) {
        if let Some(in_place) = self.in_place.borrow().clone() {
            let rect = self.client_rect();
            // SAFETY: in_place is live; both rectangles outlive the call.
            let _ = unsafe { in_place.SetObjectRects(&rect, &rect) };
        }
    }

    /// Gives the keyboard focus to the control's window (`WM_SETFOCUS` on the frame).
    pub fn focus_browser(&self) {
        let in_place = self.in_place.borrow().clone();
        // SAFETY: in_place is a live interface on this thread.
        if let Some(window) = in_place.and_then(|object| unsafe { object.GetWindow() }.ok()) {
            // SAFETY: the control's window, created on this thread.
            let _ = unsafe { SetFocus(Some(window)) };
        }
    }

    pub fn set_browser(&self, browser: Option<IUnknown>) {
        *self.browser.borrow_mut() = browser;
    }

    /// Whether an event's `pDisp` is the control itself rather than one of its frames.
    pub fn is_top_level(&self, source: Option<&IDispatch>) -> bool {
        let browser = self.browser.borrow();
        match (
            source.and_then(|source| source.cast::<IUnknown>().ok()),
            &*browser,
        ) {
            (Some(source), Some(browser)) => source == *browser,
            _ => false,
        }
    }

    /// Drops every reference to the control's objects (they hold our site: a cycle otherwise).
    pub fn release_browser(&self) {
        self.set_active_object(None);
        self.set_in_place(None);
        self.set_browser(None);
    }
}
