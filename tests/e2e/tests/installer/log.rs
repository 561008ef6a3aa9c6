//! The verbose log (`/l*v`) is written and ends with the outcome of the install.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::log::TextEncoding;

use crate::common::{self, TestResult};

/// A successful silent install's log ends with `INSTALL. Return value 1.` and records what was
/// installed where.
pub fn verbose_log_ends_with_return_value_1() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("verbose-log")?;
    let run = prefix.install(&package, &[])?;

    let log = run.log()?;
    // Wine 8 writes the log as UTF-8 without a BOM (Windows: the ANSI code page); the reader
    // would take UTF-16 as well.
    assert_eq!(log.encoding, TextEncoding::Utf8);
    assert_eq!(log.final_return_value(), Some(1));
    let last = log.final_action_line().unwrap_or_default();
    assert!(last.ends_with(": INSTALL. Return value 1."), "{last}");
    for line in [
        format!("Property(S): ProductCode = {}", package.product_code),
        format!("Property(S): ProductVersion = {}", package.version),
        r"Property(S): INSTALLFOLDER = C:\Program Files\SsprWindowsLogon\".to_owned(),
        "Property(S): VersionNT64 = 601".to_owned(),
    ] {
        assert!(
            log.text.lines().any(|logged| logged == line),
            "the log lacks {line:?}"
        );
    }
    Ok(())
}
