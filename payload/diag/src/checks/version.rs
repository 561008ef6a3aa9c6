//! `windows.version`: the Windows release and edition, against what Microsoft's "How to: Enable password reset from the Windows login screen" supports.

use super::Context;
use crate::report::{CheckBuilder, CheckResult};
use crate::windows_version::{Family, ProductType};

pub const ID: &str = "windows.version";

pub fn check(ctx: &Context<'_>) -> CheckResult {
    let v = &ctx.windows;
    let mut check = CheckBuilder::new(ID, "Windows version and edition");
    for place in &v.looked_at {
        check.look(place.clone());
    }
    check.found(format!("{} (version read with {})", v.describe(), v.source));
    if let Some(name) = &v.product_name {
        check.found(format!("ProductName: {name}"));
    }
    let product_type = match v.product_type {
        ProductType::Workstation => "workstation",
        ProductType::Server => "server",
        ProductType::DomainController => "domain controller",
        ProductType::Unknown => "unknown",
    };
    check.found(format!("product type: {product_type}"));

    let family = v.family();
    if v.major == 0 {
        return check.warn(
            "Could not read the Windows version (RtlGetVersion failed and the CurrentVersion values are missing)",
            "Run SsprDiag.exe again from an elevated command prompt; if it still cannot read the version, attach `SsprDiag.exe --collect <folder>` to a support ticket.",
        );
    }
    match family {
        Family::Older => {
            return check.fail(
                format!("{} is older than Windows 7 SP1, the oldest release the product supports", v.name()),
                "Upgrade to Windows 7 SP1, 8.1, 10 or 11.",
            )
        }
        Family::Windows7 if v.service_pack < 1 => {
            return check.fail(
                "Windows 7 without Service Pack 1: Microsoft's \"How to: Enable password reset from the Windows login screen\" requires a patched Windows 7",
                "Install Windows 7 Service Pack 1 (KB976932), then the latest updates from Windows Update, and restart.",
            )
        }
        _ => {}
    }
    if matches!(
        v.product_type,
        ProductType::Server | ProductType::DomainController
    ) {
        return check.warn(
            format!("{}: reset at the sign-in screen is a client Windows feature in Microsoft's \"How to: Enable password reset from the Windows login screen\"", v.describe()),
            "Use SsprWindowsLogon on client Windows (7 SP1, 8.1, 10, 11); server users reset their password in a browser at https://aka.ms/sspr.",
        );
    }
    if v.is_home_edition() == Some(true) {
        return check.warn(
            format!(
                "{}: Home editions cannot join a domain or Azure AD, so no account that signs in here can use self-service password reset",
                v.describe()
            ),
            "Upgrade to a Pro, Enterprise or Education edition and join the domain or Azure AD; on Home editions users reset their password in a browser at https://aka.ms/sspr.",
        );
    }
    match family {
        Family::Windows8 => check.warn(
            format!("{}: Microsoft's \"How to: Enable password reset from the Windows login screen\" supports patched Windows 7 and 8.1, not Windows 8, which no longer receives updates", v.describe()),
            "Upgrade to Windows 8.1 (or later) and install the latest updates.",
        ),
        Family::Unknown => check.warn(
            format!("{}: newer than any release this SsprDiag knows", v.describe()),
            "Use the SsprDiag.exe of the newest SsprWindowsLogon release; its checks may not cover this Windows.",
        ),
        Family::Windows10 | Family::Windows11 => check.pass(format!(
            "{}: supported; Windows 10 and 11 also have a built-in reset link (see the win10.* checks)",
            v.describe()
        )),
        _ => check.pass(format!("{}: supported", v.describe())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::machine::{RegKey, Value};
    use crate::report::Status;
    use crate::windows_version::CURRENT_VERSION_KEY;

    #[test]
    fn pass_on_windows_7_sp1() {
        let result = run(&FakeMachine::windows7(), check);
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.summary,
            "Windows 7 SP1 Professional (6.1.7601): supported"
        );
        assert_eq!(
            result.found,
            [
                "Windows 7 SP1 Professional (6.1.7601) (version read with RtlGetVersion)",
                "ProductName: Windows 7 Professional",
                "product type: workstation",
            ]
        );
    }

    #[test]
    fn pass_on_windows_10() {
        let result = run(&FakeMachine::windows10(), check);
        assert_eq!(result.status, Status::Pass);
        assert!(result
            .summary
            .starts_with("Windows 10 22H2 Professional (10.0.19045.3803): supported"));
    }

    #[test]
    fn fail_without_service_pack_1() {
        let result = run(&FakeMachine::windows7().with_os(6, 1, 7600, 0), check);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.fix.as_deref(),
            Some("Install Windows 7 Service Pack 1 (KB976932), then the latest updates from Windows Update, and restart.")
        );
    }

    #[test]
    fn fail_on_vista() {
        let result = run(&FakeMachine::windows7().with_os(6, 0, 6002, 2), check);
        assert_eq!(result.status, Status::Fail);
        assert_eq!(
            result.summary,
            "Windows (older than 7) SP2 is older than Windows 7 SP1, the oldest release the product supports"
        );
    }

    #[test]
    fn warn_on_windows_8_home_and_server() {
        let result = run(&FakeMachine::windows7().with_os(6, 2, 9200, 0), check);
        assert_eq!(result.status, Status::Warn);
        assert!(result
            .summary
            .starts_with("Windows 8 Professional (6.2.9200): Microsoft's \"How to: Enable password reset from the Windows login screen\" supports"));

        let home = FakeMachine::windows7().with_value(
            &RegKey::hklm(CURRENT_VERSION_KEY),
            "EditionID",
            Value::sz("HomePremium"),
        );
        let result = run(&home, check);
        assert_eq!(result.status, Status::Warn);
        assert!(result.summary.contains("Home editions cannot join"));

        let mut server = FakeMachine::windows7();
        server.os = server.os.map(|mut os| {
            os.product_type = 3;
            os
        });
        let result = run(&server, check);
        assert_eq!(result.status, Status::Warn);
        assert!(result
            .summary
            .starts_with("Windows Server 6.1 Professional"));
    }

    #[test]
    fn warn_when_nothing_can_be_read() {
        let result = run(&FakeMachine::empty(), check);
        assert_eq!(result.status, Status::Warn);
        assert!(result
            .summary
            .starts_with("Could not read the Windows version"));
    }
}
