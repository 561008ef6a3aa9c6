//! The provider's tiles, filter and log over any machine, driven by the COM probe
//! (tests/com-probe) with the installed reset host replaced by the probe's recorder. The Wine
//! tests add what only the probe package's stand-in password provider shows (its exact tiles,
//! its broken modes); these checks hold for any inner password provider: Windows' own, or the
//! stand-in where there is none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context as _};

use crate::machine::Machine;
use crate::package::Package;
use crate::probe::{ProbeReport, E_NOTIMPL, S_OK};
use crate::registry::RegValue;
use crate::suite::{install_dir, run_probe, InstallDir, Settings, INBOX_HIDDEN, PROVIDER_FIELDS};
use crate::{DEFAULT_PORTAL_URL, POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY};

/// `S_FALSE`: `DllCanUnloadNow` while an object lives.
pub const S_FALSE: &str = "0x00000001";
/// The window handle the probe's LogonUI hands out, in decimal (tests/com-probe `fake_logonui`).
pub const PARENT_WINDOW: &str = "68284";
/// The provider list the probe filters (smart card, inbox password, ours), all allowed.
pub const NOTHING_HIDDEN: &str = "0x00000000:1,1,1";
/// Where the provider logs when `EnableLogging=1`, and its file under `logs`.
pub const LOG_FOLDER: &str = r"C:\ProgramData\SsprWindowsLogon";
pub const LOG_FILE: &str = "SsprCredentialProvider.log";

/// The product installed on a machine, with the probe standing in for the reset host.
pub struct InstalledProvider<'a> {
    pub machine: &'a dyn Machine,
    pub dir: InstallDir,
    pub probe: &'a Path,
    /// Where the probe's reset host records its command line (a Windows path).
    record_dir: String,
}

impl<'a> InstalledProvider<'a> {
    /// Installs `package` with `properties` and puts the probe in the reset host's place.
    pub fn install(
        machine: &'a dyn Machine,
        package: &Package,
        properties: &[(&str, &str)],
        probe: &'a Path,
    ) -> anyhow::Result<Self> {
        machine.install(package, properties)?;
        let dir = install_dir(machine)?;
        let host = dir.host.join(sspr_identity::RESET_HOST_EXE);
        std::fs::copy(probe, &host).with_context(|| format!("replacing {}", host.display()))?;
        let record = machine.scratch_file("host-record", "d");
        std::fs::create_dir_all(&record)
            .with_context(|| format!("creating {}", record.display()))?;
        let record_dir = machine.windows_path(&record)?;
        Ok(Self {
            machine,
            dir,
            probe,
            record_dir,
        })
    }

    /// The probe in `mode` (`--tiles`, `--filter`, `--faults`) with extra environment.
    pub fn probe(&self, mode: &str, env: &[(&str, &str)]) -> anyhow::Result<ProbeReport> {
        let mut all = vec![("SSPR_PROBE_RECORD_DIR", self.record_dir.as_str())];
        all.extend_from_slice(env);
        run_probe(self.machine, self.probe, &[mode], &all)
    }

    pub fn tiles(&self) -> anyhow::Result<ProbeReport> {
        self.probe("--tiles", &[])
    }

    pub fn filter(&self, env: &[(&str, &str)]) -> anyhow::Result<ProbeReport> {
        self.probe("--filter", env)
    }

    /// The reset host's command line for `user` (if any) and `portal`, as the provider builds it.
    pub fn host_line(&self, portal: &str, user: Option<&str>) -> String {
        let mut line = format!(
            r#""{}\{}" --portal-url={portal} --parent-window={PARENT_WINDOW}"#,
            self.dir.windows,
            sspr_identity::RESET_HOST_EXE
        );
        if let Some(user) = user {
            line.push_str(&format!(" --user={user}"));
        }
        line
    }

    /// Sets a DWORD value in the machine's native view.
    pub fn set(&self, key: &str, name: &str, value: u32) -> anyhow::Result<()> {
        self.machine.reg_add(
            key,
            name,
            &RegValue::Dword(value),
            self.machine.native_view(),
        )
    }

    /// The provider's log folder, as this process reaches it.
    pub fn log_folder(&self) -> anyhow::Result<PathBuf> {
        self.machine.host_path(LOG_FOLDER)
    }
}

