//! The reset window itself: a captioned popup owned by LogonUI's window, centred on its monitor,
//! with the message loop that filters keys, notes input for the idle timeout, and a timer that
//! watches the owner and the idle time.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::{
    ERROR_CLASS_ALREADY_EXISTS, E_UNEXPECTED, HWND, LPARAM, LRESULT, POINT, WPARAM,
};
use windows::Win32::Graphics::Gdi::{
    GetMonitorInfoW, MonitorFromPoint, MonitorFromWindow, COLOR_WINDOW, HBRUSH, MONITORINFO,
    MONITOR_DEFAULTTOPRIMARY,
};
use windows::Win32::System::LibraryLoader::GetModuleHandleW;
use windows::Win32::System::Ole::{OleInitialize, OleUninitialize};
use windows::Win32::UI::Input::KeyboardAndMouse::{
    GetKeyState, GetKeyboardLayout, ToUnicodeEx, VK_CONTROL, VK_LCONTROL, VK_MENU, VK_RMENU,
    VK_SHIFT,
};
use windows::Win32::UI::WindowsAndMessaging::{
    CreateWindowExW, DefWindowProcW, DestroyWindow, DispatchMessageW, GetMessageW, IsWindow,
    KillTimer, LoadCursorW, RegisterClassExW, SetForegroundWindow, SetTimer, ShowWindow,
    TranslateMessage, IDC_ARROW, MSG, SW_SHOW, WA_INACTIVE, WM_ACTIVATE, WM_CLOSE, WM_DESTROY,
    WM_KEYDOWN, WM_KEYFIRST, WM_KEYLAST, WM_KEYUP, WM_MOUSEFIRST, WM_MOUSELAST, WM_MOUSEMOVE,
    WM_NCMOUSEMOVE, WM_NCXBUTTONDBLCLK, WM_SETFOCUS, WM_SIZE, WM_SYSKEYDOWN, WM_SYSKEYUP, WM_TIMER,
    WNDCLASSEXW, WS_CAPTION, WS_CLIPCHILDREN, WS_EX_DLGMODALFRAME, WS_POPUP, WS_SYSMENU,
};
use windows_core::{w, HSTRING, PCWSTR};

use super::browser::Browser;
use super::close_reason::CloseReason;
use super::dialogs::DialogGuard;
use super::gate_slot::GateLease;
use super::guard::catch_panic;
use super::keys::{self, Chord, KeyVerdict};
use super::lockdown;
use super::placement::{self, ScreenRect};
use super::state::WindowState;
use super::watch::Owner;
use super::window_hook::WindowWatch;
use super::{Gate, WindowOptions};

/// The frame's window class. Test programs find the host's window by it.
pub const WINDOW_CLASS: PCWSTR = w!("SsprResetHostWindow");

const WATCH_TIMER: usize = 1;
/// How often the timer runs the owner and idle check. Ownership alone does not reliably destroy
/// a window owned by another process's window (Wine does not), so the owner is polled.
const WATCH_INTERVAL_MS: u32 = 500;

thread_local! {
    // The state of the window this thread runs; the window procedure (a plain function) finds
    // it here. One reset window per thread at a time.
    // The initializer is `const` already; the lint misfires on the win7 targets' thread_local!.
    #[allow(clippy::missing_const_for_thread_local)]
    static CURRENT: RefCell<Option<Rc<WindowState>>> = const { RefCell::new(None) };
}

/// Makes `state` the thread's current window state until dropped.
struct CurrentWindow;

impl CurrentWindow {
    fn enter(state: &Rc<WindowState>) -> windows_core::Result<Self> {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            if current.is_some() {
                // run() inside run(): the window procedure could not tell the two apart.
                return Err(E_UNEXPECTED.into());
            }
            *current = Some(Rc::clone(state));
            Ok(Self)
        })
    }
}

impl Drop for CurrentWindow {
    fn drop(&mut self) {
        CURRENT.with(|current| current.borrow_mut().take());
    }
}

