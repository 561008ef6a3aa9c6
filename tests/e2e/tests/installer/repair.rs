//! Repair: a deleted DLL and a deleted InprocServer32 value come back (the shared checks, with
//! Wine's missing `/fa` asserted in between).

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::{Msiexec, UNKNOWN_PRODUCT};
use sspr_e2e::suite;

use crate::common::{self, TestResult};

/// Delete the installed DLL and the InprocServer32 default value; `msiexec /i x.msi
/// REINSTALL=ALL REINSTALLMODE=vomus /qn` puts both back, keeps the admin's settings, and COM
/// activation works again.
pub fn reinstall_all_restores_deleted_dll_and_inprocserver32() -> TestResult {
    let config = common::config()?;
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("repair")?;
    suite::install_and_damage(&prefix, &package)?;

    // Wine deviation: `/fa` is not implemented. With a package path it answers 1605, with the
    // product code 1 (ERROR_INVALID_FUNCTION), and repairs nothing; Windows repairs and exits 0.
    let run = prefix.msiexec(&Msiexec::repair_all(sspr_e2e::wine::windows_path(
        &package.path,
    )?))?;
    assert_eq!(run.exit_code, UNKNOWN_PRODUCT);
    let run = prefix.msiexec(&Msiexec::repair_all(package.product_code.clone()))?;
    assert_eq!(run.exit_code, 1);
    suite::assert_damaged(&prefix)?;

    let payload = suite::payload_from_bytes(package.payload(&prefix.scratch_file("payload", "d"))?);
    suite::reinstall_all_restores(&prefix, &package, &payload, config.probe(Arch::X64))?;
    // Wine's two empty ARP values on top of the shared checks.
    common::assert_installed(&prefix, &package, &suite::admin_settings())
}
