//! `--collect DIR`: a folder for a support ticket with the report (text and JSON), the registry
//! keys the checks read (`registry.reg`, without secrets), the provider's log files and its
//! Application event log entries, and a manifest of what was and was not collected.

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

fn write(dir: &Path, name: &str, bytes: &[u8], collected: &mut Collected) -> Result<(), String> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    std::fs::write(&path, bytes)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    collected.written.push(name.to_owned());
    Ok(())
}

/// A log file name safe to write into the folder (no path parts).
fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['\\', '/', ':']) && name != "." && name != ".."
}

/// Writes the bundle into `dir` (created if needed). Fails only when the folder or the report
/// cannot be written; anything else missing is listed in `skipped` and in `manifest.txt`.
pub fn collect(machine: &dyn Machine, report: &Report, dir: &Path) -> Result<Collected, String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
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
}
