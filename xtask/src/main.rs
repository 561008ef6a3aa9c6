//! `cargo xtask`: the project's build tasks. This file only parses the command line and
//! dispatches; each verb lives in its own module.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use xtask::arch::ArchChoice;
use xtask::version::ProductVersion;
use xtask::wix::Backend;
use xtask::workspace::Workspace;
use xtask::{
    bench, deny, dist, fuzz, msi_diff, sign, test_suite, validate, verify_release, verify_repro,
    windows_clippy,
};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "SsprWindowsLogon build tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the payload for Windows 7+ and the MSIs, zips, checksums and manifest.
    Dist(Box<DistArgs>),
    /// Run every test: unit tests, then the end-to-end installer suite under Wine.
    Test(TestArgs),
    /// Build the committed tree twice in two folders and compare every artifact byte for byte.
    VerifyRepro(Box<VerifyReproArgs>),
    /// Rebuild a published release from its commit and check it is that build: every file
    /// byte for byte once the release's signatures are grafted onto the rebuild.
    VerifyRelease(VerifyReleaseArgs),
    /// Measure build time, artifact size and activation latency against their floors.
    Bench(BenchArgs),
    /// The supply-chain gate: cargo-deny with deny.toml (advisories only with a local database).
    Deny(DenyArgs),
    /// Fuzz the navigation policy (payload/url-policy) for a bounded number of runs.
    Fuzz(FuzzArgs),
    /// Clippy with -D warnings for both Windows 7 targets over every crate built for Windows.
    ClippyWindows,
    /// Run the ICE rules (Orca's validation, on Linux) and the project's own on MSIs.
    ValidateMsi(ValidateMsiArgs),
    /// Compare two MSIs table by table; exit 1 when they differ beyond the allow-list.
    MsiDiff(MsiDiffArgs),
    /// Build the native end-to-end runner and run it against an x64 MSI: on Windows directly
    /// (elevated), elsewhere inside a fresh Wine prefix.
    E2eNative(E2eNativeArgs),
}

