//! Starting `SsprResetHost.exe` from our own folder, sandboxed, with the request's arguments.
//!
//! LogonUI runs us as SYSTEM; the host never gets that token. It starts with a restricted copy
//! (every group deny-only, no privilege but change-notify, low integrity, restricting SIDs, a
//! logon session with made-up network credentials) inside a job (one active process, UI limits,
//! killed on close) — see `sspr_sandbox`. If the token or job cannot be made, the host does not
//! start: there is no unsandboxed fallback. Nor does it start from a folder anyone but SYSTEM and
//! Administrators can write (LogonUI would be running code a user planted). One host at a time:
//! the job of the previous one is closed (killing it) when the next starts, and the last one
//! dies with LogonUI (`crate::host_slot`). What the log says about the token and job is read
//! back from them.
//!
//! Each step can be made to fail in the `fault-injection` build (`crate::fault::step`, named
//! in [`FAULT_STEPS`]), and so can each step of the sandboxed start itself (the feature turns
//! on `sspr-sandbox/fault-injection`; the steps are `sspr_sandbox::LAUNCH_STEPS`); the e2e
//! suite proves every failure starts nothing and answers an error.

use sspr_sandbox::windows::{
    current_token_facts, path_writers, start_sandboxed_owned_by, Sandboxed,
};
use sspr_sandbox::{JobFacts, TokenFacts};
use windows::Win32::Foundation::{E_ACCESSDENIED, E_FAIL};

use super::log_sinks::open_host_output;
use super::system::own_module_path;
use crate::fault;
use crate::host_command::{command_line, host_path, HostRequest};
use crate::host_slot::HostSlot;
use crate::logging::Logger;

/// The provider's own steps of a launch the `fault-injection` build can fail, in order: finding
/// the host next to our DLL; the check that only administrators can change it; and the process
/// creation, for real: the sandbox is given a program that does not exist, so
/// `CreateProcessAsUserW` inside it fails. The sandbox's own steps have fault points of their
/// own (`sspr_sandbox::LAUNCH_STEPS`).
pub const FAULT_STEPS: [&str; 3] = [
    "host-launch:find-host",
    "host-launch:admin-only",
    "host-launch:create-process",
];

/// The running host's job: closed (killing the host) when the next host starts; the last one
/// closes with LogonUI's process.
static RUNNING: HostSlot<Running> = HostSlot::new();

/// A started host held for its job handle (`Send` because `Sandboxed` holds std's `OwnedHandle`s).
struct Running(#[allow(dead_code)] Sandboxed);

/// Starts the host and returns at once with its process id; the host's lifetime is its job's.
pub fn start(request: &HostRequest, log: &Logger) -> windows_core::Result<u32> {
    let found = fault::step(FAULT_STEPS[0])
        .map_err(|fault| log.error(|| format!("{}: {fault}", FAULT_STEPS[0])))
        .ok()
        .and_then(|()| own_module_path())
        .as_deref()
        .and_then(host_path);
    let Some(program) = found else {
        log.error(|| "cannot find our own folder, so not starting the reset host".to_owned());
        return Err(E_FAIL.into());
    };
    let folder = program
        .rsplit_once('\\')
        .map(|(folder, _)| folder.to_owned())
        .unwrap_or_default();
    if let Err(why) = fault::step(FAULT_STEPS[1]).and_then(|()| admin_only(&folder, &program)) {
        log.error(|| format!("not starting the reset host: {why}"));
        return Err(E_ACCESSDENIED.into());
    }
    let line = command_line(&program, &request.arguments());
    log.info(|| format!("starting the reset host: {line}"));

    // The previous host (if any) goes first: one reset window at a time.
    RUNNING.end_previous();

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
    // The fault-injection build's `create-process` step: a program that does not exist.
    let program_to_start = match fault::step(FAULT_STEPS[2]) {
        Ok(()) => program.clone(),
        Err(_) => format!("{program}.fault-injected-missing.exe"),
    };
    match start_sandboxed_owned_by(&program_to_start, &line, &folder, output.as_ref(), owner) {
        Ok(started) => {
            let id = started.process_id;
            for note in &started.notes {
                log.warning(|| format!("reset host sandbox: {note}"));
            }
            log.info(|| {
                format!(
                    "reset host started, process id {id}; its token: {}; its job: {}",
                    describe_token(&started.token),
                    describe_job(&started.job.facts().map_err(|e| e.to_string()))
                )
            });
            RUNNING.hold(Running(started));
            Ok(id)
        }
        Err(failed) => {
            log.error(|| {
                format!("cannot start {program_to_start} sandboxed, so not at all: {failed}")
            });
            Err(failed.error)
        }
    }
}

/// Refuses a host folder or program a non-admin can write (or whose permissions cannot be read).
/// The process's own user (SYSTEM in LogonUI) counts as an administrator.
fn admin_only(folder: &str, program: &str) -> Result<(), String> {
    let me = current_token_facts()
        .map(|facts| facts.user)
        .map_err(|e| format!("cannot read our own token: {e}"))?;
    for path in [folder, program] {
        let writers = path_writers(path, &[me.as_str()])?;
        if !writers.is_empty() {
            return Err(format!(
                "{path} can be changed by others than SYSTEM and Administrators ({}); reinstall \
                 into Program Files",
                writers.join("; ")
            ));
        }
    }
    Ok(())
}

/// The token as read back from the started host: user, integrity, privileges, groups that can
/// grant, restricting SIDs, logon session.
fn describe_token(token: &Result<TokenFacts, String>) -> String {
    match token {
        Err(error) => format!("unreadable ({error})"),
        Ok(t) => {
            let granting: Vec<&str> = t
                .groups
                .iter()
                .filter(|g| g.grants())
                .map(|g| g.sid.as_str())
                .collect();
            let privileges: Vec<&str> = t.privileges.iter().map(|p| p.name.as_str()).collect();
            format!(
                "user {}, integrity {}, privileges [{}], groups that grant [{}], restricting \
                 SIDs [{}], logon session {}",
                t.user,
                t.integrity,
                privileges.join(" "),
                granting.join(" "),
                t.restricting_sids.join(" "),
                t.logon_session
            )
        }
    }
}

/// The job as read back: its limit and UI flags.
fn describe_job(job: &Result<JobFacts, String>) -> String {
    match job {
        Err(error) => format!("unreadable ({error})"),
        Ok(j) => format!(
            "limits [{}], active process limit {}, UI restrictions {}",
            j.flags.join(" "),
            j.active_process_limit,
            j.ui_restrictions
                .map_or_else(|| "unreadable".to_owned(), |ui| format!("0x{ui:x}"))
        ),
    }
}
