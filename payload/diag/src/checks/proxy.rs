//! `network.proxy`: whether a proxy the users' sessions rely on also exists for the sign-in
//! screen. Microsoft's "How to: Enable password reset from the Windows login screen": "Windows 10 devices only support machine-level proxy configuration"; on any
//! version the sign-in screen runs as LocalSystem, which never sees a user's own proxy settings.

use super::Context;
use crate::machine::{Flag, Machine, RegKey, Value};
use crate::proxy_settings::{self, ConnectionSettings};
use crate::report::{CheckBuilder, CheckResult};

pub const ID: &str = "network.proxy";

pub const CONNECTIONS: &str =
    r"Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
pub const INTERNET_SETTINGS: &str = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings";
pub const PER_USER_POLICY_KEY: &str =
    r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings";

/// WinHTTP's machine proxy (`netsh winhttp set proxy`): `None` when not set, `Err` when unreadable.
pub fn winhttp_proxy(machine: &dyn Machine) -> Option<Result<ConnectionSettings, String>> {
    match machine.value(&RegKey::hklm(CONNECTIONS), "WinHttpSettings")? {
        Value::Binary(bytes) => Some(proxy_settings::parse(&bytes)),
        other => Some(Err(format!(
            "{} where REG_BINARY was expected",
            other.describe()
        ))),
    }
}

/// A WinINet connection settings blob under `key`.
fn wininet(machine: &dyn Machine, key: &RegKey) -> Option<Result<ConnectionSettings, String>> {
    match machine.value(&key.child("Connections"), "DefaultConnectionSettings")? {
        Value::Binary(bytes) => Some(proxy_settings::parse(&bytes)),
        other => Some(Err(format!(
            "{} where REG_BINARY was expected",
            other.describe()
        ))),
    }
}

/// A user's manual proxy or PAC script, from the blob or the plain values beside it.
fn user_proxy(machine: &dyn Machine, settings: &RegKey) -> (Option<String>, Vec<String>) {
    let mut notes = Vec::new();
    let mut proxy = None;
    match wininet(machine, settings) {
        Some(Ok(blob)) => {
            notes.push(blob.describe());
            if blob.proxy_server().is_some() || blob.pac_url().is_some() {
                proxy = Some(blob.describe());
            }
        }
        Some(Err(why)) => notes.push(format!("DefaultConnectionSettings unreadable: {why}")),
        None => {}
    }
    let enabled = Flag::read(machine, settings, "ProxyEnable") == Flag::On;
    let server = machine
        .value(settings, "ProxyServer")
        .and_then(|v| v.as_str().map(str::to_owned));
    let pac = machine
        .value(settings, "AutoConfigURL")
        .and_then(|v| v.as_str().map(str::to_owned));
    if proxy.is_none() {
        if let (true, Some(server)) = (enabled, server.filter(|s| !s.trim().is_empty())) {
            proxy = Some(format!("proxy {server}"));
        } else if let Some(pac) = pac.filter(|s| !s.trim().is_empty()) {
            proxy = Some(format!("PAC script {pac}"));
        }
    }
    (proxy, notes)
}

