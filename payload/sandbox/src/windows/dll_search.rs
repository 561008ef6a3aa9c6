//! Where the product's binaries load DLLs from: System32 only.
//!
//! `SetDefaultDllDirectories` exists on Windows 7 SP1 only with update KB2533623, so it is
//! looked up at run time and never imported (an import would stop the binary from loading
//! without the update). DLLs that are not KnownDLLs (e.g. `userenv.dll`, `secur32.dll` on
//! Windows 7) are loaded by full path from the system folder, never by name from the
//! binary's own folder first.

use windows::Win32::Foundation::HMODULE;
use windows::Win32::System::LibraryLoader::{
    GetModuleHandleW, GetProcAddress, LoadLibraryExW, LOAD_LIBRARY_FLAGS,
};
use windows::Win32::System::SystemInformation::GetSystemDirectoryW;
use windows_core::{s, w, HSTRING};

/// `LOAD_LIBRARY_SEARCH_SYSTEM32`.
const SEARCH_SYSTEM32: u32 = 0x800;

/// Restricts this process's default DLL search to System32 (`SetDefaultDllDirectories`), for
/// the EXEs only: in the DLL it would change LogonUI's search for every other provider.
/// Returns whether Windows had the function (false on Windows 7 without KB2533623, where
/// the EXEs rely on loading by full path and on their admin-only folder).
pub fn restrict_process_dll_search() -> bool {
    // SAFETY: kernel32 is loaded in every process; the name is a NUL-terminated literal.
    let Ok(kernel32) = (unsafe { GetModuleHandleW(w!("kernel32.dll")) }) else {
        return false;
    };
    // SAFETY: as above.
    let Some(function) = (unsafe { GetProcAddress(kernel32, s!("SetDefaultDllDirectories")) })
    else {
        return false;
    };
    // SAFETY: SetDefaultDllDirectories has this signature (BOOL WINAPI (DWORD)).
    let set = unsafe {
        std::mem::transmute::<
            unsafe extern "system" fn() -> isize,
            unsafe extern "system" fn(u32) -> i32,
        >(function)
    };
    // SAFETY: a documented flag value.
    unsafe { set(SEARCH_SYSTEM32) != 0 }
}

/// The system folder (System32; SysWOW64's view of it for a 32-bit process on 64-bit Windows).
pub fn system_folder() -> windows_core::Result<String> {
    let mut buffer = [0u16; 260];
    // SAFETY: buffer is writable for its length.
    let length = unsafe { GetSystemDirectoryW(Some(&mut buffer)) } as usize;
    if length == 0 || length >= buffer.len() {
        return Err(windows_core::Error::from_win32());
    }
    Ok(String::from_utf16_lossy(&buffer[..length]))
}

/// Loads `name` (e.g. `userenv.dll`) from the system folder by its full path. The DLL's own
/// imports are then found in System32 as well (`LOAD_WITH_ALTERED_SEARCH_PATH`: the loaded
/// DLL's folder comes first).
pub fn load_system_library(name: &str) -> windows_core::Result<HMODULE> {
    let path = format!("{}\\{name}", system_folder()?);
    // SAFETY: the path is NUL-terminated for the call; 0x8 is LOAD_WITH_ALTERED_SEARCH_PATH.
    unsafe { LoadLibraryExW(&HSTRING::from(path), None, LOAD_LIBRARY_FLAGS(0x8)) }
}

// Rust's Windows 7 standard library declares `GetUserProfileDirectoryW` (for
// `std::env::home_dir`, which this product never calls) as an import from `userenv.dll`, which
// is not a KnownDLL on Windows 7: Windows would look for it in the binary's own folder first.
// Defining both symbols of the import here (its address slot `__imp_GetUserProfileDirectoryW`
// and its thunk `GetUserProfileDirectoryW`, which std calls) satisfies the references before the
// linker reaches `libuserenv.a`, so no binary imports `userenv.dll`; a call, if one ever
// happens, loads it from System32 by full path.
// (An assembler definition rather than a `#[no_mangle]` static, which a cdylib would export.)
#[cfg(all(target_arch = "x86_64", target_env = "gnu"))]
std::arch::global_asm!(
    ".section .data",
    ".globl __imp_GetUserProfileDirectoryW",
    ".p2align 3",
    "__imp_GetUserProfileDirectoryW:",
    ".quad {function}",
    ".text",
    ".globl GetUserProfileDirectoryW",
    ".p2align 4",
    "GetUserProfileDirectoryW:",
    "jmp {function}",
    function = sym get_user_profile_directory,
);

// The same for i686, whose stdcall names carry the argument bytes (quoted: `@` is not a
// plain symbol character for the assembler).
#[cfg(all(target_arch = "x86", target_env = "gnu"))]
std::arch::global_asm!(
    ".section .data",
    ".globl \"__imp__GetUserProfileDirectoryW@12\"",
    ".p2align 2",
    "\"__imp__GetUserProfileDirectoryW@12\":",
    ".long {function}",
    ".text",
    ".globl \"_GetUserProfileDirectoryW@12\"",
    ".p2align 4",
    "\"_GetUserProfileDirectoryW@12\":",
    "jmp {function}",
    function = sym get_user_profile_directory,
);

/// `GetUserProfileDirectoryW` from System32's `userenv.dll`, loaded on first use.
#[cfg(all(any(target_arch = "x86_64", target_arch = "x86"), target_env = "gnu"))]
unsafe extern "system" fn get_user_profile_directory(
    token: windows::Win32::Foundation::HANDLE,
    folder: *mut u16,
    size: *mut u32,
) -> i32 {
    type Function =
        unsafe extern "system" fn(windows::Win32::Foundation::HANDLE, *mut u16, *mut u32) -> i32;
    let Ok(module) = load_system_library("userenv.dll") else {
        return 0;
    };
    // SAFETY: the module is loaded; the name is a NUL-terminated literal.
    let Some(function) = (unsafe { GetProcAddress(module, s!("GetUserProfileDirectoryW")) }) else {
        return 0;
    };
    // SAFETY: the export has this signature; the arguments are the caller's, passed on as is.
    unsafe {
        std::mem::transmute::<unsafe extern "system" fn() -> isize, Function>(function)(
            token, folder, size,
        )
    }
}
