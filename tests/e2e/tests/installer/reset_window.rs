//! The reset window under Wine (tests/host-owner): owned by the window that started it, closed
//! by Esc, by the idle timeout and by its owner going away, with the lock-down's key filter and
//! dialog guard in place.
//!
//! The real host refuses to run outside its sandbox, which Wine cannot prove (see
//! `reset_host.rs`), so these tests drive the same window code through `sspr-window-probe`, a
//! test program around `sspr_reset_host::window::run` with the host's own gate and the policy
//! planned from the prefix's settings, started by `sspr-host-owner`, which plays LogonUI's
//! part: it creates the owner window and passes it as `--parent-window`.
//!
//! Wine deviations: Wine has no display here, so the prefix uses its null display driver
//! (`HKCU\Software\Wine\Drivers\Graphics=null`); without a Gecko engine no page renders (the
//! first navigation reaches the gate, then fails with `NavigateError`); Wine does not destroy a
//! window whose cross-process owner is destroyed, so `OwnerClosed` comes from the window's own
//! `IsWindow` poll, as the window is built to do anyway.

use anyhow::Context as _;
use sspr_e2e::machine::Machine as _;
use sspr_e2e::probe::ProbeReport;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::{windows_path, WinePrefix};

use crate::common::{self, TestResult};

/// A prefix with Wine's null display driver, and the two programs' Windows paths.
fn prefix(name: &str) -> anyhow::Result<(WinePrefix, String, String)> {
    let prefix = common::prefix64(name)?;
    prefix.reg_add(
        r"HKCU\Software\Wine\Drivers",
        "Graphics",
        &RegValue::Sz("null".into()),
        RegView::Bits64,
    )?;
    // The desktop process the warm-up started keeps the driver it loaded: start over.
    prefix.restart()?;
    let (owner, probe) = common::config()?.window_tools()?;
    Ok((prefix, windows_path(&owner)?, windows_path(&probe)?))
}

/// Runs the owner with `owner_args`, the window probe with `probe_args`; returns the combined
/// report (both print `key=value` lines) and the raw output.
pub(crate) fn run(
    name: &str,
    owner_args: &[&str],
    probe_args: &[&str],
) -> anyhow::Result<(ProbeReport, String)> {
    let (prefix, owner, probe) = prefix(name)?;
    let mut args = vec![owner, probe];
    args.extend(owner_args.iter().map(|a| (*a).to_owned()));
    args.push("--".to_owned());
    args.extend(probe_args.iter().map(|a| (*a).to_owned()));
    let finished = prefix.wine(&args)?;
    let text = format!("{}\n{}", finished.stdout, finished.stderr);
    anyhow::ensure!(
        finished.status.success(),
        "sspr-host-owner failed with {}:\n{text}",
        finished.status
    );
    Ok((ProbeReport::parse(&finished.stdout), text))
}

pub(crate) fn expect(report: &ProbeReport, text: &str, pairs: &[(&str, &str)]) -> TestResult {
    for (key, value) in pairs {
        let found = report
            .get(key)
            .with_context(|| format!("no {key} in:\n{text}"))?;
        anyhow::ensure!(found == *value, "{key}={found}, expected {value}:\n{text}");
    }
    Ok(())
}

/// The window appears owned by the owner's window, visible, and Esc closes it.
pub fn the_window_is_owned_by_the_given_window_and_esc_closes_it() -> TestResult {
    let (report, text) = run("window-escape", &["--escape-after-ms", "300"], &[])?;
    expect(
        &report,
        &text,
        &[
            ("host_window", "1"),
            ("host_window_owner_ok", "1"),
            ("host_window_visible", "1"),
            ("action", "escape"),
            ("reason", "escape"),
            ("host_exit", "10"),
        ],
    )
}

/// Destroying the owner (LogonUI closing its window) closes ours.
pub fn the_window_closes_when_its_owner_is_destroyed() -> TestResult {
    let (report, text) = run("window-owner", &["--destroy-after-ms", "300"], &[])?;
    expect(
        &report,
        &text,
        &[
            ("action", "destroy-owner"),
            ("reason", "owner-closed"),
            ("host_exit", "12"),
        ],
    )
}

/// The window's own times from its idle-close line (`watch::idle_line`): the last input and the
/// close, in ms after the window opened, and the timeout.
fn idle_times(text: &str) -> anyhow::Result<(u64, u64, u64)> {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("log=idle: last input at +"))
        .with_context(|| format!("the window did not log its idle close:\n{text}"))?;
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    match numbers[..] {
        [last_input, closing, timeout] => Ok((last_input, closing, timeout)),
        _ => anyhow::bail!("not an idle line: {line}"),
    }
}

