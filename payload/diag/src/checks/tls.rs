//! `tls.schannel`, `tls.winhttp`, `tls.wininet`: TLS 1.2 for the reset window's connections.
//!
//! Microsoft's "How to: Enable password reset from the Windows login screen" (Windows 7, 8, 8.1) requires TLS 1.2 "enabled, not just set to auto negotiate",
//! following Microsoft's TLS registry settings: the SCHANNEL client keys. WinHTTP's
//! `DefaultSecureProtocols` (KB3140245) and Internet Explorer's `SecureProtocols` decide whether
//! the programs on top of SCHANNEL offer TLS 1.2 at all.

use super::{Context, Problems};
use crate::machine::{Machine, RegKey, Value, View};
use crate::report::{CheckBuilder, CheckResult};
use crate::windows_version::Family;

pub const SCHANNEL_ID: &str = "tls.schannel";
pub const WINHTTP_ID: &str = "tls.winhttp";
pub const WININET_ID: &str = "tls.wininet";

pub const TLS12_CLIENT_KEY: &str =
    r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";
pub const WINHTTP_KEY: &str =
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
pub const INTERNET_SETTINGS_POLICY_KEY: &str =
    r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings";
/// Below `HKU\.DEFAULT` (the LocalSystem profile the sign-in screen runs in) and `HKCU`.
pub const USER_INTERNET_SETTINGS: &str =
    r"Software\Microsoft\Windows\CurrentVersion\Internet Settings";
pub const IE_KEY: &str = r"SOFTWARE\Microsoft\Internet Explorer";

/// The TLS 1.2 bit of `DefaultSecureProtocols` and `SecureProtocols`.
const TLS_1_2: u32 = 0x800;

const SCHANNEL_FIX: &str = r#"reg add "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client" /v Enabled /t REG_DWORD /d 1 /f && reg add "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client" /v DisabledByDefault /t REG_DWORD /d 0 /f, then restart Windows (SCHANNEL reads these at startup)."#;

/// What one SCHANNEL value says.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Setting {
    Absent,
    Dword(u32),
    /// Present but not a DWORD: SCHANNEL ignores it.
    Ignored(Value),
}

fn setting(machine: &dyn Machine, key: &RegKey, name: &str) -> Setting {
    match machine.value(key, name) {
        None => Setting::Absent,
        Some(Value::Dword(n)) => Setting::Dword(n),
        Some(other) => Setting::Ignored(other),
    }
}

fn describe(setting: &Setting) -> String {
    match setting {
        Setting::Absent => "not set".to_owned(),
        Setting::Dword(n) => Value::Dword(*n).describe(),
        Setting::Ignored(v) => format!("{} (ignored: not a DWORD)", v.describe()),
    }
}

pub fn schannel(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let key = RegKey::hklm(TLS12_CLIENT_KEY);
    let mut check = CheckBuilder::new(SCHANNEL_ID, "TLS 1.2 enabled for clients (SCHANNEL)");
    check.look(key.value_path("Enabled"));
    check.look(key.value_path("DisabledByDefault"));
    let enabled = setting(machine, &key, "Enabled");
    let disabled_by_default = setting(machine, &key, "DisabledByDefault");
    check.found(format!("Enabled: {}", describe(&enabled)));
    check.found(format!(
        "DisabledByDefault: {}",
        describe(&disabled_by_default)
    ));

    let family = ctx.windows.family();
    if family == Family::Older {
        return check.skip("Windows older than 7 SP1 (see windows.version)");
    }
    if enabled == Setting::Dword(0) || matches!(disabled_by_default, Setting::Dword(n) if n != 0) {
        return check.fail(
            "TLS 1.2 is switched off for clients: the reset window cannot reach the portal",
            SCHANNEL_FIX,
        );
    }
    let explicit_on =
        matches!(enabled, Setting::Dword(n) if n != 0) && disabled_by_default == Setting::Dword(0);
    if explicit_on {
        return check.pass(
            "TLS 1.2 is enabled for clients explicitly (Enabled = 1, DisabledByDefault = 0)",
        );
    }
    match family {
        Family::Windows7 => check.fail(
            "TLS 1.2 is not enabled for clients: Windows 7 ships it disabled by default, and Microsoft's \"How to: Enable password reset from the Windows login screen\" warns that auto-negotiation alone is not enough",
            SCHANNEL_FIX,
        ),
        Family::Windows8 | Family::Windows81 => check.warn(
            "TLS 1.2 is on by default here but not enabled explicitly; Microsoft's \"How to: Enable password reset from the Windows login screen\" requires it enabled, not just negotiated",
            SCHANNEL_FIX,
        ),
        _ => check.pass("Not set: TLS 1.2 is on by default on this Windows"),
    }
}

