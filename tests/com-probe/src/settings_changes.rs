//! `--settings`: the provider's settings snapshot seen from LogonUI's side. The probe keeps the
//! provider DLL loaded (one object alive throughout, as LogonUI keeps it between screens), changes
//! the registry itself between screens, waits for the change notification that change raises
//! (its own `RegNotifyChangeKeyValue` on the same key, armed before the change), and then builds
//! the next screen: a new provider object, `SetUsageScenario(CPUS_LOGON)`, the credentials and
//! our link's text.
//!
//! Keys, one group per step `<s>` in [`STEPS`] order: `<s>.notified` (`1`, or `timeout` when no
//! notification came in 10 s), `<s>.logon`, `<s>.credentials`, `<s>.link` (the fallback tile's
//! link text, or `none`). The suite reads which settings each `SetUsageScenario` used from the
//! provider's log.

use std::time::Duration;

use windows::core::PCWSTR;
use windows::Win32::Foundation::{CloseHandle, ERROR_SUCCESS, WAIT_OBJECT_0};
use windows::Win32::System::Com::{CoCreateInstance, CoTaskMemFree, CLSCTX_INPROC_SERVER};
use windows::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegDeleteTreeW, RegNotifyChangeKeyValue, RegOpenKeyExW,
    RegSetValueExW, HKEY, HKEY_LOCAL_MACHINE, KEY_ALL_ACCESS, KEY_NOTIFY, REG_DWORD,
    REG_NOTIFY_CHANGE_LAST_SET, REG_NOTIFY_CHANGE_NAME, REG_OPTION_NON_VOLATILE, REG_SZ,
};
use windows::Win32::System::Threading::{CreateEventW, WaitForSingleObject};
use windows::Win32::UI::Shell::{ICredentialProvider, CPFT_COMMAND_LINK, CPUS_LOGON};
use windows_core::{BOOL, PWSTR};

use crate::probe::{free_descriptor, result_hex, PRODUCT_CLSID};

const SETTINGS_KEY: &str = sspr_identity::SETTINGS_KEY;
const POLICIES_KEY: &str = r"SOFTWARE\Policies";
const POLICY_KEY: &str = sspr_identity::POLICY_KEY;

