//! `cargo xtask fuzz`: runs the navigation policy's fuzz target (`payload/url-policy/fuzz`,
//! target `url_policy`) with cargo-fuzz for a bounded number of runs, on the pinned stable
//! toolchain. `cargo xtask test` runs it right after the unit tests.
//!
//! cargo-fuzz (pinned) is installed into `target/xtask/cargo-fuzz` when missing. Its builds pass
//! `-Zsanitizer=address`, which a stable rustc accepts with `RUSTC_BOOTSTRAP=1` (the address
//! sanitizer runtime ships with the stable x86_64 Linux std), the same way the Windows 7 builds
//! use `-Zbuild-std`. Build output, the corpus the fuzzer grows and any failing input stay
//! under `target/fuzz`; the committed seed corpus is only read.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{bail, Context, Result};

use crate::command::ToolCommand;
use crate::progress;
use crate::setup::{self, Prerequisite, Provider};
use crate::workspace::Workspace;

/// The cargo-fuzz release installed and used.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// The fuzz target (a `[[bin]]` of the fuzz crate).
pub const TARGET: &str = "url_policy";
/// Runs `cargo xtask test` gives the fuzzer: 17-25 s at the 4,000-6,000 exec/s measured on a
/// shared 2-core machine (after a one-time build: 80-200 s, and 70-230 s to install cargo-fuzz).
pub const SUITE_RUNS: u64 = 100_000;
/// The seed `cargo xtask test` gives libFuzzer: with the committed corpus and a fresh work corpus
/// the suite's run is then the same on every machine, so a CI verdict never depends on luck.
/// `cargo xtask fuzz` without `--seed` explores with a new seed each run (printed in its report).
pub const SUITE_SEED: u64 = 20_261_130;
/// The address sanitizer costs about 8x in rate (4,200 against 33,000 exec/s with `none`, which
/// needs no RUSTC_BOOTSTRAP) and finds little in a crate that forbids `unsafe`; it is kept so
/// that a future `unsafe` or C dependency is checked too.
const SANITIZER: &str = "address";
/// Longest input, in bytes: URLs that matter are short, and short inputs keep the rate high.
const MAX_LEN: u32 = 512;
/// Seconds one input may take before libFuzzer reports it as a hang.
const TIMEOUT_SECS: u32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuzzOptions {
    pub runs: u64,
    /// Install missing prerequisites (a C++ compiler for libFuzzer, cargo-fuzz).
    pub setup: bool,
    /// libFuzzer's `-seed`; `None` lets it choose (and the report names it).
    pub random_seed: Option<u64>,
}

/// Where everything is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuzzPaths {
    /// The cargo-fuzz project: `payload/url-policy/fuzz`.
    pub fuzz_dir: PathBuf,
    /// The committed seed corpus, read only.
    pub seed_corpus: PathBuf,
    pub dict: PathBuf,
    /// cargo's target folder for the instrumented build.
    pub build_dir: PathBuf,
    /// The corpus libFuzzer grows (it writes new inputs to the first corpus folder only).
    pub work_corpus: PathBuf,
    /// Where a failing input is written (libFuzzer appends the file name to this prefix).
    pub artifacts: PathBuf,
    /// `cargo install --root` for cargo-fuzz.
    pub tool_root: PathBuf,
}

impl FuzzPaths {
    pub fn new(ws: &Workspace) -> Self {
        let fuzz_dir = ws.root.join("payload").join("url-policy").join("fuzz");
        let out = ws.target_dir.join("fuzz");
        Self {
            seed_corpus: fuzz_dir.join("corpus").join(TARGET),
            dict: fuzz_dir.join(format!("{TARGET}.dict")),
            fuzz_dir,
            build_dir: out.join("build"),
            work_corpus: out.join("corpus").join(TARGET),
            artifacts: out.join("artifacts").join(TARGET),
            tool_root: ws.target_dir.join("xtask").join("cargo-fuzz"),
        }
    }

    pub fn cargo_fuzz(&self) -> PathBuf {
        self.tool_root.join("bin").join("cargo-fuzz")
    }
}

/// What libFuzzer reported about a finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuzzReport {
    pub runs: Option<u64>,
    pub execs_per_sec: Option<u64>,
    pub new_units: Option<u64>,
    pub coverage: Option<u64>,
    pub seed: Option<u64>,
    /// `Test unit written to <path>`: the input that failed.
    pub failing_input: Option<PathBuf>,
}