pub fn winhttp(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(WINHTTP_ID, "TLS 1.2 among WinHTTP's default protocols");
    let mut keys = vec![RegKey::hklm(WINHTTP_KEY)];
    if ctx.arch.is_64_bit() {
        keys.push(RegKey::hklm(WINHTTP_KEY).in_view(View::Wow32));
    }
    let family = ctx.windows.family();
    let old_default = matches!(family, Family::Windows7 | Family::Windows8);
    let fix = format!(
        "reg add \"HKLM\\{WINHTTP_KEY}\" /v DefaultSecureProtocols /t REG_DWORD /d 2688 /f{} (2688 = 0xA80: TLS 1.0, 1.1 and 1.2){}.",
        if ctx.arch.is_64_bit() {
            format!(
                " and the same under \"HKLM\\SOFTWARE\\Wow6432Node\\{}\"",
                &WINHTTP_KEY["SOFTWARE\\".len()..]
            )
        } else {
            String::new()
        },
        if old_default {
            "; on Windows 7 and 8 the value needs update KB3140245"
        } else {
            ""
        }
    );
    let mut problems = Problems::new();
    let mut absent = Vec::new();
    for key in &keys {
        check.look(key.value_path("DefaultSecureProtocols"));
        match machine.value(key, "DefaultSecureProtocols") {
            None => {
                check.found(format!(
                    "{}: not set",
                    key.value_path("DefaultSecureProtocols")
                ));
                absent.push(key.to_string());
            }
            Some(Value::Dword(bits)) => {
                check.found(format!(
                    "{}: 0x{bits:X}",
                    key.value_path("DefaultSecureProtocols")
                ));
                if bits & TLS_1_2 == 0 {
                    problems.fail(
                        format!("DefaultSecureProtocols 0x{bits:X} in {key} leaves TLS 1.2 out of WinHTTP's defaults"),
                        fix.clone(),
                    );
                }
            }
            Some(other) => {
                check.found(format!(
                    "{}: {} (ignored: not a DWORD)",
                    key.value_path("DefaultSecureProtocols"),
                    other.describe()
                ));
                absent.push(key.to_string());
            }
        }
    }
    if family == Family::Older {
        return check.skip("Windows older than 7 SP1 (see windows.version)");
    }
    if old_default && !absent.is_empty() {
        problems.warn(
            format!(
                "DefaultSecureProtocols is not set in {}: WinHTTP on Windows 7 and 8 offers only SSL 3.0 and TLS 1.0 unless a program asks for more",
                absent.join(" and ")
            ),
            fix.clone(),
        );
    }
    let pass = if absent.is_empty() {
        "DefaultSecureProtocols includes TLS 1.2".to_owned()
    } else {
        "Not set: WinHTTP's default protocols include TLS 1.2 on this Windows".to_owned()
    };
    problems.finish(check, pass)
}

/// The first number of a version string (`11.0.9600.19036` -> 11; IE 11's `Version` is
/// `9.11.9600...`, so `svcVersion` is read first).
fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.trim().parse().ok()
}

