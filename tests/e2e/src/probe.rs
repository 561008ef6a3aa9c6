//! Running `sspr-com-probe.exe` in a prefix and reading its `key=value` report.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use crate::process;
use crate::wine::{windows_path, WinePrefix};

/// `S_OK`
pub const S_OK: &str = "0x00000000";
/// `E_NOTIMPL`: the provider's answer to scenarios it does not take part in.
pub const E_NOTIMPL: &str = "0x80004001";
/// `E_INVALIDARG`: a field index past the end.
pub const E_INVALIDARG: &str = "0x80070057";
/// `REGDB_E_CLASSNOTREG`: the CLSID is not registered.
pub const REGDB_E_CLASSNOTREG: &str = "0x80040154";

/// The probe's report: one entry per printed `key=value` line, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeReport(pub BTreeMap<String, String>);

impl ProbeReport {
    /// Parses the probe's standard output; lines without `=` are not part of the report.
    pub fn parse(stdout: &str) -> Self {
        Self(
            stdout
                .lines()
                .filter_map(|line| line.trim_end_matches('\r').split_once('='))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
        )
    }

    /// One entry, or an error naming the missing key and showing the whole report.
    pub fn get(&self, key: &str) -> anyhow::Result<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .with_context(|| format!("the probe printed no `{key}`: {self:#?}"))
    }
}

impl ProbeReport {
    /// The entries whose key starts with `prefix` (e.g. `fault.`), prefix removed.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix(prefix)?.to_owned(), value.clone())))
            .collect()
    }
}

/// A probe run takes a few seconds; a click waits up to 20 s for the reset host to record.
const PROBE_TIMEOUT: Duration = Duration::from_secs(180);

impl WinePrefix {
    /// Runs the probe `exe` (a host path) and parses its report; the probe must exit 0.
    pub fn run_probe(&self, exe: &Path) -> anyhow::Result<ProbeReport> {
        let output = self
            .wine([windows_path(exe)?])?
            .success("sspr-com-probe.exe")?;
        Ok(ProbeReport::parse(&output.stdout))
    }

    /// Runs the probe in `mode` (`--tiles`, `--filter`, `--faults`) with extra environment
    /// variables (Wine passes them on to the Windows side); the probe must exit 0.
    pub fn run_probe_mode(
        &self,
        exe: &Path,
        mode: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<ProbeReport> {
        let mut command = self.command("wine");
        command.arg(windows_path(exe)?).arg(mode);
        for (name, value) in env {
            command.env(name, value);
        }
        let output =
            process::run(command, PROBE_TIMEOUT)?.success(&format!("sspr-com-probe.exe {mode}"))?;
        Ok(ProbeReport::parse(&output.stdout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_value_lines() {
        let report = ProbeReport::parse(
            "probe=sspr-com-probe 0.1.0\r\nfield0=0:1:Password reset\r\nnoise\n",
        );
        assert_eq!(report.get("field0").unwrap(), "0:1:Password reset");
        assert_eq!(report.0.len(), 2);
        assert!(report.get("credui").is_err());
    }
}
