//! Tokens: the restricted copy of the provider's token the host gets, and any token as facts.

use std::os::windows::io::{BorrowedHandle, OwnedHandle};

use windows::Win32::Foundation::{LocalFree, HANDLE, HLOCAL, LUID};
use windows::Win32::Security::Authorization::ConvertStringSidToSidW;
use windows::Win32::Security::{
    CreateRestrictedToken, GetLengthSid, GetTokenInformation, LookupPrivilegeNameW,
    SetTokenInformation, TokenDefaultDacl, TokenGroups, TokenIntegrityLevel, TokenPrivileges,
    TokenRestrictedSids, TokenStatistics, TokenUser, DISABLE_MAX_PRIVILEGE, LUID_AND_ATTRIBUTES,
    PSID, SE_PRIVILEGE_ENABLED, SID_AND_ATTRIBUTES, TOKEN_ACCESS_MASK, TOKEN_DEFAULT_DACL,
    TOKEN_GROUPS, TOKEN_INFORMATION_CLASS, TOKEN_MANDATORY_LABEL, TOKEN_PRIVILEGES, TOKEN_QUERY,
    TOKEN_STATISTICS, TOKEN_USER,
};
use windows::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows_core::{w, PWSTR};

use super::acl::Descriptor;
use super::handle::{take, win32};
use super::launch_sid::{LaunchSid, WellKnown};
use super::sid::{last_rid, sid_text};
use crate::facts::{integrity_name, logon_session_text, Group, Privilege, TokenFacts};
use crate::{ALLOWED_PRIVILEGE, RESTRICTING_SIDS};

/// `SE_GROUP_INTEGRITY`: the attribute of an integrity label.
const SE_GROUP_INTEGRITY: u32 = 0x20;

/// A token information block, in a buffer aligned for the structures Windows puts in it.
struct Info(Vec<u64>);

impl Info {
    fn read(token: HANDLE, class: TOKEN_INFORMATION_CLASS) -> windows_core::Result<Self> {
        let mut needed = 0u32;
        // SAFETY: a size query: no buffer, needed receives the size. It "fails" with
        // ERROR_INSUFFICIENT_BUFFER by design, so only `needed` matters.
        let _ = unsafe { GetTokenInformation(token, class, None, 0, &mut needed) };
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8).max(1)];
        let length = u32::try_from(buffer.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: buffer is writable for `length` bytes and outlives the call.
        unsafe {
            GetTokenInformation(
                token,
                class,
                Some(buffer.as_mut_ptr().cast()),
                length,
                &mut needed,
            )?
        };
        Ok(Self(buffer))
    }

    /// The buffer as the structure Windows wrote at its start.
    ///
    /// # Safety
    /// `T` must be the structure `class` returns.
    unsafe fn as_ref<T>(&self) -> &T {
        // SAFETY: per the caller, the buffer starts with a T; it is 8-byte aligned.
        unsafe { &*self.0.as_ptr().cast::<T>() }
    }
}

/// The `SID_AND_ATTRIBUTES` array of a `TOKEN_GROUPS` block.
fn groups_of(info: &Info) -> &[SID_AND_ATTRIBUTES] {
    // SAFETY: info holds TOKEN_GROUPS (read with TokenGroups or TokenRestrictedSids); its
    // GroupCount entries follow inline in the same buffer.
    unsafe {
        let groups = info.as_ref::<TOKEN_GROUPS>();
        std::slice::from_raw_parts(groups.Groups.as_ptr(), groups.GroupCount as usize)
    }
}

pub(crate) fn open_own_token(access: TOKEN_ACCESS_MASK) -> windows_core::Result<OwnedHandle> {
    let mut token = HANDLE::default();
    // SAFETY: the pseudo handle needs no closing; token receives a handle we own.
    unsafe { OpenProcessToken(GetCurrentProcess(), access, &mut token)? };
    // SAFETY: OpenProcessToken succeeded, so token is an open handle we alone close.
    Ok(unsafe { take(token) })
}

