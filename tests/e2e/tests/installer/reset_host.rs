//! The reset host (issue 5) under Wine: started by the link inside its sandbox, it reads its
//! own token and job and says what it found; started any other way it refuses to run; its
//! `--self-test` and `--check-url` answer as documented.
//!
//! Wine's token model is simpler than Windows', so some facts cannot be shown here; each test
//! names them where it asserts around them.

use anyhow::{bail, Context as _};
use serde_json::Value;
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::machine::Machine as _;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::WinePrefix;
use sspr_e2e::SETTINGS_KEY;

use crate::common::{self, InstallDir, TestResult};

const HOST_LOG: [&str; 4] = [
    "ProgramData",
    "SsprWindowsLogon",
    "logs",
    "SsprResetHost.log",
];
const PROVIDER_LOG: [&str; 4] = [
    "ProgramData",
    "SsprWindowsLogon",
    "logs",
    "SsprCredentialProvider.log",
];

/// The host's exit code when it refuses to run outside its sandbox.
const NOT_SANDBOXED: i32 = sspr_identity::HostExit::NotSandboxed as i32;

/// Wine deviation `host integrity`: the token the provider made carries the low label (setting
/// it succeeded), but Wine starts the process at the level of Wine's own token. Windows: `low`.
const WINE_HOST_INTEGRITY: &str = "high";
/// Wine deviation `job limits read back`: setting the limits succeeded, but Wine answers
/// `JobObjectExtendedLimitInformation` with zeros (a semi-stub). Windows: 0x2408 (active process,
/// die on unhandled exception, kill on job close) and no more.
const WINE_JOB_LIMIT_FLAGS: u64 = 0;

/// A prefix with the current x64 package installed (the real host, not the probe).
pub(crate) fn installed(
    name: &str,
    properties: &[(&str, &str)],
) -> anyhow::Result<(WinePrefix, InstallDir)> {
    let prefix = common::prefix64(name)?;
    prefix.install(&common::package(Release::Current, Arch::X64)?, properties)?;
    let dir = common::install_dir(&prefix)?;
    Ok((prefix, dir))
}

