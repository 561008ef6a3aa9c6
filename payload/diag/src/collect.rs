//! `--collect DIR`: a folder for a support ticket with the report (text and JSON), the registry
//! keys the checks read (`registry.reg`, without secrets), the provider's log files and its
//! Application event log entries, and a manifest of what was and was not collected.
//!
//! The folder is one `--collect` creates itself: an existing one (empty or not, a junction a
//! user planted or a real folder) is refused, because the bundle holds names typed at the
//! sign-in screen and an admin runs this. On Windows it gets a protected DACL for SYSTEM and
//! Administrators only, and every file is created new (`CREATE_NEW`) without following a
//! reparse point.

use std::path::Path;

use crate::checks::settings::LOG_DIR;
use crate::machine::{expand_env, Machine};
use crate::regfile;
use crate::report::Report;

/// Most bytes of log files copied.
pub const MAX_LOG_BYTES: u64 = 32 * 1024 * 1024;

/// What a collection wrote and left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Paths relative to the folder.
    pub written: Vec<String>,
    /// What was left out, and why.
    pub skipped: Vec<String>,
}

/// Protected DACL: full control for SYSTEM and Administrators, inherited by what is inside.
pub const BUNDLE_SDDL: &str = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

/// Creates `dir` itself (not its parents), private on Windows; an existing path is refused.
fn create_own_dir(dir: &Path) -> Result<(), String> {
    match private_dir::create(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Err(format!(
            "{} already exists: --collect only writes into a folder it creates itself; name a \
             new folder (its parent must exist)",
            dir.display()
        )),
        Err(error) => Err(format!("cannot create {}: {error}", dir.display())),
    }
}

#[cfg(windows)]
mod private_dir {
    use std::os::windows::fs::OpenOptionsExt as _;
    use std::path::Path;

    use sspr_sandbox::windows::Descriptor;
    use std::os::windows::ffi::OsStrExt as _;
    use windows::core::PCWSTR;
    use windows::Win32::Security::SECURITY_ATTRIBUTES;
    use windows::Win32::Storage::FileSystem::{CreateDirectoryW, FILE_FLAG_OPEN_REPARSE_POINT};

    use super::BUNDLE_SDDL;

    /// `CreateDirectoryW` with [`BUNDLE_SDDL`]: fails with `AlreadyExists` on any existing
    /// name, junctions included.
    pub fn create(dir: &Path) -> std::io::Result<()> {
        let descriptor = Descriptor::from_sddl(BUNDLE_SDDL)
            .map_err(|e| std::io::Error::from_raw_os_error(e.code().0 & 0xFFFF))?;
        let attributes = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: descriptor.raw().0,
            bInheritHandle: false.into(),
        };
        // SAFETY: the path is NUL-terminated; attributes and its descriptor outlive the call.
        let wide: Vec<u16> = dir.as_os_str().encode_wide().chain(Some(0)).collect();
        // SAFETY: (continued) wide is the NUL-terminated path.
        unsafe { CreateDirectoryW(PCWSTR(wide.as_ptr()), Some(&attributes)) }
            .map_err(|e| std::io::Error::from_raw_os_error(e.code().0 & 0xFFFF))
    }

    /// A new file: `CREATE_NEW`, and a reparse point in its place is opened, not followed.
    pub fn new_file(path: &Path) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT.0)
            .open(path)
    }
}

#[cfg(not(windows))]
mod private_dir {
    use std::path::Path;

    /// Where the tests run: a plain `mkdir`, failing on an existing name.
    pub fn create(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir(dir)
    }

    /// A new file (`O_EXCL`, which does not follow a symlink in its place either).
    pub fn new_file(path: &Path) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8], collected: &mut Collected) -> Result<(), String> {
    use std::io::Write as _;
    let path = dir.join(name);
    if let Some(parent) = path.parent().filter(|p| *p != dir && !p.is_dir()) {
        create_own_dir(parent)?;
    }
    private_dir::new_file(&path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    collected.written.push(name.to_owned());
    Ok(())
}

/// A log file name safe to write into the folder (no path parts).
fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['\\', '/', ':']) && name != "." && name != ".."
}

