//! The payload: which cargo packages ship, what each builds, and the name it ships under.

use std::path::{Path, PathBuf};

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::workspace::Workspace;

/// One shipped binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadBinary {
    /// The cargo package that builds it.
    pub package: &'static str,
    /// The file cargo writes into `target/<triple>/release/`.
    pub built_name: &'static str,
    /// The name it is installed under (and the WiX `File/@Source`).
    pub shipped_name: &'static str,
    /// The exports it must have, exactly (COM finds the DLL's class objects through them).
    pub exports: &'static [&'static str],
}

pub const PAYLOAD: [PayloadBinary; 3] = [
    PayloadBinary {
        package: "sspr-credential-provider",
        built_name: "sspr_credential_provider.dll",
        shipped_name: "SsprCredentialProvider.dll",
        // DllMain: called by MinGW's DllMainCRTStartup, and exported because rustc exports every
        // #[no_mangle] function of a cdylib; it drops the settings watch at FreeLibrary.
        exports: &["DllCanUnloadNow", "DllGetClassObject", "DllMain"],
    },
    PayloadBinary {
        package: "sspr-reset-host",
        built_name: "SsprResetHost.exe",
        shipped_name: "SsprResetHost.exe",
        exports: &[],
    },
    PayloadBinary {
        package: "sspr-diag",
        built_name: "SsprDiag.exe",
        shipped_name: "SsprDiag.exe",
        exports: &[],
    },
];

/// The cargo invocations that build `packages`: the credential provider alone (LogonUI loads
/// it, so its imports must not grow with another package's windows-rs features), then the rest
/// together.
pub fn build_groups<'a>(packages: &[&'a str]) -> Vec<Vec<&'a str>> {
    let (dll, rest): (Vec<&str>, Vec<&str>) = packages
        .iter()
        .partition(|p| **p == "sspr-credential-provider");
    [dll, rest].into_iter().filter(|g| !g.is_empty()).collect()
}

/// Whether `arch`'s binaries carry cargo-auditable's dependency list. Not x86: for
/// `i686-*-windows-gnu` cargo-auditable 0.7.7 keeps its data alive with
/// `-Wl,-u,AUDITABLE_VERSION_INFO`, but its COFF i386 object names the symbol
/// `_AUDITABLE_VERSION_INFO` (checked with `i686-w64-mingw32-nm` on its `*_audit_data.o`), so the
/// linker drops the unreferenced `.dep-v0` section. (Its MSVC path adds the underscore; the GNU
/// path does not.)
pub fn embeds_dependency_list(arch: Arch) -> bool {
    arch == Arch::X64
}

/// Where cargo leaves release binaries for `arch`.
pub fn release_dir(target_dir: &Path, arch: Arch) -> PathBuf {
    target_dir.join(arch.rust_target()).join("release")
}

/// std's features for the payload: unwinding (the panic guard catches panics at every COM entry
/// point) and std's smaller algorithms. Left out: `backtrace`, cargo's default, which links a
/// DWARF reader and decompressor (gimli, addr2line, object, miniz_oxide: about a third of the
/// DLL) only to name the frames of a panic's backtrace, which nothing of ours prints.
pub const STD_FEATURES: &str = "panic-unwind,optimize_for_size";

/// `cargo auditable build` of `packages` for a Windows 7 target: std rebuilt from source (`-Zbuild-std`,
/// which on a stable toolchain needs `RUSTC_BOOTSTRAP=1` for this invocation only), the lock
/// file honoured, and build paths remapped out of the binaries.
pub fn cargo_build(ws: &Workspace, arch: Arch, packages: &[&str]) -> ToolCommand {
    let target = arch.rust_target();
    let (cargo, workspace) = (&ws.cargo, &ws.root);
    let mut remaps = vec![format!(
        "\"--remap-path-prefix={}=/sspr\"",
        workspace.display()
    )];
    if let Some(home) = &ws.cargo_home {
        remaps.push(format!("\"--remap-path-prefix={}=/cargo\"", home.display()));
    }
    if let Some(sysroot) = &ws.sysroot {
        remaps.push(format!(
            "\"--remap-path-prefix={}=/rustc\"",
            sysroot.display()
        ));
    }
    // `cargo auditable build`: cargo-auditable embeds the crate list in a `.dep-v0` section
    // (zlib-compressed JSON) that `cargo audit bin` and other scanners read from the binary.
    let mut command = ToolCommand::new(cargo)
        .args([
            "auditable",
            "build",
            "--release",
            "--locked",
            "--target",
            target,
        ])
        .arg("-Zbuild-std=std,panic_unwind")
        .arg(format!("-Zbuild-std-features={STD_FEATURES}"))
        .arg("--config")
        .arg(format!("target.{target}.rustflags=[{}]", remaps.join(", ")));
    for package in packages {
        command = command.arg("--package").arg(*package);
    }
    command.env("RUSTC_BOOTSTRAP", "1").cwd(workspace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dll_is_built_on_its_own() {
        assert_eq!(
            build_groups(&["sspr-credential-provider", "sspr-reset-host", "sspr-diag"]),
            [
                vec!["sspr-credential-provider"],
                vec!["sspr-reset-host", "sspr-diag"]
            ]
        );
        assert_eq!(build_groups(&["sspr-diag"]), [vec!["sspr-diag"]]);
    }

    #[test]
    fn cargo_build_targets_win7_with_build_std() {
        let ws = Workspace {
            root: "/src/sspr".into(),
            target_dir: "/src/sspr/target".into(),
            cargo: "cargo".into(),
            cargo_home: Some("/home/u/.cargo".into()),
            sysroot: Some("/home/u/.rustup/toolchains/1.95.0".into()),
        };
        let cmd = cargo_build(&ws, Arch::X86, &["sspr-diag"]);
        assert_eq!(
            cmd.arg_strings(),
            [
                "auditable",
                "build",
                "--release",
                "--locked",
                "--target",
                "i686-win7-windows-gnu",
                "-Zbuild-std=std,panic_unwind",
                "-Zbuild-std-features=panic-unwind,optimize_for_size",
                "--config",
                "target.i686-win7-windows-gnu.rustflags=[\"--remap-path-prefix=/src/sspr=/sspr\", \"--remap-path-prefix=/home/u/.cargo=/cargo\", \"--remap-path-prefix=/home/u/.rustup/toolchains/1.95.0=/rustc\"]",
                "--package",
                "sspr-diag",
            ]
        );
        assert_eq!(cmd.env, [("RUSTC_BOOTSTRAP".into(), "1".into())]);
        assert_eq!(cmd.cwd.as_deref(), Some(Path::new("/src/sspr")));
    }

    #[test]
    fn shipped_names_are_the_product_names() {
        let names: Vec<_> = PAYLOAD.iter().map(|p| p.shipped_name).collect();
        assert_eq!(
            names,
            [
                "SsprCredentialProvider.dll",
                "SsprResetHost.exe",
                "SsprDiag.exe"
            ]
        );
    }
}
