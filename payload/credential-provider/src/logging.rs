//! The verbose log `EnableLogging=1` turns on: one line per COM call and decision, to a file under
//! `%ProgramData%\SsprWindowsLogon\logs\` and (from `Info` up) to the Application event log.
//!
//! Rules every caller relies on: a disabled [`Logger`] does nothing at all (no file, no event
//! source, no formatting), and logging never fails or panics into a COM call. No call site passes
//! a field value, so no password or other secret can reach a log.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::guard::catch_panic;
use sspr_identity::EventId;

/// How much a line matters. `Info` and above also go to the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// The event id the message file (`messages.mc`) defines for this level: 1, 2, 3.
    pub fn event_id(self) -> u32 {
        match self {
            Level::Debug | Level::Info => EventId::Info,
            Level::Warning => EventId::Warning,
            Level::Error => EventId::Error,
        }
        .id()
    }
}

/// Where lines go. Implementations swallow their own errors.
pub trait LogSink {
    fn write(&self, level: Level, message: &str);
}

/// A cheap, clonable handle; [`Logger::disabled`] when `EnableLogging` is off. Not `Send`: the
/// provider's objects live in LogonUI's apartment and are called on its one thread.
#[derive(Clone, Default)]
pub struct Logger {
    sink: Option<Rc<dyn LogSink>>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("enabled", &self.is_enabled())
            .finish()
    }
}

impl Logger {
    pub fn disabled() -> Self {
        Self { sink: None }
    }

    pub fn new(sink: Rc<dyn LogSink>) -> Self {
        Self { sink: Some(sink) }
    }

    pub fn is_enabled(&self) -> bool {
        self.sink.is_some()
    }

    /// Logs the message `make` builds; `make` runs only when logging is on, and a panic in it
    /// or in the sink is swallowed.
    pub fn log(&self, level: Level, make: impl FnOnce() -> String) {
        if let Some(sink) = &self.sink {
            catch_panic(|| sink.write(level, &make()), || ());
        }
    }

    pub fn debug(&self, make: impl FnOnce() -> String) {
        self.log(Level::Debug, make);
    }

    pub fn info(&self, make: impl FnOnce() -> String) {
        self.log(Level::Info, make);
    }

    pub fn warning(&self, make: impl FnOnce() -> String) {
        self.log(Level::Warning, make);
    }

    pub fn error(&self, make: impl FnOnce() -> String) {
        self.log(Level::Error, make);
    }
}

/// The log folder under `%ProgramData%`, and the file in it.
pub const LOG_DIR_PARTS: [&str; 2] = ["SsprWindowsLogon", "logs"];
pub const LOG_FILE: &str = "SsprCredentialProvider.log";
/// The previous file once the current one passes [`ROTATE_AT_BYTES`].
pub const ROTATED_LOG_FILE: &str = "SsprCredentialProvider.1.log";
/// The reset host's output (its self-check and navigation decisions), written through the
/// handle we give it.
pub const HOST_LOG_FILE: &str = "SsprResetHost.log";
/// The reset host's log after rotation.
pub const ROTATED_HOST_LOG_FILE: &str = "SsprResetHost.1.log";
/// Verbose logging is for diagnosis; two files of this size bound the disk it takes.
pub const ROTATE_AT_BYTES: u64 = 4 * 1024 * 1024;

/// One line of the log file: `2024-05-01T12:00:00.123Z [pid:tid] LEVEL message\r\n`.
pub fn file_line(time: SystemTime, pid: u32, tid: u32, level: Level, message: &str) -> String {
    // One event per line: a message never breaks the file's line structure.
    let message = message.replace(['\r', '\n'], " ");
    format!(
        "{} [{pid}:{tid}] {:<5} {message}\r\n",
        utc_timestamp(time),
        level.name()
    )
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (times before 1970 print as the epoch).
pub fn utc_timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "{}.{:03}Z",
        sspr_utc::Civil::from_unix(since.as_secs()).iso8601(),
        since.subsec_millis()
    )
}

