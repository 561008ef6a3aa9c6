//! Starting `SsprResetHost.exe` from our own folder with the request's arguments.
//!
//! This is the call site the reset-host issue hardens: there the host gets a restricted token and
//! a job object. Until then the host starts as a plain child of LogonUI (SYSTEM), which is why
//! today's host only parses its arguments and exits; nothing here may show UI itself.

use windows::Win32::Foundation::{CloseHandle, E_FAIL};
use windows::Win32::System::Threading::{
    CreateProcessW, CREATE_NO_WINDOW, CREATE_UNICODE_ENVIRONMENT, PROCESS_INFORMATION, STARTUPINFOW,
};
use windows_core::{HSTRING, PWSTR};

use super::system::own_module_path;
use crate::host_command::{command_line, host_path, HostRequest};
use crate::logging::Logger;

/// Starts the host and returns at once with its process id; the host's lifetime is its own.
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

    // CreateProcessW may write into the command line buffer, so it is ours and mutable.
    let mut buffer: Vec<u16> = line.encode_utf16().chain(std::iter::once(0)).collect();
    let startup = STARTUPINFOW {
        cb: std::mem::size_of::<STARTUPINFOW>() as u32,
        ..Default::default()
    };
    let mut process = PROCESS_INFORMATION::default();
    // SAFETY: the program path and folder are NUL-terminated HSTRINGs and the command line a
    // NUL-terminated buffer, all outliving the call; startup and process are valid; no handles
    // are inherited and the environment is LogonUI's own.
    let started = unsafe {
        CreateProcessW(
            &HSTRING::from(program.as_str()),
            Some(PWSTR(buffer.as_mut_ptr())),
            None,
            None,
            false,
            CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT,
            None,
            &HSTRING::from(folder.as_str()),
            &startup,
            &mut process,
        )
    };
    match started {
        Ok(()) => {
            // SAFETY: both handles came from CreateProcessW and are closed once; the process
            // runs on without us.
            unsafe {
                let _ = CloseHandle(process.hThread);
                let _ = CloseHandle(process.hProcess);
            }
            log.info(|| format!("reset host started, process id {}", process.dwProcessId));
            Ok(process.dwProcessId)
        }
        Err(error) => {
            log.error(|| format!("cannot start {program}: {error}"));
            Err(error)
        }
    }
}
