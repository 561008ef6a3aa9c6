//! One interface to the machine the end-to-end suite tests: a Wine prefix driven from Linux
//! ([`crate::wine::WinePrefix`], the Wine suite) or the Windows the suite itself runs on
//! (`crate::native::NativeMachine`, the native runner `sspr-e2e-native.exe`).
//!
//! The shared tests ([`crate::suite`]) talk to a `&dyn Machine` only. What differs between the
//! two lives behind it: how msiexec is started and its exit code read, how the registry is read
//! and written, what a snapshot covers and which differences are the machine's own noise. Wine's
//! workarounds and deviation assertions stay in the Wine implementation and the Wine tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;

use crate::msiexec::{Msiexec, MsiexecRun, SUCCESS};
use crate::package::Package;
use crate::registry::{RegTree, RegValue, RegValues, RegView};
use crate::snapshot::{MachineSnapshot, SnapshotDiff};

/// A finished program: its exit code and output.
#[derive(Debug)]
pub struct ProgramRun {
    /// The whole 32-bit exit code natively; under Wine the low 8 bits only (docs/design.md,
    /// "Wine deviations").
    pub exit_code: u32,
    pub stdout: String,
    pub stderr: String,
}

impl ProgramRun {
    /// Fails with the program's output unless it exited 0.
    pub fn success(self, what: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            self.exit_code == 0,
            "{what} exited {}\nstdout:\n{}\nstderr:\n{}",
            self.exit_code,
            self.stdout,
            self.stderr
        );
        Ok(self)
    }
}

/// Longest a test program (probe, SsprDiag, cmd) may run.
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(180);

/// The machine under test.
pub trait Machine {
    /// What this machine is, for output (`Wine prefix /tmp/...`, `this Windows`).
    fn describe(&self) -> String;

    /// Runs one msiexec (`/qn`, verbose log into the scratch folder) and returns its whole exit
    /// code and the log's path.
    fn msiexec(&self, msiexec: &Msiexec) -> anyhow::Result<MsiexecRun>;

