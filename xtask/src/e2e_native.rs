//! `cargo xtask e2e-native` (and a step of `cargo xtask test`): the native end-to-end runner
//! (tests/e2e-native, `sspr-e2e-native.exe`) built for x86_64-win7-windows-gnu with the COM probe
//! beside it, then run against an x64 MSI: on Windows directly (elevated), elsewhere inside a
//! fresh Wine prefix as a Windows program. Its `test ... ok|FAILED` lines join the run's tally.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::payload;
use crate::progress;
use crate::test_tally::Tally;
use crate::workspace::Workspace;

/// The packages the runner needs: itself, and the probe (with the stand-in password provider).
pub const PACKAGES: [&str; 2] = ["sspr-com-probe", "sspr-e2e-native"];

/// Builds the runner and the probe for x64; returns the folder holding both.
pub fn build(ws: &Workspace) -> Result<PathBuf> {
    progress::step(
        "Built",
        "native end-to-end runner and COM probe (x64)",
        || payload::cargo_build(ws, Arch::X64, &PACKAGES).run(),
    )?;
    Ok(payload::release_dir(&ws.target_dir, Arch::X64))
}

/// The runner's arguments for `msi`, the probe, its scratch folder and, for the upgrade tests,
/// the releases before and after `msi`; paths as the runner's machine names them.
pub fn runner_args(
    msi: &str,
    probe: &str,
    scratch: &str,
    previous_next: Option<(&str, &str)>,
    x86: Option<&str>,
) -> Vec<String> {
    let mut args = vec![
        "--msi".to_owned(),
        msi.to_owned(),
        "--probe".to_owned(),
        probe.to_owned(),
        "--scratch".to_owned(),
        scratch.to_owned(),
    ];
    if let Some((previous, next)) = previous_next {
        args.extend([
            "--previous-msi".to_owned(),
            previous.to_owned(),
            "--next-msi".to_owned(),
            next.to_owned(),
        ]);
    }
    if let Some(x86) = x86 {
        args.extend(["--x86-msi".to_owned(), x86.to_owned()]);
    }
    args
}

/// The packages beside the x64 one under test: the releases before and after it (x64), for the
/// upgrade tests, and the x86 package, for its refusal on 64-bit Windows.
#[derive(Debug, Default)]
pub struct Others {
    pub previous_next: Option<(PathBuf, PathBuf)>,
    pub x86: Option<PathBuf>,
}

impl Others {
    fn paths(&self) -> Vec<&Path> {
        let mut paths: Vec<&Path> = Vec::new();
        if let Some((previous, next)) = &self.previous_next {
            paths.extend([previous.as_path(), next.as_path()]);
        }
        paths.extend(self.x86.as_deref());
        paths
    }
}

/// The runner's arguments, every path rendered by `render` (as the runner's machine names it).
fn args_for(
    msi: &Path,
    probe: &Path,
    scratch: &Path,
    others: &Others,
    render: fn(&Path) -> Result<String>,
) -> Result<Vec<String>> {
    let releases = others
        .previous_next
        .as_ref()
        .map(|(previous, next)| Ok::<_, anyhow::Error>((render(previous)?, render(next)?)))
        .transpose()?;
    let x86 = others.x86.as_deref().map(render).transpose()?;
    Ok(runner_args(
        &render(msi)?,
        &render(probe)?,
        &render(scratch)?,
        releases.as_ref().map(|(p, n)| (p.as_str(), n.as_str())),
        x86.as_deref(),
    ))
}

/// A host path as Wine's `Z:` drive names it.
fn wine_path(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path)?;
    let text = absolute
        .to_str()
        .with_context(|| format!("{} is not UTF-8", absolute.display()))?;
    Ok(format!("Z:{}", text.replace('/', "\\")))
}

/// `cargo xtask e2e-native [--msi PACKAGE] [--previous-msi P --next-msi N]`: the runner against
/// `msi` (default: the x64 package of `cargo xtask dist --arch x64`), ending with the tally's
/// lines; without the two releases its upgrade tests are reported ignored.
pub fn run_task(msi: Option<PathBuf>, others: Others) -> Result<()> {
    let ws = Workspace::locate();
    let msi = msi.unwrap_or_else(|| {
        ws.target_dir
            .join("dist")
            .join(Arch::X64.name())
            .join("SsprWindowsLogon.PROD.msi")
    });
    let mut tally = Tally::default();
    let result = run(&ws, &msi, &others, &mut tally);
    println!("{}", tally.report());
    result
}

