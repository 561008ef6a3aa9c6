//! Starting a program with `CreateProcessW`, waiting with a deadline
//! (`WaitForSingleObject`) and reading its whole exit code (`GetExitCodeProcess`). Output goes
//! to files in the scratch folder, inherited as the child's standard handles.

use std::fs::File;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use windows::core::PWSTR;
use windows::Win32::Foundation::{
    CloseHandle, SetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows::Win32::System::Threading::{
    CreateProcessW, GetExitCodeProcess, TerminateProcess, WaitForSingleObject, CREATE_NO_WINDOW,
    CREATE_UNICODE_ENVIRONMENT, PROCESS_INFORMATION, STARTF_USESTDHANDLES, STARTUPINFOW,
};

use crate::machine::ProgramRun;

/// Closes a handle on drop.
struct Owned(HANDLE);

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the handle came from CreateProcessW and is closed once, here.
        let _ = unsafe { CloseHandle(self.0) };
    }
}

fn inheritable(file: &File) -> anyhow::Result<HANDLE> {
    let handle = HANDLE(file.as_raw_handle());
    // SAFETY: `handle` is the open file's own handle, valid while `file` lives.
    unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT.0, HANDLE_FLAG_INHERIT) }
        .map_err(|error| anyhow::anyhow!("making an output file inheritable: {error}"))?;
    Ok(handle)
}

/// This process's environment with `env` laid over it, as a `CREATE_UNICODE_ENVIRONMENT` block
/// (`NAME=value\0...\0`, sorted by name, case-insensitively, as Windows keeps it).
fn environment_block(env: &[(&str, &str)]) -> Vec<u16> {
    let mut variables: Vec<(String, String)> = std::env::vars_os()
        .map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        })
        .filter(|(name, _)| !env.iter().any(|(new, _)| new.eq_ignore_ascii_case(name)))
        .collect();
    variables.extend(env.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    variables.sort_by_key(|(name, _)| name.to_uppercase());
    let mut block = Vec::new();
    for (name, value) in variables {
        block.extend(format!("{name}={value}").encode_utf16());
        block.push(0);
    }
    block.push(0);
    block
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `command_line` to completion (killed after `timeout`), capturing its output in files
/// under `scratch`.
pub fn run(
    command_line: &str,
    env: &[(&str, &str)],
    timeout: Duration,
    scratch: &Path,
) -> anyhow::Result<ProgramRun> {
    let stdout_path = tempfile::Builder::new()
        .prefix("stdout-")
        .tempfile_in(scratch)?
        .into_temp_path();
    let stderr_path = tempfile::Builder::new()
        .prefix("stderr-")
        .tempfile_in(scratch)?
        .into_temp_path();
    let stdout = File::create(&stdout_path)?;
    let stderr = File::create(&stderr_path)?;
    let startup = STARTUPINFOW {
        cb: std::mem::size_of::<STARTUPINFOW>() as u32,
        dwFlags: STARTF_USESTDHANDLES,
        hStdInput: HANDLE::default(),
        hStdOutput: inheritable(&stdout)?,
        hStdError: inheritable(&stderr)?,
        ..Default::default()
    };
    let mut line: Vec<u16> = command_line.encode_utf16().chain([0]).collect();
    let block = environment_block(env);
    let mut info = PROCESS_INFORMATION::default();
    // SAFETY: `line` is a writable NUL-terminated buffer that outlives the call, as
    // CreateProcessW requires; `block` is a double-NUL-terminated UTF-16 environment block
    // (CREATE_UNICODE_ENVIRONMENT); `startup` and `info` are valid for the call.
    unsafe {
        CreateProcessW(
            None,
            Some(PWSTR(line.as_mut_ptr())),
            None,
            None,
            true,
            CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW,
            Some(block.as_ptr().cast()),
            None,
            &startup,
            &mut info,
        )
    }
    .map_err(|error| anyhow::anyhow!("starting `{command_line}`: {error}"))?;
    let process = Owned(info.hProcess);
    drop(Owned(info.hThread));
    drop((stdout, stderr));
    let millis = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    // SAFETY: `process` is the live process handle CreateProcessW returned.
    let waited = unsafe { WaitForSingleObject(process.0, millis) };
    if waited == WAIT_TIMEOUT {
        // SAFETY: as above; the process is ended before its handle is closed.
        let _ = unsafe { TerminateProcess(process.0, 1) };
        bail!("`{command_line}` did not finish within {timeout:?}; ended it");
    }
    if waited != WAIT_OBJECT_0 {
        bail!("waiting for `{command_line}` failed ({waited:?})");
    }
    let mut exit_code = 0u32;
    // SAFETY: the process has ended; `exit_code` is a valid out pointer.
    unsafe { GetExitCodeProcess(process.0, &mut exit_code) }
        .map_err(|error| anyhow::anyhow!("reading the exit code of `{command_line}`: {error}"))?;
    Ok(ProgramRun {
        exit_code,
        stdout: read_text(&stdout_path)?,
        stderr: read_text(&stderr_path)?,
    })
}
