//! sspr-window-probe: the reset host's window (`sspr_reset_host::window`) without the rest of the
//! host, so Wine tests can drive `window::run` outside the sandbox the real host insists on. Its
//! gate allows `https://` URLs only (a stand-in for the host's URL policy) and prints every
//! question and log line.
//!
//! ```text
//! sspr-window-probe [--parent-window=HWND] [--idle-ms=N] [--url=URL] [--messagebox-after-ms=N]
//!                   [--foreign-window-after-ms=N]
//! sspr-window-probe --exercise
//! ```
//! `--messagebox-after-ms N` calls `MessageBoxW` on the window's thread N ms into the run, as a
//! page's dialog would: the window's dialog guard must refuse it at once.
//! `--foreign-window-after-ms N` creates a top-level window of class `SsprForeignTestWindow` on
//! a thread of its own N ms into the run, as a download or print dialog raised off the window's
//! thread would be: the process-wide window hook must close the reset window.
//! `--exercise` runs no window: it calls the window's COM objects as MSHTML would
//! (`sspr_reset_host::window::exercise`) and prints `com.<name>=<answer>` lines, exit 0.
//!
//! Output, one `key=value` per line: `gate=<url> allow=<0|1>`, `log=<line>`,
//! `messagebox=<result> messagebox_ms=<how long it blocked>`, then `reason=<close reason>` (or
//! `error=<HRESULT>`). Exit code per reason: escape 10, idle 11, owner-closed 12, user-closed 13,
//! browser-failed 14, policy-breach 16; 15 when `run` failed.

#[cfg(windows)]
fn main() {
    std::process::exit(probe::run());
}

#[cfg(not(windows))]
fn main() {
    eprintln!("sspr-window-probe runs on Windows (or under Wine) only");
    std::process::exit(2);
}

#[cfg(windows)]
mod probe {
    use std::time::{Duration, Instant};

    use windows::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
    use windows::Win32::System::LibraryLoader::GetModuleHandleW;
    use windows::Win32::UI::WindowsAndMessaging::{
        CreateWindowExW, DefWindowProcW, DispatchMessageW, GetMessageW, KillTimer, MessageBoxW,
        RegisterClassExW, SetTimer, MB_OK, MSG, WINDOW_EX_STYLE, WNDCLASSEXW, WS_OVERLAPPEDWINDOW,
        WS_VISIBLE,
    };
    use windows_core::w;

    use sspr_reset_host::window::{self, CloseReason, Gate, WindowOptions};

    struct PrintingGate;

    impl Gate for PrintingGate {
        fn allow_navigation(&self, url: &str) -> bool {
            let allow = url.starts_with("https://");
            println!("gate={url} allow={}", u8::from(allow));
            allow
        }

        fn log(&self, line: &str) {
            println!("log={line}");
        }
    }

    /// A thread timer's callback: runs inside the window's message loop, on its thread.
    unsafe extern "system" fn show_message_box(_: HWND, _: u32, id: usize, _: u32) {
        // SAFETY: the thread timer that called us, stopped after its first tick.
        let _ = unsafe { KillTimer(None, id) };
        let before = Instant::now();
        // SAFETY: static strings; no owner window.
        let answer = unsafe { MessageBoxW(None, w!("sspr-window-probe"), w!("probe"), MB_OK) };
        println!(
            "messagebox={} messagebox_ms={}",
            answer.0,
            before.elapsed().as_millis()
        );
    }

    unsafe extern "system" fn foreign_window_proc(
        window: HWND,
        message: u32,
        wparam: WPARAM,
        lparam: LPARAM,
    ) -> LRESULT {
        // SAFETY: the arguments Windows gave this window procedure.
        unsafe { DefWindowProcW(window, message, wparam, lparam) }
    }