/// Writes the bundle into `dir`, which it creates (its parent must exist; an existing `dir` is
/// refused). Fails only when the folder or the report cannot be written; anything else missing
/// is listed in `skipped` and in `manifest.txt`.
pub fn collect(machine: &dyn Machine, report: &Report, dir: &Path) -> Result<Collected, String> {
    create_own_dir(dir)?;
    let mut collected = Collected::default();
    write(
        dir,
        "report.txt",
        crate::table::render(report, true).as_bytes(),
        &mut collected,
    )?;
    write(
        dir,
        "report.json",
        crate::json::render(report).as_bytes(),
        &mut collected,
    )?;

    let items = regfile::support_items(machine.native_arch().is_64_bit());
    let text = regfile::export(machine, &items);
    if let Err(why) = write(dir, "registry.reg", &regfile::encode(&text), &mut collected) {
        collected.skipped.push(format!("registry.reg: {why}"));
    }

    let log_dir = expand_env(machine, LOG_DIR);
    match machine.list_dir(&log_dir) {
        None => collected
            .skipped
            .push(format!("log files: {log_dir} does not exist")),
        Some(entries) => {
            let mut total = 0u64;
            let mut files: Vec<_> = entries.into_iter().filter(|e| !e.is_dir).collect();
            files.sort_by(|a, b| a.name.cmp(&b.name));
            for entry in files {
                if !safe_name(&entry.name) {
                    collected
                        .skipped
                        .push(format!("log file {:?}: unusual name", entry.name));
                    continue;
                }
                if total + entry.size > MAX_LOG_BYTES {
                    collected.skipped.push(format!(
                        "log file {}: over the {} MiB limit for logs",
                        entry.name,
                        MAX_LOG_BYTES / 1024 / 1024
                    ));
                    continue;
                }
                let source = format!("{log_dir}\\{}", entry.name);
                match machine.read_file(&source, MAX_LOG_BYTES - total) {
                    Ok(bytes) => {
                        total += bytes.len() as u64;
                        if let Err(why) =
                            write(dir, &format!("logs/{}", entry.name), &bytes, &mut collected)
                        {
                            collected
                                .skipped
                                .push(format!("log file {}: {why}", entry.name));
                        }
                    }
                    Err(why) => collected.skipped.push(format!("log file {source}: {why}")),
                }
            }
        }
    }

    let events = "events-SsprCredentialProvider.evtx";
    match machine.export_events(&dir.join(events)) {
        // Wine's wevtutil exits 0 without writing anything: believe the file, not the exit code.
        Ok(()) if dir.join(events).is_file() => collected.written.push(events.to_owned()),
        Ok(()) => collected.skipped.push(format!(
            "{events}: wevtutil reported success but wrote no file"
        )),
        Err(why) => collected.skipped.push(format!("{events}: {why}")),
    }

    let mut manifest = format!(
        "SsprDiag {} support bundle, {}, computer {}\r\n\r\nWritten:\r\n",
        report.system.diag_version, report.system.generated, report.system.computer
    );
    for name in &collected.written {
        manifest.push_str(&format!("  {name}\r\n"));
    }
    manifest.push_str("\r\nNot collected:\r\n");
    for why in &collected.skipped {
        manifest.push_str(&format!("  {why}\r\n"));
    }
    if collected.skipped.is_empty() {
        manifest.push_str("  nothing\r\n");
    }
    write(dir, "manifest.txt", manifest.as_bytes(), &mut collected)?;
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{run_all, Context, Options};
    use crate::fixture::FakeMachine;
    use crate::machine::DirEntry;
    use crate::report::SystemSummary;

    fn report(machine: &FakeMachine) -> Report {
        let ctx = Context::new(machine, Options::default());
        Report {
            system: SystemSummary {
                computer: "PC1".into(),
                windows: "Windows 7".into(),
                windows_arch: "x64".into(),
                diag_version: "0.1.0".into(),
                diag_arch: "x64".into(),
                generated: "2024-07-01T11:59:59Z".into(),
            },
            checks: run_all(&ctx),
            settings: crate::checks::settings::sources(&ctx.settings),
        }
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sspr-diag-collect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn bundle_holds_report_registry_and_logs() {
        let logs = r"C:\ProgramData\SsprWindowsLogon\logs";
        let machine = FakeMachine::windows7()
            .with_dir(
                logs,
                vec![
                    DirEntry {
                        name: "provider.log".into(),
                        size: 5,
                        is_dir: false,
                    },
                    DirEntry {
                        name: "old".into(),
                        size: 0,
                        is_dir: true,
                    },
                ],
            )
            .with_file(&format!("{logs}\\provider.log"), b"hello".to_vec());
        let dir = temp_dir("full");
        std::fs::create_dir(&dir).unwrap();
        let collected = collect(&machine, &report(&machine), &dir.join("bundle")).unwrap();
        assert_eq!(
            collected.written,
            [
                "report.txt",
                "report.json",
                "registry.reg",
                "logs/provider.log",
                "manifest.txt"
            ]
        );
        assert_eq!(
            collected.skipped,
            ["events-SsprCredentialProvider.evtx: no event log in fixtures"]
        );
        let bundle = dir.join("bundle");
        assert_eq!(
            std::fs::read(bundle.join("logs/provider.log")).unwrap(),
            b"hello"
        );
        let reg = std::fs::read(bundle.join("registry.reg")).unwrap();
        let units: Vec<u16> = reg[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n"));
        assert!(text.contains(concat!(
            r"[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\",
            sspr_identity::provider_clsid!(),
            "\\InprocServer32]\r\n@=\"C:\\\\Program Files\\\\SsprWindowsLogon\\\\SsprCredentialProvider.dll\"\r\n"
        )));
        let json = std::fs::read_to_string(bundle.join("report.json")).unwrap();
        assert!(json.contains("\"id\": \"windows.version\""));
        let manifest = std::fs::read_to_string(bundle.join("manifest.txt")).unwrap();
        assert!(manifest.contains(
            "Not collected:\r\n  events-SsprCredentialProvider.evtx: no event log in fixtures\r\n"
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_logs_are_listed_and_unwritable_folder_is_an_error() {
        let machine = FakeMachine::windows7();
        let dir = temp_dir("nologs");
        let collected = collect(&machine, &report(&machine), &dir).unwrap();
        assert_eq!(
            collected.skipped[0],
            r"log files: C:\ProgramData\SsprWindowsLogon\logs does not exist"
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let file = temp_dir("file");
        std::fs::write(&file, b"x").unwrap();
        let error = collect(&machine, &report(&machine), &file.join("sub")).unwrap_err();
        assert!(error.starts_with("cannot create "), "{error}");
        std::fs::remove_file(&file).unwrap();
    }

    /// The logs copied add up to 32 MiB at most: a file that would pass the limit is left out
    /// and named, a smaller later one still fits, and a file that grew since it was listed is
    /// cut at what is left of the limit.
    #[test]
    fn logs_are_capped_at_32_mib() {
        const MIB: usize = 1024 * 1024;
        assert_eq!(MAX_LOG_BYTES, 32 * MIB as u64);
        let logs = r"C:\ProgramData\SsprWindowsLogon\logs";
        let entry = |name: &str, size: usize| DirEntry {
            name: name.into(),
            size: size as u64,
            is_dir: false,
        };
        let machine = FakeMachine::windows7()
            .with_dir(
                logs,
                vec![
                    entry("a.log", 20 * MIB),
                    entry("b.log", 13 * MIB),
                    // Listed at 12 MiB, 13 MiB by the time it is read.
                    entry("c.log", 12 * MIB),
                ],
            )
            .with_file(&format!("{logs}\\a.log"), vec![b'a'; 20 * MIB])
            .with_file(&format!("{logs}\\b.log"), vec![b'b'; 13 * MIB])
            .with_file(&format!("{logs}\\c.log"), vec![b'c'; 13 * MIB]);
        let dir = temp_dir("cap");
        let collected = collect(&machine, &report(&machine), &dir).unwrap();
        assert!(collected
            .skipped
            .contains(&"log file b.log: over the 32 MiB limit for logs".to_owned()));
        let size = |name: &str| std::fs::metadata(dir.join("logs").join(name)).map(|m| m.len());
        assert_eq!(size("a.log").unwrap(), 20 * MIB as u64);
        assert!(size("b.log").is_err());
        assert_eq!(size("c.log").unwrap(), 12 * MIB as u64);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_existing_folder_is_refused_and_left_untouched() {
        let machine = FakeMachine::windows7();
        let dir = temp_dir("existing");
        std::fs::create_dir(&dir).unwrap();
        let error = collect(&machine, &report(&machine), &dir).unwrap_err();
        assert_eq!(
            error,
            format!(
                "{} already exists: --collect only writes into a folder it creates itself; \
                 name a new folder (its parent must exist)",
                dir.display()
            )
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_place_of_the_folder_is_refused() {
        let machine = FakeMachine::windows7();
        let target = temp_dir("link-target");
        std::fs::create_dir(&target).unwrap();
        let link = temp_dir("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let error = collect(&machine, &report(&machine), &link).unwrap_err();
        assert!(error.contains("already exists"), "{error}");
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_dir(&target).unwrap();
    }
}
