//! The Windows 7 import audit on real PE files: tiny C programs built with mingw-w64.
//!
//! The programs are linked with `-nostartfiles -nostdlib` and their own entry point, so their
//! imports are exactly the calls in their source: mingw's CRT startup would otherwise add its own
//! msvcrt and kernel32 imports and the tests would depend on that startup code's version.
//! The payload binaries themselves are audited by `cargo xtask dist`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use xtask::arch::{self, Arch};
use xtask::imports::{audit_file, read_exports, read_imports, Import, Win7Imports};

/// The mingw-w64 `tool` for `arch`: it shares its prefix with the C compiler Rust links with.
fn mingw_tool(arch: Arch, tool: &str) -> String {
    let gcc = arch::linker(arch);
    format!("{}{tool}", gcc.strip_suffix("gcc").unwrap_or(gcc))
}

/// The linker's name for the C function `entry`: i686 symbols carry a leading underscore.
fn entry_symbol(arch: Arch, function: &str) -> String {
    match arch {
        Arch::X64 => function.to_owned(),
        Arch::X86 => format!("_{function}"),
    }
}

/// Runs one mingw-w64 tool and fails with its output, or with how to install it if it is missing.
fn run_tool(arch: Arch, tool: &str, args: &[&str], dir: &Path) -> anyhow::Result<()> {
    let program = mingw_tool(arch, tool);
    let output = Command::new(&program)
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| {
            format!(
                "cannot run {program}; install the Debian package {} (docs/design.md, \"Windows 7 targets and the import audit\")",
                arch::linker_package(arch)
            )
        })?;
    if !output.status.success() {
        bail!(
            "{program} {args:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Writes `source` to `<name>.c` in `dir` and links it into `output` with no CRT, entry point
/// `entry`, and `libraries` (`-l` names, searched in `dir` first).
fn build(
    arch: Arch,
    dir: &Path,
    name: &str,
    source: &str,
    output: &str,
    entry: &str,
    libraries: &[&str],
) -> anyhow::Result<PathBuf> {
    let source_file = format!("{name}.c");
    std::fs::write(dir.join(&source_file), source)
        .with_context(|| format!("cannot write {source_file}"))?;
    let entry_symbol = entry_symbol(arch, entry);
    let mut args = vec![
        "-Os",
        "-nostartfiles",
        "-nostdlib",
        "-e",
        &entry_symbol,
        "-o",
        output,
        &source_file,
        "-L.",
    ];
    if output.ends_with(".dll") {
        args.push("-shared");
    }
    let library_args: Vec<String> = libraries.iter().map(|name| format!("-l{name}")).collect();
    args.extend(library_args.iter().map(String::as_str));
    run_tool(arch, "gcc", &args, dir)?;
    Ok(dir.join(output))
}

/// Writes a module-definition file and turns it into the import library `lib<name>.a` in `dir`.
fn import_library(arch: Arch, dir: &Path, name: &str, def: &str) -> anyhow::Result<()> {
    let def_file = format!("{name}.def");
    std::fs::write(dir.join(&def_file), def).with_context(|| format!("cannot write {def_file}"))?;
    run_tool(
        arch,
        "dlltool",
        &["-d", &def_file, "-l", &format!("lib{name}.a")],
        dir,
    )
}

fn import(dll: &str, function: &str) -> Import {
    Import {
        dll: dll.to_owned(),
        function: function.to_owned(),
    }
}

fn imports_of(path: &Path) -> anyhow::Result<Vec<Import>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_imports(&bytes)
}

fn audit_error(path: &Path, allowed: &Win7Imports) -> String {
    match audit_file(path, allowed) {
        Ok(()) => format!("{} passed the audit", path.display()),
        Err(error) => format!("{error:#}"),
    }
}

/// What `audit_file` says about a binary with these offending imports.
fn expected_audit_error(path: &Path, offending: &[&str]) -> String {
    let list: String = offending.iter().map(|line| format!("\n  {line}")).collect();
    format!(
        "{} imports {} function(s) not known to exist on Windows 7 SP1, so it would not load there \
         (Wine does not show this):{list}\n\
         Replace each call with one Windows 7 has (or look it up at run time with GetProcAddress \
         and fall back). If Microsoft's docs give Windows 7 or earlier as the function's minimum \
         supported client, add the `dll!function` line to xtask/win7-imports.txt.",
        path.display(),
        offending.len()
    )
}

const CALLS_WINDOWS_8_FUNCTION: &str = r#"
#define _WIN32_WINNT 0x0602
#include <windows.h>

void entry(void) {
    FILETIME now;
    GetSystemTimePreciseAsFileTime(&now); /* Windows 8 and later */
    ExitProcess(now.dwLowDateTime & 1);
}
"#;

const CALLS_WINDOWS_7_FUNCTIONS_ONLY: &str = r#"
#include <windows.h>

void entry(void) {
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    ExitProcess(now.dwLowDateTime & 1);
}
"#;

fn windows_8_function_fails_the_audit(arch: Arch) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let exe = build(
        arch,
        dir.path(),
        "precise_time",
        CALLS_WINDOWS_8_FUNCTION,
        "precise_time.exe",
        "entry",
        &["kernel32"],
    )?;
    assert_eq!(
        imports_of(&exe)?,
        [
            import("kernel32.dll", "ExitProcess"),
            import("kernel32.dll", "GetSystemTimePreciseAsFileTime"),
        ]
    );
    assert_eq!(
        audit_error(&exe, &Win7Imports::tracked()?),
        expected_audit_error(&exe, &["kernel32.dll!GetSystemTimePreciseAsFileTime"])
    );
    Ok(())
}

