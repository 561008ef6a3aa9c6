//! `DllCanUnloadNow` of the loaded provider DLL, called directly as COM would.

use windows::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_core::{s, HRESULT, HSTRING};

use crate::probe::{hex, PROVIDER_DLL};

/// `DllCanUnloadNow()` of the loaded provider, as `0x%08X`, or `not-loaded`.
pub fn can_unload_now() -> String {
    // SAFETY: the name is a valid NUL-terminated wide string for the call.
    let Ok(module) = (unsafe { GetModuleHandleW(&HSTRING::from(PROVIDER_DLL)) }) else {
        return "not-loaded".to_owned();
    };
    // SAFETY: module is loaded; the export name is a NUL-terminated ANSI string.
    let Some(export) = (unsafe { GetProcAddress(module, s!("DllCanUnloadNow")) }) else {
        return "no-export".to_owned();
    };
    // SAFETY: DllCanUnloadNow's signature is `HRESULT __stdcall DllCanUnloadNow(void)`; the
    // module stays loaded for the call (COM unloads only in CoFreeUnusedLibraries).
    let answer = unsafe {
        let function: unsafe extern "system" fn() -> HRESULT = std::mem::transmute(export);
        function()
    };
    hex(answer)
}