    /// A thread timer's callback: starts a thread that creates a visible top-level window of a
    /// class the reset window does not know, and pumps its messages.
    unsafe extern "system" fn start_foreign_window(_: HWND, _: u32, id: usize, _: u32) {
        // SAFETY: the thread timer that called us, stopped after its first tick.
        let _ = unsafe { KillTimer(None, id) };
        std::thread::spawn(|| {
            // SAFETY: our own module; a class with the default window procedure; the window
            // is this thread's, pumped below until the process ends.
            unsafe {
                let Ok(instance) = GetModuleHandleW(None) else {
                    return;
                };
                let class = WNDCLASSEXW {
                    cbSize: std::mem::size_of::<WNDCLASSEXW>() as u32,
                    lpfnWndProc: Some(foreign_window_proc),
                    hInstance: instance.into(),
                    lpszClassName: w!("SsprForeignTestWindow"),
                    ..Default::default()
                };
                RegisterClassExW(&class);
                let created = CreateWindowExW(
                    WINDOW_EX_STYLE(0),
                    w!("SsprForeignTestWindow"),
                    w!("foreign"),
                    WS_OVERLAPPEDWINDOW | WS_VISIBLE,
                    0,
                    0,
                    200,
                    100,
                    None,
                    None,
                    Some(instance.into()),
                    None,
                );
                println!("foreign_window={}", u8::from(created.is_ok()));
                let mut message = MSG::default();
                while GetMessageW(&mut message, None, 0, 0).as_bool() {
                    DispatchMessageW(&message);
                }
            }
        });
    }

    /// The host's own policy for the default portal, as the gate of `--exercise`: pages by
    /// `check`, scripts and images by `check_subresource`.
    struct PolicyGate(sspr_url_policy::Policy);

    impl Gate for PolicyGate {
        fn allow_navigation(&self, url: &str) -> bool {
            self.0.check(url).is_allowed()
        }

        fn allow_subresource(&self, url: &str) -> bool {
            self.0.check_subresource(url).is_allowed()
        }

        fn log(&self, line: &str) {
            println!("log={line}");
        }
    }

    fn exercise() -> i32 {
        let policy = match sspr_url_policy::Policy::load(
            "https://passwordreset.microsoftonline.com/",
            &[],
        ) {
            Ok(loaded) => loaded.policy,
            Err(deny) => {
                println!("error={deny}");
                return 2;
            }
        };
        match window::exercise(PolicyGate(policy)) {
            Ok(answers) => {
                for (name, value) in answers {
                    println!("com.{name}={value}");
                }
                0
            }
            Err(error) => {
                println!("error=0x{:08X}", error.code().0 as u32);
                15
            }
        }
    }

    pub fn run() -> i32 {
        if std::env::args().nth(1).as_deref() == Some("--exercise") {
            return exercise();
        }
        let mut options = WindowOptions {
            url: "https://passwordreset.microsoftonline.com/".to_owned(),
            owner: 0,
            idle_timeout: Duration::from_secs(600),
            title: "Reset password (sspr-window-probe)".to_owned(),
        };
        for arg in std::env::args().skip(1) {
            let parsed = if let Some(value) = arg.strip_prefix("--parent-window=") {
                value.parse().map(|owner| options.owner = owner).is_ok()
            } else if let Some(value) = arg.strip_prefix("--idle-ms=") {
                value
                    .parse()
                    .map(|ms| options.idle_timeout = Duration::from_millis(ms))
                    .is_ok()
            } else if let Some(value) = arg.strip_prefix("--url=") {
                options.url = value.to_owned();
                true
            } else if let Some(value) = arg.strip_prefix("--messagebox-after-ms=") {
                // SAFETY: a thread timer (no window); the callback lives for the whole program.
                value
                    .parse()
                    .map(|ms| unsafe { SetTimer(None, 0, ms, Some(show_message_box)) })
                    .is_ok()
            } else if let Some(value) = arg.strip_prefix("--foreign-window-after-ms=") {
                // SAFETY: as for the message box.
                value
                    .parse()
                    .map(|ms| unsafe { SetTimer(None, 0, ms, Some(start_foreign_window)) })
                    .is_ok()
            } else {
                false
            };
            if !parsed {
                println!("error=unknown or malformed argument `{arg}`");
                return 2;
            }
        }
        match window::run(&options, &PrintingGate) {
            Ok(reason) => {
                println!("reason={reason}");
                match reason {
                    CloseReason::Escape => 10,
                    CloseReason::Idle => 11,
                    CloseReason::OwnerClosed => 12,
                    CloseReason::UserClosed => 13,
                    CloseReason::BrowserFailed(_) => 14,
                    CloseReason::PolicyBreach(_) => 16,
                }
            }
            Err(error) => {
                println!("error=0x{:08X}", error.code().0 as u32);
                15
            }
        }
    }
}
