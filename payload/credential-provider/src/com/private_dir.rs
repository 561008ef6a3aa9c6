//! The log folder, made safe to write as SYSTEM.
//!
//! `%ProgramData%` lets every user create folders. Had a user made `SsprWindowsLogon\logs`
//! first, with a junction or link inside, LogonUI (SYSTEM) appending to our log could be turned
//! into writing any file on the machine. So: a folder we create gets a protected DACL (SYSTEM and
//! Administrators only); a folder that already exists is used only if it is a plain directory
//! (no reparse point) that no one but SYSTEM, Administrators and this process's own user owns or
//! may write (its DACL is read and judged by `sspr_sandbox::non_admin_writers`).

use std::ffi::c_void;

use sspr_sandbox::windows::{current_token_facts, path_writers};
use windows::Win32::Foundation::{LocalFree, ERROR_ALREADY_EXISTS, HLOCAL};
use windows::Win32::Security::Authorization::ConvertStringSecurityDescriptorToSecurityDescriptorW;
use windows::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows::Win32::Storage::FileSystem::{
    CreateDirectoryW, GetFileAttributesW, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_REPARSE_POINT,
    INVALID_FILE_ATTRIBUTES,
};
use windows_core::HSTRING;

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
    let me = current_token_facts()
        .map(|facts| facts.user)
        .map_err(|e| format!("cannot read our own token: {e}"))?;
    let writers = path_writers(path, &[me.as_str()])?;
    if writers.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path} can be changed by others than SYSTEM and Administrators ({}): not logging \
             there (delete the folder to let the provider recreate it privately)",
            writers.join("; ")
        ))
    }
}
