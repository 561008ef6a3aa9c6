//! One reset window at a time: the slot that holds the running reset host (its job, in
//! `com/host_launch.rs`). The next click ends the previous host (drops what the slot holds:
//! closing the job kills the host) before the next one starts, and the last one ends with
//! LogonUI's process. Pure: the tests hold stand-ins that record their drop.

use std::sync::Mutex;

/// Holds at most one started host.
pub struct HostSlot<T>(Mutex<Option<T>>);

impl<T> HostSlot<T> {
    pub const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// Ends the host the slot holds, if any, and returns once it is dropped. A panic while the
    /// lock was held (poison) does not keep a host alive: the slot is emptied all the same.
    pub fn end_previous(&self) {
        let previous = self.lock().take();
        drop(previous);
    }

    /// Holds `next`; a host held meanwhile (another click that started one in between) is
    /// ended.
    pub fn hold(&self, next: T) {
        let previous = self.lock().replace(next);
        drop(previous);
    }

    /// Whether a host is held.
    pub fn is_held(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T> Default for HostSlot<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A started host that writes `ended <name>` when dropped (the job closing).
    struct Host {
        name: &'static str,
        events: Arc<Mutex<Vec<String>>>,
    }

    impl Drop for Host {
        fn drop(&mut self) {
            self.events
                .lock()
                .unwrap()
                .push(format!("ended {}", self.name));
        }
    }

    /// What `host_launch::start` does per click: end the previous host, start the next, hold it.
    fn click(slot: &HostSlot<Host>, name: &'static str, events: &Arc<Mutex<Vec<String>>>) {
        slot.end_previous();
        events.lock().unwrap().push(format!("started {name}"));
        slot.hold(Host {
            name,
            events: Arc::clone(events),
        });
    }

    #[test]
    fn each_click_ends_the_previous_host_before_the_next_starts() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let slot = HostSlot::new();
        assert!(!slot.is_held());
        click(&slot, "first", &events);
        click(&slot, "second", &events);
        click(&slot, "third", &events);
        assert!(slot.is_held());
        assert_eq!(
            *events.lock().unwrap(),
            [
                "started first",
                "ended first",
                "started second",
                "ended second",
                "started third"
            ]
        );
        // LogonUI's process ending drops the slot, and the last host with it.
        drop(slot);
        assert_eq!(events.lock().unwrap().last().unwrap(), "ended third");
    }

    #[test]
    fn a_failed_start_leaves_no_host_running() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let slot = HostSlot::new();
        click(&slot, "first", &events);
        // The next click's start fails after the previous host was ended: nothing is held.
        slot.end_previous();
        assert!(!slot.is_held());
        assert_eq!(*events.lock().unwrap(), ["started first", "ended first"]);
    }

    #[test]
    fn a_host_held_meanwhile_is_ended_by_the_next_hold() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let slot = HostSlot::new();
        slot.hold(Host {
            name: "raced",
            events: Arc::clone(&events),
        });
        slot.hold(Host {
            name: "kept",
            events: Arc::clone(&events),
        });
        assert_eq!(*events.lock().unwrap(), ["ended raced"]);
    }

    #[test]
    fn a_poisoned_slot_still_ends_its_host() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let slot = Arc::new(HostSlot::new());
        slot.hold(Host {
            name: "held",
            events: Arc::clone(&events),
        });
        let poisoner = Arc::clone(&slot);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.0.lock().unwrap();
            panic!("poison the slot");
        })
        .join();
        assert!(slot.0.is_poisoned());
        slot.end_previous();
        assert_eq!(*events.lock().unwrap(), ["ended held"]);
    }
}