fn privilege_name(luid: &LUID) -> String {
    let mut buffer = [0u16; 128];
    let mut length = buffer.len() as u32;
    // SAFETY: buffer is writable for `length` characters; luid is a valid LUID.
    let found =
        unsafe { LookupPrivilegeNameW(None, luid, Some(PWSTR(buffer.as_mut_ptr())), &mut length) };
    match found {
        Ok(()) => String::from_utf16_lossy(&buffer[..(length as usize).min(buffer.len())]),
        Err(_) => format!("LUID {}:{}", luid.HighPart, luid.LowPart),
    }
}

/// Everything the sandbox check needs to know about `token`.
pub fn token_facts(token: HANDLE) -> windows_core::Result<TokenFacts> {
    let user_info = Info::read(token, TokenUser)?;
    // SAFETY: read with TokenUser.
    let user = sid_text(unsafe { user_info.as_ref::<TOKEN_USER>() }.User.Sid);

    // A token without a label (Windows XP-style, or Wine) has no integrity level.
    let integrity_rid = Info::read(token, TokenIntegrityLevel)
        .ok()
        // SAFETY: read with TokenIntegrityLevel.
        .and_then(|info| last_rid(unsafe { info.as_ref::<TOKEN_MANDATORY_LABEL>() }.Label.Sid));

    let privileges_info = Info::read(token, TokenPrivileges)?;
    // SAFETY: read with TokenPrivileges; PrivilegeCount entries follow inline.
    let privileges = unsafe {
        let block = privileges_info.as_ref::<TOKEN_PRIVILEGES>();
        std::slice::from_raw_parts(block.Privileges.as_ptr(), block.PrivilegeCount as usize)
    }
    .iter()
    .map(|p| Privilege {
        name: privilege_name(&p.Luid),
        enabled: p.Attributes.0 & SE_PRIVILEGE_ENABLED.0 != 0,
    })
    .collect();

    let groups_info = Info::read(token, TokenGroups)?;
    let groups = groups_of(&groups_info)
        .iter()
        .map(|g| Group::new(sid_text(g.Sid), g.Attributes))
        .collect();
    // An unrestricted token answers with an empty list (Windows) or an error (older Wine).
    let restricting_sids = Info::read(token, TokenRestrictedSids)
        .map(|info| groups_of(&info).iter().map(|g| sid_text(g.Sid)).collect())
        .unwrap_or_default();
    let statistics = Info::read(token, TokenStatistics)?;
    // SAFETY: read with TokenStatistics.
    let session = unsafe { statistics.as_ref::<TOKEN_STATISTICS>() }.AuthenticationId;

    Ok(TokenFacts {
        user,
        integrity_rid,
        integrity: integrity_name(integrity_rid).to_owned(),
        privileges,
        groups,
        restricting_sids,
        logon_session: logon_session_text(session.HighPart, session.LowPart),
    })
}

/// The facts of this process's own token.
pub fn current_token_facts() -> windows_core::Result<TokenFacts> {
    let token = open_own_token(TOKEN_QUERY)?;
    token_facts(win32(&token))
}

