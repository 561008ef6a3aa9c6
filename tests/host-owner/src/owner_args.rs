//! sspr-host-owner's command line (clap): the host to start, what to do to its window and when,
//! and the arguments passed on to the host.

use std::time::Duration;

use clap::Parser;

/// What the owner does to the host's window once it appeared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    DestroyOwner,
    Escape,
    Close,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Self::DestroyOwner => "destroy-owner",
            Self::Escape => "escape",
            Self::Close => "close",
        }
    }
}

/// Plays LogonUI for the reset host's window tests: owns the host's window, then acts on it.
#[derive(Debug, Parser)]
#[command(name = "sspr-host-owner")]
pub struct Options {
    /// The program to start with `--parent-window=<our window>`.
    pub host: String,
    /// Destroy our (the owner) window this many ms after the host's window appeared.
    #[arg(long, value_name = "MS", group = "action")]
    destroy_after_ms: Option<u64>,
    /// Post `WM_KEYDOWN VK_ESCAPE` to the host's window after this many ms.
    #[arg(long, value_name = "MS", group = "action")]
    escape_after_ms: Option<u64>,
    /// Post `WM_CLOSE` (the close button's message) to the host's window after this many ms.
    #[arg(long, value_name = "MS", group = "action")]
    close_after_ms: Option<u64>,
    /// Post the `--post-keys` this many ms after the host's window appeared, and leave the
    /// window open (without it the keys go just before the action).
    #[arg(long, value_name = "MS", requires = "post_keys")]
    keys_after_ms: Option<u64>,
    /// Virtual-key codes (`0x7B` or `123`), comma-separated, posted as `WM_KEYDOWN`; plain keys
    /// only: the host reads modifiers from its own keyboard state.
    #[arg(long, value_name = "VK,VK,...", value_delimiter = ',', value_parser = parse_key)]
    pub post_keys: Vec<u16>,
    /// How long to wait for the host before terminating it.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    timeout_ms: u64,
    /// More arguments for the host, after `--`.
    #[arg(last = true)]
    pub host_args: Vec<String>,
}

impl Options {
    /// The action and how long after the host's window appeared it comes.
    pub fn action(&self) -> Option<(Action, Duration)> {
        [
            (Action::DestroyOwner, self.destroy_after_ms),
            (Action::Escape, self.escape_after_ms),
            (Action::Close, self.close_after_ms),
        ]
        .into_iter()
        .find_map(|(action, ms)| ms.map(|ms| (action, Duration::from_millis(ms))))
    }

    /// When the keys go, if not just before the action.
    pub fn keys_after(&self) -> Option<Duration> {
        self.keys_after_ms.map(Duration::from_millis)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Checks what clap cannot: keys need a moment to be posted at.
    pub fn validate(self) -> Result<Self, String> {
        if !self.post_keys.is_empty() && self.keys_after_ms.is_none() && self.action().is_none() {
            return Err(
                "--post-keys needs --keys-after-ms or an action to post them before \
                        (--destroy-after-ms, --escape-after-ms, --close-after-ms)"
                    .to_owned(),
            );
        }
        Ok(self)
    }
}

fn parse_key(text: &str) -> Result<u16, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u16::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a virtual-key code (0x41 or 65)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::try_parse_from(std::iter::once("sspr-host-owner").chain(args.iter().copied()))
            .map_err(|error| error.to_string())
            .and_then(Options::validate)
    }

    #[test]
    fn an_action_its_keys_and_the_host_arguments() {
        let options = parse(&[
            r"C:\probe.exe",
            "--post-keys",
            "0x7B,112",
            "--escape-after-ms",
            "1500",
            "--",
            "--idle-ms=2000",
            "--url=https://x.test/",
        ])
        .unwrap();
        assert_eq!(options.host, r"C:\probe.exe");
        assert_eq!(
            options.action(),
            Some((Action::Escape, Duration::from_millis(1500)))
        );
        assert_eq!(options.post_keys, [0x7B, 0x70]);
        assert_eq!(options.keys_after(), None);
        assert_eq!(options.timeout(), Duration::from_millis(30_000));
        assert_eq!(
            options.host_args,
            ["--idle-ms=2000", "--url=https://x.test/"]
        );
    }

    #[test]
    fn keys_alone_after_a_delay_leave_the_window_open() {
        let options = parse(&["h.exe", "--post-keys", "0x41", "--keys-after-ms", "800"]).unwrap();
        assert_eq!(options.action(), None);
        assert_eq!(options.keys_after(), Some(Duration::from_millis(800)));
        assert_eq!(options.post_keys, [0x41]);
    }

    #[test]
    fn refuses_two_actions_keys_without_a_moment_and_bad_numbers() {
        let two = parse(&["h.exe", "--escape-after-ms", "1", "--close-after-ms", "2"]).unwrap_err();
        assert!(two.contains("cannot be used with"), "{two}");
        let no_moment = parse(&["h.exe", "--post-keys", "0x41"]).unwrap_err();
        assert!(
            no_moment.starts_with("--post-keys needs --keys-after-ms"),
            "{no_moment}"
        );
        let delay_without_keys = parse(&["h.exe", "--keys-after-ms", "5"]).unwrap_err();
        assert!(
            delay_without_keys.contains("--post-keys"),
            "{delay_without_keys}"
        );
        let bad_key =
            parse(&["h.exe", "--post-keys", "0xZZ", "--close-after-ms", "1"]).unwrap_err();
        assert!(
            bad_key.contains("`0xZZ` is not a virtual-key code"),
            "{bad_key}"
        );
        let bad_ms = parse(&["h.exe", "--timeout-ms", "soon"]).unwrap_err();
        assert!(bad_ms.contains("soon"), "{bad_ms}");
    }
}
