//! SsprDiag.exe end to end under Wine: install the x64 MSI into a prefix, set the registry up as an
//! admin, a policy or a broken machine would leave it, run the installed
//! `C:\Program Files\SsprWindowsLogon\SsprDiag.exe --json`, and compare every check's status, the
//! key findings and the exit code with what that machine must produce.
//!
//! Scenarios: a healthy Windows 7 SP1 (Wine 8's default version) with `--network` through a
//! local proxy; a broken registration (DLL deleted, wrong threading model) with a conflicting
//! kill-switch policy; Windows 10 (`winecfg /v win10`) with the settings Microsoft's "How to: Enable password reset from the Windows login screen" says break
//! reset, and `--collect`. Nothing leaves 127.0.0.1.
//!
//! One test function runs the scenarios in turn, then deletes the run's Wine template: this
//! file uses libtest's harness, which has no hook after the last test.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _};
use sspr_e2e::config::{Arch, E2eConfig, Release};
use sspr_e2e::diag::DiagRun;
use sspr_e2e::machine::Machine as _;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::{WineArch, WinePrefix};
use sspr_e2e::{CLSID, CLSID_KEY, POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY};

const DIAG: &str = r"C:\Program Files\SsprWindowsLogon\SsprDiag.exe";
const DLL: &str = r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll";
const TLS12_CLIENT: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";
const WINHTTP: &str = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
const CONNECTIONS: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
const SYSTEM_POLICIES: &str = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System";
const WINDOWS_SYSTEM_POLICY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\System";

/// Every check in report order, with the status each scenario expects.
const CHECK_IDS: [&str; 23] = [
    "windows.version",
    "package.architecture",
    "registration.com-class",
    "registration.provider",
    "settings.effective",
    "settings.logging",
    "tls.schannel",
    "tls.winhttp",
    "tls.wininet",
    "win10.allow-password-reset",
    "win10.ctrl-alt-del",
    "win10.lock-screen-notifications",
    "win10.hide-fast-user-switching",
    "win10.dont-display-last-user-name",
    "win10.no-lock-screen",
    "win10.lost-mode",
    "win10.custom-shell",
    "win10.three-setting-combination",
    "providers.third-party",
    "providers.filters",
    "session.remote",
    "network.proxy",
    "network.portal",
];

/// Deletes the run's Wine template when the test ends, passed or not.
struct Teardown;

impl Drop for Teardown {
    fn drop(&mut self) {
        sspr_e2e::wine::teardown();
    }
}

/// `SsprDiag.exe --json ARGS` in `prefix`, read by the suite's reader (shared with the native
/// runner).
fn run_diag(prefix: &WinePrefix, args: &[&str]) -> anyhow::Result<DiagRun> {
    sspr_e2e::diag::run(prefix, DIAG, args)
}

/// `statuses` laid over CHECK_IDS: every check not named gets `default`.
fn expected(default: &str, statuses: &[(&str, &str)]) -> Vec<(String, String)> {
    CHECK_IDS
        .iter()
        .map(|id| {
            let status = statuses
                .iter()
                .find(|(i, _)| i == id)
                .map_or(default, |(_, s)| s);
            ((*id).to_owned(), status.to_owned())
        })
        .collect()
}

fn dword(n: u32) -> RegValue {
    RegValue::Dword(n)
}

fn add(prefix: &WinePrefix, key: &str, name: &str, value: RegValue) -> anyhow::Result<()> {
    prefix.reg_add(key, name, &value, RegView::Bits64)
}

fn installed_prefix(name: &str) -> anyhow::Result<WinePrefix> {
    let package = E2eConfig::get()?.package(Release::Current, Arch::X64)?;
    let prefix = WinePrefix::new(name, WineArch::Win64)?;
    prefix.install(&package, &[])?;
    Ok(prefix)
}

/// The TLS settings Microsoft's "How to: Enable password reset from the Windows login screen" asks for on Windows 7: SCHANNEL client keys, WinHTTP defaults.
fn enable_tls_1_2(prefix: &WinePrefix) -> anyhow::Result<()> {
    add(prefix, TLS12_CLIENT, "Enabled", dword(1))?;
    add(prefix, TLS12_CLIENT, "DisabledByDefault", dword(0))?;
    for view in [RegView::Bits64, RegView::Bits32] {
        prefix.reg_add(WINHTTP, "DefaultSecureProtocols", &dword(0xA80), view)?;
    }
    Ok(())
}