/// A report from `(key, value)` pairs.
pub fn report<const N: usize>(entries: [(&str, String); N]) -> BTreeMap<String, String> {
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// Asserts the probe's report is exactly `expected`, naming every difference.
pub fn assert_report(actual: &ProbeReport, expected: &BTreeMap<String, String>) {
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
pub fn tiles_frame(fields: &[&str], link: &str, password: &str) -> BTreeMap<String, String> {
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

/// The whole `--filter` report around the four scenarios' answers.
pub fn filter_frame(filters: &BTreeMap<String, String>) -> BTreeMap<String, String> {
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
}

/// The four scenarios' answers: the inbox hidden at logon and unlock, or nothing hidden.
pub fn filter_answers(hide_inbox: bool) -> BTreeMap<String, String> {
    let hidden = if hide_inbox {
        INBOX_HIDDEN
    } else {
        NOTHING_HIDDEN
    };
    report([
        ("filter.logon", hidden.into()),
        ("filter.unlock", hidden.into()),
        ("filter.credui", NOTHING_HIDDEN.into()),
        ("filter.change_password", NOTHING_HIDDEN.into()),
    ])
}

/// With no password provider registered: one fallback tile with a title, a help text and the
/// link labelled with the installed `LinkText` (the default here); every field reads back; the
/// tile never signs in; clicking the link starts the installed reset host with the portal and
/// LogonUI's window.
pub fn fallback_tile_carries_the_link_and_starts_the_reset_host(
    installed: &InstalledProvider<'_>,
) -> anyhow::Result<()> {
    let link_text = Settings::defaults(installed.machine)?.link_text;
    let link_field = format!("2:3:{link_text}");
    let fields = [PROVIDER_FIELDS[0], PROVIDER_FIELDS[1], link_field.as_str()];
    let mut expected = tiles_frame(&fields, "2", "none");
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
        ("cred0.value2", link_text),
        // CPFS_DISPLAY_IN_BOTH for the title, CPFS_DISPLAY_IN_SELECTED_TILE for the rest.
        ("cred0.state0", "3:0".into()),
        ("cred0.state1", "1:0".into()),
        ("cred0.state2", "1:0".into()),
        ("cred0.selected", "0x00000000:0".into()),
        ("cred0.link", S_OK.into()),
        ("cred0.host", installed.host_line(DEFAULT_PORTAL_URL, None)),
        // CPGSR_NO_CREDENTIAL_NOT_FINISHED, nothing serialized.
        (
            "cred0.serialization",
            "0x00000000:0:0x0:{00000000-0000-0000-0000-000000000000}:".into(),
        ),
        ("cred0.events", String::new()),
        ("cred0.unadvise", S_OK.into()),
    ]));
    assert_report(&installed.tiles()?, &expected);
    Ok(())
}

/// The report of a provider that shows nothing at all: no fields, no tiles, no link.
pub fn assert_shows_nothing(report: &ProbeReport) -> anyhow::Result<()> {
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
}

/// With a password provider registered: `Disabled=1` in the settings, and separately in the
/// policy key, shows nothing at all; a policy `0` beats a settings `1` (the wrapped tiles and
/// our link, labelled with the installed default `LinkText`, after the inner provider's fields).
/// Returns the last report. The policy values set here are removed again (an admin's policy
/// key, if there was one, is left as it was otherwise).
pub fn disabled_in_settings_or_policy_shows_no_tile_and_no_link(
    installed: &InstalledProvider<'_>,
) -> anyhow::Result<ProbeReport> {
    let machine = installed.machine;
    let view = machine.native_view();
    let policy_existed = machine.reg_query(POLICY_KEY, view)?.is_some();
    let result = disabled_checks(installed);
    if policy_existed {
        machine.reg_delete_value(POLICY_KEY, Some("Disabled"), view)?;
    } else if machine.reg_query(POLICY_KEY, view)?.is_some() {
        machine.reg_delete_key(POLICY_KEY, view)?;
    }
    result
}

