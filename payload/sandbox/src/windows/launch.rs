//! Starting a program inside the sandbox: a per-launch SID, the window station and desktop
//! opened to it, a restricted token cut from a new-credentials logon session, a job, and
//! (optionally) one log file as its standard output and error, the only handle it inherits.

use std::os::windows::io::{AsHandle, AsRawHandle};

use windows::Win32::Foundation::{SetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT};
use windows::Win32::Security::{
    TOKEN_ADJUST_DEFAULT, TOKEN_ASSIGN_PRIMARY, TOKEN_DUPLICATE, TOKEN_QUERY,
};
use windows::Win32::System::Threading::{
    CreateProcessAsUserW, DeleteProcThreadAttributeList, InitializeProcThreadAttributeList,
    OpenProcessToken, ResumeThread, TerminateProcess, UpdateProcThreadAttribute, CREATE_NO_WINDOW,
    CREATE_SUSPENDED, CREATE_UNICODE_ENVIRONMENT, EXTENDED_STARTUPINFO_PRESENT,
    LPPROC_THREAD_ATTRIBUTE_LIST, PROCESS_INFORMATION, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
    STARTF_USESTDHANDLES, STARTUPINFOEXW, STARTUPINFOW,
};
use windows_core::{HSTRING, PWSTR};

use super::handle::{take, win32};
use super::job::Job;
use super::launch_sid::new_launch_sid;
use super::logon::new_credentials_token;
use super::token::{open_own_token, restricted_host_token, token_facts};
use super::window_access::WindowGrant;
use crate::facts::TokenFacts;

/// A process started in the sandbox. Dropping it closes the job, which kills the process, and
/// then removes its ACEs from the window station and desktop.
#[derive(Debug)]
pub struct Sandboxed {
    /// The job the process runs in (kill on close).
    pub job: Job,
    /// The process id.
    pub process_id: u32,
    /// The token of the started process, read back from the process itself.
    pub token: Result<TokenFacts, String>,
    /// What could not be set up as designed (each makes the host's own check refuse to run).
    pub notes: Vec<String>,
    /// The window station and desktop ACEs; declared after `job` so the host is dead first.
    pub window_grant: Option<WindowGrant>,
}

// `Sandboxed` holds owned kernel handles and plain data only, so it moves between threads (the
// provider keeps the running host's in a static `Mutex`) with no `unsafe impl Send` anywhere.
const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<Sandboxed>();
};

/// A `PROC_THREAD_ATTRIBUTE_LIST` naming the handles a child may inherit, deleted on drop.
struct HandleList {
    buffer: Vec<u64>,
    handles: Box<[HANDLE; 1]>,
}

impl HandleList {
    fn new(handle: HANDLE) -> windows_core::Result<Self> {
        let mut size = 0usize;
        // SAFETY: a size query for one attribute; it "fails" with ERROR_INSUFFICIENT_BUFFER.
        let _ = unsafe { InitializeProcThreadAttributeList(None, 1, None, &mut size) };
        let mut list = Self {
            buffer: vec![0u64; size.div_ceil(8).max(1)],
            handles: Box::new([handle]),
        };
        // SAFETY: the buffer holds `size` bytes, 8-byte aligned.
        unsafe { InitializeProcThreadAttributeList(Some(list.raw()), 1, None, &mut size)? };
        // SAFETY: the handle array lives in a Box owned by the list, so it outlives every use
        // of the list (CreateProcess reads it).
        let updated = unsafe {
            UpdateProcThreadAttribute(
                list.raw(),
                0,
                PROC_THREAD_ATTRIBUTE_HANDLE_LIST as usize,
                Some(list.handles.as_ptr().cast()),
                std::mem::size_of::<HANDLE>(),
                None,
                None,
            )
        };
        if let Err(error) = updated {
            // SAFETY: initialised above, deleted once (Drop will not run twice: we return Err
            // after deleting, and the buffer is then only freed).
            unsafe { DeleteProcThreadAttributeList(list.raw()) };
            list.buffer.clear();
            return Err(error);
        }
        Ok(list)
    }

    fn raw(&mut self) -> LPPROC_THREAD_ATTRIBUTE_LIST {
        LPPROC_THREAD_ATTRIBUTE_LIST(self.buffer.as_mut_ptr().cast())
    }
}

impl Drop for HandleList {
    fn drop(&mut self) {
        if !self.buffer.is_empty() {
            // SAFETY: initialised in `new` and deleted once, here.
            unsafe { DeleteProcThreadAttributeList(self.raw()) };
        }
    }
}

/// Starts `program` with `command_line` in `folder`, sandboxed, and returns once it runs.
/// `output`, when given, becomes the child's standard output and error (and is the only handle
/// it inherits); without it the child inherits nothing.
pub fn start_sandboxed(
    program: &str,
    command_line: &str,
    folder: &str,
    output: Option<&std::fs::File>,
) -> windows_core::Result<Sandboxed> {
    start_sandboxed_owned_by(program, command_line, folder, output, 0)
}