/// A `netsh winhttp set proxy host:port` blob (format 0x28, flags direct|proxy, no bypass).
fn winhttp_proxy_blob(proxy: &str) -> String {
    let mut bytes = Vec::new();
    for dword in [0x28u32, 0, 3, proxy.len() as u32] {
        bytes.extend_from_slice(&dword.to_le_bytes());
    }
    bytes.extend_from_slice(proxy.as_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A TLS 1.2 ServerHello record choosing ECDHE-RSA-AES128-GCM-SHA256.
fn server_hello() -> Vec<u8> {
    let mut hello = vec![3, 3];
    hello.extend_from_slice(&[7; 32]);
    hello.extend_from_slice(&[0, 0xC0, 0x2F, 0]);
    let mut handshake = vec![2, 0, 0, hello.len() as u8];
    handshake.extend_from_slice(&hello);
    let mut record = vec![22, 3, 3, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    record
}

/// A local HTTP proxy: for each of `connections` it reads the CONNECT request, answers 200,
/// reads the ClientHello and answers a ServerHello. Gives up after a minute, so a client that
/// never comes cannot hang the test. Returns the CONNECT lines it received.
fn local_proxy(connections: usize) -> anyhow::Result<(u16, JoinHandle<Vec<String>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    listener.set_nonblocking(true)?;
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut requests = Vec::new();
        while requests.len() < connections && Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            requests.push(request);
            let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(&server_hello());
        }
        requests
    });
    Ok((port, handle))
}

