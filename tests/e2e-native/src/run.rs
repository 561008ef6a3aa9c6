//! The runner: arguments, the tests in order, libtest-style output.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use sspr_e2e::fake_password_provider;
use sspr_e2e::machine::Machine;
use sspr_e2e::native::{open_package, NativeMachine};
use sspr_e2e::package::Package;
use sspr_e2e::suite::provider::{self, InstalledProvider};
use sspr_e2e::suite::{self, properties, upgrade, Payload};
use sspr_e2e::CLSID;

/// What the tests get.
struct Context {
    machine: NativeMachine,
    package: Package,
    payload: Payload,
    probe: PathBuf,
    /// The previous and next releases (`--previous-msi`, `--next-msi`), for the upgrade tests.
    releases: Option<Releases>,
    /// The x86 package (`--x86-msi`), for its refusal on 64-bit Windows.
    x86: Option<Package>,
}

/// The builds before and after `--msi`, with what their File tables list.
struct Releases {
    previous: (Package, Payload),
    next: (Package, Payload),
}

struct Options {
    msi: PathBuf,
    probe: PathBuf,
    scratch: PathBuf,
    previous_next: Option<(PathBuf, PathBuf)>,
    x86: Option<PathBuf>,
}

const USAGE: &str = "usage: sspr-e2e-native.exe --msi PACKAGE.msi --probe sspr-com-probe.exe \
                     [--scratch DIR] [--previous-msi PREVIOUS.msi --next-msi NEXT.msi] \
                     [--x86-msi X86.msi]";

fn options() -> anyhow::Result<Options> {
    let mut args = std::env::args_os().skip(1);
    let (mut msi, mut probe, mut scratch) = (None, None, None);
    let (mut previous, mut next, mut x86) = (None, None, None);
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
            Some("--previous-msi") => previous = Some(value()?),
            Some("--next-msi") => next = Some(value()?),
            Some("--x86-msi") => x86 = Some(value()?),
            _ => bail!("unknown argument {}; {USAGE}", arg.to_string_lossy()),
        }
    }
    let msi = msi.with_context(|| format!("--msi is missing; {USAGE}"))?;
    let probe = probe.with_context(|| format!("--probe is missing; {USAGE}"))?;
    let previous_next = match (previous, next) {
        (Some(previous), Some(next)) => Some((previous, next)),
        (None, None) => None,
        _ => bail!("--previous-msi and --next-msi go together; {USAGE}"),
    };
    let mut inputs = vec![("--msi", &msi), ("--probe", &probe)];
    if let Some((previous, next)) = &previous_next {
        inputs.extend([("--previous-msi", previous), ("--next-msi", next)]);
    }
    if let Some(x86) = &x86 {
        inputs.push(("--x86-msi", x86));
    }
    for (what, path) in inputs {
        ensure!(path.is_file(), "{what} {} does not exist", path.display());
    }
    let scratch = scratch.unwrap_or_else(|| std::env::temp_dir().join("sspr-e2e-native"));
    Ok(Options {
        msi,
        probe,
        scratch,
        previous_next,
        x86,
    })
}

type Test = fn(&Context) -> anyhow::Result<()>;

/// The tests, in the order they run: each leaves the product uninstalled. [`CLEAN`] runs last.
const TESTS: [(&str, Test); 20] = [
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
        "diag::changes_nothing_and_exits_3_when_collect_cannot_write",
        diag_read_only,
    ),
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
    (
        "provider::fallback_tile_carries_the_link_and_starts_the_reset_host",
        fallback_tile,
    ),
    (
        "provider::disabled_in_settings_or_policy_shows_no_tile_and_no_link",
        kill_switch,
    ),
    ("provider::filter_hides_the_inbox_until_disabled", filter),
    (
        "provider::enable_logging_writes_the_calls_and_never_a_password",
        logging,
    ),
    (
        "properties::disabled_on_the_command_line_lands",
        disabled_property,
    ),
    (
        "properties::invalid_properties_are_refused",
        invalid_properties,
    ),
    (
        "properties::command_line_properties_land_and_upgrades_keep_or_replace_them",
        properties_across_upgrades,
    ),
    ("x86::x86_package_is_refused_on_64bit_windows", x86_refused),
    (
        "url_corpus::the_installed_host_gives_every_corpus_url_its_verdict",
        url_corpus,
    ),
    (
        "upgrade::major_upgrade_leaves_one_product_with_new_version",
        major_upgrade,
    ),
    (
        "upgrade::downgrade_is_refused_with_1603_and_product_untouched",
        downgrade,
    ),
];

