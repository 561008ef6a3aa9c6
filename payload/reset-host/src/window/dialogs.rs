//! Refuses the dialogs `dialog_policy` names: a CBT hook on the UI thread answers "no" to their
//! creation, so the file, print and save dialogs and HTML dialogs never appear, whatever asks.

use std::cell::RefCell;
use std::rc::Rc;

use windows::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
use windows::Win32::System::Threading::GetCurrentThreadId;
use windows::Win32::UI::WindowsAndMessaging::{
    CallNextHookEx, GetClassNameW, SetWindowsHookExW, UnhookWindowsHookEx, CBT_CREATEWNDW,
    HCBT_CREATEWND, HHOOK, WH_CBT, WS_CHILD,
};

use super::dialog_policy::refused_window;
use super::gate_slot::GateSlot;
use super::guard::catch_panic;

thread_local! {
    // Where the hook procedure (a plain function) logs what it refused.
    // The initializer is `const` already; the lint misfires on the win7 targets' thread_local!.
    #[allow(clippy::missing_const_for_thread_local)]
    static HOOK_LOG: RefCell<Option<Rc<GateSlot>>> = const { RefCell::new(None) };
}

/// The installed hook; unhooked on drop.
pub struct DialogGuard {
    hook: HHOOK,
}

impl DialogGuard {
    /// Hooks window creation on the calling (UI) thread only.
    pub fn install(gate: Rc<GateSlot>) -> windows_core::Result<Self> {
        HOOK_LOG.with(|log| *log.borrow_mut() = Some(gate));
        // SAFETY: a thread-local hook (no module handle) on this thread; the procedure lives for
        // the whole program.
        let hook = unsafe { SetWindowsHookExW(WH_CBT, Some(cbt_hook), None, GetCurrentThreadId()) };
        match hook {
            Ok(hook) => Ok(Self { hook }),
            Err(error) => {
                HOOK_LOG.with(|log| log.borrow_mut().take());
                Err(error)
            }
        }
    }
}

impl Drop for DialogGuard {
    fn drop(&mut self) {
        // SAFETY: the hook this guard installed, removed once.
        let _ = unsafe { UnhookWindowsHookEx(self.hook) };
        HOOK_LOG.with(|log| log.borrow_mut().take());
    }
}

unsafe extern "system" fn cbt_hook(code: i32, wparam: WPARAM, lparam: LPARAM) -> LRESULT {
    let pass_on = || {
        // SAFETY: the hook chain's own continuation with the arguments we were given.
        unsafe { CallNextHookEx(None, code, wparam, lparam) }
    };
    catch_panic(
        || {
            if u32::try_from(code) == Ok(HCBT_CREATEWND) && refuse(HWND(wparam.0 as _), lparam) {
                // A non-zero answer to HCBT_CREATEWND destroys the window before it is shown.
                LRESULT(1)
            } else {
                pass_on()
            }
        },
        pass_on,
    )
}

fn refuse(window: HWND, lparam: LPARAM) -> bool {
    let create = lparam.0 as *const CBT_CREATEWNDW;
    // SAFETY: for HCBT_CREATEWND, lparam points at a CBT_CREATEWNDW whose lpcs is the window's
    // CREATESTRUCTW, both valid for the duration of the hook call; null is checked.
    let style = unsafe { create.as_ref().and_then(|create| create.lpcs.as_ref()) }
        .map_or(0, |create_struct| create_struct.style);
    let is_child = style & WS_CHILD.0 as i32 != 0;
    let mut class = [0u16; 64];
    // SAFETY: the window exists (it is being created); the buffer is writable for its length.
    let length = unsafe { GetClassNameW(window, &mut class) };
    let class = String::from_utf16_lossy(&class[..usize::try_from(length).unwrap_or(0)]);
    let Some(what) = refused_window(&class, is_child) else {
        return false;
    };
    HOOK_LOG.with(|log| {
        if let Some(log) = log.borrow().as_ref() {
            log.log(&format!("dialog blocked: {what} (window class {class})"));
        }
    });
    true
}
