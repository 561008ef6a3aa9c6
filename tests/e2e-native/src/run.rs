//! The runner: arguments, the tests in order, libtest-style output.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use sspr_e2e::fake_password_provider;
use sspr_e2e::machine::Machine;
use sspr_e2e::native::{open_package, NativeMachine};
use sspr_e2e::package::Package;
use sspr_e2e::suite::{self, Payload};
use sspr_e2e::CLSID;

/// What the tests get.
struct Context {
    machine: NativeMachine,
    package: Package,
    payload: Payload,
    probe: PathBuf,
}

struct Options {
    msi: PathBuf,
    probe: PathBuf,
    scratch: PathBuf,
}

const USAGE: &str =
    "usage: sspr-e2e-native.exe --msi PACKAGE.msi --probe sspr-com-probe.exe [--scratch DIR]";

fn options() -> anyhow::Result<Options> {
    let mut args = std::env::args_os().skip(1);
    let (mut msi, mut probe, mut scratch) = (None, None, None);
    while let Some(arg) = args.next() {
        let mut value = || -> anyhow::Result<PathBuf> {
            Ok(PathBuf::from(args.next().with_context(|| {
                format!("{} needs a value; {USAGE}", arg.to_string_lossy())
            })?))
        };
        match arg.to_str() {
            Some("--msi") => msi = Some(value()?),
            Some("--probe") => probe = Some(value()?),
            Some("--scratch") => scratch = Some(value()?),
            _ => bail!("unknown argument {}; {USAGE}", arg.to_string_lossy()),
        }
    }
    let msi = msi.with_context(|| format!("--msi is missing; {USAGE}"))?;
    let probe = probe.with_context(|| format!("--probe is missing; {USAGE}"))?;
    for (what, path) in [("--msi", &msi), ("--probe", &probe)] {
        ensure!(path.is_file(), "{what} {} does not exist", path.display());
    }
    let scratch = scratch.unwrap_or_else(|| std::env::temp_dir().join("sspr-e2e-native"));
    Ok(Options {
        msi,
        probe,
        scratch,
    })
}

type Test = fn(&Context) -> anyhow::Result<()>;

/// The tests, in the order they run: each leaves the product uninstalled. [`CLEAN`] runs last.
const TESTS: [(&str, Test); 8] = [
    (
        "install::silent_install_lays_down_files_and_registry",
        silent_install,
    ),
    (
        "install::probe_creates_provider_through_com",
        probe_activation,
    ),
    ("diag::reports_the_installed_registration", diag_report),
    (
        "provider::wrapping_appends_the_link_and_the_filter_hides_the_inbox",
        wrapping,
    ),
    (
        "uninstall::silent_uninstall_leaves_nothing",
        silent_uninstall,
    ),
    (
        "repair::reinstall_all_restores_deleted_dll_and_inprocserver32",
        repair,
    ),
    ("log::verbose_log_records_the_install", verbose_log),
    ("cycles::install_uninstall_cycles_leave_nothing", cycles),
];

/// Cycles natively: three (the Wine suite runs twenty; each costs a real install here).
const CYCLES: usize = 3;

