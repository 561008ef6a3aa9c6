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

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::fake_password_provider::{BOB_SID, FAIL_FIELDS, FAIL_SCENARIO};
use sspr_e2e::fault_injection::{self, FAULT_POINT_VARIABLE};
use sspr_e2e::probe::{ProbeReport, E_INVALIDARG, E_NOTIMPL, S_OK};
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::{windows_path, WinePrefix};
use sspr_e2e::{POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY};

use crate::common::{self, InstallDir, TestResult, PROVIDER_FIELDS};

/// `S_FALSE`: `DllCanUnloadNow` while an object lives.
const S_FALSE: &str = "0x00000001";
/// `E_UNEXPECTED`: what a panic inside a COM method becomes.
const E_UNEXPECTED: &str = "0x8000FFFF";
/// The window handle the probe's LogonUI hands out, in decimal (tests/com-probe `fake_logonui`).
const PARENT_WINDOW: &str = "68284";
/// The fake password provider's CLSID, as the probe prints GUIDs.
const INBOX_CLSID: &str = sspr_identity::PASSWORD_PROVIDER_CLSID;
/// The provider list the probe filters: smart card, inbox password, ours, all allowed.
const NOTHING_HIDDEN: &str = "0x00000000:1,1,1";
const INBOX_HIDDEN: &str = "0x00000000:1,0,1";
/// Where the provider logs (under `drive_c`) when `EnableLogging=1`.
const LOG_FOLDER: [&str; 2] = ["ProgramData", "SsprWindowsLogon"];
const LOG_FILE: &str = "SsprCredentialProvider.log";

/// A prefix with the current x64 package installed and the probe standing in for the host.
struct Installed {
    prefix: WinePrefix,
    dir: InstallDir,
    probe: &'static Path,
    /// Where the probe's reset host records its command line (a Windows path).
    record_dir: String,
}

impl Installed {
    fn new(name: &str, properties: &[(&str, &str)]) -> anyhow::Result<Self> {
        let config = common::config()?;
        let probe = config.probe(Arch::X64);
        let prefix = common::prefix64(name)?;
        prefix.install(&common::package(Release::Current, Arch::X64)?, properties)?;
        let dir = common::install_dir(&prefix);
        let host = dir.host.join("SsprResetHost.exe");
        std::fs::copy(probe, &host).with_context(|| format!("replacing {}", host.display()))?;
        let record_dir = windows_path(prefix.scratch())?;
        Ok(Self {
            prefix,
            dir,
            probe,
            record_dir,
        })
    }

    fn probe(&self, mode: &str, env: &[(&str, &str)]) -> anyhow::Result<ProbeReport> {
        let mut all = vec![("SSPR_PROBE_RECORD_DIR", self.record_dir.as_str())];
        all.extend_from_slice(env);
        self.prefix.run_probe_mode(self.probe, mode, &all)
    }

    fn tiles(&self) -> anyhow::Result<ProbeReport> {
        self.probe("--tiles", &[])
    }

    fn filter(&self, env: &[(&str, &str)]) -> anyhow::Result<ProbeReport> {
        self.probe("--filter", env)
    }

    /// The reset host's command line for `user` (if any) and `portal`, as the provider builds it.
    fn host_line(&self, portal: &str, user: Option<&str>) -> String {
        let mut line = format!(
            r#""{}\SsprResetHost.exe" --portal-url={portal} --parent-window={PARENT_WINDOW}"#,
            self.dir.windows
        );
        if let Some(user) = user {
            line.push_str(&format!(" --user={user}"));
        }
        line
    }

    fn set(&self, key: &str, name: &str, value: u32) -> anyhow::Result<()> {
        self.prefix
            .reg_add(key, name, &RegValue::Dword(value), RegView::Bits64)
    }

    fn log_folder(&self) -> std::path::PathBuf {
        LOG_FOLDER
            .iter()
            .fold(self.prefix.drive_c(), |path, part| path.join(part))
    }
}

