//! The owner window, the host process and the actions on the host's window.

use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use windows::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
use windows::Win32::System::LibraryLoader::GetModuleHandleW;
use windows::Win32::UI::Input::KeyboardAndMouse::VK_ESCAPE;
use windows::Win32::UI::WindowsAndMessaging::{
    CreateWindowExW, DefWindowProcW, DestroyWindow, DispatchMessageW, FindWindowW, GetWindow,
    IsWindowVisible, PeekMessageW, PostMessageW, RegisterClassExW, ShowWindow, TranslateMessage,
    CW_USEDEFAULT, GW_OWNER, MSG, PM_REMOVE, SW_SHOW, WINDOW_EX_STYLE, WM_CLOSE, WM_KEYDOWN,
    WNDCLASSEXW, WS_OVERLAPPEDWINDOW,
};
use windows_core::{w, PCWSTR};

/// The reset host's window class (`payload/reset-host/src/window/frame.rs`).
const HOST_CLASS: PCWSTR = w!("SsprResetHostWindow");
const OWNER_CLASS: PCWSTR = w!("SsprHostOwnerTestWindow");
const POLL: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    DestroyOwner,
    Escape,
    Close,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::DestroyOwner => "destroy-owner",
            Self::Escape => "escape",
            Self::Close => "close",
        }
    }
}