fn repair(cx: &Context) -> anyhow::Result<()> {
    suite::install_and_damage(&cx.machine, &cx.package)?;
    suite::reinstall_all_restores(&cx.machine, &cx.package, &cx.payload, &cx.probe)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

fn verbose_log(cx: &Context) -> anyhow::Result<()> {
    suite::verbose_log_records_the_install(&cx.machine, &cx.package)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

fn cycles(cx: &Context) -> anyhow::Result<()> {
    suite::install_uninstall_cycles_leave_nothing(&cx.machine, &cx.package, CYCLES)
}

/// The last test: the machine as it was before the first.
const CLEAN: &str = "machine::clean_after_the_run";

fn silent_install(cx: &Context) -> anyhow::Result<()> {
    suite::silent_install(&cx.machine, &cx.package, &cx.payload)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

fn probe_activation(cx: &Context) -> anyhow::Result<()> {
    suite::probe_creates_provider_through_com(&cx.machine, &cx.package, &cx.probe)
}

fn silent_uninstall(cx: &Context) -> anyhow::Result<()> {
    suite::silent_uninstall_leaves_nothing(&cx.machine, &cx.package, &cx.payload)
}

/// Windows' own password provider where it is registered; the probe package's stand-in where
/// it is not (Wine), registered for this test only and said so.
fn wrapping(cx: &Context) -> anyhow::Result<()> {
    let inbox = suite::inbox_password_provider(&cx.machine)?;
    match &inbox {
        Some(dll) => println!("[sspr-e2e-native] wrapping Windows' own password provider ({dll})"),
        None => println!(
            "[sspr-e2e-native] no password provider at {} (Wine has none): wrapping the probe \
             package's stand-in ({})",
            sspr_identity::PASSWORD_PROVIDER_CLSID,
            fake_password_provider::FAKE_DLL
        ),
    }
    let fake = match inbox {
        Some(_) => None,
        None => Some(fake_password_provider::register_on(&cx.machine, &cx.probe)?),
    };
    let result = suite::wrapping_appends_the_link_and_the_filter_hides_the_inbox(
        &cx.machine,
        &cx.package,
        &cx.probe,
    );
    if let Some(fake) = fake {
        fake_password_provider::unregister_on(&cx.machine, fake)?;
    }
    result
}

/// The installed SsprDiag.exe's `--json` report: the registration checks pass and name the
/// installed DLL; the report's exit code is the process's.
fn diag_report(cx: &Context) -> anyhow::Result<()> {
    cx.machine.install(&cx.package, &[])?;
    let dir = suite::install_dir(&cx.machine)?;
    let diag = format!(r"{}\{}", dir.windows, sspr_identity::DIAG_EXE);
    let dll = format!(r"{}\{}", dir.windows, sspr_identity::PROVIDER_DLL);
    let run = sspr_e2e::diag::run(&cx.machine, &diag, &[])?;
    for id in [
        "package.architecture",
        "registration.com-class",
        "registration.provider",
    ] {
        assert_eq!(run.text(id, "status")?, "pass", "{id}: {}", run.stdout);
    }
    assert_eq!(
        run.text("registration.com-class", "summary")?,
        format!("{CLSID} -> {dll}, ThreadingModel Apartment")
    );
    assert_eq!(
        run.lines("registration.com-class", "found")?[2],
        format!("{dll}: x64 DLL, exports DllCanUnloadNow, DllGetClassObject, DllMain")
    );
    assert_eq!(run.header("diag_arch"), Some("x64"));
    // Whatever the machine's other findings, the exit code is the one the report states.
    run.exit_code();
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

/// After a failed test: the product uninstalled if the test left it installed, so the next
/// test starts from a clean machine; says so in the failure.
fn restore(cx: &Context, mut failure: String) -> String {
    let installed = suite::install_dir(&cx.machine).is_ok_and(|dir| dir.host.exists())
        || suite::arp_entries(&cx.machine, &suite::ARP_IDENTITY).is_ok_and(|arp| !arp.is_empty());
    if installed {
        let outcome = match cx.machine.uninstall(&cx.package) {
            Ok(_) => "uninstalled the product it left behind".to_owned(),
            Err(error) => format!("could not uninstall the product it left behind: {error:#}"),
        };
        failure.push_str(&format!("\n(after the failure: {outcome})"));
    }
    failure
}

/// Runs one test, catching a failed assertion's panic; `Err(message)` on failure.
fn run_one(test: Test, cx: &Context) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| test(cx))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("{error:#}")),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".to_owned())),
    }
}

fn context(options: &Options) -> anyhow::Result<Context> {
    let machine = NativeMachine::new(&options.scratch)?;
    let (package, payload) = open_package(&options.msi)?;
    Ok(Context {
        machine,
        package,
        payload,
        probe: options.probe.clone(),
    })
}

fn scratch_is_outside(scratch: &Path, machine: &dyn Machine) -> anyhow::Result<()> {
    let program_files = machine.program_files().to_ascii_lowercase();
    let scratch_text = machine.windows_path(scratch)?.to_ascii_lowercase();
    ensure!(
        !scratch_text.starts_with(&program_files),
        "--scratch {} is under Program Files, which the snapshots cover",
        scratch.display()
    );
    Ok(())
}

pub fn main() -> ExitCode {
    let started = Instant::now();
    let setup = options().and_then(|options| {
        let cx = context(&options)?;
        scratch_is_outside(&options.scratch, &cx.machine)?;
        Ok(cx)
    });
    let cx = match setup {
        Ok(cx) => cx,
        Err(error) => {
            eprintln!("sspr-e2e-native: {error:#}");
            return ExitCode::from(2);
        }
    };
    println!(
        "[sspr-e2e-native] {} on {}, Windows {}",
        cx.package.path.display(),
        cx.machine.describe(),
        cx.machine
            .windows_version()
            .unwrap_or_else(|error| format!("unknown ({error:#})"))
    );
    let total = TESTS.len() + 1;
    println!("\nrunning {total} tests");
    let before = cx.machine.snapshot();
    let mut failures = Vec::new();
    let results = TESTS
        .iter()
        .map(|(name, test)| {
            (
                *name,
                run_one(*test, &cx).map_err(|error| restore(&cx, error)),
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain([(CLEAN, clean_after_the_run(&cx, &before))]);
    for (name, result) in results {
        match result {
            Ok(()) => println!("test {name} ... ok"),
            Err(message) => {
                println!("test {name} ... FAILED");
                failures.push((name, message));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, message) in &failures {
            println!("\n---- {name} ----\n{message}");
        }
    }
    let passed = total - failures.len();
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The snapshot after every test equals the one before the first: the run left nothing.
fn clean_after_the_run(
    cx: &Context,
    before: &anyhow::Result<sspr_e2e::snapshot::MachineSnapshot>,
) -> Result<(), String> {
    let before = before.as_ref().map_err(|error| format!("{error:#}"))?;
    let after = cx
        .machine
        .snapshot()
        .map_err(|error| format!("{error:#}"))?;
    let diff = cx.machine.diff(before, &after);
    if diff.is_empty() {
        Ok(())
    } else {
        Err(format!("the run left changes behind:\n{diff}"))
    }
}
