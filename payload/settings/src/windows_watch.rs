//! The Windows [`Notifier`]: `RegNotifyChangeKeyValue` on each of [`WATCHED_KEYS`], all
//! signalling one event, and a thread-pool wait on that event that sets a flag, so
//! [`Watch::changed`] is a memory read.
//!
//! Windows 7: `REG_NOTIFY_THREAD_AGNOSTIC` is Windows 8 and later. Without it a registration
//! belongs to the thread that made it, and when that thread exits Windows signals the event
//! (Microsoft's `RegNotifyChangeKeyValue` reference): the flag is then set, the next resolve reads
//! the registry and arms again from the calling thread. So on Windows 7 a thread's end costs one
//! extra read, never a missed change. The flag is tried first and, when refused with
//! `ERROR_INVALID_PARAMETER`, left out from then on.
//!
//! The wait runs its callback in the wait thread (`WT_EXECUTEINWAITTHREAD`, it only stores a
//! flag) once (`WT_EXECUTEONLYONCE`). Dropping a watch unregisters the wait and waits for a
//! running callback to finish before the flag it writes is freed, so the owner must drop it
//! before this code is unloaded.

use std::sync::atomic::{AtomicBool, Ordering};

use windows::core::PCWSTR;
use windows::Win32::Foundation::{
    CloseHandle, ERROR_FILE_NOT_FOUND, ERROR_INVALID_PARAMETER, ERROR_SUCCESS, HANDLE,
    INVALID_HANDLE_VALUE,
};
use windows::Win32::System::Registry::{
    RegCloseKey, RegNotifyChangeKeyValue, RegOpenKeyExW, HKEY, HKEY_LOCAL_MACHINE, KEY_NOTIFY,
    KEY_WOW64_64KEY, REG_NOTIFY_CHANGE_LAST_SET, REG_NOTIFY_CHANGE_NAME,
    REG_NOTIFY_THREAD_AGNOSTIC,
};
use windows::Win32::System::Threading::{
    CreateEventW, RegisterWaitForSingleObject, UnregisterWaitEx, INFINITE, WT_EXECUTEINWAITTHREAD,
    WT_EXECUTEONLYONCE,
};

use crate::snapshot::{Notifier, Watch, WatchedKey, WATCHED_KEYS};

/// Set once Windows refused `REG_NOTIFY_THREAD_AGNOSTIC` (Windows 7): not offered again.
static NO_THREAD_AGNOSTIC: AtomicBool = AtomicBool::new(false);

/// Watches `HKLM`'s [`WATCHED_KEYS`] (64-bit view).
#[derive(Clone, Copy, Debug, Default)]
pub struct RegistryNotifier;

/// One armed set of registrations; dropping it disarms them.
#[derive(Debug)]
pub struct RegistryWatch {
    /// The flag the wait callback sets; boxed so its address stays put for the callback.
    fired: Box<AtomicBool>,
    event: HANDLE,
    wait: Option<HANDLE>,
    keys: Vec<HKEY>,
}

// SAFETY: the handles are process-wide kernel handles, usable and closable from any thread; the
// flag is atomic.
unsafe impl Send for RegistryWatch {}

impl Watch for RegistryWatch {
    fn changed(&self) -> bool {
        self.fired.load(Ordering::Acquire)
    }
}

