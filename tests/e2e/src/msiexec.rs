//! msiexec command lines as data, and running them in a prefix with the real exit code.
//!
//! Wine hands a program's exit code to Linux cut to 8 bits (1603 arrives as 67), so each run
//! goes through a batch file that echoes `%ERRORLEVEL%` (docs/design.md, "Wine deviations"). Every run writes a
//! verbose log (`/l*v`) into the prefix's scratch folder, for assertions and for diagnosis.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::log::VerboseLog;
use crate::package::Package;
use crate::wine::{windows_path, WinePrefix};

/// `ERROR_SUCCESS`.
pub const SUCCESS: u32 = 0;
/// `ERROR_INSTALL_FAILURE`: a launch condition or an action failed.
pub const INSTALL_FAILURE: u32 = 1603;
/// `ERROR_UNKNOWN_PRODUCT`.
pub const UNKNOWN_PRODUCT: u32 = 1605;

/// What msiexec is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    /// `/i`: install, upgrade, or (with `REINSTALL`) repair.
    Install,
    /// `/x`: uninstall.
    Uninstall,
    /// `/fa`: repair, reinstalling all files.
    RepairAll,
}

/// One msiexec invocation, always silent (`/qn`).
#[derive(Clone, Debug)]
pub struct Msiexec {
    action: Action,
    /// A package path (Windows form) or a `{ProductCode}`.
    target: String,
    properties: Vec<(String, String)>,
}

impl Msiexec {
    /// `msiexec /i PACKAGE /qn`, the package on the host (Wine reaches it as `Z:`).
    pub fn install(package: &Package) -> anyhow::Result<Self> {
        Ok(Self::install_path(windows_path(&package.path)?))
    }

    /// `msiexec /x PACKAGE /qn`, the package on the host (Wine reaches it as `Z:`).
    pub fn uninstall(package: &Package) -> anyhow::Result<Self> {
        Ok(Self::uninstall_path(windows_path(&package.path)?))
    }

    /// `msiexec /i PACKAGE /qn`, PACKAGE a Windows path.
    pub fn install_path(package: String) -> Self {
        Self {
            action: Action::Install,
            target: package,
            properties: Vec::new(),
        }
    }

    /// `msiexec /x PACKAGE /qn`, PACKAGE a Windows path.
    pub fn uninstall_path(package: String) -> Self {
        Self {
            action: Action::Uninstall,
            target: package,
            properties: Vec::new(),
        }
    }

    /// `msiexec /fa TARGET /qn`, TARGET a package path or a product code.
    pub fn repair_all(target: impl Into<String>) -> Self {
        Self {
            action: Action::RepairAll,
            target: target.into(),
            properties: Vec::new(),
        }
    }

    /// Adds `NAME="value"` to the command line.
    pub fn property(mut self, name: &str, value: &str) -> Self {
        self.properties.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The batch-file line, logging to `log` (a Windows path).
    ///
    /// Values are quoted the msiexec way (`""` for a quote inside); `%` is doubled because the
    /// line runs from a batch file, where `%` starts a variable even inside quotes.
    pub fn command_line(&self, log: &str) -> String {
        self.arguments(log).replace('%', "%%")
    }

    /// The command line as `CreateProcessW` takes it (no batch escaping): `msiexec /i ... /l*v LOG`.
    pub fn arguments(&self, log: &str) -> String {
        let switch = match self.action {
            Action::Install => "/i",
            Action::Uninstall => "/x",
            Action::RepairAll => "/fa",
        };
        let mut line = format!("msiexec {switch} {}", quote(&self.target));
        for (name, value) in &self.properties {
            line.push_str(&format!(" {name}=\"{}\"", value.replace('"', "\"\"")));
        }
        line.push_str(&format!(" /qn /l*v {}", quote(log)));
        line
    }
}

fn quote(text: &str) -> String {
    if text.contains(' ') {
        format!("\"{text}\"")
    } else {
        text.to_owned()
    }
}

/// A finished msiexec: the real exit code and where its log is.
#[derive(Debug)]
pub struct MsiexecRun {
    pub command_line: String,
    pub exit_code: u32,
    pub log_path: PathBuf,
}

impl MsiexecRun {
    /// The verbose log this run wrote.
    pub fn log(&self) -> anyhow::Result<VerboseLog> {
        VerboseLog::read(&self.log_path)
    }

