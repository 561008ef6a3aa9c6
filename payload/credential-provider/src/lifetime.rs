//! Live-object and server-lock accounting behind `DllCanUnloadNow`.
//!
//! Every COM object the DLL hands out holds a [`LiveObject`]; `IClassFactory::LockServer`
//! adjusts the lock count. The DLL may unload only when both are zero.

use std::sync::atomic::{AtomicIsize, Ordering};

static LIVE_OBJECTS: AtomicIsize = AtomicIsize::new(0);
static SERVER_LOCKS: AtomicIsize = AtomicIsize::new(0);

/// A token that counts one live COM object for as long as it exists.
#[derive(Debug)]
pub struct LiveObject(());

impl LiveObject {
    pub fn new() -> Self {
        LIVE_OBJECTS.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Default for LiveObject {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for LiveObject {
    fn drop(&mut self) {
        LIVE_OBJECTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `LockServer(TRUE)` / `LockServer(FALSE)`. An unbalanced unlock never drives the count below 0.
pub fn lock_server(lock: bool) {
    if lock {
        SERVER_LOCKS.fetch_add(1, Ordering::SeqCst);
    } else {
        let _ = SERVER_LOCKS.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n > 0).then_some(n - 1)
        });
    }
}

/// True when no object is alive and no lock is held: `DllCanUnloadNow` answers `S_OK`.
pub fn can_unload() -> bool {
    LIVE_OBJECTS.load(Ordering::SeqCst) == 0 && SERVER_LOCKS.load(Ordering::SeqCst) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test owns the process-wide counters, so the assertions cannot race each other.
    #[test]
    fn objects_and_locks_gate_unloading() {
        assert!(can_unload());
        let first = LiveObject::new();
        let second = LiveObject::new();
        assert!(!can_unload());
        drop(first);
        assert!(!can_unload());
        drop(second);
        assert!(can_unload());

        lock_server(true);
        assert!(!can_unload());
        lock_server(false);
        assert!(can_unload());
        lock_server(false);
        lock_server(true);
        assert!(
            !can_unload(),
            "an unbalanced unlock must not hide a later lock"
        );
        lock_server(false);
        assert!(can_unload());
    }
}
