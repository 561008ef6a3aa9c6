//! SsprResetHost.exe: the reset experience the credential provider's link opens.
//!
//! First cut: the command line the provider will use, parsed and validated. The locked-down
//! window itself is the reset-host issue's work.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use clap::Parser;

/// The portal shown when no `PortalUrl` is configured.
const DEFAULT_PORTAL_URL: &str = "https://passwordreset.microsoftonline.com/";

/// Shows the self-service password reset portal at the Windows sign-in screen.
#[derive(Debug, Parser)]
#[command(name = "SsprResetHost", version, about)]
struct Args {
    /// The user whose password is being reset (passed on to the portal where it accepts it).
    #[arg(long)]
    user: Option<String>,
    /// The reset portal to show.
    #[arg(long, default_value = DEFAULT_PORTAL_URL)]
    portal_url: String,
    /// The window handle of LogonUI's window that owns ours, in decimal.
    #[arg(long)]
    parent_window: Option<u64>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    eprintln!(
        "SsprResetHost: the reset window is not built yet; would open {} for {}",
        args.portal_url,
        args.user.as_deref().unwrap_or("<no user>")
    );
    std::process::ExitCode::from(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_microsoft_portal() {
        let args = Args::try_parse_from(["SsprResetHost"]).unwrap();
        assert_eq!(args.portal_url, DEFAULT_PORTAL_URL);
        assert_eq!(args.user, None);
    }

    #[test]
    fn takes_user_and_parent_window() {
        let args = Args::try_parse_from([
            "SsprResetHost",
            "--user",
            "CONTOSO\\alice",
            "--parent-window",
            "65552",
        ])
        .unwrap();
        assert_eq!(args.user.as_deref(), Some("CONTOSO\\alice"));
        assert_eq!(args.parent_window, Some(65552));
    }
}
