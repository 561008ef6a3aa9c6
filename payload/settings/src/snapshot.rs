//! The settings snapshot: resolved once per process and kept until a change notification on the
//! registry keys they live in says otherwise (docs/design.md, "Settings and policy").
//!
//! [`Snapshot::get`] costs one uncontended lock and one flag read while nothing changed: no
//! system call. The notification itself is the [`Notifier`]'s business (the Windows one is
//! `windows_watch`); a notifier that cannot arm makes every `get` read afresh (and try to arm
//! again), so a machine where notifications fail is slower, never stale.
//!
//! The first `get` of a process only reads: arming costs more system calls than one read, and a
//! process that asks once (a sign-in screen's LogonUI may) never needs it. The second `get` arms
//! and reads again (the first read was not watched), and from then on the snapshot is used.
//!
//! Order at a refresh: the old watch is dropped, a new one is armed, and only then are the values
//! read. A change after the arming fires the new watch; a change before it is in what is read.

use std::sync::{Arc, Mutex};

use crate::{PROVIDER_KEY, SETTINGS_KEY};

/// `HKLM\SOFTWARE\Policies`: watched for the policy key's creation and deletion (and, through
/// its subtree, the policy key's values), since the policy key may not exist yet.
pub const POLICIES_PARENT_KEY: &str = r"SOFTWARE\Policies";

/// One registry key to watch: its path under `HKLM`, and whether changes below it count too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchedKey {
    pub key: &'static str,
    pub subtree: bool,
}

/// Every key a setting is read from, as watches: the settings key (the MSI writes it), the
/// policy key through its parent (subtree, so creating or deleting the policy key and changing
/// its values all fire), and our registration key (`EnableLogging`).
pub const WATCHED_KEYS: [WatchedKey; 3] = [
    WatchedKey {
        key: SETTINGS_KEY,
        subtree: false,
    },
    WatchedKey {
        key: POLICIES_PARENT_KEY,
        subtree: true,
    },
    WatchedKey {
        key: PROVIDER_KEY,
        subtree: false,
    },
];

/// One armed change notification; dropping it disarms it.
pub trait Watch: Send {
    /// Whether anything watched changed since the watch was armed. Must not block or make a
    /// system call: it is asked at every `SetUsageScenario`.
    fn changed(&self) -> bool;
}

/// Arms change notifications on [`WATCHED_KEYS`].
pub trait Notifier {
    type Watch: Watch;
    /// A new watch, or why none could be armed.
    fn arm(&self) -> Result<Self::Watch, String>;
}

/// How a [`Snapshot::get`] came by its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// From the snapshot: nothing changed since it was read.
    Cached,
    /// Read now, the first time in this process: not watched yet (the next `get` arms).
    FirstRead,
    /// Read now, and watched from now on.
    Read,
    /// Read now because no watch could be armed (the reason). `first` is true the first time in
    /// a row: log it then, not at every screen.
    Unwatched { reason: String, first: bool },
}

struct State<W, T> {
    value: Arc<T>,
    watch: Option<W>,
    /// Arming failed for this value (so the next failure is not news).
    arm_failed: bool,
}

/// The snapshot of one value (the resolved settings) guarded by a [`Notifier`].
pub struct Snapshot<N: Notifier, T> {
    notifier: N,
    state: Mutex<Option<State<N::Watch, T>>>,
}

impl<N: Notifier, T> Snapshot<N, T> {
    pub const fn new(notifier: N) -> Self {
        Self {
            notifier,
            state: Mutex::new(None),
        }
    }

