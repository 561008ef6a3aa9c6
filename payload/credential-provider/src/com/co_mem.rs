//! Memory handed to or taken from LogonUI and the inner provider: always `CoTaskMemAlloc`, since
//! the receiver frees it with `CoTaskMemFree`.

use std::ffi::c_void;

use windows::Win32::Foundation::E_OUTOFMEMORY;
use windows::Win32::System::Com::{CoTaskMemAlloc, CoTaskMemFree};
use windows::Win32::UI::Shell::{
    CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR, CREDENTIAL_PROVIDER_FIELD_TYPE,
};
use windows_core::{GUID, PWSTR};

/// Copies `text` into a NUL-terminated UTF-16 buffer from `CoTaskMemAlloc` (the caller frees it).
pub fn co_task_wide(text: &str) -> windows_core::Result<PWSTR> {
    let wide: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
    let bytes = std::mem::size_of_val(wide.as_slice());
    // SAFETY: CoTaskMemAlloc has no preconditions; a null result is handled.
    let buffer = unsafe { CoTaskMemAlloc(bytes) }.cast::<u16>();
    if buffer.is_null() {
        return Err(E_OUTOFMEMORY.into());
    }
    // SAFETY: buffer holds `wide.len()` u16s (CoTaskMemAlloc aligns for any type) and does not
    // overlap `wide`.
    unsafe { std::ptr::copy_nonoverlapping(wide.as_ptr(), buffer, wide.len()) };
    Ok(PWSTR(buffer))
}

/// A field descriptor in `CoTaskMemAlloc` memory, its label too (LogonUI frees both).
pub fn field_descriptor(
    id: u32,
    kind: CREDENTIAL_PROVIDER_FIELD_TYPE,
    label: &str,
    guid: GUID,
) -> windows_core::Result<*mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR> {
    let label = co_task_wide(label)?;
    // SAFETY: CoTaskMemAlloc has no preconditions; a null result is handled below.
    let out =
        unsafe { CoTaskMemAlloc(std::mem::size_of::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>()) }
            .cast::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>();
    if out.is_null() {
        // SAFETY: label came from CoTaskMemAlloc above and nothing else references it.
        unsafe { CoTaskMemFree(Some(label.0 as *const c_void)) };
        return Err(E_OUTOFMEMORY.into());
    }
    // SAFETY: out is a fresh, suitably sized and aligned CoTaskMemAlloc block.
    unsafe {
        out.write(CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR {
            dwFieldID: id,
            cpft: kind,
            pszLabel: label,
            guidFieldType: guid,
        })
    };
    Ok(out)
}

/// Frees a descriptor some provider allocated: its label, then the block.
///
/// # Safety
/// `descriptor` is null or a `CoTaskMemAlloc` block (with a `CoTaskMemAlloc` label or null) that
/// nothing else references.
pub unsafe fn free_descriptor(descriptor: *mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR) {
    if descriptor.is_null() {
        return;
    }
    // SAFETY: the caller guarantees descriptor is a valid block we own.
    let label = unsafe { (*descriptor).pszLabel };
    // SAFETY: label is null or CoTaskMemAlloc memory; CoTaskMemFree accepts both.
    unsafe { CoTaskMemFree(Some(label.0 as *const c_void)) };
    // SAFETY: descriptor is CoTaskMemAlloc memory, freed once.
    unsafe { CoTaskMemFree(Some(descriptor as *const c_void)) };
}

/// Reads and frees a string some provider returned in `CoTaskMemAlloc` memory.
///
/// # Safety
/// `text` is null or a NUL-terminated `CoTaskMemAlloc` string that nothing else references.
pub unsafe fn take_wide(text: PWSTR) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: text is a NUL-terminated wide string (caller's contract).
    let value = unsafe { text.to_string() }.unwrap_or_default();
    // SAFETY: text is CoTaskMemAlloc memory we now own, freed once.
    unsafe { CoTaskMemFree(Some(text.0 as *const c_void)) };
    value
}
