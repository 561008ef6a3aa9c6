//! The caller's [`Gate`] made reachable from the COM objects and the window procedure for exactly
//! as long as [`super::run`] borrows it.
//!
//! COM objects must be `'static`, but `run` gets a `&dyn Gate` it only borrows. A [`GateLease`]
//! holds the borrow; the [`GateSlot`] the objects share points at the gate while the lease lives
//! and is emptied when it drops (also on an early return or a panic). A call that arrives later (a
//! misbehaving control that still holds our sink) finds the slot empty: navigation is denied and
//! the log line dropped. Single-threaded by construction: `Rc` keeps the slot on the UI thread.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::Rc;

use super::Gate;

/// Where the COM objects find the gate.
#[derive(Default)]
pub struct GateSlot {
    gate: Cell<Option<NonNull<dyn Gate + 'static>>>,
}

impl GateSlot {
    /// The gate's answer, or `false` once `run` has returned.
    pub fn allow_navigation(&self, url: &str) -> bool {
        self.with_gate(|gate| gate.allow_navigation(url))
            .unwrap_or(false)
    }

    /// The gate's answer for a subresource, or `false` once `run` has returned.
    pub fn allow_subresource(&self, url: &str) -> bool {
        self.with_gate(|gate| gate.allow_subresource(url))
            .unwrap_or(false)
    }

    /// Hands one line to the gate's log; dropped once `run` has returned.
    pub fn log(&self, line: &str) {
        self.with_gate(|gate| gate.log(line));
    }

    fn with_gate<T>(&self, call: impl FnOnce(&dyn Gate) -> T) -> Option<T> {
        let gate = self.gate.get()?;
        // SAFETY: the pointer is only in the slot while the `GateLease` that put it there is
        // alive, and the lease holds the `&dyn Gate` borrow it came from (see `GateLease::drop`).
        Some(call(unsafe { gate.as_ref() }))
    }
}

/// Puts a borrowed gate into a slot for as long as the lease lives.
pub struct GateLease<'a> {
    slot: Rc<GateSlot>,
    _borrow: PhantomData<&'a dyn Gate>,
}

impl<'a> GateLease<'a> {
    pub fn new(gate: &'a dyn Gate) -> Self {
        let borrowed: NonNull<dyn Gate + 'a> = NonNull::from(gate);
        // SAFETY: only the trait object's lifetime bound changes (same fat-pointer layout). The
        // 'static pointer never outlives 'a: this lease owns the borrow and empties the slot in
        // `drop`, and every use goes through `GateSlot::with_gate`, which checks the slot first.
        let erased: NonNull<dyn Gate + 'static> = unsafe { std::mem::transmute(borrowed) };
        let slot = Rc::new(GateSlot::default());
        slot.gate.set(Some(erased));
        Self {
            slot,
            _borrow: PhantomData,
        }
    }

    /// The slot to hand to the COM objects and the window.
    pub fn slot(&self) -> Rc<GateSlot> {
        Rc::clone(&self.slot)
    }
}

impl Drop for GateLease<'_> {
    fn drop(&mut self) {
        self.slot.gate.set(None);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[derive(Default)]
    struct RecordingGate {
        lines: RefCell<Vec<String>>,
    }

    impl Gate for RecordingGate {
        fn allow_navigation(&self, url: &str) -> bool {
            url.starts_with("https://")
        }

        fn log(&self, line: &str) {
            self.lines.borrow_mut().push(line.to_owned());
        }
    }

    #[test]
    fn the_slot_answers_for_the_gate_while_the_lease_lives() {
        let gate = RecordingGate::default();
        let lease = GateLease::new(&gate);
        let slot = lease.slot();
        assert!(slot.allow_navigation("https://passwordreset.microsoftonline.com/"));
        assert!(!slot.allow_navigation("file:///C:/Windows/System32/cmd.exe"));
        // Without its own answer for subresources, a gate's page answer stands.
        assert!(slot.allow_subresource("https://ajax.aspnetcdn.com/x.js"));
        assert!(!slot.allow_subresource("http://ajax.aspnetcdn.com/x.js"));
        slot.log("navigation allowed");
        drop(lease);
        assert_eq!(*gate.lines.borrow(), ["navigation allowed"]);
    }

    #[test]
    fn an_expired_slot_denies_everything_and_logs_nothing() {
        let gate = RecordingGate::default();
        let slot = GateLease::new(&gate).slot();
        assert!(!slot.allow_navigation("https://passwordreset.microsoftonline.com/"));
        assert!(!slot.allow_subresource("https://ajax.aspnetcdn.com/x.js"));
        slot.log("too late");
        assert!(gate.lines.borrow().is_empty());
    }
}
