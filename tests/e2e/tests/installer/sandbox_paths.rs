//! What a standard user could plant is refused (issue 13), under Wine: a pre-existing
//! `SsprDiag --collect` folder, a reset host folder others can write, a log file with a second
//! name, and an install folder outside Program Files given on msiexec's command line.
//!
//! Wine derives a file's DACL from its Unix mode when none was stored (the owner from the user
//! bits, `Everyone` (S-1-1-0) from the "other" bits), so `chmod o+w` is how these tests make a
//! folder writable by everyone; on Windows the same check reads the real DACL.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};

use anyhow::Context as _;
use sspr_e2e::config::{Arch, Release};
use sspr_e2e::msiexec::Msiexec;

use crate::common::{self, TestResult};

const LOGS: [&str; 3] = ["ProgramData", "SsprWindowsLogon", "logs"];
const PROVIDER_LOG: &str = r"C:\ProgramData\SsprWindowsLogon\logs\SsprCredentialProvider.log";
const HOST_LOG: &str = r"C:\ProgramData\SsprWindowsLogon\logs\SsprResetHost.log";
/// `ERROR_INSTALL_FAILURE`: a launch condition refused the install.
const INSTALL_FAILURE: u32 = 1603;

/// `SsprDiag --collect DIR` on an existing DIR (empty, as a user would pre-create it to catch
/// the bundle) exits 3, says to name a new folder, and writes nothing into it.
pub fn an_existing_collect_folder_is_refused_and_nothing_is_written() -> TestResult {
    let prefix = common::prefix64("collect-existing")?;
    prefix.install(&common::package(Release::Current, Arch::X64)?, &[])?;
    let dir = common::install_dir(&prefix)?;
    let planted = prefix.drive_c().join("sspr-ticket");
    std::fs::create_dir(&planted)?;
    let finished = prefix.wine(&[
        format!(r"{}\SsprDiag.exe", dir.windows),
        "--collect".to_owned(),
        r"C:\sspr-ticket".to_owned(),
    ])?;
    assert_eq!(finished.status.code(), Some(3), "{}", finished.stderr);
    assert!(
        finished.stderr.contains(
            "C:\\sspr-ticket already exists: --collect only writes into a folder it creates \
             itself; name a new folder"
        ),
        "{}",
        finished.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&planted)?.collect();
    assert!(left.is_empty(), "written into the planted folder: {left:?}");
    Ok(())
}

/// A host folder everyone may write: the provider refuses to start the host from it and logs
/// why; no host runs (its log never appears).
pub fn a_user_writable_host_folder_is_refused() -> TestResult {
    let prefix = common::prefix64("host-folder-writable")?;
    prefix.install(
        &common::package(Release::Current, Arch::X64)?,
        &[("ENABLELOGGING", "1")],
    )?;
    let dir = common::install_dir(&prefix)?;
    let mut mode = std::fs::metadata(&dir.host)?.permissions();
    mode.set_mode(mode.mode() | 0o002);
    std::fs::set_permissions(&dir.host, mode)?;
    let report = prefix.run_probe_mode(
        common::config()?.probe(Arch::X64),
        "--tiles",
        &[
            ("SSPR_PROBE_WAIT_FILE", PROVIDER_LOG),
            ("SSPR_PROBE_WAIT_TEXT", "not starting the reset host"),
        ],
    )?;
    assert_eq!(report.get("cred0.host_log")?, "found");
    let log = read_log(&prefix, "SsprCredentialProvider.log")?;
    let refused = log
        .lines()
        .find(|l| l.contains("not starting the reset host"))
        .context("no refusal in the provider's log")?;
    assert!(
        refused.contains(
            "C:\\Program Files\\SsprWindowsLogon can be changed by others than SYSTEM and \
             Administrators (S-1-1-0 may write it"
        ),
        "{refused}"
    );
    assert!(!log.contains("reset host started"), "{log}");
    let host_log = LOGS
        .iter()
        .fold(prefix.drive_c(), |p, part| p.join(part))
        .join("SsprResetHost.log");
    assert!(!host_log.exists(), "a host ran: {}", host_log.display());
    Ok(())
}

/// The provider's log file replaced by a hard link to another file: the provider writes
/// nothing to it (the other file is unchanged), while the host, whose own log is a plain file,
/// still runs and logs.
pub fn a_log_file_with_two_links_is_not_written() -> TestResult {
    let prefix = common::prefix64("log-hard-link")?;
    prefix.install(
        &common::package(Release::Current, Arch::X64)?,
        &[("ENABLELOGGING", "1")],
    )?;
    let probe = common::config()?.probe(Arch::X64);
    let wait_for_host = [
        ("SSPR_PROBE_WAIT_FILE", HOST_LOG),
        (
            "SSPR_PROBE_WAIT_TEXT",
            "refusing to run|closed:|the window failed",
        ),
    ];
    // First run: the folder and both logs exist afterwards, the provider's holds lines.
    prefix.run_probe_mode(probe, "--tiles", &wait_for_host)?;
    let logs = LOGS.iter().fold(prefix.drive_c(), |p, part| p.join(part));
    let provider_log = logs.join("SsprCredentialProvider.log");
    assert!(
        std::fs::read_to_string(&provider_log)?.contains("reset host started"),
        "the first run did not log"
    );
    let victim = prefix.drive_c().join("victim.txt");
    std::fs::write(&victim, "untouched\n")?;
    std::fs::remove_file(&provider_log)?;
    std::fs::hard_link(&victim, &provider_log)?;
    std::fs::remove_file(logs.join("SsprResetHost.log"))?;

    let report = prefix.run_probe_mode(probe, "--tiles", &wait_for_host)?;
    assert_eq!(
        report.get("cred0.host_log")?,
        "found",
        "the host did not run"
    );
    assert_eq!(std::fs::read_to_string(&victim)?, "untouched\n");
    assert_eq!(std::fs::metadata(&victim)?.nlink(), 2);
    Ok(())
}

/// `INSTALLFOLDER=C:\Sspr` (a folder that would inherit "Authenticated Users: Modify" from C:\
/// on Windows) and one climbing out of Program Files with `..` are refused by a launch
/// condition (1603, nothing installed); one under Program Files is accepted, so it is that
/// condition that refuses. (Wine's msi logs no launch condition's message; msi_tables checks
/// the row's text.)
pub fn an_install_folder_outside_program_files_is_refused() -> TestResult {
    let package = common::package(Release::Current, Arch::X64)?;
    let prefix = common::prefix64("installfolder-outside")?;
    for folder in [r"C:\Sspr\", r"C:\Program Files\..\Sspr\"] {
        let run = prefix.msiexec(&Msiexec::install(&package)?.property("INSTALLFOLDER", folder))?;
        assert_eq!(run.exit_code, INSTALL_FAILURE, "{folder}");
        common::assert_not_installed(&prefix)?;
    }
    let inside = r"C:\Program Files\Sspr Custom\";
    prefix
        .msiexec(&Msiexec::install(&package)?.property("INSTALLFOLDER", inside))?
        .expect_exit(0)?;
    assert!(prefix
        .drive_c()
        .join("Program Files")
        .join("Sspr Custom")
        .join("SsprResetHost.exe")
        .is_file());
    Ok(())
}

fn read_log(prefix: &sspr_e2e::wine::WinePrefix, name: &str) -> anyhow::Result<String> {
    let path = LOGS
        .iter()
        .fold(prefix.drive_c(), |p, part| p.join(part))
        .join(name);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}