struct Options {
    host: String,
    action: Option<(Action, Duration)>,
    /// Virtual-key codes posted as `WM_KEYDOWN` to the host's window just before the action.
    keys: Vec<u16>,
    timeout: Duration,
    host_args: Vec<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let host = args
        .next()
        .ok_or("usage: sspr-host-owner <host.exe> [options] [-- args]")?;
    let mut options = Options {
        host,
        action: None,
        keys: Vec::new(),
        timeout: Duration::from_millis(30_000),
        host_args: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut millis = |name: &str| -> Result<Duration, String> {
            let value = args.next().ok_or(format!("{name} needs a number of ms"))?;
            let ms = value
                .parse::<u64>()
                .map_err(|_| format!("{name}: `{value}` is not a number of ms"))?;
            Ok(Duration::from_millis(ms))
        };
        match arg.as_str() {
            "--destroy-after-ms" => options.action = Some((Action::DestroyOwner, millis(&arg)?)),
            "--escape-after-ms" => options.action = Some((Action::Escape, millis(&arg)?)),
            "--close-after-ms" => options.action = Some((Action::Close, millis(&arg)?)),
            "--timeout-ms" => options.timeout = millis(&arg)?,
            "--post-keys" => {
                let list = args
                    .next()
                    .ok_or("--post-keys needs a list like 0x7B,0x70")?;
                options.keys = list.split(',').map(parse_key).collect::<Result<_, _>>()?;
            }
            "--" => {
                options.host_args.extend(args.by_ref());
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// The whole test; the exit code is 0 when it ran to the end (whatever the host did), 1 if not.
pub fn run() -> i32 {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            println!("error={error}");
            return 1;
        }
    };
    let owner = match create_owner() {
        Ok(owner) => owner,
        Err(error) => {
            println!("error=the owner window cannot be created: {error}");
            return 1;
        }
    };
    println!("owner_window={}", owner.0 as isize);
    let mut host = match Command::new(&options.host)
        .arg(format!("--parent-window={}", owner.0 as isize))
        .args(&options.host_args)
        .spawn()
    {
        Ok(host) => host,
        Err(error) => {
            println!("error=cannot start {}: {error}", options.host);
            return 1;
        }
    };
    let started = Instant::now();
    let deadline = started + options.timeout;
    let host_window = wait_for_host_window(&mut host, deadline);
    println!("host_window={}", u8::from(host_window.is_some()));
    if let Some(window) = host_window {
        // SAFETY: GetWindow accepts any handle.
        let host_owner = unsafe { GetWindow(window, GW_OWNER) }.ok();
        println!(
            "host_window_owner_ok={}",
            u8::from(host_owner == Some(owner))
        );
        let visible = wait_until_visible(&mut host, window, deadline);
        println!("host_window_visible={}", u8::from(visible));
    }
    let mut clock = started;
    match (options.action, host_window) {
        (Some((action, after)), Some(window)) => {
            let due = Instant::now() + after;
            while Instant::now() < due && !exited(&mut host) {
                pump_messages();
                sleep(POLL);
            }
            for key in &options.keys {
                println!(
                    "posted_key=0x{key:02X} ok={}",
                    u8::from(post_key(window, *key))
                );
            }
            if act(action, owner, window) {
                println!("action={}", action.name());
            } else {
                println!("action_failed={}", action.name());
            }
            clock = Instant::now();
        }
        (Some((action, _)), None) => println!("action_failed={}", action.name()),
        (None, _) => println!("action=none"),
    }
    let exit = wait_for_exit(&mut host, deadline);
    match exit {
        Some(code) => println!("host_exit={code}"),
        None => {
            let _ = host.kill();
            let _ = host.wait();
            println!("host_exit=timeout");
        }
    }
    println!("elapsed_ms={}", clock.elapsed().as_millis());
    0
}

fn parse_key(text: &str) -> Result<u16, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u16::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a virtual-key code"))
}

/// Posts one key press; the host reads modifiers from its own keyboard state, so only plain
/// keys can be sent this way.
fn post_key(window: HWND, key: u16) -> bool {
    // SAFETY: posting to a window handle that may be gone only fails.
    unsafe {
        PostMessageW(
            Some(window),
            WM_KEYDOWN,
            WPARAM(usize::from(key)),
            LPARAM(1),
        )
    }
    .is_ok()
}

fn act(action: Action, owner: HWND, window: HWND) -> bool {
    // SAFETY: posting to a window handle that may be gone only fails; DestroyWindow is called
    // on the thread that created the owner window.
    unsafe {
        match action {
            Action::DestroyOwner => DestroyWindow(owner).is_ok(),
            Action::Escape => post_key(window, VK_ESCAPE.0),
            Action::Close => PostMessageW(Some(window), WM_CLOSE, WPARAM(0), LPARAM(0)).is_ok(),
        }
    }
}

fn exited(host: &mut Child) -> bool {
    matches!(host.try_wait(), Ok(Some(_)))
}

fn wait_for_host_window(host: &mut Child, deadline: Instant) -> Option<HWND> {
    while Instant::now() < deadline && !exited(host) {
        pump_messages();
        // SAFETY: a class name from a static string; no title filter.
        if let Ok(window) = unsafe { FindWindowW(HOST_CLASS, PCWSTR::null()) } {
            return Some(window);
        }
        sleep(POLL);
    }
    None
}

/// The host shows its window once the browser is set up; a few seconds are plenty.
fn wait_until_visible(host: &mut Child, window: HWND, deadline: Instant) -> bool {
    let give_up = deadline.min(Instant::now() + Duration::from_secs(5));
    loop {
        // SAFETY: IsWindowVisible accepts any handle.
        if unsafe { IsWindowVisible(window) }.as_bool() {
            return true;
        }
        if Instant::now() >= give_up || exited(host) {
            return false;
        }
        pump_messages();
        sleep(POLL);
    }
}

fn wait_for_exit(host: &mut Child, deadline: Instant) -> Option<i32> {
    loop {
        pump_messages();
        match host.try_wait() {
            Ok(Some(status)) => return Some(status.code().unwrap_or(-1)),
            Ok(None) if Instant::now() < deadline => sleep(POLL),
            _ => return None,
        }
    }
}

fn pump_messages() {
    let mut message = MSG::default();
    // SAFETY: message is a valid out-pointer; this thread's messages only.
    unsafe {
        while PeekMessageW(&mut message, None, 0, 0, PM_REMOVE).as_bool() {
            let _ = TranslateMessage(&message);
            DispatchMessageW(&message);
        }
    }
}

fn create_owner() -> windows_core::Result<HWND> {
    // SAFETY: our own module; the class is fully initialised with static strings.
    unsafe {
        let instance = GetModuleHandleW(None)?;
        let class = WNDCLASSEXW {
            cbSize: std::mem::size_of::<WNDCLASSEXW>() as u32,
            lpfnWndProc: Some(owner_proc),
            hInstance: instance.into(),
            lpszClassName: OWNER_CLASS,
            ..Default::default()
        };
        if RegisterClassExW(&class) == 0 {
            return Err(windows_core::Error::from_win32());
        }
        let window = CreateWindowExW(
            WINDOW_EX_STYLE(0),
            OWNER_CLASS,
            w!("sspr-host-owner (LogonUI stand-in)"),
            WS_OVERLAPPEDWINDOW,
            CW_USEDEFAULT,
            CW_USEDEFAULT,
            640,
            480,
            None,
            None,
            Some(instance.into()),
            None,
        )?;
        let _ = ShowWindow(window, SW_SHOW);
        Ok(window)
    }
}

unsafe extern "system" fn owner_proc(
    window: HWND,
    message: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    // SAFETY: the arguments Windows gave this window procedure.
    unsafe { DefWindowProcW(window, message, wparam, lparam) }
}
