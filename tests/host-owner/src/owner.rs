//! The owner window, the host process and the actions on the host's window.

use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use clap::Parser as _;

use windows::Win32::Foundation::{HWND, LPARAM, WPARAM};
use windows::Win32::System::LibraryLoader::GetModuleHandleW;
use windows::Win32::UI::Input::KeyboardAndMouse::VK_ESCAPE;
use windows::Win32::UI::WindowsAndMessaging::{
    CreateWindowExW, DestroyWindow, DispatchMessageW, FindWindowW, GetWindow, IsWindowVisible,
    PeekMessageW, PostMessageW, RegisterClassExW, ShowWindow, TranslateMessage, CW_USEDEFAULT,
    GW_OWNER, MSG, PM_REMOVE, SW_SHOW, WINDOW_EX_STYLE, WM_CLOSE, WM_KEYDOWN, WNDCLASSEXW,
    WS_OVERLAPPEDWINDOW,
};
use windows_core::{w, PCWSTR};

use crate::owner_args::{Action, Options};
use sspr_host_owner::default_window_proc;

/// The reset host's window class (`payload/reset-host/src/window/frame.rs`).
const HOST_CLASS: PCWSTR = w!("SsprResetHostWindow");
const OWNER_CLASS: PCWSTR = w!("SsprHostOwnerTestWindow");
const POLL: Duration = Duration::from_millis(10);

/// The whole test; the exit code is 0 when it ran to the end (whatever the host did), 1 if not.
pub fn run() -> i32 {
    let options = match Options::try_parse().map(Options::validate) {
        Ok(Ok(options)) => options,
        Ok(Err(error)) => {
            println!("error={error}");
            return 1;
        }
        Err(error) => {
            println!("error={}", error.render().to_string().trim_end());
            return 1;
        }
    };
    if let Err(error) = sspr_host_owner::wait_for_desktop() {
        println!("error=the owner window cannot be created: {error}");
        return 1;
    }
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
    let deadline = started + options.timeout();
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
    match (options.keys_after(), host_window) {
        (Some(after), Some(window)) => {
            let posted = wait(&mut host, after);
            post_keys(window, &options.post_keys);
            println!("keys_posted_after_ms={}", posted.elapsed().as_millis());
        }
        (Some(_), None) => println!("keys_failed=no host window"),
        (None, _) => {}
    }
    match (options.action(), host_window) {
        (Some((action, after)), Some(window)) => {
            wait(&mut host, after);
            if options.keys_after().is_none() {
                post_keys(window, &options.post_keys);
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

/// Waits `after` from now, pumping our messages, or until the host is gone; returns when it
/// started waiting.
fn wait(host: &mut Child, after: Duration) -> Instant {
    let from = Instant::now();
    let due = from + after;
    while Instant::now() < due && !exited(host) {
        pump_messages();
        sleep(POLL);
    }
    from
}

fn post_keys(window: HWND, keys: &[u16]) {
    for key in keys {
        println!(
            "posted_key=0x{key:02X} ok={}",
            u8::from(post_key(window, *key))
        );
    }
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
            lpfnWndProc: Some(default_window_proc),
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