pub fn wininet(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(
        WININET_ID,
        "TLS 1.2 in Internet Settings (SecureProtocols) for the sign-in screen",
    );
    let policy = RegKey::hklm(INTERNET_SETTINGS_POLICY_KEY);
    let sign_in = RegKey::hku(".DEFAULT").child(USER_INTERNET_SETTINGS);
    let user = RegKey::hkcu(USER_INTERNET_SETTINGS);
    let ie = RegKey::hklm(IE_KEY);
    check.look(policy.value_path("SecureProtocols"));
    check.look(sign_in.value_path("SecureProtocols"));
    check.look(user.value_path("SecureProtocols"));
    check.look(ie.value_path("svcVersion"));
    check.look(ie.value_path("Version"));

    let read = |key: &RegKey| {
        machine
            .value(key, "SecureProtocols")
            .and_then(|v| v.as_dword())
    };
    let ie_version = ["svcVersion", "Version"].into_iter().find_map(|name| {
        machine
            .value(&ie, name)
            .and_then(|v| v.as_str().map(str::to_owned))
    });
    let ie_major = ie_version.as_deref().and_then(major);
    check.found(format!(
        "Internet Explorer: {}",
        ie_version.as_deref().unwrap_or("not found")
    ));
    let show = |bits: Option<u32>| bits.map_or("not set".to_owned(), |b| format!("0x{b:X}"));
    check.found(format!("policy SecureProtocols: {}", show(read(&policy))));
    check.found(format!(
        "sign-in screen's account (HKU\\.DEFAULT) SecureProtocols: {}",
        show(read(&sign_in))
    ));
    check.found(format!(
        "current user's SecureProtocols: {}",
        show(read(&user))
    ));

    let family = ctx.windows.family();
    if family == Family::Older {
        return check.skip("Windows older than 7 SP1 (see windows.version)");
    }
    let default_has_tls12 = match family {
        Family::Windows7 | Family::Windows8 => ie_major.map(|m| m >= 11),
        _ => Some(true),
    };
    let (bits, source) = match (read(&policy), read(&sign_in)) {
        (Some(bits), _) => (Some(bits), "Group Policy"),
        (None, Some(bits)) => (Some(bits), "the sign-in screen's account (HKU\\.DEFAULT)"),
        (None, None) => (None, "Windows' default"),
    };
    let fix_value = format!(
        "reg add \"HKU\\.DEFAULT\\{USER_INTERNET_SETTINGS}\" /v SecureProtocols /t REG_DWORD /d 2688 /f (2688 = 0xA80: TLS 1.0, 1.1 and 1.2)"
    );
    match bits {
        Some(bits) if bits & TLS_1_2 != 0 => {
            check.pass(format!("SecureProtocols 0x{bits:X} from {source} includes TLS 1.2"))
        }
        Some(bits) => {
            let fix = if source == "Group Policy" {
                "Change the GPO 'Turn off encryption support' (Computer Configuration > Administrative Templates > Windows Components > Internet Explorer > Internet Control Panel > Advanced Page) to include TLS 1.2, then run gpupdate /force.".to_owned()
            } else {
                format!("{fix_value}.")
            };
            check.fail(
                format!("SecureProtocols 0x{bits:X} from {source} leaves TLS 1.2 off for the reset window"),
                fix,
            )
        }
        None => match default_has_tls12 {
            Some(true) => check.pass(match ie_major {
                Some(m) if family == Family::Windows7 || family == Family::Windows8 => {
                    format!("Not set: Internet Explorer {m}'s default includes TLS 1.2")
                }
                _ => "Not set: this Windows' default includes TLS 1.2".to_owned(),
            }),
            Some(false) => check.fail(
                format!(
                    "Internet Explorer {} is installed and SecureProtocols is not set: IE 10 and older leave TLS 1.2 off by default",
                    ie_major.map_or("?".to_owned(), |m| m.to_string())
                ),
                format!("Install Internet Explorer 11, or set {fix_value}."),
            ),
            None => check.warn(
                "Could not tell whether TLS 1.2 is on: SecureProtocols is not set and the Internet Explorer version is unknown",
                format!("Set {fix_value}."),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::report::Status;

    fn client() -> RegKey {
        RegKey::hklm(TLS12_CLIENT_KEY)
    }

    #[test]
    fn schannel_on_windows_7() {
        let result = run(&FakeMachine::windows7(), schannel);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.found,
            ["Enabled: 1 (REG_DWORD)", "DisabledByDefault: 0 (REG_DWORD)"]
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_value(&client(), "DisabledByDefault");
        let result = run(&machine, schannel);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(result.fix.as_deref(), Some(SCHANNEL_FIX));

        let machine = FakeMachine::windows7().with_value(&client(), "Enabled", Value::Dword(0));
        assert_eq!(
            run(&machine, schannel).summary,
            "TLS 1.2 is switched off for clients: the reset window cannot reach the portal"
        );

        let machine = FakeMachine::windows7().with_value(&client(), "Enabled", Value::sz("1"));
        let result = run(&machine, schannel);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.found[0],
            "Enabled: \"1\" (REG_SZ) (ignored: not a DWORD)"
        );
    }

    #[test]
    fn schannel_on_windows_8_1_and_10() {
        let mut machine = FakeMachine::windows7().with_os(6, 3, 9600, 0);
        machine.remove_value(&client(), "Enabled");
        assert_eq!(run(&machine, schannel).status, Status::Warn);
        let machine = FakeMachine::windows10();
        assert_eq!(
            run(&machine, schannel).summary,
            "Not set: TLS 1.2 is on by default on this Windows"
        );
        let machine = machine.with_value(&client(), "DisabledByDefault", Value::Dword(1));
        assert_eq!(run(&machine, schannel).status, Status::Fail);
    }

    #[test]
    fn winhttp_pass_warn_fail() {
        let result = run(&FakeMachine::windows7(), winhttp);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.found,
            [
                r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp\DefaultSecureProtocols: 0xA80",
                r"HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp\DefaultSecureProtocols: 0xA80",
            ]
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_value(&RegKey::hklm32(WINHTTP_KEY), "DefaultSecureProtocols");
        let result = run(&machine, winhttp);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.fix.as_deref(),
            Some(
                r#"reg add "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp" /v DefaultSecureProtocols /t REG_DWORD /d 2688 /f and the same under "HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp" (2688 = 0xA80: TLS 1.0, 1.1 and 1.2); on Windows 7 and 8 the value needs update KB3140245."#
            )
        );

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(WINHTTP_KEY),
            "DefaultSecureProtocols",
            Value::Dword(0xA0),
        );
        let result = run(&machine, winhttp);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            r"DefaultSecureProtocols 0xA0 in HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp leaves TLS 1.2 out of WinHTTP's defaults"
        );

        let mut machine = FakeMachine::windows10();
        machine.remove_value(&RegKey::hklm(WINHTTP_KEY), "DefaultSecureProtocols");
        assert_eq!(
            run(&machine, winhttp).summary,
            "Not set: WinHTTP's default protocols include TLS 1.2 on this Windows"
        );
    }

    #[test]
    fn wininet_pass_warn_fail() {
        let result = run(&FakeMachine::windows7(), wininet);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "Not set: Internet Explorer 11's default includes TLS 1.2"
            )
        );

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(IE_KEY),
            "svcVersion",
            Value::sz("10.0.9200.16384"),
        );
        let result = run(&machine, wininet);
        assert_eq!(result.status, Status::Fail);
        assert!(result
            .fix
            .as_deref()
            .unwrap_or("")
            .starts_with("Install Internet Explorer 11, or set reg add"));

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hku(".DEFAULT").child(USER_INTERNET_SETTINGS),
            "SecureProtocols",
            Value::Dword(0xA0),
        );
        assert_eq!(
            run(&machine, wininet).summary,
            r"SecureProtocols 0xA0 from the sign-in screen's account (HKU\.DEFAULT) leaves TLS 1.2 off for the reset window"
        );

        let machine = machine.with_value(
            &RegKey::hklm(INTERNET_SETTINGS_POLICY_KEY),
            "SecureProtocols",
            Value::Dword(0xA80),
        );
        assert_eq!(
            run(&machine, wininet).summary,
            "SecureProtocols 0xA80 from Group Policy includes TLS 1.2"
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_key(&RegKey::hklm(IE_KEY));
        assert_eq!(run(&machine, wininet).status, Status::Warn);
    }
}
