//! SsprDiag.exe: the admin's checker for password reset at the sign-in screen.
//!
//! Prints a table (default) or JSON (`--json`); exits 0 when every check passed, 1 on warnings,
//! 2 on failures, 3 when it could not run as asked (bad arguments, `--collect` folder already
//! existing or not writable, not on Windows).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use sspr_diag::checks::Options;
use sspr_diag::report::EXIT_USAGE;

/// Checks every prerequisite and known conflict of password reset at the Windows sign-in screen.
///
/// Exit code: 0 all good, 1 warnings, 2 failures, 3 SsprDiag could not run as asked.
#[derive(Debug, Parser)]
#[command(name = "SsprDiag", version, about)]
struct Args {
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Show every check's details in the table, not only those of warnings and failures.
    #[arg(long, short)]
    verbose: bool,
    /// Also try a TLS 1.2 handshake on port 443 with the portal hosts (bounded by --network-timeout).
    #[arg(long)]
    network: bool,
    /// Seconds each network step (name lookup, connect, proxy, handshake) may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    network_timeout: u64,
    /// Write the report, the registry keys checked, log files and event log entries into DIR,
    /// for a support ticket. DIR must not exist: SsprDiag creates it, readable by SYSTEM and
    /// Administrators only.
    #[arg(long, value_name = "DIR")]
    collect: Option<PathBuf>,
}

#[cfg(windows)]
fn this_machine() -> Option<impl sspr_diag::machine::Machine> {
    Some(sspr_diag::windows::WindowsMachine::new())
}

#[cfg(not(windows))]
fn this_machine() -> Option<sspr_diag::fixture::FakeMachine> {
    None
}

/// Writes to stdout, ignoring a closed pipe (`SsprDiag | more` quit early): no panic, ever
/// (`println!` panics when the write fails).
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A line on stderr, likewise without `eprintln!`'s panic.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "SsprDiag: {line}");
}

fn main() -> ExitCode {
    // DLLs from System32 only, where Windows can be told so (docs/design.md, "The reset window
    // and its sandbox").
    #[cfg(windows)]
    let _ = sspr_sandbox::windows::restrict_process_dll_search();
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            // --help and --version are not errors.
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let Some(machine) = this_machine() else {
        note("it checks a Windows machine; run SsprDiag.exe on Windows.");
        return ExitCode::from(EXIT_USAGE);
    };
    let options = Options {
        network: args.network,
        network_step_timeout: Duration::from_secs(args.network_timeout),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let report = sspr_diag::diagnose(&machine, options, now);
    if args.json {
        print(&sspr_diag::json::render(&report));
    } else {
        print(&sspr_diag::table::render(&report, args.verbose));
    }
    if let Some(dir) = &args.collect {
        match sspr_diag::collect::collect(&machine, &report, dir) {
            Ok(collected) => note(&format!(
                "support bundle written to {} ({} files; {} items not collected, listed in manifest.txt)",
                dir.display(),
                collected.written.len(),
                collected.skipped.len()
            )),
            Err(why) => {
                // The report above is complete; only the bundle is missing.
                note(&format!("--collect failed: {why}"));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    ExitCode::from(report.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_command_line() {
        let args = Args::try_parse_from(["SsprDiag", "--json", "--network", "--collect", r"C:\t"])
            .unwrap();
        assert!(args.json && args.network && !args.verbose);
        assert_eq!(args.collect, Some(PathBuf::from(r"C:\t")));
        assert_eq!(args.network_timeout, 5);
        let args = Args::try_parse_from(["SsprDiag"]).unwrap();
        assert!(!args.json && !args.network && args.collect.is_none());
    }

    #[test]
    fn usage_errors_are_errors_and_help_is_not() {
        let error = Args::try_parse_from(["SsprDiag", "--bogus"]).unwrap_err();
        assert!(error.use_stderr());
        let error = Args::try_parse_from(["SsprDiag", "--network-timeout", "0"]).unwrap_err();
        assert!(error.use_stderr());
        let help = Args::try_parse_from(["SsprDiag", "--help"]).unwrap_err();
        assert!(!help.use_stderr());
    }
}