/// Windows 7 SP1 set up as Microsoft's "How to: Enable password reset from the Windows login screen" asks: every offline check passes and `--network`, through a
/// local WinHTTP proxy, completes TLS 1.2 handshakes with both hosts: exit code 0.
fn healthy_windows_7() -> anyhow::Result<()> {
    let prefix = installed_prefix("diag-healthy")?;
    ensure!(
        prefix.windows_version()? == "6.1.7601",
        "Wine 8's default is Windows 7 SP1"
    );
    enable_tls_1_2(&prefix)?;
    let (port, proxy) = local_proxy(2)?;
    let proxy_address = format!("127.0.0.1:{port}");
    add(
        &prefix,
        CONNECTIONS,
        "WinHttpSettings",
        RegValue::Other {
            kind: "REG_BINARY".into(),
            data: winhttp_proxy_blob(&proxy_address),
        },
    )?;

    let run = run_diag(&prefix, &["--network", "--network-timeout", "10"])?;
    let requests = proxy
        .join()
        .map_err(|_| anyhow::anyhow!("the local proxy panicked"))?;
    assert_eq!(
        run.statuses()?,
        expected(
            "pass",
            &[
                ("win10.allow-password-reset", "skip"),
                ("win10.ctrl-alt-del", "skip"),
                ("win10.lock-screen-notifications", "skip"),
                ("win10.hide-fast-user-switching", "skip"),
                ("win10.dont-display-last-user-name", "skip"),
                ("win10.no-lock-screen", "skip"),
                ("win10.lost-mode", "skip"),
                ("win10.custom-shell", "skip"),
                ("win10.three-setting-combination", "skip"),
            ]
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.exit_code(), 0);
    // Wine has no EditionID value: the edition reads as unknown (a Wine deviation).
    assert_eq!(
        run.header("windows"),
        Some("Windows 7 SP1, edition unknown (6.1.7601)")
    );
    assert_eq!(run.header("windows_arch"), Some("x64"));
    assert_eq!(run.header("diag_arch"), Some("x64"));
    assert_eq!(
        run.text("registration.com-class", "summary")?,
        format!("{CLSID} -> {DLL}, ThreadingModel Apartment")
    );
    assert_eq!(
        run.lines("registration.com-class", "found")?[2],
        format!("{DLL}: x64 DLL, exports DllCanUnloadNow, DllGetClassObject, DllMain")
    );
    assert_eq!(
        run.text("tls.schannel", "summary")?,
        "TLS 1.2 is enabled for clients explicitly (Enabled = 1, DisabledByDefault = 0)"
    );
    assert_eq!(
        run.text("network.proxy", "summary")?,
        format!("Machine-level proxy: WinHTTP proxy {proxy_address}")
    );
    assert_eq!(
        requests,
        [
            "CONNECT passwordreset.microsoftonline.com:443 HTTP/1.1",
            "CONNECT ajax.aspnetcdn.com:443 HTTP/1.1",
        ]
    );
    let found = run.lines("network.portal", "found")?;
    assert_eq!(found.len(), 2);
    for (line, host) in found
        .iter()
        .zip(["passwordreset.microsoftonline.com", "ajax.aspnetcdn.com"])
    {
        let prefix_text =
            format!("{host}:443 via proxy {proxy_address}: TLS 1.2 accepted (ECDHE-RSA-AES128-GCM-SHA256) in ");
        assert!(
            line.starts_with(&prefix_text) && line.ends_with(" ms"),
            "{line}"
        );
    }
    Ok(())
}

/// The registered DLL deleted, ThreadingModel changed, a policy kill switch over the MSI's
/// settings (plus an http:// portal policy), verbose logging on, a vendor's provider, and
/// Windows 7's TLS defaults left alone: exit code 2, and each finding exactly.
fn broken_registration_and_conflicting_policy() -> anyhow::Result<()> {
    let prefix = installed_prefix("diag-broken")?;
    let host_dll = prefix
        .drive_c()
        .join("Program Files")
        .join("SsprWindowsLogon")
        .join("SsprCredentialProvider.dll");
    std::fs::remove_file(&host_dll).with_context(|| format!("deleting {}", host_dll.display()))?;
    add(
        &prefix,
        &format!(r"{CLSID_KEY}\InprocServer32"),
        "ThreadingModel",
        RegValue::sz("Free"),
    )?;
    add(&prefix, POLICY_KEY, "Disabled", dword(1))?;
    add(
        &prefix,
        POLICY_KEY,
        "PortalUrl",
        RegValue::sz("http://sspr.contoso.test/"),
    )?;
    add(&prefix, PROVIDER_KEY, "EnableLogging", dword(1))?;
    let vendor = "{11111111-2222-3333-4444-555555555555}";
    add(
        &prefix,
        &format!(
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\{vendor}"
        ),
        "",
        RegValue::sz("Vendor Provider"),
    )?;
    add(
        &prefix,
        &format!(r"HKLM\Software\Classes\CLSID\{vendor}\InprocServer32"),
        "",
        RegValue::sz(r"C:\Program Files\Vendor\VendorProvider.dll"),
    )?;

    let run = run_diag(&prefix, &[])?;
    assert_eq!(
        run.statuses()?,
        expected(
            "skip",
            &[
                ("windows.version", "pass"),
                ("package.architecture", "pass"),
                ("registration.com-class", "fail"),
                ("registration.provider", "pass"),
                ("settings.effective", "fail"),
                ("settings.logging", "warn"),
                ("tls.schannel", "fail"),
                ("tls.winhttp", "warn"),
                ("tls.wininet", "pass"),
                ("providers.third-party", "warn"),
                ("providers.filters", "pass"),
                ("session.remote", "pass"),
                ("network.proxy", "pass"),
            ]
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.exit_code(), 2);
    assert_eq!(
        run.text("registration.com-class", "summary")?,
        format!(
            "The registered DLL {DLL} cannot be read: LogonUI silently skips a provider whose DLL is missing; \
             ThreadingModel is not Apartment: LogonUI creates providers on an apartment thread"
        )
    );
    assert_eq!(
        run.text("registration.com-class", "fix")?,
        "Repair the installation: msiexec /fa SsprWindowsLogon.PROD.msi /qn (or uninstall and install again); it rewrites the DLL and its registration."
    );
    assert_eq!(
        run.text("package.architecture", "summary")?,
        "x64 Windows with the x64 package"
    );
    assert_eq!(
        run.text("settings.effective", "summary")?,
        "The kill switch is on (Disabled = 1 from policy): the provider shows no reset link; \
         Unusable value(s) ignored, the next source used instead: policy PortalUrl: `http://sspr.contoso.test/` is not an https:// URL"
    );
    assert_eq!(
        run.lines("settings.effective", "found")?[..2],
        [
            "Disabled = 1 from policy \"Turn off the password reset link\"; policy: 1 (REG_DWORD); settings: 0 (REG_DWORD) (the policy value wins)",
            "PortalUrl = \"https://passwordreset.microsoftonline.com/\" from settings; policy: \"http://sspr.contoso.test/\" (REG_SZ); settings: \"https://passwordreset.microsoftonline.com/\" (REG_SZ)",
        ]
    );
    assert!(run.text("settings.effective", "fix")?.starts_with(concat!(
        r"Group Policy sets HKLM\",
        sspr_identity::policy_key!(),
        r"\Disabled = 1"
    )));
    assert_eq!(
        run.text("settings.logging", "summary")?,
        "Verbose logging is on (from registration); Microsoft's \"How to: Enable password reset from the Windows login screen\" says to use it for troubleshooting only"
    );
    assert_eq!(
        run.text("tls.schannel", "summary")?,
        "TLS 1.2 is not enabled for clients: Windows 7 ships it disabled by default, and Microsoft's \"How to: Enable password reset from the Windows login screen\" warns that auto-negotiation alone is not enough"
    );
    assert_eq!(
        run.lines("providers.third-party", "found")?,
        [
            // Wine registers none of Windows' own credential providers (a Wine deviation).
            "0 provider(s) from Windows".to_owned(),
            format!(
                r"third-party: {vendor} Vendor Provider -> C:\Program Files\Vendor\VendorProvider.dll"
            ),
        ]
    );
    // The settings under HKLM\SOFTWARE\SsprWindowsLogon are still the MSI's.
    assert_eq!(
        prefix
            .reg_values(SETTINGS_KEY, RegView::Bits64)?
            .map(|v| v.get("Disabled").cloned()),
        Some(Some(dword(0)))
    );
    Ok(())
}

fn read_utf16(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(
        bytes.starts_with(&[0xFF, 0xFE]),
        "{} has no UTF-16LE BOM",
        path.display()
    );
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Ok(String::from_utf16(&units)?)
}

/// Windows 10 (`winecfg /v win10`: 10.0.18362) with Windows' own reset on beside ours and the
/// settings Microsoft's "How to: Enable password reset from the Windows login screen" says break it; `--collect` writes the bundle: exit code 2.
fn windows_10_breaking_settings_and_collect() -> anyhow::Result<()> {
    let prefix = installed_prefix("diag-win10")?;
    prefix
        .wine(["winecfg", "/v", "win10"])?
        .success("winecfg /v win10")?;
    ensure!(
        prefix.windows_version()? == "10.0.18362",
        "winecfg /v win10 reports 10.0.18362"
    );
    add(
        &prefix,
        r"HKLM\SOFTWARE\Policies\Microsoft\AzureADAccount",
        "AllowPasswordReset",
        dword(1),
    )?;
    add(&prefix, SYSTEM_POLICIES, "HideFastUserSwitching", dword(1))?;
    add(&prefix, SYSTEM_POLICIES, "DisableCAD", dword(0))?;
    add(
        &prefix,
        WINDOWS_SYSTEM_POLICY,
        "DisableLockScreenAppNotifications",
        dword(1),
    )?;
    add(
        &prefix,
        r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
        "Shell",
        RegValue::sz(r"C:\Kiosk\kiosk.exe"),
    )?;

    let run = run_diag(&prefix, &["--collect", r"C:\sspr-bundle"])?;
    assert_eq!(
        run.statuses()?,
        expected(
            "pass",
            &[
                ("win10.allow-password-reset", "warn"),
                ("win10.lock-screen-notifications", "fail"),
                ("win10.hide-fast-user-switching", "fail"),
                ("win10.custom-shell", "fail"),
                ("win10.three-setting-combination", "warn"),
                ("network.portal", "skip"),
            ]
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.exit_code(), 2);
    assert_eq!(
        run.header("windows"),
        Some("Windows 10, edition unknown (10.0.18362)")
    );
    assert_eq!(
        run.text("win10.allow-password-reset", "summary")?,
        "Two reset links: Windows' own (AllowPasswordReset) and this product's"
    );
    assert_eq!(
        run.text("win10.ctrl-alt-del", "summary")?,
        "Windows 10 1809 or later: requiring Ctrl+Alt+Del no longer stops reset"
    );
    assert_eq!(
        run.text("win10.custom-shell", "summary")?,
        r#"The shell is "C:\Kiosk\kiosk.exe", not explorer.exe: Microsoft's "How to: Enable password reset from the Windows login screen" lists a custom shell as breaking Reset password"#
    );
    assert_eq!(
        run.lines("win10.three-setting-combination", "found")?,
        [
            "1. Interactive logon: Do not require CTRL+ALT+DEL = Disabled (Ctrl+Alt+Del required): yes",
            "2. DisableLockScreenAppNotifications = 1: yes",
            // No EditionID under Wine, so the third condition is unknown (a Wine deviation).
            "3. IsContentDeliveryPolicyEnforced (an edition other than Home or Pro: edition unknown): unknown",
        ]
    );
    assert_eq!(
        run.text("win10.hide-fast-user-switching", "fix")?,
        r#"Set the Group Policy 'Computer Configuration > Administrative Templates > System > Logon > Hide entry points for Fast User Switching' to Disabled or Not configured; locally: reg add "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System" /v HideFastUserSwitching /t REG_DWORD /d 0 /f"#
    );

    let bundle = prefix.drive_c().join("sspr-bundle");
    let mut files: Vec<String> = std::fs::read_dir(&bundle)
        .with_context(|| format!("listing {}", bundle.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    files.sort();
    assert_eq!(
        files,
        ["manifest.txt", "registry.reg", "report.json", "report.txt"]
    );
    assert_eq!(
        std::fs::read_to_string(bundle.join("report.json"))?,
        run.stdout
    );
    let manifest = std::fs::read_to_string(bundle.join("manifest.txt"))?;
    assert!(
        manifest.ends_with(
            "Not collected:\r\n  log files: C:\\ProgramData\\SsprWindowsLogon\\logs does not exist\r\n  \
             events-SsprCredentialProvider.evtx: wevtutil reported success but wrote no file\r\n"
        ),
        // Wine's wevtutil is a stub that exits 0 and writes nothing (a Wine deviation).
        "{manifest}"
    );
    let registry = read_utf16(&bundle.join("registry.reg"))?;
    assert!(registry.starts_with("Windows Registry Editor Version 5.00\r\n"));
    for line in [
        format!(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\{CLSID}\\InprocServer32]\r\n@=\"{}\"",
            DLL.replace('\\', "\\\\")
        ),
        "\"HideFastUserSwitching\"=dword:00000001".to_owned(),
        "\"AllowPasswordReset\"=dword:00000001".to_owned(),
        "\"Shell\"=\"C:\\\\Kiosk\\\\kiosk.exe\"".to_owned(),
    ] {
        assert!(
            registry.contains(&line),
            "registry.reg lacks {line:?}:\n{registry}"
        );
    }
    Ok(())
}

/// SsprDiag only reads, and a `--collect` it cannot write exits 3: the shared check
/// ([`sspr_e2e::diag::changes_nothing_and_exits_3_when_collect_cannot_write`], the native
/// runner's too) on the installed prefix.
fn changes_nothing_and_exits_3_when_collect_cannot_write() -> anyhow::Result<()> {
    let prefix = installed_prefix("diag-read-only")?;
    sspr_e2e::diag::changes_nothing_and_exits_3_when_collect_cannot_write(&prefix, DIAG)
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn ssprdiag_reports_exact_states_under_wine() -> anyhow::Result<()> {
    let _teardown = Teardown;
    changes_nothing_and_exits_3_when_collect_cannot_write().context("read-only, --collect")?;
    healthy_windows_7().context("healthy Windows 7")?;
    broken_registration_and_conflicting_policy().context("broken registration")?;
    windows_10_breaking_settings_and_collect().context("Windows 10")?;
    Ok(())
}
