//! The verbose log (`/l*v`) is written and ends with the outcome of the install (the shared
//! check, plus what Wine writes).

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::log::TextEncoding;
use sspr_e2e::suite;

use crate::common::{self, TestResult};

/// A successful silent install's log ends with `INSTALL. Return value 1.` and records what was
/// installed where.
pub fn verbose_log_ends_with_return_value_1() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("verbose-log")?;
    let log = suite::verbose_log_records_the_install(&prefix, &package)?;
    // Wine 8 writes the log as UTF-8 without a BOM (Windows: the ANSI code page); the reader
    // would take UTF-16 as well.
    assert_eq!(log.encoding, TextEncoding::Utf8);
    // Wine 8 prefixes are Windows 7 SP1.
    let line = "Property(S): VersionNT64 = 601";
    assert!(
        log.text.lines().any(|logged| logged == line),
        "the log lacks {line:?}"
    );
    Ok(())
}
