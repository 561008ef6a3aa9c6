//! `--self-test`'s proof of the sandbox: the host tries each access it must not have (open
//! HKLM\SAM and HKLM\SECURITY, read another user's profile, write outside a temporary folder,
//! authenticate on the network with the computer's account, open LogonUI or winlogon, start a
//! child process: `cmd.exe`, which the job's one-active-process limit must refuse) and
//! reports, per access, `denied`, `granted` or `untestable` with what it tried. Any `granted`
//! makes the self-test fail (exit 4). The probes run on Windows; the verdict is pure.

use serde::Serialize;

/// The result of one probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Windows refused the access: what the sandbox must show.
    Denied,
    /// The access worked: the sandbox leaks.
    Granted,
    /// Nothing to try it on here (no such key, process or profile), or the API itself failed.
    Untestable,
}

/// One access tried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// A stable name: `hklm-sam`, `hklm-security`, `other-profile`, `write-outside-temp`,
    /// `network-machine-account`, `open-logonui`, `open-winlogon`, `start-child-process`.
    pub access: &'static str,
    pub outcome: Outcome,
    /// What was tried and what Windows answered.
    pub detail: String,
}

impl Probe {
    /// A probe result.
    pub fn new(access: &'static str, outcome: Outcome, detail: impl Into<String>) -> Self {
        Self {
            access,
            outcome,
            detail: detail.into(),
        }
    }
}

/// The violations the probes found: one line per granted access.
pub fn granted(probes: &[Probe]) -> Vec<String> {
    probes
        .iter()
        .filter(|p| p.outcome == Outcome::Granted)
        .map(|p| format!("access {}: granted ({})", p.access, p.detail))
        .collect()
}

/// Whether a Negotiate credential user name is the computer's account (`DOMAIN\NAME$` or
/// `NAME$`) for a computer called `computer`.
pub fn is_machine_account(credential_user: &str, computer: &str) -> bool {
    let account = credential_user
        .rsplit_once('\\')
        .map_or(credential_user, |(_, account)| account);
    !computer.is_empty() && account.eq_ignore_ascii_case(&format!("{computer}$"))
}

/// `ERROR_NOT_ENOUGH_QUOTA`: what `CreateProcess` answers inside a job whose active-process
/// limit is reached (the host's job allows one process: the host).
const ERROR_NOT_ENOUGH_QUOTA: i32 = 1816;
/// `ERROR_ACCESS_DENIED`.
const ERROR_ACCESS_DENIED_CODE: i32 = 5;

/// The verdict on starting `program` as a child: `started` is the child's exit code when it
/// ran, else the OS error `CreateProcess` gave.
pub fn child_process_outcome(program: &str, started: Result<Option<i32>, Option<i32>>) -> Probe {
    const ACCESS: &str = "start-child-process";
    match started {
        Ok(code) => Probe::new(
            ACCESS,
            Outcome::Granted,
            format!(
                "started {program} (exit code {})",
                code.map_or("unknown".to_owned(), |c| c.to_string())
            ),
        ),
        Err(Some(ERROR_NOT_ENOUGH_QUOTA)) => Probe::new(
            ACCESS,
            Outcome::Denied,
            format!(
                "starting {program} refused: ERROR_NOT_ENOUGH_QUOTA (the job's one-process limit)"
            ),
        ),
        Err(Some(ERROR_ACCESS_DENIED_CODE)) => Probe::new(
            ACCESS,
            Outcome::Denied,
            format!("starting {program} refused: access denied"),
        ),
        Err(error) => Probe::new(
            ACCESS,
            Outcome::Untestable,
            format!(
                "starting {program} failed: error {}",
                error.map_or("unknown".to_owned(), |e| e.to_string())
            ),
        ),
    }
}

#[cfg(windows)]
pub use self::windows::run_all;

#[cfg(windows)]
mod windows {
    use std::ffi::c_void;

