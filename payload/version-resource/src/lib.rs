//! Build-script helper for the payload's binaries, the one home of MinGW's resource tools:
//! writes a `VERSIONINFO` resource script from the package version (FileVersion, ProductVersion,
//! CompanyName, FileDescription, InternalName, OriginalFilename, ProductName, language 1033) and
//! compiles it with `windres` into a COFF object the binary links. The MSI's File table takes
//! Version and Language from it (`cargo xtask dist`), so Windows Installer's file-versioning
//! rules apply to the EXEs and the DLL. The EXEs call [`VersionResource::link_into_bins`]; the
//! provider's build script, which adds its event log message table (`windmc`), uses
//! [`MingwTools`] and [`VersionResource::script`].

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one binary says about itself.
#[derive(Clone, Copy, Debug)]
pub struct VersionResource<'a> {
    pub file_description: &'a str,
    /// The shipped file name, e.g. `SsprDiag.exe`.
    pub original_filename: &'a str,
}

/// The company and product every payload binary names.
pub const COMPANY_NAME: &str = "SsprWindowsLogon project";
pub const PRODUCT_NAME: &str = "SsprWindowsLogon";

/// `VS_FIXEDFILEINFO.dwFileType`: an application or a DLL.
const VFT_APP: u32 = 0x1;
const VFT_DLL: u32 = 0x2;

/// (major, minor, patch) of a `major.minor.patch[-pre][+build]` version.
pub fn version_numbers(version: &str) -> Result<(u16, u16, u16), String> {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    let [major, minor, patch] = parts[..] else {
        return Err(format!("version `{version}` is not major.minor.patch"));
    };
    let number = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("version `{version}`: `{p}` is not a number up to 65535"))
    };
    Ok((number(major)?, number(minor)?, number(patch)?))
}

impl VersionResource<'_> {
    /// The resource script for `version`; FILETYPE VFT_DLL for a `.dll` file name, else
    /// VFT_APP.
    pub fn script(&self, version: &str) -> Result<String, String> {
        let (major, minor, patch) = version_numbers(version)?;
        let file_type = if self
            .original_filename
            .to_ascii_lowercase()
            .ends_with(".dll")
        {
            VFT_DLL
        } else {
            VFT_APP
        };
        let internal = self
            .original_filename
            .rsplit_once('.')
            .map_or(self.original_filename, |(stem, _)| stem);
        Ok(format!(
            r#"1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEOS 0x40004
FILETYPE 0x{file_type:x}
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "{COMPANY_NAME}"
      VALUE "FileDescription", "{description}"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "{internal}"
      VALUE "OriginalFilename", "{original}"
      VALUE "ProductName", "{PRODUCT_NAME}"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#,
            description = self.file_description,
            original = self.original_filename,
        ))
    }

    /// From a build script: on Windows targets, compiles the resource for the package's own
    /// version and links it into the package's binaries. Exits the build with a message when
    /// windres is missing: a binary without its version would ship unversioned.
    pub fn link_into_bins(&self) {
        if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
            println!("cargo:rerun-if-env-changed=WINDRES");
            return;
        }
        match self.compile() {
            Ok(object) => println!("cargo:rustc-link-arg-bins={}", object.display()),
            Err(message) => fail_build(&message),
        }
    }

    fn compile(&self) -> Result<PathBuf, String> {
        let out = out_dir()?;
        let version = env::var("CARGO_PKG_VERSION").map_err(|e| e.to_string())?;
        let tools = MingwTools::for_target()?;
        let rc = out.join("version.rc");
        std::fs::write(&rc, self.script(&version)?)
            .map_err(|e| format!("writing {}: {e}", rc.display()))?;
        let object = out.join("version.o");
        tools.windres(&rc, &object, None)?;
        Ok(object)
    }
}

/// The build script's `OUT_DIR`.
pub fn out_dir() -> Result<PathBuf, String> {
    env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "OUT_DIR is not set: run from a build script".to_owned())
}

/// Ends a build script with `message`: a binary without its resources must not be built.
pub fn fail_build(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// MinGW's resource tools for the target being built (`CARGO_CFG_TARGET_ARCH`): `WINDRES` and
/// `WINDMC` from the environment, else the target-prefixed tool (Linux cross toolchains), else
/// the plain name (MSYS2 and other Windows-hosted MinGW).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MingwTools {
    /// `x86_64-w64-mingw32-` or `i686-w64-mingw32-`.
    pub prefix: &'static str,
    /// The BFD target windres writes: `pe-x86-64` or `pe-i386`.
    pub bfd_target: &'static str,
}

