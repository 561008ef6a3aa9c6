//! The panic guard every COM method, the window procedure and the dialog hook run inside
//! (shared with the credential provider: `sspr-panic-guard`); a panic becomes the caller's
//! "something went wrong" value (`E_UNEXPECTED`, `DefWindowProc`'s answer).

pub use sspr_panic_guard::catch_panic;
