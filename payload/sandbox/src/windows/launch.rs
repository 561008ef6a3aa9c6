//! Starting a program inside the sandbox: a per-launch SID, the window station and desktop
//! opened to it, a restricted token cut from a new-credentials logon session, a job, and
//! (optionally) one log file as its standard output and error, the only handle it inherits.
//! Each step ([`crate::LAUNCH_STEPS`]) has a fault point and its errors name it; a failed step
//! undoes what the earlier ones made (handles close, the ACEs go, a suspended process is
//! terminated before it ran).

use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};

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

use super::fault::{self, at, LaunchError};
use super::handle::{take, win32};
use super::job::Job;
use super::launch_sid::new_launch_sid;
use super::logon::new_credentials_token;
use super::token::{open_own_token, restricted_host_token, token_facts};
use super::window_access::WindowGrant;
use crate::facts::TokenFacts;
use crate::launch_steps::{
    ASSIGN_JOB, CREATE_PROCESS, HANDLE_LIST, INHERIT_OUTPUT, LAUNCH_SID, LOGON_SESSION, OWN_TOKEN,
    READ_BACK, RESTRICTED_TOKEN, RESUME, WINDOW_GRANT,
};

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
    pub window_grant: WindowGrant,
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

/// A process created suspended: terminated when dropped before it was resumed, so a failed
/// step after its creation (job assignment, resume) never lets it run a single instruction.
struct Suspended {
    process: OwnedHandle,
    thread: OwnedHandle,
    id: u32,
    resumed: bool,
}

impl Suspended {
    /// Puts it into `job`.
    fn assign(&self, job: &Job) -> Result<(), LaunchError> {
        fault::step(ASSIGN_JOB)?;
        job.assign(win32(&self.process)).map_err(at(ASSIGN_JOB))
    }

    /// Lets it run.
    fn resume(&mut self) -> Result<(), LaunchError> {
        fault::step(RESUME)?;
        // SAFETY: the thread handle came from CreateProcessAsUserW.
        if unsafe { ResumeThread(win32(&self.thread)) } == u32::MAX {
            return Err(LaunchError::new(RESUME, windows_core::Error::from_win32()));
        }
        self.resumed = true;
        Ok(())
    }

    /// Its token, read back from the process.
    fn token(&self) -> Result<TokenFacts, String> {
        fault::step(READ_BACK).map_err(|error| error.to_string())?;
        let mut child_token = HANDLE::default();
        // SAFETY: the process handle is ours; child_token receives a handle we own.
        unsafe { OpenProcessToken(win32(&self.process), TOKEN_QUERY, &mut child_token) }
            .and_then(|()| {
                // SAFETY: OpenProcessToken succeeded: an open token handle we alone close.
                let child_token = unsafe { take(child_token) };
                token_facts(win32(&child_token))
            })
            .map_err(|error| LaunchError::new(READ_BACK, error).to_string())
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        if !self.resumed {
            // SAFETY: the process is ours and suspended: it ends before it ran.
            let _ = unsafe { TerminateProcess(win32(&self.process), 1) };
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
) -> Result<Sandboxed, LaunchError> {
    start_sandboxed_owned_by(program, command_line, folder, output, 0)
}

/// [`start_sandboxed`] for a program whose window `owner` (a window handle of ours, 0 for none)
/// will own: the job's `UILIMIT_HANDLES` hides every outside window from its processes, so the
/// owner is granted to the job before the program runs. The steps are
/// [`crate::LAUNCH_STEPS`], in order; every one but the logon session and the read-back fails
/// the launch, and everything made before it is undone as the locals drop (in reverse order:
/// the suspended process is terminated, the window ACEs removed, the job closed).
pub fn start_sandboxed_owned_by(
    program: &str,
    command_line: &str,
    folder: &str,
    output: Option<&std::fs::File>,
    owner: isize,
) -> Result<Sandboxed, LaunchError> {
    let job = Job::create()?;
    if owner != 0 {
        job.grant_window(owner)?;
    }
    let mut notes = Vec::new();
    fault::step(LAUNCH_SID)?;
    let launch = new_launch_sid().map_err(at(LAUNCH_SID))?;
    let base = match fault::step(LOGON_SESSION)
        .and_then(|()| new_credentials_token().map_err(at(LOGON_SESSION)))
    {
        Ok(token) => token,
        Err(error) => {
            notes.push(format!(
                "no logon session of its own ({error}): the token stays in this process's"
            ));
            fault::step(OWN_TOKEN)?;
            open_own_token(
                TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT,
            )
            .map_err(at(OWN_TOKEN))?
        }
    };
    fault::step(RESTRICTED_TOKEN)?;
    let token = restricted_host_token(base.as_handle(), &launch).map_err(at(RESTRICTED_TOKEN))?;
    drop(base);
    // Without its ACEs the restricted token cannot open LogonUI's desktop: no window, so no
    // start either.
    fault::step(WINDOW_GRANT)?;
    let window_grant = WindowGrant::new(&launch).map_err(|error| {
        LaunchError::without_code(
            WINDOW_GRANT,
            format!(
                "the window station and desktop were not opened to {} ({error})",
                launch.text()
            ),
        )
    })?;

    let output = output.map(|file| HANDLE(file.as_raw_handle()));
    let mut list = match output {
        Some(handle) => {
            fault::step(INHERIT_OUTPUT)?;
            // SAFETY: handle is the caller's open file; only its inherit flag changes.
            unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT.0, HANDLE_FLAG_INHERIT) }
                .map_err(at(INHERIT_OUTPUT))?;
            let list = fault::step(HANDLE_LIST)
                .and_then(|()| HandleList::new(handle).map_err(at(HANDLE_LIST)));
            match list {
                Ok(list) => Some(list),
                Err(error) => {
                    clear_inherit(handle);
                    return Err(error);
                }
            }
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
    let created = fault::step(CREATE_PROCESS).and_then(|()| {
        // SAFETY: the token is a primary token derived from our own (so no extra privilege is
        // needed); the strings are NUL-terminated and outlive the call; startup is a valid
        // STARTUPINFOEXW whose attribute list (if any) lives in `list`; handles are inherited
        // only when the list names exactly one. The process starts suspended so it is in the
        // job before it runs a single instruction.
        unsafe {
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
        }
        .map_err(at(CREATE_PROCESS))
    });
    if let Some(handle) = output {
        clear_inherit(handle);
    }
    drop(list);
    created?;
    let mut child = Suspended {
        // SAFETY: CreateProcessAsUserW succeeded, so both handles are open and ours to close.
        process: unsafe { take(process.hProcess) },
        // SAFETY: as above.
        thread: unsafe { take(process.hThread) },
        id: process.dwProcessId,
        resumed: false,
    };
    // Never let it run outside the job: on either failure `child` drops, terminating it.
    child.assign(&job)?;
    child.resume()?;
    Ok(Sandboxed {
        process_id: child.id,
        token: child.token(),
        job,
        notes,
        window_grant,
    })
}

/// Leaves the caller's `handle` not inheritable again, for later children of LogonUI.
fn clear_inherit(handle: HANDLE) {
    // SAFETY: handle is the caller's open file; only its inherit flag changes.
    let _ = unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT.0, Default::default()) };
}
