//! Repair: a deleted DLL and a deleted InprocServer32 value come back.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::{Msiexec, SUCCESS, UNKNOWN_PRODUCT};
use sspr_e2e::registry::{RegValue, RegView};
use sspr_e2e::CLSID_KEY;

use crate::common::{self, TestResult};

/// Delete the installed DLL and the InprocServer32 default value; `msiexec /i x.msi
/// REINSTALL=ALL REINSTALLMODE=vomus /qn` puts both back, keeps the admin's settings, and COM
/// activation works again.
pub fn reinstall_all_restores_deleted_dll_and_inprocserver32() -> TestResult {
    let config = common::config()?;
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("repair")?;
    let admin = common::Settings {
        enable_logging: 1,
        portal_url: "https://sspr.example.test/".into(),
        link_text: "Reset my password".into(),
        disabled: 0,
    };
    let dir = common::install_dir(&prefix);
    let dll = dir.host.join("SsprCredentialProvider.dll");
    let inproc = format!(r"{CLSID_KEY}\InprocServer32");

    admin.install_with(&prefix, &package)?;
    std::fs::remove_file(&dll)?;
    prefix.reg_delete_value(&inproc, None, RegView::Bits64)?;
    let damaged = || -> TestResult {
        assert!(!dll.exists());
        assert_eq!(
            prefix.reg_values(&inproc, RegView::Bits64)?,
            Some([("ThreadingModel".to_owned(), RegValue::sz("Apartment"))].into())
        );
        Ok(())
    };
    damaged()?;

    // Wine deviation: `/fa` is not implemented. With a package path it answers 1605, with the
    // product code 1 (ERROR_INVALID_FUNCTION), and repairs nothing; Windows repairs and exits 0.
    let run = prefix.msiexec(&Msiexec::repair_all(sspr_e2e::wine::windows_path(
        &package.path,
    )?))?;
    assert_eq!(run.exit_code, UNKNOWN_PRODUCT);
    let run = prefix.msiexec(&Msiexec::repair_all(package.product_code.clone()))?;
    assert_eq!(run.exit_code, 1);
    damaged()?;

    let repair = Msiexec::install(&package)?
        .property("REINSTALL", "ALL")
        .property("REINSTALLMODE", "vomus");
    let run = prefix.msiexec(&repair)?;
    assert_eq!(run.exit_code, SUCCESS);
    common::assert_installed(&prefix, &package, &admin)?;
    assert_eq!(
        prefix.run_probe(config.probe(Arch::X64))?,
        common::expected_probe_report_with_link(&dir, 64, &admin.link_text)
    );
    Ok(())
}
