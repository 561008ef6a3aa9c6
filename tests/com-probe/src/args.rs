//! The probe's command line (clap): no argument for the default probe, a CLSID to probe another
//! class, or one mode flag. Pure, so it is tested on Linux.

use clap::{ArgGroup, Parser};

/// Loads the installed credential provider the way LogonUI does and prints what it saw, one
/// `key=value` line per observation.
#[derive(Debug, Parser)]
#[command(name = "sspr-com-probe", version, about)]
#[command(group(ArgGroup::new("mode").args(["tiles", "filter", "faults", "settings"])))]
pub struct Args {
    /// LogonUI's whole logon conversation, tile by tile, links clicked.
    #[arg(long)]
    tiles: bool,
    /// The credential provider filter.
    #[arg(long)]
    filter: bool,
    /// With a `fault-injection` build, a panic forced in each method.
    #[arg(long)]
    faults: bool,
    /// Registry changes between screens, each seen at the next.
    #[arg(long)]
    settings: bool,
    /// The class to create, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional); the
    /// product's CLSID when left out.
    #[arg(value_name = "CLSID", value_parser = parse_clsid, conflicts_with = "mode")]
    clsid: Option<u128>,
}

/// One of the modes besides the default probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Tiles,
    Filter,
    Faults,
    Settings,
}

impl Mode {
    /// The name the probe prints as `mode=<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Tiles => "tiles",
            Mode::Filter => "filter",
            Mode::Faults => "faults",
            Mode::Settings => "settings",
        }
    }
}

/// What the command line asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// The default probe of `clsid` (the product's when `None`).
    Probe { clsid: Option<u128> },
    /// One of the other modes.
    Mode(Mode),
}

impl Args {
    /// The run the flags select (clap has already refused two modes, or a mode and a CLSID).
    pub fn run(&self) -> Run {
        let modes = [
            (self.tiles, Mode::Tiles),
            (self.filter, Mode::Filter),
            (self.faults, Mode::Faults),
            (self.settings, Mode::Settings),
        ];
        match modes.into_iter().find(|(set, _)| *set) {
            Some((_, mode)) => Run::Mode(mode),
            None => Run::Probe { clsid: self.clsid },
        }
    }
}

/// A CLSID, braced or not, either case, as its number (for `GUID::from_u128`).
fn parse_clsid(text: &str) -> Result<u128, String> {
    sspr_identity::parse_guid(text).ok_or_else(|| {
        "not a CLSID: pass one like {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn run(args: &[&str]) -> Result<Run, ErrorKind> {
        Args::try_parse_from(std::iter::once("sspr-com-probe").chain(args.iter().copied()))
            .map(|args| args.run())
            .map_err(|error| error.kind())
    }

    #[test]
    fn the_command_lines_the_suite_passes() {
        assert_eq!(run(&[]), Ok(Run::Probe { clsid: None }));
        assert_eq!(run(&["--tiles"]), Ok(Run::Mode(Mode::Tiles)));
        assert_eq!(run(&["--filter"]), Ok(Run::Mode(Mode::Filter)));
        assert_eq!(run(&["--faults"]), Ok(Run::Mode(Mode::Faults)));
        assert_eq!(run(&["--settings"]), Ok(Run::Mode(Mode::Settings)));
        assert_eq!(
            run(&[sspr_identity::PROVIDER_CLSID]),
            Ok(Run::Probe {
                clsid: Some(sspr_identity::PROVIDER_CLSID_VALUE)
            })
        );
        assert_eq!(Mode::Settings.name(), "settings");
    }

    #[test]
    fn bad_command_lines_are_refused() {
        assert_eq!(
            run(&["--tiles", "--filter"]),
            Err(ErrorKind::ArgumentConflict)
        );
        assert_eq!(
            run(&["--tiles", sspr_identity::PROVIDER_CLSID]),
            Err(ErrorKind::ArgumentConflict)
        );
        assert_eq!(run(&["not-a-clsid"]), Err(ErrorKind::ValueValidation));
        assert_eq!(run(&["--unload"]), Err(ErrorKind::UnknownArgument));
        assert_eq!(
            run(&[sspr_identity::PROVIDER_CLSID, sspr_identity::PROVIDER_CLSID]),
            Err(ErrorKind::UnknownArgument)
        );
    }
}