/// The wait's callback: the event fired (a watched key changed, or on Windows 7 the registering
/// thread ended).
unsafe extern "system" fn on_signalled(context: *mut core::ffi::c_void, _timed_out: bool) {
    // SAFETY: context is the watch's boxed flag, which outlives the wait (Drop unregisters the
    // wait and waits for this callback before freeing it).
    let fired = unsafe { &*(context as *const AtomicBool) };
    fired.store(true, Ordering::Release);
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Opens `HKLM\<path>` for notifications; `Err(code)` with the Win32 error.
fn open_for_notify(path: &str) -> Result<HKEY, u32> {
    let path_w = wide(path);
    let mut key = HKEY::default();
    // SAFETY: path_w is NUL-terminated and outlives the call; key is a valid out-pointer.
    let status = unsafe {
        RegOpenKeyExW(
            HKEY_LOCAL_MACHINE,
            PCWSTR(path_w.as_ptr()),
            None,
            KEY_NOTIFY | KEY_WOW64_64KEY,
            &mut key,
        )
    };
    if status == ERROR_SUCCESS {
        Ok(key)
    } else {
        Err(status.0)
    }
}

/// The key to register for `watched`: the key itself, or when it does not exist (the MSI's key
/// on a machine without it), its nearest existing ancestor with its subtree, so its creation
/// fires too.
fn open_watched(watched: WatchedKey) -> Result<(HKEY, bool), String> {
    let mut path = watched.key;
    let mut subtree = watched.subtree;
    loop {
        match open_for_notify(path) {
            Ok(key) => return Ok((key, subtree)),
            Err(code) if code == ERROR_FILE_NOT_FOUND.0 => match path.rsplit_once('\\') {
                Some((parent, _)) => {
                    path = parent;
                    subtree = true;
                }
                None => return Err(format!(r"HKLM\{path} cannot be opened: error {code}")),
            },
            Err(code) => return Err(format!(r"HKLM\{path} cannot be opened: error {code}")),
        }
    }
}

/// Registers `key` to signal `event` at its next change (values set or deleted, subkeys added
/// or deleted).
fn register(key: HKEY, subtree: bool, event: HANDLE) -> Result<(), u32> {
    let filter = REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET;
    if !NO_THREAD_AGNOSTIC.load(Ordering::Relaxed) {
        // SAFETY: key is open with KEY_NOTIFY; event is a live event handle.
        let status = unsafe {
            RegNotifyChangeKeyValue(
                key,
                subtree,
                filter | REG_NOTIFY_THREAD_AGNOSTIC,
                Some(event),
                true,
            )
        };
        if status == ERROR_SUCCESS {
            return Ok(());
        }
        if status != ERROR_INVALID_PARAMETER {
            return Err(status.0);
        }
        // Windows 7: the registration will be this thread's (see the module comment).
        NO_THREAD_AGNOSTIC.store(true, Ordering::Relaxed);
    }
    // SAFETY: as above.
    let status = unsafe { RegNotifyChangeKeyValue(key, subtree, filter, Some(event), true) };
    if status == ERROR_SUCCESS {
        Ok(())
    } else {
        Err(status.0)
    }
}

impl Notifier for RegistryNotifier {
    type Watch = RegistryWatch;

    fn arm(&self) -> Result<RegistryWatch, String> {
        // Manual reset: several keys may signal it; the wait fires once anyway.
        // SAFETY: no security attributes, no name.
        let event = unsafe { CreateEventW(None, true, false, PCWSTR::null()) }
            .map_err(|e| format!("CreateEventW: {}", e.code()))?;
        let mut watch = RegistryWatch {
            fired: Box::new(AtomicBool::new(false)),
            event,
            wait: None,
            keys: Vec::with_capacity(WATCHED_KEYS.len()),
        };
        for watched in WATCHED_KEYS {
            let (key, subtree) = open_watched(watched)?;
            watch.keys.push(key);
            register(key, subtree, event).map_err(|code| {
                format!(
                    r"RegNotifyChangeKeyValue on HKLM\{}: error {code}",
                    watched.key
                )
            })?;
        }
        let mut wait = HANDLE::default();
        let context: *const AtomicBool = &*watch.fired;
        // SAFETY: event is live; the callback only stores to the flag, which outlives the wait
        // (see Drop); wait is a valid out-pointer.
        unsafe {
            RegisterWaitForSingleObject(
                &mut wait,
                event,
                Some(on_signalled),
                Some(context.cast()),
                INFINITE,
                WT_EXECUTEINWAITTHREAD | WT_EXECUTEONLYONCE,
            )
        }
        .map_err(|e| format!("RegisterWaitForSingleObject: {}", e.code()))?;
        watch.wait = Some(wait);
        Ok(watch)
    }
}

impl Drop for RegistryWatch {
    fn drop(&mut self) {
        if let Some(wait) = self.wait.take() {
            // INVALID_HANDLE_VALUE: return only once a running callback has finished, so the
            // flag is not freed under it.
            // SAFETY: wait came from RegisterWaitForSingleObject and is unregistered once.
            let _ = unsafe { UnregisterWaitEx(wait, Some(INVALID_HANDLE_VALUE)) };
        }
        for key in self.keys.drain(..) {
            // SAFETY: each key was opened by RegOpenKeyExW and is closed once; closing it ends
            // its registration.
            let _ = unsafe { RegCloseKey(key) };
        }
        // SAFETY: the event came from CreateEventW; no registration or wait uses it any more.
        let _ = unsafe { CloseHandle(self.event) };
    }
}
