//! The x86 package: refused on 64-bit Windows, clean on 32-bit Windows where a 32-bit prefix exists.

use sspr_e2e::config::{Arch, Release};
use sspr_e2e::package::{pe_machine, MACHINE_AMD64, MACHINE_I386};
use sspr_e2e::snapshot;
use sspr_e2e::wine::{self, WineArch, WinePrefix};

use libtest_mimic::Completion;

use crate::common::{self, SkippableResult, TestResult};

/// Its launch condition refuses the 32-bit package on 64-bit Windows (LogonUI there never loads
/// a 32-bit provider): 1603 in LaunchConditions, and the machine is exactly as before. (Of the x86
/// package's conditions only `NOT VersionNT64` can fail in a 64-bit Windows 7 SP1 prefix run as
/// an administrator on x64.) The shared check, then Wine's deviation (no message logged).
pub fn x86_package_is_refused_in_64bit_prefix() -> TestResult {
    let package = common::package(Release::Current, Arch::X86)?;
    let prefix = common::prefix64("x86-on-x64")?;
    sspr_e2e::suite::properties::x86_package_is_refused_on_64bit_windows(
        &prefix,
        &package,
        &common::no_launch_message_logged,
    )
}

/// The x86 package carries 32-bit binaries for `ProgramFilesFolder` (and the x64 one 64-bit
/// binaries), whatever Wine this machine has.
pub fn x86_package_carries_32bit_binaries_for_program_files() -> TestResult {
    let x86 = common::package(Release::Current, Arch::X86)?;
    let x64 = common::package(Release::Current, Arch::X64)?;
    let scratch = tempfile::tempdir()?;

    assert_eq!(x86.template()?, "Intel;1033");
    assert_eq!(x64.template()?, "x64;1033");
    let parents = |package: &sspr_e2e::package::Package| -> anyhow::Result<Option<String>> {
        let table = package.table("Directory")?;
        Ok(table
            .rows
            .iter()
            .find(|row| row.get("Directory").map(String::as_str) == Some("INSTALLFOLDER"))
            .and_then(|row| row.get("Directory_Parent").cloned()))
    };
    assert_eq!(parents(&x86)?.as_deref(), Some("ProgramFilesFolder"));
    assert_eq!(parents(&x64)?.as_deref(), Some("ProgramFiles64Folder"));
    for (package, machine) in [(&x86, MACHINE_I386), (&x64, MACHINE_AMD64)] {
        let payload = package.payload(&scratch.path().join(package.arch.name()))?;
        assert_eq!(
            payload.keys().map(String::as_str).collect::<Vec<_>>(),
            sspr_e2e::PAYLOAD_FILES
        );
        for (name, image) in &payload {
            assert_eq!(
                pe_machine(image),
                Some(machine),
                "{name} in the {:?} package",
                package.arch
            );
        }
    }
    Ok(())
}

/// In a 32-bit prefix the x86 package installs, activates through COM and uninstalls without a
/// trace. Needs 32-bit Wine (`wine32:i386`): where it is missing the trial reports itself
/// skipped with the reason, never passed.
pub fn x86_package_installs_cleanly_in_32bit_prefix() -> SkippableResult {
    if let Err(why) = wine::wine32_status() {
        return Ok(Completion::ignored_with(why));
    }
    let x86 = common::package(Release::Current, Arch::X86)?;
    let prefix = WinePrefix::new("x86-on-x86", WineArch::Win32)?;
    let defaults = common::Settings::defaults(&prefix)?;
    let before = prefix.snapshot()?;
    prefix.install(&x86, &[])?;
    common::assert_installed(&prefix, &x86, &defaults)?;
    let probe = common::config()?.probe(Arch::X86);
    assert_eq!(
        prefix.run_probe(probe)?,
        common::expected_probe_report(&common::install_dir(&prefix)?, 32)
    );
    prefix.uninstall(&x86)?;
    let diff = snapshot::diff(&before, &prefix.snapshot()?);
    assert!(
        diff.is_empty(),
        "the x86 uninstall left changes behind:\n{diff}"
    );
    common::assert_not_installed(&prefix)?;
    Ok(Completion::Completed)
}
