//! SIDs as `S-1-...` text and the integrity RID at a SID's end.

use windows::Win32::Foundation::{LocalFree, HLOCAL};
use windows::Win32::Security::Authorization::ConvertSidToStringSidW;
use windows::Win32::Security::{GetSidSubAuthority, GetSidSubAuthorityCount, PSID};
use windows_core::PWSTR;

/// The SID in `S-1-...` form (empty if Windows cannot convert it).
pub fn sid_text(sid: PSID) -> String {
    let mut text = PWSTR::null();
    // SAFETY: sid points into a token information buffer that outlives this call; text receives
    // a LocalAlloc'ed string, freed below.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) }.is_err() || text.is_null() {
        return String::new();
    }
    // SAFETY: text is a NUL-terminated string Windows just allocated.
    let result = unsafe { text.to_string() }.unwrap_or_default();
    // SAFETY: text came from LocalAlloc inside ConvertSidToStringSidW and is freed once.
    unsafe {
        let _ = LocalFree(Some(HLOCAL(text.0.cast())));
    }
    result
}

/// The last sub-authority of `sid` (for an integrity label SID, the level's RID).
pub fn last_rid(sid: PSID) -> Option<u32> {
    // SAFETY: sid is a valid SID inside a live buffer; the count pointer points into it.
    let count = unsafe { *GetSidSubAuthorityCount(sid) };
    if count == 0 {
        return None;
    }
    // SAFETY: index count-1 is within the SID's sub-authorities.
    Some(unsafe { *GetSidSubAuthority(sid, u32::from(count) - 1) })
}