fn report<const N: usize>(entries: [(&str, String); N]) -> BTreeMap<String, String> {
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// Asserts the probe's report is exactly `expected`, naming every difference.
fn assert_report(actual: &ProbeReport, expected: &BTreeMap<String, String>) {
    let mut differences = Vec::new();
    for (key, value) in expected {
        match actual.0.get(key) {
            Some(got) if got == value => {}
            Some(got) => differences.push(format!("{key}: expected {value:?}, got {got:?}")),
            None => differences.push(format!("{key}: expected {value:?}, missing")),
        }
    }
    for (key, value) in &actual.0 {
        if !expected.contains_key(key) {
            differences.push(format!("{key}: unexpected {value:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "the probe's report differs:\n  {}\nwhole report: {actual:#?}",
        differences.join("\n  ")
    );
}

/// The keys every `--tiles` report has, around the tiles.
fn tiles_frame(fields: &[&str], link: &str, password: &str) -> BTreeMap<String, String> {
    let mut expected = report([
        (
            "probe",
            format!("sspr-com-probe {}", env!("CARGO_PKG_VERSION")),
        ),
        ("pointer_bits", "64".into()),
        ("mode", "tiles".into()),
        ("coinit", S_OK.into()),
        ("password_typed", "S3cret!Pw-probe".into()),
        ("create", S_OK.into()),
        ("logon", S_OK.into()),
        ("fields", fields.len().to_string()),
        ("link_field", link.into()),
        ("password_field", password.into()),
        ("credentials_hr", S_OK.into()),
        // DllCanUnloadNow: S_FALSE while the provider lives, S_OK once all is released, and
        // then COM unloads the DLL.
        ("can_unload_while_alive", S_FALSE.into()),
        ("can_unload_after_release", S_OK.into()),
        ("unloaded", "1".into()),
    ]);
    for (index, field) in fields.iter().enumerate() {
        expected.insert(format!("field{index}"), (*field).to_owned());
    }
    expected
}

/// A plain prefix (no password provider): one fallback tile with a title, a help text and the
/// link labelled with the installed `LinkText`; every field reads back; the tile never signs in;
/// clicking the link starts the installed reset host with the portal and LogonUI's window.
pub fn fallback_tile_carries_the_link_and_starts_the_reset_host() -> TestResult {
    let installed = Installed::new("provider-fallback", &[])?;
    let tiles = installed.tiles()?;

    let mut expected = tiles_frame(&PROVIDER_FIELDS, "2", "none");
    expected.extend(report([
        ("credentials", "1".into()),
        ("default", u32::MAX.to_string()),
        ("autologon", "0".into()),
        ("cred0.credential2", "0".into()),
        ("cred0.field_options", "0".into()),
        ("cred0.events2_offered", "0".into()),
        ("cred0.advise", S_OK.into()),
        ("cred0.value0", "Password reset".into()),
        (
            "cred0.value1",
            "Forgot your password? Reset it here.".into(),
        ),
        ("cred0.value2", "Forgot password?".into()),
        // CPFS_DISPLAY_IN_BOTH for the title, CPFS_DISPLAY_IN_SELECTED_TILE for the rest.
        ("cred0.state0", "3:0".into()),
        ("cred0.state1", "1:0".into()),
        ("cred0.state2", "1:0".into()),
        ("cred0.selected", "0x00000000:0".into()),
        ("cred0.link", S_OK.into()),
        (
            "cred0.host",
            installed.host_line(sspr_e2e::DEFAULT_PORTAL_URL, None),
        ),
        // CPGSR_NO_CREDENTIAL_NOT_FINISHED, nothing serialized.
        (
            "cred0.serialization",
            "0x00000000:0:0x0:{00000000-0000-0000-0000-000000000000}:".into(),
        ),
        ("cred0.events", String::new()),
        ("cred0.unadvise", S_OK.into()),
    ]));
    assert_report(&tiles, &expected);
    Ok(())
}

/// With a password provider at the inbox CLSID, each of its tiles comes through ours: its fields
/// unchanged plus our link (labelled with `LinkText`), values and typed passwords passed on, its
/// events reaching LogonUI as coming from our tile, `Credential2` exactly where it has it, and
/// the link starting the host with the portal and the tile's user (typed name or SID's account).
pub fn wrapping_adds_the_link_to_each_password_tile_and_passes_everything_on() -> TestResult {
    let portal = "https://sspr.example.test/reset";
    let installed = Installed::new(
        "provider-wrapping",
        &[("LINKTEXT", "Reset my password"), ("PORTALURL", portal)],
    )?;
    installed
        .prefix
        .register_fake_password_provider(installed.probe)?;
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
    let installed = Installed::new("provider-filter", &[])?;
    let leave_all = report([
        ("filter.logon", NOTHING_HIDDEN.into()),
        ("filter.unlock", NOTHING_HIDDEN.into()),
        ("filter.credui", NOTHING_HIDDEN.into()),
        ("filter.change_password", NOTHING_HIDDEN.into()),
    ]);
    let frame = |filters: &BTreeMap<String, String>| {
        let mut expected = report([
            (
                "probe",
                format!("sspr-com-probe {}", env!("CARGO_PKG_VERSION")),
            ),
            ("pointer_bits", "64".into()),
            ("mode", "filter".into()),
            ("coinit", S_OK.into()),
            ("filter_create", S_OK.into()),
            // Remote credentials are not the filter's business.
            ("filter.update_remote_credential", E_NOTIMPL.into()),
            ("unloaded", "1".into()),
        ]);
        expected.extend(filters.clone());
        expected
    };

    // Wine as it is: no inbox password provider, so nothing can be wrapped.
    assert_report(&installed.filter(&[])?, &frame(&leave_all));

    installed
        .prefix
        .register_fake_password_provider(installed.probe)?;
    let mut hide = leave_all.clone();
    hide.insert("filter.logon".into(), INBOX_HIDDEN.into());
    hide.insert("filter.unlock".into(), INBOX_HIDDEN.into());
    assert_report(&installed.filter(&[])?, &frame(&hide));

    for broken in [FAIL_SCENARIO, FAIL_FIELDS] {
        assert_report(
            &installed.filter(&[("SSPR_FAKE_PROVIDER", broken)])?,
            &frame(&leave_all),
        );
    }

    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    assert_report(&installed.filter(&[])?, &frame(&leave_all));
    Ok(())
}

/// `Disabled=1` in the settings, and separately in the policy key, shows nothing at all (no
/// fields, no tiles, no link), with a password provider to wrap or without; a policy `0` beats
/// a settings `1`.
pub fn disabled_in_settings_or_policy_shows_no_tile_and_no_link() -> TestResult {
    let installed = Installed::new("provider-disabled", &[])?;
    let nothing = |report: &ProbeReport| -> TestResult {
        for (key, value) in [
            ("logon", S_OK),
            ("fields", "0"),
            ("link_field", "none"),
            ("credentials", "0"),
            ("default", "4294967295"),
            ("unloaded", "1"),
        ] {
            assert_eq!(report.get(key)?, value, "{key} in {report:#?}");
        }
        assert!(
            !report.0.keys().any(|key| key.starts_with("cred0")),
            "a tile was shown: {report:#?}"
        );
        Ok(())
    };

    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    nothing(&installed.tiles()?)?;
    installed
        .prefix
        .register_fake_password_provider(installed.probe)?;
    nothing(&installed.tiles()?)?;

    installed.set(SETTINGS_KEY, "Disabled", 0)?;
    installed.set(POLICY_KEY, "Disabled", 1)?;
    nothing(&installed.tiles()?)?;

    // The policy wins both ways: policy 0 over settings 1 shows the wrapped tiles and our link.
    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    installed.set(POLICY_KEY, "Disabled", 0)?;
    let shown = installed.tiles()?;
    assert_eq!(shown.get("credentials")?, "2", "{shown:#?}");
    assert_eq!(shown.get("field5")?, "5:3:Forgot password?", "{shown:#?}");
    Ok(())
}

/// `EnableLogging=1` writes the log under `%ProgramData%\SsprWindowsLogon\logs\` with lines for
/// the calls, the settings and the reset host's command line, and never the password typed; with
/// `EnableLogging=0` nothing is written, not even the folder.
pub fn enable_logging_writes_the_calls_and_never_a_password() -> TestResult {
    let installed = Installed::new("provider-logging", &[("ENABLELOGGING", "1")])?;
    installed
        .prefix
        .register_fake_password_provider(installed.probe)?;
    let tiles = installed.tiles()?;
    assert_eq!(tiles.get("cred0.set_password")?, S_OK);

    let file = installed.log_folder().join("logs").join(LOG_FILE);
    let log =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    for expected in [
        "INFO  SetUsageScenario(Logon, flags=0x00000000)",
        "INFO  settings: Disabled=0 (settings), LinkText=\"Forgot password?\" (settings), \
         PortalUrl=https://passwordreset.microsoftonline.com/ (settings), EnableLogging=1 (registration)",
        "INFO  showing Wrapped { link: true } (remote session: false)",
        "INFO  wrapping the password provider: 5 fields of its own, our link is field 5",
        "DEBUG ICredentialProvider::GetFieldDescriptorCount -> 0x00000000",
        "INFO  2 credential(s), default 0, autologon 0",
        "DEBUG ICredentialProviderCredential::SetStringValue -> 0x00000000",
        "DEBUG ICredentialProviderCredentialEvents::SetFieldString -> 0x00000000",
        "DEBUG ICredentialProviderCredential::GetSerialization -> 0x00000000",
        "INFO  reset host started, process id",
    ] {
        assert!(
            log.contains(expected),
            "the log has no `{expected}`:\n{log}"
        );
    }
    let started = format!(
        "INFO  starting the reset host: {}",
        installed.host_line(sspr_e2e::DEFAULT_PORTAL_URL, Some("alice"))
    );
    assert!(log.contains(&started), "the log has no `{started}`:\n{log}");
    let password = tiles.get("password_typed")?;
    assert!(
        !log.contains(password),
        "the typed password reached the log:\n{log}"
    );
    assert!(
        log.lines()
            .all(|line| line.len() > 30 && line.contains(" [")),
        "every line starts with a timestamp and [pid:tid]:\n{log}"
    );

    std::fs::remove_dir_all(installed.log_folder())?;
    installed.set(PROVIDER_KEY, "EnableLogging", 0)?;
    let quiet = installed.tiles()?;
    assert_eq!(quiet.get("credentials")?, "2");
    assert!(
        !installed.log_folder().exists(),
        "EnableLogging=0 wrote {}",
        installed.log_folder().display()
    );
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
    let installed = Installed::new("provider-faults", &[])?;

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
    installed
        .prefix
        .register_fake_password_provider(installed.probe)?;
    let wrapped = installed.probe("--faults", &[])?;
    assert_eq!(wrapped.get("credentials")?, "2");
    expect(&wrapped, true)?;
    // The variable only ever names a method: the name the probe sets is the build's.
    assert_eq!(FAULT_POINT_VARIABLE, "SSPR_FAULT_POINT");
    Ok(())
}
