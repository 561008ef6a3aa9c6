//! Private Wine prefixes: a template made once per run and arch, a fresh copy per test.
//!
//! `wineboot -i` costs 5-10 s on two cores; `cp -a` of the template about one. Each copy gets its
//! own persistent wineserver, killed when the [`WinePrefix`] drops, and a scratch folder
//! beside it (outside `drive_c`, so it never shows in a file snapshot) that Wine reaches as `Z:`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use crate::process::{self, Finished};

/// Which Windows a prefix emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WineArch {
    /// 64-bit Windows (`WINEARCH=win64`): 64-bit programs, WOW64 for 32-bit ones if wine32 exists.
    Win64,
    /// 32-bit Windows (`WINEARCH=win32`): needs Debian's `wine32:i386`.
    Win32,
}

impl WineArch {
    fn winearch(self) -> &'static str {
        match self {
            Self::Win64 => "win64",
            Self::Win32 => "win32",
        }
    }
}

/// Debian's 32-bit Wine loader; without it there is no 32-bit prefix (docs/design.md, "Windows 7 targets and the import audit").
const WINE32_LOADER: &str = "/usr/lib/wine/wine";

/// Whether a 32-bit prefix can be made here, and if not, why.
pub fn wine32_status() -> Result<(), String> {
    if Path::new(WINE32_LOADER).is_file() {
        Ok(())
    } else {
        Err(format!(
            "wine32:i386 is not installed ({WINE32_LOADER} is missing), so no 32-bit prefix can be \
             made here; `dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386` \
             adds it when Debian's i386 indexes are in sync"
        ))
    }
}

/// Longest any single Wine program may run; an msiexec takes about a second.
const WINE_TIMEOUT: Duration = Duration::from_secs(180);
/// `wineboot -i` of a new prefix; slow on a loaded machine.
const WINEBOOT_TIMEOUT: Duration = Duration::from_secs(600);

/// The environment every Wine program of the suite runs in.
fn wine_command(program: &str, prefix: &Path, arch: WineArch) -> Command {
    let mut command = Command::new(program);
    command
        .env("WINEPREFIX", prefix)
        .env("WINEARCH", arch.winearch())
        // Wine's debug channels are noise in test output and cost time.
        .env("WINEDEBUG", "-all")
        // No Mono or Gecko install dialogs (nothing here needs .NET or a browser engine), and no
        // desktop menu entries written into the host's home.
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
        // Headless, whatever the developer's session has: /qn needs no window.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

/// The folder that holds everything one run of the suite keeps on disk: templates and
/// per-test prefixes. Made on first use, deleted by [`teardown`].
fn run_root() -> anyhow::Result<&'static Path> {
    static ROOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ROOT.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("sspr-e2e-")
            .tempdir()
            .map(tempfile::TempDir::keep)
            .map_err(|error| format!("creating the run's temporary folder: {error}"))
    })
    .as_deref()
    .map_err(|message| anyhow::anyhow!("{message}"))
}

/// Deletes the run's templates and any prefix left behind; call once, after the last test.
pub fn teardown() {
    let Ok(root) = run_root() else { return };
    if keep_prefixes() {
        eprintln!("SSPR_E2E_KEEP_PREFIXES is set: leaving {}", root.display());
        return;
    }
    kill_strays(root);
    if let Err(error) = std::fs::remove_dir_all(root) {
        eprintln!("could not remove {}: {error}", root.display());
    }
}

/// Kills, by process id, any Wine process still running in one of this run's prefixes (its
/// `WINEPREFIX` is under `root`), so that no run leaves Wine behind. Says so when it finds one.
fn kill_strays(root: &Path) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let marker = format!("WINEPREFIX={}/", root.display());
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let ours = environ
            .split(|byte| *byte == 0)
            .any(|variable| variable.starts_with(marker.as_bytes()));
        if ours {
            eprintln!(
                "[sspr-e2e] killing stray Wine process {pid} left in {}",
                root.display()
            );
            let mut kill = Command::new("kill");
            kill.args(["-KILL", &pid.to_string()]);
            let _ = process::run(kill, Duration::from_secs(10));
        }
    }
}