impl FuzzReport {
    /// Reads libFuzzer's stderr (with `-print_final_stats=1`).
    pub fn parse(log: &str) -> Self {
        let mut report = Self::default();
        for line in log.lines() {
            let line = line.trim();
            if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
                report.runs = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
                report.execs_per_sec = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("stat::new_units_added:") {
                report.new_units = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("INFO: Seed:") {
                report.seed = v.trim().parse().ok();
            } else if let Some((_, path)) = line.split_once("Test unit written to ") {
                report.failing_input = Some(PathBuf::from(path.trim()));
            } else if line.split_whitespace().nth(1) == Some("DONE") {
                report.coverage = field_after(line, "cov:");
            }
        }
        report
    }

    fn summary(&self, requested_runs: u64) -> String {
        let show = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        format!(
            "{TARGET}: {} runs (of {requested_runs}) at {} exec/s, coverage {}, {} new corpus inputs, seed {}",
            show(self.runs),
            // libFuzzer divides by whole seconds: a run under a second reports 0.
            show(self.execs_per_sec.filter(|rate| *rate > 0)),
            show(self.coverage),
            show(self.new_units),
            show(self.seed),
        )
    }
}

/// The number after `key` in a libFuzzer status line (`#200000 DONE cov: 812 ft: 2400 ...`).
fn field_after(line: &str, key: &str) -> Option<u64> {
    let mut words = line.split_whitespace();
    words.find(|w| *w == key)?;
    words.next()?.parse().ok()
}

/// `cargo install cargo-fuzz`, pinned and locked, into `target/xtask/cargo-fuzz`.
pub fn install_command(ws: &Workspace, paths: &FuzzPaths) -> ToolCommand {
    ToolCommand::new(&ws.cargo)
        .args(["install", "cargo-fuzz", "--locked", "--version"])
        .arg(CARGO_FUZZ_VERSION)
        .arg("--root")
        .arg(&paths.tool_root)
        .cwd(&ws.root)
}

/// The options `cargo fuzz build` and `cargo fuzz run` share. Run from the repository, so
/// rust-toolchain.toml picks the pinned toolchain for the cargo that cargo-fuzz starts.
fn cargo_fuzz(ws: &Workspace, paths: &FuzzPaths, verb: &str) -> ToolCommand {
    ToolCommand::new(paths.cargo_fuzz())
        .args(["fuzz", verb, TARGET, "--sanitizer", SANITIZER, "--fuzz-dir"])
        .arg(&paths.fuzz_dir)
        .arg("--target-dir")
        .arg(&paths.build_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .cwd(&ws.root)
}

pub fn build_command(ws: &Workspace, paths: &FuzzPaths) -> ToolCommand {
    cargo_fuzz(ws, paths, "build")
}

/// Fuzzes for `runs` inputs: new inputs go to the work corpus, the seed corpus is read.
pub fn run_command(ws: &Workspace, paths: &FuzzPaths, runs: u64, seed: Option<u64>) -> ToolCommand {
    let mut artifact_prefix = paths.artifacts.as_os_str().to_owned();
    artifact_prefix.push("/");
    let mut prefix_arg = std::ffi::OsString::from("-artifact_prefix=");
    prefix_arg.push(artifact_prefix);
    let mut dict_arg = std::ffi::OsString::from("-dict=");
    dict_arg.push(&paths.dict);
    cargo_fuzz(ws, paths, "run")
        .arg(&paths.work_corpus)
        .arg(&paths.seed_corpus)
        .arg("--")
        .arg(format!("-runs={runs}"))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg(format!("-timeout={TIMEOUT_SECS}"))
        .arg(dict_arg)
        // After cargo-fuzz's own `-artifact_prefix` (fuzz/artifacts): the last one wins.
        .arg(prefix_arg)
        .arg("-print_final_stats=1")
        .args(seed.map(|seed| format!("-seed={seed}")))
}

/// Runs one input through the target once: what to paste to see a failure again.
pub fn reproduce_command(ws: &Workspace, paths: &FuzzPaths, input: &Path) -> ToolCommand {
    cargo_fuzz(ws, paths, "run").arg(input)
}

/// The prerequisite cargo-fuzz's build needs: libfuzzer-sys compiles libFuzzer (C++).
fn cxx_compiler() -> Prerequisite {
    Prerequisite {
        tool: "c++",
        provider: Provider::Apt("g++"),
    }
}

fn installed_version(paths: &FuzzPaths) -> Option<String> {
    ToolCommand::new(paths.cargo_fuzz())
        .arg("--version")
        .stdout_if_success()
}

/// Installs the pinned cargo-fuzz unless it is there already, saying what it installs.
fn ensure_cargo_fuzz(ws: &Workspace, paths: &FuzzPaths, allow_install: bool) -> Result<()> {
    let wanted = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    let found = installed_version(paths);
    if found.as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    let install = install_command(ws, paths);
    if !allow_install {
        bail!(
            "missing `{wanted}` in {}: install it with `{install}`\n(--no-setup was given, so nothing was installed)",
            paths.tool_root.display()
        );
    }
    let why = found.map_or_else(|| "missing".to_owned(), |v| format!("found {v}"));
    progress::status(
        "Installing",
        &format!("{wanted} into {} ({why})", paths.tool_root.display()),
    );
    progress::status("Running", &install.to_string());
    install.run()?;
    match installed_version(paths) {
        Some(version) if version == wanted => Ok(()),
        other => bail!(
            "installed cargo-fuzz, but `{} --version` says {other:?}, not `{wanted}`",
            paths.cargo_fuzz().display()
        ),
    }
}

/// Builds the target and fuzzes it for `options.runs` inputs; fails naming the failing input.
pub fn run(ws: &Workspace, options: &FuzzOptions) -> Result<FuzzReport> {
    let paths = FuzzPaths::new(ws);
    setup::ensure(&[cxx_compiler()], options.setup)?;
    ensure_cargo_fuzz(ws, &paths, options.setup)?;
    for dir in [&paths.work_corpus, &paths.artifacts] {
        fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    progress::step(
        "Built",
        &format!("fuzz target {TARGET} (cargo-fuzz, {SANITIZER} sanitizer)"),
        || build_command(ws, &paths).run(),
    )?;

    let command = run_command(ws, &paths, options.runs, options.random_seed);
    progress::status("Fuzzing", &format!("{TARGET} for {} runs", options.runs));
    let started = Instant::now();
    let since = SystemTime::now();
    let output = command.output()?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&output.stderr);
    let report = FuzzReport::parse(&log);
    if !output.status.success() {
        let failing = report
            .failing_input
            .clone()
            .or_else(|| newest_artifact(&paths.artifacts, since));
        let Some(input) = failing else {
            bail!(
                "`{command}` failed ({}) without writing a failing input; its last lines:\n{}",
                output.status,
                tail(&log, 40)
            );
        };
        bail!(
            "the fuzz target {TARGET} failed on the input {} ({})\n\
             reproduce with: {}\n\
             {}",
            input.display(),
            describe_input(&input),
            reproduce_command(ws, &paths, &input),
            panic_message(&log)
                .unwrap_or_else(|| format!("the fuzzer's last lines:\n{}", tail(&log, 40)))
        );
    }
    progress::status(
        "Fuzzed",
        &format!("{} ({seconds:.1}s)", report.summary(options.runs)),
    );
    Ok(report)
}

/// A file libFuzzer wrote to `dir` since `since`, for when its log did not name it.
fn newest_artifact(dir: &Path, since: SystemTime) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            (modified >= since).then(|| (modified, entry.path()))
        })
        .max()
        .map(|(_, path)| path)
}