impl MingwTools {
    /// The tools for a Rust target architecture (`x86_64`, `x86`).
    pub fn for_arch(arch: &str) -> Result<Self, String> {
        match arch {
            "x86_64" => Ok(Self {
                prefix: "x86_64-w64-mingw32-",
                bfd_target: "pe-x86-64",
            }),
            "x86" => Ok(Self {
                prefix: "i686-w64-mingw32-",
                bfd_target: "pe-i386",
            }),
            other => Err(format!("no MinGW resource tools known for {other}")),
        }
    }

    /// The tools for the target a build script builds for.
    pub fn for_target() -> Result<Self, String> {
        Self::for_arch(&env::var("CARGO_CFG_TARGET_ARCH").map_err(|e| e.to_string())?)
    }

    /// The programs to try for `name` (`windres`), `variable` (`WINDRES`) naming an override.
    fn candidates(&self, variable: &str, name: &str) -> Vec<String> {
        println!("cargo:rerun-if-env-changed={variable}");
        match env::var(variable) {
            Ok(chosen) => vec![chosen],
            Err(_) => vec![format!("{}{name}", self.prefix), name.to_owned()],
        }
    }

    /// Compiles the resource script `rc` (UTF-8) into the COFF object `object`; `include` is
    /// searched for the files the script includes.
    pub fn windres(&self, rc: &Path, object: &Path, include: Option<&Path>) -> Result<(), String> {
        run_first(&self.candidates("WINDRES", "windres"), |command| {
            command.args(["--target", self.bfd_target, "-c", "65001"]);
            if let Some(dir) = include {
                command.arg("-I").arg(dir);
            }
            command.arg("-i").arg(rc).arg("-o").arg(object);
        })
    }

    /// Compiles the message table `mc` into `out`: `<name>.h`, `<name>.rc` and its `.bin`
    /// files, the texts in UTF-16 (`--unicode_out`) as Event Viewer reads them.
    pub fn windmc(&self, mc: &Path, out: &Path) -> Result<(), String> {
        run_first(&self.candidates("WINDMC", "windmc"), |command| {
            command
                .arg("--unicode_out")
                .arg("-h")
                .arg(out)
                .arg("-r")
                .arg(out)
                .arg(mc);
        })
    }
}

/// Runs the first of `candidates` that exists, with the arguments `configure` adds.
fn run_first(candidates: &[String], configure: impl Fn(&mut Command)) -> Result<(), String> {
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
         binutils-mingw-w64-x86-64 / binutils-mingw-w64-i686) or set the variable naming the tool",
        candidates.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_names_the_file_and_its_version() {
        let script = VersionResource {
            file_description: "SsprWindowsLogon diagnostics",
            original_filename: "SsprDiag.exe",
        }
        .script("0.1.0")
        .unwrap();
        for line in [
            "FILEVERSION 0,1,0,0",
            "PRODUCTVERSION 0,1,0,0",
            r#"VALUE "CompanyName", "SsprWindowsLogon project""#,
            r#"VALUE "FileDescription", "SsprWindowsLogon diagnostics""#,
            r#"VALUE "FileVersion", "0.1.0""#,
            r#"VALUE "ProductVersion", "0.1.0""#,
            r#"VALUE "OriginalFilename", "SsprDiag.exe""#,
            r#"VALUE "InternalName", "SsprDiag""#,
            r#"VALUE "Translation", 0x409, 1200"#,
            "FILETYPE 0x1",
        ] {
            assert!(script.contains(line), "missing {line} in\n{script}");
        }
        let dll = VersionResource {
            file_description: "SsprWindowsLogon credential provider",
            original_filename: "SsprCredentialProvider.dll",
        }
        .script("1.2.3")
        .unwrap();
        for line in [
            "FILETYPE 0x2",
            "FILEVERSION 1,2,3,0",
            r#"VALUE "InternalName", "SsprCredentialProvider""#,
        ] {
            assert!(dll.contains(line), "missing {line} in\n{dll}");
        }
    }

    #[test]
    fn tools_follow_the_target_architecture() {
        assert_eq!(
            MingwTools::for_arch("x86"),
            Ok(MingwTools {
                prefix: "i686-w64-mingw32-",
                bfd_target: "pe-i386"
            })
        );
        assert_eq!(
            MingwTools::for_arch("x86_64").map(|t| t.bfd_target),
            Ok("pe-x86-64")
        );
        assert_eq!(
            MingwTools::for_arch("aarch64"),
            Err("no MinGW resource tools known for aarch64".to_owned())
        );
    }

    #[test]
    fn a_missing_tool_names_every_candidate() {
        let error = run_first(&["sspr-no-such-windres".to_owned()], |_| {}).unwrap_err();
        assert!(
            error.starts_with("none of sspr-no-such-windres is installed"),
            "{error}"
        );
    }

    #[test]
    fn versions_must_be_three_numbers() {
        assert_eq!(version_numbers("1.2.3-rc.1"), Ok((1, 2, 3)));
        assert!(version_numbers("1.2").is_err());
        assert!(version_numbers("1.2.70000").is_err());
    }
}