    /// Fails, with the log's tail, unless msiexec exited with `expected`.
    pub fn expect_exit(self, expected: u32) -> anyhow::Result<Self> {
        if self.exit_code == expected {
            return Ok(self);
        }
        let tail = self
            .log()
            .map(|log| log.tail(40))
            .unwrap_or_else(|error| format!("{error:#}"));
        anyhow::bail!(
            "`{}` exited {}, expected {expected}; last lines of {}:\n{tail}",
            self.command_line,
            self.exit_code,
            self.log_path.display()
        )
    }
}

impl WinePrefix {
    /// Runs one msiexec and returns its real exit code (not cut to 8 bits).
    pub fn msiexec(&self, msiexec: &Msiexec) -> anyhow::Result<MsiexecRun> {
        let log_path = self.scratch_file("msiexec", "log");
        let command_line = msiexec.command_line(&windows_path(&log_path)?);
        let output = self.batch(&[command_line.clone(), "echo RC=%ERRORLEVEL%".to_owned()])?;
        let exit_code = output
            .stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix("RC="))
            .with_context(|| {
                format!(
                    "`{command_line}` printed no RC= line; stdout:\n{}\nstderr:\n{}",
                    output.stdout, output.stderr
                )
            })?
            .parse()
            .with_context(|| {
                format!(
                    "`{command_line}` printed a malformed RC= line:\n{}",
                    output.stdout
                )
            })?;
        Ok(MsiexecRun {
            command_line,
            exit_code,
            log_path,
        })
    }

    /// `msiexec /i PACKAGE /qn` with `properties`, expected to succeed.
    pub fn install(
        &self,
        package: &Package,
        properties: &[(&str, &str)],
    ) -> anyhow::Result<MsiexecRun> {
        let mut msiexec = Msiexec::install(package)?;
        for (name, value) in properties {
            msiexec = msiexec.property(name, value);
        }
        self.msiexec(&msiexec)?.expect_exit(SUCCESS)
    }

    /// `msiexec /x PACKAGE /qn`, expected to succeed.
    pub fn uninstall(&self, package: &Package) -> anyhow::Result<MsiexecRun> {
        self.msiexec(&Msiexec::uninstall(package)?)?
            .expect_exit(SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(path: &str) -> Package {
        Package {
            path: path.into(),
            arch: crate::config::Arch::X64,
            version: "0.1.0".into(),
            product_code: "{00000000-0000-0000-0000-000000000000}".into(),
            upgrade_code: "{00000000-0000-0000-0000-000000000001}".into(),
        }
    }

    #[test]
    fn install_line_quotes_property_values() {
        let line = Msiexec::install(&package("/dist/x64/a.msi"))
            .unwrap()
            .property("LINKTEXT", "Reset my password")
            .property("PORTALURL", "https://sspr.example.test/")
            .command_line(r"Z:\s\install.log");
        assert_eq!(
            line,
            r#"msiexec /i Z:\dist\x64\a.msi LINKTEXT="Reset my password" PORTALURL="https://sspr.example.test/" /qn /l*v Z:\s\install.log"#
        );
    }

    #[test]
    fn paths_with_spaces_are_quoted_and_percent_is_doubled() {
        let line = Msiexec::uninstall(&package("/my dist/a.msi"))
            .unwrap()
            .property("LINKTEXT", r#"100% "sure""#)
            .command_line(r"Z:\s\x.log");
        assert_eq!(
            line,
            r#"msiexec /x "Z:\my dist\a.msi" LINKTEXT="100%% ""sure""" /qn /l*v Z:\s\x.log"#
        );
    }

    #[test]
    fn arguments_for_create_process_keep_percent() {
        let line = Msiexec::install_path(r"C:\t\a.msi".into())
            .property("LINKTEXT", "100%")
            .arguments(r"C:\t\a.log");
        assert_eq!(
            line,
            r#"msiexec /i C:\t\a.msi LINKTEXT="100%" /qn /l*v C:\t\a.log"#
        );
    }

    #[test]
    fn repair_takes_a_product_code() {
        let line =
            Msiexec::repair_all("{D1C706E6-E316-5CB5-82F7-B35A319D455F}").command_line(r"Z:\r.log");
        assert_eq!(
            line,
            r"msiexec /fa {D1C706E6-E316-5CB5-82F7-B35A319D455F} /qn /l*v Z:\r.log"
        );
    }
}