/// Without input the window closes by itself once the idle timeout passes.
pub fn the_window_closes_when_idle() -> TestResult {
    let (report, text) = run("window-idle", &[], &["--idle-ms=2000"])?;
    expect(&report, &text, &[("reason", "idle"), ("host_exit", "11")])?;
    // Never before the timeout, by the window's own clock...
    let (last_input, closing, timeout) = idle_times(&text)?;
    anyhow::ensure!(timeout == 2000, "idle timeout {timeout} ms:\n{text}");
    anyhow::ensure!(
        closing >= last_input + timeout,
        "closed at +{closing} ms, within {timeout} ms of the last input at +{last_input}:\n{text}"
    );
    // ... and by the owner's, which starts before the window exists (a lower bound only; a
    // slow machine makes it later, never earlier).
    let elapsed: u64 = report
        .get("elapsed_ms")
        .with_context(|| format!("no elapsed_ms in:\n{text}"))?
        .parse()?;
    anyhow::ensure!(
        elapsed >= 2000,
        "the window closed as idle after {elapsed} ms, before its 2000 ms timeout:\n{text}"
    );
    Ok(())
}

/// A key pressed in the window starts its idle time over: with a key posted 1500 ms after the
/// window appeared, it closes as idle no earlier than 1500 + 2000 ms after it opened. Read from
/// the window's own times: the key reached it at least 1500 ms after it opened (its clock
/// started before the owner found the window and began waiting), and it closed at least the
/// timeout after that key.
pub fn input_resets_the_idle_time() -> TestResult {
    const KEYS_AFTER_MS: u64 = 1500;
    let (report, text) = run(
        "window-idle-input",
        &["--post-keys", "0x41", "--keys-after-ms", "1500"],
        &["--idle-ms=2000"],
    )?;
    expect(
        &report,
        &text,
        &[
            ("posted_key", "0x41 ok=1"),
            ("action", "none"),
            ("reason", "idle"),
            ("host_exit", "11"),
        ],
    )?;
    let posted: u64 = report
        .get("keys_posted_after_ms")
        .with_context(|| format!("no keys_posted_after_ms in:\n{text}"))?
        .parse()?;
    anyhow::ensure!(
        posted >= KEYS_AFTER_MS,
        "keys posted after {posted} ms:\n{text}"
    );
    let (last_input, closing, timeout) = idle_times(&text)?;
    anyhow::ensure!(
        last_input >= KEYS_AFTER_MS,
        "the window's last input was at +{last_input} ms, before the key was posted (so the \
         key was not noted):\n{text}"
    );
    anyhow::ensure!(
        closing >= last_input + timeout && closing >= KEYS_AFTER_MS + timeout,
        "closed at +{closing} ms, earlier than {timeout} ms after the key at +{last_input} \
         ms:\n{text}"
    );
    Ok(())
}

/// Developer, help and full-screen keys never reach the control, and a dialog the page's thread
/// tries to open (a file or print dialog would be one) is refused at once.
pub fn blocked_keys_and_dialogs_are_refused() -> TestResult {
    let (report, text) = run(
        "window-keys",
        &["--post-keys", "0x7B,0x70,0x7A", "--escape-after-ms", "1500"],
        &["--messagebox-after-ms=300"],
    )?;
    expect(&report, &text, &[("reason", "escape"), ("host_exit", "10")])?;
    // The key each `key blocked: <key> (<why>)` line names, exactly (F1 must not be found in
    // the F11 or F12 lines), in the order first blocked.
    let mut blocked: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(key) = line
            .strip_prefix("log=key blocked: ")
            .and_then(|rest| rest.split_once(" (").map(|(key, _)| key))
        {
            if !blocked.contains(&key) {
                blocked.push(key);
            }
        }
    }
    anyhow::ensure!(
        blocked == ["F12", "F1", "F11"],
        "blocked keys {blocked:?}, expected F12, F1, F11:\n{text}"
    );
    let messagebox = report
        .get("messagebox")
        .with_context(|| format!("no messagebox in:\n{text}"))?;
    // Wine deviation `refused message box`: MessageBoxW answers 0 on Windows when the hook
    // refuses its window; Wine answers -1. Only Wine runs this suite, so only -1 passes (1, IDOK,
    // would mean the box was shown and answered). The line is `messagebox=<result> ...`.
    const WINE_REFUSED_MESSAGEBOX: &str = "-1";
    let result = messagebox.split(' ').next().unwrap_or_default();
    anyhow::ensure!(
        result == WINE_REFUSED_MESSAGEBOX,
        "the dialog was not refused (MessageBoxW returned {messagebox}):\n{text}"
    );
    Ok(())
}
