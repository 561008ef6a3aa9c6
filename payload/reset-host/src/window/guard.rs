//! The panic guard every COM method, the window procedure and the dialog hook run inside.
//!
//! Windows calls these through `extern "system"` function pointers: a panic unwinding out of one
//! aborts the process at best. The lints forbid `unwrap`/`expect`/`panic`; this catches the rest
//! and answers the caller's "something went wrong" value (`E_UNEXPECTED`, `DefWindowProc`'s answer).

use std::panic::{catch_unwind, AssertUnwindSafe};

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
        let answer = catch_panic(|| -> i32 { panic!("boom") }, || -1);
        std::panic::set_hook(hook);
        assert_eq!(answer, -1);
    }
}
