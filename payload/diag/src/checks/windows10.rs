//! The `win10.*` checks: Windows 10/11's built-in reset link (`AllowPasswordReset`) and every
//! setting Microsoft's "How to: Enable password reset from the Windows login screen" says breaks it. They do not apply to Windows 7, 8 and 8.1 (skipped there).

use super::{Context, Problems};
use crate::machine::{Flag, JoinState, Machine, RegKey, Value};
use crate::registration::{CLSID, PROVIDERS_KEY, SYSTEM_POLICY_KEY};
use crate::report::{CheckBuilder, CheckResult};
use crate::windows_version::{BUILD_1803, BUILD_1809};

pub const ALLOW_ID: &str = "win10.allow-password-reset";
pub const CAD_ID: &str = "win10.ctrl-alt-del";
pub const NOTIFICATIONS_ID: &str = "win10.lock-screen-notifications";
pub const FAST_USER_SWITCHING_ID: &str = "win10.hide-fast-user-switching";
pub const LAST_USER_NAME_ID: &str = "win10.dont-display-last-user-name";
pub const NO_LOCK_SCREEN_ID: &str = "win10.no-lock-screen";
pub const LOST_MODE_ID: &str = "win10.lost-mode";
pub const SHELL_ID: &str = "win10.custom-shell";
pub const COMBINATION_ID: &str = "win10.three-setting-combination";

pub const AZURE_AD_ACCOUNT_POLICY_KEY: &str = r"SOFTWARE\Policies\Microsoft\AzureADAccount";
pub const MDM_DEVICE_KEY: &str = r"SOFTWARE\Microsoft\PolicyManager\current\device";
pub const JOIN_INFO_KEY: &str = r"SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo";
pub const SYSTEM_POLICIES_KEY: &str = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System";
pub const WINLOGON_KEY: &str = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon";
pub const PERSONALIZATION_POLICY_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows\Personalization";
pub const USER_PUSH_NOTIFICATIONS_POLICY_KEY: &str =
    r"Software\Policies\Microsoft\Windows\CurrentVersion\PushNotifications";
pub const USER_NOTIFICATION_SETTINGS_KEY: &str =
    r"Software\Microsoft\Windows\CurrentVersion\Notifications\Settings";

/// The Windows 10 sections of Microsoft's "How to: Enable password reset from the Windows login screen" apply to Windows 10 and 11 only; elsewhere these checks are skipped.
fn applies(ctx: &Context<'_>) -> bool {
    ctx.windows.family().is_windows_10_or_later()
}

fn skipped(ctx: &Context<'_>, mut check: CheckBuilder) -> CheckResult {
    check.look("the Windows version (windows.version)");
    check.skip(format!(
        "Applies to Windows 10 and 11's built-in reset; this is {}",
        ctx.windows.name()
    ))
}

/// Windows' own reset link: on when the policy or Intune's CSP value is 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltinReset {
    pub policy: Flag,
    pub mdm: Flag,
}

impl BuiltinReset {
    pub fn read(machine: &dyn Machine) -> Self {
        Self {
            policy: Flag::read(
                machine,
                &RegKey::hklm(AZURE_AD_ACCOUNT_POLICY_KEY),
                "AllowPasswordReset",
            ),
            mdm: Flag::read(
                machine,
                &RegKey::hklm(MDM_DEVICE_KEY).child("Authentication"),
                "AllowAadPasswordReset",
            ),
        }
    }

    pub fn enabled(&self) -> bool {
        self.policy == Flag::On || self.mdm == Flag::On
    }
}

