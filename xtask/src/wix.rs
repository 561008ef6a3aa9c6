//! Compiling the WiX sources: `wixl` on Linux, the WiX Toolset through cargo-wix on Windows.
//! Both take the same sources in `wix/` and the same preprocessor variables.

use std::path::Path;

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::identity;
use crate::version::ProductVersion;

/// The product source; the `.wxi` files beside it are found through the include path.
pub const PRODUCT_SOURCE: &str = "SsprWindowsLogon.wxs";
/// The package file name (docs/design.md, "MSI identity and properties").
pub const MSI_NAME: &str = "SsprWindowsLogon.PROD.msi";

/// Which WiX compiler builds the MSI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// msitools' wixl (Linux).
    Wixl,
    /// The WiX Toolset 3 (candle/light) driven by cargo-wix (Windows hosts only).
    Wix,
}

/// The `-D` variables the sources expect.
pub fn defines(arch: Arch, version: ProductVersion) -> Vec<(String, String)> {
    vec![
        ("Arch".into(), arch.name().into()),
        ("ProductVersion".into(), version.to_string()),
        ("ProductCode".into(), identity::product_code(arch, version)),
        ("UpgradeCode".into(), identity::upgrade_code(arch).into()),
    ]
}

/// What either compiler builds one MSI from, and where it writes it.
#[derive(Clone, Copy, Debug)]
pub struct MsiBuild<'a> {
    /// The sources (`wix/`).
    pub wix_dir: &'a Path,
    /// The payload under its shipped names; the sources' `File/@Source`s are relative to it.
    pub stage_dir: &'a Path,
    pub arch: Arch,
    pub version: ProductVersion,
    pub output: &'a Path,
}

/// `wixl`, run in the staging folder so `File/@Source` stays relative (wixl refuses absolute ones).
pub fn wixl(build: &MsiBuild) -> ToolCommand {
    let mut command = ToolCommand::new("wixl")
        .arg("-a")
        .arg(build.arch.name())
        .arg("-I")
        .arg(build.wix_dir);
    for (name, value) in defines(build.arch, build.version) {
        command = command.arg("-D").arg(format!("{name}={value}"));
    }
    command
        .arg("-o")
        .arg(build.output)
        .arg(build.wix_dir.join(PRODUCT_SOURCE))
        .cwd(build.stage_dir)
}

/// `cargo wix` on a Windows host, with the binaries already built (`--no-build`). cargo-wix needs
/// a package for its metadata: the provider's. Our variables go to candle (`-C`), the staging
/// folder to light as its bind path (`-L -b -L <dir>`), so the same relative `Source`s resolve.
pub fn cargo_wix(cargo: &str, workspace: &Path, build: &MsiBuild) -> ToolCommand {
    let mut command = ToolCommand::new(cargo)
        .args([
            "wix",
            "--no-build",
            "--nocapture",
            "--package",
            "sspr-credential-provider",
        ])
        .arg("--target")
        .arg(build.arch.rust_target())
        .arg("--install-version")
        .arg(build.version.to_string())
        .arg("--include")
        .arg(build.wix_dir.join(PRODUCT_SOURCE))
        .arg("--compiler-arg")
        .arg(format!("-I{}", build.wix_dir.display()))
        .arg("--compiler-arg")
        .arg("-arch")
        .arg("--compiler-arg")
        .arg(build.arch.name());
    for (name, value) in defines(build.arch, build.version) {
        command = command
            .arg("--compiler-arg")
            .arg(format!("-d{name}={value}"));
    }
    command
        .arg("--linker-arg")
        .arg("-b")
        .arg("--linker-arg")
        .arg(build.stage_dir)
        .arg("--output")
        .arg(build.output)
        .cwd(workspace)
}