fn keep_prefixes() -> bool {
    std::env::var_os("SSPR_E2E_KEEP_PREFIXES").is_some_and(|value| value == "1")
}

/// The template prefix for `arch`, made on first use (other callers wait for it).
fn template(arch: WineArch) -> anyhow::Result<PathBuf> {
    static WIN64: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    static WIN32: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let cell = match arch {
        WineArch::Win64 => &WIN64,
        WineArch::Win32 => &WIN32,
    };
    cell.get_or_init(|| make_template(arch).map_err(|error| format!("{error:#}")))
        .clone()
        .map_err(|message| anyhow::anyhow!("{message}"))
}

fn make_template(arch: WineArch) -> anyhow::Result<PathBuf> {
    if arch == WineArch::Win32 {
        wine32_status().map_err(|why| anyhow::anyhow!(why))?;
    }
    let root = run_root()?;
    let dir = root.join(format!("template-{}", arch.winearch()));
    let started = Instant::now();
    let mut boot = wine_command("wine", &dir, arch);
    boot.args(["wineboot", "-i"]);
    process::run(boot, WINEBOOT_TIMEOUT)?.success("wineboot -i (making the template prefix)")?;
    // Let the server end by itself once the services wineboot started are done (a few seconds):
    // it then writes the registry files the copies start from. `wineserver -k` here races with
    // services still starting and can orphan one of them.
    let mut wait = wine_command("wineserver", &dir, arch);
    wait.arg("-w");
    process::run(wait, WINE_TIMEOUT)?;
    if !dir.join("system.reg").is_file() {
        bail!("wineboot -i left no system.reg in {}", dir.display());
    }
    eprintln!(
        "[sspr-e2e] {} template prefix made in {:.1?}",
        arch.winearch(),
        started.elapsed()
    );
    Ok(dir)
}

fn stop_wineserver(prefix: &Path, arch: WineArch) -> anyhow::Result<()> {
    for flag in ["-k", "-w"] {
        let mut command = wine_command("wineserver", prefix, arch);
        command.arg(flag);
        // `-k` exits 1 when no server runs: nothing to stop is fine.
        process::run(command, WINE_TIMEOUT)?;
    }
    Ok(())
}

/// A private Wine prefix for one test, deleted (server stopped first) on drop.
#[derive(Debug)]
pub struct WinePrefix {
    arch: WineArch,
    root: PathBuf,
    prefix: PathBuf,
    scratch: PathBuf,
    next_file: AtomicU32,
}