/// The host's primary token, made from `base` (a token of the provider's: its own, or the
/// new-credentials copy from [`super::logon`]): the user SID kept for the normal access check
/// (SYSTEM's token has no BUILTIN\Users, and System32's files grant SYSTEM and Users), every
/// group deny-only, every privilege but change-notify removed, [`RESTRICTING_SIDS`] and
/// `launch` as restricting SIDs, a default DACL for SYSTEM, the user and `launch` (so the host
/// can open what it creates) and low integrity.
pub fn restricted_host_token(
    base: BorrowedHandle<'_>,
    launch: &LaunchSid,
) -> windows_core::Result<OwnedHandle> {
    let base = win32(&base);
    let groups_info = Info::read(base, TokenGroups)?;
    let to_disable: Vec<SID_AND_ATTRIBUTES> = groups_of(&groups_info)
        .iter()
        .filter(|g| g.Attributes & SE_GROUP_INTEGRITY == 0)
        .map(|g| SID_AND_ATTRIBUTES {
            Sid: g.Sid,
            Attributes: 0,
        })
        .collect();
    // DISABLE_MAX_PRIVILEGE removes them all on Windows; the explicit list says the same again
    // for systems that ignore the flag (Wine 8 does).
    let privileges_info = Info::read(base, TokenPrivileges)?;
    // SAFETY: read with TokenPrivileges; PrivilegeCount entries follow inline.
    let to_delete: Vec<LUID_AND_ATTRIBUTES> = unsafe {
        let block = privileges_info.as_ref::<TOKEN_PRIVILEGES>();
        std::slice::from_raw_parts(block.Privileges.as_ptr(), block.PrivilegeCount as usize)
    }
    .iter()
    .filter(|p| privilege_name(&p.Luid) != ALLOWED_PRIVILEGE)
    .map(|p| LUID_AND_ATTRIBUTES {
        Luid: p.Luid,
        Attributes: Default::default(),
    })
    .collect();
    let well_known = RESTRICTING_SIDS
        .iter()
        .map(|(sid, _)| WellKnown::parse(sid))
        .collect::<windows_core::Result<Vec<_>>>()?;
    let to_restrict: Vec<SID_AND_ATTRIBUTES> = well_known
        .iter()
        .map(WellKnown::psid)
        .chain(std::iter::once(launch.psid()))
        .map(|sid| SID_AND_ATTRIBUTES {
            Sid: sid,
            Attributes: 0,
        })
        .collect();
    let mut restricted = HANDLE::default();
    // SAFETY: the SIDs point into groups_info, well_known and launch, the LUIDs are copies, all
    // alive for the call; restricted receives a new token handle we own.
    unsafe {
        CreateRestrictedToken(
            base,
            DISABLE_MAX_PRIVILEGE,
            (!to_disable.is_empty()).then_some(to_disable.as_slice()),
            (!to_delete.is_empty()).then_some(to_delete.as_slice()),
            Some(to_restrict.as_slice()),
            &mut restricted,
        )?
    };
    // SAFETY: CreateRestrictedToken succeeded, so restricted is a new token handle we alone
    // close.
    let restricted = unsafe { take(restricted) };
    let user_info = Info::read(base, TokenUser)?;
    // SAFETY: read with TokenUser.
    let user = sid_text(unsafe { user_info.as_ref::<TOKEN_USER>() }.User.Sid);
    set_default_dacl(win32(&restricted), &user, launch)?;
    set_low_integrity(win32(&restricted))?;
    Ok(restricted)
}

/// The token's default DACL (what the host's own process, threads, token and objects get): full
/// access for SYSTEM, for `user` (the provider's own user: SYSTEM in LogonUI, so it can read the
/// host's token back) and for the per-launch SID (which lets the host through the restricting
/// check on its own objects), and no one else.
fn set_default_dacl(token: HANDLE, user: &str, launch: &LaunchSid) -> windows_core::Result<()> {
    let descriptor = Descriptor::from_sddl(&format!(
        "D:(A;;GA;;;SY)(A;;GA;;;{user})(A;;GA;;;{})",
        launch.text()
    ))?;
    let dacl = TOKEN_DEFAULT_DACL {
        DefaultDacl: descriptor.dacl()?,
    };
    // SAFETY: dacl points into descriptor, alive for the call.
    unsafe {
        SetTokenInformation(
            token,
            TokenDefaultDacl,
            std::ptr::from_ref(&dacl).cast(),
            std::mem::size_of::<TOKEN_DEFAULT_DACL>() as u32,
        )
    }
}

fn set_low_integrity(token: HANDLE) -> windows_core::Result<()> {
    let mut low = PSID::default();
    // SAFETY: a constant SID string; low receives a LocalAlloc'ed SID, freed below.
    unsafe { ConvertStringSidToSidW(w!("S-1-16-4096"), &mut low)? };
    let label = TOKEN_MANDATORY_LABEL {
        Label: SID_AND_ATTRIBUTES {
            Sid: low,
            Attributes: SE_GROUP_INTEGRITY,
        },
    };
    // SAFETY: low is a valid SID; label and the SID outlive the call.
    let size = std::mem::size_of::<TOKEN_MANDATORY_LABEL>() as u32 + unsafe { GetLengthSid(low) };
    // SAFETY: label is a TOKEN_MANDATORY_LABEL whose SID is valid for the call.
    let result = unsafe {
        SetTokenInformation(
            token,
            TokenIntegrityLevel,
            std::ptr::from_ref(&label).cast(),
            size,
        )
    };
    // SAFETY: low came from LocalAlloc inside ConvertStringSidToSidW and is freed once.
    unsafe {
        let _ = LocalFree(Some(HLOCAL(low.0)));
    }
    result
}
