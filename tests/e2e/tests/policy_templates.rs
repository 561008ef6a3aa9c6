//! The administrative templates end to end under Wine: for each policy of
//! `admx/SsprWindowsLogon.admx`, its enabled state is written the way Group Policy writes it (the
//! registry actions the parsed template declares, with `sspr_policy_templates::SAMPLE_INPUTS`
//! typed into its elements) on a machine with the x64 package installed; then the installed
//! provider (through the COM probe), the installed reset host (`--self-test`, for the values
//! only the reset window reads) and `SsprDiag --json` must each show the policy's value, and
//! SsprDiag must name the policy. The policy is then removed (not configured) and the next one
//! applied.
//!
//! Not shown here, because Wine has no Group Policy client: the Group Policy editor reading the
//! files and writing `Registry.pol`. The registry actions are applied with `reg.exe` instead.
//!
//! One test function runs every policy in turn in one prefix, then deletes the run's Wine
//! template: this file uses libtest's harness, which has no hook after the last test.

use anyhow::{ensure, Context as _};
use serde_json::Value;
use sspr_e2e::config::{Arch, E2eConfig, Release};
use sspr_e2e::machine::Machine as _;
use sspr_e2e::probe::ProbeReport;
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::wine::{windows_path, WineArch, WinePrefix};
use sspr_policy_templates::{Policy, PolicyState, RegData, RegistryAction, Resources};

const INSTALL_DIR: &str = r"C:\Program Files\SsprWindowsLogon";
/// The real reset host, copied aside before the probe takes its place.
const REAL_HOST: &str = "SsprResetHost-real.exe";
const PROVIDER_LOG: [&str; 4] = [
    "ProgramData",
    "SsprWindowsLogon",
    "logs",
    "SsprCredentialProvider.log",
];

/// Deletes the run's Wine template when the test ends, passed or not.
struct Teardown;

impl Drop for Teardown {
    fn drop(&mut self) {
        sspr_e2e::wine::teardown();
    }
}

/// The installed machine, with the probe standing in for the reset host (it records the command
/// line the provider starts it with) and the real host kept beside it for `--self-test`.
struct Machine {
    prefix: WinePrefix,
    probe: &'static std::path::Path,
    record_dir: String,
}

impl Machine {
    fn new() -> anyhow::Result<Self> {
        let config = E2eConfig::get()?;
        let prefix = WinePrefix::new("policy-templates", WineArch::Win64)?;
        prefix.install(&config.package(Release::Current, Arch::X64)?, &[])?;
        let dir = prefix
            .drive_c()
            .join("Program Files")
            .join("SsprWindowsLogon");
        let host = dir.join("SsprResetHost.exe");
        std::fs::copy(&host, dir.join(REAL_HOST))
            .with_context(|| format!("copying {}", host.display()))?;
        let probe = config.probe(Arch::X64);
        std::fs::copy(probe, &host).with_context(|| format!("replacing {}", host.display()))?;
        let record_dir = windows_path(prefix.scratch())?;
        Ok(Self {
            prefix,
            probe,
            record_dir,
        })
    }

