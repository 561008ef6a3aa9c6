//! Security descriptors: built from SDDL, read from a path or a handle, their DACLs listed as
//! [`AceFacts`] for [`crate::non_admin_writers`].

use std::ffi::c_void;

use windows::Win32::Foundation::{LocalFree, ERROR_SUCCESS, HANDLE, HLOCAL, WIN32_ERROR};
use windows::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW, GetSecurityInfo,
    SE_FILE_OBJECT, SE_OBJECT_TYPE,
};
use windows::Win32::Security::{
    GetAce, GetSecurityDescriptorDacl, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION,
    OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID,
};
use windows_core::{BOOL, HSTRING, PCWSTR};

use super::sid::sid_text;
use crate::writers::{non_admin_writers, AceFacts};

/// `ACCESS_ALLOWED_ACE_TYPE` and `ACCESS_DENIED_ACE_TYPE`: the two ACE types whose mask sits at
/// offset 4 and SID at offset 8.
const ACCESS_ALLOWED: u8 = 0;
const ACCESS_DENIED: u8 = 1;
/// `INHERIT_ONLY_ACE`.
const INHERIT_ONLY: u8 = 0x8;
/// `SDDL_REVISION_1`.
const SDDL_REVISION_1: u32 = 1;

/// A security descriptor allocated by Windows with `LocalAlloc`, freed on drop.
#[derive(Debug)]
pub struct Descriptor(PSECURITY_DESCRIPTOR);

impl Drop for Descriptor {
    fn drop(&mut self) {
        if !self.0 .0.is_null() {
            // SAFETY: the descriptor came from an API documented to LocalAlloc it; freed once.
            unsafe {
                let _ = LocalFree(Some(HLOCAL(self.0 .0)));
            }
        }
    }
}

impl Descriptor {
    /// The descriptor `sddl` spells.
    pub fn from_sddl(sddl: &str) -> windows_core::Result<Self> {
        let mut descriptor = PSECURITY_DESCRIPTOR::default();
        // SAFETY: the string is NUL-terminated for the call; descriptor receives LocalAlloc'ed
        // memory owned by the returned value.
        unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                &HSTRING::from(sddl),
                SDDL_REVISION_1,
                &mut descriptor,
                None,
            )?
        };
        Ok(Self(descriptor))
    }

    /// The raw descriptor, valid while `self` lives.
    pub fn raw(&self) -> PSECURITY_DESCRIPTOR {
        self.0
    }

    /// Its DACL (null for a descriptor without one), valid while `self` lives.
    pub fn dacl(&self) -> windows_core::Result<*mut ACL> {
        let mut present = BOOL(0);
        let mut defaulted = BOOL(0);
        let mut dacl: *mut ACL = std::ptr::null_mut();
        // SAFETY: the descriptor is valid; the out-pointers are valid for the call.
        unsafe { GetSecurityDescriptorDacl(self.0, &mut present, &mut dacl, &mut defaulted)? };
        Ok(if present.as_bool() {
            dacl
        } else {
            std::ptr::null_mut()
        })
    }
}

/// An object's owner and DACL, as read.
#[derive(Debug)]
pub struct Security {
    descriptor: Descriptor,
    owner: PSID,
    dacl: *mut ACL,
}

fn read_result(
    status: WIN32_ERROR,
    descriptor: PSECURITY_DESCRIPTOR,
    owner: PSID,
    dacl: *mut ACL,
) -> windows_core::Result<Security> {
    let descriptor = Descriptor(descriptor);
    if status != ERROR_SUCCESS {
        return Err(status.into());
    }
    Ok(Security {
        descriptor,
        owner,
        dacl,
    })
}

impl Security {
    /// The owner and DACL of the file or folder at `path`.
    pub fn of_path(path: &str) -> windows_core::Result<Self> {
        let wide = HSTRING::from(path);
        let mut owner = PSID::default();
        let mut dacl: *mut ACL = std::ptr::null_mut();
        let mut descriptor = PSECURITY_DESCRIPTOR::default();
        // SAFETY: wide is NUL-terminated; the out-pointers point into `descriptor`, which the
        // returned value owns.
        let status = unsafe {
            GetNamedSecurityInfoW(
                PCWSTR(wide.as_ptr()),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                Some(&mut owner),
                None,
                Some(&mut dacl),
                None,
                &mut descriptor,
            )
        };
        read_result(status, descriptor, owner, dacl)
    }

    /// The DACL of the object behind `handle` (opened with `READ_CONTROL`).
    pub fn of_handle(handle: HANDLE, kind: SE_OBJECT_TYPE) -> windows_core::Result<Self> {
        let mut dacl: *mut ACL = std::ptr::null_mut();
        let mut descriptor = PSECURITY_DESCRIPTOR::default();
        // SAFETY: as above, for an open handle.
        let status = unsafe {
            GetSecurityInfo(
                handle,
                kind,
                DACL_SECURITY_INFORMATION,
                None,
                None,
                Some(&mut dacl),
                None,
                Some(&mut descriptor),
            )
        };
        read_result(status, descriptor, PSID::default(), dacl)
    }

    /// The owner as text (`None` when not read or absent).
    pub fn owner(&self) -> Option<String> {
        (!self.owner.is_invalid()).then(|| sid_text(self.owner))
    }

    /// The DACL (null when the object has none), valid while `self` lives.
    pub fn dacl(&self) -> *mut ACL {
        let _ = &self.descriptor;
        self.dacl
    }

    /// The DACL's allow and deny ACEs (`None` for a missing DACL).
    pub fn aces(&self) -> Option<Vec<AceFacts>> {
        (!self.dacl.is_null()).then(|| aces_of(self.dacl))
    }
}

/// The allow and deny ACEs of `acl`, a valid ACL (others, e.g. object or callback ACEs, are left out).
fn aces_of(acl: *const ACL) -> Vec<AceFacts> {
    // SAFETY: acl points to a valid ACL header.
    let count = unsafe { (*acl).AceCount };
    (0..u32::from(count))
        .filter_map(|index| {
            let mut ace: *mut c_void = std::ptr::null_mut();
            // SAFETY: index < AceCount; ace receives a pointer into the ACL.
            unsafe { GetAce(acl, index, &mut ace) }.ok()?;
            // SAFETY: every ACE starts with an ACE_HEADER.
            let header = unsafe { &*ace.cast::<ACE_HEADER>() };
            if header.AceType != ACCESS_ALLOWED && header.AceType != ACCESS_DENIED {
                return None;
            }
            // SAFETY: allow and deny ACEs hold the mask at offset 4 and the SID at offset 8,
            // within AceSize.
            let (mask, sid) = unsafe {
                (
                    ace.cast::<u8>().add(4).cast::<u32>().read_unaligned(),
                    PSID(ace.cast::<u8>().add(8).cast()),
                )
            };
            Some(AceFacts {
                allow: header.AceType == ACCESS_ALLOWED,
                sid: sid_text(sid),
                mask,
                inherit_only: header.AceFlags & INHERIT_ONLY != 0,
            })
        })
        .collect()
}

/// Who but SYSTEM, Administrators, TrustedInstaller and `also_trusted` may write `path`; an
/// error when its permissions cannot be read (which callers treat as "not safe").
pub fn path_writers(path: &str, also_trusted: &[&str]) -> Result<Vec<String>, String> {
    let security = Security::of_path(path)
        .map_err(|error| format!("cannot read the permissions of {path}: {error}"))?;
    let owner = security.owner();
    Ok(non_admin_writers(
        owner.as_deref(),
        security.aces().as_deref(),
        also_trusted,
    ))
}