fn windows_7_program_passes_the_audit(arch: Arch) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let exe = build(
        arch,
        dir.path(),
        "system_time",
        CALLS_WINDOWS_7_FUNCTIONS_ONLY,
        "system_time.exe",
        "entry",
        &["kernel32"],
    )?;
    assert_eq!(
        imports_of(&exe)?,
        [
            import("kernel32.dll", "ExitProcess"),
            import("kernel32.dll", "GetSystemTimeAsFileTime"),
        ]
    );
    audit_file(&exe, &Win7Imports::tracked()?)?;
    Ok(())
}

#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn x64_windows_8_function_fails_the_audit_by_name() -> anyhow::Result<()> {
    windows_8_function_fails_the_audit(Arch::X64)
}

#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn x86_windows_8_function_fails_the_audit_by_name() -> anyhow::Result<()> {
    windows_8_function_fails_the_audit(Arch::X86)
}

#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn x64_windows_7_program_passes_the_audit() -> anyhow::Result<()> {
    windows_7_program_passes_the_audit(Arch::X64)
}

#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn x86_windows_7_program_passes_the_audit() -> anyhow::Result<()> {
    windows_7_program_passes_the_audit(Arch::X86)
}

/// An import by ordinal has no name to look up, so only an explicit `dll!#N` line admits it.
#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn ordinal_import_fails_unless_its_ordinal_is_listed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // An import library that imports WSAStartup by its ordinal, 115, instead of by name.
    import_library(
        Arch::X64,
        dir.path(),
        "ws2_32_by_ordinal",
        "LIBRARY ws2_32.dll\nEXPORTS\nWSAStartup @115 NONAME\n",
    )?;
    let exe = build(
        Arch::X64,
        dir.path(),
        "winsock",
        "#include <winsock2.h>\n#include <windows.h>\n\
         void entry(void) { WSADATA data; ExitProcess(WSAStartup(MAKEWORD(2, 2), &data)); }\n",
        "winsock.exe",
        "entry",
        &["ws2_32_by_ordinal", "kernel32"],
    )?;
    assert_eq!(
        imports_of(&exe)?,
        [
            import("kernel32.dll", "ExitProcess"),
            import("ws2_32.dll", "#115"),
        ]
    );
    assert_eq!(
        audit_error(&exe, &Win7Imports::tracked()?),
        expected_audit_error(&exe, &["ws2_32.dll!#115"])
    );
    let with_ordinal = Win7Imports::parse("kernel32.dll!ExitProcess\nws2_32.dll!#115\n")?;
    audit_file(&exe, &with_ordinal)?;
    Ok(())
}

