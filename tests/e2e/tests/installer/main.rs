//! The installer end-to-end suite: each promise of `SsprWindowsLogon.PROD.msi`, proved under Wine.
//!
//! Run by `cargo xtask test`, which builds the MSIs (three versions, two arches) and the COM
//! probe first and passes them in `SSPR_E2E_*` (see `sspr_e2e::config`). A custom harness
//! (`libtest-mimic`, same command line and output as libtest) so the run can delete its Wine
//! template after the last test and print its whole duration. Every trial is ignored unless
//! `--include-ignored` (or `--ignored`) is given, like the suite's other ignored tests.

mod common;
mod cycles;
mod install;
mod log;
mod properties;
mod provider;
mod repair;
mod reset_faults;
mod reset_host;
mod reset_window;
mod reset_window_com;
mod sandbox_paths;
mod uninstall;
mod upgrade;
mod url_corpus;
mod x86;

use std::process::ExitCode;
use std::time::Instant;

use libtest_mimic::{Arguments, Failed, Trial};

/// Two prefixes at a time: each msiexec keeps a wineserver and a client busy, and the suite's
/// machines have two cores. Measured on two loaded cores: 1 thread 151 s, 2 threads 95 s,
/// 3 threads 87 s; beyond two, prefixes only queue on the CPU and copies compete for the disk.
const DEFAULT_TEST_THREADS: usize = 2;

/// Runs one test, prints how long it took, and turns its error into libtest-mimic's failure.
fn timed<T>(name: &str, test: impl FnOnce() -> anyhow::Result<T>) -> Result<T, Failed> {
    let started = Instant::now();
    let result = test();
    eprintln!(
        "[sspr-e2e] {name} took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result.map_err(|error| Failed::from(format!("{error:#}")))
}

/// A test function as a trial named by its module path, e.g. `upgrade::major_upgrade_...`.
macro_rules! trial {
    ($module:ident :: $test:ident) => {
        Trial::test(
            concat!(stringify!($module), "::", stringify!($test)),
            || {
                timed(
                    concat!(stringify!($module), "::", stringify!($test)),
                    $module::$test,
                )
            },
        )
    };
}

/// A test that may report itself skipped (`Completion::Ignored` with its reason): libtest-mimic
/// prints `ignored (reason)` and counts it as ignored, not passed.
macro_rules! skippable_trial {
    ($module:ident :: $test:ident) => {
        Trial::ignorable_test(
            concat!(stringify!($module), "::", stringify!($test)),
            || {
                timed(
                    concat!(stringify!($module), "::", stringify!($test)),
                    $module::$test,
                )
            },
        )
    };
}

/// Why every trial is ignored by plain `cargo test`; `cargo xtask test` runs them.
const IGNORED_BECAUSE: &str =
    "needs the MSIs, the COM probe and Wine that cargo xtask test provides: run cargo xtask test";

/// Longest first: libtest-mimic starts trials in this order, so the twenty cycles do not end
/// up running alone at the tail of the run.
fn trials() -> Vec<Trial> {
    vec![
        trial!(cycles::twenty_install_uninstall_cycles_leave_nothing),
        trial!(properties::command_line_properties_land_and_upgrades_keep_or_replace_them),
        trial!(uninstall::silent_uninstall_leaves_nothing),
        trial!(upgrade::downgrade_is_refused_with_1603_and_product_untouched),
        trial!(upgrade::major_upgrade_leaves_one_product_with_new_version),
        trial!(x86::x86_package_is_refused_in_64bit_prefix),
        skippable_trial!(x86::x86_package_installs_cleanly_in_32bit_prefix),
        trial!(x86::x86_package_carries_32bit_binaries_for_program_files),
        trial!(provider::a_panic_in_any_method_answers_e_unexpected_and_the_caller_lives_on),
        trial!(provider::filter_hides_the_inbox_provider_only_while_wrapping_works),
        trial!(provider::disabled_in_settings_or_policy_shows_no_tile_and_no_link),
        trial!(repair::reinstall_all_restores_deleted_dll_and_inprocserver32),
        trial!(provider::wrapping_adds_the_link_to_each_password_tile_and_passes_everything_on),
        trial!(provider::enable_logging_writes_the_calls_and_never_a_password),
        trial!(provider::fallback_tile_carries_the_link_and_starts_the_reset_host),
        trial!(reset_host::the_link_starts_the_host_sandboxed_and_the_host_reports_token_and_job),
        trial!(reset_host::self_test_prints_token_job_policy_and_url_as_json),
        trial!(reset_host::check_url_allows_the_portal_and_denies_the_tricky_cases),
        trial!(reset_host::the_host_refuses_to_run_with_a_full_token),
        trial!(reset_faults::a_failed_launch_step_starts_nothing_and_answers_an_error),
        trial!(sandbox_paths::a_log_file_with_two_links_is_not_written),
        trial!(sandbox_paths::a_user_writable_host_folder_is_refused),
        trial!(sandbox_paths::an_install_folder_outside_program_files_is_refused),
        trial!(sandbox_paths::an_existing_collect_folder_is_refused_and_nothing_is_written),
        trial!(url_corpus::the_installed_host_gives_every_corpus_url_its_verdict),
        trial!(reset_window::blocked_keys_and_dialogs_are_refused),
        trial!(reset_window_com::the_window_s_com_objects_answer_as_the_lock_down_says),
        trial!(reset_window_com::the_host_s_gate_refuses_other_hosts_new_windows_downloads_and_the_context_menu),
        trial!(reset_window_com::a_window_from_another_thread_closes_the_reset_window),
        trial!(reset_window::the_window_closes_when_idle),
        trial!(reset_window::input_resets_the_idle_time),
        trial!(reset_window::the_window_is_owned_by_the_given_window_and_esc_closes_it),
        trial!(reset_window::the_window_closes_when_its_owner_is_destroyed),
        trial!(install::probe_creates_provider_through_com_from_install_path),
        trial!(install::silent_install_lays_down_files_and_registry_in_64bit_view),
        trial!(uninstall::uninstall_of_absent_product_returns_0_under_wine),
        trial!(properties::invalid_enablelogging_is_refused),
        trial!(properties::disabled_on_the_command_line_lands),
        trial!(log::verbose_log_ends_with_return_value_1),
    ]
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_TEST_THREADS);
    }
    if !args.ignored && !args.include_ignored && !args.list {
        println!("sspr-e2e: every installer trial is ignored: {IGNORED_BECAUSE}");
    }
    let started = Instant::now();
    let conclusion = libtest_mimic::run(
        &args,
        trials()
            .into_iter()
            .map(|trial| trial.with_ignored_flag(true))
            .collect(),
    );
    if !args.list {
        sspr_e2e::wine::teardown();
        println!(
            "sspr-e2e: whole suite took {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    conclusion.exit_code()
}