    use sspr_registry::windows::Key;
    use sspr_registry::{expand_env, Hive, View};
    use sspr_sandbox::windows::{current_token_facts, load_system_library, system_folder};
    use windows::Win32::Foundation::{CloseHandle, ERROR_ACCESS_DENIED};
    use windows::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W,
        TH32CS_SNAPPROCESS,
    };
    use windows::Win32::System::LibraryLoader::GetProcAddress;
    use windows::Win32::System::Threading::{OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION};
    use windows_core::{s, PWSTR};

    use super::{child_process_outcome, is_machine_account, Outcome, Probe};

    /// Every probe, in a fixed order.
    pub fn run_all() -> Vec<Probe> {
        vec![
            registry_key("hklm-sam", "SAM"),
            registry_key("hklm-security", "SECURITY"),
            other_profile(),
            write_outside_temp(),
            network_machine_account(),
            open_process("open-logonui", "LogonUI.exe"),
            open_process("open-winlogon", "winlogon.exe"),
            start_child_process(),
        ]
    }

    /// Tries to start `cmd.exe /c exit 7` from the system folder: inside the host's job (one
    /// active process) `CreateProcess` must fail.
    fn start_child_process() -> Probe {
        let program = match system_folder() {
            Ok(folder) => format!("{folder}\\cmd.exe"),
            Err(error) => {
                return Probe::new(
                    "start-child-process",
                    Outcome::Untestable,
                    format!("no system folder: {error}"),
                )
            }
        };
        // The host's own standard handles, inherited (`cmd /c exit` writes nothing): opening
        // NUL could be refused in the sandbox, which would read as a refused process.
        let started = std::process::Command::new(&program)
            .args(["/c", "exit", "7"])
            .spawn()
            .map_err(|error| error.raw_os_error())
            .map(|mut child| child.wait().ok().and_then(|status| status.code()));
        child_process_outcome(&program, started)
    }

    fn registry_key(access: &'static str, path: &str) -> Probe {
        let what = format!("RegOpenKeyEx(HKLM\\{path}, read)");
        match Key::try_open(Hive::LocalMachine, View::Native, path) {
            Ok(_key) => Probe::new(access, Outcome::Granted, format!("{what} succeeded")),
            Err(code) if code == ERROR_ACCESS_DENIED.0 => {
                Probe::new(access, Outcome::Denied, format!("{what}: access denied"))
            }
            Err(code) => Probe::new(access, Outcome::Untestable, format!("{what}: error {code}")),
        }
    }

    /// Profile folders of users other than this process's (the `S-1-5-21-...` entries of
    /// ProfileList, `%SystemDrive%` and the like expanded).
    fn profile_folders() -> Result<Vec<String>, String> {
        const LIST: &str = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";
        let list = Key::try_open(Hive::LocalMachine, View::Native, LIST)
            .map_err(|code| format!("cannot open HKLM\\{LIST} (error {code})"))?;
        // The process's own profile is not another user's (under Wine the host runs as the
        // prefix's one user).
        let own = current_token_facts()
            .map(|facts| facts.user)
            .unwrap_or_default();
        let folders = list
            .subkeys()
            .into_iter()
            .filter(|sid| sid.starts_with("S-1-5-21-") && !sid.eq_ignore_ascii_case(&own))
            .filter_map(|sid| {
                let profile =
                    Key::open(Hive::LocalMachine, View::Native, &format!(r"{LIST}\{sid}"))?
                        .value("ProfileImagePath")?;
                let folder = profile.as_str()?;
                Some(expand_env(folder, |name| std::env::var(name).ok()))
            })
            .collect();
        Ok(folders)
    }

    fn other_profile() -> Probe {
        const ACCESS: &str = "other-profile";
        let folders = match profile_folders() {
            Ok(folders) => folders,
            Err(why) => return Probe::new(ACCESS, Outcome::Untestable, why),
        };
        let mut denied = Vec::new();
        for folder in &folders {
            match std::fs::read_dir(folder) {
                Ok(_) => {
                    return Probe::new(ACCESS, Outcome::Granted, format!("listed {folder}"));
                }
                Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                    denied.push(folder.clone());
                }
                Err(_) => {}
            }
        }
        if denied.is_empty() {
            Probe::new(
                ACCESS,
                Outcome::Untestable,
                "no user profile folder exists to try",
            )
        } else {
            Probe::new(
                ACCESS,
                Outcome::Denied,
                format!("listing refused: {}", denied.join(", ")),
            )
        }
    }

    /// Folders SYSTEM may write that the host must not: its own folder, ProgramData, the
    /// Windows folder and Windows' Temp (SYSTEM's TEMP: not the host's).
    fn write_targets() -> Vec<String> {
        let mut targets = Vec::new();
        if let Some(folder) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|p| p.display().to_string()))
        {
            targets.push(folder);
        }
        for (variable, tail) in [
            ("ProgramData", ""),
            ("SystemRoot", ""),
            ("SystemRoot", "\\Temp"),
        ] {
            if let Ok(base) = std::env::var(variable) {
                targets.push(format!("{base}{tail}"));
            }
        }
        targets
    }

    fn write_outside_temp() -> Probe {
        const ACCESS: &str = "write-outside-temp";
        let mut denied = Vec::new();
        for folder in write_targets() {
            let path = format!("{folder}\\SsprResetHost-probe-{}.tmp", std::process::id());
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    drop(file);
                    let _ = std::fs::remove_file(&path);
                    return Probe::new(ACCESS, Outcome::Granted, format!("created {path}"));
                }
                Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                    denied.push(folder);
                }
                Err(_) => {}
            }
        }
        if denied.is_empty() {
            Probe::new(ACCESS, Outcome::Untestable, "no folder to try")
        } else {
            Probe::new(
                ACCESS,
                Outcome::Denied,
                format!("creating a file refused in: {}", denied.join(", ")),
            )
        }
    }

    /// `CredHandle` / `TimeStamp` as secur32 takes them.
    #[repr(C)]
    #[derive(Default)]
    struct SecHandle {
        lower: usize,
        upper: usize,
    }

    type AcquireCredentialsHandleW = unsafe extern "system" fn(
        *const u16,
        *const u16,
        u32,
        *const c_void,
        *const c_void,
        *const c_void,
        *const c_void,
        *mut SecHandle,
        *mut i64,
    ) -> i32;
    type QueryCredentialsAttributesW =
        unsafe extern "system" fn(*mut SecHandle, u32, *mut c_void) -> i32;
    type FreeCredentialsHandle = unsafe extern "system" fn(*mut SecHandle) -> i32;
    type FreeContextBuffer = unsafe extern "system" fn(*mut c_void) -> i32;
    /// What `GetProcAddress` returns.
    type Exported = unsafe extern "system" fn() -> isize;

    /// Whose credentials Negotiate would send from this process: the computer's account means
    /// the host could authenticate to servers as the machine.
    fn network_machine_account() -> Probe {
        const ACCESS: &str = "network-machine-account";
        let untestable = |why: String| Probe::new(ACCESS, Outcome::Untestable, why);
        let module = match load_system_library("secur32.dll") {
            Ok(module) => module,
            Err(error) => return untestable(format!("cannot load secur32.dll: {error}")),
        };
        // SAFETY: the module is loaded; the names are NUL-terminated literals.
        let (acquire, query, free_cred, free_buffer) = unsafe {
            (
                GetProcAddress(module, s!("AcquireCredentialsHandleW")),
                GetProcAddress(module, s!("QueryCredentialsAttributesW")),
                GetProcAddress(module, s!("FreeCredentialsHandle")),
                GetProcAddress(module, s!("FreeContextBuffer")),
            )
        };
        let (Some(acquire), Some(query), Some(free_cred), Some(free_buffer)) =
            (acquire, query, free_cred, free_buffer)
        else {
            return untestable("secur32.dll lacks the SSPI functions".to_owned());
        };
        // SAFETY: each pointer is the named export, whose signature the types spell.
        let (acquire, query, free_cred, free_buffer) = unsafe {
            (
                std::mem::transmute::<Exported, AcquireCredentialsHandleW>(acquire),
                std::mem::transmute::<Exported, QueryCredentialsAttributesW>(query),
                std::mem::transmute::<Exported, FreeCredentialsHandle>(free_cred),
                std::mem::transmute::<Exported, FreeContextBuffer>(free_buffer),
            )
        };
        let package: Vec<u16> = "Negotiate\0".encode_utf16().collect();
        let mut credential = SecHandle::default();
        let mut expiry = 0i64;
        // SAFETY: package is NUL-terminated; 2 is SECPKG_CRED_OUTBOUND; no principal, no auth
        // data (this logon session's default credentials); the out-pointers are valid.
        let status = unsafe {
            acquire(
                std::ptr::null(),
                package.as_ptr(),
                2,
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                &mut credential,
                &mut expiry,
            )
        };
        if status != 0 {
            return untestable(format!(
                "AcquireCredentialsHandle(Negotiate, outbound) failed: 0x{:08x}",
                status as u32
            ));
        }
        let mut name: *mut u16 = std::ptr::null_mut();
        // SAFETY: 1 is SECPKG_CRED_ATTR_NAMES, whose buffer is one pointer to a string that
        // secur32 allocates (freed below with FreeContextBuffer).
        let status = unsafe { query(&mut credential, 1, std::ptr::from_mut(&mut name).cast()) };
        let user = if status == 0 && !name.is_null() {
            // SAFETY: a NUL-terminated string secur32 allocated.
            let text = unsafe { PWSTR(name).to_string() }.unwrap_or_default();
            // SAFETY: allocated by secur32, freed once.
            unsafe { free_buffer(name.cast()) };
            Some(text)
        } else {
            None
        };
        // SAFETY: acquired above, freed once.
        unsafe { free_cred(&mut credential) };
        let computer = std::env::var("COMPUTERNAME").unwrap_or_default();
        match user {
            None => untestable(format!(
                "QueryCredentialsAttributes(names) failed: 0x{:08x}",
                status as u32
            )),
            Some(user) if is_machine_account(&user, &computer) => Probe::new(
                ACCESS,
                Outcome::Granted,
                format!("outbound Negotiate credentials are the computer's account {user}"),
            ),
            Some(user) => Probe::new(
                ACCESS,
                Outcome::Denied,
                format!("outbound Negotiate credentials are {user}, not {computer}$"),
            ),
        }
    }

    fn process_ids(image: &str) -> Result<Vec<u32>, String> {
        // SAFETY: a snapshot of all processes; closed below.
        let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) }
            .map_err(|e| format!("cannot list processes: {e}"))?;
        let mut entry = PROCESSENTRY32W {
            dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        let mut ids = Vec::new();
        // SAFETY: entry is a valid PROCESSENTRY32W with dwSize set.
        let mut more = unsafe { Process32FirstW(snapshot, &mut entry) }.is_ok();
        while more {
            let end = entry
                .szExeFile
                .iter()
                .position(|&c| c == 0)
                .unwrap_or(entry.szExeFile.len());
            if String::from_utf16_lossy(&entry.szExeFile[..end]).eq_ignore_ascii_case(image) {
                ids.push(entry.th32ProcessID);
            }
            // SAFETY: as above.
            more = unsafe { Process32NextW(snapshot, &mut entry) }.is_ok();
        }
        // SAFETY: the snapshot handle is ours, closed once.
        let _ = unsafe { CloseHandle(snapshot) };
        Ok(ids)
    }

    fn open_process(access: &'static str, image: &str) -> Probe {
        let ids = match process_ids(image) {
            Ok(ids) => ids,
            Err(why) => return Probe::new(access, Outcome::Untestable, why),
        };
        if ids.is_empty() {
            return Probe::new(
                access,
                Outcome::Untestable,
                format!("no {image} process is running"),
            );
        }
        for &id in &ids {
            // The weakest process right: if this is refused, every other is.
            // SAFETY: a plain open; a handle returned is closed at once.
            if let Ok(handle) = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, id) }
            {
                // SAFETY: opened just above.
                let _ = unsafe { CloseHandle(handle) };
                return Probe::new(
                    access,
                    Outcome::Granted,
                    format!("OpenProcess({image} {id}, query-limited) succeeded"),
                );
            }
        }
        Probe::new(
            access,
            Outcome::Denied,
            format!("OpenProcess(query-limited) refused for {image} {ids:?}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_granted_accesses_are_violations() {
        let probes = [
            Probe::new("hklm-sam", Outcome::Denied, "access denied"),
            Probe::new("open-winlogon", Outcome::Untestable, "no winlogon.exe"),
            Probe::new("hklm-security", Outcome::Granted, "opened"),
        ];
        assert_eq!(granted(&probes), ["access hklm-security: granted (opened)"]);
        let json = serde_json::to_value(&probes[1]).unwrap();
        assert_eq!(json["outcome"], "untestable");
        assert_eq!(json["access"], "open-winlogon");
    }

    #[test]
    fn a_child_process_is_a_leak_and_the_job_s_refusal_is_the_proof() {
        let cmd = r"C:\Windows\system32\cmd.exe";
        let started = child_process_outcome(cmd, Ok(Some(7)));
        assert_eq!(started.outcome, Outcome::Granted);
        assert_eq!(
            granted(&[started]),
            [
                r"access start-child-process: granted (started C:\Windows\system32\cmd.exe (exit code 7))"
            ]
        );
        let quota = child_process_outcome(cmd, Err(Some(1816)));
        assert_eq!(quota.outcome, Outcome::Denied);
        assert_eq!(
            quota.detail,
            r"starting C:\Windows\system32\cmd.exe refused: ERROR_NOT_ENOUGH_QUOTA (the job's one-process limit)"
        );
        assert_eq!(
            child_process_outcome(cmd, Err(Some(5))).outcome,
            Outcome::Denied
        );
        let missing = child_process_outcome(cmd, Err(Some(2)));
        assert_eq!(missing.outcome, Outcome::Untestable);
        assert_eq!(
            missing.detail,
            r"starting C:\Windows\system32\cmd.exe failed: error 2"
        );
    }

    #[test]
    fn the_machine_account_is_recognised_with_or_without_a_domain() {
        assert!(is_machine_account(r"CONTOSO\PC1$", "PC1"));
        assert!(is_machine_account("pc1$", "PC1"));
        assert!(!is_machine_account(r".\SsprResetHost", "PC1"));
        assert!(!is_machine_account(r"CONTOSO\PC10$", "PC1"));
        assert!(!is_machine_account("$", ""));
    }
}