    /// The value: the snapshot's while its watch has not fired, else `read()` after arming a new
    /// watch.
    pub fn get(&self, read: impl FnOnce() -> T) -> (Arc<T>, Freshness) {
        // A panic while the lock was held (only `read` could) leaves nothing half-written that
        // matters: the state is replaced whole below.
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let was_unwatched = match state.as_ref() {
            None => {
                let value = Arc::new(read());
                *state = Some(State {
                    value: Arc::clone(&value),
                    watch: None,
                    arm_failed: false,
                });
                return (value, Freshness::FirstRead);
            }
            Some(State {
                value,
                watch: Some(watch),
                ..
            }) if !watch.changed() => return (Arc::clone(value), Freshness::Cached),
            Some(State { arm_failed, .. }) => *arm_failed,
        };
        // Disarm first: a stale watch must not outlive the values it guarded.
        *state = None;
        let (watch, freshness) = match self.notifier.arm() {
            Ok(watch) => (Some(watch), Freshness::Read),
            Err(reason) => (
                None,
                Freshness::Unwatched {
                    reason,
                    first: !was_unwatched,
                },
            ),
        };
        let value = Arc::new(read());
        *state = Some(State {
            value: Arc::clone(&value),
            arm_failed: watch.is_none(),
            watch,
        });
        (value, freshness)
    }

    /// Drops the snapshot and disarms its watch (before the module that owns the notification's
    /// callback goes away). The next `get` counts as the first again.
    pub fn disarm(&self) {
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *state = None;
    }

