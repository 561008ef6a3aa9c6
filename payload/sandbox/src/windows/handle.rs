//! Kernel handles held as `std`'s [`OwnedHandle`] (closed once, on drop, and `Send`), and the
//! two conversions to and from windows-rs's `HANDLE` that the Win32 calls need.

use std::os::windows::io::{AsHandle, AsRawHandle, FromRawHandle, OwnedHandle};

use windows::Win32::Foundation::HANDLE;

/// Takes ownership of `handle`, which a Win32 call just returned to us.
///
/// # Safety
/// `handle` must be open, closed with `CloseHandle` (not a registry key, window station or
/// desktop), and owned by nothing else.
pub(crate) unsafe fn take(handle: HANDLE) -> OwnedHandle {
    // SAFETY: the caller's promise is exactly `from_raw_handle`'s.
    unsafe { OwnedHandle::from_raw_handle(handle.0) }
}

/// `handle` as the `HANDLE` a Win32 call takes; `handle` keeps ownership and must outlive the
/// call it is passed to (which a borrow for the call's arguments guarantees).
pub fn win32(handle: &impl AsHandle) -> HANDLE {
    HANDLE(handle.as_handle().as_raw_handle())
}
