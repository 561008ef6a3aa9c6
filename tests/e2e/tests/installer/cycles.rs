//! Twenty install/uninstall cycles in one prefix: every run exits 0, nothing is left after the
//! last (the shared check, which the native runner runs with fewer cycles).

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::suite;

use crate::common::{self, TestResult};

const CYCLES: usize = 20;

pub fn twenty_install_uninstall_cycles_leave_nothing() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("cycles")?;
    suite::install_uninstall_cycles_leave_nothing(&prefix, &package, CYCLES)
}