fn current_state() -> Option<Rc<WindowState>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// OLE on this thread (single-threaded apartment) for as long as the value lives.
struct OleApartment;

impl OleApartment {
    fn enter() -> windows_core::Result<Self> {
        // SAFETY: no reserved pointer; balanced by OleUninitialize in drop (also after S_FALSE,
        // "already initialised", as the documentation asks).
        unsafe { OleInitialize(None) }?;
        Ok(Self)
    }
}

impl Drop for OleApartment {
    fn drop(&mut self) {
        // SAFETY: balances the successful OleInitialize of `enter`, on the same thread.
        unsafe { OleUninitialize() };
    }
}

/// See [`super::run`].
pub fn run(options: &WindowOptions, gate: Rc<dyn Gate>) -> windows_core::Result<CloseReason> {
    let _ole = OleApartment::enter()?;
    let lease = GateLease::new(gate);
    let owner = (options.owner != 0).then_some(HWND(options.owner as _));
    let state = Rc::new(WindowState::new(lease.slot(), owner, options.idle_timeout));
    if state.owner_state() == Owner::Gone {
        state.log("the owner window is already gone; the window does not open");
        state.record_close(CloseReason::OwnerClosed);
        return Ok(state.take_close_reason());
    }
    if let Err(failure) = lockdown::apply(&state) {
        state.record_close(CloseReason::BrowserFailed(failure));
        return Ok(state.take_close_reason());
    }
    let _current = CurrentWindow::enter(&state)?;
    let _dialogs = DialogGuard::install(lease.slot())?;
    let _windows = WindowWatch::install(Rc::clone(&state))?;
    let hwnd = create_window(options, owner)?;
    state.set_hwnd(hwnd);
    let looped = match Browser::start(&state) {
        Ok(browser) => {
            let looped = show_and_run(&state, &browser, &options.url);
            drop(browser);
            looped
        }
        Err(failure) => {
            state.record_close(CloseReason::BrowserFailed(failure));
            Ok(())
        }
    };
    state.release_browser();
    // SAFETY: the window is ours, on this thread; if Windows already destroyed it (its owner
    // went away), IsWindow says so and nothing is done.
    unsafe {
        if IsWindow(Some(hwnd)).as_bool() {
            let _ = DestroyWindow(hwnd);
        }
    }
    looped?;
    Ok(state.take_close_reason())
}

/// Shows the window, loads the first page and runs the loop until the window closes; the close
/// reason is in `state`.
fn show_and_run(state: &WindowState, browser: &Browser, url: &str) -> windows_core::Result<()> {
    let hwnd = state.hwnd();
    // SAFETY: our window, on this thread.
    unsafe {
        let _ = ShowWindow(hwnd, SW_SHOW);
        // LogonUI started us, so we may take the foreground; if not, the window still shows.
        let _ = SetForegroundWindow(hwnd);
    }
    if let Err(failure) = browser.navigate(url) {
        state.record_close(CloseReason::BrowserFailed(failure));
        return Ok(());
    }
    // SAFETY: a timer on our window, removed below.
    if unsafe { SetTimer(Some(hwnd), WATCH_TIMER, WATCH_INTERVAL_MS, None) } == 0 {
        return Err(windows_core::Error::from_win32());
    }
    let looped = message_loop(state);
    // SAFETY: the timer set above; the window may already be gone, which only fails the call.
    let _ = unsafe { KillTimer(Some(hwnd), WATCH_TIMER) };
    looped
}