    /// Writes or deletes each value, as the Group Policy client does from `Registry.pol`.
    fn apply(&self, actions: &[RegistryAction]) -> anyhow::Result<()> {
        for action in actions {
            let key = format!(r"HKLM\{}", action.key);
            match &action.data {
                Some(RegData::Dword(n)) => self.prefix.reg_add(
                    &key,
                    &action.value_name,
                    &RegValue::Dword(*n),
                    RegView::Bits64,
                )?,
                Some(RegData::String(text)) => self.prefix.reg_add(
                    &key,
                    &action.value_name,
                    &RegValue::Sz(text.clone()),
                    RegView::Bits64,
                )?,
                Some(RegData::ExpandString(text)) => self.prefix.reg_add(
                    &key,
                    &action.value_name,
                    &RegValue::ExpandSz(text.clone()),
                    RegView::Bits64,
                )?,
                None => {
                    let present = self
                        .prefix
                        .reg_values(&key, RegView::Bits64)?
                        .is_some_and(|values| values.contains_key(&action.value_name));
                    if present {
                        self.prefix.reg_delete_value(
                            &key,
                            Some(&action.value_name),
                            RegView::Bits64,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    fn tiles(&self) -> anyhow::Result<ProbeReport> {
        self.prefix.run_probe_mode(
            self.probe,
            "--tiles",
            &[("SSPR_PROBE_RECORD_DIR", self.record_dir.as_str())],
        )
    }

    fn diag(&self) -> anyhow::Result<Value> {
        let output = self
            .prefix
            .wine([format!(r"{INSTALL_DIR}\SsprDiag.exe"), "--json".to_owned()])?;
        serde_json::from_str(&output.stdout).with_context(|| {
            format!(
                "SsprDiag printed no JSON ({}); stdout:\n{}\nstderr:\n{}",
                output.status, output.stdout, output.stderr
            )
        })
    }

    fn self_test(&self) -> anyhow::Result<Value> {
        let output = self.prefix.wine([
            format!(r"{INSTALL_DIR}\{REAL_HOST}"),
            "--self-test".to_owned(),
        ])?;
        serde_json::from_str(&output.stdout)
            .with_context(|| format!("--self-test printed no JSON:\n{}", output.stdout))
    }

    fn provider_log(&self) -> std::path::PathBuf {
        PROVIDER_LOG
            .iter()
            .fold(self.prefix.drive_c(), |path, part| path.join(part))
    }
}

/// SsprDiag's entry for the setting stored in `value_name`.
fn diag_setting<'a>(report: &'a Value, value_name: &str) -> anyhow::Result<&'a Value> {
    report["settings"]
        .as_array()
        .context("no settings list in SsprDiag's JSON")?
        .iter()
        .find(|s| s["name"] == value_name)
        .with_context(|| format!("SsprDiag lists no setting {value_name}: {report:#}"))
}

/// The one value a policy writes when enabled, and its data.
fn written(policy: &Policy, actions: &[RegistryAction]) -> anyhow::Result<(String, RegData)> {
    match actions {
        [RegistryAction {
            value_name,
            data: Some(data),
            ..
        }] => Ok((value_name.clone(), data.clone())),
        other => anyhow::bail!("policy {} writes {other:?}, not one value", policy.name),
    }
}

/// `data` as SsprDiag shows a value: DWORDs in decimal, strings as they are.
fn shown(data: &RegData) -> String {
    match data {
        RegData::Dword(n) => n.to_string(),
        RegData::String(text) | RegData::ExpandString(text) => text.clone(),
    }
}

/// What the installed provider or reset host shows for the policy's value.
fn check_component(machine: &Machine, value_name: &str, data: &RegData) -> anyhow::Result<()> {
    match (value_name, data) {
        ("Disabled", RegData::Dword(1)) => {
            let tiles = machine.tiles()?;
            for (key, value) in [
                ("fields", "0"),
                ("credentials", "0"),
                ("link_field", "none"),
            ] {
                assert_eq!(
                    tiles.get(key)?,
                    value,
                    "{key} with the kill switch: {tiles:#?}"
                );
            }
        }
        ("LinkText", RegData::String(text)) => {
            // Wine has no inbox password provider: the fallback tile carries the link (field 2).
            let tiles = machine.tiles()?;
            assert_eq!(tiles.get("cred0.value2")?, text, "{tiles:#?}");
        }
        ("PortalUrl", RegData::String(url)) => {
            let tiles = machine.tiles()?;
            assert_eq!(tiles.get("cred0.link")?, sspr_e2e::probe::S_OK);
            let host = tiles.get("cred0.host")?;
            assert!(
                host.contains(&format!(" --portal-url={url} ")),
                "the reset host was started with {host}"
            );
        }
        ("EnableLogging", RegData::Dword(1)) => {
            let log = machine.provider_log();
            ensure!(
                !log.exists(),
                "{} exists before logging was turned on",
                log.display()
            );
            machine.tiles()?;
            let text = std::fs::read_to_string(&log)
                .with_context(|| format!("EnableLogging by policy wrote no {}", log.display()))?;
            assert!(
                text.contains("EnableLogging=1 (policy)"),
                "the provider's log does not name the policy as the source:\n{text}"
            );
            std::fs::remove_file(&log)?;
        }
        ("AllowedHosts", RegData::String(list)) => {
            let report = machine.self_test()?;
            let hosts = &report["policy"]["Ok"]["allowed_hosts"];
            for host in list.split(';') {
                assert!(
                    hosts
                        .as_array()
                        .is_some_and(|h| h.iter().any(|v| v == host)),
                    "{host} is not among the reset host's allowed hosts: {report:#}"
                );
            }
        }
        ("IdleTimeoutSeconds", RegData::Dword(seconds)) => {
            let report = machine.self_test()?;
            assert_eq!(
                report["idle_timeout_seconds"], *seconds,
                "the reset host's idle timeout: {report:#}"
            );
        }
        (name, data) => anyhow::bail!("no component check for {name} = {data:?}"),
    }
    Ok(())
}

fn round_trip(machine: &Machine, policy: &Policy, english: &Resources) -> anyhow::Result<()> {
    let actions = policy
        .actions(&policy.enabled_with_samples())
        .map_err(anyhow::Error::msg)?;
    let (value_name, data) = written(policy, &actions)?;
    machine.apply(&actions)?;
    assert_eq!(
        machine
            .prefix
            .reg_values(&format!(r"HKLM\{}", policy.key), RegView::Bits64)?
            .and_then(|values| values.get(&value_name).cloned()),
        Some(match &data {
            RegData::Dword(n) => RegValue::Dword(*n),
            RegData::String(text) => RegValue::Sz(text.clone()),
            RegData::ExpandString(text) => RegValue::ExpandSz(text.clone()),
        }),
        "the policy value as written"
    );

    check_component(machine, &value_name, &data)?;

    let report = machine.diag()?;
    let setting = diag_setting(&report, &value_name)?;
    let display_name = english
        .resolve(&policy.display_name)
        .context("no English display name")?;
    assert_eq!(
        setting,
        &serde_json::json!({
            "name": value_name,
            "value": shown(&data),
            "source": "policy",
            "policy": policy.name,
            "policy_display_name": display_name,
        }),
        "SsprDiag's view of {value_name}"
    );

    machine.apply(
        &policy
            .actions(&PolicyState::NotConfigured)
            .map_err(anyhow::Error::msg)?,
    )?;
    let report = machine.diag()?;
    let after = diag_setting(&report, &value_name)?;
    assert_ne!(
        after["source"], "policy",
        "{value_name} after the policy is removed"
    );
    assert_eq!(after["policy"], Value::Null);
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, probe and Wine that cargo xtask test provides: run cargo xtask test"]
fn each_policy_written_as_group_policy_would_reaches_provider_host_and_diag() -> anyhow::Result<()>
{
    let _teardown = Teardown;
    let (template, languages) = sspr_policy_templates::load().map_err(anyhow::Error::msg)?;
    let english = &languages
        .iter()
        .find(|(language, _)| language == "en-US")
        .context("no en-US resources")?
        .1;
    let machine = Machine::new()?;
    let mut checked = Vec::new();
    for policy in &template.policies {
        round_trip(&machine, policy, english).with_context(|| format!("policy {}", policy.name))?;
        checked.push(policy.name.as_str());
    }
    assert_eq!(
        checked,
        [
            "TurnOffResetLink",
            "LinkText",
            "PortalUrl",
            "AllowedHosts",
            "IdleTimeoutSeconds",
            "EnableLogging"
        ]
    );
    Ok(())
}
