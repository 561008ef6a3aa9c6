//! `cargo xtask bench`: build time, artifact size and logon-path latency, each measured against
//! a floor taken in the same run (the machine is shared and noisy: ratios, not seconds).
//! Writes `target/bench/report.md` and `report.json`. Not part of the tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::payload::{self, PAYLOAD};
use crate::progress;
use crate::setup;
use crate::version::ProductVersion;
use crate::wix;
use crate::workspace::Workspace;

/// The figures' own goals (ratio of median to floor median).
pub const GOAL_REBUILD: f64 = 1.2;
pub const GOAL_MSI_SIZE: f64 = 1.1;
pub const GOAL_ACTIVATION: f64 = 1.5;
/// Activation per object: the settings snapshot makes it a flag check, not a registry read.
pub const GOAL_ACTIVATION_PER_OBJECT: f64 = 10.0;
/// The x64 DLL against the floor DLL built in the same cargo invocation, and in bytes.
pub const GOAL_DLL_SIZE: f64 = 2.5;
pub const LIMIT_DLL_BYTES: f64 = 600_000.0;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Stats {
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            runs: n,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub measured: Stats,
    pub floor: Option<Stats>,
    pub floor_is: String,
    pub goal: Option<f64>,
    pub ratio: Option<f64>,
    /// An absolute bound on the median as well (bytes, µs...), when the figure has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Per phase, the medians over the runs of ours and of the floor (µs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<PhaseTime>,
}

/// One line of a breakdown: a phase and its medians.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PhaseTime {
    pub phase: String,
    pub measured: f64,
    pub floor: Option<f64>,
}

impl Figure {
    fn new(
        name: &str,
        unit: &'static str,
        measured: &[f64],
        floor: &[f64],
        floor_is: &str,
        goal: Option<f64>,
    ) -> Result<Self> {
        let measured = Stats::of(measured).with_context(|| format!("{name}: no measurement"))?;
        let floor = Stats::of(floor);
        let ratio = floor
            .as_ref()
            .filter(|f| f.median > 0.0)
            .map(|f| measured.median / f.median);
        Ok(Self {
            name: name.to_owned(),
            unit,
            measured,
            floor,
            floor_is: floor_is.to_owned(),
            goal,
            ratio,
            limit: None,
            breakdown: Vec::new(),
        })
    }

    fn with_limit(mut self, limit: f64) -> Self {
        self.limit = Some(limit);
        self
    }

    fn with_breakdown(mut self, breakdown: Vec<PhaseTime>) -> Self {
        self.breakdown = breakdown;
        self
    }