pub fn machine_proxy(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(ID, "Machine-level proxy configuration");
    let connections = RegKey::hklm(CONNECTIONS);
    let per_user_policy = RegKey::hklm(PER_USER_POLICY_KEY);
    let machine_settings = RegKey::hklm(INTERNET_SETTINGS);
    let sign_in = RegKey::hku(".DEFAULT").child(INTERNET_SETTINGS);
    let user = RegKey::hkcu(INTERNET_SETTINGS);
    check.look(connections.value_path("WinHttpSettings"));
    check.look(per_user_policy.value_path("ProxySettingsPerUser"));
    check.look(
        machine_settings
            .child("Connections")
            .value_path("DefaultConnectionSettings"),
    );
    check.look(
        sign_in
            .child("Connections")
            .value_path("DefaultConnectionSettings"),
    );
    check.look(format!(
        "{sign_in}\\(ProxyEnable, ProxyServer, AutoConfigURL)"
    ));
    check.look(
        user.child("Connections")
            .value_path("DefaultConnectionSettings"),
    );
    check.look(format!("{user}\\(ProxyEnable, ProxyServer, AutoConfigURL)"));

    let mut machine_level: Vec<String> = Vec::new();
    let mut unreadable = None;
    match winhttp_proxy(machine) {
        None => check.found("WinHTTP proxy (netsh winhttp): not set (direct)"),
        Some(Ok(settings)) => {
            check.found(format!(
                "WinHTTP proxy (netsh winhttp): {}",
                settings.describe()
            ));
            if let Some(proxy) = settings.proxy_server() {
                machine_level.push(format!("WinHTTP proxy {proxy}"));
            }
        }
        Some(Err(why)) => {
            check.found(format!("WinHTTP proxy (netsh winhttp): unreadable: {why}"));
            unreadable = Some(why);
        }
    }
    let per_machine =
        machine.value(&per_user_policy, "ProxySettingsPerUser") == Some(Value::Dword(0));
    check.found(format!(
        "'Make proxy settings per-machine' policy (ProxySettingsPerUser = 0): {}",
        if per_machine { "on" } else { "off" }
    ));
    if per_machine {
        let (proxy, notes) = user_proxy(machine, &machine_settings);
        check.found(format!(
            "machine-wide Internet Settings: {}",
            notes.join("; ")
        ));
        if let Some(proxy) = proxy {
            machine_level.push(format!("machine-wide {proxy}"));
        }
    }
    let (sign_in_proxy, notes) = user_proxy(machine, &sign_in);
    check.found(format!(
        "sign-in screen's account (HKU\\.DEFAULT): {}",
        sign_in_proxy
            .clone()
            .unwrap_or_else(|| if notes.is_empty() {
                "no proxy".to_owned()
            } else {
                notes.join("; ")
            })
    ));
    if let Some(proxy) = sign_in_proxy {
        machine_level.push(format!("sign-in screen's account: {proxy}"));
    }
    let (user_level, notes) = user_proxy(machine, &user);
    check.found(format!(
        "current user: {}",
        user_level.clone().unwrap_or_else(|| if notes.is_empty() {
            "no proxy".to_owned()
        } else {
            notes.join("; ")
        })
    ));

    if let Some(why) = unreadable {
        return check.warn(
            format!("The WinHTTP proxy setting cannot be read ({why})"),
            "Rewrite it: netsh winhttp set proxy proxy-server=\"host:port\" bypass-list=\"<local>\" (or netsh winhttp reset proxy for a direct connection).",
        );
    }
    if !machine_level.is_empty() {
        return check.pass(format!("Machine-level proxy: {}", machine_level.join("; ")));
    }
    if let Some(proxy) = user_level {
        return check.warn(
            format!("The current user goes through a proxy ({proxy}) but the sign-in screen has no machine-level proxy"),
            "If this network reaches the internet only through that proxy, give the machine one: netsh winhttp set proxy proxy-server=\"host:port\" bypass-list=\"<local>\", or enable Computer Configuration > Administrative Templates > Windows Components > Internet Explorer > Make proxy settings per-machine (rather than per-user) and set the proxy there. Windows 10 supports only machine-level proxy configuration for reset (Microsoft's \"How to: Enable password reset from the Windows login screen\").",
        );
    }
    check.pass("Direct connection: no proxy for the machine or this user")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::proxy_settings::{encode, FLAG_PROXY};
    use crate::report::Status;

    fn blob(proxy: &str) -> Value {
        Value::Binary(encode(
            &ConnectionSettings {
                flags: 1 | FLAG_PROXY,
                proxy: proxy.into(),
                ..Default::default()
            },
            0x28,
        ))
    }

    #[test]
    fn direct_passes() {
        let result = run(&FakeMachine::windows7(), machine_proxy);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "Direct connection: no proxy for the machine or this user"
            )
        );
        assert_eq!(
            result.found,
            [
                "WinHTTP proxy (netsh winhttp): not set (direct)",
                "'Make proxy settings per-machine' policy (ProxySettingsPerUser = 0): off",
                "sign-in screen's account (HKU\\.DEFAULT): no proxy",
                "current user: no proxy",
            ]
        );
    }

    #[test]
    fn user_only_proxy_warns_machine_proxy_passes() {
        let user = FakeMachine::windows7()
            .with_value(
                &RegKey::hkcu(INTERNET_SETTINGS),
                "ProxyEnable",
                Value::Dword(1),
            )
            .with_value(
                &RegKey::hkcu(INTERNET_SETTINGS),
                "ProxyServer",
                Value::sz("proxy.contoso.test:8080"),
            );
        let result = run(&user, machine_proxy);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "The current user goes through a proxy (proxy proxy.contoso.test:8080) but the sign-in screen has no machine-level proxy"
        );
        let both = user.with_value(
            &RegKey::hklm(CONNECTIONS),
            "WinHttpSettings",
            blob("proxy.contoso.test:8080"),
        );
        let result = run(&both, machine_proxy);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "Machine-level proxy: WinHTTP proxy proxy.contoso.test:8080"
            )
        );
        let per_machine = FakeMachine::windows7()
            .with_value(
                &RegKey::hklm(PER_USER_POLICY_KEY),
                "ProxySettingsPerUser",
                Value::Dword(0),
            )
            .with_value(
                &RegKey::hklm(INTERNET_SETTINGS).child("Connections"),
                "DefaultConnectionSettings",
                blob("p:3128"),
            );
        assert_eq!(
            run(&per_machine, machine_proxy).summary,
            "Machine-level proxy: machine-wide proxy p:3128"
        );
    }

    #[test]
    fn unreadable_winhttp_setting_warns() {
        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(CONNECTIONS),
            "WinHttpSettings",
            Value::Binary(vec![1, 2]),
        );
        let result = run(&machine, machine_proxy);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "The WinHTTP proxy setting cannot be read (only 2 bytes, fewer than the 12-byte header)"
        );
    }
}