pub fn allow_password_reset(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(
        ALLOW_ID,
        "Windows 10/11 built-in reset (AllowPasswordReset)",
    );
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    let policy_key = RegKey::hklm(AZURE_AD_ACCOUNT_POLICY_KEY);
    let mdm_key = RegKey::hklm(MDM_DEVICE_KEY).child("Authentication");
    let join_key = RegKey::hklm(JOIN_INFO_KEY);
    check.look(policy_key.value_path("AllowPasswordReset"));
    check.look(mdm_key.value_path("AllowAadPasswordReset"));
    check.look(join_key.to_string());
    check.look("NetGetJoinInformation");
    let builtin = BuiltinReset::read(machine);
    check.found(format!(
        "AllowPasswordReset policy: {}",
        builtin.policy.describe()
    ));
    check.found(format!(
        "Intune AllowAadPasswordReset: {}",
        builtin.mdm.describe()
    ));
    let azure_ad_joined = machine
        .subkeys(&join_key)
        .is_some_and(|entries| !entries.is_empty());
    check.found(format!(
        "Azure AD join (CloudDomainJoin\\JoinInfo): {}",
        if azure_ad_joined {
            "joined"
        } else {
            "not joined"
        }
    ));
    check.found(format!("domain: {}", describe_join(machine.join_state())));
    let ours_active = machine
        .subkeys(&RegKey::hklm(PROVIDERS_KEY).child(CLSID))
        .is_some()
        && !ctx.settings.disabled.value;
    check.found(format!(
        "this product's link: {}",
        if ours_active {
            "on"
        } else {
            "off or not installed"
        }
    ));

    let enable_fix = format!(
        "Turn one reset link on: Windows' own with reg add \"HKLM\\{AZURE_AD_ACCOUNT_POLICY_KEY}\" /v AllowPasswordReset /t REG_DWORD /d 1 /f (or Intune OMA-URI ./Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset = 1), or this product's by setting Disabled to 0 (see settings.effective)."
    );
    for (name, flag) in [
        ("AllowPasswordReset", &builtin.policy),
        ("AllowAadPasswordReset", &builtin.mdm),
    ] {
        if let Flag::Unclear(value) = flag {
            return check.warn(
                format!("{name} is {}, not DWORD 0 or 1", value.describe()),
                format!("Set it to DWORD 1 (on) or 0 (off). {enable_fix}"),
            );
        }
    }
    if ctx.windows.build < BUILD_1803 {
        if builtin.enabled() {
            return check.warn(
                format!("Windows 10 build {} predates 1803, which the built-in reset needs: AllowPasswordReset has no effect", ctx.windows.build),
                "Update Windows 10 to version 1803 or later, or rely on this product's link.",
            );
        }
        if ours_active {
            return check.pass(format!(
                "Windows 10 build {} has no built-in reset; this product provides the link",
                ctx.windows.build
            ));
        }
        return check.fail(
            "No reset link: this Windows has no built-in reset and this product's link is off",
            enable_fix,
        );
    }
    match (builtin.enabled(), ours_active) {
        (true, true) => check.warn(
            "Two reset links: Windows' own (AllowPasswordReset) and this product's",
            format!("Keep one: turn this product's link off with reg add \"HKLM\\{}\" /v Disabled /t REG_DWORD /d 1 /f (or the same value by policy), or remove AllowPasswordReset.", sspr_settings::SETTINGS_KEY),
        ),
        (true, false) if !azure_ad_joined => check.warn(
            "Windows' own reset is on, but the device is not Azure AD joined or hybrid Azure AD joined, which Microsoft's \"How to: Enable password reset from the Windows login screen\" requires for it",
            "Join the device to Azure AD (Settings > Accounts > Access work or school > Connect > Join this device to Azure Active Directory), or configure hybrid Azure AD join for domain-joined devices.",
        ),
        (true, false) => check.pass("Windows' own reset link is on and the device is Azure AD joined"),
        (false, true) => check.pass("Windows' own reset is off; this product's link serves users"),
        (false, false) => check.fail("No reset link: Windows' own is off and this product's link is off", enable_fix),
    }
}

fn describe_join(state: Option<JoinState>) -> String {
    match state {
        None => "unknown (NetGetJoinInformation failed)".to_owned(),
        Some(JoinState::Unjoined) => "not joined".to_owned(),
        Some(JoinState::Workgroup(name)) => format!("workgroup {name}"),
        Some(JoinState::Domain(name)) => format!("domain {name}"),
    }
}

