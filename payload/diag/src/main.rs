//! SsprDiag.exe: the admin's checker for password reset at the sign-in screen.
//!
//! First cut: the command line. The checks themselves are the diagnostics issue's work.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use clap::Parser;

/// Checks every prerequisite and known conflict of password reset at the Windows sign-in screen.
#[derive(Debug, Parser)]
#[command(name = "SsprDiag", version, about)]
struct Args {
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let _ = args.json;
    eprintln!("SsprDiag: no checks are built yet");
    std::process::ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_flag() {
        assert!(Args::try_parse_from(["SsprDiag", "--json"]).unwrap().json);
        assert!(!Args::try_parse_from(["SsprDiag"]).unwrap().json);
    }
}