/// A test that cannot run with the arguments given: reported `ignored, REASON`, never a pass.
#[derive(Debug)]
struct Ignored(&'static str);

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Ignored {}

/// The shared "installed" check with the payload `open_package` read for `package`.
fn assert_installed_as(
    cx: &Context,
) -> impl Fn(&Package, &suite::Settings) -> anyhow::Result<()> + '_ {
    move |package, settings| {
        let payload = [
            Some((&cx.package, &cx.payload)),
            cx.releases.as_ref().map(|r| (&r.previous.0, &r.previous.1)),
            cx.releases.as_ref().map(|r| (&r.next.0, &r.next.1)),
        ]
        .into_iter()
        .flatten()
        .find(|(known, _)| known.path == package.path)
        .map(|(_, payload)| payload)
        .with_context(|| {
            format!(
                "{} is none of the runner's packages",
                package.path.display()
            )
        })?;
        suite::assert_installed(&cx.machine, package, settings, payload)
    }
}

fn disabled_property(cx: &Context) -> anyhow::Result<()> {
    let installed = assert_installed_as(cx);
    properties::disabled_on_the_command_line_lands(&cx.machine, &cx.package, &installed)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

fn major_upgrade(cx: &Context) -> anyhow::Result<()> {
    let releases = releases(cx)?;
    let installed = assert_installed_as(cx);
    upgrade::major_upgrade_leaves_one_product_with_new_version(
        &cx.machine,
        [&cx.package, &releases.next.0],
        &installed,
    )
}

/// The shared checks only: how a refused install's log ends differs (Windows: `Return value 3`
/// and the refusal's message; Wine, where this runner also runs: `Return value 0`, no message;
/// the Wine suite asserts that deviation). Printed here.
fn downgrade(cx: &Context) -> anyhow::Result<()> {
    let releases = releases(cx)?;
    let installed = assert_installed_as(cx);
    let log = upgrade::downgrade_is_refused_with_1603_and_product_untouched(
        &cx.machine,
        [&cx.package, &releases.next.0],
        &installed,
    )?;
    println!(
        "[sspr-e2e-native] refused downgrade: final return value {:?}, message logged: {}",
        log.final_return_value(),
        log.contains(upgrade::NEWER_INSTALLED)
    );
    cx.machine.uninstall(&releases.next.0)?;
    suite::assert_not_installed(&cx.machine)
}

/// The shared checks only: on Windows the refusing condition's message is in the log, under
/// Wine (where this runner also runs) it is not; the Wine suite asserts that deviation. The
/// shared check already fails on any other condition's message.
fn invalid_properties(cx: &Context) -> anyhow::Result<()> {
    properties::invalid_properties_are_refused(&cx.machine, &cx.package, &|message, shown| {
        println!(
            "[sspr-e2e-native] refused; {message:?} logged {} time(s)",
            shown.len()
        );
        Ok(())
    })?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

/// The releases before and after `--msi`, or the reason the test is ignored.
fn releases(cx: &Context) -> anyhow::Result<&Releases> {
    cx.releases
        .as_ref()
        .ok_or_else(|| Ignored("needs --previous-msi and --next-msi (three builds)").into())
}

/// The upgrade to `next` leaves `next` installed: uninstalled here.
fn properties_across_upgrades(cx: &Context) -> anyhow::Result<()> {
    let releases = releases(cx)?;
    let installed = assert_installed_as(cx);
    properties::command_line_properties_land_and_upgrades_keep_or_replace_them(
        &cx.machine,
        [&releases.previous.0, &cx.package, &releases.next.0],
        &installed,
    )?;
    cx.machine.uninstall(&releases.next.0)?;
    suite::assert_not_installed(&cx.machine)
}

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

/// Runs `test` with a password provider to wrap: Windows' own where it is registered; the
/// probe package's stand-in where it is not (Wine), registered for this test only and said so.
fn with_password_provider(
    cx: &Context,
    test: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
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
    // A failed assertion panics: the stand-in goes first, then the panic goes on to `run_one`.
    let result = catch_unwind(AssertUnwindSafe(test));
    if let Some(fake) = fake {
        fake_password_provider::unregister_on(&cx.machine, fake)?;
    }
    result.unwrap_or_else(|panic| resume_unwind(panic))
}

fn wrapping(cx: &Context) -> anyhow::Result<()> {
    with_password_provider(cx, || {
        suite::wrapping_appends_the_link_and_the_filter_hides_the_inbox(
            &cx.machine,
            &cx.package,
            &cx.probe,
        )
    })
}

/// The package installed with `properties` and the probe in the reset host's place, `test`
/// run on it, then uninstalled: nothing left.
fn on_installed_provider(
    cx: &Context,
    properties: &[(&str, &str)],
    test: impl FnOnce(&InstalledProvider<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let installed = InstalledProvider::install(&cx.machine, &cx.package, properties, &cx.probe)?;
    test(&installed)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

/// Only where no password provider is registered (under Wine); Windows has its own.
fn fallback_tile(cx: &Context) -> anyhow::Result<()> {
    if suite::inbox_password_provider(&cx.machine)?.is_some() {
        return Err(Ignored(
            "Windows' own password provider is registered: the fallback tile shows only without \
             one (the Wine suite and this runner under Wine check it)",
        )
        .into());
    }
    on_installed_provider(cx, &[], |installed| {
        provider::fallback_tile_carries_the_link_and_starts_the_reset_host(installed)
    })
}

fn kill_switch(cx: &Context) -> anyhow::Result<()> {
    with_password_provider(cx, || {
        on_installed_provider(cx, &[], |installed| {
            provider::disabled_in_settings_or_policy_shows_no_tile_and_no_link(installed).map(drop)
        })
    })
}

fn filter(cx: &Context) -> anyhow::Result<()> {
    with_password_provider(cx, || {
        on_installed_provider(cx, &[], provider::filter_hides_the_inbox_until_disabled)
    })
}

/// The log folder is removed whatever the outcome (it is outside the product's folders, so an
/// uninstall leaves it).
fn logging(cx: &Context) -> anyhow::Result<()> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        with_password_provider(cx, || {
            on_installed_provider(cx, &[("ENABLELOGGING", "1")], |installed| {
                provider::enable_logging_writes_the_calls_and_never_a_password(installed)?;
                provider::no_logging_writes_nothing(installed).map(drop)
            })
        })
    }));
    let folder = cx.machine.host_path(provider::LOG_FOLDER)?;
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("removing {}", folder.display()))?;
    }
    result.unwrap_or_else(|panic| resume_unwind(panic))
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

