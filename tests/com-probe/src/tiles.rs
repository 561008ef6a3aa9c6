//! `--tiles`: LogonUI's whole conversation with the provider at logon, tile by tile: field
//! descriptors, credentials, each field's value and state, typing a password, selecting the tile,
//! clicking links (ours starts the reset host), serializing and letting go.
//!
//! Keys (one `key=value` line each, `<i>` a credential index, `<f>` a field id):
//! - `create`, `logon`, `fields` (or `fields_hr`), `field<n>=<id>:<cpft>:<label>[:<guid>]`
//! - `link_field`: our link's id (the last command link; `none`), `password_field` (`none`)
//! - `credentials_hr`, `credentials`, `default`, `autologon`
//! - `can_unload_while_alive`: `DllCanUnloadNow` while the provider lives (`S_FALSE` expected)
//! - `cred<i>.credential2`, `cred<i>.field_options`: 1 when the credential answers that interface
//! - `cred<i>.user_sid` (credential2 only), `cred<i>.events2_offered` (the events object given)
//! - `cred<i>.advise`, `cred<i>.value<f>`, `cred<i>.state<f>=<cpfs>:<cpfis>`
//! - `cred<i>.set_password`: `SetStringValue` of [`TYPED_PASSWORD`] into the password field
//! - `cred<i>.selected=<hr>:<autologon>`, `cred<i>.inner_link` (the other command links)
//! - `cred<i>.link`, `cred<i>.host`: our link clicked, and the command line the reset host
//!   recorded (when `SsprResetHost.exe` is this probe: see `host_recorder`), or `none`;
//!   with `SSPR_PROBE_WAIT_FILE` set (the real host installed) `cred<i>.host_log=found|timeout`
//!   instead: whether the host's log came to hold one of `SSPR_PROBE_WAIT_TEXT`'s texts
//! - `cred<i>.serialization=<hr>:<response>:<package>:<clsid>:<bytes as text>`
//! - `cred<i>.events`: what LogonUI's events object received, `;`-separated
//! - `cred<i>.unadvise`
//! - `can_unload_after_release`: `DllCanUnloadNow` once every object is released (`S_OK`)

use std::time::{Duration, Instant};

use windows::Win32::System::Com::{CoCreateInstance, CoTaskMemFree, CLSCTX_INPROC_SERVER};
use windows::Win32::UI::Shell::{
    ICredentialProvider, ICredentialProviderCredential, ICredentialProviderCredential2,
    ICredentialProviderCredentialWithFieldOptions, CPFT_COMMAND_LINK, CPFT_PASSWORD_TEXT,
    CPUS_LOGON, CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
    CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE, CREDENTIAL_PROVIDER_FIELD_STATE,
    CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE, CREDENTIAL_PROVIDER_STATUS_ICON,
};
use windows_core::{Interface, BOOL, GUID, PWSTR};

use crate::fake_logonui::{events_for, EventLog};
use crate::host_recorder;
use crate::probe::{free_descriptor, hex, result_hex, PRODUCT_CLSID};
use crate::unload::can_unload_now;

/// What the probe types into a password box: the suite checks it never reaches a log.
pub const TYPED_PASSWORD: &str = "S3cret!Pw-probe";

/// How long the reset host gets to start and record its command line.
const HOST_DEADLINE: Duration = Duration::from_secs(20);
/// How long the real reset host gets to write what the test waits for (its self-check).
const REAL_HOST_DEADLINE: Duration = Duration::from_secs(60);

/// One field descriptor as the probe keeps it.
struct Field {
    id: u32,
    kind: i32,
}

fn take_string(text: PWSTR) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: a non-null string from the provider is NUL-terminated CoTaskMemAlloc memory we own.
    let value = unsafe { text.to_string() }.unwrap_or_else(|_| "<invalid UTF-16>".into());
    // SAFETY: see above; freed once.
    unsafe { CoTaskMemFree(Some(text.0 as *const _)) };
    value
}

pub fn run() {
    println!("password_typed={TYPED_PASSWORD}");
    {
        // SAFETY: a valid CLSID; no aggregation; COM owns the returned reference.
        let provider: windows_core::Result<ICredentialProvider> =
            unsafe { CoCreateInstance(&PRODUCT_CLSID, None, CLSCTX_INPROC_SERVER) };
        println!("create={}", result_hex(&provider));
        if let Ok(provider) = provider {
            conversation(&provider);
        }
    }
    println!("can_unload_after_release={}", can_unload_now());
}

