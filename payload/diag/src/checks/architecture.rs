//! `package.architecture`: Windows' architecture against the installed package's.
//!
//! LogonUI is a native process: on 64-bit Windows it reads the 64-bit registry view and loads
//! only x64 DLLs. An x86 package there registers in `Wow6432Node`, where LogonUI never looks
//! (docs/design.md, "Product").

use super::Context;
use crate::machine::{Arch, Machine, View};
use crate::registration::{class_key, inproc_server, inspect_dll, CLSID};
use crate::report::{CheckBuilder, CheckResult};

pub const ID: &str = "package.architecture";

const REINSTALL_X64: &str = "Uninstall the x86 package (msiexec /x <x86 SsprWindowsLogon.PROD.msi> /qn), then install the x64 package: msiexec /i x64\\SsprWindowsLogon.PROD.msi /qn.";

/// Whether our class key exists in `view`.
fn registered_in(machine: &dyn Machine, view: View) -> bool {
    machine.subkeys(&class_key(CLSID, view)).is_some()
}

pub fn check(ctx: &Context<'_>) -> CheckResult {
    let machine = ctx.machine;
    let mut check = CheckBuilder::new(ID, "Architecture of Windows and of the installed package");
    check.look("GetNativeSystemInfo");
    let native = class_key(CLSID, View::Native);
    check.look(native.to_string());
    let wow = ctx.arch.is_64_bit().then(|| class_key(CLSID, View::Wow32));
    if let Some(key) = &wow {
        check.look(key.to_string());
    }
    let this_build = Arch::of_this_program();
    check.found(format!("Windows is {}", ctx.arch.name()));
    check.found(format!(
        "this SsprDiag.exe is the {} build",
        this_build.name()
    ));

    let in_native = registered_in(machine, View::Native);
    let in_wow = wow.is_some() && registered_in(machine, View::Wow32);
    if ctx.arch.is_64_bit() {
        check.found(format!(
            "registered in the 64-bit view: {}; in the 32-bit view (Wow6432Node): {}",
            yes_no(in_native),
            yes_no(in_wow)
        ));
    } else {
        check.found(format!("registered: {}", yes_no(in_native)));
    }
    let dll_arch = if in_native {
        inproc_server(machine, CLSID, View::Native)
            .path
            .and_then(|path| {
                check.look(path.clone());
                let arch = inspect_dll(machine, &path).ok().map(|facts| facts.arch);
                if let Some(arch) = arch {
                    check.found(format!("{path} is an {} DLL", arch.name()));
                }
                arch
            })
    } else {
        None
    };

    match ctx.arch {
        Arch::Arm64 => {
            return check.fail(
                "ARM64 Windows: LogonUI loads only ARM64 credential providers, and there is no ARM64 package",
                "SsprWindowsLogon has no ARM64 build; on ARM64 Windows 11 use the built-in reset link (HKLM\\SOFTWARE\\Policies\\Microsoft\\AzureADAccount\\AllowPasswordReset = 1).",
            )
        }
        Arch::Other(_) => {
            return check.fail(
                format!("Windows reports {}, which no package supports", ctx.arch.name()),
                "Install on x64 or x86 Windows.",
            )
        }
        Arch::X64 | Arch::X86 => {}
    }
    if !in_native && !in_wow {
        return check.skip("Nothing registered to compare (see registration.com-class)");
    }
    if in_wow && !in_native {
        return check.fail(
            "The x86 package is installed on 64-bit Windows: its registration is in Wow6432Node, which 64-bit LogonUI never reads",
            REINSTALL_X64,
        );
    }
    if let Some(dll) = dll_arch {
        if dll != ctx.arch {
            return check.fail(
                format!(
                    "The registered DLL is {} but Windows is {}: LogonUI cannot load it",
                    dll.name(),
                    ctx.arch.name()
                ),
                format!(
                    "Install the {} package: msiexec /i {}\\SsprWindowsLogon.PROD.msi /qn.",
                    ctx.arch.name(),
                    ctx.arch.name()
                ),
            );
        }
    }
    if in_wow {
        return check.warn(
            "Registered in both views: the Wow6432Node copy is left over from an x86 package",
            concat!(
                r"Uninstall the x86 package if it is listed in Programs and Features, or delete HKLM\SOFTWARE\Wow6432Node\Classes\CLSID\",
                sspr_identity::provider_clsid!(),
                "."
            ),
        );
    }
    if this_build != ctx.arch && ctx.arch == Arch::X64 {
        return check.warn(
            "This is the x86 SsprDiag.exe on 64-bit Windows, so it comes from the x86 package",
            "Run the SsprDiag.exe installed by the x64 package (C:\\Program Files\\SsprWindowsLogon\\SsprDiag.exe).",
        );
    }
    check.pass(format!(
        "{} Windows with the {} package{}",
        ctx.arch.name(),
        ctx.arch.name(),
        match dll_arch {
            Some(arch) => format!(" and an {} DLL", arch.name()),
            None => String::new(),
        }
    ))
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::{FakeMachine, INSTALL_DIR};
    use crate::machine::{RegKey, Value};
    use crate::pe::tests_support::dll;
    use crate::registration::{COM_CLASS_KEY, DLL_NAME};
    use crate::report::Status;

    #[test]
    fn pass_when_x64_everywhere() {
        let result = run(&FakeMachine::windows7(), check);
        // Unit tests run as a 64-bit program, like the x64 package's SsprDiag.exe.
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "x64 Windows with the x64 package and an x64 DLL"
            )
        );
    }

    #[test]
    fn fail_for_x86_package_on_x64() {
        let mut machine = FakeMachine::windows7();
        machine.remove_key(&RegKey::hklm(COM_CLASS_KEY));
        let dll_path = r"C:\Program Files (x86)\SsprWindowsLogon\SsprCredentialProvider.dll";
        let machine = machine
            .with_value(
                &RegKey::hklm32(COM_CLASS_KEY).child("InprocServer32"),
                "",
                Value::sz(dll_path),
            )
            .with_file(dll_path, dll(0x014c, &["DllGetClassObject"]));
        let result = run(&machine, check);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(result.fix.as_deref(), Some(REINSTALL_X64));
    }

    #[test]
    fn fail_for_x86_dll_in_the_64_bit_view() {
        let machine = FakeMachine::windows7().with_file(
            &format!("{INSTALL_DIR}\\{DLL_NAME}"),
            dll(0x014c, &["DllGetClassObject", "DllCanUnloadNow"]),
        );
        let result = run(&machine, check);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            "The registered DLL is x86 but Windows is x64: LogonUI cannot load it"
        );
    }

    #[test]
    fn fail_on_arm64() {
        let mut machine = FakeMachine::windows10();
        machine.arch = Arch::Arm64;
        assert_eq!(run(&machine, check).status, Status::Fail);
    }

    #[test]
    fn warn_for_leftovers_in_wow6432node() {
        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm32(COM_CLASS_KEY),
            "",
            Value::sz("SsprCredentialProvider"),
        );
        let result = run(&machine, check);
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.found[2],
            "registered in the 64-bit view: yes; in the 32-bit view (Wow6432Node): yes"
        );
    }

    #[test]
    fn pass_on_32_bit_windows_and_skip_when_nothing_is_installed() {
        let mut machine = FakeMachine::windows7().with_file(
            &format!("{INSTALL_DIR}\\{DLL_NAME}"),
            dll(0x014c, &["DllGetClassObject", "DllCanUnloadNow"]),
        );
        machine.arch = Arch::X86;
        let result = run(&machine, check);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (
                Status::Pass,
                "x86 Windows with the x86 package and an x86 DLL"
            )
        );
        assert_eq!(result.found[2], "registered: yes");

        let mut machine = FakeMachine::windows7();
        machine.remove_key(&RegKey::hklm(COM_CLASS_KEY));
        assert_eq!(run(&machine, check).status, Status::Skip);
    }
}
