//! The log folder, made safe to write as SYSTEM.
//!
//! `%ProgramData%` lets every user create folders. Had a user made `SsprWindowsLogon\logs`
//! first, with a junction or link inside, LogonUI (SYSTEM) appending to our log could be turned
//! into writing any file on the machine. So: a folder we create gets a protected DACL (SYSTEM and
//! Administrators only); a folder that already exists is used only if it is a plain directory
//! (no reparse point) owned by SYSTEM, Administrators or this process's own user.

use std::ffi::c_void;

use windows::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_ALREADY_EXISTS, ERROR_SUCCESS, HANDLE, HLOCAL,
};
use windows::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows::Win32::Security::{
    EqualSid, GetTokenInformation, IsWellKnownSid, TokenUser, WinBuiltinAdministratorsSid,
    WinLocalSystemSid, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_ATTRIBUTES,
    TOKEN_QUERY, TOKEN_USER,
};
use windows::Win32::Storage::FileSystem::{
    CreateDirectoryW, GetFileAttributesW, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_REPARSE_POINT,
    INVALID_FILE_ATTRIBUTES,
};
use windows::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows_core::{HSTRING, PCWSTR};

/// Protected DACL: full control for SYSTEM and Administrators, inherited by files and folders.
const PRIVATE_SDDL: &str = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
/// `SDDL_REVISION_1`
const SDDL_REVISION_1: u32 = 1;

/// Memory from `LocalAlloc` (security descriptors), freed on drop.
struct LocalMemory(*mut c_void);

impl Drop for LocalMemory {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from an API documented to allocate with LocalAlloc.
            unsafe { LocalFree(Some(HLOCAL(self.0))) };
        }
    }
}

/// Creates `path` (one level) privately, or checks the existing folder; the error says why not.
pub fn ensure_private_dir(path: &str) -> Result<(), String> {
    let wide = HSTRING::from(path);
    let mut descriptor = PSECURITY_DESCRIPTOR::default();
    // SAFETY: the SDDL string is NUL-terminated for the call; descriptor is a valid out-pointer.
    unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            &HSTRING::from(PRIVATE_SDDL),
            SDDL_REVISION_1,
            &mut descriptor,
            None,
        )
    }
    .map_err(|e| format!("cannot build the log folder's security descriptor: {e}"))?;
    let descriptor = LocalMemory(descriptor.0);
    let attributes = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: descriptor.0,
        bInheritHandle: false.into(),
    };
    // SAFETY: wide is NUL-terminated; attributes and its descriptor outlive the call.
    match unsafe { CreateDirectoryW(&wide, Some(&attributes)) } {
        Ok(()) => Ok(()),
        Err(error) if error.code() == ERROR_ALREADY_EXISTS.to_hresult() => {
            check_existing(path, &wide)
        }
        Err(error) => Err(format!("cannot create {path}: {error}")),
    }
}

fn check_existing(path: &str, wide: &HSTRING) -> Result<(), String> {
    // SAFETY: wide is a NUL-terminated path.
    let attributes = unsafe { GetFileAttributesW(wide) };
    if attributes == INVALID_FILE_ATTRIBUTES {
        return Err(format!("cannot read the attributes of {path}"));
    }
    if attributes & FILE_ATTRIBUTE_DIRECTORY.0 == 0
        || attributes & FILE_ATTRIBUTE_REPARSE_POINT.0 != 0
    {
        return Err(format!(
            "{path} is not a plain folder (a file, junction or link): not logging there"
        ));
    }
    let mut owner = PSID::default();
    let mut descriptor = PSECURITY_DESCRIPTOR::default();
    // SAFETY: wide is NUL-terminated; owner and descriptor are valid out-pointers; owner points
    // into descriptor, which is freed (below) only after the last use of owner.
    let status = unsafe {
        GetNamedSecurityInfoW(
            PCWSTR(wide.as_ptr()),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION,
            Some(&mut owner),
            None,
            None,
            None,
            &mut descriptor,
        )
    };
    let descriptor = LocalMemory(descriptor.0);
    if status != ERROR_SUCCESS {
        return Err(format!(
            "cannot read the owner of {path} (error {})",
            status.0
        ));
    }
    // SAFETY: owner is a valid SID inside descriptor, alive until the end of this function.
    let trusted = unsafe {
        IsWellKnownSid(owner, WinLocalSystemSid).as_bool()
            || IsWellKnownSid(owner, WinBuiltinAdministratorsSid).as_bool()
    } || is_own_user(owner);
    drop(descriptor);
    if trusted {
        Ok(())
    } else {
        Err(format!(
            "{path} belongs to neither SYSTEM, Administrators nor this process's user: not \
             logging there (delete the folder to let the provider recreate it privately)"
        ))
    }
}

/// Whether `sid` is the user this process runs as (SYSTEM inside LogonUI).
fn is_own_user(sid: PSID) -> bool {
    let mut token = HANDLE::default();
    // SAFETY: GetCurrentProcess is a pseudo-handle; token is a valid out-pointer.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) }.is_err() {
        return false;
    }
    // TOKEN_USER plus its SID fits easily; u64 storage keeps the struct aligned.
    let mut buffer = [0u64; 64];
    let mut needed = 0u32;
    // SAFETY: token is open for query; the buffer is writable for its stated size.
    let read = unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            Some(buffer.as_mut_ptr().cast()),
            std::mem::size_of_val(&buffer) as u32,
            &mut needed,
        )
    };
    // SAFETY: token came from OpenProcessToken and is closed once.
    let _ = unsafe { CloseHandle(token) };
    if read.is_err() {
        return false;
    }
    // SAFETY: GetTokenInformation filled a TOKEN_USER at the start of the aligned buffer; its
    // SID points into the same buffer, alive for the comparison.
    unsafe {
        let user = &*(buffer.as_ptr().cast::<TOKEN_USER>());
        EqualSid(user.User.Sid, sid).is_ok()
    }
}
