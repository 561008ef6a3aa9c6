//! `registration.com-class` and `registration.provider`: the two registrations LogonUI needs.
//!
//! LogonUI enumerates `Credential Providers\{CLSID}`, then creates each class through COM, which
//! loads the `InprocServer32` DLL on an apartment thread. A missing key, a path to a missing or
//! foreign DLL, or a wrong threading model each leave the reset link off the sign-in screen
//! without any message.

use super::{Context, Problems};
use crate::machine::{Flag, RegKey, Value, View};
use crate::registration::{
    class_key, file_name, inproc_server, inspect_dll, is_absolute, parent_dir, CLASS_NAME, CLSID,
    DLL_NAME, PROVIDERS_KEY, SYSTEM_POLICY_KEY,
};
use crate::report::{CheckBuilder, CheckResult};

pub const COM_CLASS_ID: &str = "registration.com-class";
pub const PROVIDER_ID: &str = "registration.provider";

const REINSTALL: &str = "Reinstall: msiexec /i SsprWindowsLogon.PROD.msi /qn (the x64 package on 64-bit Windows), then restart or sign out so LogonUI reloads its providers.";
const REPAIR: &str = "Repair the installation: msiexec /fa SsprWindowsLogon.PROD.msi /qn (or uninstall and install again); it rewrites the DLL and its registration.";

pub fn com_class(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(
        COM_CLASS_ID,
        "COM class registration (CLSID, InprocServer32, ThreadingModel)",
    );
    let key = class_key(CLSID, View::Native);
    let server_key = key.child("InprocServer32");
    check.look(key.value_path(""));
    check.look(server_key.value_path(""));
    check.look(server_key.value_path("ThreadingModel"));

    if machine.subkeys(&key).is_none() {
        let in_wow =
            ctx.arch.is_64_bit() && machine.subkeys(&class_key(CLSID, View::Wow32)).is_some();
        check.found(format!("{key} does not exist"));
        if in_wow {
            check.found(format!("{} exists", class_key(CLSID, View::Wow32)));
            return check.fail(
                "The COM class is registered only in the 32-bit view, which LogonUI does not read (x86 package on 64-bit Windows)",
                "Uninstall the x86 package, then install the x64 package: msiexec /i x64\\SsprWindowsLogon.PROD.msi /qn.",
            );
        }
        return check.fail(
            format!("The COM class {CLSID} is not registered: LogonUI cannot create the provider"),
            REINSTALL,
        );
    }

    let mut problems = Problems::new();
    match machine.value(&key, "") {
        Some(Value::String(name)) if name == CLASS_NAME => {
            check.found(format!("class name: {name}"))
        }
        other => {
            check.found(format!(
                "class name: {}",
                other.map_or("not set".to_owned(), |v| v.describe())
            ));
            problems.warn(
                format!("The class's default value is not \"{CLASS_NAME}\": the registration was edited or belongs to another program"),
                REPAIR,
            );
        }
    }

    let server = inproc_server(machine, CLSID, View::Native);
    let mut dll_summary = String::new();
    match (&server.raw, &server.path) {
        (None, _) => {
            check.found("InprocServer32 (default) is not set");
            problems.fail("InprocServer32 names no DLL", REPAIR);
        }
        (Some(raw), None) => {
            check.found(format!("InprocServer32 (default): {}", raw.describe()));
            problems.fail(
                "InprocServer32 does not hold a DLL path (empty or not a string)",
                REPAIR,
            );
        }
        (Some(raw), Some(path)) => {
            check.found(format!("InprocServer32 (default): {}", raw.describe()));
            if matches!(raw, Value::ExpandString(_)) {
                check.found(format!("expanded: {path}"));
            }
            check.look(path.clone());
            if path.starts_with('"') || path.ends_with('"') {
                problems.fail(
                    format!("The DLL path {path} is in quotes, which COM does not remove"),
                    REPAIR,
                );
            } else if !is_absolute(path) {
                problems.fail(format!("The DLL path {path} is not a full path"), REPAIR);
            } else if !file_name(path).eq_ignore_ascii_case(DLL_NAME) {
                problems.fail(
                    format!("InprocServer32 points to {path}, not to {DLL_NAME}: another program took over the class or the registration was edited"),
                    REPAIR,
                );
            } else {
                match inspect_dll(machine, path) {
                    Err(why) => {
                        check.found(format!("{path}: {why}"));
                        problems.fail(
                            format!("The registered DLL {path} cannot be read: LogonUI silently skips a provider whose DLL is missing"),
                            REPAIR,
                        );
                    }
                    Ok(facts) => {
                        check.found(format!(
                            "{path}: {} {}, exports {}",
                            facts.arch.name(),
                            if facts.is_dll {
                                "DLL"
                            } else {
                                "image (not a DLL)"
                            },
                            if facts.exports.is_empty() {
                                "nothing".to_owned()
                            } else {
                                facts.exports.join(", ")
                            }
                        ));
                        let missing: Vec<&str> = ["DllGetClassObject", "DllCanUnloadNow"]
                            .into_iter()
                            .filter(|name| !facts.exports.iter().any(|e| e == name))
                            .collect();
                        if !facts.is_dll {
                            problems.fail(format!("{path} is not a DLL"), REPAIR);
                        } else if !missing.is_empty() {
                            problems.fail(
                                format!(
                                    "{path} does not export {}: it is not a COM server",
                                    missing.join(" and ")
                                ),
                                REPAIR,
                            );
                        } else {
                            dll_summary = format!(" -> {path}");
                        }
                    }
                }
                if let (Some(own), Some(dll_dir)) = (machine.own_dir(), parent_dir(path)) {
                    if !own.trim_end_matches('\\').eq_ignore_ascii_case(dll_dir) {
                        check.found(format!(
                            "SsprDiag.exe runs from {own}, not from the registered DLL's folder {dll_dir}"
                        ));
                    }
                }
            }
        }
    }

    match machine.value(&server_key, "ThreadingModel") {
        Some(Value::String(model)) if model.eq_ignore_ascii_case("Apartment") => {
            check.found(format!("ThreadingModel: {model}"))
        }
        Some(Value::String(model)) if model.eq_ignore_ascii_case("Both") => {
            check.found(format!("ThreadingModel: {model}"));
            problems.warn(
                "ThreadingModel is Both, not Apartment as the MSI writes it",
                REPAIR,
            );
        }
        other => {
            check.found(format!(
                "ThreadingModel: {}",
                other.map_or("not set".to_owned(), |v| v.describe())
            ));
            problems.fail(
                "ThreadingModel is not Apartment: LogonUI creates providers on an apartment thread",
                REPAIR,
            );
        }
    }
    problems.finish(
        check,
        format!("{CLSID}{dll_summary}, ThreadingModel Apartment"),
    )
}

