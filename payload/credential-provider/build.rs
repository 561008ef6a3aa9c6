//! Build script: on Windows targets, compiles the event log message table (`messages.mc`) and
//! the version resource into a COFF object linked into the DLL, with MinGW's `windmc` and
//! `windres` (the linker's own binutils) as `sspr-version-resource` runs them for every payload
//! binary. The MSI registers the DLL as `EventMessageFile` of the
//! `SsprCredentialProvider` event source, so Event Viewer finds the texts in it. Also links the
//! DLL with page-aligned sections in the file.

use std::env;
use std::path::{Path, PathBuf};

use sspr_version_resource::{MingwTools, VersionResource};

/// The linker flag that puts sections at 4 KiB file offsets (tests/bench-floor uses the same).
const FILE_ALIGNMENT: &str = "-Wl,--file-alignment=0x1000";

fn main() {
    println!("cargo:rerun-if-changed=messages.mc");
    println!("cargo:rerun-if-changed=build.rs");
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
        sspr_version_resource::fail_build(&message);
    }
}

fn compile_resources() -> Result<(), String> {
    let out = sspr_version_resource::out_dir()?;
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let tools = MingwTools::for_target()?;
    tools.windmc(&manifest.join("messages.mc"), &out)?;

    let version = env::var("CARGO_PKG_VERSION").map_err(|e| e.to_string())?;
    let version_info = VersionResource {
        file_description: "SsprWindowsLogon credential provider (password reset at sign-in)",
        original_filename: "SsprCredentialProvider.dll",
    }
    .script(&version)?;
    let rc = out.join("resources.rc");
    // The message table windmc wrote (`messages.rc`, found through the include folder) and the
    // VERSIONINFO.
    std::fs::write(&rc, format!("#include \"messages.rc\"\n\n{version_info}"))
        .map_err(|e| format!("writing {}: {e}", rc.display()))?;
    let object = out.join("resources.o");
    tools.windres(&rc, &object, Some(&out))?;
    println!("cargo:rustc-link-arg-cdylib={}", object.display());
    Ok(())
}