/// Whether Ctrl+Alt+Del is required at sign-in, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CadRequirement {
    Required(String),
    NotRequired(String),
    Unknown(String),
}

/// `DisableCAD` from the policy key, else from Winlogon, else Windows' default: required on
/// domain members, not on workgroup machines.
pub fn cad_requirement(machine: &dyn Machine) -> CadRequirement {
    for key in [SYSTEM_POLICIES_KEY, WINLOGON_KEY] {
        let key = RegKey::hklm(key);
        match machine.value(&key, "DisableCAD") {
            Some(Value::Dword(0)) => {
                return CadRequirement::Required(format!("{} = 0", key.value_path("DisableCAD")))
            }
            Some(Value::Dword(_)) => {
                return CadRequirement::NotRequired(format!("{} = 1", key.value_path("DisableCAD")))
            }
            _ => {}
        }
    }
    match machine.join_state() {
        Some(JoinState::Domain(name)) => CadRequirement::Required(format!(
            "DisableCAD not set; Windows requires Ctrl+Alt+Del by default on domain members (domain {name})"
        )),
        Some(state) => CadRequirement::NotRequired(format!(
            "DisableCAD not set; not required by default off a domain ({})",
            describe_join(Some(state))
        )),
        None => CadRequirement::Unknown(
            "DisableCAD not set and the domain membership is unknown".to_owned(),
        ),
    }
}

const CAD_FIX: &str = "Set 'Interactive logon: Do not require CTRL+ALT+DEL' to Enabled (Computer Configuration > Windows Settings > Security Settings > Local Policies > Security Options; it writes DisableCAD = 1 under HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System), or update Windows 10 to version 1809 or later.";

pub fn ctrl_alt_del(ctx: &Context<'_>) -> CheckResult {
    let mut check = CheckBuilder::new(
        CAD_ID,
        "Ctrl+Alt+Del required (breaks reset before Windows 10 1809)",
    );
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    check.look(RegKey::hklm(SYSTEM_POLICIES_KEY).value_path("DisableCAD"));
    check.look(RegKey::hklm(WINLOGON_KEY).value_path("DisableCAD"));
    check.look("NetGetJoinInformation");
    let requirement = cad_requirement(ctx.machine);
    let (required, why) = match &requirement {
        CadRequirement::Required(why) => (Some(true), why),
        CadRequirement::NotRequired(why) => (Some(false), why),
        CadRequirement::Unknown(why) => (None, why),
    };
    check.found(format!(
        "Ctrl+Alt+Del {}: {why}",
        match required {
            Some(true) => "required",
            Some(false) => "not required",
            None => "requirement unknown",
        }
    ));
    check.found(format!("build {}", ctx.windows.build));
    if ctx.windows.build >= BUILD_1809 {
        return check
            .pass("Windows 10 1809 or later: requiring Ctrl+Alt+Del no longer stops reset");
    }
    match required {
        Some(true) => check.fail(
            format!("Ctrl+Alt+Del is required on Windows 10 build {}, before 1809: Reset password will not work", ctx.windows.build),
            CAD_FIX,
        ),
        None => check.warn(
            format!("Could not tell whether Ctrl+Alt+Del is required on build {}, before 1809, where it stops reset", ctx.windows.build),
            CAD_FIX,
        ),
        Some(false) => check.pass("Ctrl+Alt+Del is not required"),
    }
}

