//! Silent uninstall leaves nothing: the machine after `/x` equals the machine before `/i`.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::{Msiexec, SUCCESS};
use sspr_e2e::snapshot;
use sspr_e2e::suite;

use crate::common::{self, TestResult};

/// Install with every property set, uninstall: registry export and file listing equal the ones
/// taken before the install, no ARP entry, and an admin's policy key survives (not the MSI's).
pub fn silent_uninstall_leaves_nothing() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("silent-uninstall")?;
    let payload = suite::payload_from_bytes(package.payload(&prefix.scratch_file("payload", "d"))?);
    suite::silent_uninstall_leaves_nothing(&prefix, &package, &payload)
}

/// Wine deviation: `/x` of a package that is not installed exits 0 and logs success; Windows
/// exits 1605 (ERROR_UNKNOWN_PRODUCT). Either way nothing is touched.
pub fn uninstall_of_absent_product_returns_0_under_wine() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("uninstall-absent")?;
    let before = prefix.snapshot()?;

    let run = prefix.msiexec(&Msiexec::uninstall(&package)?)?;
    assert_eq!(
        run.exit_code, SUCCESS,
        "Wine 8 answers 0 here (Windows: 1605)"
    );
    assert_eq!(run.log()?.final_return_value(), Some(1));

    let diff = snapshot::diff(&before, &prefix.snapshot()?);
    assert!(
        diff.is_empty(),
        "uninstalling nothing changed the machine:\n{diff}"
    );
    Ok(())
}