pub fn provider_key(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(PROVIDER_ID, "Credential provider registration");
    let key = RegKey::hklm(PROVIDERS_KEY).child(CLSID);
    let policy = RegKey::hklm(SYSTEM_POLICY_KEY);
    check.look(key.value_path(""));
    check.look(key.value_path("Disabled"));
    check.look(policy.value_path("ExcludedCredentialProviders"));

    if machine.subkeys(&key).is_none() {
        check.found(format!("{key} does not exist"));
        return check.fail(
            "LogonUI does not know the provider: its Credential Providers key is missing",
            REINSTALL,
        );
    }
    check.found(format!(
        "{key} exists, name {}",
        machine
            .value(&key, "")
            .map_or("not set".to_owned(), |v| v.describe())
    ));
    let mut problems = Problems::new();
    let disabled = Flag::read(machine, &key, "Disabled");
    check.found(format!(
        "Disabled (Windows' per-provider switch): {}",
        disabled.describe()
    ));
    match disabled {
        Flag::On => problems.fail(
            "Windows is told not to load the provider (its Disabled value is 1)",
            format!("reg delete \"{key}\" /v Disabled /f"),
        ),
        Flag::Unclear(_) => problems.warn(
            "The provider key's Disabled value is neither DWORD 0 nor 1",
            format!("reg delete \"{key}\" /v Disabled /f"),
        ),
        Flag::Absent | Flag::Off => {}
    }
    match machine.value(&policy, "ExcludedCredentialProviders") {
        None => check.found("ExcludedCredentialProviders policy: not set"),
        Some(value) => {
            check.found(format!(
                "ExcludedCredentialProviders policy: {}",
                value.describe()
            ));
            let listed = value
                .as_str()
                .map(|list| {
                    list.split([',', ';', ' '])
                        .any(|item| item.trim().eq_ignore_ascii_case(CLSID))
                })
                .unwrap_or(false);
            if listed {
                problems.fail(
                    "Group Policy 'Exclude credential providers' lists this provider, so LogonUI never loads it",
                    format!("Remove {CLSID} from Computer Configuration > Administrative Templates > System > Logon > Exclude credential providers (HKLM\\{SYSTEM_POLICY_KEY}\\ExcludedCredentialProviders), then run gpupdate /force."),
                );
            }
        }
    }
    problems.finish(check, format!("Registered under {key} and not excluded"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::{FakeMachine, INSTALL_DIR};
    use crate::pe::tests_support::{dll, image};
    use crate::registration::COM_CLASS_KEY;
    use crate::report::Status;

    fn server_key() -> RegKey {
        RegKey::hklm(COM_CLASS_KEY).child("InprocServer32")
    }

    fn dll_path() -> String {
        format!("{INSTALL_DIR}\\{DLL_NAME}")
    }

    #[test]
    fn com_class_passes_as_installed() {
        let result = run(&FakeMachine::windows7(), com_class);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.summary,
            format!("{CLSID} -> {}, ThreadingModel Apartment", dll_path())
        );
        assert_eq!(
            result.found,
            [
                "class name: SsprCredentialProvider".to_owned(),
                format!("InprocServer32 (default): \"{}\" (REG_SZ)", dll_path()),
                format!(
                    "{}: x64 DLL, exports DllCanUnloadNow, DllGetClassObject",
                    dll_path()
                ),
                "ThreadingModel: Apartment".to_owned(),
            ]
        );
    }

    #[test]
    fn com_class_fails_when_the_dll_is_missing() {
        let mut machine = FakeMachine::windows7();
        machine.remove_file(&dll_path());
        let result = run(&machine, com_class);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            format!("The registered DLL {} cannot be read: LogonUI silently skips a provider whose DLL is missing", dll_path())
        );
        assert_eq!(result.fix.as_deref(), Some(REPAIR));
    }

    #[test]
    fn com_class_fails_for_foreign_path_wrong_threading_model_or_non_com_dll() {
        let machine = FakeMachine::windows7().with_value(
            &server_key(),
            "",
            Value::sz(r"C:\Windows\System32\evil.dll"),
        );
        let result = run(&machine, com_class);
        assert_eq!(result.status, Status::Fail);
        assert!(result
            .summary
            .starts_with(r"InprocServer32 points to C:\Windows\System32\evil.dll"));

        let machine =
            FakeMachine::windows7().with_value(&server_key(), "ThreadingModel", Value::sz("Free"));
        let result = run(&machine, com_class);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(result.found[3], "ThreadingModel: \"Free\" (REG_SZ)");

        let machine = FakeMachine::windows7().with_file(&dll_path(), dll(0x8664, &["DllMain"]));
        let result = run(&machine, com_class);
        assert_eq!(
            result.summary,
            format!(
                "{} does not export DllGetClassObject and DllCanUnloadNow: it is not a COM server",
                dll_path()
            )
        );
        let machine = FakeMachine::windows7().with_file(&dll_path(), image(0x8664, false, &[]));
        assert_eq!(
            run(&machine, com_class).summary,
            format!("{} is not a DLL", dll_path())
        );

        let machine = FakeMachine::windows7().with_value(
            &server_key(),
            "",
            Value::sz("SsprCredentialProvider.dll"),
        );
        assert_eq!(
            run(&machine, com_class).summary,
            "The DLL path SsprCredentialProvider.dll is not a full path"
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_key(&RegKey::hklm(COM_CLASS_KEY));
        let result = run(&machine, com_class);
        assert_eq!(
            result.summary,
            format!("The COM class {CLSID} is not registered: LogonUI cannot create the provider")
        );
        assert_eq!(result.fix.as_deref(), Some(REINSTALL));
    }

    #[test]
    fn com_class_expands_and_warns() {
        let machine = FakeMachine::windows7()
            .with_value(
                &server_key(),
                "",
                Value::ExpandString(
                    r"%ProgramFiles%\SsprWindowsLogon\SsprCredentialProvider.dll".into(),
                ),
            )
            .with_value(&server_key(), "ThreadingModel", Value::sz("Both"));
        let result = run(&machine, com_class);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "ThreadingModel is Both, not Apartment as the MSI writes it"
        );
        assert_eq!(result.found[2], format!("expanded: {}", dll_path()));
    }

    #[test]
    fn com_class_notes_a_diag_run_from_elsewhere() {
        let mut machine = FakeMachine::windows7();
        machine.own_dir = Some(r"E:\tools".into());
        let result = run(&machine, com_class);
        assert_eq!(result.status, Status::Pass);
        assert!(result.found.contains(
            &r"SsprDiag.exe runs from E:\tools, not from the registered DLL's folder C:\Program Files\SsprWindowsLogon".to_owned()
        ));
    }

    #[test]
    fn provider_key_pass_warn_fail() {
        assert_eq!(
            run(&FakeMachine::windows7(), provider_key).status,
            Status::Pass
        );

        let key = RegKey::hklm(PROVIDERS_KEY).child(CLSID);
        let machine = FakeMachine::windows7().with_value(&key, "Disabled", Value::Dword(1));
        let result = run(&machine, provider_key);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.fix.as_deref(),
            Some(concat!(
                r#"reg delete "HKLM\"#,
                sspr_identity::provider_key!(),
                r#"" /v Disabled /f"#
            ))
        );

        let machine = FakeMachine::windows7().with_value(&key, "Disabled", Value::sz("yes"));
        assert_eq!(run(&machine, provider_key).status, Status::Warn);

        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(SYSTEM_POLICY_KEY),
            "ExcludedCredentialProviders",
            // Ours in lower case: the exclusion list is compared case-insensitively.
            Value::sz(&format!(
                "{{11111111-1111-1111-1111-111111111111}},{}",
                CLSID.to_ascii_lowercase()
            )),
        );
        let result = run(&machine, provider_key);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            "Group Policy 'Exclude credential providers' lists this provider, so LogonUI never loads it"
        );

        let mut machine = FakeMachine::windows7();
        machine.remove_key(&key);
        assert_eq!(run(&machine, provider_key).status, Status::Fail);
    }
}