    pub fn verdict(&self) -> &'static str {
        let within_limit = self.limit.is_none_or(|limit| self.measured.median <= limit);
        match (self.ratio, self.goal) {
            (Some(ratio), Some(goal)) if ratio <= goal && within_limit => "meets goal",
            (Some(_), Some(_)) => "misses goal",
            _ => "",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: String,
    pub commit: String,
    pub figures: Vec<Figure>,
    pub activation_side_effects: Option<SideEffects>,
}

/// What the activation path did besides computing, from strace: sockets opened and files
/// opened for writing, for our DLL and for the floor DLL under the same Wine.
#[derive(Debug, Serialize, PartialEq)]
pub struct SideEffects {
    pub provider_sockets: usize,
    pub provider_writes: usize,
    pub floor_sockets: usize,
    pub floor_writes: usize,
}

/// Counts `socket`/`connect` calls and opens for writing in an `strace -f` log.
pub fn count_side_effects(log: &str) -> (usize, usize) {
    let sockets = log
        .lines()
        .filter(|l| (l.contains("socket(") || l.contains("connect(")) && !l.contains("AF_UNIX"))
        .count();
    let writes = log
        .lines()
        .filter(|l| {
            l.contains("open")
                && (l.contains("O_WRONLY") || l.contains("O_RDWR") || l.contains("O_CREAT"))
        })
        .filter(|l| !l.contains("= -1"))
        // Wine names each of its threads through /proc/<pid>/task/<tid>/comm; how many service
        // threads (RPC, threadpool) it starts varies from run to run, and it is no file write.
        .filter(|l| !(l.contains("\"/proc/") && l.contains("/comm\"")))
        // Wine's own per-process files (its server socket dir and prefix lock) are the same
        // for both DLLs; they are counted on both sides and so cancel out in the comparison.
        .count();
    (sockets, writes)
}

fn seconds(command: &ToolCommand) -> Result<f64> {
    let start = Instant::now();
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "`{command}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    Ok(start.elapsed().as_secs_f64())
}

fn xtask_dist(ws: &Workspace, out_dir: &Path, target_dir: &Path) -> Result<ToolCommand> {
    Ok(ToolCommand::new(std::env::current_exe()?)
        .args(["dist", "--no-setup", "--out-dir"])
        .arg(out_dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .cwd(&ws.root))
}

/// The commands a dist cannot avoid: its cargo builds and the two wixl runs.
fn floor_seconds(
    ws: &Workspace,
    target_dir: &Path,
    scratch: &Path,
    version: ProductVersion,
) -> Result<f64> {
    let packages: Vec<&str> = PAYLOAD.iter().map(|p| p.package).collect();
    let floor_ws = Workspace {
        target_dir: target_dir.to_path_buf(),
        ..ws.clone()
    };
    let mut total = 0.0;
    for arch in Arch::ALL {
        // The same invocations dist makes: the DLL alone, then the EXEs.
        for group in payload::build_groups(&packages) {
            total += seconds(
                &payload::cargo_build(&floor_ws, arch, &group).env("CARGO_TARGET_DIR", target_dir),
            )?;
        }
    }
    for arch in Arch::ALL {
        let stage = stage_copy(
            &floor_ws,
            arch,
            &scratch.join("stage").join(arch.name()),
            false,
        )?;
        let msi = scratch.join(format!("{}.msi", arch.name()));
        total += seconds(&wix::wixl(&wix::MsiBuild {
            wix_dir: &ws.wix_dir(),
            stage_dir: &stage,
            arch,
            version,
            output: &msi,
        }))?;
    }
    Ok(total)
}

/// The payload under its shipped names (or as empty files of those names).
fn stage_copy(ws: &Workspace, arch: Arch, dir: &Path, empty: bool) -> Result<PathBuf> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir)?;
    let release = payload::release_dir(&ws.target_dir, arch);
    for binary in PAYLOAD {
        let to = dir.join(binary.shipped_name);
        if empty {
            fs::write(&to, b"")?;
        } else {
            fs::copy(release.join(binary.built_name), &to)
                .with_context(|| format!("cannot stage {}", binary.built_name))?;
        }
    }
    Ok(dir.to_path_buf())
}

fn size(path: &Path) -> Result<f64> {
    Ok(fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len() as f64)
}

pub struct BenchOptions {
    pub runs: usize,
    pub clean_runs: usize,
    pub iterations: usize,
}