/// A registry change the probe makes between two screens.
enum Change {
    None,
    Dword(&'static str, &'static str, u32),
    Text(&'static str, &'static str, &'static str),
    DeleteKey(&'static str),
}

/// The steps, in order: name, change, and the key whose notification says it happened.
pub const STEPS: [&str; 10] = [
    "first",
    "second",
    "unchanged",
    "disabled",
    "enabled",
    "link_text",
    "portal_url",
    "policy_created",
    "policy_link_text",
    "policy_deleted",
];

fn change_of(step: &str) -> (Change, &'static str) {
    match step {
        "disabled" => (Change::Dword(SETTINGS_KEY, "Disabled", 1), SETTINGS_KEY),
        "enabled" => (Change::Dword(SETTINGS_KEY, "Disabled", 0), SETTINGS_KEY),
        "link_text" => (
            Change::Text(SETTINGS_KEY, "LinkText", "Locked out?"),
            SETTINGS_KEY,
        ),
        "portal_url" => (
            Change::Text(SETTINGS_KEY, "PortalUrl", "https://sspr.example.test/reset"),
            SETTINGS_KEY,
        ),
        "policy_created" => (Change::Dword(POLICY_KEY, "Disabled", 0), POLICIES_KEY),
        "policy_link_text" => (
            Change::Text(POLICY_KEY, "LinkText", "Policy link"),
            POLICY_KEY,
        ),
        "policy_deleted" => (Change::DeleteKey(POLICY_KEY), POLICIES_KEY),
        _ => (Change::None, SETTINGS_KEY),
    }
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

fn open(path: &str, access: windows::Win32::System::Registry::REG_SAM_FLAGS) -> Option<HKEY> {
    let path = wide(path);
    let mut key = HKEY::default();
    // SAFETY: path is NUL-terminated; key is a valid out-pointer.
    let status = unsafe {
        RegOpenKeyExW(
            HKEY_LOCAL_MACHINE,
            PCWSTR(path.as_ptr()),
            None,
            access,
            &mut key,
        )
    };
    (status == ERROR_SUCCESS).then_some(key)
}

fn apply(change: &Change) -> String {
    let (path, name, data, kind) = match change {
        Change::None => return "0x00000000".into(),
        Change::DeleteKey(path) => {
            let path = wide(path);
            // SAFETY: path is NUL-terminated.
            let status = unsafe { RegDeleteTreeW(HKEY_LOCAL_MACHINE, PCWSTR(path.as_ptr())) };
            return format!("0x{:08X}", status.0);
        }
        Change::Dword(path, name, value) => (*path, *name, value.to_le_bytes().to_vec(), REG_DWORD),
        Change::Text(path, name, text) => (
            *path,
            *name,
            wide(text).iter().flat_map(|u| u.to_le_bytes()).collect(),
            REG_SZ,
        ),
    };
    let path_w = wide(path);
    let mut key = HKEY::default();
    // SAFETY: path_w is NUL-terminated; key is a valid out-pointer.
    let status = unsafe {
        RegCreateKeyExW(
            HKEY_LOCAL_MACHINE,
            PCWSTR(path_w.as_ptr()),
            None,
            PCWSTR::null(),
            REG_OPTION_NON_VOLATILE,
            KEY_ALL_ACCESS,
            None,
            &mut key,
            None,
        )
    };
    if status != ERROR_SUCCESS {
        return format!("0x{:08X}", status.0);
    }
    let name_w = wide(name);
    // SAFETY: key is open for writing; name_w is NUL-terminated; data is the value's bytes.
    let status = unsafe { RegSetValueExW(key, PCWSTR(name_w.as_ptr()), None, kind, Some(&data)) };
    // SAFETY: key was opened above and is closed once.
    let _ = unsafe { RegCloseKey(key) };
    format!("0x{:08X}", status.0)
}

/// Arms a notification on `path` (names and values), or `None` if it cannot be opened.
fn arm(path: &str) -> Option<(HKEY, windows::Win32::Foundation::HANDLE)> {
    let key = open(path, KEY_NOTIFY)?;
    // SAFETY: no attributes, no name.
    let event = unsafe { CreateEventW(None, true, false, PCWSTR::null()) }.ok()?;
    // SAFETY: key is open with KEY_NOTIFY; event is live.
    let status = unsafe {
        RegNotifyChangeKeyValue(
            key,
            true,
            REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET,
            Some(event),
            true,
        )
    };
    (status == ERROR_SUCCESS).then_some((key, event))
}

fn screen(step: &str) {
    // SAFETY: a valid CLSID; no aggregation; COM owns the returned reference.
    let provider: windows_core::Result<ICredentialProvider> =
        unsafe { CoCreateInstance(&PRODUCT_CLSID, None, CLSCTX_INPROC_SERVER) };
    let Ok(provider) = provider else {
        println!("{step}.logon={}", result_hex(&provider));
        return;
    };
    // SAFETY: provider is live.
    let logon = unsafe { provider.SetUsageScenario(CPUS_LOGON, 0) };
    println!("{step}.logon={}", result_hex(&logon));
    let mut link_id = None;
    // SAFETY: provider is live; each descriptor is freed once.
    unsafe {
        for index in 0..provider.GetFieldDescriptorCount().unwrap_or(0) {
            if let Ok(descriptor) = provider.GetFieldDescriptorAt(index) {
                if !descriptor.is_null() {
                    if (*descriptor).cpft == CPFT_COMMAND_LINK {
                        link_id = Some((*descriptor).dwFieldID);
                    }
                    free_descriptor(descriptor);
                }
            }
        }
    }
    let (mut count, mut default, mut auto) = (0u32, 0u32, BOOL(0));
    // SAFETY: provider is live; out-pointers are locals.
    let counted = unsafe { provider.GetCredentialCount(&mut count, &mut default, &mut auto) };
    println!(
        "{step}.credentials={}",
        if counted.is_ok() {
            count.to_string()
        } else {
            result_hex(&counted)
        }
    );
    let link = match (count, link_id) {
        (1.., Some(id)) => {
            // SAFETY: provider is live; index 0 is below its count; the string is ours to free.
            unsafe { provider.GetCredentialAt(0) }
                .and_then(|credential| unsafe { credential.GetStringValue(id) })
                .map(|text: PWSTR| {
                    // SAFETY: a non-null string from the provider is NUL-terminated and ours.
                    let value = unsafe { text.to_string() }.unwrap_or_default();
                    unsafe { CoTaskMemFree(Some(text.0 as *const _)) };
                    value
                })
                .unwrap_or_else(|e| format!("error {}", e.code()))
        }
        _ => "none".to_owned(),
    };
    println!("{step}.link={link}");
}

pub fn run() {
    // One object for the whole run keeps the DLL (and its snapshot) loaded, as in LogonUI.
    // SAFETY: a valid CLSID; no aggregation.
    let keeper: windows_core::Result<ICredentialProvider> =
        unsafe { CoCreateInstance(&PRODUCT_CLSID, None, CLSCTX_INPROC_SERVER) };
    println!("create={}", result_hex(&keeper));
    for step in STEPS {
        let (change, watched) = change_of(step);
        let armed = match change {
            Change::None => None,
            _ => arm(watched),
        };
        let applied = apply(&change);
        println!("{step}.change={applied}");
        if let Some((key, event)) = armed {
            // SAFETY: event is live.
            let waited = unsafe { WaitForSingleObject(event, 10_000) };
            println!(
                "{step}.notified={}",
                if waited == WAIT_OBJECT_0 {
                    "1"
                } else {
                    "timeout"
                }
            );
            // The provider's wait sees the same notification on a thread-pool thread: give
            // that thread its turn before the next screen.
            std::thread::sleep(Duration::from_millis(50));
            // SAFETY: both were opened by arm and are closed once.
            unsafe {
                let _ = RegCloseKey(key);
                let _ = CloseHandle(event);
            }
        }
        screen(step);
    }
    drop(keeper);
}