fn create_window(options: &WindowOptions, owner: Option<HWND>) -> windows_core::Result<HWND> {
    // SAFETY: our own module handle.
    let instance = unsafe { GetModuleHandleW(None) }?;
    let class = WNDCLASSEXW {
        cbSize: std::mem::size_of::<WNDCLASSEXW>() as u32,
        lpfnWndProc: Some(window_proc),
        hInstance: instance.into(),
        // SAFETY: a system cursor, no module handle needed.
        hCursor: unsafe { LoadCursorW(None, IDC_ARROW) }?,
        hbrBackground: HBRUSH((COLOR_WINDOW.0 + 1) as _),
        lpszClassName: WINDOW_CLASS,
        ..Default::default()
    };
    // SAFETY: class is fully initialised; the class name is a static string.
    if unsafe { RegisterClassExW(&class) } == 0 {
        let error = windows_core::Error::from_win32();
        if error.code() != ERROR_CLASS_ALREADY_EXISTS.to_hresult() {
            return Err(error);
        }
    }
    let placed = placement::centred(work_area(owner), placement::PREFERRED_SIZE);
    // SAFETY: the class is registered; the title outlives the call. `owner` as hWndParent of a
    // WS_POPUP window makes it the owner, not the parent: LogonUI's window stays below ours.
    unsafe {
        CreateWindowExW(
            WS_EX_DLGMODALFRAME,
            WINDOW_CLASS,
            &HSTRING::from(options.title.as_str()),
            WS_POPUP | WS_CAPTION | WS_SYSMENU | WS_CLIPCHILDREN,
            placed.left,
            placed.top,
            placed.width(),
            placed.height(),
            owner,
            None,
            Some(instance.into()),
            None,
        )
    }
}

/// The work area of the owner's monitor, or of the primary one.
fn work_area(owner: Option<HWND>) -> ScreenRect {
    // SAFETY: both calls accept any window handle or point and fall back to the primary monitor.
    let monitor = unsafe {
        match owner {
            Some(owner) => MonitorFromWindow(owner, MONITOR_DEFAULTTOPRIMARY),
            None => MonitorFromPoint(POINT { x: 0, y: 0 }, MONITOR_DEFAULTTOPRIMARY),
        }
    };
    let mut info = MONITORINFO {
        cbSize: std::mem::size_of::<MONITORINFO>() as u32,
        ..Default::default()
    };
    // SAFETY: info is writable and its size is set.
    if unsafe { GetMonitorInfoW(monitor, &mut info) }.as_bool() {
        let work = info.rcWork;
        ScreenRect {
            left: work.left,
            top: work.top,
            right: work.right,
            bottom: work.bottom,
        }
    } else {
        ScreenRect {
            left: 0,
            top: 0,
            right: 0,
            bottom: 0,
        }
    }
}

/// The UI thread's loop. Key messages pass the decision table before anything else sees them,
/// then the control's accelerators, then the usual translate and dispatch.
fn message_loop(state: &WindowState) -> windows_core::Result<()> {
    state.set_looping(true);
    let mut message = MSG::default();
    let outcome = loop {
        // SAFETY: message is a valid out-pointer; all of this thread's windows.
        let got = unsafe { GetMessageW(&mut message, None, 0, 0) };
        match got.0 {
            0 => break Ok(()),
            -1 => break Err(windows_core::Error::from_win32()),
            _ => {}
        }
        note_input(state, &message);
        if let Some(chord) = chord_of(&message) {
            let first_press = is_key_down(message.message) && message.lParam.0 & (1 << 30) == 0;
            match keys::judge(chord) {
                KeyVerdict::Pass => {}
                KeyVerdict::Close => {
                    if is_key_down(message.message) {
                        state.request_close(CloseReason::Escape);
                    }
                    continue;
                }
                KeyVerdict::Block(what) => {
                    if first_press {
                        state.log(&format!("key blocked: {} ({what})", keys::describe(chord)));
                    }
                    continue;
                }
            }
            if state.translate_accelerator(&message) {
                continue;
            }
        }
        // SAFETY: a message GetMessageW just filled in.
        unsafe {
            let _ = TranslateMessage(&message);
            DispatchMessageW(&message);
        }
    };
    state.set_looping(false);
    outcome
}

fn note_input(state: &WindowState, message: &MSG) {
    let id = message.message;
    let is_pointer_move = id == WM_MOUSEMOVE || id == WM_NCMOUSEMOVE;
    if (WM_KEYFIRST..=WM_KEYLAST).contains(&id)
        || (WM_MOUSEFIRST..=WM_MOUSELAST).contains(&id)
        || (WM_NCMOUSEMOVE..=WM_NCXBUTTONDBLCLK).contains(&id)
    {
        state.note_input(message, is_pointer_move);
    }
}

