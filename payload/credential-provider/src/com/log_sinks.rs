//! Where an enabled [`Logger`] writes on Windows: the log file under
//! `%ProgramData%\SsprWindowsLogon\logs\` (every line) and the Application event log under the
//! `SsprCredentialProvider` source (`Info` and above). Nothing here runs while logging is off.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::windows::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::os::windows::io::AsRawHandle as _;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::SystemTime;

use windows::Win32::Foundation::HANDLE;
use windows::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION, FILE_ATTRIBUTE_REPARSE_POINT,
    FILE_FLAG_OPEN_REPARSE_POINT,
};
use windows::Win32::System::EventLog::{
    DeregisterEventSource, RegisterEventSourceW, ReportEventW, EVENTLOG_ERROR_TYPE,
    EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE, REPORT_EVENT_TYPE,
};
use windows_core::{HSTRING, PCWSTR};

use super::private_dir::ensure_private_dir;
use super::system::process_and_thread;
use crate::logging::{
    file_line, Level, LogSink, Logger, HOST_LOG_FILE, LOG_DIR_PARTS, LOG_FILE,
    ROTATED_HOST_LOG_FILE, ROTATED_LOG_FILE, ROTATE_AT_BYTES,
};

/// Longest event text sent (the event log's limit per string is 31,839 characters).
const MAX_EVENT_CHARS: usize = 8_000;

/// The logger for `enable_logging`: disabled costs nothing, enabled opens both sinks.
pub fn open_logger(enable_logging: bool) -> Logger {
    if !enable_logging {
        return Logger::disabled();
    }
    let events = EventSource::register();
    let (file, problem) = match LogFile::open() {
        Ok(file) => (Some(Mutex::new(file)), None),
        Err(problem) => (None, Some(problem)),
    };
    let sink = WindowsSink { file, events };
    if let Some(problem) = problem {
        sink.write(Level::Warning, &format!("file logging is off: {problem}"));
    }
    Logger::new(Rc::new(sink))
}

struct WindowsSink {
    file: Option<Mutex<LogFile>>,
    events: Option<EventSource>,
}

impl LogSink for WindowsSink {
    fn write(&self, level: Level, message: &str) {
        if let Some(file) = &self.file {
            if let Ok(mut file) = file.lock() {
                file.append(level, message);
            }
        }
        if level >= Level::Info {
            if let Some(events) = &self.events {
                events.report(level, message);
            }
        }
    }
}

/// A registered event source, deregistered on drop.
struct EventSource(HANDLE);

impl EventSource {
    fn register() -> Option<Self> {
        // SAFETY: both strings are NUL-terminated for the call; no server name means local.
        let handle =
            unsafe { RegisterEventSourceW(PCWSTR::null(), &HSTRING::from(crate::EVENT_SOURCE)) };
        handle.ok().filter(|h| !h.is_invalid()).map(Self)
    }

    fn report(&self, level: Level, message: &str) {
        let kind: REPORT_EVENT_TYPE = match level {
            Level::Error => EVENTLOG_ERROR_TYPE,
            Level::Warning => EVENTLOG_WARNING_TYPE,
            Level::Debug | Level::Info => EVENTLOG_INFORMATION_TYPE,
        };
        let text: String = message.chars().take(MAX_EVENT_CHARS).collect();
        let text = HSTRING::from(text);
        let strings = [PCWSTR(text.as_ptr())];
        // SAFETY: the source handle is registered; strings holds one NUL-terminated string that
        // outlives the call; no SID and no raw data.
        let _ = unsafe {
            ReportEventW(
                self.0,
                kind,
                0,
                level.event_id(),
                None,
                0,
                Some(&strings),
                None,
            )
        };
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        // SAFETY: the handle came from RegisterEventSourceW and is deregistered once.
        let _ = unsafe { DeregisterEventSource(self.0) };
    }
}

/// The append-only log file, rotated once it passes [`ROTATE_AT_BYTES`].
struct LogFile {
    folder: PathBuf,
    file: File,
}

impl LogFile {
    fn open() -> Result<Self, String> {
        let folder = log_folder()?;
        let file = open_append(&folder, LOG_FILE)?;
        Ok(Self { folder, file })
    }

    fn append(&mut self, level: Level, message: &str) {
        let (pid, tid) = process_and_thread();
        let line = file_line(SystemTime::now(), pid, tid, level, message);
        if self
            .file
            .metadata()
            .is_ok_and(|m| m.len() >= ROTATE_AT_BYTES)
        {
            self.rotate();
        }
        let _ = self.file.write_all(line.as_bytes());
    }

    fn rotate(&mut self) {
        let current = self.folder.join(LOG_FILE);
        // Another LogonUI may have rotated already; whatever happens, keep writing somewhere.
        let _ = std::fs::rename(&current, self.folder.join(ROTATED_LOG_FILE));
        if let Ok(file) = open_append(&self.folder, LOG_FILE) {
            self.file = file;
        }
    }
}

/// The log folder, created (private to SYSTEM and Administrators) if missing.
fn log_folder() -> Result<PathBuf, String> {
    let base = std::env::var_os("ProgramData")
        .or_else(|| std::env::var_os("ALLUSERSPROFILE"))
        .ok_or("neither ProgramData nor ALLUSERSPROFILE is set")?;
    let mut folder = PathBuf::from(base);
    for part in LOG_DIR_PARTS {
        folder.push(part);
        ensure_private_dir(&folder.to_string_lossy())?;
    }
    Ok(folder)
}

/// The reset host's log (`SsprResetHost.log` beside ours), opened by us for appending and handed
/// to the host as its standard output: the sandboxed host cannot open anything in the folder
/// itself. Rotated like ours once it passes [`ROTATE_AT_BYTES`].
pub fn open_host_output() -> Result<File, String> {
    let folder = log_folder()?;
    let current = folder.join(HOST_LOG_FILE);
    if std::fs::metadata(&current).is_ok_and(|m| m.len() >= ROTATE_AT_BYTES) {
        let _ = std::fs::rename(&current, folder.join(ROTATED_HOST_LOG_FILE));
    }
    open_append(&folder, HOST_LOG_FILE)
}

/// Opens (creating) a log file for appending, refusing a link planted in its place: a reparse
/// point, or a file with more than one name (a hard link made to a file elsewhere, which LogonUI
/// would otherwise append to). Both are checked on the open handle before a byte is written.
fn open_append(folder: &std::path::Path, name: &str) -> Result<File, String> {
    let path = folder.join(name);
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT.0)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
    if metadata.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT.0 != 0 || !metadata.is_file() {
        return Err(format!(
            "{} is a link, not a file: not logging there",
            path.display()
        ));
    }
    let links = link_count(&file).map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
    if links != 1 {
        return Err(format!(
            "{} has {links} names (a hard link): not logging there; delete it",
            path.display()
        ));
    }
    Ok(file)
}

/// How many names (hard links) the open file has.
fn link_count(file: &File) -> windows_core::Result<u32> {
    let mut info = BY_HANDLE_FILE_INFORMATION::default();
    // SAFETY: the handle is the open file's; info is a valid out-pointer.
    unsafe { GetFileInformationByHandle(HANDLE(file.as_raw_handle()), &mut info)? };
    Ok(info.nNumberOfLinks)
}
