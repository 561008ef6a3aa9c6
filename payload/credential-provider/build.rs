//! Build script: on Windows targets, compiles the event log message table (`messages.mc`) and
//! the version resource into a COFF object linked into the DLL, with MinGW's `windmc` and
//! `windres` (the linker's own binutils). The MSI registers the DLL as `EventMessageFile` of the
//! `SsprCredentialProvider` event source, so Event Viewer finds the texts in it. Also links the
//! DLL with page-aligned sections in the file.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The linker flag that puts sections at 4 KiB file offsets (tests/bench-floor uses the same).
const FILE_ALIGNMENT: &str = "-Wl,--file-alignment=0x1000";

fn main() {
    println!("cargo:rerun-if-changed=messages.mc");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WINDRES");
    println!("cargo:rerun-if-env-changed=WINDMC");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    // Sections at page-sized file offsets: a loader can then map the DLL's pages instead of
    // copying them (Wine copies an image with MinGW's default 512-byte alignment with read()),
    // which is most of the DLL's load time at the sign-in screen (README, Benchmarks). The
    // padding (tens of KB) compresses away in the MSI.
    println!("cargo:rustc-link-arg-cdylib={FILE_ALIGNMENT}");
    // On request, the linker's map of where each input section went (function by function, as
    // LTO leaves them): how the DLL's size was measured (README, Benchmarks). Never in dist.
    println!("cargo:rerun-if-env-changed=SSPR_LINK_MAP");
    if let Some(map) = env::var_os("SSPR_LINK_MAP") {
        println!(
            "cargo:rustc-link-arg-cdylib=-Wl,-Map={}",
            Path::new(&map).display()
        );
    }
    if let Err(message) = compile_resources() {
        // A DLL without its message table still logs, but Event Viewer would show "the
        // description cannot be found": better no DLL than a silently worse one.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn compile_resources() -> Result<(), String> {
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let arch = env::var("CARGO_CFG_TARGET_ARCH").map_err(|e| e.to_string())?;
    let prefix = match arch.as_str() {
        "x86_64" => "x86_64-w64-mingw32-",
        "x86" => "i686-w64-mingw32-",
        other => return Err(format!("no MinGW resource tools known for {other}")),
    };
    let windmc = tool("WINDMC", prefix, "windmc");
    let windres = tool("WINDRES", prefix, "windres");
    let target = if arch == "x86" {
        "pe-i386"
    } else {
        "pe-x86-64"
    };

    run(&windmc, |command| {
        command
            .arg("--unicode_out")
            .arg("-h")
            .arg(&out)
            .arg("-r")
            .arg(&out)
            .arg(manifest.join("messages.mc"));
    })?;

    let version = env::var("CARGO_PKG_VERSION").map_err(|e| e.to_string())?;
    let rc = out.join("resources.rc");
    std::fs::write(&rc, resource_script(&version, &out.join("messages.rc")))
        .map_err(|e| format!("writing {}: {e}", rc.display()))?;
    let object = out.join("resources.o");
    run(&windres, |command| {
        command
            .arg("--target")
            .arg(target)
            .arg("-c")
            .arg("65001")
            .arg("-I")
            .arg(&out)
            .arg("-i")
            .arg(&rc)
            .arg("-o")
            .arg(&object);
    })?;
    println!("cargo:rustc-link-arg-cdylib={}", object.display());
    Ok(())
}

/// The programs to try: `WINDMC`/`WINDRES` from the environment, else the target-prefixed MinGW
/// tool (Linux cross toolchains), then the plain name (MSYS2 and other Windows-hosted MinGW).
fn tool(variable: &str, prefix: &str, name: &str) -> Vec<String> {
    match env::var(variable) {
        Ok(chosen) => vec![chosen],
        Err(_) => vec![format!("{prefix}{name}"), name.to_owned()],
    }
}

/// Runs the first of `candidates` that exists, with the arguments `configure` adds.
fn run(candidates: &[String], configure: impl Fn(&mut Command)) -> Result<(), String> {
    for program in candidates {
        let mut command = Command::new(program);
        configure(&mut command);
        let shown = format!("{command:?}");
        match command.output() {
            Ok(output) if output.status.success() => return Ok(()),
            Ok(output) => {
                return Err(format!(
                    "{shown} failed ({}): {}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(format!("cannot run {shown}: {error}")),
        }
    }
    Err(format!(
        "none of {} is installed: install MinGW-w64's binutils (Debian: \
         binutils-mingw-w64-x86-64 / binutils-mingw-w64-i686) or set WINDMC/WINDRES",
        candidates.join(", ")
    ))
}

/// The message table plus a VERSIONINFO naming the product and its version.
fn resource_script(version: &str, messages_rc: &Path) -> String {
    let numbers: Vec<u16> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    let (major, minor, patch) = (
        numbers.first().copied().unwrap_or(0),
        numbers.get(1).copied().unwrap_or(0),
        numbers.get(2).copied().unwrap_or(0),
    );
    let messages = messages_rc.display().to_string().replace('\\', "/");
    format!(
        r#"#include "{messages}"

1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEOS 0x40004
FILETYPE 0x2
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "SsprWindowsLogon project"
      VALUE "FileDescription", "SsprWindowsLogon credential provider (password reset at sign-in)"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "SsprCredentialProvider"
      VALUE "OriginalFilename", "SsprCredentialProvider.dll"
      VALUE "ProductName", "SsprWindowsLogon"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#
    )
}
