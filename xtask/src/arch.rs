//! The two architectures we ship, and every per-architecture name that follows from one.

use std::fmt;

/// A Windows architecture the product ships for (no ARM: Windows 7/8.1 had none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    X64,
    X86,
}

impl Arch {
    pub const ALL: [Arch; 2] = [Arch::X64, Arch::X86];

    /// The name used in folders, file names, `-a` and `-D Arch=`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X64 => "x64",
            Arch::X86 => "x86",
        }
    }

    /// The tier-3 Rust target whose std still runs on Windows 7 (docs/design.md, "Windows 7 targets and the import audit").
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::X64 => "x86_64-win7-windows-gnu",
            Arch::X86 => "i686-win7-windows-gnu",
        }
    }

    /// The MinGW-w64 C compiler Rust links with for this target.
    pub fn linker(self) -> &'static str {
        match self {
            Arch::X64 => "x86_64-w64-mingw32-gcc",
            Arch::X86 => "i686-w64-mingw32-gcc",
        }
    }

    /// The Debian package that provides [`Arch::linker`].
    pub fn linker_package(self) -> &'static str {
        match self {
            Arch::X64 => "gcc-mingw-w64-x86-64",
            Arch::X86 => "gcc-mingw-w64-i686",
        }
    }

    /// The MSI summary `Template` property a package for this arch must carry.
    pub fn msi_template(self) -> &'static str {
        match self {
            Arch::X64 => "x64;1033",
            Arch::X86 => "Intel;1033",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--arch` on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchChoice {
    X64,
    X86,
    All,
}

impl ArchChoice {
    pub fn arches(self) -> Vec<Arch> {
        match self {
            ArchChoice::X64 => vec![Arch::X64],
            ArchChoice::X86 => vec![Arch::X86],
            ArchChoice::All => Arch::ALL.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_from_the_arch() {
        assert_eq!(Arch::X64.rust_target(), "x86_64-win7-windows-gnu");
        assert_eq!(Arch::X86.rust_target(), "i686-win7-windows-gnu");
        assert_eq!(Arch::X64.msi_template(), "x64;1033");
        assert_eq!(Arch::X86.msi_template(), "Intel;1033");
        assert_eq!(ArchChoice::All.arches(), vec![Arch::X64, Arch::X86]);
    }
}
