//! Build-script helper for the payload's EXEs: writes a `VERSIONINFO` resource script from the
//! package version (FileVersion, ProductVersion, CompanyName, FileDescription, InternalName,
//! OriginalFilename, ProductName, language 1033) and compiles it with MinGW's `windres` into a
//! COFF object the binary links. The MSI's File table takes Version and Language from it
//! (`cargo xtask dist`), so Windows Installer's file-versioning rules apply to the EXEs.

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
    /// The resource script for `version` (an application: FILETYPE VFT_APP).
    pub fn script(&self, version: &str) -> Result<String, String> {
        let (major, minor, patch) = version_numbers(version)?;
        let internal = self
            .original_filename
            .rsplit_once('.')
            .map_or(self.original_filename, |(stem, _)| stem);
        Ok(format!(
            r#"1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEOS 0x40004
FILETYPE 0x1
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
        println!("cargo:rerun-if-env-changed=WINDRES");
        if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
            return;
        }
        match self.compile() {
            Ok(object) => println!("cargo:rustc-link-arg-bins={}", object.display()),
            Err(message) => {
                eprintln!("error: {message}");
                std::process::exit(1);
            }
        }
    }

    fn compile(&self) -> Result<PathBuf, String> {
        let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
        let version = env::var("CARGO_PKG_VERSION").map_err(|e| e.to_string())?;
        let arch = env::var("CARGO_CFG_TARGET_ARCH").map_err(|e| e.to_string())?;
        let (prefix, target) = match arch.as_str() {
            "x86_64" => ("x86_64-w64-mingw32-", "pe-x86-64"),
            "x86" => ("i686-w64-mingw32-", "pe-i386"),
            other => return Err(format!("no MinGW windres known for {other}")),
        };
        let rc = out.join("version.rc");
        std::fs::write(&rc, self.script(&version)?)
            .map_err(|e| format!("writing {}: {e}", rc.display()))?;
        let object = out.join("version.o");
        windres(prefix, target, &rc, &object)?;
        Ok(object)
    }
}

/// Runs `WINDRES`, else the target-prefixed MinGW windres, else plain `windres`.
fn windres(prefix: &str, target: &str, rc: &Path, object: &Path) -> Result<(), String> {
    let candidates = match env::var("WINDRES") {
        Ok(chosen) => vec![chosen],
        Err(_) => vec![format!("{prefix}windres"), "windres".to_owned()],
    };
    for program in &candidates {
        let mut command = Command::new(program);
        command
            .args(["--target", target, "-c", "65001", "-i"])
            .arg(rc)
            .arg("-o")
            .arg(object);
        match command.output() {
            Ok(output) if output.status.success() => return Ok(()),
            Ok(output) => {
                return Err(format!(
                    "{command:?} failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                ))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(format!("cannot run {command:?}: {error}")),
        }
    }
    Err(format!(
        "none of {} is installed: install MinGW-w64's binutils (Debian: \
         binutils-mingw-w64-x86-64 / binutils-mingw-w64-i686) or set WINDRES",
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
        ] {
            assert!(script.contains(line), "missing {line} in\n{script}");
        }
    }

    #[test]
    fn versions_must_be_three_numbers() {
        assert_eq!(version_numbers("1.2.3-rc.1"), Ok((1, 2, 3)));
        assert!(version_numbers("1.2").is_err());
        assert!(version_numbers("1.2.70000").is_err());
    }
}
