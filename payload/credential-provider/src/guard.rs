//! The one panic guard every COM entry point runs inside: a panic becomes `E_UNEXPECTED`
//! (shared with the reset window: `sspr-panic-guard`).

pub use sspr_panic_guard::{catch_panic, E_UNEXPECTED};
