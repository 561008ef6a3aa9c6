//! The panic guard every callback Windows makes into our code runs inside: the credential
//! provider's COM methods (a panic unwinding into LogonUI would crash the sign-in screen, a logon
//! loop) and the reset window's COM methods, window procedure and dialog hook.
//!
//! Windows calls these through `extern "system"` function pointers, so no panic may cross them.
//! The lints forbid `unwrap`/`expect`/`panic`; this catches the rest and answers the caller's
//! "something went wrong" value instead.
#![forbid(unsafe_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};

/// `E_UNEXPECTED` as an `i32` HRESULT.
pub const E_UNEXPECTED: i32 = 0x8000_FFFF_u32 as i32;

/// Runs `body`; if it panics, returns `on_panic()` instead.
pub fn catch_panic<T>(body: impl FnOnce() -> T, on_panic: impl FnOnce() -> T) -> T {
    // AssertUnwindSafe: after a panic nothing of the closure's state is used again; the caller
    // only gets the fallback value.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| on_panic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_values_through() {
        assert_eq!(catch_panic(|| 7, || -1), 7);
    }

    #[test]
    fn turns_a_panic_into_the_fallback() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let answer = catch_panic(|| -> i32 { panic!("boom") }, || E_UNEXPECTED);
        std::panic::set_hook(hook);
        assert_eq!(answer, E_UNEXPECTED);
    }
}
