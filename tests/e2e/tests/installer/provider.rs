//! The credential provider as LogonUI meets it, under Wine, driven by `sspr-com-probe`: the
//! fallback tile and its link, wrapping a password provider, the filter, the kill switch,
//! logging and the panic guard.
//!
//! Wine has no inbox password provider, so the fallback tile is what a plain prefix shows; the
//! wrapping tests register the probe package's stand-in at the inbox CLSID. The reset host is
//! observed by copying the probe over the installed `SsprResetHost.exe`: started by the link, it
//! records the command line it got. Not shown here, because Wine cannot: a remote session
//! (`GetSystemMetrics(SM_REMOTESESSION)` is always 0 under Wine; the provider's unit tests cover
//! it) and the Application event log (Wine's `ReportEventW` accepts events and keeps none).
//!
//! The machine is driven through the shared interface (`sspr_e2e::suite::provider`, whose
//! checks the native runner runs too); what is asserted on top here is the stand-in's own
//! (its exact tiles and events, its broken modes) and Wine's (no password provider at all).

use std::collections::BTreeMap;

use anyhow::Context as _;
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::fake_password_provider::{BOB_SID, FAIL_FIELDS, FAIL_SCENARIO};
use sspr_e2e::fault_injection;
use sspr_e2e::probe::{ProbeReport, E_INVALIDARG, S_OK};
use sspr_e2e::suite::provider::{
    self as shared, assert_report, filter_answers, filter_frame, report, tiles_frame,
    InstalledProvider, S_FALSE,
};
use sspr_e2e::wine::WinePrefix;
use sspr_e2e::DEFAULT_PORTAL_URL;

use crate::common::{self, TestResult};

/// `E_UNEXPECTED`: what a panic inside a COM method becomes.
const E_UNEXPECTED: &str = "0x8000FFFF";
/// The fake password provider's CLSID, as the probe prints GUIDs.
const INBOX_CLSID: &str = sspr_identity::PASSWORD_PROVIDER_CLSID;

/// The current x64 package installed in `prefix` with `properties`, the probe standing in for
/// the host.
fn installed<'a>(
    prefix: &'a WinePrefix,
    properties: &[(&str, &str)],
) -> anyhow::Result<InstalledProvider<'a>> {
    let probe = common::config()?.probe(Arch::X64);
    let package = common::package(Release::Current, Arch::X64)?;
    InstalledProvider::install(prefix, &package, properties, probe)
}

/// The probe package's stand-in at the inbox CLSID (Wine has no password provider).
fn register_stand_in(prefix: &WinePrefix, installed: &InstalledProvider<'_>) -> TestResult {
    prefix.register_fake_password_provider(installed.probe)
}

/// A plain prefix (no password provider): one fallback tile with a title, a help text and the
/// link labelled with the installed `LinkText`; every field reads back; the tile never signs in;
/// clicking the link starts the installed reset host with the portal and LogonUI's window.
pub fn fallback_tile_carries_the_link_and_starts_the_reset_host() -> TestResult {
    let prefix = common::prefix64("provider-fallback")?;
    let installed = installed(&prefix, &[])?;
    shared::fallback_tile_carries_the_link_and_starts_the_reset_host(&installed)
}