/// windows-rs links with raw-dylib, so one binary imports from `KERNEL32.dll` and `kernel32.dll`
/// through separate import descriptors; both are the same DLL to the audit.
#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn one_dll_under_two_spellings_is_audited_as_one() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    import_library(
        Arch::X64,
        dir.path(),
        "upper_kernel32",
        "LIBRARY KERNEL32.dll\nEXPORTS\nExitProcess\n",
    )?;
    import_library(
        Arch::X64,
        dir.path(),
        "lower_kernel32",
        "LIBRARY kernel32.dll\nEXPORTS\nGetSystemTimeAsFileTime\n",
    )?;
    let exe = build(
        Arch::X64,
        dir.path(),
        "two_spellings",
        CALLS_WINDOWS_7_FUNCTIONS_ONLY,
        "two_spellings.exe",
        "entry",
        &["lower_kernel32", "upper_kernel32"],
    )?;
    let bytes = std::fs::read(&exe)?;
    let descriptor_names: Vec<&str> = match goblin::pe::PE::parse(&bytes)?.import_data {
        Some(data) => data.import_data.iter().map(|entry| entry.name).collect(),
        None => Vec::new(),
    };
    assert_eq!(descriptor_names, ["kernel32.dll", "KERNEL32.dll"]);
    assert_eq!(
        read_imports(&bytes)?,
        [
            import("kernel32.dll", "ExitProcess"),
            import("kernel32.dll", "GetSystemTimeAsFileTime"),
        ]
    );
    audit_file(&exe, &Win7Imports::tracked()?)?;
    Ok(())
}

/// GNU ld leaves the delay-import directory empty even for `dlltool -y` imports, so this sets the
/// directory entry by hand, as MSVC's and LLVM's linkers would: the audit must refuse, not skip.
#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn delay_load_imports_are_refused_not_ignored() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let exe = build(
        Arch::X64,
        dir.path(),
        "delay_loaded",
        CALLS_WINDOWS_7_FUNCTIONS_ONLY,
        "delay_loaded.exe",
        "entry",
        &["kernel32"],
    )?;
    let mut bytes = std::fs::read(&exe)?;
    let pe_header = u32::from_le_bytes(bytes[0x3c..0x40].try_into()?) as usize;
    let optional_header = pe_header + 4 + 20;
    assert_eq!(
        bytes[optional_header..optional_header + 2],
        [0x0b, 0x02],
        "PE32+ magic"
    );
    let data_directory = |index: usize| optional_header + 112 + index * 8;
    // Any mapped RVA will do: point the delay-import entry (13) where the import entry (1) points.
    let import_entry = data_directory(1);
    bytes.copy_within(import_entry..import_entry + 8, data_directory(13));
    let error = match read_imports(&bytes) {
        Ok(imports) => format!("read {imports:?}"),
        Err(error) => error.to_string(),
    };
    assert_eq!(
        error,
        "the image has delay-load imports, which the Windows 7 import audit does not read; \
         link those DLLs normally or teach xtask/src/imports.rs to read delay imports"
    );
    Ok(())
}

#[test]
#[ignore = "needs MinGW-w64 (Debian gcc-mingw-w64-x86-64, gcc-mingw-w64-i686): run cargo xtask test"]
fn dll_exports_are_read_by_name() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let dll = build(
        Arch::X64,
        dir.path(),
        "exports",
        "__declspec(dllexport) int SsprAnswer(void) { return 42; }\n\
         __declspec(dllexport) int DllCanUnloadNow(void) { return 1; }\n\
         int __stdcall DllEntry(void *module, unsigned long reason, void *reserved) { return 1; }\n",
        "exports.dll",
        "DllEntry",
        &[],
    )?;
    let bytes = std::fs::read(&dll)?;
    assert_eq!(read_exports(&bytes)?, ["DllCanUnloadNow", "SsprAnswer"]);
    assert_eq!(read_imports(&bytes)?, []);
    audit_file(&dll, &Win7Imports::tracked()?)?;
    Ok(())
}

#[test]
fn audit_names_a_binary_it_cannot_read() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let missing = dir.path().join("SsprMissing.dll");
    assert_eq!(
        audit_error(&missing, &Win7Imports::tracked()?),
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    let not_pe = dir.path().join("notes.txt");
    std::fs::write(&not_pe, "not a program")?;
    assert_eq!(
        audit_error(&not_pe, &Win7Imports::tracked()?),
        format!(
            "cannot read the imports of {}: not a readable PE image (Windows EXE or DLL): {}",
            not_pe.display(),
            goblin_error_for(b"not a program")
        )
    );
    Ok(())
}

/// goblin's own words for bytes it cannot parse, which the audit passes on as the root cause.
fn goblin_error_for(bytes: &[u8]) -> String {
    match goblin::pe::PE::parse(bytes) {
        Ok(_) => "parsed".to_owned(),
        Err(error) => error.to_string(),
    }
}