/// The shared checks; what the log shows of the refusal is printed (see
/// [`invalid_properties`]).
fn x86_refused(cx: &Context) -> anyhow::Result<()> {
    let Some(x86) = &cx.x86 else {
        return Err(Ignored("needs --x86-msi (the x86 package)").into());
    };
    properties::x86_package_is_refused_on_64bit_windows(&cx.machine, x86, &|message, shown| {
        println!(
            "[sspr-e2e-native] x86 refused; {message:?} logged {} time(s)",
            shown.len()
        );
        Ok(())
    })
}

fn url_corpus(cx: &Context) -> anyhow::Result<()> {
    cx.machine.install(&cx.package, &[])?;
    let dir = suite::install_dir(&cx.machine)?;
    let host = format!(r"{}\{}", dir.windows, sspr_identity::RESET_HOST_EXE);
    let (allowed, denied) =
        suite::url_corpus::the_installed_host_gives_every_corpus_url_its_verdict(
            &cx.machine,
            &host,
        )?;
    println!("[sspr-e2e-native] url_corpus: {allowed} allowed and {denied} denied as expected");
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

fn diag_read_only(cx: &Context) -> anyhow::Result<()> {
    cx.machine.install(&cx.package, &[])?;
    let dir = suite::install_dir(&cx.machine)?;
    let diag = format!(r"{}\{}", dir.windows, sspr_identity::DIAG_EXE);
    sspr_e2e::diag::changes_nothing_and_exits_3_when_collect_cannot_write(&cx.machine, &diag)?;
    cx.machine.uninstall(&cx.package)?;
    suite::assert_not_installed(&cx.machine)
}

/// After a failed test: the product uninstalled if the test left it installed (whichever of the
/// runner's packages that is), so the next test starts from a clean machine; says so in the
/// failure.
fn restore(cx: &Context, mut failure: String) -> String {
    let arp = suite::arp_entries(&cx.machine, &suite::ARP_IDENTITY).unwrap_or_default();
    let installed =
        suite::install_dir(&cx.machine).is_ok_and(|dir| dir.host.exists()) || !arp.is_empty();
    if installed {
        let package = cx
            .releases
            .iter()
            .flat_map(|r| [&r.previous.0, &r.next.0])
            .find(|package| arp.contains_key(&package.product_code))
            .unwrap_or(&cx.package);
        let outcome = match cx.machine.uninstall(package) {
            Ok(_) => "uninstalled the product it left behind".to_owned(),
            Err(error) => format!("could not uninstall the product it left behind: {error:#}"),
        };
        failure.push_str(&format!("\n(after the failure: {outcome})"));
    }
    failure
}

/// How one test ended.
enum Outcome {
    Passed,
    Ignored(&'static str),
    Failed(String),
}

/// Runs one test, catching a failed assertion's panic; after a failure the machine is
/// [`restore`]d.
fn run_one(test: Test, cx: &Context) -> Outcome {
    let failure = match catch_unwind(AssertUnwindSafe(|| test(cx))) {
        Ok(Ok(())) => return Outcome::Passed,
        Ok(Err(error)) => match error.downcast_ref::<Ignored>() {
            Some(Ignored(reason)) => return Outcome::Ignored(reason),
            None => format!("{error:#}"),
        },
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".to_owned()),
    };
    Outcome::Failed(restore(cx, failure))
}

fn context(options: &Options) -> anyhow::Result<Context> {
    let machine = NativeMachine::new(&options.scratch)?;
    let (package, payload) = open_package(&options.msi)?;
    let releases = match &options.previous_next {
        Some((previous, next)) => Some(Releases {
            previous: open_package(previous)?,
            next: open_package(next)?,
        }),
        None => None,
    };
    Ok(Context {
        machine,
        package,
        payload,
        probe: options.probe.clone(),
        releases,
        x86: match &options.x86 {
            Some(path) => Some(open_package(path)?.0),
            None => None,
        },
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
    let mut ignored = 0;
    let results = TESTS
        .iter()
        .map(|(name, test)| (*name, run_one(*test, &cx)))
        .collect::<Vec<_>>()
        .into_iter()
        .chain([(
            CLEAN,
            match clean_after_the_run(&cx, &before) {
                Ok(()) => Outcome::Passed,
                Err(message) => Outcome::Failed(message),
            },
        )]);
    for (name, outcome) in results {
        match outcome {
            Outcome::Passed => println!("test {name} ... ok"),
            Outcome::Ignored(reason) => {
                println!("test {name} ... ignored, {reason}");
                ignored += 1;
            }
            Outcome::Failed(message) => {
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
    let passed = total - failures.len() - ignored;
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
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
