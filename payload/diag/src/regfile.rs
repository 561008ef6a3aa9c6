//! Registry exports in regedit's `.reg` format ("Windows Registry Editor Version 5.00",
//! UTF-16LE with a byte order mark), so a support engineer can read or import them.

use crate::machine::{Machine, RegKey, Value, View};

/// One key to export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportItem {
    pub key: RegKey,
    /// Include subkeys, depth first.
    pub recursive: bool,
    /// Export only these values (case-insensitive); `None` exports all. Keeps secrets such as
    /// Winlogon's `DefaultPassword` out of support bundles.
    pub only_values: Option<&'static [&'static str]>,
}

/// Most keys one export writes, so a huge subtree cannot fill the disk.
pub const MAX_KEYS: usize = 5000;

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// One `name=data` line.
pub fn value_line(name: &str, value: &Value) -> String {
    let name = if name.is_empty() {
        "@".to_owned()
    } else {
        quote(name)
    };
    let data = match value {
        Value::String(s) => quote(s),
        Value::Dword(n) => format!("dword:{n:08x}"),
        Value::ExpandString(s) => format!("hex(2):{}", hex(&utf16(s))),
        Value::MultiString(items) => {
            let mut bytes: Vec<u8> = items.iter().flat_map(|s| utf16(s)).collect();
            bytes.extend_from_slice(&[0, 0]);
            format!("hex(7):{}", hex(&bytes))
        }
        Value::Binary(bytes) => format!("hex:{}", hex(bytes)),
        Value::Qword(n) => format!("hex(b):{}", hex(&n.to_le_bytes())),
        Value::Other { kind, data } => format!("hex({kind:x}):{}", hex(data)),
    };
    format!("{name}={data}")
}

/// `[HKEY_LOCAL_MACHINE\...]`, with `Wow6432Node` for the 32-bit view.
pub fn key_line(key: &RegKey) -> String {
    format!("[{}\\{}]", key.hive.long_name(), key.display_path())
}

fn export_key(
    machine: &dyn Machine,
    item: &ExportItem,
    key: &RegKey,
    out: &mut String,
    budget: &mut usize,
) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    out.push_str(&key_line(key));
    out.push_str("\r\n");
    for (name, value) in machine.values(key).unwrap_or_default() {
        let wanted = item
            .only_values
            .is_none_or(|only| only.iter().any(|n| n.eq_ignore_ascii_case(&name)));
        if wanted {
            out.push_str(&value_line(&name, &value));
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    if item.recursive {
        for child in machine.subkeys(key).unwrap_or_default() {
            export_key(machine, item, &key.child(&child), out, budget);
        }
    }
}

/// The text of a `.reg` file holding `items` (absent keys become `;` comments).
pub fn export(machine: &dyn Machine, items: &[ExportItem]) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    let mut budget = MAX_KEYS;
    for item in items {
        if machine.subkeys(&item.key).is_none() {
            out.push_str(&format!("; {} is not present\r\n\r\n", key_line(&item.key)));
            continue;
        }
        export_key(machine, item, &item.key, &mut out, &mut budget);
    }
    if budget == 0 {
        out.push_str(&format!("; stopped after {MAX_KEYS} keys\r\n"));
    }
    out
}