/// With a password provider at the inbox CLSID, each of its tiles comes through ours: its fields
/// unchanged plus our link (labelled with `LinkText`), values and typed passwords passed on, its
/// events reaching LogonUI as coming from our tile, `Credential2` exactly where it has it, and
/// the link starting the host with the portal and the tile's user (typed name or SID's account).
pub fn wrapping_adds_the_link_to_each_password_tile_and_passes_everything_on() -> TestResult {
    let portal = "https://sspr.example.test/reset";
    let prefix = common::prefix64("provider-wrapping")?;
    let installed = installed(
        &prefix,
        &[("LINKTEXT", "Reset my password"), ("PORTALURL", portal)],
    )?;
    register_stand_in(&prefix, &installed)?;
    let tiles = installed.tiles()?;
    let fields = [
        "0:1:Fake user",
        "1:4:User name:{DA15BBE8-954D-4FD3-B0F4-1FB5B90B174B}",
        "2:5:Password:{60624CFA-A477-47B1-8A8E-3A4A19981827}",
        "3:9:Submit",
        "4:3:Fake link",
        "5:3:Reset my password",
    ];
    let mut expected = tiles_frame(&fields, "5", "2");
    expected.extend(report([
        ("credentials", "2".into()),
        // The inner provider's default tile, unchanged.
        ("default", "0".into()),
        ("autologon", "0".into()),
    ]));
    for (index, user_field, title, user, credential2) in [
        (0, "alice", "alice", "alice".to_owned(), false),
        (1, "", "bob", r"BUILTIN\Administrators".to_owned(), true),
    ] {
        let key = |name: &str| format!("cred{index}.{name}");
        let values = [
            title,
            user_field,
            "",
            "Submit",
            "Fake link",
            "Reset my password",
        ];
        for (field, value) in values.iter().enumerate() {
            expected.insert(key(&format!("value{field}")), (*value).to_owned());
            // The inner's states (its password box focused), ours shown on the selected tile.
            let state = match field {
                0 => "3:0",
                2 => "1:3",
                _ => "1:0",
            };
            expected.insert(key(&format!("state{field}")), state.to_owned());
        }
        // Windows 8+ LogonUI brackets updates; the relay passes the brackets on too.
        let events = if index % 2 == 1 {
            "BeginFieldUpdates;SetFieldString(0,selected,by=wrapper);EndFieldUpdates;\
             BeginFieldUpdates;SetFieldString(0,inner link clicked,by=wrapper);EndFieldUpdates"
        } else {
            "SetFieldString(0,selected,by=wrapper);SetFieldString(0,inner link clicked,by=wrapper)"
        };
        expected.extend(report([
            (
                key("credential2").as_str(),
                u8::from(credential2).to_string(),
            ),
            (key("field_options").as_str(), "1".into()),
            (key("events2_offered").as_str(), (index % 2).to_string()),
            (key("advise").as_str(), S_OK.into()),
            (key("set_password").as_str(), S_OK.into()),
            (key("selected").as_str(), "0x00000000:0".into()),
            (key("inner_link").as_str(), S_OK.into()),
            (key("link").as_str(), S_OK.into()),
            (
                key("host").as_str(),
                installed.host_line(portal, Some(&user)),
            ),
            // The inner credential's serialization, untouched: the password typed through us.
            (
                key("serialization").as_str(),
                format!("0x00000000:2:0x5353:{INBOX_CLSID}:user={title};password=S3cret!Pw-probe"),
            ),
            (key("events").as_str(), events.into()),
            (key("unadvise").as_str(), S_OK.into()),
        ]));
        if credential2 {
            expected.insert(key("user_sid"), BOB_SID.to_owned());
        }
    }
    assert_report(&tiles, &expected);
    Ok(())
}

/// The filter hides the inbox password provider at logon and unlock only while our wrapper can
/// show its tiles: with no password provider, one that refuses the scenario or one whose fields
/// cannot be read, and whenever `Disabled=1`, it leaves every provider allowed (fail open).
pub fn filter_hides_the_inbox_provider_only_while_wrapping_works() -> TestResult {
    let prefix = common::prefix64("provider-filter")?;
    let installed = installed(&prefix, &[])?;
    let leave_all = filter_frame(&filter_answers(false));

    // Wine as it is: no inbox password provider, so nothing can be wrapped.
    assert_report(&installed.filter(&[])?, &leave_all);

    register_stand_in(&prefix, &installed)?;
    // The stand-in's broken modes: it refuses the scenario, or its fields cannot be read.
    for broken in [FAIL_SCENARIO, FAIL_FIELDS] {
        assert_report(
            &installed.filter(&[("SSPR_FAKE_PROVIDER", broken)])?,
            &leave_all,
        );
    }
    shared::filter_hides_the_inbox_until_disabled(&installed)
}

