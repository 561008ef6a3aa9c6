//! The two architectures we ship, and every per-architecture name that follows from one.

pub use sspr_identity::Arch;

/// The MinGW-w64 C compiler Rust links with for `arch`'s target.
pub fn linker(arch: Arch) -> &'static str {
    match arch {
        Arch::X64 => "x86_64-w64-mingw32-gcc",
        Arch::X86 => "i686-w64-mingw32-gcc",
    }
}

/// The Debian package that provides [`linker`].
pub fn linker_package(arch: Arch) -> &'static str {
    match arch {
        Arch::X64 => "gcc-mingw-w64-x86-64",
        Arch::X86 => "gcc-mingw-w64-i686",
    }
}

/// Serializes an [`Arch`] by its name (`x64`, `x86`), for `#[serde(serialize_with)]`.
pub fn serialize_name<S: serde::Serializer>(arch: &Arch, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(arch.name())
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