fn conversation(provider: &ICredentialProvider) {
    // SAFETY: provider is a live interface.
    println!(
        "logon={}",
        result_hex(&unsafe { provider.SetUsageScenario(CPUS_LOGON, 0) })
    );
    let fields = descriptors(provider);
    let links: Vec<u32> = fields
        .iter()
        .filter(|f| f.kind == CPFT_COMMAND_LINK.0)
        .map(|f| f.id)
        .collect();
    // We append our link after the inner provider's fields: the last command link is ours.
    let ours = links.last().copied();
    let password = fields
        .iter()
        .find(|f| f.kind == CPFT_PASSWORD_TEXT.0)
        .map(|f| f.id);
    println!(
        "link_field={}",
        ours.map_or("none".to_owned(), |id| id.to_string())
    );
    println!(
        "password_field={}",
        password.map_or("none".to_owned(), |id| id.to_string())
    );

    let (mut count, mut default, mut autologon) = (0u32, 0u32, BOOL(-1));
    // SAFETY: provider is live; the out-pointers point to locals.
    let counted = unsafe { provider.GetCredentialCount(&mut count, &mut default, &mut autologon) };
    println!("credentials_hr={}", result_hex(&counted));
    if counted.is_err() {
        return;
    }
    println!("credentials={count}");
    println!("default={default}");
    println!("autologon={}", autologon.0);
    println!("can_unload_while_alive={}", can_unload_now());
    for index in 0..count {
        // SAFETY: provider is live; index is below its count.
        match unsafe { provider.GetCredentialAt(index) } {
            Ok(credential) => tile(index, &credential, &fields, ours, password),
            Err(error) => println!("cred{index}_hr={}", hex(error.code())),
        }
    }
}

fn descriptors(provider: &ICredentialProvider) -> Vec<Field> {
    // SAFETY: provider is a live interface.
    let count = match unsafe { provider.GetFieldDescriptorCount() } {
        Ok(count) => count,
        Err(error) => {
            println!("fields_hr={}", hex(error.code()));
            return Vec::new();
        }
    };
    println!("fields={count}");
    let mut fields = Vec::new();
    for index in 0..count {
        // SAFETY: provider is live; index is below its count.
        match unsafe { provider.GetFieldDescriptorAt(index) } {
            Ok(descriptor) if !descriptor.is_null() => {
                // SAFETY: a non-null descriptor is a valid, initialised block we own.
                let field = unsafe { &*descriptor };
                let label = take_string(field.pszLabel);
                let guid = if field.guidFieldType == GUID::zeroed() {
                    String::new()
                } else {
                    format!(":{{{:?}}}", field.guidFieldType)
                };
                println!(
                    "field{index}={}:{}:{label}{guid}",
                    field.dwFieldID, field.cpft.0
                );
                fields.push(Field {
                    id: field.dwFieldID,
                    kind: field.cpft.0,
                });
                // SAFETY: the label was freed above and nulled here; the block is ours.
                unsafe {
                    (*descriptor).pszLabel = PWSTR::null();
                    free_descriptor(descriptor);
                }
            }
            Ok(_) => println!("field{index}_hr=null"),
            Err(error) => println!("field{index}_hr={}", hex(error.code())),
        }
    }
    fields
}