/// `Disabled=1` in the settings, and separately in the policy key, shows nothing at all (no
/// fields, no tiles, no link), with a password provider to wrap or without; a policy `0` beats
/// a settings `1`.
pub fn disabled_in_settings_or_policy_shows_no_tile_and_no_link() -> TestResult {
    let prefix = common::prefix64("provider-disabled")?;
    let installed = installed(&prefix, &[])?;
    // Without a password provider (Wine as it is).
    installed.set(sspr_e2e::SETTINGS_KEY, "Disabled", 1)?;
    shared::assert_shows_nothing(&installed.tiles()?)?;

    register_stand_in(&prefix, &installed)?;
    let shown = shared::disabled_in_settings_or_policy_shows_no_tile_and_no_link(&installed)?;
    // The stand-in's two tiles, our link after its five fields.
    assert_eq!(shown.get("credentials")?, "2", "{shown:#?}");
    assert_eq!(shown.get("field5")?, "5:3:Forgot password?", "{shown:#?}");
    Ok(())
}

/// `EnableLogging=1` writes the log under `%ProgramData%\SsprWindowsLogon\logs\` with lines for
/// the calls, the settings and the reset host's command line, and never the password typed; with
/// `EnableLogging=0` nothing is written, not even the folder.
pub fn enable_logging_writes_the_calls_and_never_a_password() -> TestResult {
    let prefix = common::prefix64("provider-logging")?;
    let installed = installed(&prefix, &[("ENABLELOGGING", "1")])?;
    register_stand_in(&prefix, &installed)?;
    let (tiles, log) = shared::enable_logging_writes_the_calls_and_never_a_password(&installed)?;
    assert_eq!(tiles.get("cred0.set_password")?, S_OK);
    // The stand-in's own: five fields, two tiles, its inner link's events, alice's tile first.
    let started = format!(
        "INFO  starting the reset host: {}",
        installed.host_line(DEFAULT_PORTAL_URL, Some("alice"))
    );
    for expected in [
        "INFO  wrapping the password provider: 5 fields of its own, our link is field 5",
        "INFO  2 credential(s), default 0, autologon 0",
        "DEBUG ICredentialProviderCredentialEvents::SetFieldString -> 0x00000000",
        started.as_str(),
    ] {
        assert!(
            log.contains(expected),
            "the log has no `{expected}`:\n{log}"
        );
    }

    let quiet = shared::no_logging_writes_nothing(&installed)?;
    assert_eq!(quiet.get("credentials")?, "2");
    Ok(())
}

/// Every interface method the probe can reach, by its `Interface::Method` name.
const FAULT_POINTS_PROVIDER: [&str; 13] = [
    "DllGetClassObject",
    "IClassFactory::CreateInstance",
    "IClassFactory::LockServer",
    "ICredentialProvider::SetUsageScenario",
    "ICredentialProvider::Advise",
    "ICredentialProvider::UnAdvise",
    "ICredentialProvider::SetSerialization",
    "ICredentialProviderSetUserArray::SetUserArray",
    "ICredentialProvider::GetFieldDescriptorCount",
    "ICredentialProvider::GetFieldDescriptorAt",
    "ICredentialProvider::GetCredentialCount",
    "ICredentialProvider::GetCredentialAt",
    "ICredentialProviderFilter::Filter",
];
const FAULT_POINTS_CREDENTIAL: [&str; 18] = [
    "ICredentialProviderCredential::Advise",
    "ICredentialProviderCredential::UnAdvise",
    "ICredentialProviderCredential::SetSelected",
    "ICredentialProviderCredential::SetDeselected",
    "ICredentialProviderCredential::GetFieldState",
    "ICredentialProviderCredential::GetStringValue",
    "ICredentialProviderCredential::GetBitmapValue",
    "ICredentialProviderCredential::GetCheckboxValue",
    "ICredentialProviderCredential::GetSubmitButtonValue",
    "ICredentialProviderCredential::GetComboBoxValueCount",
    "ICredentialProviderCredential::GetComboBoxValueAt",
    "ICredentialProviderCredential::SetStringValue",
    "ICredentialProviderCredential::SetCheckboxValue",
    "ICredentialProviderCredential::SetComboBoxSelectedValue",
    "ICredentialProviderCredential::CommandLinkClicked",
    "ICredentialProviderCredential::GetSerialization",
    "ICredentialProviderCredential::ReportResult",
    "ICredentialProviderFilter::UpdateRemoteCredential",
];
/// Reached only through a wrapped credential (and the fake provider's events export).
const FAULT_POINTS_WRAPPED: [&str; 15] = [
    "ICredentialProviderCredential2::GetUserSid",
    "ICredentialProviderCredentialWithFieldOptions::GetFieldOptions",
    "ICredentialProviderCredentialEvents::SetFieldState",
    "ICredentialProviderCredentialEvents::SetFieldInteractiveState",
    "ICredentialProviderCredentialEvents::SetFieldString",
    "ICredentialProviderCredentialEvents::SetFieldCheckbox",
    "ICredentialProviderCredentialEvents::SetFieldBitmap",
    "ICredentialProviderCredentialEvents::SetFieldComboBoxSelectedItem",
    "ICredentialProviderCredentialEvents::DeleteFieldComboBoxItem",
    "ICredentialProviderCredentialEvents::AppendFieldComboBoxItem",
    "ICredentialProviderCredentialEvents::SetFieldSubmitButton",
    "ICredentialProviderCredentialEvents::OnCreatingWindow",
    "ICredentialProviderCredentialEvents2::BeginFieldUpdates",
    "ICredentialProviderCredentialEvents2::EndFieldUpdates",
    "ICredentialProviderCredentialEvents2::SetFieldOptions",
];

