//! The reset window's lock-down objects under Wine, where no engine renders a page (no Gecko):
//! the site's security manager, command target and show-UI, and the events sink's re-check of a
//! completed navigation, each called as MSHTML would call it (`sspr-window-probe --exercise`),
//! and the process-wide window hook, met with a window another thread creates.

use sspr_e2e::machine::Machine as _;
use sspr_e2e::probe::ProbeReport;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::windows_path;
use sspr_e2e::SETTINGS_KEY;

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

/// The host's own gate (`session::PolicyGate`, with the policy the host plans from the installed
/// settings: here `AllowedHosts` = `sso.contoso.com`) and the real events sink and UI handler:
/// a link on the page to the admin's host passes, a link to any other host is cancelled with
/// the policy's reason, `window.open` (NewWindow3) is cancelled even for the portal, a download
/// is cancelled (the control showing a document itself is not a download), and the context
/// menu is answered "shown" with nothing shown. The window stays open throughout.
///
/// Wine deviation `no engine`: without Gecko no page renders, so MSHTML never raises these by
/// itself here; the probe calls each handler with the arguments the control passes
/// (`sspr-window-probe --exercise`). That the control does raise them for a real page only
/// Windows shows.
pub fn the_host_s_gate_refuses_other_hosts_new_windows_downloads_and_the_context_menu() -> TestResult
{
    let prefix = common::prefix64("window-gate")?;
    prefix.reg_add(
        SETTINGS_KEY,
        "AllowedHosts",
        &RegValue::Sz("sso.contoso.com".into()),
        RegView::Bits64,
    )?;
    let (_owner, probe) = common::config()?.window_tools()?;
    let finished = prefix.wine([windows_path(&probe)?, "--exercise".to_owned()])?;
    let text = format!("{}\n{}", finished.stdout, finished.stderr);
    anyhow::ensure!(finished.status.success(), "--exercise failed:\n{text}");
    let report = ProbeReport::parse(&finished.stdout);
    let hosts = report
        .get("allowed_hosts")
        .map_err(|error| anyhow::anyhow!("{error:#}:\n{text}"))?;
    anyhow::ensure!(
        hosts.split(' ').any(|host| host == "sso.contoso.com"),
        "the installed AllowedHosts did not reach the policy ({hosts}):\n{text}"
    );
    expect(
        &report,
        &text,
        &[
            ("com.context_menu", "0x00000000"),
            ("com.link.allowed_host", "cancel=false"),
            ("com.link.other_host", "cancel=true"),
            ("com.new_window", "cancel=true"),
            ("com.download", "cancel=true"),
            ("com.download.active_document", "cancel=false"),
            ("com.after_events", "open"),
        ],
    )?;
    // What the window logged, in order, through the host's gate (URLs in log lines without
    // their query).
    let expected = [
        "log=context menu suppressed",
        "gate=https://sso.contoso.com/adfs/ls/?client=portal allow=1",
        "log=navigation allowed: https://sso.contoso.com/adfs/ls/",
        // The policy's reason, then the probe's line with the answer.
        "log=policy: denied: host `evil.test` is not on the allowed list (host_not_allowed)",
        "gate=https://evil.test/phish?user=alice allow=0",
        "log=navigation denied: https://evil.test/phish",
        "log=new window blocked: https://passwordreset.microsoftonline.com/popup",
        "log=download blocked",
    ];
    let lines: Vec<&str> = finished.stdout.lines().map(str::trim_end).collect();
    anyhow::ensure!(
        lines.windows(expected.len()).any(|run| run == expected),
        "the window did not log {expected:#?} in a row:\n{text}"
    );
    Ok(())
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