/// The resolved settings as one log line: each value with where it came from, then any value
/// that was present but unusable. Settings hold no secrets.
pub fn describe_settings(settings: &sspr_settings::Settings) -> String {
    let mut line = format!(
        "settings: Disabled={} ({}), LinkText={:?} ({}), PortalUrl={} ({}), EnableLogging={} ({})",
        u8::from(settings.disabled.value),
        settings.disabled.source.name(),
        settings.link_text.value,
        settings.link_text.source.name(),
        settings.portal_url.value,
        settings.portal_url.source.name(),
        u8::from(settings.enable_logging.value),
        settings.enable_logging.source.name(),
    );
    let rejected: Vec<&str> = [
        &settings.disabled.rejected,
        &settings.link_text.rejected,
        &settings.portal_url.rejected,
        &settings.enable_logging.rejected,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect();
    if !rejected.is_empty() {
        line.push_str("; ignored: ");
        line.push_str(&rejected.join("; "));
    }
    line
}

/// An HRESULT as logs and the probe print it: `0x8000FFFF`.
pub fn hresult_text(code: i32) -> String {
    format!("0x{:08X}", code as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Default)]
    struct Memory(Mutex<Vec<(Level, String)>>);

    impl LogSink for Memory {
        fn write(&self, level: Level, message: &str) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push((level, message.to_owned()));
            }
        }
    }

    struct Exploding;

    impl LogSink for Exploding {
        fn write(&self, _: Level, _: &str) {
            panic!("disk on fire");
        }
    }

    #[test]
    fn a_disabled_logger_never_builds_a_message() {
        let logger = Logger::disabled();
        assert!(!logger.is_enabled());
        logger.info(|| unreachable!("formatting must not run when logging is off"));
    }

    #[test]
    fn an_enabled_logger_writes_each_level() {
        let memory = Rc::new(Memory::default());
        let logger = Logger::new(memory.clone());
        logger.debug(|| "call".into());
        logger.error(|| "broke".into());
        let lines = memory.0.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                (Level::Debug, "call".to_owned()),
                (Level::Error, "broke".to_owned())
            ]
        );
    }

    #[test]
    fn a_panicking_sink_or_message_is_swallowed() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        Logger::new(Rc::new(Exploding)).info(|| "x".into());
        Logger::new(Rc::new(Memory::default())).info(|| panic!("bad format"));
        std::panic::set_hook(hook);
    }

    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap_day = UNIX_EPOCH + Duration::from_millis(951_782_400_000 + 3_723_456);
        assert_eq!(utc_timestamp(leap_day), "2000-02-29T01:02:03.456Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(utc_timestamp(later), "2024-12-31T23:59:59.000Z");
    }

    #[test]
    fn file_lines_are_single_crlf_lines() {
        let line = file_line(UNIX_EPOCH, 12, 34, Level::Info, "two\r\nlines");
        assert_eq!(
            line,
            "1970-01-01T00:00:00.000Z [12:34] INFO  two  lines\r\n"
        );
    }

    #[test]
    fn settings_line_names_values_and_sources() {
        use sspr_settings::{
            resolve, MemoryRegistry, RegValue, WindowsFamily, POLICY_KEY, SETTINGS_KEY,
        };
        let registry = MemoryRegistry::new()
            .with(SETTINGS_KEY, "LinkText", RegValue::String("Reset".into()))
            .with(
                POLICY_KEY,
                "PortalUrl",
                RegValue::String("http://x.test/".into()),
            );
        let line = describe_settings(&resolve(&registry, WindowsFamily::Windows7));
        assert_eq!(
            line,
            "settings: Disabled=0 (default), LinkText=\"Reset\" (settings), \
             PortalUrl=https://passwordreset.microsoftonline.com/ (default), EnableLogging=0 (default); \
             ignored: policy PortalUrl: `http://x.test/` is not an https:// URL"
        );
    }

    #[test]
    fn levels_map_to_the_message_file_ids() {
        assert_eq!(
            [Level::Debug, Level::Info, Level::Warning, Level::Error].map(Level::event_id),
            [1, 1, 2, 3]
        );
        assert_eq!(hresult_text(0x8000_FFFF_u32 as i32), "0x8000FFFF");
        assert_eq!(hresult_text(0), "0x00000000");
    }
}
