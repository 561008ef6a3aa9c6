//! A kernel handle closed on drop.

use windows::Win32::Foundation::{CloseHandle, HANDLE};

/// A handle this code owns and closes once.
#[derive(Debug)]
pub struct OwnedHandle(HANDLE);

impl OwnedHandle {
    /// Takes ownership of `handle` (which must be open and not owned elsewhere).
    pub fn new(handle: HANDLE) -> Self {
        Self(handle)
    }

    /// The raw handle, still owned by `self`.
    pub fn raw(&self) -> HANDLE {
        self.0
    }
}

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        if !self.0.is_invalid() {
            // SAFETY: the handle is ours (see `new`) and closed exactly once, here.
            let _ = unsafe { CloseHandle(self.0) };
        }
    }
}
