//! sspr-window-probe: the reset host's window (`sspr_reset_host::window`) without the rest of the
//! host, so Wine tests can drive `window::run` outside the sandbox the real host insists on. It
//! plans as the host does (`sspr_reset_host::plan` from the installed settings in the registry)
//! and runs the window with the host's own gate (`sspr_reset_host::session::PolicyGate`), so the
//! URL policy, new-window, download and context-menu handling under test are the host's; it
//! prints every question the gate answers and every log line.
//!
//! ```text
//! sspr-window-probe [--parent-window=HWND] [--idle-ms=N] [--portal-url=URL]
//!                   [--messagebox-after-ms=N] [--foreign-window-after-ms=N]
//! sspr-window-probe --exercise
//! ```
//! `--idle-ms` overrides the installed `IdleTimeoutSeconds`; `--portal-url` the installed
//! `PortalUrl`, as the host's own option does.
//! `--messagebox-after-ms N` calls `MessageBoxW` on the window's thread N ms into the run, as a
//! page's dialog would: the window's dialog guard must refuse it at once.
//! `--foreign-window-after-ms N` creates a top-level window of class `SsprForeignTestWindow` on
//! a thread of its own N ms into the run, as a download or print dialog raised off the window's
//! thread would be: the process-wide window hook must close the reset window.
//! `--exercise` runs no window: it calls the window's COM objects as MSHTML would
//! (`sspr_reset_host::window::exercise`) with the same gate and prints `com.<name>=<answer>`
//! lines, exit 0.
//!
//! Output, one `key=value` per line: `gate=<url> allow=<0|1>`, `log=<line>`,
//! `messagebox=<result> messagebox_ms=<how long it blocked>`, then `reason=<close reason>` (or
//! `error=<HRESULT>`). Exit code per reason: escape 10, idle 11, owner-closed 12, user-closed 13,
//! browser-failed 14, policy-breach 16; 15 when `run` failed, 2 for bad arguments or no plan.

/// The probe's command line.
#[derive(Debug, clap::Parser)]
#[command(name = "sspr-window-probe")]
#[cfg_attr(not(windows), allow(dead_code))]
struct ProbeArgs {
    /// LogonUI's window stand-in that owns ours, in decimal.
    #[arg(long, default_value_t = 0)]
    parent_window: isize,
    /// Close after this many ms without input (default: the installed idle timeout).
    #[arg(long, value_name = "MS")]
    idle_ms: Option<u64>,
    /// The portal to open (default: the installed `PortalUrl`).
    #[arg(long, value_name = "URL")]
    portal_url: Option<String>,
    /// Call MessageBoxW on the window's thread this many ms into the run.
    #[arg(long, value_name = "MS")]
    messagebox_after_ms: Option<u32>,
    /// Create a foreign top-level window on another thread this many ms into the run.
    #[arg(long, value_name = "MS")]
    foreign_window_after_ms: Option<u32>,
    /// Call the window's COM objects as MSHTML would, without a window.
    #[arg(
        long,
        conflicts_with_all = ["parent_window", "idle_ms", "messagebox_after_ms", "foreign_window_after_ms"]
    )]
    exercise: bool,
}

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

    use windows::Win32::Foundation::HWND;
    use windows::Win32::System::LibraryLoader::GetModuleHandleW;
    use windows::Win32::UI::WindowsAndMessaging::{
        CreateWindowExW, DispatchMessageW, GetMessageW, KillTimer, MessageBoxW, RegisterClassExW,
        SetTimer, MB_OK, MSG, WINDOW_EX_STYLE, WNDCLASSEXW, WS_OVERLAPPEDWINDOW, WS_VISIBLE,
    };
    use windows_core::w;

    use clap::Parser as _;
    use sspr_reset_host::plan::plan;
    use sspr_reset_host::session::{self, PolicyGate};
    use sspr_reset_host::window::{self, CloseReason, Gate, WindowOptions};

    use super::ProbeArgs;
    use sspr_host_owner::default_window_proc;

    /// The host's gate, with each navigation question printed: what the window asked and what
    /// the policy answered.
    struct PrintingGate(PolicyGate);

    impl Gate for PrintingGate {
        fn allow_navigation(&self, url: &str) -> bool {
            let allow = self.0.allow_navigation(url);
            println!("gate={url} allow={}", u8::from(allow));
            allow
        }

        fn allow_subresource(&self, url: &str) -> bool {
            self.0.allow_subresource(url)
        }

        fn log(&self, line: &str) {
            self.0.log(line);
        }
    }

    fn print_log(line: &str) {
        println!("log={line}");
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
                    lpfnWndProc: Some(default_window_proc),
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

    pub fn run() -> i32 {
        let args = match ProbeArgs::try_parse() {
            Ok(args) => args,
            Err(error) => {
                println!("error={}", error.render().to_string().trim_end());
                return 2;
            }
        };
        if let Err(error) = sspr_host_owner::wait_for_desktop() {
            println!("error={error}");
            return 2;
        }
        // What the host plans from the installed settings, with the same policy.
        let settings = session::settings();
        let plan = match plan(args.portal_url.as_deref(), None, &settings) {
            Ok(plan) => plan,
            Err(error) => {
                println!("error=no plan: {error}");
                return 2;
            }
        };
        for (entry, reason) in &plan.policy.ignored_hosts {
            println!("log=AllowedHosts entry `{entry}` ignored: {reason}");
        }
        println!("allowed_hosts={}", plan.policy.policy.hosts().join(" "));
        let gate = PrintingGate(PolicyGate::new(plan.policy.policy.clone(), print_log));
        if args.exercise {
            return match window::exercise(gate) {
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
            };
        }
        let options = WindowOptions {
            url: plan.url.clone(),
            owner: args.parent_window,
            idle_timeout: args.idle_ms.map_or(
                Duration::from_secs(u64::from(plan.idle_timeout_seconds)),
                Duration::from_millis,
            ),
            title: "Reset password (sspr-window-probe)".to_owned(),
        };
        if let Some(ms) = args.messagebox_after_ms {
            // SAFETY: a thread timer (no window); the callback lives for the whole program.
            unsafe { SetTimer(None, 0, ms, Some(show_message_box)) };
        }
        if let Some(ms) = args.foreign_window_after_ms {
            // SAFETY: as for the message box.
            unsafe { SetTimer(None, 0, ms, Some(start_foreign_window)) };
        }
        match window::run(&options, gate) {
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
