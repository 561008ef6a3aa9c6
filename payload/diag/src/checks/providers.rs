//! `providers.third-party` and `providers.filters`: the other credential providers and filters
//! LogonUI loads. Microsoft's "How to: Enable password reset from the Windows login screen" warns that with more than one third-party provider users see more
//! than one tile; a filter decides which providers are shown at all.

use super::Context;
use crate::machine::{starts_with_ignore_case, Flag, Machine, RegKey, View};
use crate::registration::{
    inproc_server, CLSID, FILTERS_KEY, FILTER_CLSID, PROVIDERS_KEY, SYSTEM_POLICY_KEY,
};
use crate::report::{CheckBuilder, CheckResult};

pub const PROVIDERS_ID: &str = "providers.third-party";
pub const FILTERS_ID: &str = "providers.filters";

/// Windows' own providers and filters (Windows 7 to 11), for registrations whose DLL path does
/// not already say so.
const WINDOWS_CLASSES: &[&str] = &[
    "{01a30791-40ae-4653-ab2e-fd210019ae88}",
    "{1b283861-754f-4022-ad47-a5eaaa618894}",
    "{1ee7337f-85ac-45e2-a23c-37c753209769}",
    "{2135f72a-90b5-4ed3-a7f1-8bb705ac276a}",
    "{25cbb996-92ed-457e-b28c-4774084bd562}",
    "{27fbdb57-b613-4af2-9d7e-4fa7a66c21ad}",
    "{3dd6bec0-8193-4ffe-ae25-e08e39ea4063}",
    "{48b4e58d-2791-456c-9091-d524c6c706f2}",
    "{503739d0-4c5e-4cfd-b3ba-d881334f0df2}",
    "{600e7adb-da3e-41a4-9225-3c0399e88c0c}",
    "{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}",
    "{6f45dc1e-5384-457a-bc13-2cd81b0d28ed}",
    "{8af662bf-65a0-4d0a-a540-a338a999d36f}",
    "{8bf9a910-a8ff-457f-999f-a5ca10b4a885}",
    "{8fd7e19c-3bf7-489b-a72c-846ab3678c96}",
    "{94596c7e-3744-41ce-893e-bbf09122f76a}",
    "{bec09223-b018-416d-a0ac-523971b639f5}",
    "{c5d7540a-cd51-453b-b22b-05305ba03f07}",
    "{c885aa15-1764-4293-b82a-0586add46b35}",
    "{cb82ea12-9f71-446d-89e1-8d0924e1256e}",
    "{d6886603-9d2f-4eb2-b667-1971041fa96b}",
    "{ddc0eed2-adbe-40b6-a217-ede16a79a0de}",
    "{e74e57b0-6c6d-44d5-9cda-fb2df5ed7435}",
    "{f64945df-4fa9-4068-a2fb-61af319edd33}",
    "{f8a0b131-5f68-486c-8040-7e8fc3c85bb6}",
    "{f8a1793b-7873-4046-b2a7-1f318747f427}",
];

/// One registered provider or filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub clsid: String,
    pub name: String,
    pub dll: Option<String>,
    pub from_windows: bool,
    /// Switched off with its `Disabled` value or the exclusion policy.
    pub disabled: bool,
}

impl Registered {
    fn describe(&self) -> String {
        format!(
            "{} {} -> {}{}",
            self.clsid,
            if self.name.is_empty() {
                "(no name)"
            } else {
                &self.name
            },
            self.dll.as_deref().unwrap_or("no InprocServer32"),
            if self.disabled { " [disabled]" } else { "" }
        )
    }
}

/// Whether a DLL path is Windows' own: under `%SystemRoot%\System32`, or a bare name that the
/// loader finds there.
fn is_windows_dll(machine: &dyn Machine, dll: &str) -> bool {
    if !dll.contains('\\') {
        return true;
    }
    let root = machine
        .env("SystemRoot")
        .unwrap_or_else(|| r"C:\Windows".to_owned());
    starts_with_ignore_case(dll, &format!("{}\\System32\\", root.trim_end_matches('\\')))
}

