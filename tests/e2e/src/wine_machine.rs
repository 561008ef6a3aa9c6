//! [`Machine`] for a Wine prefix: the Wine suite's own fixture ([`WinePrefix`]) behind the
//! shared interface. Every method hands over to what the prefix already does (`wine msiexec`
//! through a batch file for the real exit code, `wine reg`, whole-prefix snapshots with Wine's
//! noise left out); nothing here is new Wine behaviour.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::machine::{Machine, ProgramRun, PROGRAM_TIMEOUT};
use crate::msiexec::{Msiexec, MsiexecRun};
use crate::process;
use crate::registry::{RegTree, RegValue, RegView};
use crate::snapshot::{self, MachineSnapshot, SnapshotDiff};
use crate::wine::{self, WinePrefix};

impl Machine for WinePrefix {
    fn describe(&self) -> String {
        format!("Wine prefix {}", self.drive_c().display())
    }

    fn msiexec(&self, msiexec: &Msiexec) -> anyhow::Result<MsiexecRun> {
        WinePrefix::msiexec(self, msiexec)
    }

    fn reg_query(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegTree>> {
        WinePrefix::reg_query(self, key, view)
    }

    /// `reg add`, as an admin or a policy would; the empty name is the default value (`/ve`,
    /// `REG_SZ` only).
    fn reg_add(
        &self,
        key: &str,
        name: &str,
        value: &RegValue,
        view: RegView,
    ) -> anyhow::Result<()> {
        if name.is_empty() {
            let RegValue::Sz(data) = value else {
                anyhow::bail!("only a REG_SZ default value is supported here, not {value:?}");
            };
            self.wine(["reg", "add", key, "/ve", "/d", data, "/f", view.switch()])?
                .success(&format!("reg add {key} /ve"))?;
            return Ok(());
        }
        let (kind, data) = match value {
            RegValue::Sz(text) => ("REG_SZ", text.clone()),
            RegValue::ExpandSz(text) => ("REG_EXPAND_SZ", text.clone()),
            RegValue::Dword(number) => ("REG_DWORD", number.to_string()),
            RegValue::Other { kind, data } => (kind.as_str(), data.clone()),
        };
        let args = [
            "reg",
            "add",
            key,
            "/v",
            name,
            "/t",
            kind,
            "/d",
            &data,
            "/f",
            view.switch(),
        ];
        self.wine(args)?
            .success(&format!("reg add {key} /v {name}"))?;
        Ok(())
    }

    fn reg_delete_value(&self, key: &str, name: Option<&str>, view: RegView) -> anyhow::Result<()> {
        WinePrefix::reg_delete_value(self, key, name, view)
    }

    fn reg_delete_key(&self, key: &str, view: RegView) -> anyhow::Result<()> {
        self.wine(["reg", "delete", key, "/f", view.switch()])?
            .success(&format!("reg delete {key}"))?;
        Ok(())
    }

    fn native_view(&self) -> RegView {
        WinePrefix::native_view(self)
    }

    fn snapshot(&self) -> anyhow::Result<MachineSnapshot> {
        WinePrefix::snapshot(self)
    }

    fn diff(&self, before: &MachineSnapshot, after: &MachineSnapshot) -> SnapshotDiff {
        snapshot::diff(before, after)
    }

    /// `wine PROGRAM ARGS...`; the exit code is Wine's, cut to 8 bits.
    fn run(
        &self,
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<ProgramRun> {
        let mut command = self.command("wine");
        command.arg(program).args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        let finished = process::run(command, PROGRAM_TIMEOUT)?;
        let exit_code = finished
            .status
            .code()
            .with_context(|| format!("wine {program} ended by a signal ({})", finished.status))?;
        Ok(ProgramRun {
            exit_code: u32::try_from(exit_code).unwrap_or(u32::MAX),
            stdout: finished.stdout,
            stderr: finished.stderr,
        })
    }

    fn host_path(&self, windows: &str) -> anyhow::Result<PathBuf> {
        let rest = windows
            .get(..3)
            .filter(|drive| drive.eq_ignore_ascii_case(r"C:\"))
            .map(|_| &windows[3..])
            .with_context(|| format!("{windows} is not on C:"))?;
        Ok(rest
            .split('\\')
            .filter(|part| !part.is_empty())
            .fold(self.drive_c(), |path, part| path.join(part)))
    }

    fn windows_path(&self, host: &Path) -> anyhow::Result<String> {
        wine::windows_path(host)
    }

    fn scratch_file(&self, stem: &str, extension: &str) -> PathBuf {
        WinePrefix::scratch_file(self, stem, extension)
    }
}
