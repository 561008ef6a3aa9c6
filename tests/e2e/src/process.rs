//! Running host programs (wine, msitools) with a deadline, so a hung Wine fails a test instead of the run.
//!
//! Output goes to anonymous temporary files, not pipes: the first Wine program of a session
//! starts Wine's services, which inherit its standard handles and outlive it, so a pipe would
//! only reach end-of-file when the prefix's wineserver stops.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// What a finished program left: its exit status (8 bits under Wine) and its output.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Fails with the command's output unless it exited 0.
    pub fn success(self, what: &str) -> anyhow::Result<Self> {
        if self.status.success() {
            Ok(self)
        } else {
            bail!(
                "{what} failed with {}\nstdout:\n{}\nstderr:\n{}",
                self.status,
                self.stdout,
                self.stderr
            )
        }
    }
}

fn wait_until(child: &mut Child, deadline: Instant) -> anyhow::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn read_back(mut file: File) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `command` to completion, capturing its output; kills it after `timeout`.
pub fn run(mut command: Command, timeout: Duration) -> anyhow::Result<Finished> {
    let shown = format!("{command:?}");
    let stdout = tempfile::tempfile().context("creating a file for stdout")?;
    let stderr = tempfile::tempfile().context("creating a file for stderr")?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(stdout.try_clone()?)
        .stderr(stderr.try_clone()?)
        .spawn()
        .with_context(|| {
            format!("starting {shown} (is it installed? `cargo xtask test` sets it up)")
        })?;
    let Some(status) = wait_until(&mut child, Instant::now() + timeout)? else {
        let _ = child.kill();
        let _ = child.wait();
        bail!("{shown} did not finish within {timeout:?}; killed it");
    };
    Ok(Finished {
        status,
        stdout: read_back(stdout)?,
        stderr: read_back(stderr)?,
    })
}