    /// Whether a watch is armed now (for tests and diagnostics).
    pub fn is_watched(&self) -> bool {
        match self.state.lock() {
            Ok(guard) => guard.as_ref().is_some_and(|s| s.watch.is_some()),
            Err(poisoned) => poisoned
                .into_inner()
                .as_ref()
                .is_some_and(|s| s.watch.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A notifier whose watches fire when the test says so, and that can refuse to arm.
    #[derive(Default)]
    struct FakeNotifier {
        fired: Arc<AtomicBool>,
        armed: Arc<AtomicUsize>,
        live: Arc<AtomicUsize>,
        refuse: Arc<AtomicBool>,
    }

    struct FakeWatch {
        fired: Arc<AtomicBool>,
        live: Arc<AtomicUsize>,
    }

    impl Watch for FakeWatch {
        fn changed(&self) -> bool {
            self.fired.load(Ordering::SeqCst)
        }
    }

    impl Drop for FakeWatch {
        fn drop(&mut self) {
            self.live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl Notifier for &FakeNotifier {
        type Watch = FakeWatch;
        fn arm(&self) -> Result<FakeWatch, String> {
            if self.refuse.load(Ordering::SeqCst) {
                return Err("access denied".into());
            }
            self.armed.fetch_add(1, Ordering::SeqCst);
            self.live.fetch_add(1, Ordering::SeqCst);
            // A new watch starts quiet.
            self.fired.store(false, Ordering::SeqCst);
            Ok(FakeWatch {
                fired: Arc::clone(&self.fired),
                live: Arc::clone(&self.live),
            })
        }
    }

    use crate::{resolve, MemoryRegistry, RegValue, Settings, WindowsFamily, POLICY_KEY};

    fn read(registry: &Mutex<MemoryRegistry>, reads: &AtomicUsize) -> Settings {
        reads.fetch_add(1, Ordering::SeqCst);
        let registry = registry.lock().unwrap();
        resolve(&*registry, WindowsFamily::Windows8OrLater)
    }

    #[test]
    fn the_first_get_only_reads_the_second_arms_then_the_snapshot_is_used() {
        let notifier = FakeNotifier::default();
        let snapshot = Snapshot::new(&notifier);
        let registry = Mutex::new(MemoryRegistry::new());
        let reads = AtomicUsize::new(0);
        let (first, how) = snapshot.get(|| read(&registry, &reads));
        assert_eq!(
            (first.link_text.value.as_str(), how),
            ("Reset password", Freshness::FirstRead)
        );
        assert_eq!(notifier.armed.load(Ordering::SeqCst), 0);
        assert!(!snapshot.is_watched());
        let (second, how) = snapshot.get(|| read(&registry, &reads));
        assert_eq!(how, Freshness::Read);
        assert_eq!(notifier.armed.load(Ordering::SeqCst), 1);
        for _ in 0..5 {
            let (again, how) = snapshot.get(|| read(&registry, &reads));
            assert_eq!(how, Freshness::Cached);
            assert!(Arc::ptr_eq(&second, &again));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_eq!(notifier.armed.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_change_between_the_first_and_second_get_is_read_by_the_second() {
        // The first read was not watched: the second reads again rather than trust it.
        let notifier = FakeNotifier::default();
        let snapshot = Snapshot::new(&notifier);
        let registry = Mutex::new(MemoryRegistry::new());
        let reads = AtomicUsize::new(0);
        assert!(!snapshot.get(|| read(&registry, &reads)).0.disabled.value);
        registry
            .lock()
            .unwrap()
            .set(SETTINGS_KEY, "Disabled", RegValue::Dword(1));
        let (settings, how) = snapshot.get(|| read(&registry, &reads));
        assert_eq!((settings.disabled.value, how), (true, Freshness::Read));
    }

    /// Each kind of change the issue names, made in the fake registry, then the watch fired:
    /// the next `get` sees it, and a `get` after that is cached again.
    #[test]
    fn every_change_is_seen_at_the_next_get() {
        let notifier = FakeNotifier::default();
        let snapshot = Snapshot::new(&notifier);
        let registry = Mutex::new(
            MemoryRegistry::new()
                .with(SETTINGS_KEY, "Disabled", RegValue::Dword(0))
                .with(
                    SETTINGS_KEY,
                    "LinkText",
                    RegValue::String("Forgot it?".into()),
                ),
        );
        let reads = AtomicUsize::new(0);
        let get = || snapshot.get(|| read(&registry, &reads));
        assert_eq!(get().1, Freshness::FirstRead);
        assert!(!get().0.disabled.value);

        type Change = (
            &'static str,
            fn(&mut MemoryRegistry),
            fn(&Settings) -> String,
        );
        let changes: [Change; 5] = [
            (
                "Disabled",
                |r| r.set(SETTINGS_KEY, "Disabled", RegValue::Dword(1)),
                |s| format!("{}", s.disabled.value),
            ),
            (
                "LinkText",
                |r| {
                    r.set(
                        SETTINGS_KEY,
                        "LinkText",
                        RegValue::String("Locked out?".into()),
                    )
                },
                |s| s.link_text.value.clone(),
            ),
            (
                "PortalUrl",
                |r| {
                    r.set(
                        SETTINGS_KEY,
                        "PortalUrl",
                        RegValue::String("https://sspr.example.test/".into()),
                    )
                },
                |s| s.portal_url.value.clone(),
            ),
            (
                "policy Disabled (the policy key created)",
                |r| r.set(POLICY_KEY, "Disabled", RegValue::Dword(0)),
                |s| format!("{} from {}", s.disabled.value, s.disabled.source.name()),
            ),
            (
                "policy key deleted",
                |r| {
                    // What the settings key holds by now, without the policy key.
                    *r = MemoryRegistry::new()
                        .with(SETTINGS_KEY, "Disabled", RegValue::Dword(1))
                        .with(
                            SETTINGS_KEY,
                            "LinkText",
                            RegValue::String("Locked out?".into()),
                        );
                },
                |s| format!("{} from {}", s.disabled.value, s.disabled.source.name()),
            ),
        ];
        let expected = [
            "true",
            "Locked out?",
            "https://sspr.example.test/",
            "false from policy",
            "true from settings",
        ];
        for ((name, change, show), want) in changes.iter().zip(expected) {
            change(&mut registry.lock().unwrap());
            // Not yet fired: the snapshot is kept (the notification is what says "changed").
            assert_eq!(get().1, Freshness::Cached, "{name}");
            notifier.fired.store(true, Ordering::SeqCst);
            let (settings, how) = get();
            assert_eq!(
                (show(&settings), how),
                (want.to_owned(), Freshness::Read),
                "{name}"
            );
            assert_eq!(get().1, Freshness::Cached, "{name}");
        }
        assert_eq!(reads.load(Ordering::SeqCst), 7);
        // Each refresh dropped the watch it replaced.
        assert_eq!(notifier.live.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn without_a_watch_every_get_reads_and_the_first_says_so() {
        let notifier = FakeNotifier::default();
        notifier.refuse.store(true, Ordering::SeqCst);
        let snapshot = Snapshot::new(&notifier);
        let registry = Mutex::new(MemoryRegistry::new());
        let reads = AtomicUsize::new(0);
        let unwatched = |first| Freshness::Unwatched {
            reason: "access denied".into(),
            first,
        };
        assert_eq!(
            snapshot.get(|| read(&registry, &reads)).1,
            Freshness::FirstRead
        );
        assert_eq!(snapshot.get(|| read(&registry, &reads)).1, unwatched(true));
        assert_eq!(snapshot.get(|| read(&registry, &reads)).1, unwatched(false));
        assert_eq!(snapshot.get(|| read(&registry, &reads)).1, unwatched(false));
        assert_eq!(reads.load(Ordering::SeqCst), 4);
        assert!(!snapshot.is_watched());
        // Arming works again: the snapshot is used from then on.
        notifier.refuse.store(false, Ordering::SeqCst);
        assert_eq!(snapshot.get(|| read(&registry, &reads)).1, Freshness::Read);
        assert_eq!(
            snapshot.get(|| read(&registry, &reads)).1,
            Freshness::Cached
        );
        assert_eq!(reads.load(Ordering::SeqCst), 5);
        // And a later failure is news again.
        notifier.fired.store(true, Ordering::SeqCst);
        notifier.refuse.store(true, Ordering::SeqCst);
        assert_eq!(snapshot.get(|| read(&registry, &reads)).1, unwatched(true));
    }

    #[test]
    fn disarm_drops_the_watch_and_the_next_get_reads() {
        let notifier = FakeNotifier::default();
        let snapshot = Snapshot::new(&notifier);
        let reads = AtomicUsize::new(0);
        let registry = Mutex::new(MemoryRegistry::new());
        snapshot.get(|| read(&registry, &reads));
        snapshot.get(|| read(&registry, &reads));
        assert!(snapshot.is_watched());
        assert_eq!(notifier.live.load(Ordering::SeqCst), 1);
        snapshot.disarm();
        assert!(!snapshot.is_watched());
        assert_eq!(notifier.live.load(Ordering::SeqCst), 0);
        assert_eq!(
            snapshot.get(|| read(&registry, &reads)).1,
            Freshness::FirstRead
        );
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_watch_is_armed_before_the_values_are_read() {
        // A change landing while the values are read must fire the new watch, so the watch
        // has to exist by then.
        let notifier = FakeNotifier::default();
        let snapshot = Snapshot::new(&notifier);
        assert_eq!(snapshot.get(|| 0u8).1, Freshness::FirstRead);
        let (_, how) = snapshot.get(|| {
            assert_eq!(
                notifier.live.load(Ordering::SeqCst),
                1,
                "armed before reading"
            );
            notifier.fired.store(true, Ordering::SeqCst);
            0u8
        });
        assert_eq!(how, Freshness::Read);
        assert_eq!(snapshot.get(|| 1u8), (Arc::new(1u8), Freshness::Read));
    }

    #[test]
    fn watched_keys_cover_every_place_a_setting_is_read() {
        // The policy key is covered through its parent's subtree; the others directly.
        let covers = |key: &str| {
            WATCHED_KEYS.iter().any(|w| {
                key.eq_ignore_ascii_case(w.key)
                    || (w.subtree
                        && key
                            .to_ascii_lowercase()
                            .starts_with(&format!("{}\\", w.key.to_ascii_lowercase())))
            })
        };
        for key in [SETTINGS_KEY, POLICY_KEY, PROVIDER_KEY] {
            assert!(covers(key), "{key} is not watched");
        }
    }
}
