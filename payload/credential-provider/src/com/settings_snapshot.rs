//! The process's settings snapshot (`sspr_settings::snapshot`) over `HKLM`, watched with the
//! Windows notifier: `SetUsageScenario` and `Filter` read it without a system call while nothing
//! changed, and a change, the kill switch above all, is read at the next one.
//!
//! The notifier's wait calls into this DLL, so the watch is dropped before the DLL can go:
//! when `DllCanUnloadNow` says yes, and at `DLL_PROCESS_DETACH` of a `FreeLibrary` (a caller
//! that unloads without asking COM).

use std::ffi::c_void;
use std::sync::Arc;

use sspr_settings::snapshot::{Freshness, Snapshot};
use sspr_settings::windows_watch::RegistryNotifier;
use sspr_settings::Settings;
use windows::Win32::Foundation::HINSTANCE;
use windows_core::BOOL;

use super::system::read_settings;
use crate::guard::catch_panic;
use crate::logging::Logger;

static SNAPSHOT: Snapshot<RegistryNotifier, Settings> = Snapshot::new(RegistryNotifier);

/// The settings now: the snapshot's, or read afresh after a change (or when unwatched).
pub fn current_settings() -> (Arc<Settings>, Freshness) {
    SNAPSHOT.get(read_settings)
}

/// Logs where the settings came from (a warning the first time they cannot be watched).
pub fn log_freshness(log: &Logger, freshness: &Freshness) {
    let (level, line) = crate::settings_freshness::note(freshness);
    log.log(level, || line);
}

/// Drops the snapshot and its watch (no callback into this DLL is pending afterwards).
pub fn disarm() {
    SNAPSHOT.disarm();
}

const DLL_PROCESS_DETACH: u32 = 0;

#[no_mangle]
/// The DLL entry point (called by MinGW's `DllMainCRTStartup`). Only an unload by `FreeLibrary`
/// (`reserved` null) does anything: it disarms the settings watch, whose wait callback is in
/// this DLL. At process exit (`reserved` non-null) the wait thread is gone already.
pub extern "system" fn DllMain(_module: HINSTANCE, reason: u32, reserved: *mut c_void) -> BOOL {
    if reason == DLL_PROCESS_DETACH && reserved.is_null() {
        catch_panic(disarm, || ());
    }
    BOOL(1)
}