fn is_key_down(message: u32) -> bool {
    message == WM_KEYDOWN || message == WM_SYSKEYDOWN
}

/// The chord a key message carries, with the modifiers held when it was queued; `None` for
/// any other message.
pub fn chord_of(message: &MSG) -> Option<Chord> {
    let id = message.message;
    if !matches!(id, WM_KEYDOWN | WM_KEYUP | WM_SYSKEYDOWN | WM_SYSKEYUP) {
        return None;
    }
    // SAFETY: GetKeyState reads this thread's keyboard state as of the last message read.
    let held = |key: u16| unsafe { GetKeyState(i32::from(key)) } < 0;
    // WM_SYS* messages carry Alt in bit 29 of lParam ("context code").
    let alt_context =
        (id == WM_SYSKEYDOWN || id == WM_SYSKEYUP) && message.lParam.0 & (1 << 29) != 0;
    let key = (message.wParam.0 & 0xFFFF) as u16;
    let ctrl = held(VK_CONTROL.0);
    let shift = held(VK_SHIFT.0);
    let alt = alt_context || held(VK_MENU.0);
    let scan_code = ((message.lParam.0 >> 16) & 0xFF) as u32;
    Some(Chord {
        key,
        ctrl,
        shift,
        alt,
        layout_character: ctrl && alt && layout_character(key, scan_code, shift),
    })
}

/// Whether the keyboard layout turns Ctrl+Alt(+Shift)+`key` into a printable character: AltGr
/// on the layouts that have it (`@` is AltGr+Q in Germany), nothing on the others.
fn layout_character(key: u16, scan_code: u32, shift: bool) -> bool {
    let mut keyboard = [0u8; 256];
    for held in [VK_CONTROL, VK_MENU, VK_LCONTROL, VK_RMENU] {
        keyboard[usize::from(held.0)] = 0x80;
    }
    if shift {
        keyboard[usize::from(VK_SHIFT.0)] = 0x80;
    }
    let mut text = [0u16; 8];
    // Bit 2 of the flags: leave the thread's dead-key state alone (Windows 10 1607 and later;
    // earlier versions ignore the bit).
    const KEEP_KEYBOARD_STATE: u32 = 0x4;
    // SAFETY: both buffers are ours and sized as the function's signature says; the layout is
    // this thread's.
    let length = unsafe {
        ToUnicodeEx(
            u32::from(key),
            scan_code,
            &keyboard,
            &mut text,
            KEEP_KEYBOARD_STATE,
            Some(GetKeyboardLayout(0)),
        )
    };
    let length = usize::try_from(length).unwrap_or(0).min(text.len());
    text[..length].iter().any(|unit| *unit >= 0x20)
}

unsafe extern "system" fn window_proc(
    hwnd: HWND,
    message: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    let default = || {
        // SAFETY: the arguments Windows gave this window procedure.
        unsafe { DefWindowProcW(hwnd, message, wparam, lparam) }
    };
    catch_panic(
        || {
            let Some(state) = current_state() else {
                return default();
            };
            match message {
                WM_SIZE => {
                    state.resize_browser();
                    LRESULT(0)
                }
                WM_SETFOCUS => {
                    state.focus_browser();
                    LRESULT(0)
                }
                WM_ACTIVATE => {
                    state.frame_activated((wparam.0 & 0xFFFF) as u32 != WA_INACTIVE);
                    default()
                }
                WM_TIMER if wparam.0 == WATCH_TIMER => {
                    state.check_watch();
                    LRESULT(0)
                }
                WM_CLOSE => {
                    // Not DestroyWindow here: `run` closes the control first, then the window.
                    state.on_close_message();
                    LRESULT(0)
                }
                WM_DESTROY => {
                    state.on_destroyed();
                    LRESULT(0)
                }
                _ => default(),
            }
        },
        default,
    )
}
