//! No fallback when any step of starting the reset host fails: with the `fault-injection` build
//! of the provider in place of the installed DLL, each step of `com/host_launch.rs`
//! (`FAULT_STEPS` there) and each step of the sandboxed start (`sspr_sandbox::LAUNCH_STEPS`, the
//! list the sandbox's fault points are named from) is made to fail in turn, and clicking the
//! link then starts no process at all (the installed `SsprResetHost.exe` is the COM probe, which
//! records its command line however it is started: a process created suspended and not
//! terminated after a failed job assignment or resume would record), answers the step's failing
//! HRESULT and logs which step failed. The two steps whose failure the launch notes and goes on
//! (the logon session, the token read back) start the host and log the failure. The same prefix
//! without a fault starts the host (the recorder works). The shipped DLL holds none of the fault
//! code's strings.
//!
//! What only Windows shows: a real failure of each sandbox step (an injected one fails the
//! step before Windows' call); process creation fails for real here
//! (`host-launch:create-process` hands the sandbox a program that does not exist).

use anyhow::Context as _;
use sspr_e2e::config::Arch;
use sspr_e2e::fault_injection::{self, FAULT_POINT_VARIABLE};
use sspr_e2e::probe::ProbeReport;
use sspr_e2e::wine::{windows_path, WinePrefix};
use sspr_sandbox::{OnFailure, LAUNCH_STEPS};

use crate::common::{self, TestResult};
use crate::reset_host::installed;

const PROVIDER_LOG: [&str; 4] = [
    "ProgramData",
    "SsprWindowsLogon",
    "logs",
    "SsprCredentialProvider.log",
];
const HOST: &str = r"C:\Program Files\SsprWindowsLogon\SsprResetHost.exe";

/// Each of the provider's own steps, the HRESULT the click answers, and its error line.
const FAULTS: [(&str, &str, &str); 3] = [
    (
        "host-launch:find-host",
        "0x80004005",
        "host-launch:find-host: fault injected in host-launch:find-host",
    ),
    (
        "host-launch:admin-only",
        "0x80070005",
        "not starting the reset host: fault injected in host-launch:admin-only",
    ),
    (
        // CreateProcessAsUserW's real ERROR_FILE_NOT_FOUND, from inside the sandbox crate.
        "host-launch:create-process",
        "0x80070002",
        "SsprResetHost.exe.fault-injected-missing.exe sandboxed, so not at all: ",
    ),
];

/// What a sandbox step's injected fault answers: `E_FAIL`.
const INJECTED: &str = "0x80004005";

/// Strings only the fault-injection code has: the shipped DLL must hold none of them.
const FAULT_STRINGS: [&str; 2] = ["fault injected in ", FAULT_POINT_VARIABLE];

fn provider_log(prefix: &WinePrefix) -> std::path::PathBuf {
    PROVIDER_LOG
        .iter()
        .fold(prefix.drive_c(), |path, part| path.join(part))
}

