//! [`Machine`] for the Windows this process runs on: `CreateProcessW` and
//! `WaitForSingleObject`/`GetExitCodeProcess` for msiexec and test programs, the registry API
//! for reads, writes and snapshots, `std::fs` for files. No Wine workarounds: under Wine (the
//! native runner's run in `cargo xtask test`) this code meets Wine's Windows side as a Windows
//! program would.

mod msi_database;
mod process;
mod registry;
mod snapshot;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context as _;

pub use msi_database::open_package;

use crate::machine::{Machine, ProgramRun, PROGRAM_TIMEOUT};
use crate::msiexec::{Msiexec, MsiexecRun};
use crate::registry::{RegTree, RegValue, RegView};
use crate::snapshot::{MachineSnapshot, SnapshotDiff};

/// Longest one msiexec may run.
const MSIEXEC_TIMEOUT: Duration = Duration::from_secs(300);

/// This Windows, with a scratch folder for logs (outside everything [`snapshot`] covers).
#[derive(Debug)]
pub struct NativeMachine {
    scratch: PathBuf,
    next_file: AtomicU32,
}

impl NativeMachine {
    /// The machine, writing logs into `scratch` (made if missing).
    pub fn new(scratch: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let scratch = std::path::absolute(scratch)
            .with_context(|| format!("making {} absolute", scratch.display()))?;
        Ok(Self {
            scratch,
            next_file: AtomicU32::new(0),
        })
    }
}

impl Machine for NativeMachine {
    fn describe(&self) -> String {
        "this Windows (native)".to_owned()
    }

    fn msiexec(&self, msiexec: &Msiexec) -> anyhow::Result<MsiexecRun> {
        let log_path = self.scratch_file("msiexec", "log");
        let log = self.windows_path(&log_path)?;
        let command_line = msiexec.arguments(&log);
        let finished = process::run(&command_line, &[], MSIEXEC_TIMEOUT, &self.scratch)?;
        Ok(MsiexecRun {
            command_line,
            exit_code: finished.exit_code,
            log_path,
        })
    }

    fn reg_query(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegTree>> {
        registry::query(key, view)
    }

    fn reg_add(
        &self,
        key: &str,
        name: &str,
        value: &RegValue,
        view: RegView,
    ) -> anyhow::Result<()> {
        registry::set_value(key, name, value, view)
    }

    fn reg_delete_value(&self, key: &str, name: Option<&str>, view: RegView) -> anyhow::Result<()> {
        registry::delete_value(key, name.unwrap_or(""), view)
    }

    fn reg_delete_key(&self, key: &str, view: RegView) -> anyhow::Result<()> {
        registry::delete_tree(key, view)
    }

    fn native_view(&self) -> RegView {
        if cfg!(target_pointer_width = "64") {
            RegView::Bits64
        } else {
            RegView::Bits32
        }
    }

    fn snapshot(&self) -> anyhow::Result<MachineSnapshot> {
        snapshot::take(self.native_view())
    }

    fn diff(&self, before: &MachineSnapshot, after: &MachineSnapshot) -> SnapshotDiff {
        crate::snapshot::diff_exact(before, after)
    }

    fn run(
        &self,
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<ProgramRun> {
        let command_line = crate::machine::command_line(program, args);
        process::run(&command_line, env, PROGRAM_TIMEOUT, &self.scratch)
    }

    fn host_path(&self, windows: &str) -> anyhow::Result<PathBuf> {
        Ok(PathBuf::from(windows))
    }

    fn windows_path(&self, host: &Path) -> anyhow::Result<String> {
        let absolute = std::path::absolute(host)
            .with_context(|| format!("making {} absolute", host.display()))?;
        absolute
            .to_str()
            .map(str::to_owned)
            .with_context(|| format!("{} is not Unicode", absolute.display()))
    }

    fn scratch_file(&self, stem: &str, extension: &str) -> PathBuf {
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        self.scratch.join(format!("{n:02}-{stem}.{extension}"))
    }

    fn program_files(&self) -> String {
        std::env::var("ProgramW6432")
            .or_else(|_| std::env::var("ProgramFiles"))
            .unwrap_or_else(|_| r"C:\Program Files".to_owned())
    }

    fn system32(&self) -> String {
        let windows = std::env::var("SystemRoot").unwrap_or_else(|_| r"C:\Windows".to_owned());
        format!(r"{windows}\System32")
    }
}