pub fn lock_screen_notifications(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(NOTIFICATIONS_ID, "Lock screen notifications");
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    let machine_policy = RegKey::hklm(SYSTEM_POLICY_KEY);
    let user_policy = RegKey::hkcu(USER_PUSH_NOTIFICATIONS_POLICY_KEY);
    let user_setting = RegKey::hkcu(USER_NOTIFICATION_SETTINGS_KEY);
    check.look(machine_policy.value_path("DisableLockScreenAppNotifications"));
    check.look(user_policy.value_path("NoToastApplicationNotificationOnLockScreen"));
    check.look(user_setting.value_path("NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK"));
    let machine_flag = Flag::read(
        machine,
        &machine_policy,
        "DisableLockScreenAppNotifications",
    );
    let user_flag = Flag::read(
        machine,
        &user_policy,
        "NoToastApplicationNotificationOnLockScreen",
    );
    let user_toasts = machine.value(&user_setting, "NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK");
    check.found(format!(
        "DisableLockScreenAppNotifications (machine policy): {}",
        machine_flag.describe()
    ));
    check.found(format!(
        "NoToastApplicationNotificationOnLockScreen (this user's policy): {}",
        user_flag.describe()
    ));
    check.found(format!(
        "NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK (this user's setting): {}",
        user_toasts
            .as_ref()
            .map_or("not set".to_owned(), |v| v.describe())
    ));
    let mut problems = Problems::new();
    match machine_flag {
        Flag::On => problems.fail(
            "Lock screen app notifications are turned off by policy (DisableLockScreenAppNotifications = 1): Reset password will not work",
            format!("Set 'Turn off app notifications on the lock screen' (Computer Configuration > Administrative Templates > System > Logon) to Not configured; locally: reg delete \"HKLM\\{SYSTEM_POLICY_KEY}\" /v DisableLockScreenAppNotifications /f"),
        ),
        Flag::Unclear(value) => problems.warn(
            format!("DisableLockScreenAppNotifications is {}, not DWORD 0 or 1", value.describe()),
            format!("reg delete \"HKLM\\{SYSTEM_POLICY_KEY}\" /v DisableLockScreenAppNotifications /f"),
        ),
        Flag::Absent | Flag::Off => {}
    }
    if user_flag == Flag::On {
        problems.warn(
            "Lock screen notifications are off for this user by policy (NoToastApplicationNotificationOnLockScreen = 1): reset at this user's locked screen may not work",
            "Set the user policy 'Turn off toast notifications on the lock screen' (User Configuration > Administrative Templates > Start Menu and Taskbar > Notifications) to Not configured.",
        );
    }
    if user_toasts == Some(Value::Dword(0)) {
        problems.warn(
            "This user turned notifications on the lock screen off (Settings > System > Notifications)",
            "Turn 'Show notifications on the lock screen' back on in Settings > System > Notifications & actions.",
        );
    }
    problems.finish(check, "Lock screen notifications are not turned off")
}

/// A Windows policy switch Microsoft's "How to: Enable password reset from the Windows login screen" says breaks reset when it is 1.
fn policy_switch(
    ctx: &Context<'_>,
    id: &'static str,
    title: &'static str,
    key: &str,
    name: &str,
    gpo: &str,
) -> CheckResult {
    let mut check = CheckBuilder::new(id, title);
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    let key = RegKey::hklm(key);
    check.look(key.value_path(name));
    let flag = Flag::read(ctx.machine, &key, name);
    check.found(format!("{name}: {}", flag.describe()));
    match flag {
        Flag::On => check.fail(
            format!("{name} = 1: Microsoft's \"How to: Enable password reset from the Windows login screen\" lists it as breaking Reset password"),
            format!("Set the Group Policy '{gpo}' to Disabled or Not configured; locally: reg add \"{key}\" /v {name} /t REG_DWORD /d 0 /f"),
        ),
        Flag::Unclear(value) => check.warn(
            format!("{name} is {}, not DWORD 0 or 1: what Windows makes of it is undocumented", value.describe()),
            format!("Set it to DWORD 0 or delete it: reg delete \"{key}\" /v {name} /f"),
        ),
        Flag::Absent | Flag::Off => check.pass(format!("{name} is {}", flag.describe())),
    }
}

pub fn hide_fast_user_switching(ctx: &Context<'_>) -> CheckResult {
    policy_switch(
        ctx,
        FAST_USER_SWITCHING_ID,
        "HideFastUserSwitching",
        SYSTEM_POLICIES_KEY,
        "HideFastUserSwitching",
        "Computer Configuration > Administrative Templates > System > Logon > Hide entry points for Fast User Switching",
    )
}

