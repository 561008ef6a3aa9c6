//! Small Windows facts the provider needs: the Windows family, the settings, our own DLL's path.

use windows::Win32::Foundation::HMODULE;
use windows::Win32::System::LibraryLoader::{
    GetModuleFileNameW, GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
    GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
};
use windows::Win32::System::SystemInformation::{GetVersionExW, OSVERSIONINFOW};
use windows_core::PCWSTR;

use sspr_settings::windows_registry::MachineRegistryPass;
use sspr_settings::{Settings, WindowsFamily};

/// Windows 7 or later, from `GetVersionExW` (without a manifest it caps at 6.2 on newer
/// Windows, which still tells 7 from 8 and later: all the settings need).
pub fn windows_family() -> WindowsFamily {
    let mut info = OSVERSIONINFOW {
        dwOSVersionInfoSize: std::mem::size_of::<OSVERSIONINFOW>() as u32,
        ..Default::default()
    };
    // SAFETY: info is a valid, sized OSVERSIONINFOW for the call to fill.
    match unsafe { GetVersionExW(&mut info) } {
        Ok(()) => WindowsFamily::from_version(info.dwMajorVersion, info.dwMinorVersion),
        // Windows 8's wording is the safer guess: it is also the default of every later Windows.
        Err(_) => WindowsFamily::Windows8OrLater,
    }
}

/// The settings as they are now in `HKLM`: one pass opens each key once and closes it when the
/// resolve is done. `SetUsageScenario` and `Filter` use the snapshot (`settings_snapshot`), which
/// calls this when a key changed.
pub fn read_settings() -> Settings {
    sspr_settings::resolve(&MachineRegistryPass::new(), windows_family())
}

/// The full path of this DLL (`...\SsprCredentialProvider.dll`), or `None` if Windows will not say.
pub fn own_module_path() -> Option<String> {
    static ANCHOR: u8 = 0;
    let mut module = HMODULE::default();
    // SAFETY: FROM_ADDRESS makes the "name" an address inside our image (a static of ours);
    // UNCHANGED_REFCOUNT takes no reference, so nothing needs freeing.
    unsafe {
        GetModuleHandleExW(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            PCWSTR(std::ptr::addr_of!(ANCHOR).cast()),
            &mut module,
        )
    }
    .ok()?;
    let mut buffer = vec![0u16; 512];
    loop {
        // SAFETY: module is our loaded image; the buffer's length is passed by the slice.
        let len = unsafe { GetModuleFileNameW(Some(module), &mut buffer) } as usize;
        if len == 0 {
            return None;
        }
        if len < buffer.len() {
            return Some(String::from_utf16_lossy(&buffer[..len]));
        }
        if buffer.len() >= 32_768 {
            return None;
        }
        buffer.resize(buffer.len() * 2, 0);
    }
}

/// `(process id, thread id)` for log lines.
pub fn process_and_thread() -> (u32, u32) {
    use windows::Win32::System::Threading::{GetCurrentProcessId, GetCurrentThreadId};
    // SAFETY: both calls have no preconditions.
    unsafe { (GetCurrentProcessId(), GetCurrentThreadId()) }
}