/// [`start_sandboxed`] for a program whose window `owner` (a window handle of ours, 0 for none)
/// will own: the job's `UILIMIT_HANDLES` hides every outside window from its processes, so the
/// owner is granted to the job before the program runs.
pub fn start_sandboxed_owned_by(
    program: &str,
    command_line: &str,
    folder: &str,
    output: Option<&std::fs::File>,
    owner: isize,
) -> windows_core::Result<Sandboxed> {
    let job = Job::create()?;
    if owner != 0 {
        job.grant_window(owner)?;
    }
    let mut notes = Vec::new();
    let launch = new_launch_sid()?;
    let base = match new_credentials_token() {
        Ok(token) => token,
        Err(error) => {
            notes.push(format!(
                "no logon session of its own ({error}): the token stays in this process's"
            ));
            open_own_token(
                TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT,
            )?
        }
    };
    let token = restricted_host_token(base.as_handle(), &launch)?;
    drop(base);
    let window_grant = WindowGrant::new(&launch)
        .map_err(|error| {
            notes.push(format!(
                "the window station and desktop were not opened to {} ({error})",
                launch.text()
            ))
        })
        .ok();

    let output = output.map(|file| HANDLE(file.as_raw_handle()));
    let mut list = match output {
        Some(handle) => {
            // SAFETY: handle is the caller's open file; only its inherit flag changes.
            unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT.0, HANDLE_FLAG_INHERIT)? };
            Some(HandleList::new(handle)?)
        }
        None => None,
    };
    let mut startup = STARTUPINFOEXW {
        StartupInfo: STARTUPINFOW {
            cb: std::mem::size_of::<STARTUPINFOEXW>() as u32,
            ..Default::default()
        },
        ..Default::default()
    };
    if let (Some(handle), Some(list)) = (output, list.as_mut()) {
        startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        startup.StartupInfo.hStdOutput = handle;
        startup.StartupInfo.hStdError = handle;
        startup.lpAttributeList = list.raw();
    }
    // CreateProcessAsUserW may write into the command line buffer, so it is ours and mutable.
    let mut buffer: Vec<u16> = command_line
        .encode_utf16()
        .chain(std::iter::once(0))
        .collect();
    let mut process = PROCESS_INFORMATION::default();
    // SAFETY: the token is a primary token derived from our own (so no extra privilege is
    // needed); the strings are NUL-terminated and outlive the call; startup is a valid
    // STARTUPINFOEXW whose attribute list (if any) lives in `list`; handles are inherited only
    // when the list names exactly one. The process starts suspended so it is in the job before
    // it runs a single instruction.
    let created = unsafe {
        CreateProcessAsUserW(
            Some(win32(&token)),
            &HSTRING::from(program),
            Some(PWSTR(buffer.as_mut_ptr())),
            None,
            None,
            list.is_some(),
            CREATE_SUSPENDED
                | CREATE_NO_WINDOW
                | CREATE_UNICODE_ENVIRONMENT
                | EXTENDED_STARTUPINFO_PRESENT,
            None,
            &HSTRING::from(folder),
            &startup.StartupInfo,
            &mut process,
        )
    };
    if let Some(handle) = output {
        // SAFETY: as above; the handle is not left inheritable for later children of LogonUI.
        let _ = unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT.0, Default::default()) };
    }
    drop(list);
    created?;
    // SAFETY: CreateProcessAsUserW succeeded, so both handles are open and ours to close.
    let (process_handle, thread) = unsafe { (take(process.hProcess), take(process.hThread)) };
    if let Err(error) = job.assign(win32(&process_handle)) {
        // Never let it run outside the job.
        // SAFETY: the process is ours, suspended, and is ended before it ran.
        let _ = unsafe { TerminateProcess(win32(&process_handle), 1) };
        return Err(error);
    }
    // SAFETY: the thread handle came from CreateProcessAsUserW.
    if unsafe { ResumeThread(win32(&thread)) } == u32::MAX {
        let error = windows_core::Error::from_win32();
        // SAFETY: as above.
        let _ = unsafe { TerminateProcess(win32(&process_handle), 1) };
        return Err(error);
    }
    let mut child_token = HANDLE::default();
    // SAFETY: the process handle is ours; child_token receives a handle we own.
    let read_back =
        unsafe { OpenProcessToken(win32(&process_handle), TOKEN_QUERY, &mut child_token) }
            .and_then(|()| {
                // SAFETY: OpenProcessToken succeeded: an open token handle we alone close.
                let child_token = unsafe { take(child_token) };
                token_facts(win32(&child_token))
            })
            .map_err(|error| error.to_string());
    Ok(Sandboxed {
        job,
        process_id: process.dwProcessId,
        token: read_back,
        notes,
        window_grant,
    })
}