fn excluded(machine: &dyn Machine) -> Vec<String> {
    machine
        .value(
            &RegKey::hklm(SYSTEM_POLICY_KEY),
            "ExcludedCredentialProviders",
        )
        .and_then(|v| v.as_str().map(str::to_owned))
        .map(|list| {
            list.split([',', ';', ' '])
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn is_ours(clsid: &str) -> bool {
    clsid.eq_ignore_ascii_case(CLSID) || clsid.eq_ignore_ascii_case(FILTER_CLSID)
}

/// Every subkey of `parent`, classified; ours (provider and filter) first if `ours`, else left out.
pub fn registered_under(machine: &dyn Machine, parent: &str, ours: bool) -> Vec<Registered> {
    let parent = RegKey::hklm(parent);
    let excluded = excluded(machine);
    machine
        .subkeys(&parent)
        .unwrap_or_default()
        .into_iter()
        .filter(|clsid| is_ours(clsid) == ours)
        .map(|clsid| {
            let key = parent.child(&clsid);
            let dll = inproc_server(machine, &clsid, View::Native).path;
            let from_windows = WINDOWS_CLASSES.contains(&clsid.to_ascii_lowercase().as_str())
                || dll.as_deref().is_some_and(|d| is_windows_dll(machine, d));
            let disabled = Flag::read(machine, &key, "Disabled") == Flag::On
                || excluded.contains(&clsid.to_ascii_lowercase());
            let name = machine
                .value(&key, "")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            Registered {
                clsid,
                name,
                dll,
                from_windows,
                disabled,
            }
        })
        .collect()
}

pub fn third_party(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(PROVIDERS_ID, "Other third-party credential providers");
    check.look(format!("HKLM\\{PROVIDERS_KEY}\\*"));
    check.look(r"HKLM\SOFTWARE\Classes\CLSID\*\InprocServer32".to_owned());
    check.look(format!(
        "HKLM\\{SYSTEM_POLICY_KEY}\\ExcludedCredentialProviders"
    ));
    let all = registered_under(machine, PROVIDERS_KEY, false);
    let windows_count = all.iter().filter(|p| p.from_windows).count();
    check.found(format!("{windows_count} provider(s) from Windows"));
    let others: Vec<&Registered> = all.iter().filter(|p| !p.from_windows).collect();
    for provider in &others {
        check.found(format!("third-party: {}", provider.describe()));
    }
    let active: Vec<&&Registered> = others.iter().filter(|p| !p.disabled).collect();
    if active.is_empty() {
        return check.pass(if others.is_empty() {
            "No third-party credential provider besides this one".to_owned()
        } else {
            "Other third-party providers are registered but disabled".to_owned()
        });
    }
    check.warn(
        format!(
            "{} other third-party credential provider(s) enabled: users may see more than one tile (Microsoft's \"How to: Enable password reset from the Windows login screen\")",
            active.len()
        ),
        format!("If users see duplicate tiles, switch the extra provider off: reg add \"HKLM\\{PROVIDERS_KEY}\\{{CLSID}}\" /v Disabled /t REG_DWORD /d 1 /f, or list it in Computer Configuration > Administrative Templates > System > Logon > Exclude credential providers; uninstall it if it is not needed."),
    )
}

pub fn filters(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(FILTERS_ID, "Credential provider filters");
    check.look(format!("HKLM\\{FILTERS_KEY}\\*"));
    check.look(r"HKLM\SOFTWARE\Classes\CLSID\*\InprocServer32".to_owned());
    let all = registered_under(machine, FILTERS_KEY, false);
    check.found(format!(
        "{} filter(s) from Windows",
        all.iter().filter(|f| f.from_windows).count()
    ));
    for ours in registered_under(machine, FILTERS_KEY, true) {
        check.found(format!("this product's: {}", ours.describe()));
    }
    let others: Vec<&Registered> = all.iter().filter(|f| !f.from_windows).collect();
    for filter in &others {
        check.found(format!("third-party: {}", filter.describe()));
    }
    if others.is_empty() {
        return check.pass("No third-party credential provider filter");
    }
    check.warn(
        format!(
            "{} third-party credential provider filter(s): a filter decides which providers LogonUI shows and can hide this one",
            others.len()
        ),
        format!("Make sure each filter lets {CLSID} through (see its vendor's documentation); deleting a filter's key under HKLM\\{FILTERS_KEY} switches it off."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::machine::Value;
    use crate::report::Status;

    const OTHER: &str = "{11111111-2222-3333-4444-555555555555}";

    #[test]
    fn windows_providers_and_ours_pass() {
        let result = run(&FakeMachine::windows7(), third_party);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "No third-party credential provider besides this one"
            )
        );
        assert_eq!(result.found, ["2 provider(s) from Windows"]);
    }

    #[test]
    fn another_vendor_warns_unless_disabled() {
        let machine = FakeMachine::windows7().with_provider(
            OTHER,
            "Duo",
            r"C:\Program Files\Duo\DuoCredProv.dll",
        );
        let result = run(&machine, third_party);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.found[1],
            r"third-party: {11111111-2222-3333-4444-555555555555} Duo -> C:\Program Files\Duo\DuoCredProv.dll"
        );
        let disabled = machine.clone().with_value(
            &RegKey::hklm(PROVIDERS_KEY).child(OTHER),
            "Disabled",
            Value::Dword(1),
        );
        assert_eq!(
            run(&disabled, third_party).summary,
            "Other third-party providers are registered but disabled"
        );
        let excluded = machine.with_value(
            &RegKey::hklm(SYSTEM_POLICY_KEY),
            "ExcludedCredentialProviders",
            Value::sz(OTHER),
        );
        assert_eq!(run(&excluded, third_party).status, Status::Pass);
    }

    #[test]
    fn known_windows_classes_without_system32_paths_are_windows() {
        let machine = FakeMachine::windows7().with_provider(
            "{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}",
            "PasswordProvider",
            r"D:\odd\credprovs.dll",
        );
        assert_eq!(run(&machine, third_party).status, Status::Pass);
    }

    /// Windows 7 with one more credential provider filter registered: its entry and its class.
    fn with_filter(clsid: &str, name: &str, dll: &str) -> FakeMachine {
        FakeMachine::windows7()
            .with_value(&RegKey::hklm(FILTERS_KEY).child(clsid), "", Value::sz(name))
            .with_value(
                &RegKey::hklm(r"SOFTWARE\Classes\CLSID")
                    .child(clsid)
                    .child("InprocServer32"),
                "",
                Value::sz(dll),
            )
    }

    #[test]
    fn filters_pass_and_warn() {
        assert_eq!(run(&FakeMachine::windows7(), filters).status, Status::Pass);
        let ours = with_filter(
            FILTER_CLSID,
            "SsprCredentialProviderFilter",
            r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll",
        );
        let result = run(&ours, filters);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.found[1],
            concat!(
                "this product's: ",
                sspr_identity::filter_clsid!(),
                r" SsprCredentialProviderFilter -> C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll"
            )
        );
        let machine = with_filter(OTHER, "VendorFilter", r"C:\Program Files\Vendor\filter.dll");
        let result = run(&machine, filters);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.found,
            [
                "0 filter(s) from Windows",
                r"third-party: {11111111-2222-3333-4444-555555555555} VendorFilter -> C:\Program Files\Vendor\filter.dll",
            ]
        );
    }
}