pub fn run(options: &BenchOptions) -> Result<()> {
    let ws = Workspace::locate();
    let mut needs = setup::for_dist(&Arch::ALL);
    needs.push(setup::Prerequisite {
        tool: "gcab",
        provider: setup::Provider::Apt("gcab"),
    });
    needs.push(setup::Prerequisite {
        tool: "strace",
        provider: setup::Provider::Apt("strace"),
    });
    needs.push(setup::Prerequisite {
        tool: "wine",
        provider: setup::Provider::Apt("wine"),
    });
    setup::ensure(&needs, true)?;
    let version = ProductVersion::parse(env!("CARGO_PKG_VERSION")).map_err(anyhow::Error::msg)?;
    let bench = ws.target_dir.join("bench");
    fs::create_dir_all(&bench)?;
    let dist_dir = bench.join("dist");
    let mut figures = Vec::new();

    // 1. No-change rebuild, after one warm-up build; runs interleaved with their floor.
    progress::step("Warmed", "a full dist for the no-change rebuild", || {
        seconds(&xtask_dist(&ws, &dist_dir, &ws.target_dir)?).map(drop)
    })?;
    let (mut rebuild, mut rebuild_floor) = (Vec::new(), Vec::new());
    for run in 0..options.runs {
        rebuild.push(seconds(&xtask_dist(&ws, &dist_dir, &ws.target_dir)?)?);
        rebuild_floor.push(floor_seconds(
            &ws,
            &ws.target_dir,
            &bench.join("floor"),
            version,
        )?);
        progress::status(
            "Measured",
            &format!("no-change rebuild {}/{}", run + 1, options.runs),
        );
    }
    figures.push(Figure::new(
        "no-change rebuild (cargo xtask dist)",
        "s",
        &rebuild,
        &rebuild_floor,
        "cargo's no-op builds for both targets plus wixl for both MSIs",
        Some(GOAL_REBUILD),
    )?);

    // 2. Clean build from an empty target folder, against the same bare commands from empty.
    let (mut clean, mut clean_floor) = (Vec::new(), Vec::new());
    for run in 0..options.clean_runs {
        let target = bench.join("clean-target");
        let _ = fs::remove_dir_all(&target);
        clean.push(seconds(&xtask_dist(
            &ws,
            &bench.join("clean-dist"),
            &target,
        )?)?);
        let floor_target = bench.join("clean-floor-target");
        let _ = fs::remove_dir_all(&floor_target);
        clean_floor.push(floor_seconds(
            &ws,
            &floor_target,
            &bench.join("clean-floor"),
            version,
        )?);
        progress::status(
            "Measured",
            &format!("clean build {}/{}", run + 1, options.clean_runs),
        );
    }
    let _ = fs::remove_dir_all(bench.join("clean-target"));
    let _ = fs::remove_dir_all(bench.join("clean-floor-target"));
    if !clean.is_empty() {
        figures.push(Figure::new(
            "clean build (cargo xtask dist)",
            "s",
            &clean,
            &clean_floor,
            "the same cargo builds and wixl runs, bare, from an empty target folder",
            None,
        )?);
    }

    // 3. Sizes: each MSI against its payload in a cabinet of its own plus an MSI of the same
    //    tables around empty files.
    for arch in Arch::ALL {
        let msi = dist_dir.join(arch.name()).join(wix::MSI_NAME);
        let sizes = bench.join("size").join(arch.name());
        let stage = stage_copy(&ws, arch, &sizes.join("payload"), false)?;
        let cab = sizes.join("payload.cab");
        let mut gcab = ToolCommand::new("gcab").args(["-c", "-z", "-n"]).arg(&cab);
        for binary in PAYLOAD {
            gcab = gcab.arg(binary.shipped_name);
        }
        seconds(&gcab.cwd(&stage))?;
        let empty_stage = stage_copy(&ws, arch, &sizes.join("empty"), true)?;
        let empty_msi = sizes.join("empty.msi");
        seconds(&wix::wixl(&wix::MsiBuild {
            wix_dir: &ws.wix_dir(),
            stage_dir: &empty_stage,
            arch,
            version,
            output: &empty_msi,
        }))?;
        let floor = size(&cab)? + size(&empty_msi)?;
        figures.push(Figure::new(
            &format!("{arch} MSI size"),
            "bytes",
            &[size(&msi)?],
            &[floor],
            "the payload in a cabinet of its own (gcab -z) plus an MSI of the same tables around empty files",
            Some(GOAL_MSI_SIZE),
        )?);
        let dll = payload::release_dir(&ws.target_dir, arch).join("sspr_credential_provider.dll");
        figures.push(Figure::new(
            &format!("{arch} SsprCredentialProvider.dll size"),
            "bytes",
            &[size(&dll)?],
            &[],
            "",
            None,
        )?);
    }

    // 4. Activation under Wine, against the smallest COM provider built the same way.
    let (activation, side_effects) = activation(&ws, &bench, options)?;
    figures.extend(activation);

    let report = Report {
        date: ToolCommand::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default(),
        machine: machine(),
        commit: ws.commit(),
        figures,
        activation_side_effects: Some(side_effects),
    };
    fs::write(
        bench.join("report.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    fs::write(bench.join("report.md"), markdown(&report))?;
    print!("{}", markdown(&report));
    progress::status(
        "Wrote",
        &format!("{} and report.json", bench.join("report.md").display()),
    );
    Ok(())
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cores} cores, {cpu}")
}

fn wine_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The registry of a machine where the MSI was installed with its defaults (policy key absent):
/// what every `SetUsageScenario` reads, so the benchmark reads what a real sign-in screen does.
const INSTALLED_SETTINGS_REG: &str = concat!(
    r#"Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\"#,
    sspr_identity::settings_key!(),
    r#"]
"PortalUrl"="https://passwordreset.microsoftonline.com/"
"LinkText"="Reset password"
"Disabled"=dword:00000000

[HKEY_LOCAL_MACHINE\"#,
    sspr_identity::provider_key!(),
    r#"]
@="SsprCredentialProvider"
"EnableLogging"=dword:00000000
"#
);

/// Medians of one `sspr-activation-bench` run, in µs.
struct ActivationRun {
    cold: f64,
    warm: f64,
    cold_phases: Vec<(String, f64)>,
    warm_phases: Vec<(String, f64)>,
}

/// `phase:median,...` as `sspr-activation-bench` prints a breakdown line.
pub fn parse_breakdown(line: &str) -> Vec<(String, f64)> {
    line.split(',')
        .filter_map(|item| {
            let (phase, value) = item.rsplit_once(':')?;
            Some((phase.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Per phase (in the order of ours), the median over the runs of ours and of the floor.
pub fn merge_breakdowns(ours: &[&[(String, f64)]], floor: &[&[(String, f64)]]) -> Vec<PhaseTime> {
    let median_of = |runs: &[&[(String, f64)]], phase: &str| {
        let samples: Vec<f64> = runs
            .iter()
            .filter_map(|run| run.iter().find(|(p, _)| p == phase).map(|(_, v)| *v))
            .collect();
        Stats::of(&samples).map(|s| s.median)
    };
    let phases = ours.first().map_or(&[][..], |run| *run);
    phases
        .iter()
        .filter_map(|(phase, _)| {
            Some(PhaseTime {
                phase: phase.clone(),
                measured: median_of(ours, phase)?,
                floor: median_of(floor, phase),
            })
        })
        .collect()
}

fn activation(
    ws: &Workspace,
    bench: &Path,
    options: &BenchOptions,
) -> Result<(Vec<Figure>, SideEffects)> {
    let arch = Arch::X64;
    // One cargo invocation for our DLL and the floor: same target, profile, build-std, flags
    // and windows-rs features (the floor's are a subset of ours); the timing program apart, so
    // its features cannot change the DLL.
    progress::step("Built", "activation benchmark and floor DLL (x64)", || {
        for group in [
            &["sspr-bench-floor", "sspr-credential-provider"][..],
            &["sspr-activation-bench"][..],
        ] {
            let output = payload::cargo_build(ws, arch, group).output()?;
            if !output.status.success() {
                bail!(
                    "building the activation benchmark failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
        Ok(())
    })?;
    let release = payload::release_dir(&ws.target_dir, arch);
    let exe = release.join("sspr-activation-bench.exe");
    let ours = (
        release.join("sspr_credential_provider.dll"),
        sspr_identity::PROVIDER_CLSID,
    );
    let floor = (
        release.join("sspr_bench_floor.dll"),
        "{6A1B2C3D-0000-4000-8000-00000000F100}",
    );
    let floor_reading_settings = (
        release.join("sspr_bench_floor.dll"),
        "{6A1B2C3D-0000-4000-8000-00000000F101}",
    );
    let prefix = bench.join("wineprefix");
    let wine = |program: &str| {
        ToolCommand::new(program)
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
    };
    if !prefix.join("system.reg").is_file() {
        progress::step("Made", "a Wine prefix for the activation benchmark", || {
            seconds(&wine("wineboot").arg("-i")).map(drop)
        })?;
    }
    let reg_file = bench.join("installed-settings.reg");
    fs::write(&reg_file, INSTALLED_SETTINGS_REG.replace('\n', "\r\n"))?;
    progress::step("Imported", "the settings an installed MSI writes", || {
        seconds(
            &wine("wine")
                .args(["reg", "import"])
                .arg(wine_path(&reg_file)),
        )
        .map(drop)
    })?;
    let cold_iterations = (options.iterations / 10).max(20);
    let run_once = |dll: &Path, clsid: &str| -> Result<ActivationRun> {
        let output = wine("wine")
            .arg(&exe)
            .arg(wine_path(dll))
            .arg(clsid)
            .arg(options.iterations.to_string())
            .arg(cold_iterations.to_string())
            .output()?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "the activation benchmark failed on {}: {}{}",
                dll.display(),
                text,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let median = |key: &str| -> Result<f64> {
            let samples: Vec<f64> = text
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .with_context(|| format!("no {key} line in: {text}"))?
                .split(',')
                .filter_map(|v| v.parse().ok())
                .collect();
            Ok(Stats::of(&samples)
                .with_context(|| format!("no {key} samples"))?
                .median)
        };
        let phases = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(parse_breakdown)
                .unwrap_or_default()
        };
        Ok(ActivationRun {
            cold: median("cold_us=")?,
            warm: median("iteration_us=")?,
            cold_phases: phases("breakdown_cold_us="),
            warm_phases: phases("breakdown_warm_us="),
        })
    };
    let (mut ours_runs, mut floor_runs, mut reads_runs) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..options.runs {
        ours_runs.push(run_once(&ours.0, ours.1)?);
        floor_runs.push(run_once(&floor.0, floor.1)?);
        reads_runs.push(run_once(
            &floor_reading_settings.0,
            floor_reading_settings.1,
        )?);
        progress::status(
            "Measured",
            &format!("activation {}/{}", run + 1, options.runs),
        );
    }
    let cold = |runs: &[ActivationRun]| runs.iter().map(|r| r.cold).collect::<Vec<_>>();
    let warm = |runs: &[ActivationRun]| runs.iter().map(|r| r.warm).collect::<Vec<_>>();
    fn cold_phases(runs: &[ActivationRun]) -> Vec<&[(String, f64)]> {
        runs.iter().map(|r| r.cold_phases.as_slice()).collect()
    }
    fn warm_phases(runs: &[ActivationRun]) -> Vec<&[(String, f64)]> {
        runs.iter().map(|r| r.warm_phases.as_slice()).collect()
    }
    let mut figures = vec![
        Figure::new(
            "x64 SsprCredentialProvider.dll size against the floor DLL",
            "bytes",
            &[size(&ours.0)?],
            &[size(&floor.0)?],
            "the minimal provider DLL built in the same cargo invocation (same profile, build-std, flags); limit 600,000 bytes",
            Some(GOAL_DLL_SIZE),
        )?
        .with_limit(LIMIT_DLL_BYTES),
    ];
    figures.extend([
        Figure::new(
            "activation per sign-in screen (LoadLibrary, DllGetClassObject, CreateInstance, SetUsageScenario, GetFieldDescriptorCount/At, GetCredentialCount, release, FreeLibrary)",
            "µs",
            &cold(&ours_runs),
            &cold(&floor_runs),
            "the same sequence against a minimal provider DLL built in the same cargo invocation",
            Some(GOAL_ACTIVATION),
        )?
        .with_breakdown(merge_breakdowns(
            &cold_phases(&ours_runs),
            &cold_phases(&floor_runs),
        )),
        Figure::new(
            "activation per sign-in screen, against a floor that also resolves the settings",
            "µs",
            &cold(&ours_runs),
            &cold(&reads_runs),
            "the minimal provider plus the settings resolve every SetUsageScenario makes (same reader)",
            None,
        )?,
        Figure::new(
            "activation per object, DLL already loaded (CreateInstance through GetCredentialCount)",
            "µs",
            &warm(&ours_runs),
            &warm(&floor_runs),
            "the same sequence against the minimal provider DLL",
            Some(GOAL_ACTIVATION_PER_OBJECT),
        )?
        .with_breakdown(merge_breakdowns(
            &warm_phases(&ours_runs),
            &warm_phases(&floor_runs),
        )),
        Figure::new(
            "activation per object, against a floor that also resolves the settings",
            "µs",
            &warm(&ours_runs),
            &warm(&reads_runs),
            "the minimal provider plus the settings resolve every SetUsageScenario makes (same reader)",
            None,
        )?,
    ]);
    let trace = |dll: &Path, clsid: &str, name: &str| -> Result<(usize, usize)> {
        let log = bench.join(format!("strace-{name}.log"));
        let mut command = wine("strace")
            .args([
                "-f",
                "-qq",
                "-e",
                "trace=socket,connect,open,openat,creat",
                "-o",
            ])
            .arg(&log)
            .arg("wine");
        command = command
            .arg(&exe)
            .arg(wine_path(dll))
            .arg(clsid)
            .args(["50", "5"]);
        seconds(&command)?;
        Ok(count_side_effects(&fs::read_to_string(&log)?))
    };
    let (provider_sockets, provider_writes) = trace(&ours.0, ours.1, "provider")?;
    let (floor_sockets, floor_writes) = trace(&floor.0, floor.1, "floor")?;
    Ok((
        figures,
        SideEffects {
            provider_sockets,
            provider_writes,
            floor_sockets,
            floor_writes,
        },
    ))
}

fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "bytes" => format!("{:.0}", value),
        "s" => format!("{value:.2}"),
        _ => format!("{value:.2}"),
    }
}

pub fn markdown(report: &Report) -> String {
    let mut text = format!(
        "# Benchmark report\n\n{} on {}, commit {}.\n\n| figure | unit | median | min | max | runs | floor median | ratio | goal | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n",
        report.date, report.machine, report.commit
    );
    for f in &report.figures {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            f.name,
            f.unit,
            format_value(f.measured.median, f.unit),
            format_value(f.measured.min, f.unit),
            format_value(f.measured.max, f.unit),
            f.measured.runs,
            f.floor
                .as_ref()
                .map_or_else(|| "-".into(), |s| format_value(s.median, f.unit)),
            f.ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}x")),
            f.goal.map_or_else(|| "-".into(), |g| format!("≤ {g:.1}x")),
            f.verdict(),
        ));
    }
    for f in report.figures.iter().filter(|f| f.limit.is_some()) {
        if let Some(limit) = f.limit {
            text.push_str(&format!(
                "\n{}: {} {} against a limit of {} {} ({}).\n",
                f.name,
                format_value(f.measured.median, f.unit),
                f.unit,
                format_value(limit, f.unit),
                f.unit,
                if f.measured.median <= limit {
                    "within it"
                } else {
                    "over it"
                }
            ));
        }
    }
    for f in report.figures.iter().filter(|f| !f.breakdown.is_empty()) {
        text.push_str(&format!(
            "\nBreakdown of {} (median {} per call over the runs, ours / floor; SetUsageScenario holds the settings and the inner provider's creation, GetFieldDescriptorCount/At the field setup):\n",
            f.name, f.unit
        ));
        for phase in &f.breakdown {
            text.push_str(&format!(
                "- {}: {} / {}\n",
                phase.phase,
                format_value(phase.measured, f.unit),
                phase
                    .floor
                    .map_or_else(|| "-".into(), |v| format_value(v, f.unit)),
            ));
        }
    }
    text.push_str("\nFloors:\n");
    for f in report.figures.iter().filter(|f| !f.floor_is.is_empty()) {
        text.push_str(&format!("- {}: {}\n", f.name, f.floor_is));
    }
    if report
        .figures
        .iter()
        .any(|f| f.name.starts_with("activation per sign-in screen"))
    {
        text.push_str("\nThe activation goal is judged on the per-sign-in-screen figure: it is the issue's sequence from LoadLibrary, and what LogonUI (a new process at each sign-in screen) pays. The per-object figure is held to the same goal and reported as measured.\n");
    }
    if let Some(s) = &report.activation_side_effects {
        text.push_str(&format!(
            "\nActivation side effects (strace of the whole Wine process, logging off): our DLL {} sockets, {} files opened for writing; the floor DLL {} sockets, {} files opened for writing. {}\n",
            s.provider_sockets,
            s.provider_writes,
            s.floor_sockets,
            s.floor_writes,
            if s.provider_sockets <= s.floor_sockets && s.provider_writes <= s.floor_writes {
                "The activation path adds no socket and no file write."
            } else {
                "The activation path adds sockets or file writes: see target/bench/strace-*.log."
            }
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_middle() {
        assert_eq!(
            Stats::of(&[3.0, 1.0, 2.0]),
            Some(Stats {
                median: 2.0,
                min: 1.0,
                max: 3.0,
                runs: 3
            })
        );
        assert_eq!(
            Stats::of(&[4.0, 1.0, 2.0, 3.0]).map(|s| s.median),
            Some(2.5)
        );
        assert_eq!(Stats::of(&[]), None);
    }

    #[test]
    fn ratio_and_verdict() {
        let f = Figure::new(
            "x",
            "s",
            &[1.1, 1.2, 1.3],
            &[1.0, 1.0, 1.0],
            "floor",
            Some(1.2),
        )
        .unwrap();
        assert_eq!(f.ratio.map(|r| (r * 100.0).round()), Some(120.0));
        assert_eq!(f.verdict(), "meets goal");
        let g = Figure::new("y", "s", &[2.0], &[1.0], "floor", Some(1.5)).unwrap();
        assert_eq!(g.verdict(), "misses goal");
        let h = Figure::new("z", "bytes", &[5.0], &[], "", None).unwrap();
        assert_eq!((h.ratio, h.verdict()), (None, ""));
    }

    #[test]
    fn breakdown_lines_parse_and_skip_garbage() {
        assert_eq!(
            parse_breakdown("LoadLibrary:412.5,GetFieldDescriptorCount/At:3.25,bad,Release:x"),
            [
                ("LoadLibrary".to_owned(), 412.5),
                ("GetFieldDescriptorCount/At".to_owned(), 3.25)
            ]
        );
        assert!(parse_breakdown("").is_empty());
    }

    #[test]
    fn counts_sockets_and_writes_but_not_reads_or_failures() {
        let log = "\
123 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 5
123 socket(AF_UNIX, SOCK_STREAM, 0) = 6
124 openat(AT_FDCWD, \"/tmp/a\", O_RDONLY) = 3
124 openat(AT_FDCWD, \"/tmp/b\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4
124 openat(AT_FDCWD, \"/tmp/c\", O_RDWR|O_CREAT, 0644) = -1 EACCES (Permission denied)
125 connect(5, {sa_family=AF_INET, sin_port=htons(443)}, 16) = 0
126 openat(AT_FDCWD, \"/proc/126/task/127/comm\", O_WRONLY) = 7
";
        assert_eq!(count_side_effects(log), (2, 1));
    }

    #[test]
    fn markdown_lists_every_figure() {
        let report = Report {
            date: "2026-11-25".into(),
            machine: "2 cores".into(),
            commit: "abc".into(),
            figures: vec![Figure::new("rebuild", "s", &[1.0], &[1.0], "bare", Some(1.2)).unwrap()],
            activation_side_effects: Some(SideEffects {
                provider_sockets: 0,
                provider_writes: 2,
                floor_sockets: 0,
                floor_writes: 2,
            }),
        };
        let mut report = report;
        report.figures.push(
            Figure::new(
                "dll",
                "bytes",
                &[700_000.0],
                &[400_000.0],
                "floor dll",
                Some(2.5),
            )
            .unwrap()
            .with_limit(600_000.0),
        );
        report.figures.push(
            Figure::new("per object", "µs", &[2.0], &[1.0], "floor", Some(10.0))
                .unwrap()
                .with_breakdown(merge_breakdowns(
                    &[
                        &parse_breakdown("CreateInstance:1.00,SetUsageScenario:3.00")[..],
                        &parse_breakdown("CreateInstance:2.00,SetUsageScenario:5.00")[..],
                    ],
                    &[&parse_breakdown("CreateInstance:0.50")[..]],
                )),
        );
        let text = markdown(&report);
        assert!(
            text.contains("| dll | bytes | 700000 | 700000 | 700000 | 1 | 400000 | 1.75x | ≤ 2.5x | misses goal |"),
            "{text}"
        );
        assert!(
            text.contains("dll: 700000 bytes against a limit of 600000 bytes (over it)."),
            "{text}"
        );
        assert!(
            text.contains("- CreateInstance: 1.50 / 0.50\n- SetUsageScenario: 4.00 / -\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "| rebuild | s | 1.00 | 1.00 | 1.00 | 1 | 1.00 | 1.00x | ≤ 1.2x | meets goal |"
            ),
            "{text}"
        );
        assert!(text.contains("adds no socket and no file write"), "{text}");
    }
}
