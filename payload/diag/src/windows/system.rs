//! System facts: `RtlGetVersion`, `GetNativeSystemInfo`, `GetSystemMetrics(SM_REMOTESESSION)`,
//! `NetGetJoinInformation`, and the event log export through `wevtutil.exe`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use windows::core::{PCWSTR, PWSTR};
use windows::Wdk::System::SystemServices::RtlGetVersion;
use windows::Win32::NetworkManagement::NetManagement::{
    NetApiBufferFree, NetGetJoinInformation, NetSetupDomainName, NetSetupUnjoined,
    NetSetupWorkgroupName, NETSETUP_JOIN_STATUS,
};
use windows::Win32::System::SystemInformation::{
    GetNativeSystemInfo, OSVERSIONINFOEXW, OSVERSIONINFOW, PROCESSOR_ARCHITECTURE_AMD64,
    PROCESSOR_ARCHITECTURE_ARM64, PROCESSOR_ARCHITECTURE_INTEL, SYSTEM_INFO,
};
use windows::Win32::UI::WindowsAndMessaging::{GetSystemMetrics, SM_REMOTESESSION};

use crate::machine::{Arch, JoinState, OsVersionInfo};

/// Longest the event log export may take.
const WEVTUTIL_TIMEOUT: Duration = Duration::from_secs(60);

pub fn os_version() -> Option<OsVersionInfo> {
    let mut info = OSVERSIONINFOEXW {
        dwOSVersionInfoSize: std::mem::size_of::<OSVERSIONINFOEXW>() as u32,
        ..Default::default()
    };
    // SAFETY: `info` is an OSVERSIONINFOEXW whose size field says so, which RtlGetVersion
    // accepts in place of the OSVERSIONINFOW it is declared with.
    let status =
        unsafe { RtlGetVersion(&mut info as *mut OSVERSIONINFOEXW as *mut OSVERSIONINFOW) };
    (status.0 >= 0).then_some(OsVersionInfo {
        major: info.dwMajorVersion,
        minor: info.dwMinorVersion,
        build: info.dwBuildNumber,
        service_pack_major: info.wServicePackMajor,
        product_type: info.wProductType,
    })
}

pub fn native_arch() -> Arch {
    let mut info = SYSTEM_INFO::default();
    // SAFETY: `info` is a valid out pointer for the call.
    unsafe { GetNativeSystemInfo(&mut info) };
    // SAFETY: GetNativeSystemInfo fills the wProcessorArchitecture member of the union.
    let arch = unsafe { info.Anonymous.Anonymous.wProcessorArchitecture };
    match arch {
        PROCESSOR_ARCHITECTURE_AMD64 => Arch::X64,
        PROCESSOR_ARCHITECTURE_INTEL => Arch::X86,
        PROCESSOR_ARCHITECTURE_ARM64 => Arch::Arm64,
        other => Arch::Other(other.0),
    }
}

pub fn is_remote_session() -> bool {
    // SAFETY: GetSystemMetrics takes no pointers.
    unsafe { GetSystemMetrics(SM_REMOTESESSION) != 0 }
}

pub fn join_state() -> Option<JoinState> {
    let mut name = PWSTR::null();
    let mut status = NETSETUP_JOIN_STATUS(0);
    // SAFETY: a null server name asks about this computer; both out pointers are valid.
    let result = unsafe { NetGetJoinInformation(PCWSTR::null(), &mut name, &mut status) };
    if result != 0 {
        return None;
    }
    let text = if name.is_null() {
        String::new()
    } else {
        // SAFETY: on success `name` is a NUL-terminated string the function allocated.
        let text = unsafe { name.to_string() }.unwrap_or_default();
        // SAFETY: the buffer came from NetGetJoinInformation and is freed once, here.
        let _ = unsafe { NetApiBufferFree(Some(name.0 as *const core::ffi::c_void)) };
        text
    };
    if status == NetSetupDomainName {
        Some(JoinState::Domain(text))
    } else if status == NetSetupWorkgroupName {
        Some(JoinState::Workgroup(text))
    } else if status == NetSetupUnjoined {
        Some(JoinState::Unjoined)
    } else {
        None
    }
}

/// Exports the provider's Application log entries with `wevtutil epl`, from System32 (never
/// from PATH), killed if it runs longer than a minute.
pub fn export_events(destination: &Path) -> Result<(), String> {
    let system_root =
        std::env::var("SystemRoot").map_err(|_| "SystemRoot is not set".to_owned())?;
    let tool = Path::new(&system_root)
        .join("System32")
        .join("wevtutil.exe");
    let mut child = Command::new(&tool)
        .arg("epl")
        .arg("Application")
        .arg(destination)
        .arg("/q:*[System[Provider[@Name='SsprCredentialProvider']]]")
        .arg("/ow:true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", tool.display()))?;
    let deadline = Instant::now() + WEVTUTIL_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("wevtutil epl failed ({status})")),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "wevtutil epl did not finish within {} s",
                    WEVTUTIL_TIMEOUT.as_secs()
                ));
            }
            Err(error) => return Err(format!("waiting for wevtutil: {error}")),
        }
    }
}