/// With the `fault-injection` build in place of the installed DLL, a panic forced in each
/// method in turn comes back as `E_UNEXPECTED` (`DllCanUnloadNow`: `S_FALSE`, keep the DLL), the
/// filter leaves LogonUI's list as it was, and the probe lives on: a fresh provider still works.
/// The shipped DLL ignores `SSPR_FAULT_POINT` altogether.
pub fn a_panic_in_any_method_answers_e_unexpected_and_the_caller_lives_on() -> TestResult {
    let prefix = common::prefix64("provider-faults")?;
    let installed = installed(&prefix, &[])?;

    // The shipped DLL: the variable does nothing, so every call answers as usual.
    let shipped = installed.probe("--faults", &[])?;
    let shipped_faults = shipped.with_prefix("fault.");
    assert_eq!(
        shipped_faults["ICredentialProvider::SetUsageScenario"],
        S_OK
    );
    assert_eq!(shipped_faults["ICredentialProvider::GetCredentialAt"], S_OK);
    assert_eq!(
        shipped_faults["ICredentialProviderCredential::GetStringValue"],
        S_OK
    );
    assert_eq!(
        shipped_faults["ICredentialProviderCredential::GetBitmapValue"],
        E_INVALIDARG
    );
    assert_eq!(shipped_faults["DllCanUnloadNow"], S_OK);

    let fault_dll = fault_injection::provider_dll_x64()?;
    let installed_dll = installed.dir.host.join("SsprCredentialProvider.dll");
    std::fs::copy(fault_dll, &installed_dll)
        .with_context(|| format!("replacing {}", installed_dll.display()))?;

    let expect = |report: &ProbeReport, wrapped: bool| -> TestResult {
        let faults = report.with_prefix("fault.");
        let mut expected: BTreeMap<String, String> = FAULT_POINTS_PROVIDER
            .iter()
            .chain(&FAULT_POINTS_CREDENTIAL)
            .chain(if wrapped {
                &FAULT_POINTS_WRAPPED[..]
            } else {
                &[]
            })
            .map(|point| ((*point).to_owned(), E_UNEXPECTED.to_owned()))
            .collect();
        expected.insert("DllCanUnloadNow".into(), S_FALSE.into());
        assert_eq!(faults, expected, "whole report: {report:#?}");
        for (key, value) in [
            ("logon", S_OK),
            ("advise", S_OK),
            ("fault_filter_allow", "1,1,1"),
            ("after_faults_logon", S_OK),
            ("can_unload_now", S_OK),
            ("alive", "1"),
            ("unloaded", "1"),
        ] {
            assert_eq!(report.get(key)?, value, "{key} in {report:#?}");
        }
        Ok(())
    };
    // The fallback tile's credential.
    expect(&installed.probe("--faults", &[])?, false)?;
    // A wrapped credential, its Credential2 and field options, and the events relay.
    register_stand_in(&prefix, &installed)?;
    let wrapped = installed.probe("--faults", &[])?;
    assert_eq!(wrapped.get("credentials")?, "2");
    expect(&wrapped, true)?;
    Ok(())
}