fn disabled_checks(installed: &InstalledProvider<'_>) -> anyhow::Result<ProbeReport> {
    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    assert_shows_nothing(&installed.tiles()?)?;

    installed.set(SETTINGS_KEY, "Disabled", 0)?;
    installed.set(POLICY_KEY, "Disabled", 1)?;
    assert_shows_nothing(&installed.tiles()?)?;

    // The policy wins both ways: policy 0 over settings 1 shows the wrapped tiles and our link.
    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    installed.set(POLICY_KEY, "Disabled", 0)?;
    let shown = installed.tiles()?;
    let link_field = shown.get("link_field")?.to_owned();
    let link_text = Settings::defaults(installed.machine)?.link_text;
    ensure!(
        shown.get("credentials")? != "0",
        "policy 0 over settings 1 showed no tile: {shown:#?}"
    );
    assert_eq!(
        shown.get("fields")?,
        (link_field.parse::<usize>()? + 1).to_string()
    );
    assert_eq!(
        shown.get(&format!("field{link_field}"))?,
        format!("{link_field}:3:{link_text}"),
        "{shown:#?}"
    );
    Ok(shown)
}

/// With a password provider registered: the filter hides the inbox provider at logon and
/// unlock (the probe's list of three), and with `Disabled=1` leaves every provider allowed
/// (fail open). Leaves `Disabled` at 0.
pub fn filter_hides_the_inbox_until_disabled(
    installed: &InstalledProvider<'_>,
) -> anyhow::Result<()> {
    assert_report(
        &installed.filter(&[])?,
        &filter_frame(&filter_answers(true)),
    );
    installed.set(SETTINGS_KEY, "Disabled", 1)?;
    let disabled = installed.filter(&[]);
    installed.set(SETTINGS_KEY, "Disabled", 0)?;
    assert_report(&disabled?, &filter_frame(&filter_answers(false)));
    Ok(())
}

/// The log of a `--tiles` run with `EnableLogging=1` and a password provider registered, after
/// the shared checks: the calls, the settings, the wrapping, the reset host's start, never the
/// typed password, every line stamped. Returns the `--tiles` report and the log for the caller's
/// own checks of its inner provider; the log folder is removed.
pub fn enable_logging_writes_the_calls_and_never_a_password(
    installed: &InstalledProvider<'_>,
) -> anyhow::Result<(ProbeReport, String)> {
    let tiles = installed.tiles()?;
    let folder = installed.log_folder()?;
    let file = folder.join("logs").join(LOG_FILE);
    let log =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let link_text = Settings::defaults(installed.machine)?.link_text;
    let link_field = tiles.get("link_field")?;
    let settings = format!(
        "INFO  settings: Disabled=0 (settings), LinkText=\"{link_text}\" (settings), \
         PortalUrl={DEFAULT_PORTAL_URL} (settings), EnableLogging=1 (registration)"
    );
    let wrapping = format!(
        "INFO  wrapping the password provider: {link_field} fields of its own, our link is \
         field {link_field}"
    );
    let started = format!(
        "INFO  starting the reset host: {}",
        installed.host_line(DEFAULT_PORTAL_URL, None)
    );
    for expected in [
        "INFO  SetUsageScenario(Logon, flags=0x00000000)",
        settings.as_str(),
        "INFO  showing Wrapped { link: true } (remote session: false)",
        wrapping.as_str(),
        "DEBUG ICredentialProvider::GetFieldDescriptorCount -> 0x00000000",
        "DEBUG ICredentialProviderCredential::SetStringValue -> 0x00000000",
        "DEBUG ICredentialProviderCredential::GetSerialization -> 0x00000000",
        started.as_str(),
        "INFO  reset host started, process id",
    ] {
        assert!(
            log.contains(expected),
            "the log has no `{expected}`:\n{log}"
        );
    }
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
    std::fs::remove_dir_all(&folder).with_context(|| format!("removing {}", folder.display()))?;
    Ok((tiles, log))
}

/// `EnableLogging=0` in the registration: a `--tiles` run (tiles shown) writes nothing, not
/// even the folder. Returns the report.
pub fn no_logging_writes_nothing(installed: &InstalledProvider<'_>) -> anyhow::Result<ProbeReport> {
    installed.set(PROVIDER_KEY, "EnableLogging", 0)?;
    let quiet = installed.tiles()?;
    ensure!(quiet.get("credentials")? != "0", "no tiles: {quiet:#?}");
    let folder = installed.log_folder()?;
    assert!(
        !folder.exists(),
        "EnableLogging=0 wrote {}",
        folder.display()
    );
    Ok(quiet)
}