fn read(prefix: &WinePrefix, parts: &[&str]) -> anyhow::Result<String> {
    let path = parts
        .iter()
        .fold(prefix.drive_c(), |path, part| path.join(part));
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// Runs the installed host with `args` directly (a full Wine token, no job).
pub(crate) fn run_host(
    prefix: &WinePrefix,
    dir: &InstallDir,
    args: &[&str],
) -> anyhow::Result<(i32, String, String)> {
    let mut all = vec![format!(r"{}\SsprResetHost.exe", dir.windows)];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let finished = prefix.wine(&all)?;
    let code = finished
        .status
        .code()
        .context("the host was killed by a signal")?;
    Ok((code, finished.stdout, finished.stderr))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Clicking the link starts the installed host with a restricted token inside a job; the host's
/// self-check (written to `SsprResetHost.log` through the handle the provider gave it) shows
/// both.
pub fn the_link_starts_the_host_sandboxed_and_the_host_reports_token_and_job() -> TestResult {
    let (prefix, _dir) = installed("host-sandboxed", &[("ENABLELOGGING", "1")])?;
    let probe = common::config()?.probe(Arch::X64);
    let report = prefix.run_probe_mode(
        probe,
        "--tiles",
        &[
            (
                "SSPR_PROBE_WAIT_FILE",
                r"C:\ProgramData\SsprWindowsLogon\logs\SsprResetHost.log",
            ),
            (
                "SSPR_PROBE_WAIT_TEXT",
                "refusing to run|closed:|the window failed",
            ),
        ],
    )?;
    assert_eq!(report.get("cred0.link")?, "0x00000000");
    assert_eq!(
        report.get("cred0.host_log")?,
        "found",
        "the host wrote nothing"
    );

    let provider_log = read(&prefix, &PROVIDER_LOG)?;
    let started = provider_log
        .lines()
        .find(|l| l.contains("reset host started, process id"))
        .context("the provider did not log the host's start")?;
    // The provider logs the token and job read back from the started host (issue 13), not
    // what it asked for: under Wine that shows each deviation named below.
    assert!(
        started.contains(
            "its token: user S-1-5-21-0-0-0-1000, integrity high, privileges \
             [SeChangeNotifyPrivilege], groups that grant [], restricting SIDs [], logon session \
             0x0:0x0; its job: limits [], active process limit 0, UI restrictions unreadable"
        ),
        "{started}"
    );
    // Wine's LogonUserW is a stub answering success with a fake handle: no logon session of
    // the host's own, which the provider says.
    assert!(
        provider_log.contains("reset host sandbox: no logon session of its own"),
        "{provider_log}"
    );
    let host_log = read(&prefix, &HOST_LOG)?;
    let json = host_log
        .lines()
        .find_map(|l| l.split_once("] self-check: ").map(|(_, json)| json))
        .with_context(|| format!("no self-check line in the host's log:\n{host_log}"))?;
    let check: Value = serde_json::from_str(json).context("the self-check is not JSON")?;
    let token = &check["token"];
    let job = &check["job"];

    // Privileges: only change-notify is left. (Wine ignores DISABLE_MAX_PRIVILEGE; the explicit
    // list of privileges to delete the provider passes as well is what removes them here.)
    let privileges: Vec<&str> = token["privileges"]
        .as_array()
        .context("no privileges array")?
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(privileges, ["SeChangeNotifyPrivilege"], "{json}");
    // Every group deny-only and none enabled, Administrators included (issue 13: the normal
    // access check grants through the user SID alone).
    let groups = token["groups"].as_array().context("no groups array")?;
    assert!(
        groups.iter().any(|g| g["sid"] == "S-1-5-32-544"),
        "Wine's token has no Administrators group: {json}"
    );
    for group in groups {
        let flags = strings(&group["flags"]);
        assert!(flags.contains(&"deny-only".to_owned()), "{group}");
        assert!(!flags.contains(&"enabled".to_owned()), "{group}");
    }
    // The job: the host is in one.
    assert_eq!(job["in_job"], true, "{json}");

    // What Wine cannot show, each a violation, so under Wine the host refuses to run (which is
    // what it must do wherever it cannot prove its sandbox):
    // - integrity: SetTokenInformation(TokenIntegrityLevel) succeeds but Wine's new process
    //   keeps the level of Wine's own token (high);
    assert_eq!(
        token["integrity"], WINE_HOST_INTEGRITY,
        "Wine deviation `host integrity` no longer holds (the real level may now show: assert low): {json}"
    );
    // - the job's limits: NtQueryInformationJobObject answers JobObjectExtendedLimitInformation
    //   with zeros (a semi-stub) and does not implement JobObjectBasicUIRestrictions
    //   (ERROR_INVALID_FUNCTION), although setting both succeeded (the provider's log above).
    assert_eq!(
        job["limit_flags"], WINE_JOB_LIMIT_FLAGS,
        "Wine deviation `job limits read back` no longer holds (assert the limits set): {json}"
    );
    assert_eq!(job["ui_restrictions"], Value::Null, "{json}");
    // - the restricting SIDs: Wine 8's NtFilterToken ignores them ("support for restricting
    //   sids not yet implemented"), so the token reads back with none;
    assert_eq!(token["restricting_sids"], serde_json::json!([]), "{json}");
    // - the logon session: Wine's LogonUserW is a stub (above) and its tokens carry a zero
    //   AuthenticationId, so the session reads 0x0:0x0 (not SYSTEM's 0x0:0x3e7: no violation).
    assert_eq!(token["logon_session"], "0x0:0x0", "{json}");
    assert_eq!(
        strings(&check["violations"]),
        [
            "integrity: integrity level is high, expected low",
            "restricting: the token has no restricting SIDs, so it reaches all SYSTEM can",
            "job: job limit flags 0x2408 are not set",
            "job: the UI restrictions cannot be read",
        ],
        "{json}"
    );
    assert!(
        host_log.contains("refusing to run: integrity: integrity level is high, expected low"),
        "{host_log}"
    );
    Ok(())
}

/// Started by hand (Wine's full token, no job), the host refuses with exit code 4 and says why.
pub fn the_host_refuses_to_run_with_a_full_token() -> TestResult {
    let (prefix, dir) = installed("host-full-token", &[])?;
    let (code, _stdout, stderr) = run_host(
        &prefix,
        &dir,
        &[
            "--portal-url=https://passwordreset.microsoftonline.com/",
            "--parent-window=0",
        ],
    )?;
    assert_eq!(code, NOT_SANDBOXED, "{stderr}");
    assert!(
        stderr.contains("refusing to run outside the sandbox"),
        "{stderr}"
    );
    assert!(
        stderr.contains("job: the process is not in a job"),
        "{stderr}"
    );
    // Wine gives every program an administrator's token with privileges: both are refused.
    assert!(
        stderr.contains("is present and enabled, expected only SeChangeNotifyPrivilege")
            || stderr.contains("is present, expected only SeChangeNotifyPrivilege"),
        "{stderr}"
    );
    assert!(
        stderr.contains("S-1-5-32-544 (Administrators) is not deny-only"),
        "{stderr}"
    );
    Ok(())
}

/// `--self-test` prints the token, the job, the verdict, the policy (with the admin's extra
/// hosts and what it ignored) and the URL, as JSON, and exits 4 when it would not run.
pub fn self_test_prints_token_job_policy_and_url_as_json() -> TestResult {
    let (prefix, dir) = installed("host-self-test", &[])?;
    prefix.reg_add(
        SETTINGS_KEY,
        "AllowedHosts",
        &RegValue::Sz("sso.contoso.com;*.contoso.com".into()),
        RegView::Bits64,
    )?;
    prefix.reg_add(
        SETTINGS_KEY,
        "IdleTimeoutSeconds",
        &RegValue::Dword(120),
        RegView::Bits64,
    )?;
    let (code, stdout, stderr) =
        run_host(&prefix, &dir, &["--self-test", "--user=alice@contoso.com"])?;
    assert_eq!(code, NOT_SANDBOXED, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).context("--self-test is not JSON")?;
    assert_eq!(report["would_run"], false);
    assert_eq!(
        report["url"],
        "https://passwordreset.microsoftonline.com/?username=alice%40contoso.com"
    );
    assert_eq!(report["idle_timeout_seconds"], 120);
    let policy = &report["policy"]["Ok"];
    let hosts = strings(&policy["allowed_hosts"]);
    for host in [
        "passwordreset.microsoftonline.com",
        "login.microsoftonline.com",
        "sso.contoso.com",
    ] {
        assert!(
            hosts.contains(&host.to_owned()),
            "{host} missing from {hosts:?}"
        );
    }
    assert_eq!(policy["ignored_hosts"][0]["entry"], "*.contoso.com");
    assert_eq!(policy["portal_source"], "settings");
    // Each access the sandbox must deny, tried (issue 13). Wine enforces no token, so what it
    // can show is that every probe runs and answers; each outcome here is Wine's:
    let access: Vec<(String, String)> = report["access"]
        .as_array()
        .context("no access array")?
        .iter()
        .map(|p| {
            (
                p["access"].as_str().unwrap_or_default().to_owned(),
                p["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        // Wine's registry has no HKLM\SAM or HKLM\SECURITY (error 2);
        ("hklm-sam", "untestable"),
        ("hklm-security", "untestable"),
        // the prefix's ProfileList names only the host's own user, which the probe skips;
        ("other-profile", "untestable"),
        // the full token writes where it likes (a file in the install folder, removed again);
        ("write-outside-temp", "granted"),
        // Wine's Negotiate has no default credentials without winbind (SEC_E_NO_CREDENTIALS);
        ("network-machine-account", "untestable"),
        // Wine runs no LogonUI.exe or winlogon.exe.
        ("open-logonui", "untestable"),
        ("open-winlogon", "untestable"),
        // Started by hand the host is in no job, so cmd.exe starts (and is a violation). In the
        // provider's job Windows refuses it (ERROR_NOT_ENOUGH_QUOTA: one active process); Wine
        // reads that job's limits back as zeros, so only Windows' --self-test shows the refusal.
        ("start-child-process", "granted"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, o)| ((*a).to_owned(), (*o).to_owned()))
        .collect();
    assert_eq!(access, expected, "{stdout}");
    assert!(
        report["access"][4]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("0x8009030e")),
        "{stdout}"
    );
    let sandbox = &report["sandbox"];
    assert_eq!(sandbox["ok"], false);
    assert!(
        strings(&sandbox["violations"])
            .iter()
            .any(|v| v.starts_with("access write-outside-temp: granted (created C:\\Program Files\\SsprWindowsLogon\\SsprResetHost-probe-")),
        "{stdout}"
    );
    assert!(
        strings(&sandbox["violations"]).contains(
            &r"access start-child-process: granted (started C:\windows\system32\cmd.exe (exit code 7))"
                .to_owned()
        ),
        "{stdout}"
    );
    assert!(sandbox["token"]["privileges"]
        .as_array()
        .is_some_and(|p| p.len() > 1));
    assert_eq!(sandbox["job"]["in_job"], false);
    Ok(())
}

/// `--check-url` answers allow or deny with the reason, from the Windows build of the policy.
pub fn check_url_allows_the_portal_and_denies_the_tricky_cases() -> TestResult {
    let (prefix, dir) = installed("host-check-url", &[])?;
    let cases = [
        (
            "https://passwordreset.microsoftonline.com/?x=1",
            0,
            "allow: host `passwordreset.microsoftonline.com`",
        ),
        (
            "https://passwordreset.microsoftonline.com.evil.test/",
            1,
            "deny (host_not_allowed)",
        ),
        (
            "https://evil.test/#passwordreset.microsoftonline.com",
            1,
            "deny (host_not_allowed)",
        ),
        (
            "https://user@passwordreset.microsoftonline.com/",
            1,
            "deny (user_info)",
        ),
        (
            "http://passwordreset.microsoftonline.com/",
            1,
            "deny (not_https)",
        ),
        ("https://login.microsoftonline.com:8443/", 1, "deny (port)"),
        ("https://127.0.0.1/", 1, "deny (ip_literal)"),
    ];
    let mut failures = Vec::new();
    for (url, expected_code, expected_text) in cases {
        let (code, stdout, stderr) = run_host(&prefix, &dir, &["--check-url", url])?;
        if code != expected_code || !stdout.starts_with(expected_text) {
            failures.push(format!("{url}: exit {code}, said {stdout:?} {stderr:?}"));
        }
    }
    if !failures.is_empty() {
        bail!("--check-url answered wrongly:\n{}", failures.join("\n"));
    }
    Ok(())
}
