//! The reset window's lock-down objects under Wine, where no engine renders a page (no Gecko):
//! the site's security manager, command target and show-UI, and the events sink's re-check of a
//! completed navigation, each called as MSHTML would call it (`sspr-window-probe --exercise`),
//! and the process-wide window hook, met with a window another thread creates.

use sspr_e2e::probe::ProbeReport;
use sspr_e2e::wine::windows_path;

use crate::common::{self, TestResult};
use crate::reset_window::{expect, run};

/// `INET_E_DEFAULT_ACTION`: "ask Internet Explorer's zone settings".
const DEFAULT_ACTION: &str = "0x800C0011";

/// Each object gives the lock-down's answer, read back exactly.
pub fn the_window_s_com_objects_answer_as_the_lock_down_says() -> TestResult {
    let prefix = common::prefix64("window-com")?;
    let (_owner, probe) = common::config()?.window_tools()?;
    let finished = prefix.wine([windows_path(&probe)?, "--exercise".to_owned()])?;
    let text = format!("{}\n{}", finished.stdout, finished.stderr);
    anyhow::ensure!(finished.status.success(), "--exercise failed:\n{text}");
    let report = ProbeReport::parse(&finished.stdout);
    let portal_script = format!("{DEFAULT_ACTION} policy=0xFFFFFFFF");
    expect(
        &report,
        &text,
        &[
            // DISABLE_HELP_MENU | NO3DBORDER | THEME | NO3DOUTERBORDER | LOCAL_MACHINE_ACCESS_CHECK
            // | DISABLE_UNTRUSTEDPROTOCOL | ENABLE_REDIRECT_NOTIFICATION.
            ("com.host_info", "0x00000000 flags=0x05A40006"),
            // Internet zone for the portal and the CDN's scripts, Restricted sites elsewhere.
            ("com.zone.portal", "0x00000000 zone=3"),
            ("com.zone.cdn_script", "0x00000000 zone=3"),
            ("com.zone.outside", "0x00000000 zone=4"),
            // S_FALSE and URLPOLICY_DISALLOW: no file download, even from the portal.
            ("com.action.portal_file_download", "0x00000001 policy=0x3"),
            // URLPOLICY_CREDENTIALS_ANONYMOUS_ONLY: never the machine's logon.
            ("com.action.portal_credentials", "0x00000000 policy=0x30000"),
            // Script on the portal: Internet Explorer's Internet-zone answer.
            ("com.action.portal_script", portal_script.as_str()),
            ("com.action.outside_script", "0x00000001 policy=0x3"),
            // Swallowed: S_OK and nothing shown.
            ("com.command.print", "0x00000000"),
            ("com.command.save_as", "0x00000000"),
            ("com.command.view_source", "0x00000000"),
            ("com.command.show_find", "0x00000000"),
            // Not ours: OLECMDERR_E_NOTSUPPORTED.
            ("com.command.zoom", "0x80040100"),
            ("com.command.script_error", "0x00000000"),
            ("com.command.script_error_continue", "true"),
            // "Shown" (S_OK), as IDCANCEL; help likewise never opens.
            ("com.show_message", "0x00000000 result=2"),
            ("com.show_help", "0x00000000"),
            // A completed navigation is checked again: allowed stays open, a redirect
            // elsewhere closes the window.
            ("com.complete.allowed", "open"),
            (
                "com.complete.redirected",
                "policy-breach: NavigateComplete2 (frame) on a URL the policy refuses: \
                 https://evil.test/landing",
            ),
        ],
    )
}

/// A top-level window created by another thread of the process (as a download or print dialog
/// would be) is not on the allow-list: the reset window closes, naming its class.
pub fn a_window_from_another_thread_closes_the_reset_window() -> TestResult {
    let (report, text) = run(
        "window-foreign",
        &["--timeout-ms", "20000"],
        &["--foreign-window-after-ms=500"],
    )?;
    expect(
        &report,
        &text,
        &[("host_exit", "16"), ("foreign_window", "1")],
    )?;
    // Wine deviation: Wine's urlmon refuses UrlMkSetSessionOption(INTERNET_OPTION_PROXY) with
    // E_INVALIDARG (Windows documents the option), so automatic proxy discovery stays as the
    // prefix has it; the window says so and goes on (the proxy choice is defence in depth).
    anyhow::ensure!(
        text.contains(
            "log=proxy: UrlMkSetSessionOption(INTERNET_OPTION_PROXY) failed: 0x80070057; \
             automatic proxy discovery could not be turned off"
        ),
        "the proxy line is not Wine's known refusal:\n{text}"
    );
    anyhow::ensure!(
        text.contains("log=16 Internet Explorer lock-down features on for the process"),
        "the feature controls were not all set:\n{text}"
    );
    let reason = report
        .get("reason")
        .map_err(|error| anyhow::anyhow!("{error:#}:\n{text}"))?;
    anyhow::ensure!(
        reason.starts_with(
            "policy-breach: a top-level window of class `SsprForeignTestWindow` (thread "
        ),
        "reason={reason}:\n{text}"
    );
    Ok(())
}