pub fn dont_display_last_user_name(ctx: &Context<'_>) -> CheckResult {
    policy_switch(
        ctx,
        LAST_USER_NAME_ID,
        "DontDisplayLastUserName",
        SYSTEM_POLICIES_KEY,
        "DontDisplayLastUserName",
        "Computer Configuration > Windows Settings > Security Settings > Local Policies > Security Options > Interactive logon: Don't display last signed-in",
    )
}

pub fn no_lock_screen(ctx: &Context<'_>) -> CheckResult {
    policy_switch(
        ctx,
        NO_LOCK_SCREEN_ID,
        "NoLockScreen",
        PERSONALIZATION_POLICY_KEY,
        "NoLockScreen",
        "Computer Configuration > Administrative Templates > Control Panel > Personalization > Do not display the lock screen",
    )
}

pub fn lost_mode(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(LOST_MODE_ID, "EnableLostMode (MDM)");
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    let device = RegKey::hklm(MDM_DEVICE_KEY);
    check.look(format!("{device}\\*\\EnableLostMode"));
    let areas = machine.subkeys(&device).unwrap_or_default();
    check.found(format!("{} MDM policy area(s) under {device}", areas.len()));
    let mut problems = Problems::new();
    for area in &areas {
        let key = device.child(area);
        match Flag::read(machine, &key, "EnableLostMode") {
            Flag::Absent => {}
            Flag::Off => check.found(format!("{}: 0", key.value_path("EnableLostMode"))),
            Flag::On => {
                check.found(format!("{}: 1", key.value_path("EnableLostMode")));
                problems.fail(
                    "EnableLostMode is set on this device: Microsoft's \"How to: Enable password reset from the Windows login screen\" lists it as breaking Reset password",
                    "Turn Lost Mode off for this device in your MDM console, then sync the device (Settings > Accounts > Access work or school > Info > Sync).",
                );
            }
            Flag::Unclear(value) => {
                check.found(format!(
                    "{}: {}",
                    key.value_path("EnableLostMode"),
                    value.describe()
                ));
                problems.warn(
                    "EnableLostMode has an unexpected value",
                    "Check the device's Lost Mode state in your MDM console and sync the device.",
                );
            }
        }
    }
    if problems.is_empty() {
        check.found("Windows documents no local registry value for Lost Mode; confirm in your MDM console that it is off for this device");
    }
    problems.finish(check, "No EnableLostMode value set by MDM")
}

/// Whether a `Shell` value starts Explorer (`explorer.exe`, with or without its folder).
fn is_explorer(shell: &str) -> bool {
    let shell = shell.trim().trim_matches('"');
    let name = crate::registration::file_name(shell);
    name.eq_ignore_ascii_case("explorer.exe") || name.eq_ignore_ascii_case("explorer")
}

pub fn custom_shell(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(SHELL_ID, "Explorer.exe replaced by a custom shell");
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    let machine_key = RegKey::hklm(WINLOGON_KEY);
    let user_key = RegKey::hkcu(WINLOGON_KEY);
    let user_policy = RegKey::hkcu(SYSTEM_POLICIES_KEY);
    let mut problems = Problems::new();
    for (key, scope) in [
        (&machine_key, "machine"),
        (&user_key, "this user"),
        (&user_policy, "this user's policy"),
    ] {
        check.look(key.value_path("Shell"));
        let value = machine.value(key, "Shell");
        check.found(format!(
            "Shell ({scope}): {}",
            value
                .as_ref()
                .map_or("not set".to_owned(), |v| v.describe())
        ));
        let Some(shell) = value.as_ref().and_then(|v| v.as_str()) else {
            continue;
        };
        if is_explorer(shell) {
            continue;
        }
        if scope == "machine" {
            problems.fail(
                format!("The shell is \"{shell}\", not explorer.exe: Microsoft's \"How to: Enable password reset from the Windows login screen\" lists a custom shell as breaking Reset password"),
                format!("reg add \"{machine_key}\" /v Shell /t REG_SZ /d explorer.exe /f (or remove the kiosk or Shell Launcher configuration that set it)"),
            );
        } else {
            problems.warn(
                format!("{scope} replaces the shell with \"{shell}\""),
                format!("reg delete \"{key}\" /v Shell /f (or set the user policy 'Custom User Interface' to Not configured)"),
            );
        }
    }
    problems.finish(check, "Explorer is the shell")
}

