//! The host's command line: what the provider passes, and the two admin/test modes.

use clap::Parser;

/// Shows the self-service password reset portal at the Windows sign-in screen, sandboxed.
#[derive(Debug, Parser)]
#[command(name = "SsprResetHost", version, about)]
pub struct Args {
    /// The user whose password is being reset (passed on to the portal where it takes one).
    #[arg(long)]
    pub user: Option<String>,
    /// The reset portal to show (default: the `PortalUrl` setting).
    #[arg(long)]
    pub portal_url: Option<String>,
    /// The window handle of LogonUI's window that owns ours, in decimal.
    #[arg(long, default_value_t = 0)]
    pub parent_window: u64,
    /// Prints, as JSON, the token and job this process runs with, the sandbox verdict, the
    /// policy loaded and the URL it would open, then exits (0 if it would run, 4 if not).
    #[arg(long, conflicts_with = "check_url")]
    pub self_test: bool,
    /// Prints whether the policy allows URL and why, then exits (0 allowed, 1 denied).
    #[arg(long, value_name = "URL")]
    pub check_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_providers_arguments() {
        let args = Args::try_parse_from([
            "SsprResetHost",
            "--portal-url=https://passwordreset.microsoftonline.com/",
            "--parent-window=65552",
            "--user=CONTOSO\\alice",
        ])
        .unwrap();
        assert_eq!(args.user.as_deref(), Some("CONTOSO\\alice"));
        assert_eq!(args.parent_window, 65552);
        assert!(!args.self_test);
    }

    #[test]
    fn a_user_name_starting_with_a_dash_stays_a_value() {
        let args = Args::try_parse_from(["SsprResetHost", "--user=-rf"]).unwrap();
        assert_eq!(args.user.as_deref(), Some("-rf"));
    }

    #[test]
    fn self_test_and_check_url_are_exclusive() {
        assert!(Args::try_parse_from([
            "SsprResetHost",
            "--self-test",
            "--check-url",
            "https://x/"
        ])
        .is_err());
        let args = Args::try_parse_from(["SsprResetHost", "--check-url", "https://x/"]).unwrap();
        assert_eq!(args.check_url.as_deref(), Some("https://x/"));
    }
}
