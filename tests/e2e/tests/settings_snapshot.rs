//! The provider's settings snapshot under Wine: the x64 MSI installed with logging on, then
//! `sspr-com-probe --settings` keeps the DLL loaded and, between screens, changes `Disabled`,
//! `LinkText` and `PortalUrl`, creates the policy key, sets a policy value and deletes the policy
//! key. Each change must be used by the very next `SetUsageScenario` (what the probe's screen
//! shows, and the settings line the provider logs), and a screen with no change in between must
//! come from the snapshot without reading the registry. The first screen of the process only
//! reads; the second reads again and arms the watch; the snapshot serves from the third.
//!
//! The probe waits for the change notification the registry raises for each change (its own
//! `RegNotifyChangeKeyValue`, armed before the change), then gives the provider's thread-pool
//! wait 50 ms to see the same notification: no sleep stands in for the notification itself.
//!
//! One test function, then the run's Wine template is deleted (libtest has no hook after the
//! last test).

use anyhow::{ensure, Context as _};
use sspr_e2e::config::{Arch, E2eConfig, Release};
use sspr_e2e::probe::{ProbeReport, S_OK};
use sspr_e2e::wine::{WineArch, WinePrefix};

/// Deletes the run's Wine template when the test ends, passed or not.
struct Teardown;

impl Drop for Teardown {
    fn drop(&mut self) {
        sspr_e2e::wine::teardown();
    }
}

/// Where the provider's settings came from at one `SetUsageScenario`, as it logs it.
const FROM_SNAPSHOT: &str = "settings from this process's snapshot";
const READ: &str = "settings read from the registry; watching its keys for changes";
const FIRST_READ: &str =
    "settings read from the registry (first use in this process; watched from the next)";

/// Wine reports Windows 7, whose default link text this is; the MSI writes it as a setting.
const WINDOWS_7_LINK: &str = "Forgot password?";

/// One screen: the probe's step, what it shows, and what the provider must have logged.
struct Screen {
    step: &'static str,
    credentials: &'static str,
    link: &'static str,
    freshness: &'static str,
    /// Parts of the `settings: ...` line (value and source of each setting that matters here).
    settings: &'static [&'static str],
}

const SCREENS: [Screen; 10] = [
    Screen {
        step: "first",
        credentials: "1",
        link: WINDOWS_7_LINK,
        freshness: FIRST_READ,
        settings: &[
            "Disabled=0 (settings)",
            "LinkText=\"Forgot password?\" (settings)",
            "PortalUrl=https://passwordreset.microsoftonline.com/ (settings)",
        ],
    },
    Screen {
        step: "second",
        credentials: "1",
        link: WINDOWS_7_LINK,
        freshness: READ,
        settings: &[
            "Disabled=0 (settings)",
            "LinkText=\"Forgot password?\" (settings)",
        ],
    },
    Screen {
        step: "unchanged",
        credentials: "1",
        link: WINDOWS_7_LINK,
        freshness: FROM_SNAPSHOT,
        settings: &[
            "Disabled=0 (settings)",
            "LinkText=\"Forgot password?\" (settings)",
        ],
    },
    Screen {
        step: "disabled",
        credentials: "0",
        link: "none",
        freshness: READ,
        settings: &["Disabled=1 (settings)"],
    },
    Screen {
        step: "enabled",
        credentials: "1",
        link: WINDOWS_7_LINK,
        freshness: READ,
        settings: &["Disabled=0 (settings)"],
    },
    Screen {
        step: "link_text",
        credentials: "1",
        link: "Locked out?",
        freshness: READ,
        settings: &["LinkText=\"Locked out?\" (settings)"],
    },
    Screen {
        step: "portal_url",
        credentials: "1",
        link: "Locked out?",
        freshness: READ,
        settings: &["PortalUrl=https://sspr.example.test/reset (settings)"],
    },
    Screen {
        step: "policy_created",
        credentials: "1",
        link: "Locked out?",
        freshness: READ,
        settings: &["Disabled=0 (policy)", "LinkText=\"Locked out?\" (settings)"],
    },
    Screen {
        step: "policy_link_text",
        credentials: "1",
        link: "Policy link",
        freshness: READ,
        settings: &["Disabled=0 (policy)", "LinkText=\"Policy link\" (policy)"],
    },
    Screen {
        step: "policy_deleted",
        credentials: "1",
        link: "Locked out?",
        freshness: READ,
        settings: &[
            "Disabled=0 (settings)",
            "LinkText=\"Locked out?\" (settings)",
        ],
    },
];