/// The ids of the processes in `prefix` running `SsprResetHost.exe`, as Linux lists Wine's
/// processes (each Windows process is one, with the program in its command line from its
/// creation on): a process created suspended and then neither terminated nor resumed would be
/// one, though it never records. A terminated process that is not yet reaped has no command
/// line and is not listed.
fn host_processes(prefix: &WinePrefix) -> anyhow::Result<Vec<u32>> {
    let root = prefix
        .drive_c()
        .parent()
        .context("the prefix has no folder")?
        .to_owned();
    let marker = format!("WINEPREFIX={}", root.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc")
        .context("listing /proc")?
        .flatten()
    {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let (Ok(environ), Ok(command)) = (
            std::fs::read(entry.path().join("environ")),
            std::fs::read(entry.path().join("cmdline")),
        ) else {
            continue;
        };
        let in_prefix = environ
            .split(|byte| *byte == 0)
            .any(|variable| variable == marker.as_bytes());
        let host = String::from_utf8_lossy(&command)
            .to_ascii_lowercase()
            .contains("ssprresethost.exe");
        if in_prefix && host {
            found.push(pid);
        }
    }
    Ok(found)
}

/// Clicks the link once (after clearing the provider's log); the report and the log.
fn click(
    prefix: &WinePrefix,
    probe: &std::path::Path,
    record_dir: &str,
    fault: Option<&str>,
) -> anyhow::Result<(ProbeReport, String)> {
    let log = provider_log(prefix);
    if log.exists() {
        std::fs::remove_file(&log).with_context(|| format!("clearing {}", log.display()))?;
    }
    let mut env = vec![("SSPR_PROBE_RECORD_DIR", record_dir)];
    if let Some(step) = fault {
        env.push((FAULT_POINT_VARIABLE, step));
    }
    let report = prefix.run_probe_mode(probe, "--tiles", &env)?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    Ok((report, text))
}

/// Each step's fault: the click answers the step's HRESULT, no process starts, and the log
/// says which step failed and never that a host started.
pub fn a_failed_launch_step_starts_nothing_and_answers_an_error() -> TestResult {
    let (prefix, dir) = installed("host-faults", &[("ENABLELOGGING", "1")])?;
    let probe = common::config()?.probe(Arch::X64);
    let fault_dll = fault_injection::provider_dll_x64()?;
    // The installed (shipped) DLL has no fault code; the fault build has (so the check can see).
    let installed_dll = dir.host.join("SsprCredentialProvider.dll");
    for (dll, expected) in [(installed_dll.as_path(), false), (fault_dll, true)] {
        let bytes = std::fs::read(dll).with_context(|| format!("reading {}", dll.display()))?;
        for text in FAULT_STRINGS {
            let found = bytes
                .windows(text.len())
                .any(|window| window == text.as_bytes());
            anyhow::ensure!(found == expected, "{text:?} in {}: {found}", dll.display());
        }
    }
    for (from, to) in [
        (fault_dll, dir.host.join("SsprCredentialProvider.dll")),
        (probe, dir.host.join("SsprResetHost.exe")),
    ] {
        std::fs::copy(from, &to).with_context(|| format!("replacing {}", to.display()))?;
    }
    let record_dir = windows_path(prefix.scratch())?;

    // Without a fault the click starts the host (so `none` below means nothing started).
    let (report, log) = click(&prefix, probe, &record_dir, None)?;
    anyhow::ensure!(
        report.get("cred0.link")? == "0x00000000",
        "no fault: {report:#?}\n{log}"
    );
    let started = report.get("cred0.host")?;
    anyhow::ensure!(
        started.starts_with(&format!("\"{HOST}\" --portal-url=")),
        "no fault, yet the host did not start: {started}\n{log}"
    );
    anyhow::ensure!(log.contains("reset host started, process id "), "{log}");

    let mut failures = Vec::new();
    for (step, hresult, line) in FAULTS {
        let (report, log) = click(&prefix, probe, &record_dir, Some(step))?;
        let link = report.get("cred0.link")?;
        let host = report.get("cred0.host")?;
        if link != hresult
            || host != "none"
            || !log.contains(line)
            || log.contains("reset host started")
        {
            failures.push(format!(
                "{step}: link {link} (expected {hresult}), host {host:?} (expected none), a \
                 line with {line:?} expected in the log:\n{log}"
            ));
        }
    }
    for step in LAUNCH_STEPS {
        let name = step.name;
        let (report, log) = click(&prefix, probe, &record_dir, Some(name))?;
        let link = report.get("cred0.link")?;
        let host = report.get("cred0.host")?;
        let injected = format!("{name}: fault injected in {name}");
        let started = log.contains("reset host started, process id ");
        let problem = match step.on_failure {
            OnFailure::NothingStarts => {
                let line = format!("sandboxed, so not at all: {injected}");
                // Not even suspended: a process created before the failed step is gone.
                let left = host_processes(&prefix)?;
                (link != INJECTED
                    || host != "none"
                    || !left.is_empty()
                    || !log.contains(&line)
                    || started)
                    .then(|| {
                        format!(
                            "link {link} (expected {INJECTED}), host {host:?} (expected none), \
                             host processes left {left:?} (expected none), a line with \
                             {line:?} and none with \"reset host started\" expected"
                        )
                    })
            }
            OnFailure::Noted => (link != "0x00000000"
                || !host.starts_with(&format!("\"{HOST}\" --portal-url="))
                || !log.contains(&injected)
                || !started)
                .then(|| {
                    format!(
                        "link {link} (expected 0x00000000), host {host:?} (expected started), \
                         {injected:?} and \"reset host started\" expected"
                    )
                }),
        };
        if let Some(problem) = problem {
            failures.push(format!("{name}: {problem} in the log:\n{log}"));
        }
    }
    anyhow::ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
