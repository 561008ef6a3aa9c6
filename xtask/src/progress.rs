//! Status lines the way cargo prints them: a right-aligned verb, what was done, how long it took.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Result;

/// Runs `work`, then prints one line: `{verb:>12} {what} ({secs}s)`; on failure nothing is printed
/// (the error says what failed).
pub fn step<T>(verb: &str, what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    let value = work()?;
    status(
        verb,
        &format!("{what} ({:.1}s)", start.elapsed().as_secs_f64()),
    );
    Ok(value)
}

/// Prints one status line to stderr, green and bold on a terminal like cargo's.
pub fn status(verb: &str, message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
    } else {
        eprintln!("{verb:>12} {message}");
    }
}

/// `1.2 MiB`, `340.0 KiB`, `12 B`.
pub fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_cargo_does() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(2048), "2.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 1024 * 512), "3.5 MiB");
    }
}
