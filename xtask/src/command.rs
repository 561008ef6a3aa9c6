//! External commands as data: built by pure functions (unit-tested on their argument lists),
//! printed by `--dry-run`, and run in exactly one place.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};

/// One external program invocation: every argument is one argv entry, no shell in between.
/// (`Debug` is not derived: it would print redacted values.)
#[derive(Clone, PartialEq, Eq)]
pub struct ToolCommand {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    pub cwd: Option<PathBuf>,
    /// Values never shown when the command is printed (a password signtool takes as `/p`).
    pub redacted: Vec<String>,
}

impl ToolCommand {
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            redacted: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn redact(mut self, secret: &str) -> Self {
        if !secret.is_empty() {
            self.redacted.push(secret.to_owned());
        }
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// The arguments as UTF-8 strings (lossy), for tests.
    #[cfg(test)]
    pub fn arg_strings(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The `std::process::Command` this describes (for callers that need its pipes).
    pub fn to_command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command
    }

    /// Runs with inherited stdout/stderr; fails naming the command when it exits non-zero.
    pub fn run(&self) -> Result<()> {
        let status = self
            .to_command()
            .status()
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))?;
        if !status.success() {
            bail!("`{self}` failed ({status})");
        }
        Ok(())
    }

    /// Runs capturing stdout and stderr; the caller decides what counts as failure.
    pub fn output(&self) -> Result<Output> {
        self.to_command()
            .output()
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))
    }

    /// Runs capturing output: its trimmed stdout if it started and succeeded, else `None`.
    pub fn stdout_if_success(&self) -> Option<String> {
        let output = self.output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Runs capturing output; its stdout as text if it exits 0, else an error with its stderr.
    pub fn output_text(&self) -> Result<String> {
        let output = self.output()?;
        if !output.status.success() {
            bail!(
                "`{self}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).with_context(|| format!("`{self}` printed non-UTF-8"))
    }
}

/// What a tool printed, stdout then stderr, as one text: for tools that report on both
/// (osslsigncode, signtool, wixl).
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

impl fmt::Debug for ToolCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ToolCommand({self})")
    }
}

/// Shell-like rendering, for `--dry-run` and error messages only (never executed by a shell).
impl fmt::Display for ToolCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(dir) = &self.cwd {
            write!(f, "(cd {} && ", quote(&dir.to_string_lossy()))?;
        }
        for (key, value) in &self.env {
            write!(
                f,
                "{}={} ",
                key.to_string_lossy(),
                quote(&value.to_string_lossy())
            )?;
        }
        write!(f, "{}", quote(&self.program.to_string_lossy()))?;
        for arg in &self.args {
            let mut text = arg.to_string_lossy().into_owned();
            for secret in &self.redacted {
                text = text.replace(secret.as_str(), "***");
            }
            write!(f, " {}", quote(&text))?;
        }
        if self.cwd.is_some() {
            write!(f, ")")?;
        }
        Ok(())
    }
}

fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_what_a_shell_would_split() {
        let cmd = ToolCommand::new("wixl")
            .arg("-D")
            .arg("Name=Reset my password")
            .env("A", "b c")
            .cwd("/tmp/x y");
        assert_eq!(
            cmd.to_string(),
            "(cd '/tmp/x y' && A='b c' wixl -D 'Name=Reset my password')"
        );
    }

    #[test]
    fn run_reports_a_failing_command() {
        let err = ToolCommand::new("false").run().unwrap_err().to_string();
        assert!(err.contains("`false` failed"), "{err}");
    }
}
