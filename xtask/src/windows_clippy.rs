//! `cargo xtask clippy-windows` (and the first step of `cargo xtask test`): clippy with
//! `-D warnings` for both Windows 7 targets, std rebuilt from source as `dist` builds it, over
//! every crate that runs on Windows. A host `cargo clippy` compiles none of the `cfg(windows)`
//! code (the COM provider, the sandbox, the reset window, SsprDiag's Windows side), which is
//! exactly the code LogonUI runs.

use anyhow::Result;

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::payload;
use crate::progress;
use crate::workspace::Workspace;

/// Every workspace member built for Windows: the payload and the test programs that run under
/// Wine. The others (`xtask`, `sspr-e2e`, `sspr-policy-templates`, and the build-script helper
/// `sspr-version-resource`) run on the build machine only, and the host
/// `cargo clippy --workspace` in `.ci/run` lints them; `sspr-e2e`'s Windows half (src/native) is
/// linted here through the native runner `sspr-e2e-native`, which builds it for Windows.
pub const WINDOWS_PACKAGES: [&str; 16] = [
    "sspr-credential-provider",
    "sspr-reset-host",
    "sspr-diag",
    "sspr-settings",
    "sspr-registry",
    "sspr-sandbox",
    "sspr-panic-guard",
    "sspr-url-policy",
    "sspr-identity",
    "sspr-utc",
    "sspr-host-command",
    "sspr-com-probe",
    "sspr-host-owner",
    "sspr-activation-bench",
    "sspr-bench-floor",
    "sspr-e2e-native",
];

/// Crate features the shipped build leaves off but a test build turns on, each linted in an
/// invocation of its own (the e2e suite builds the provider with `fault-injection`).
pub const TEST_FEATURES: [(&str, &str); 1] = [("sspr-credential-provider", "fault-injection")];

/// The clippy invocations for `arch`: every package with its shipped features, then each test
/// feature. `RUSTC_BOOTSTRAP=1` for `-Zbuild-std` on the pinned stable toolchain, as in
/// [`crate::payload::cargo_build`].
pub fn commands(ws: &Workspace, arch: Arch) -> Vec<ToolCommand> {
    let base = || {
        ToolCommand::new(&ws.cargo)
            .args(["clippy", "--locked", "--target", arch.rust_target()])
            .arg("-Zbuild-std=std,panic_unwind")
            .arg(format!("-Zbuild-std-features={}", payload::STD_FEATURES))
            .env("RUSTC_BOOTSTRAP", "1")
            .cwd(&ws.root)
    };
    let lints = ["--", "-D", "warnings"];
    let mut all = base();
    for package in WINDOWS_PACKAGES {
        all = all.args(["--package", package]);
    }
    let mut commands = vec![all.args(lints)];
    for (package, feature) in TEST_FEATURES {
        commands.push(
            base()
                .args(["--package", package, "--features", feature])
                .args(lints),
        );
    }
    commands
}

/// Runs clippy for both targets; the first warning fails it.
pub fn run(ws: &Workspace) -> Result<()> {
    for arch in Arch::ALL {
        progress::step(
            "Linted",
            &format!("the Windows code for {}", arch.rust_target()),
            || commands(ws, arch).iter().try_for_each(ToolCommand::run),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lints_every_windows_package_for_the_win7_target_with_build_std() {
        let commands = commands(&Workspace::fixture(), Arch::X86);
        assert_eq!(commands.len(), 2);
        let args = commands[0].arg_strings();
        assert_eq!(
            args[..6],
            [
                "clippy",
                "--locked",
                "--target",
                "i686-win7-windows-gnu",
                "-Zbuild-std=std,panic_unwind",
                "-Zbuild-std-features=panic-unwind,optimize_for_size"
            ]
        );
        assert_eq!(args[args.len() - 3..], ["--", "-D", "warnings"]);
        let packages: Vec<&str> = args
            .windows(2)
            .filter(|pair| pair[0] == "--package")
            .map(|pair| pair[1].as_str())
            .collect();
        assert_eq!(packages, WINDOWS_PACKAGES);
        assert_eq!(commands[0].env, [("RUSTC_BOOTSTRAP".into(), "1".into())]);
        assert_eq!(
            commands[1].arg_strings()[6..],
            [
                "--package",
                "sspr-credential-provider",
                "--features",
                "fault-injection",
                "--",
                "-D",
                "warnings"
            ]
        );
    }

    /// The members that run on the build machine only.
    const HOST_PACKAGES: [&str; 4] = [
        "xtask",
        "sspr-e2e",
        "sspr-policy-templates",
        "sspr-version-resource",
    ];

    /// A crate added to the workspace is linted for Windows unless it is listed as a host tool.
    #[test]
    fn every_workspace_member_but_the_host_tools_is_linted() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let members = manifest
            .split("members = [")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .unwrap();
        let mut names: Vec<String> = members
            .split(',')
            .map(|m| m.trim().trim_matches('"'))
            .filter(|m| !m.is_empty())
            .map(|dir| {
                let text = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
                let line = text.lines().find(|l| l.starts_with("name = ")).unwrap();
                line.trim_start_matches("name = ")
                    .trim_matches('"')
                    .to_owned()
            })
            .filter(|name| !HOST_PACKAGES.contains(&name.as_str()))
            .collect();
        names.sort();
        let mut linted = WINDOWS_PACKAGES.map(str::to_owned).to_vec();
        linted.sort();
        assert_eq!(names, linted);
    }
}