impl ToolCommand {
    /// Adds `-D HelpUrl=<url>` (wixl) or its candle form (cargo-wix) when a URL is given: the
    /// sources write ARPHELPLINK only then.
    pub fn with_help_url(self, backend: Backend, url: Option<&str>) -> Self {
        match (url, backend) {
            (None, _) => self,
            (Some(url), Backend::Wixl) => self.arg("-D").arg(format!("HelpUrl={url}")),
            (Some(url), Backend::Wix) => self.arg("--compiler-arg").arg(format!("-dHelpUrl={url}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> ProductVersion {
        ProductVersion::parse("1.2.3").unwrap()
    }

    /// wixl's command line with short placeholder paths.
    fn short_wixl(arch: Arch) -> ToolCommand {
        wixl(&MsiBuild {
            wix_dir: Path::new("/w"),
            stage_dir: Path::new("/s"),
            arch,
            version: v(),
            output: Path::new("/o"),
        })
    }

    #[test]
    fn wixl_gets_arch_includes_and_defines() {
        let cmd = wixl(&MsiBuild {
            wix_dir: Path::new("/w/wix"),
            stage_dir: Path::new("/w/stage"),
            arch: Arch::X64,
            version: v(),
            output: Path::new("/o/a.msi"),
        });
        assert_eq!(cmd.program, "wixl");
        assert_eq!(
            cmd.arg_strings(),
            [
                "-a",
                "x64",
                "-I",
                "/w/wix",
                "-D",
                "Arch=x64",
                "-D",
                "ProductVersion=1.2.3",
                "-D",
                &format!("ProductCode={}", identity::product_code(Arch::X64, v())),
                "-D",
                &format!("UpgradeCode={}", identity::upgrade_code(Arch::X64)),
                "-o",
                "/o/a.msi",
                "/w/wix/SsprWindowsLogon.wxs",
            ]
        );
        assert_eq!(cmd.cwd.as_deref(), Some(Path::new("/w/stage")));
    }

    #[test]
    fn a_help_url_is_passed_only_when_given() {
        let base = || short_wixl(Arch::X64);
        assert_eq!(
            base().with_help_url(Backend::Wixl, None).arg_strings(),
            base().arg_strings()
        );
        let args = base()
            .with_help_url(Backend::Wixl, Some("https://example.org/help"))
            .arg_strings();
        assert_eq!(
            &args[args.len() - 2..],
            ["-D", "HelpUrl=https://example.org/help"]
        );
    }

    #[test]
    fn wixl_x86_passes_x86() {
        let cmd = short_wixl(Arch::X86);
        assert_eq!(&cmd.arg_strings()[..2], ["-a", "x86"]);
        assert!(cmd.arg_strings().contains(&"Arch=x86".to_string()));
    }

    #[test]
    fn cargo_wix_passes_the_same_variables_to_candle() {
        let cmd = cargo_wix(
            "cargo",
            Path::new("C:/src"),
            &MsiBuild {
                wix_dir: Path::new("C:/src/wix"),
                stage_dir: Path::new("C:/stage"),
                arch: Arch::X86,
                version: v(),
                output: Path::new("C:/out/x.msi"),
            },
        );
        let args = cmd.arg_strings();
        assert_eq!(
            &args[..5],
            [
                "wix",
                "--no-build",
                "--nocapture",
                "--package",
                "sspr-credential-provider"
            ]
        );
        let pairs: Vec<(&str, &str)> = args
            .windows(2)
            .map(|w| (w[0].as_str(), w[1].as_str()))
            .collect();
        for expected in [
            ("--target", "i686-win7-windows-gnu"),
            ("--install-version", "1.2.3"),
            ("--include", "C:/src/wix/SsprWindowsLogon.wxs"),
            ("--compiler-arg", "-IC:/src/wix"),
            ("--compiler-arg", "x86"),
            ("--compiler-arg", "-dArch=x86"),
            ("--compiler-arg", "-dProductVersion=1.2.3"),
            ("--linker-arg", "C:/stage"),
            ("--output", "C:/out/x.msi"),
        ] {
            assert!(
                pairs.contains(&expected),
                "missing {expected:?} in {args:?}"
            );
        }
        let product_code = format!("-dProductCode={}", identity::product_code(Arch::X86, v()));
        assert!(args.contains(&product_code));
    }
}
