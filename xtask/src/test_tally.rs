//! Counting what `cargo xtask test` ran: each `cargo test` it starts is read line by line as it
//! prints (and echoed unchanged), libtest's `test result: ...` lines are summed, and every
//! ignored test is kept with its reason, so the run can end with one line
//! `N passed, N failed, N skipped` and each skip named above it.
//!
//! Both harnesses the workspace uses print the same lines: libtest writes
//! `test NAME ... ignored, REASON`, libtest-mimic (the Wine suite) `test NAME ... ignored (REASON)`.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::command::ToolCommand;

/// One test that did not run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub name: String,
    pub reason: String,
}

/// The sums over every `test result:` line seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
    pub skips: Vec<Skip>,
}

/// A line of libtest output that counts.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Result {
        passed: u64,
        failed: u64,
        ignored: u64,
    },
    Ignored(Skip),
}

/// Without terminal colour codes (`ESC [ ... m`), in case a harness colours piped output.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn count(part: &str, label: &str) -> Option<u64> {
    part.trim().strip_suffix(label)?.trim().parse().ok()
}

fn parse(line: &str) -> Option<Line> {
    let line = plain(line);
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix("test result: ") {
        // `ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s`
        let (_, counts) = rest.split_once(". ")?;
        let parts: Vec<&str> = counts.split(';').collect();
        return Some(Line::Result {
            passed: count(parts.first()?, "passed")?,
            failed: count(parts.get(1)?, "failed")?,
            ignored: count(parts.get(2)?, "ignored")?,
        });
    }
    let rest = line.strip_prefix("test ")?;
    let (name, outcome) = rest.rsplit_once(" ... ")?;
    let reason = if outcome == "ignored" {
        "no reason given".to_owned()
    } else if let Some(reason) = outcome.strip_prefix("ignored, ") {
        reason.to_owned()
    } else {
        outcome
            .strip_prefix("ignored (")?
            .strip_suffix(')')?
            .to_owned()
    };
    Some(Line::Ignored(Skip {
        name: name.to_owned(),
        reason,
    }))
}

impl Tally {
    /// Takes one line of a test run's standard output into account.
    pub fn add_line(&mut self, line: &str) {
        match parse(line) {
            Some(Line::Result {
                passed,
                failed,
                ignored,
            }) => {
                self.passed += passed;
                self.failed += failed;
                self.skipped += ignored;
            }
            Some(Line::Ignored(skip)) => self.skips.push(skip),
            None => {}
        }
    }

    /// Runs `command` (a `cargo test`), echoing its standard output as it comes and counting it;
    /// fails when it exits non-zero.
    pub fn run(&mut self, command: &ToolCommand) -> Result<()> {
        self.run_echoing(command, &mut std::io::stdout().lock())
    }

    /// [`Tally::run`], echoing into `echo`.
    fn run_echoing(&mut self, command: &ToolCommand, echo: &mut dyn Write) -> Result<()> {
        let mut child = command
            .to_command()
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start `{command}`"))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading the test output")?;
            writeln!(echo, "{line}")?;
            self.add_line(&line);
        }
        let status = child.wait()?;
        if !status.success() {
            bail!("`{command}` failed ({status})");
        }
        Ok(())
    }

    /// The closing lines: each skip with its reason, then `N passed, N failed, N skipped`.
    pub fn report(&self) -> String {
        let mut text = String::new();
        for skip in &self.skips {
            text.push_str(&format!("skipped: {}: {}\n", skip.name, skip.reason));
        }
        text.push_str(&format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_result_lines_and_names_each_skip() {
        let mut tally = Tally::default();
        for line in [
            "running 3 tests",
            "test a::b ... ok",
            "test a::slow ... ignored, needs a Windows machine",
            "test a::c ... FAILED",
            "",
            "test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test x86::installs ... ignored (wine32 is not installed)",
            "test bare ... ignored",
            "\x1b[32mtest result: ok\x1b[0m. 7 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 95.2s",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        ] {
            tally.add_line(line);
        }
        assert_eq!((tally.passed, tally.failed, tally.skipped), (8, 1, 3));
        assert_eq!(
            tally.report(),
            "skipped: a::slow: needs a Windows machine\n\
             skipped: x86::installs: wine32 is not installed\n\
             skipped: bare: no reason given\n\
             8 passed, 1 failed, 3 skipped"
        );
    }

    #[test]
    fn a_test_named_like_an_outcome_is_not_a_skip() {
        assert_eq!(parse("test ignored ... ok"), None);
        assert_eq!(parse("test result: garbled"), None);
        assert_eq!(parse("   Doc-tests sspr_settings"), None);
    }

    #[test]
    fn run_counts_a_real_harness_output_and_fails_on_a_failing_command() {
        // Echoed into a buffer: on this test's own stdout the line would count in the tally of
        // the `cargo xtask test` running it.
        let mut tally = Tally::default();
        let mut echo = Vec::new();
        let line = "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out";
        tally
            .run_echoing(&ToolCommand::new("echo").arg(line), &mut echo)
            .unwrap();
        assert_eq!(tally.passed, 2);
        assert_eq!(String::from_utf8_lossy(&echo), format!("{line}\n"));
        let err = tally
            .run_echoing(&ToolCommand::new("false"), &mut echo)
            .unwrap_err();
        assert!(err.to_string().contains("`false` failed"), "{err}");
    }
}