impl WinePrefix {
    /// A fresh copy of the run's template for `arch`; `name` labels its folder.
    pub fn new(name: &str, arch: WineArch) -> anyhow::Result<Self> {
        let template = template(arch)?;
        let run = run_root()?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let root = run.join(format!("{name}-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        let prefix = root.join("prefix");
        let scratch = root.join("scratch");
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let mut copy = Command::new("cp");
        copy.arg("-a").arg(&template).arg(&prefix);
        process::run(copy, WINE_TIMEOUT)?.success("cp -a of the template prefix")?;
        let prefix = Self {
            arch,
            root,
            prefix,
            scratch,
            next_file: AtomicU32::new(0),
        };
        // One server for the prefix's whole life: with the default 3 s persistence every pause
        // restarts it and Wine's services, which costs a second and rewrites device keys
        // (display adapters, monitors) that would then show in snapshot differences.
        let mut server = prefix.command("wineserver");
        server.arg("--persistent");
        process::run(server, WINE_TIMEOUT)?.success("wineserver --persistent")?;
        prefix.warm_up()?;
        Ok(prefix)
    }

    /// Brings the prefix to the state of a running Windows machine before any test looks at
    /// it: Wine's services, the desktop (whose display driver writes volatile device keys) and
    /// the Windows Installer service start at the first msiexec of a session. An msiexec that
    /// removes a product nobody installed starts them all and changes nothing else.
    fn warm_up(&self) -> anyhow::Result<()> {
        // Exits 1605 (unknown product), cut to 8 bits; only that it ran matters.
        self.wine([
            "msiexec",
            "/x",
            "{00000000-0000-0000-0000-000000000000}",
            "/qn",
        ])?;
        Ok(())
    }

    /// Stops the prefix's server and starts it again: settings Wine reads once per session
    /// (the display driver) apply to the programs started after this.
    pub fn restart(&self) -> anyhow::Result<()> {
        stop_wineserver(&self.prefix, self.arch)?;
        let mut server = self.command("wineserver");
        server.arg("--persistent");
        process::run(server, WINE_TIMEOUT)?.success("wineserver --persistent")?;
        Ok(())
    }

    /// The prefix's architecture.
    pub fn arch(&self) -> WineArch {
        self.arch
    }

    /// `C:\` on the host.
    pub fn drive_c(&self) -> PathBuf {
        self.prefix.join("drive_c")
    }

    /// A host folder for inputs and outputs (batch files, logs, exports), outside `drive_c`.
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    /// A new, unused file name in the scratch folder.
    pub fn scratch_file(&self, stem: &str, extension: &str) -> PathBuf {
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        self.scratch.join(format!("{n:02}-{stem}.{extension}"))
    }

    /// A `Command` for `program` (`wine`, `wineserver`) in this prefix's environment.
    pub fn command(&self, program: &str) -> Command {
        wine_command(program, &self.prefix, self.arch)
    }

    /// Runs `wine ARGS...` and returns its output (exit status cut to 8 bits: docs/design.md, "Wine deviations").
    pub fn wine<I, S>(&self, args: I) -> anyhow::Result<Finished>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command("wine");
        command.args(args);
        process::run(command, WINE_TIMEOUT)
    }

    /// Runs `lines` as a batch file under `cmd /c`; batch text needs no quoting across the
    /// Linux/Windows command-line boundary.
    pub fn batch(&self, lines: &[String]) -> anyhow::Result<Finished> {
        let path = self.scratch_file("batch", "bat");
        let mut text = String::from("@echo off\r\n");
        for line in lines {
            text.push_str(line);
            text.push_str("\r\n");
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        let windows_path = windows_path(&path)?;
        self.wine(["cmd", "/c", windows_path.as_str()])
    }

    /// The Windows version the prefix reports (`cmd /c ver`), e.g. `6.1.7601` for Windows 7 SP1.
    pub fn windows_version(&self) -> anyhow::Result<String> {
        let output = self.wine(["cmd", "/c", "ver"])?.success("cmd /c ver")?;
        let text = output.stdout.trim();
        text.rsplit(' ')
            .next()
            .map(|version| version.trim_end_matches(']').to_owned())
            .with_context(|| format!("cmd /c ver printed {text:?}"))
    }
}

impl Drop for WinePrefix {
    fn drop(&mut self) {
        if let Err(error) = stop_wineserver(&self.prefix, self.arch) {
            eprintln!(
                "stopping the wineserver of {}: {error:#}",
                self.prefix.display()
            );
        }
        if keep_prefixes() {
            eprintln!(
                "SSPR_E2E_KEEP_PREFIXES is set: leaving {}",
                self.root.display()
            );
        } else if let Err(error) = std::fs::remove_dir_all(&self.root) {
            eprintln!("removing {}: {error}", self.root.display());
        }
    }
}

/// A host path as Wine's `Z:` drive (the host root) names it.
pub fn windows_path(path: &Path) -> anyhow::Result<String> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("making {} absolute", path.display()))?;
    let text = absolute
        .to_str()
        .with_context(|| format!("{} is not UTF-8", absolute.display()))?;
    Ok(format!("Z:{}", text.replace('/', "\\")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_map_to_drive_z() {
        assert_eq!(
            windows_path(Path::new("/tmp/e2e dist/x64/a.msi")).unwrap(),
            r"Z:\tmp\e2e dist\x64\a.msi"
        );
    }
}