pub fn three_setting_combination(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(
        COMBINATION_ID,
        "The three-setting combination of Microsoft's \"How to: Enable password reset from the Windows login screen\" (Ctrl+Alt+Del, lock screen notifications, edition)",
    );
    if !applies(ctx) {
        return skipped(ctx, check);
    }
    check.look(RegKey::hklm(SYSTEM_POLICIES_KEY).value_path("DisableCAD"));
    check.look(RegKey::hklm(WINLOGON_KEY).value_path("DisableCAD"));
    check.look(RegKey::hklm(SYSTEM_POLICY_KEY).value_path("DisableLockScreenAppNotifications"));
    check.look(RegKey::hklm(crate::windows_version::CURRENT_VERSION_KEY).value_path("EditionID"));

    let cad = cad_requirement(machine);
    let cad_required = match &cad {
        CadRequirement::Required(_) => Some(true),
        CadRequirement::NotRequired(_) => Some(false),
        CadRequirement::Unknown(_) => None,
    };
    let notifications_off = Flag::read(
        machine,
        &RegKey::hklm(SYSTEM_POLICY_KEY),
        "DisableLockScreenAppNotifications",
    ) == Flag::On;
    let enforced = ctx.windows.is_home_or_pro().map(|home_or_pro| !home_or_pro);
    let show = |value: Option<bool>| match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    check.found(format!(
        "1. Interactive logon: Do not require CTRL+ALT+DEL = Disabled (Ctrl+Alt+Del required): {}",
        show(cad_required)
    ));
    check.found(format!(
        "2. DisableLockScreenAppNotifications = 1: {}",
        show(Some(notifications_off))
    ));
    check.found(format!(
        "3. IsContentDeliveryPolicyEnforced (an edition other than Home or Pro: {}): {}",
        ctx.windows
            .edition_id
            .as_deref()
            .unwrap_or("edition unknown"),
        show(enforced)
    ));
    let conditions = [cad_required, Some(notifications_off), enforced];
    let met = conditions.iter().filter(|c| **c == Some(true)).count();
    let unknown = conditions.iter().filter(|c| c.is_none()).count();
    let fix = format!(
        "Break the combination: set 'Interactive logon: Do not require CTRL+ALT+DEL' to Enabled (DisableCAD = 1), or remove DisableLockScreenAppNotifications (reg delete \"HKLM\\{SYSTEM_POLICY_KEY}\" /v DisableLockScreenAppNotifications /f)."
    );
    if met == 3 {
        check.fail(
            "All three settings of the combination Microsoft's \"How to: Enable password reset from the Windows login screen\" names are present: Reset password may not work",
            fix,
        )
    } else if met + unknown == 3 {
        check.warn(
            format!("{met} of the three settings are present and {unknown} could not be read: the combination may be complete"),
            fix,
        )
    } else if met == 2 {
        check.warn("Two of the three settings of the combination Microsoft's \"How to: Enable password reset from the Windows login screen\" names are present: one more completes it", fix)
    } else {
        check.pass(format!("{met} of the three settings present"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{run, status};
    use crate::fixture::FakeMachine;
    use crate::report::Status;
    use crate::windows_version::CURRENT_VERSION_KEY;

    fn win10() -> FakeMachine {
        FakeMachine::windows10()
    }

    #[test]
    fn windows_7_skips_every_windows_10_check() {
        let machine = FakeMachine::windows7();
        for check in [
            allow_password_reset,
            ctrl_alt_del,
            lock_screen_notifications,
            hide_fast_user_switching,
            dont_display_last_user_name,
            no_lock_screen,
            lost_mode,
            custom_shell,
            three_setting_combination,
        ] {
            let result = run(&machine, check);
            assert_eq!(result.status, Status::Skip);
            assert_eq!(
                result.summary,
                "Applies to Windows 10 and 11's built-in reset; this is Windows 7 SP1"
            );
        }
    }

    #[test]
    fn allow_password_reset_states() {
        let result = run(&win10(), allow_password_reset);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "Windows' own reset link is on and the device is Azure AD joined"
            )
        );
        let settings = RegKey::hklm(sspr_settings::SETTINGS_KEY);
        let both = win10().with_value(&settings, "Disabled", Value::Dword(0));
        assert_eq!(
            run(&both, allow_password_reset).summary,
            "Two reset links: Windows' own (AllowPasswordReset) and this product's"
        );
        let mut not_joined = win10();
        not_joined.remove_key(&RegKey::hklm(JOIN_INFO_KEY));
        assert_eq!(status(&not_joined, allow_password_reset), Status::Warn);

        let neither = win10().with_value(
            &RegKey::hklm(AZURE_AD_ACCOUNT_POLICY_KEY),
            "AllowPasswordReset",
            Value::Dword(0),
        );
        let result = run(&neither, allow_password_reset);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            "No reset link: Windows' own is off and this product's link is off"
        );

        let ours_only = neither.with_value(&settings, "Disabled", Value::Dword(0));
        assert_eq!(status(&ours_only, allow_password_reset), Status::Pass);

        let mdm = win10()
            .with_value(
                &RegKey::hklm(AZURE_AD_ACCOUNT_POLICY_KEY),
                "AllowPasswordReset",
                Value::Dword(0),
            )
            .with_value(
                &RegKey::hklm(MDM_DEVICE_KEY).child("Authentication"),
                "AllowAadPasswordReset",
                Value::Dword(1),
            );
        assert_eq!(status(&mdm, allow_password_reset), Status::Pass);

        let old = win10().with_os(10, 0, 16299, 0);
        assert_eq!(status(&old, allow_password_reset), Status::Warn);
    }

    #[test]
    fn ctrl_alt_del_only_matters_before_1809() {
        let result = run(&win10(), ctrl_alt_del);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.found[0],
            "Ctrl+Alt+Del not required: DisableCAD not set; not required by default off a domain (workgroup WORKGROUP)"
        );

        let mut old_domain = win10().with_os(10, 0, 17134, 0);
        old_domain.join = Some(JoinState::Domain("CONTOSO".into()));
        let result = run(&old_domain, ctrl_alt_del);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(result.fix.as_deref(), Some(CAD_FIX));

        let allowed = old_domain.clone().with_value(
            &RegKey::hklm(SYSTEM_POLICIES_KEY),
            "DisableCAD",
            Value::Dword(1),
        );
        assert_eq!(status(&allowed, ctrl_alt_del), Status::Pass);

        let mut unknown = win10().with_os(10, 0, 17134, 0);
        unknown.join = None;
        assert_eq!(status(&unknown, ctrl_alt_del), Status::Warn);
    }

    #[test]
    fn lock_screen_notifications_states() {
        assert_eq!(status(&win10(), lock_screen_notifications), Status::Pass);
        let off = win10().with_value(
            &RegKey::hklm(SYSTEM_POLICY_KEY),
            "DisableLockScreenAppNotifications",
            Value::Dword(1),
        );
        assert_eq!(status(&off, lock_screen_notifications), Status::Fail);
        let user = win10().with_value(
            &RegKey::hkcu(USER_NOTIFICATION_SETTINGS_KEY),
            "NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK",
            Value::Dword(0),
        );
        assert_eq!(status(&user, lock_screen_notifications), Status::Warn);
    }

    #[test]
    fn policy_switches() {
        for (check, key, name) in [
            (
                hide_fast_user_switching as fn(&Context<'_>) -> CheckResult,
                SYSTEM_POLICIES_KEY,
                "HideFastUserSwitching",
            ),
            (
                dont_display_last_user_name,
                SYSTEM_POLICIES_KEY,
                "DontDisplayLastUserName",
            ),
            (no_lock_screen, PERSONALIZATION_POLICY_KEY, "NoLockScreen"),
        ] {
            assert_eq!(run(&win10(), check).summary, format!("{name} is not set"));
            let on = win10().with_value(&RegKey::hklm(key), name, Value::Dword(1));
            let result = run(&on, check);
            assert_eq!(result.status, Status::Fail);
            assert_eq!(
                result.summary,
                format!("{name} = 1: Microsoft's \"How to: Enable password reset from the Windows login screen\" lists it as breaking Reset password")
            );
            assert!(result.fix.as_deref().unwrap_or("").ends_with(&format!(
                "reg add \"HKLM\\{key}\" /v {name} /t REG_DWORD /d 0 /f"
            )));
            let odd = win10().with_value(&RegKey::hklm(key), name, Value::sz("1"));
            assert_eq!(status(&odd, check), Status::Warn);
            let off = win10().with_value(&RegKey::hklm(key), name, Value::Dword(0));
            assert_eq!(status(&off, check), Status::Pass);
        }
    }

    #[test]
    fn lost_mode_states() {
        let result = run(&win10(), lost_mode);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(result.found.len(), 2);
        let area = RegKey::hklm(MDM_DEVICE_KEY).child("DeviceLock");
        let on = win10().with_value(&area, "EnableLostMode", Value::Dword(1));
        assert_eq!(status(&on, lost_mode), Status::Fail);
        let odd = win10().with_value(&area, "EnableLostMode", Value::Dword(7));
        assert_eq!(status(&odd, lost_mode), Status::Warn);
    }

    #[test]
    fn custom_shell_states() {
        assert_eq!(status(&win10(), custom_shell), Status::Pass);
        let full_path = win10().with_value(
            &RegKey::hklm(WINLOGON_KEY),
            "Shell",
            Value::sz(r"C:\Windows\explorer.exe"),
        );
        assert_eq!(status(&full_path, custom_shell), Status::Pass);
        let kiosk = win10().with_value(
            &RegKey::hklm(WINLOGON_KEY),
            "Shell",
            Value::sz(r"C:\Kiosk\kiosk.exe"),
        );
        let result = run(&kiosk, custom_shell);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            r#"The shell is "C:\Kiosk\kiosk.exe", not explorer.exe: Microsoft's "How to: Enable password reset from the Windows login screen" lists a custom shell as breaking Reset password"#
        );
        let user = win10().with_value(
            &RegKey::hkcu(SYSTEM_POLICIES_KEY),
            "Shell",
            Value::sz("cmd.exe"),
        );
        assert_eq!(status(&user, custom_shell), Status::Warn);
    }

    #[test]
    fn three_setting_combination_states() {
        let result = run(&win10(), three_setting_combination);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (Status::Pass, "0 of the three settings present")
        );

        let mut enterprise = win10()
            .with_value(
                &RegKey::hklm(CURRENT_VERSION_KEY),
                "EditionID",
                Value::sz("Enterprise"),
            )
            .with_value(
                &RegKey::hklm(SYSTEM_POLICY_KEY),
                "DisableLockScreenAppNotifications",
                Value::Dword(1),
            );
        assert_eq!(status(&enterprise, three_setting_combination), Status::Warn);
        enterprise.join = Some(JoinState::Domain("CONTOSO".into()));
        let result = run(&enterprise, three_setting_combination);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.found,
            [
                "1. Interactive logon: Do not require CTRL+ALT+DEL = Disabled (Ctrl+Alt+Del required): yes",
                "2. DisableLockScreenAppNotifications = 1: yes",
                "3. IsContentDeliveryPolicyEnforced (an edition other than Home or Pro: Enterprise): yes",
            ]
        );
    }
}