/// UTF-16LE with a byte order mark, as regedit writes `.reg` files.
pub fn encode(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The keys a support bundle holds: everything the checks read, minus secrets.
pub fn support_items(native_64_bit: bool) -> Vec<ExportItem> {
    use crate::checks::{proxy, tls, windows10};
    use crate::registration::{
        class_key, CLSID, FILTERS_KEY, FILTER_CLSID, PROVIDERS_KEY, SYSTEM_POLICY_KEY,
    };
    let all = |key: RegKey| ExportItem {
        key,
        recursive: true,
        only_values: None,
    };
    let flat = |key: RegKey| ExportItem {
        key,
        recursive: false,
        only_values: None,
    };
    let only = |key: RegKey, names: &'static [&'static str]| ExportItem {
        key,
        recursive: false,
        only_values: Some(names),
    };
    let mut items = Vec::new();
    for clsid in [CLSID, FILTER_CLSID] {
        items.push(all(class_key(clsid, View::Native)));
        if native_64_bit {
            items.push(all(class_key(clsid, View::Wow32)));
        }
    }
    items.push(all(RegKey::hklm(PROVIDERS_KEY)));
    items.push(all(RegKey::hklm(FILTERS_KEY)));
    for key in [
        sspr_settings::SETTINGS_KEY,
        sspr_settings::POLICY_KEY,
        tls::WINHTTP_KEY,
    ] {
        items.push(all(RegKey::hklm(key)));
        if native_64_bit {
            items.push(all(RegKey::hklm32(key)));
        }
    }
    items.push(all(RegKey::hklm(
        r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols",
    )));
    items.push(all(RegKey::hklm(proxy::CONNECTIONS)));
    items.push(all(RegKey::hklm(tls::INTERNET_SETTINGS_POLICY_KEY)));
    items.push(only(
        RegKey::hku(".DEFAULT").child(proxy::INTERNET_SETTINGS),
        &[
            "ProxyEnable",
            "ProxyServer",
            "ProxyOverride",
            "AutoConfigURL",
            "SecureProtocols",
        ],
    ));
    items.push(all(RegKey::hku(".DEFAULT").child(proxy::CONNECTIONS)));
    items.push(only(
        RegKey::hkcu(proxy::INTERNET_SETTINGS),
        &[
            "ProxyEnable",
            "ProxyServer",
            "ProxyOverride",
            "AutoConfigURL",
            "SecureProtocols",
        ],
    ));
    items.push(all(RegKey::hklm(windows10::AZURE_AD_ACCOUNT_POLICY_KEY)));
    items.push(all(
        RegKey::hklm(windows10::MDM_DEVICE_KEY).child("Authentication")
    ));
    items.push(flat(RegKey::hklm(windows10::SYSTEM_POLICIES_KEY)));
    items.push(flat(RegKey::hklm(SYSTEM_POLICY_KEY)));
    items.push(flat(RegKey::hklm(windows10::PERSONALIZATION_POLICY_KEY)));
    items.push(only(
        RegKey::hklm(crate::windows_version::CURRENT_VERSION_KEY),
        &[
            "ProductName",
            "EditionID",
            "InstallationType",
            "CurrentVersion",
            "CurrentMajorVersionNumber",
            "CurrentMinorVersionNumber",
            "CurrentBuild",
            "CurrentBuildNumber",
            "UBR",
            "DisplayVersion",
            "ReleaseId",
            "CSDVersion",
        ],
    ));
    items.push(only(
        RegKey::hklm(windows10::WINLOGON_KEY),
        &["Shell", "DisableCAD"],
    ));
    items.push(only(RegKey::hklm(tls::IE_KEY), &["svcVersion", "Version"]));
    // Join entries hold account names: their keys only.
    items.push(ExportItem {
        key: RegKey::hklm(windows10::JOIN_INFO_KEY),
        recursive: true,
        only_values: Some(&[]),
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FakeMachine;

    #[test]
    fn value_lines_match_regedit() {
        assert_eq!(
            value_line("", &Value::sz(r#"C:\a "b""#)),
            r#"@="C:\\a \"b\"""#
        );
        assert_eq!(
            value_line("Enabled", &Value::Dword(1)),
            "\"Enabled\"=dword:00000001"
        );
        assert_eq!(
            value_line("P", &Value::ExpandString("%a%".into())),
            "\"P\"=hex(2):25,00,61,00,25,00,00,00"
        );
        assert_eq!(
            value_line("M", &Value::MultiString(vec!["a".into(), "b".into()])),
            "\"M\"=hex(7):61,00,00,00,62,00,00,00,00,00"
        );
        assert_eq!(
            value_line("B", &Value::Binary(vec![0x28, 0, 0xff])),
            "\"B\"=hex:28,00,ff"
        );
        assert_eq!(
            value_line("Q", &Value::Qword(1)),
            "\"Q\"=hex(b):01,00,00,00,00,00,00,00"
        );
        assert_eq!(
            value_line(
                "N",
                &Value::Other {
                    kind: 0,
                    data: vec![]
                }
            ),
            "\"N\"=hex(0):"
        );
    }

    #[test]
    fn export_walks_keys_filters_values_and_notes_absent_ones() {
        let winlogon = RegKey::hklm(r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon");
        let machine = FakeMachine::empty()
            .with_value(&winlogon, "Shell", Value::sz("explorer.exe"))
            .with_value(&winlogon, "DefaultPassword", Value::sz("secret"))
            .with_value(&RegKey::hklm32(r"SOFTWARE\A\B"), "x", Value::Dword(2));
        let text = export(
            &machine,
            &[
                ExportItem {
                    key: winlogon.clone(),
                    recursive: false,
                    only_values: Some(&["Shell"]),
                },
                ExportItem {
                    key: RegKey::hklm32(r"SOFTWARE\A"),
                    recursive: true,
                    only_values: None,
                },
                ExportItem {
                    key: RegKey::hklm(r"SOFTWARE\Missing"),
                    recursive: true,
                    only_values: None,
                },
            ],
        );
        assert_eq!(
            text,
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon]\r\n\
             \"Shell\"=\"explorer.exe\"\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\A]\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\A\\B]\r\n\
             \"x\"=dword:00000002\r\n\r\n\
             ; [HKEY_LOCAL_MACHINE\\SOFTWARE\\Missing] is not present\r\n\r\n"
        );
        assert_eq!(&encode("A")[..], &[0xFF, 0xFE, b'A', 0]);
    }

    #[test]
    fn support_items_never_export_winlogon_secrets() {
        let winlogon = support_items(true)
            .into_iter()
            .find(|item| item.key.path.ends_with("Winlogon"))
            .unwrap();
        assert_eq!(winlogon.only_values, Some(&["Shell", "DisableCAD"][..]));
        assert!(!winlogon.recursive);
    }
}
