//! The benchmark's command line (clap): `DLL CLSID ITERATIONS [COLD-ITERATIONS]`, as
//! `cargo xtask bench` passes it. Pure, so it is tested on Linux.

use clap::Parser;

/// Times what LogonUI does when it activates a credential provider: first COLD-ITERATIONS times
/// from LoadLibrary to FreeLibrary, then ITERATIONS times on fresh objects of one loaded DLL.
#[derive(Debug, Parser)]
#[command(name = "sspr-activation-bench", version, about)]
pub struct Args {
    /// The provider DLL to load (a Windows path).
    #[arg(value_name = "DLL")]
    pub dll: String,
    /// The class to create, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional).
    #[arg(value_name = "CLSID", value_parser = parse_clsid)]
    pub clsid: u128,
    /// Activations on one loaded DLL.
    #[arg(value_name = "ITERATIONS")]
    pub iterations: usize,
    /// Whole load-activate-unload cycles, before the others.
    #[arg(value_name = "COLD-ITERATIONS", default_value_t = 0)]
    pub cold: usize,
}

/// A CLSID as its number (for `GUID::from_u128`).
fn parse_clsid(text: &str) -> Result<u128, String> {
    sspr_identity::parse_guid(text)
        .ok_or_else(|| "not a CLSID: pass one like {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Args, ErrorKind> {
        Args::try_parse_from(std::iter::once("sspr-activation-bench").chain(args.iter().copied()))
            .map_err(|error| error.kind())
    }

    #[test]
    fn the_command_line_xtask_passes() {
        let args = parse(&[
            r"Z:\bench\sspr_credential_provider.dll",
            sspr_identity::PROVIDER_CLSID,
            "200",
            "20",
        ])
        .unwrap();
        assert_eq!(
            (args.dll.as_str(), args.clsid, args.iterations, args.cold),
            (
                r"Z:\bench\sspr_credential_provider.dll",
                sspr_identity::PROVIDER_CLSID_VALUE,
                200,
                20
            )
        );
        let args = parse(&["floor.dll", "6a1b2c3d-0000-4000-8000-00000000f100", "5"]).unwrap();
        assert_eq!(
            (args.clsid, args.iterations, args.cold),
            (0x6A1B2C3D_0000_4000_8000_00000000F100, 5, 0)
        );
    }

    #[test]
    fn bad_command_lines_are_refused() {
        assert_eq!(
            parse(&["x.dll", sspr_identity::PROVIDER_CLSID]).unwrap_err(),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            parse(&["x.dll", "not-a-clsid", "5"]).unwrap_err(),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            parse(&["x.dll", sspr_identity::PROVIDER_CLSID, "-5"]).unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&["x.dll", sspr_identity::PROVIDER_CLSID, "five"]).unwrap_err(),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            parse(&["x.dll", sspr_identity::PROVIDER_CLSID, "5", "1", "2"]).unwrap_err(),
            ErrorKind::UnknownArgument
        );
    }
}