/// The failing input's bytes, escaped (cut after 200 bytes).
fn describe_input(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let shown = &bytes[..bytes.len().min(200)];
            format!(
                "{} bytes: \"{}\"{}",
                bytes.len(),
                shown.escape_ascii(),
                if bytes.len() > 200 { "..." } else { "" }
            )
        }
        Err(error) => format!("unreadable: {error}"),
    }
}

/// The target's panic (`thread '...' panicked at <place>:` and its message), without the
/// backtrace that follows.
fn panic_message(log: &str) -> Option<String> {
    let mut lines = log
        .lines()
        .skip_while(|line| !line.contains("panicked at "));
    let first = lines.next()?;
    let message: Vec<&str> = lines
        .take_while(|line| {
            !(line.starts_with("stack backtrace:")
                || line.starts_with("note: ")
                || line.starts_with("=="))
        })
        .take(20)
        .collect();
    Some(format!("{first}\n{}", message.join("\n")))
}

fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> Workspace {
        Workspace {
            root: "/r".into(),
            target_dir: "/r/target".into(),
            cargo: "cargo".into(),
            cargo_home: None,
            sysroot: None,
        }
    }

    #[test]
    fn everything_written_stays_under_target() {
        let paths = FuzzPaths::new(&ws());
        assert_eq!(paths.fuzz_dir, Path::new("/r/payload/url-policy/fuzz"));
        assert_eq!(
            paths.seed_corpus,
            Path::new("/r/payload/url-policy/fuzz/corpus/url_policy")
        );
        for written in [
            &paths.build_dir,
            &paths.work_corpus,
            &paths.artifacts,
            &paths.tool_root,
        ] {
            assert!(written.starts_with("/r/target"), "{}", written.display());
        }
        assert_eq!(
            paths.cargo_fuzz(),
            Path::new("/r/target/xtask/cargo-fuzz/bin/cargo-fuzz")
        );
    }

    #[test]
    fn install_is_pinned_and_locked() {
        let ws = ws();
        let command = install_command(&ws, &FuzzPaths::new(&ws));
        assert_eq!(
            command.arg_strings(),
            [
                "install",
                "cargo-fuzz",
                "--locked",
                "--version",
                CARGO_FUZZ_VERSION,
                "--root",
                "/r/target/xtask/cargo-fuzz"
            ]
        );
    }

    #[test]
    fn the_run_reads_the_seeds_writes_under_target_and_is_bounded() {
        let ws = ws();
        let command = run_command(&ws, &FuzzPaths::new(&ws), 1000, None);
        assert_eq!(
            command.arg_strings(),
            [
                "fuzz",
                "run",
                "url_policy",
                "--sanitizer",
                "address",
                "--fuzz-dir",
                "/r/payload/url-policy/fuzz",
                "--target-dir",
                "/r/target/fuzz/build",
                "/r/target/fuzz/corpus/url_policy",
                "/r/payload/url-policy/fuzz/corpus/url_policy",
                "--",
                "-runs=1000",
                "-max_len=512",
                "-timeout=10",
                "-dict=/r/payload/url-policy/fuzz/url_policy.dict",
                "-artifact_prefix=/r/target/fuzz/artifacts/url_policy/",
                "-print_final_stats=1",
            ]
        );
        assert_eq!(
            command.env,
            [("RUSTC_BOOTSTRAP".into(), "1".into())],
            "stable rustc takes -Zsanitizer only with RUSTC_BOOTSTRAP"
        );
    }

    #[test]
    fn a_given_seed_is_passed_to_libfuzzer_last() {
        let ws = ws();
        let command = run_command(&ws, &FuzzPaths::new(&ws), 1000, Some(SUITE_SEED));
        let args = command.arg_strings();
        assert_eq!(args.last().map(String::as_str), Some("-seed=20261130"));
    }

    #[test]
    fn the_report_reads_libfuzzer_stats() {
        let log = "\
INFO: Seed: 3456789012
INFO: Loaded 1 modules   (3000 inline 8-bit counters)
#200000	DONE   cov: 812 ft: 2400 corp: 310/9876b lim: 512 exec/s: 8000 rss: 90Mb
Done 200000 runs in 25 second(s)
stat::number_of_executed_units: 200000
stat::average_exec_per_sec:     8000
stat::new_units_added:          57
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              90
";
        let report = FuzzReport::parse(log);
        assert_eq!(
            report,
            FuzzReport {
                runs: Some(200_000),
                execs_per_sec: Some(8000),
                new_units: Some(57),
                coverage: Some(812),
                seed: Some(3_456_789_012),
                failing_input: None,
            }
        );
        assert_eq!(
            report.summary(200_000),
            "url_policy: 200000 runs (of 200000) at 8000 exec/s, coverage 812, 57 new corpus inputs, seed 3456789012"
        );
    }

    #[test]
    fn the_panic_is_shown_without_its_backtrace() {
        let log = "Running: crash-1\n\
thread '<unnamed>' (30100) panicked at fuzz_targets/url_policy.rs:188:5:\n\
unloggable: \"denied: x\"\n\
stack backtrace:\n   0: __rustc::rust_begin_unwind\n";
        assert_eq!(
            panic_message(log).as_deref(),
            Some("thread '<unnamed>' (30100) panicked at fuzz_targets/url_policy.rs:188:5:\nunloggable: \"denied: x\"")
        );
        assert_eq!(panic_message("==1== ERROR: libFuzzer: out-of-memory"), None);
    }

    #[test]
    fn the_report_names_the_failing_input() {
        let log = "thread '<unnamed>' panicked at fuzz_targets/url_policy.rs:70:5:\n\
==123== ERROR: libFuzzer: deadly signal\n\
artifact_prefix='/r/target/fuzz/artifacts/url_policy/'; Test unit written to /r/target/fuzz/artifacts/url_policy/crash-da39a3ee\n";
        assert_eq!(
            FuzzReport::parse(log).failing_input,
            Some(PathBuf::from(
                "/r/target/fuzz/artifacts/url_policy/crash-da39a3ee"
            ))
        );
    }
}