#[derive(Debug, clap::Args)]
struct E2eNativeArgs {
    /// The x64 package (default: target/dist/x64/SsprWindowsLogon.PROD.msi, from `dist --arch x64`).
    #[arg(long)]
    msi: Option<PathBuf>,
    /// The release before `--msi` (x64), for the upgrade tests; with `--next-msi`.
    #[arg(long, requires = "next_msi")]
    previous_msi: Option<PathBuf>,
    /// The release after `--msi` (x64), for the upgrade tests; with `--previous-msi`.
    #[arg(long, requires = "previous_msi")]
    next_msi: Option<PathBuf>,
    /// The x86 package, for its refusal on 64-bit Windows.
    #[arg(long)]
    x86_msi: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ValidateMsiArgs {
    /// The MSIs to validate.
    paths: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// The allow-list of accepted warnings (default: xtask/ice-allow.txt of the workspace).
    #[arg(long)]
    allow: Option<PathBuf>,
    /// WiX sources to compare Feature attributes with (default: the workspace's wix/;
    /// `--no-sources` skips that rule, for packages built from other sources).
    #[arg(long)]
    sources: Option<PathBuf>,
    /// Skip rule SSPR02 (Feature attributes as the sources author them).
    #[arg(long, conflicts_with = "sources")]
    no_sources: bool,
    /// List the rules and what each checks, then exit.
    #[arg(long)]
    list: bool,
}

#[derive(Debug, clap::Args)]
struct MsiDiffArgs {
    a: PathBuf,
    b: PathBuf,
    /// Accepted differences, one `subject  reason` per line (e.g. xtask/msi-diff-wix.txt).
    #[arg(long)]
    allow: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct FuzzArgs {
    /// Where libFuzzer's random generator starts, to repeat a run (default: a new start each
    /// run; the report prints it).
    #[arg(long)]
    random_seed: Option<u64>,
    /// Inputs to try before stopping.
    #[arg(long, default_value_t = fuzz::SUITE_RUNS, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// Do not install missing prerequisites (cargo-fuzz, a C++ compiler); stop and name them.
    #[arg(long)]
    no_setup: bool,
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Runs of each fast figure (no-change rebuild, activation).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Runs of the clean build (minutes each; 0 skips it).
    #[arg(long, default_value_t = 2)]
    clean_runs: usize,
    /// Activations per activation run.
    #[arg(long, default_value_t = 2000)]
    iterations: usize,
}

#[derive(Debug, clap::Args)]
struct VerifyReproArgs {
    /// Then change one byte of the provider's source and check that the MSIs change.
    #[arg(long)]
    mutate: bool,
    #[command(flatten)]
    signing: sign::SigningArgs,
}

#[derive(Debug, clap::Args)]
struct DenyArgs {
    /// The workspace to check (default: this one).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct VerifyReleaseArgs {
    /// The release's files as published (SHA256SUMS, dist-manifest.json, the zips, SBOMs and
    /// MSIs, named SsprWindowsLogon.PROD.<arch>.msi), or a dist folder.
    dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct DistArgs {
    /// Which architectures to build.
    #[arg(long, value_enum, default_value = "all")]
    arch: ArchChoice,
    /// The package version (default: the workspace version). major.minor.patch, no pre-release.
    #[arg(long)]
    version: Option<String>,
    /// Where the artifacts go (default: target/dist).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Print the plan and exit without building anything.
    #[arg(long)]
    dry_run: bool,
    /// Do not install missing prerequisites; stop and name them instead.
    #[arg(long)]
    no_setup: bool,
    /// The WiX compiler: wixl (Linux) or the WiX Toolset via cargo-wix (Windows).
    #[arg(long, value_enum, default_value = "wixl")]
    backend: Backend,
    /// The help link Add/Remove Programs shows (ARPHELPLINK); none unless given.
    #[arg(long)]
    help_url: Option<String>,
    #[command(flatten)]
    signing: sign::SigningArgs,
    /// Instead of signing, attach the signatures of this signed build (a dist folder with each
    /// MSI's payload extracted beside it): what verify-release and verify-repro rebuild with.
    #[arg(long, value_name = "DIR", conflicts_with = "sign")]
    graft_signatures: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct TestArgs {
    /// Do not install missing prerequisites; stop and name them instead.
    #[arg(long)]
    no_setup: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Dist(args) => dist_options(*args).and_then(|options| dist::run(&options).map(drop)),
        Task::Test(args) => test_suite::run(!args.no_setup),
        Task::Bench(args) => bench::run(&bench::BenchOptions {
            runs: args.runs,
            clean_runs: args.clean_runs,
            iterations: args.iterations,
        }),
        Task::VerifyRepro(args) => verify_repro::run(&args.signing.to_args(), args.mutate),
        Task::VerifyRelease(args) => verify_release::run(&args.dir),
        Task::Deny(args) => {
            let ws = Workspace::locate();
            deny::run(
                &ws.cargo,
                args.workspace.as_deref().unwrap_or(&ws.root),
                ws.cargo_home.as_deref(),
            )
        }
        Task::Fuzz(args) => fuzz::run(
            &Workspace::locate(),
            &fuzz::FuzzOptions {
                runs: args.runs,
                setup: !args.no_setup,
                random_seed: args.random_seed,
            },
        )
        .map(drop),
        Task::ClippyWindows => windows_clippy::run(&Workspace::locate()),
        Task::ValidateMsi(args) => return validate_msi(args),
        Task::E2eNative(args) => xtask::e2e_native::run_task(
            args.msi,
            xtask::e2e_native::Others {
                previous_next: args.previous_msi.zip(args.next_msi),
                x86: args.x86_msi,
            },
        ),
        Task::MsiDiff(args) => match msi_diff::run(&args.a, &args.b, args.allow.as_deref()) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(error) => {
                eprintln!("error: {error:#}");
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn validate_msi(args: ValidateMsiArgs) -> ExitCode {
    if args.list {
        print!("{}", validate::rule_list());
        return ExitCode::SUCCESS;
    }
    let ws = Workspace::locate();
    let options = validate::CliOptions {
        paths: args.paths,
        json: args.json,
        allow: args
            .allow
            .unwrap_or_else(|| ws.root.join(validate::allow::ALLOW_FILE)),
        sources: if args.no_sources {
            None
        } else {
            Some(args.sources.unwrap_or_else(|| ws.wix_dir()))
        },
    };
    match validate::run_cli(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            // 2: the validator could not run, as opposed to 1: the package has errors.
            ExitCode::from(2)
        }
    }
}

fn dist_options(args: DistArgs) -> anyhow::Result<dist::DistOptions> {
    let text = args
        .version
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned());
    let version = ProductVersion::parse(&text).map_err(|e| anyhow::anyhow!("--version: {e}"))?;
    let out_dir = args
        .out_dir
        .unwrap_or_else(|| Workspace::locate().default_dist_dir());
    let out_dir = if out_dir.is_absolute() {
        out_dir
    } else {
        std::env::current_dir()?.join(out_dir)
    };
    Ok(dist::DistOptions {
        arches: args.arch.arches(),
        version,
        out_dir,
        dry_run: args.dry_run,
        setup: !args.no_setup,
        backend: args.backend,
        signing: args.signing.into_config()?,
        help_url: args.help_url,
        graft: args.graft_signatures,
    })
}