    /// A key and everything under it in `view`; `None` when the key does not exist.
    fn reg_query(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegTree>>;

    /// Sets one value (creating the key), as an admin or a policy would.
    fn reg_add(&self, key: &str, name: &str, value: &RegValue, view: RegView)
        -> anyhow::Result<()>;

    /// Deletes one value (`None`: the default value).
    fn reg_delete_value(&self, key: &str, name: Option<&str>, view: RegView) -> anyhow::Result<()>;

    /// Deletes a key and everything under it.
    fn reg_delete_key(&self, key: &str, view: RegView) -> anyhow::Result<()>;

    /// The view a package built for this machine writes (64-bit on 64-bit Windows).
    fn native_view(&self) -> RegView;

    /// Registry and files, as far as this machine's snapshot reaches (whole-prefix under Wine;
    /// the keys and folders the product can touch natively: see `native::snapshot`).
    fn snapshot(&self) -> anyhow::Result<MachineSnapshot>;

    /// What changed between two snapshots, this machine's own noise left out.
    fn diff(&self, before: &MachineSnapshot, after: &MachineSnapshot) -> SnapshotDiff;

    /// Runs `program` (a Windows path or a name on `PATH`) with `args` and extra environment
    /// variables, killed after [`PROGRAM_TIMEOUT`].
    fn run(&self, program: &str, args: &[&str], env: &[(&str, &str)])
        -> anyhow::Result<ProgramRun>;

    /// Where a Windows path (`C:\...`) is for this process: the prefix's folder under Wine, the
    /// path itself natively.
    fn host_path(&self, windows: &str) -> anyhow::Result<PathBuf>;

    /// A path this process can reach, as programs on the machine name it.
    fn windows_path(&self, host: &Path) -> anyhow::Result<String>;

    /// A new, unused file name for inputs and outputs (logs), outside anything snapshotted.
    fn scratch_file(&self, stem: &str, extension: &str) -> PathBuf;

    /// `C:\Program Files` as 64-bit programs see it (the x64 package's `ProgramFiles64Folder`).
    fn program_files(&self) -> String {
        r"C:\Program Files".to_owned()
    }

    /// The machine's `System32` folder.
    fn system32(&self) -> String {
        r"C:\windows\system32".to_owned()
    }

    /// The Windows version `cmd /c ver` prints, e.g. `6.1.7601` for Windows 7 SP1.
    fn windows_version(&self) -> anyhow::Result<String> {
        let output = self
            .run("cmd", &["/c", "ver"], &[])?
            .success("cmd /c ver")?;
        parse_ver(&output.stdout)
    }

    /// The values of `key` itself (no subkeys); `None` when the key does not exist.
    fn reg_values(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegValues>> {
        Ok(self
            .reg_query(key, view)?
            .map(|mut tree| tree.remove("").unwrap_or_default()))
    }

    /// `msiexec /i PACKAGE /qn` with `properties`, expected to succeed.
    fn install(
        &self,
        package: &Package,
        properties: &[(&str, &str)],
    ) -> anyhow::Result<MsiexecRun> {
        let mut msiexec = Msiexec::install_path(self.windows_path(&package.path)?);
        for (name, value) in properties {
            msiexec = msiexec.property(name, value);
        }
        self.msiexec(&msiexec)?.expect_exit(SUCCESS)
    }

    /// `msiexec /x PACKAGE /qn`, expected to succeed.
    fn uninstall(&self, package: &Package) -> anyhow::Result<MsiexecRun> {
        self.msiexec(&Msiexec::uninstall_path(self.windows_path(&package.path)?))?
            .expect_exit(SUCCESS)
    }
}

/// The version in `cmd /c ver`'s line (`Microsoft Windows [Version 10.0.20348.2849]`, Wine:
/// `Microsoft Windows 6.1.7601`).
pub fn parse_ver(stdout: &str) -> anyhow::Result<String> {
    let text = stdout.trim();
    text.rsplit(' ')
        .next()
        .map(|version| version.trim_end_matches(']').to_owned())
        .filter(|version| version.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .with_context(|| format!("cmd /c ver printed {text:?}"))
}

/// A command line for `CreateProcessW`: each argument quoted the way the C runtime's
/// `CommandLineToArgvW` reads it back (quotes only where needed, backslashes before a quote
/// doubled).
pub fn command_line(program: &str, args: &[&str]) -> String {
    let mut line = quote_argument(program);
    for arg in args {
        line.push(' ');
        line.push_str(&quote_argument(arg));
    }
    line
}

fn quote_argument(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
        return arg.to_owned();
    }
    let mut quoted = String::from('"');
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                quoted.push_str(&"\\".repeat(backslashes * 2 + 1));
                quoted.push('"');
                backslashes = 0;
            }
            _ => {
                quoted.push_str(&"\\".repeat(backslashes));
                quoted.push(c);
                backslashes = 0;
            }
        }
    }
    quoted.push_str(&"\\".repeat(backslashes * 2));
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ver_lines_of_windows_and_wine() {
        assert_eq!(
            parse_ver("\r\nMicrosoft Windows [Version 10.0.20348.2849]\r\n").unwrap(),
            "10.0.20348.2849"
        );
        assert_eq!(
            parse_ver("Microsoft Windows 6.1.7601\r\n").unwrap(),
            "6.1.7601"
        );
        assert!(parse_ver("").is_err());
    }

    #[test]
    fn arguments_are_quoted_only_where_needed() {
        assert_eq!(
            command_line(
                r"C:\Program Files\X\SsprDiag.exe",
                &["--json", "a b", "", r#"q"x"#]
            ),
            r#""C:\Program Files\X\SsprDiag.exe" --json "a b" "" "q\"x""#
        );
        assert_eq!(
            command_line("cmd", &[r"C:\dir with space\"]),
            r#"cmd "C:\dir with space\\""#
        );
    }
}
