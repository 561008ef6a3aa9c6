//! Twenty install/uninstall cycles in one prefix: every run exits 0, nothing is left after the last.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::snapshot;

use crate::common::{self, TestResult};

const CYCLES: usize = 20;

pub fn twenty_install_uninstall_cycles_leave_nothing() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("cycles")?;
    let dll = common::install_dir(&prefix)
        .host
        .join("SsprCredentialProvider.dll");
    let before = prefix.snapshot()?;

    for cycle in 1..=CYCLES {
        prefix.install(&package, &[])?;
        assert!(dll.is_file(), "cycle {cycle}: the DLL is not installed");
        prefix.uninstall(&package)?;
        assert!(!dll.exists(), "cycle {cycle}: the DLL is still there");
    }

    let diff = snapshot::diff(&before, &prefix.snapshot()?);
    assert!(
        diff.is_empty(),
        "{CYCLES} cycles left changes behind:\n{diff}"
    );
    common::assert_not_installed(&prefix)
}