/// Builds the runner and runs it against `msi` (an x64 package) and `releases`, counting into
/// `tally`.
pub fn run(ws: &Workspace, msi: &Path, others: &Others, tally: &mut Tally) -> Result<()> {
    let mut inputs = vec![msi];
    inputs.extend(others.paths());
    for input in inputs {
        if !input.is_file() {
            bail!(
                "{} does not exist: build it with `cargo xtask dist --arch x64`",
                input.display()
            );
        }
    }
    let bin = build(ws)?;
    let runner = bin.join("sspr-e2e-native.exe");
    let probe = bin.join("sspr-com-probe.exe");
    let work = ws.target_dir.join("xtask").join("e2e-native");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    if cfg!(windows) {
        let args = args_for(msi, &probe, &work.join("scratch"), others, path_text)?;
        return tally.run(&ToolCommand::new(&runner).args(args));
    }
    in_wine(&work, msi, others, &runner, &probe, tally)
}

fn path_text(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path)?;
    absolute
        .to_str()
        .map(str::to_owned)
        .with_context(|| format!("{} is not Unicode", absolute.display()))
}

/// Windows Installer's registration keys the runner's snapshots cover (tests/e2e/src/native).
const INSTALLER_KEYS: [&str; 2] = [
    r"HKLM\Software\Classes\Installer\Products",
    r"HKLM\Software\Classes\Installer\UpgradeCodes",
];

/// The environment of every Wine program here: the runner's own prefix, quiet, headless.
fn wine(program: &str, prefix: &Path) -> ToolCommand {
    ToolCommand::new(program)
        .env("WINEPREFIX", prefix)
        .env("WINEARCH", "win64")
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
        .env("DISPLAY", "")
}

/// A fresh prefix, brought to a running Windows' state (Wine's services and the Windows
/// Installer's bookkeeping started by an msiexec that removes nothing, as the Wine suite's
/// prefixes are), then the runner inside it; its output is read from a file once it ends
/// (Wine's services inherit standard handles, so a pipe would stay open).
fn in_wine(
    work: &Path,
    msi: &Path,
    others: &Others,
    runner: &Path,
    probe: &Path,
    tally: &mut Tally,
) -> Result<()> {
    let prefix = work.join("prefix");
    progress::step("Made", "a fresh Wine prefix for the native runner", || {
        wine("wine", &prefix).args(["wineboot", "-i"]).run()?;
        wine("wine", &prefix)
            .args([
                "msiexec",
                "/x",
                "{00000000-0000-0000-0000-000000000000}",
                "/qn",
            ])
            .output()?;
        // Wine deviation: Windows has Windows Installer's product registry from setup on; a
        // Wine prefix makes these keys at its first install and keeps them, empty, after the
        // last uninstall. Made here, so the runner's before/after snapshots see Windows' state.
        for key in INSTALLER_KEYS {
            wine("wine", &prefix)
                .args(["reg", "add", key, "/f", "/reg:64"])
                .run()?;
        }
        Ok(())
    })?;
    let args = args_for(msi, probe, &work.join("scratch"), others, wine_path)?;
    let output_path = work.join("runner-output.txt");
    let output = std::fs::File::create(&output_path)
        .with_context(|| format!("creating {}", output_path.display()))?;
    let command = wine("wine", &prefix).arg(runner).args(args);
    let status = command
        .to_command()
        .stdout(Stdio::from(output))
        .status()
        .with_context(|| format!("could not start `{command}`"))?;
    // The server, and with it every service of the prefix, ends before the prefix is left.
    let _ = wine("wineserver", &prefix).arg("-k").output();
    let text = std::fs::read_to_string(&output_path)
        .with_context(|| format!("reading {}", output_path.display()))?;
    for line in text.lines() {
        println!("{line}");
        tally.add_line(line);
    }
    if !status.success() {
        bail!(
            "the native runner failed inside Wine ({status}); output in {}",
            output_path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_gets_the_package_the_probe_and_a_scratch_folder() {
        assert_eq!(
            runner_args(r"Z:\d\x64\a.msi", r"Z:\b\p.exe", r"Z:\s", None, None),
            [
                "--msi",
                r"Z:\d\x64\a.msi",
                "--probe",
                r"Z:\b\p.exe",
                "--scratch",
                r"Z:\s"
            ]
        );
        assert_eq!(
            runner_args(
                "a.msi",
                "p.exe",
                "s",
                Some(("p.msi", "n.msi")),
                Some("x.msi")
            )[6..],
            [
                "--previous-msi",
                "p.msi",
                "--next-msi",
                "n.msi",
                "--x86-msi",
                "x.msi"
            ]
        );
        assert_eq!(wine_path(Path::new("/t/a b.msi")).unwrap(), r"Z:\t\a b.msi");
    }
}
