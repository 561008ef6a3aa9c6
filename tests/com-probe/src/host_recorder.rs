//! The probe as the reset host: a test copies this program over the installed
//! `SsprResetHost.exe`; started by the provider's link, it writes its own command line (exactly
//! as `CreateProcessW` got it) to the file `SSPR_PROBE_HOST_RECORD` names, and exits.

use std::path::{Path, PathBuf};
use std::time::Instant;

use windows::Win32::System::Environment::GetCommandLineW;

/// The variable naming the file the recorder writes (inherited through the provider).
pub const RECORD_VARIABLE: &str = "SSPR_PROBE_HOST_RECORD";
/// The folder the probe puts records in (a Windows path); `%TEMP%` when unset.
pub const RECORD_DIR_VARIABLE: &str = "SSPR_PROBE_RECORD_DIR";

/// True when this process was started under the reset host's name.
pub fn is_reset_host() -> bool {
    std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
        })
        .is_some_and(|name| name == "ssprresethost.exe")
}

/// With the real host installed: the file to watch (its log, a Windows path) and the texts, `|`
/// separated, any of which means the host has said what the test needs.
pub const WAIT_FILE_VARIABLE: &str = "SSPR_PROBE_WAIT_FILE";
pub const WAIT_TEXT_VARIABLE: &str = "SSPR_PROBE_WAIT_TEXT";

/// When [`WAIT_FILE_VARIABLE`] is set: waits (the probe must stay alive meanwhile: the host's
/// job closes with this process) until the file holds one of the texts, and says `found` or
/// `timeout`. `None` when the variable is unset.
pub fn wait_for_text(deadline: Instant) -> Option<&'static str> {
    let file = std::env::var_os(WAIT_FILE_VARIABLE)?;
    let texts = std::env::var(WAIT_TEXT_VARIABLE).unwrap_or_default();
    loop {
        let content = std::fs::read_to_string(&file).unwrap_or_default();
        if texts
            .split('|')
            .any(|t| !t.is_empty() && content.contains(t))
        {
            return Some("found");
        }
        if Instant::now() >= deadline {
            return Some("timeout");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Records the command line and returns the exit code.
pub fn record() -> i32 {
    // SAFETY: GetCommandLineW returns this process's command line, valid for its life.
    let line = unsafe { GetCommandLineW().to_string() }.unwrap_or_default();
    match std::env::var_os(RECORD_VARIABLE) {
        Some(path) => match std::fs::write(&path, line) {
            Ok(()) => 0,
            Err(_) => 3,
        },
        None => 2,
    }
}

/// Points the next host start at a fresh record file for credential `index`.
pub fn arm(index: u32) -> PathBuf {
    let dir = std::env::var_os(RECORD_DIR_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let record = dir.join(format!("reset-host-{index}.txt"));
    let _ = std::fs::remove_file(&record);
    // The provider starts the host with this process's environment.
    std::env::set_var(RECORD_VARIABLE, &record);
    record
}

/// The recorded command line, once the file appears (or `None` by the deadline).
pub fn wait(record: &Path, deadline: Instant) -> Option<String> {
    loop {
        if let Ok(text) = std::fs::read_to_string(record) {
            if !text.is_empty() {
                return Some(text);
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
