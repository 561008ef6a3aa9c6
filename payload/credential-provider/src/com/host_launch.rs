//! Starting `SsprResetHost.exe` from our own folder, sandboxed, with the request's arguments.
//!
//! LogonUI runs us as SYSTEM; the host never gets that token. It starts with a restricted copy
//! (powerful groups deny-only, no privilege but change-notify, low integrity) inside a job (one
//! active process, UI limits, killed on close) — see `sspr_sandbox`. If any part of that
//! cannot be set up, the host does not start: there is no unsandboxed fallback. One host at a
//! time: the job of the previous one is closed (killing it) when the next starts, and the last
//! one dies with LogonUI.

use std::sync::Mutex;

use sspr_sandbox::windows::{start_sandboxed_owned_by, Sandboxed};
use sspr_sandbox::{JobFacts, JOB_LIMIT_FLAGS, JOB_UI_RESTRICTIONS};
use windows::Win32::Foundation::E_FAIL;

use super::log_sinks::open_host_output;
use super::system::own_module_path;
use crate::host_command::{command_line, host_path, HostRequest};
use crate::logging::Logger;

/// The running host's job: closed (killing the host) when the next host starts; the last one
/// closes with LogonUI's process.
static RUNNING: Mutex<Option<Running>> = Mutex::new(None);

/// A started host held for its job handle.
struct Running(#[allow(dead_code)] Sandboxed);

// SAFETY: Sandboxed holds kernel handles and a process id; kernel handles may be used and closed
// from any thread of the process.
unsafe impl Send for Running {}

fn replace_running(next: Option<Running>) {
    let mut slot = RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = next;
}

/// Starts the host and returns at once with its process id; the host's lifetime is its job's.
pub fn start(request: &HostRequest, log: &Logger) -> windows_core::Result<u32> {
    let Some(program) = own_module_path().as_deref().and_then(host_path) else {
        log.error(|| "cannot find our own folder, so not starting the reset host".to_owned());
        return Err(E_FAIL.into());
    };
    let folder = program
        .rsplit_once('\\')
        .map(|(folder, _)| folder.to_owned())
        .unwrap_or_default();
    let line = command_line(&program, &request.arguments());
    log.info(|| format!("starting the reset host: {line}"));

    // The previous host (if any) goes first: one reset window at a time.
    replace_running(None);

    // With logging on, the host's output goes to its own log file; otherwise it has none.
    let output = if log.is_enabled() {
        open_host_output()
            .map_err(|problem| log.warning(|| format!("reset host output not logged: {problem}")))
            .ok()
    } else {
        None
    };
    // LogonUI's window owns the host's: the job's UILIMIT_HANDLES lets the host see it only
    // once granted.
    let owner = isize::try_from(request.parent_window).unwrap_or(0);
    match start_sandboxed_owned_by(&program, &line, &folder, output.as_ref(), owner) {
        Ok(started) => {
            let id = started.process_id;
            log.info(|| {
                let set = JobFacts::new(true, JOB_LIMIT_FLAGS, 1, Some(JOB_UI_RESTRICTIONS));
                let read = started.job.facts().map_or_else(
                    |error| format!("unreadable ({error})"),
                    |facts| facts.flags.join(" "),
                );
                format!(
                    "reset host started, process id {id}, restricted token at low integrity, \
                     in a job with limits: {}; the job reports: {read}",
                    set.flags.join(" ")
                )
            });
            replace_running(Some(Running(started)));
            Ok(id)
        }
        Err(error) => {
            log.error(|| format!("cannot start {program} sandboxed, so not at all: {error}"));
            Err(error)
        }
    }
}
