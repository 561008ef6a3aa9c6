//! The caller's [`Gate`] made reachable from the COM objects and the window procedure for exactly
//! as long as [`super::run`] lasts.
//!
//! COM objects must be `'static`, so the gate is owned (`Rc<dyn Gate>`, given to `run` by value).
//! A [`GateLease`] puts it in the [`GateSlot`] the objects share and takes it out again when the
//! lease drops (also on an early return or a panic). A call that arrives later (a misbehaving
//! control that still holds our sink) finds the slot empty: navigation is denied and the log
//! line dropped. Single-threaded by construction: `Rc` keeps the slot on the UI thread.

use std::cell::RefCell;
use std::rc::Rc;

use super::Gate;

/// Where the COM objects find the gate.
#[derive(Default)]
pub struct GateSlot {
    gate: RefCell<Option<Rc<dyn Gate>>>,
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

    /// Calls the gate, if the lease still lives. The slot's borrow ends before the call, so the
    /// gate may call back into the window (whose log comes here again) and the lease may end
    /// during the call: the call keeps its own `Rc` to the gate.
    fn with_gate<T>(&self, call: impl FnOnce(&dyn Gate) -> T) -> Option<T> {
        let gate = self.gate.borrow().clone()?;
        Some(call(&*gate))
    }
}

/// Puts a gate into a fresh slot for as long as the lease lives.
pub struct GateLease {
    slot: Rc<GateSlot>,
}

impl GateLease {
    pub fn new(gate: Rc<dyn Gate>) -> Self {
        let slot = Rc::new(GateSlot {
            gate: RefCell::new(Some(gate)),
        });
        Self { slot }
    }

    /// The slot to hand to the COM objects and the window.
    pub fn slot(&self) -> Rc<GateSlot> {
        Rc::clone(&self.slot)
    }
}

impl Drop for GateLease {
    fn drop(&mut self) {
        // Taken out first and dropped after the borrow ends: the gate's own drop may log.
        let gate = self.slot.gate.borrow_mut().take();
        drop(gate);
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
        let gate = Rc::new(RecordingGate::default());
        let lease = GateLease::new(gate.clone());
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
    fn an_expired_slot_denies_everything_logs_nothing_and_holds_no_gate() {
        let gate = Rc::new(RecordingGate::default());
        let slot = GateLease::new(gate.clone()).slot();
        assert!(!slot.allow_navigation("https://passwordreset.microsoftonline.com/"));
        assert!(!slot.allow_subresource("https://ajax.aspnetcdn.com/x.js"));
        slot.log("too late");
        assert!(gate.lines.borrow().is_empty());
        // The slot outlives the lease (a control may keep our sink) but not the gate.
        assert_eq!(Rc::strong_count(&gate), 1);
    }

    /// A gate that ends the lease from inside its own answer, as a window closing during a
    /// navigation check would.
    struct EndsTheLease {
        lease: RefCell<Option<GateLease>>,
        lines: Rc<RefCell<Vec<String>>>,
    }

    impl Gate for EndsTheLease {
        fn allow_navigation(&self, _url: &str) -> bool {
            drop(self.lease.borrow_mut().take());
            true
        }

        fn log(&self, line: &str) {
            self.lines.borrow_mut().push(line.to_owned());
        }
    }

    #[test]
    fn a_lease_that_ends_during_a_call_finishes_that_call_and_denies_the_next() {
        let lines = Rc::new(RefCell::new(Vec::new()));
        let gate = Rc::new(EndsTheLease {
            lease: RefCell::new(None),
            lines: Rc::clone(&lines),
        });
        let lease = GateLease::new(gate.clone());
        let slot = lease.slot();
        *gate.lease.borrow_mut() = Some(lease);
        drop(gate);
        assert!(slot.allow_navigation("https://passwordreset.microsoftonline.com/"));
        assert!(!slot.allow_navigation("https://passwordreset.microsoftonline.com/"));
        slot.log("too late");
        assert!(lines.borrow().is_empty());
    }
}