/// Per `SetUsageScenario` in the log, in order: its freshness line and its settings line.
fn screens_in_log(log: &str) -> Vec<(String, String)> {
    let mut screens = Vec::new();
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.contains("SetUsageScenario(Logon") {
            continue;
        }
        let (mut freshness, mut settings) = (String::new(), String::new());
        while let Some(next) = lines.peek() {
            if next.contains("SetUsageScenario(Logon") {
                break;
            }
            if next.contains(FROM_SNAPSHOT) || next.contains("settings read from the registry") {
                freshness = (*next).to_owned();
            } else if next.contains("settings: Disabled=") {
                settings = (*next).to_owned();
            }
            lines.next();
        }
        screens.push((freshness, settings));
    }
    screens
}

fn check_screen(
    report: &ProbeReport,
    logged: &(String, String),
    screen: &Screen,
) -> anyhow::Result<()> {
    let step = screen.step;
    if !["first", "second", "unchanged"].contains(&step) {
        assert_eq!(
            report.get(&format!("{step}.change"))?,
            S_OK,
            "{step}: the change"
        );
        assert_eq!(
            report.get(&format!("{step}.notified"))?,
            "1",
            "{step}: no change notification came for the probe's own watch"
        );
    }
    assert_eq!(
        report.get(&format!("{step}.logon"))?,
        S_OK,
        "{step}: SetUsageScenario"
    );
    assert_eq!(
        (
            report.get(&format!("{step}.credentials"))?,
            report.get(&format!("{step}.link"))?
        ),
        (screen.credentials, screen.link),
        "{step}: what the screen shows"
    );
    let (freshness, settings) = logged;
    ensure!(
        freshness.contains(screen.freshness),
        "{step}: expected `{}`, the log says `{freshness}`",
        screen.freshness
    );
    for part in screen.settings {
        ensure!(
            settings.contains(part),
            "{step}: the settings line has no `{part}`: `{settings}`"
        );
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn each_change_is_seen_at_the_next_set_usage_scenario() -> anyhow::Result<()> {
    let _teardown = Teardown;
    let config = E2eConfig::get()?;
    let prefix = WinePrefix::new("settings-snapshot", WineArch::Win64)?;
    prefix.install(
        &config.package(Release::Current, Arch::X64)?,
        &[("ENABLELOGGING", "1")],
    )?;
    let report = prefix.run_probe_mode(config.probe(Arch::X64), "--settings", &[])?;
    assert_eq!(report.get("create")?, S_OK);

    let log_file = prefix
        .drive_c()
        .join("ProgramData")
        .join("SsprWindowsLogon")
        .join("logs")
        .join("SsprCredentialProvider.log");
    let log = std::fs::read_to_string(&log_file)
        .with_context(|| format!("reading {}", log_file.display()))?;
    let logged = screens_in_log(&log);
    ensure!(
        logged.len() == SCREENS.len(),
        "expected {} SetUsageScenario calls in the log, found {}:\n{log}",
        SCREENS.len(),
        logged.len()
    );
    for (screen, logged) in SCREENS.iter().zip(&logged) {
        check_screen(&report, logged, screen).with_context(|| format!("the log:\n{log}"))?;
    }
    // The keeper object went last: everything was released and COM unloaded the DLL, so the
    // settings watch let go of it (DllCanUnloadNow disarms it).
    assert_eq!(report.get("unloaded")?, "1");
    Ok(())
}