fn tile(
    index: u32,
    credential: &ICredentialProviderCredential,
    fields: &[Field],
    ours: Option<u32>,
    password: Option<u32>,
) {
    let key = |name: &str| format!("cred{index}.{name}");
    let credential2 = credential.cast::<ICredentialProviderCredential2>().ok();
    println!("{}={}", key("credential2"), u8::from(credential2.is_some()));
    println!(
        "{}={}",
        key("field_options"),
        u8::from(
            credential
                .cast::<ICredentialProviderCredentialWithFieldOptions>()
                .is_ok()
        )
    );
    if let Some(credential2) = &credential2 {
        // SAFETY: credential2 is live.
        let sid = unsafe { credential2.GetUserSid() };
        println!(
            "{}={}",
            key("user_sid"),
            sid.map(take_string).unwrap_or_else(|e| hex(e.code()))
        );
    }
    // Alternate Windows 7 and Windows 8 style events objects, so both relays get exercised.
    let events2 = index % 2 == 1;
    let log = EventLog::default();
    log.expect(credential);
    let events = events_for(&log, events2);
    println!("{}={}", key("events2_offered"), u8::from(events2));
    // SAFETY: both interfaces are live.
    println!(
        "{}={}",
        key("advise"),
        result_hex(&unsafe { credential.Advise(&events) })
    );

    for field in fields {
        // SAFETY: credential is live.
        let value = unsafe { credential.GetStringValue(field.id) };
        println!(
            "{}={}",
            key(&format!("value{}", field.id)),
            value
                .map(take_string)
                .unwrap_or_else(|e| format!("hr={}", hex(e.code())))
        );
        let (mut state, mut interactive) = (
            CREDENTIAL_PROVIDER_FIELD_STATE(-1),
            CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE(-1),
        );
        // SAFETY: credential is live; the out-pointers point to locals.
        let got = unsafe { credential.GetFieldState(field.id, &mut state, &mut interactive) };
        let shown = match got {
            Ok(()) => format!("{}:{}", state.0, interactive.0),
            Err(error) => format!("hr={}", hex(error.code())),
        };
        println!("{}={shown}", key(&format!("state{}", field.id)));
    }
    if let Some(password) = password {
        let typed = windows_core::HSTRING::from(TYPED_PASSWORD);
        // SAFETY: credential is live; the string outlives the call.
        println!(
            "{}={}",
            key("set_password"),
            result_hex(&unsafe { credential.SetStringValue(password, &typed) })
        );
    }
    // SAFETY: credential is live.
    let selected = unsafe { credential.SetSelected() };
    println!(
        "{}={}",
        key("selected"),
        match selected {
            Ok(autologon) => format!("0x00000000:{}", autologon.0),
            Err(error) => hex(error.code()),
        }
    );
    for field in fields
        .iter()
        .filter(|f| f.kind == CPFT_COMMAND_LINK.0 && Some(f.id) != ours)
    {
        // SAFETY: credential is live.
        println!(
            "{}={}",
            key("inner_link"),
            result_hex(&unsafe { credential.CommandLinkClicked(field.id) })
        );
    }
    if let Some(link) = ours {
        let record = host_recorder::arm(index);
        // SAFETY: credential is live.
        println!(
            "{}={}",
            key("link"),
            result_hex(&unsafe { credential.CommandLinkClicked(link) })
        );
        match host_recorder::wait_for_text(Instant::now() + REAL_HOST_DEADLINE) {
            Some(outcome) => println!("{}={outcome}", key("host_log")),
            None => println!(
                "{}={}",
                key("host"),
                host_recorder::wait(&record, Instant::now() + HOST_DEADLINE)
                    .unwrap_or_else(|| "none".into())
            ),
        }
    }
    serialize(&key("serialization"), credential);
    println!("{}={}", key("events"), log.joined());
    // SAFETY: credential is live.
    println!(
        "{}={}",
        key("unadvise"),
        result_hex(&unsafe { credential.UnAdvise() })
    );
}

fn serialize(key: &str, credential: &ICredentialProviderCredential) {
    let mut response = CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE(-1);
    let mut serialization = CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION::default();
    let mut text = PWSTR::null();
    let mut icon = CREDENTIAL_PROVIDER_STATUS_ICON(0);
    // SAFETY: credential is live; every out-pointer points to a local.
    let result = unsafe {
        credential.GetSerialization(&mut response, &mut serialization, &mut text, &mut icon)
    };
    let _ = take_string(text);
    let bytes = if serialization.rgbSerialization.is_null() {
        String::new()
    } else {
        // SAFETY: the provider returned cbSerialization bytes of CoTaskMemAlloc memory, ours now.
        let blob = unsafe {
            std::slice::from_raw_parts(
                serialization.rgbSerialization,
                serialization.cbSerialization as usize,
            )
        };
        let shown = String::from_utf8_lossy(blob).into_owned();
        // SAFETY: see above; freed once.
        unsafe { CoTaskMemFree(Some(serialization.rgbSerialization as *const _)) };
        shown
    };
    println!(
        "{key}={}:{}:0x{:X}:{{{:?}}}:{bytes}",
        result_hex(&result),
        response.0,
        serialization.ulAuthenticationPackage,
        serialization.clsidCredentialProvider
    );
}
