//! The settings model shared by the credential provider and the diagnostics tool: where each
//! value lives in the registry, how Group Policy overrides it, and the defaults.
//!
//! Resolution is pure ([`resolve`] over a [`RegistryRead`]); reading the real registry is the
//! thin Windows-only [`windows_registry`] module.

pub mod policy;
pub mod snapshot;
#[cfg(windows)]
pub mod windows_registry;
#[cfg(windows)]
pub mod windows_watch;

use sspr_identity::value;
use sspr_registry::Value;

/// `HKLM\SOFTWARE\SsprWindowsLogon`: values the MSI writes.
pub const SETTINGS_KEY: &str = sspr_identity::SETTINGS_KEY;
/// `HKLM\SOFTWARE\Policies\SsprWindowsLogon`: Group Policy; a value here always wins.
pub const POLICY_KEY: &str = sspr_identity::POLICY_KEY;
/// The provider's registration key, where Microsoft's "How to: Enable password reset from the
/// Windows login screen" documents `EnableLogging`.
pub const PROVIDER_KEY: &str = sspr_identity::PROVIDER_KEY;

pub const DEFAULT_PORTAL_URL: &str = "https://passwordreset.microsoftonline.com/";
pub const DEFAULT_LINK_TEXT: &str = "Reset password";
/// Windows 7's wording, as Microsoft's "How to: Enable password reset from the Windows login screen" shows it.
pub const DEFAULT_LINK_TEXT_WINDOWS_7: &str = "Forgot password?";
/// Longest link text shown; longer values are cut (LogonUI lays the link out on one line).
pub const MAX_LINK_TEXT_CHARS: usize = 64;
/// How long the reset window stays open without input, in seconds, when nothing is configured.
pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u32 = 300;
/// The range an admin may set `IdleTimeoutSeconds` in: long enough to type a code from a phone,
/// short enough that an abandoned window does not sit on the sign-in screen for long.
pub const IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 30..=3600;

/// A registry value as read, reduced to the types the settings use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegValue {
    Dword(u32),
    String(String),
    /// Present but of another type (REG_BINARY, REG_QWORD, ...): ignored with a note.
    Other(u32),
}

impl From<&Value> for RegValue {
    /// The reduction: both string types are text, every other type (a DWORD too short to be one
    /// included, which [`Value::from_raw`] keeps raw) is rejected by its type number rather than
    /// read as garbage.
    fn from(value: &Value) -> Self {
        match value {
            Value::Dword(n) => RegValue::Dword(*n),
            Value::String(s) | Value::ExpandString(s) => RegValue::String(s.clone()),
            other => RegValue::Other(other.kind()),
        }
    }
}

/// Reads one value under `HKLM\<key>`; `None` when the key or value is absent.
pub trait RegistryRead {
    fn read(&self, key: &str, name: &str) -> Option<RegValue>;
}

/// Where a resolved value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    Settings,
    Policy,
    /// The Credential Providers registration key (`EnableLogging`).
    Registration,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Settings => "settings",
            Source::Policy => "policy",
            Source::Registration => "registration",
        }
    }
}

/// One resolved setting: its value, its origin, and any value that was present but unusable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved<T> {
    pub value: T,
    pub source: Source,
    pub rejected: Vec<String>,
}

/// The Windows version family, as far as the settings care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowsFamily {
    Windows7,
    Windows8OrLater,
}

impl WindowsFamily {
    /// From `major.minor` as `RtlGetVersion` reports it (6.1 is Windows 7).
    pub fn from_version(major: u32, minor: u32) -> Self {
        if (major, minor) <= (6, 1) {
            WindowsFamily::Windows7
        } else {
            WindowsFamily::Windows8OrLater
        }
    }
}

/// Every setting, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub disabled: Resolved<bool>,
    pub link_text: Resolved<String>,
    pub portal_url: Resolved<String>,
    pub enable_logging: Resolved<bool>,
    /// Hosts an admin allows in addition to the built-in list (`AllowedHosts`, separated by `;`).
    pub allowed_hosts: Resolved<Vec<String>>,
    /// Seconds without input before the reset window closes (`IdleTimeoutSeconds`).
    pub idle_timeout_seconds: Resolved<u32>,
}

fn dword_flag(value: &RegValue) -> Result<bool, String> {
    match value {
        RegValue::Dword(0) => Ok(false),
        RegValue::Dword(1) => Ok(true),
        RegValue::Dword(n) => Err(format!("DWORD {n} is neither 0 nor 1")),
        // Admins sometimes write "1" as REG_SZ; accept the two unambiguous spellings.
        RegValue::String(s) if s.trim() == "0" => Ok(false),
        RegValue::String(s) if s.trim() == "1" => Ok(true),
        RegValue::String(s) => Err(format!("string `{s}` is neither 0 nor 1")),
        RegValue::Other(kind) => Err(format!("registry type {kind} where a DWORD was expected")),
    }
}

fn link_text(value: &RegValue) -> Result<String, String> {
    match value {
        RegValue::String(s) => {
            let trimmed: String = s.trim().chars().filter(|c| !c.is_control()).collect();
            if trimmed.is_empty() {
                Err("empty text".to_owned())
            } else {
                Ok(trimmed.chars().take(MAX_LINK_TEXT_CHARS).collect())
            }
        }
        other => Err(format!("{other:?} where a string was expected")),
    }
}

fn portal_url(value: &RegValue) -> Result<String, String> {
    match value {
        RegValue::String(s) => {
            let url = s.trim();
            let lower = url.to_ascii_lowercase();
            match lower.strip_prefix("https://") {
                Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(url.to_owned()),
                _ => Err(format!("`{url}` is not an https:// URL")),
            }
        }
        other => Err(format!("{other:?} where a string was expected")),
    }
}

fn idle_timeout(value: &RegValue) -> Result<u32, String> {
    let seconds = match value {
        RegValue::Dword(n) => *n,
        RegValue::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("string `{s}` is not a number of seconds"))?,
        RegValue::Other(kind) => {
            return Err(format!("registry type {kind} where a DWORD was expected"))
        }
    };
    if IDLE_TIMEOUT_RANGE.contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "{seconds} s is outside {}..={} s",
            IDLE_TIMEOUT_RANGE.start(),
            IDLE_TIMEOUT_RANGE.end()
        ))
    }
}

fn host_list(value: &RegValue) -> Result<Vec<String>, String> {
    match value {
        RegValue::String(s) => Ok(s
            .split([';', ',', ' '])
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect()),
        other => Err(format!("{other:?} where a string was expected")),
    }
}

/// Looks a value up in each `(source, key)` in order; the first usable one wins. Unusable values
/// are recorded and skipped, so a broken policy value falls back rather than disabling reset.
fn lookup<T>(
    registry: &dyn RegistryRead,
    places: &[(Source, &str)],
    name: &str,
    parse: impl Fn(&RegValue) -> Result<T, String>,
    default: T,
) -> Resolved<T> {
    let mut rejected = Vec::new();
    for (source, key) in places {
        if let Some(raw) = registry.read(key, name) {
            match parse(&raw) {
                Ok(value) => {
                    return Resolved {
                        value,
                        source: *source,
                        rejected,
                    }
                }
                Err(why) => rejected.push(format!("{} {name}: {why}", source.name())),
            }
        }
    }
    Resolved {
        value: default,
        source: Source::Default,
        rejected,
    }
}

/// Resolves every setting: policy, then settings, then the default (`EnableLogging`: policy,
/// then the registration key).
pub fn resolve(registry: &dyn RegistryRead, family: WindowsFamily) -> Settings {
    let ordered = [
        (Source::Policy, POLICY_KEY),
        (Source::Settings, SETTINGS_KEY),
    ];
    let default_link = match family {
        WindowsFamily::Windows7 => DEFAULT_LINK_TEXT_WINDOWS_7,
        WindowsFamily::Windows8OrLater => DEFAULT_LINK_TEXT,
    };
    Settings {
        disabled: lookup(registry, &ordered, value::DISABLED, dword_flag, false),
        link_text: lookup(
            registry,
            &ordered,
            value::LINK_TEXT,
            link_text,
            default_link.to_owned(),
        ),
        portal_url: lookup(
            registry,
            &ordered,
            value::PORTAL_URL,
            portal_url,
            DEFAULT_PORTAL_URL.to_owned(),
        ),
        enable_logging: lookup(
            registry,
            &[
                (Source::Policy, POLICY_KEY),
                (Source::Registration, PROVIDER_KEY),
            ],
            value::ENABLE_LOGGING,
            dword_flag,
            false,
        ),
        allowed_hosts: lookup(
            registry,
            &ordered,
            value::ALLOWED_HOSTS,
            host_list,
            Vec::new(),
        ),
        idle_timeout_seconds: lookup(
            registry,
            &ordered,
            value::IDLE_TIMEOUT_SECONDS,
            idle_timeout,
            DEFAULT_IDLE_TIMEOUT_SECONDS,
        ),
    }
}

/// An in-memory registry for tests and fixtures.
#[derive(Clone, Debug, Default)]
pub struct MemoryRegistry {
    values: Vec<(String, String, RegValue)>,
}

impl MemoryRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: &str, name: &str, value: RegValue) -> Self {
        self.set(key, name, value);
        self
    }

    pub fn set(&mut self, key: &str, name: &str, value: RegValue) {
        self.values
            .retain(|(k, n, _)| !(k.eq_ignore_ascii_case(key) && n.eq_ignore_ascii_case(name)));
        self.values.push((key.to_owned(), name.to_owned(), value));
    }
}

impl RegistryRead for MemoryRegistry {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        // The registry is case-insensitive in key and value names.
        self.values
            .iter()
            .find(|(k, n, _)| k.eq_ignore_ascii_case(key) && n.eq_ignore_ascii_case(name))
            .map(|(_, _, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> RegValue {
        RegValue::String(text.to_owned())
    }

    #[test]
    fn defaults_on_an_empty_registry() {
        let settings = resolve(&MemoryRegistry::new(), WindowsFamily::Windows8OrLater);
        assert!(!settings.disabled.value);
        assert_eq!(settings.disabled.source, Source::Default);
        assert_eq!(settings.link_text.value, "Reset password");
        assert_eq!(settings.portal_url.value, DEFAULT_PORTAL_URL);
        assert!(!settings.enable_logging.value);
        assert!(settings.allowed_hosts.value.is_empty());
    }

    #[test]
    fn windows_7_gets_its_own_wording() {
        assert_eq!(WindowsFamily::from_version(6, 1), WindowsFamily::Windows7);
        assert_eq!(
            WindowsFamily::from_version(6, 3),
            WindowsFamily::Windows8OrLater
        );
        assert_eq!(
            WindowsFamily::from_version(10, 0),
            WindowsFamily::Windows8OrLater
        );
        let settings = resolve(&MemoryRegistry::new(), WindowsFamily::Windows7);
        assert_eq!(settings.link_text.value, "Forgot password?");
    }

    #[test]
    fn settings_beat_defaults_and_policy_beats_settings() {
        let registry = MemoryRegistry::new()
            .with(SETTINGS_KEY, "LinkText", s("From settings"))
            .with(SETTINGS_KEY, "PortalUrl", s("https://sspr.example.test/"))
            .with(SETTINGS_KEY, "Disabled", RegValue::Dword(0))
            .with(POLICY_KEY, "Disabled", RegValue::Dword(1));
        let settings = resolve(&registry, WindowsFamily::Windows8OrLater);
        assert_eq!(
            (settings.link_text.value.as_str(), settings.link_text.source),
            ("From settings", Source::Settings)
        );
        assert_eq!(settings.portal_url.value, "https://sspr.example.test/");
        assert_eq!(
            (settings.disabled.value, settings.disabled.source),
            (true, Source::Policy)
        );
    }

    #[test]
    fn policy_wins_even_when_it_enables() {
        let registry = MemoryRegistry::new()
            .with(SETTINGS_KEY, "Disabled", RegValue::Dword(1))
            .with(POLICY_KEY, "Disabled", RegValue::Dword(0));
        let settings = resolve(&registry, WindowsFamily::Windows8OrLater);
        assert_eq!(
            (settings.disabled.value, settings.disabled.source),
            (false, Source::Policy)
        );
    }

    #[test]
    fn unusable_values_fall_through_and_are_recorded() {
        let registry = MemoryRegistry::new()
            .with(POLICY_KEY, "PortalUrl", s("http://downgrade.example.test/"))
            .with(SETTINGS_KEY, "PortalUrl", s("https://sspr.example.test/"))
            .with(POLICY_KEY, "Disabled", RegValue::Dword(7))
            .with(SETTINGS_KEY, "LinkText", s("   "));
        let settings = resolve(&registry, WindowsFamily::Windows8OrLater);
        assert_eq!(settings.portal_url.value, "https://sspr.example.test/");
        assert_eq!(settings.portal_url.source, Source::Settings);
        assert_eq!(
            settings.portal_url.rejected,
            ["policy PortalUrl: `http://downgrade.example.test/` is not an https:// URL"]
        );
        assert_eq!(
            (settings.disabled.value, settings.disabled.source),
            (false, Source::Default)
        );
        assert_eq!(
            settings.disabled.rejected,
            ["policy Disabled: DWORD 7 is neither 0 nor 1"]
        );
        assert_eq!(settings.link_text.value, "Reset password");
        assert_eq!(
            settings.link_text.rejected,
            ["settings LinkText: empty text"]
        );
    }

    #[test]
    fn enable_logging_lives_under_the_provider_key() {
        let registry =
            MemoryRegistry::new().with(PROVIDER_KEY, "EnableLogging", RegValue::Dword(1));
        let settings = resolve(&registry, WindowsFamily::Windows8OrLater);
        assert_eq!(
            (
                settings.enable_logging.value,
                settings.enable_logging.source
            ),
            (true, Source::Registration)
        );
        let registry = registry.with(POLICY_KEY, "EnableLogging", RegValue::Dword(0));
        assert!(
            !resolve(&registry, WindowsFamily::Windows8OrLater)
                .enable_logging
                .value
        );
    }

    #[test]
    fn string_flags_and_other_types() {
        let registry = MemoryRegistry::new()
            .with(SETTINGS_KEY, "Disabled", s(" 1 "))
            .with(PROVIDER_KEY, "EnableLogging", RegValue::Other(3));
        let settings = resolve(&registry, WindowsFamily::Windows8OrLater);
        assert!(settings.disabled.value);
        assert!(!settings.enable_logging.value);
        assert_eq!(
            settings.enable_logging.rejected,
            ["registration EnableLogging: registry type 3 where a DWORD was expected"]
        );
    }

    #[test]
    fn link_text_is_cleaned_and_bounded() {
        let long = "x".repeat(200);
        let registry =
            MemoryRegistry::new().with(SETTINGS_KEY, "LinkText", s(&format!("  Reset\u{7}{long}")));
        let text = resolve(&registry, WindowsFamily::Windows8OrLater)
            .link_text
            .value;
        assert!(text.starts_with("Resetx"));
        assert_eq!(text.chars().count(), MAX_LINK_TEXT_CHARS);
    }

    #[test]
    fn allowed_hosts_split_and_lowercase() {
        let registry = MemoryRegistry::new().with(
            POLICY_KEY,
            "AllowedHosts",
            s("Login.Contoso.com; sso.contoso.com,,"),
        );
        let hosts = resolve(&registry, WindowsFamily::Windows8OrLater).allowed_hosts;
        assert_eq!(hosts.value, ["login.contoso.com", "sso.contoso.com"]);
        assert_eq!(hosts.source, Source::Policy);
    }

    #[test]
    fn idle_timeout_defaults_to_five_minutes_and_is_bounded() {
        let empty = MemoryRegistry::new();
        let resolved = resolve(&empty, WindowsFamily::Windows7).idle_timeout_seconds;
        assert_eq!((resolved.value, resolved.source), (300, Source::Default));
        let registry = MemoryRegistry::new()
            .with(POLICY_KEY, "IdleTimeoutSeconds", RegValue::Dword(5))
            .with(SETTINGS_KEY, "IdleTimeoutSeconds", s("120"));
        let resolved = resolve(&registry, WindowsFamily::Windows7).idle_timeout_seconds;
        assert_eq!((resolved.value, resolved.source), (120, Source::Settings));
        assert_eq!(
            resolved.rejected,
            ["policy IdleTimeoutSeconds: 5 s is outside 30..=3600 s"]
        );
    }

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn raw_registry_values_reduce_to_the_settings_types() {
        use sspr_registry::{REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ};
        let read = |kind: u32, bytes: &[u8]| RegValue::from(&Value::from_raw(kind, bytes));
        assert_eq!(read(REG_DWORD, &[1, 0, 0, 0]), RegValue::Dword(1));
        assert_eq!(
            read(REG_DWORD, &[0x78, 0x56, 0x34, 0x12]),
            RegValue::Dword(0x1234_5678)
        );
        assert_eq!(read(REG_DWORD, &[1, 0]), RegValue::Other(REG_DWORD));
        let mut with_nul = utf16("Reset password");
        with_nul.extend([0, 0, b'x', 0]);
        assert_eq!(
            read(REG_SZ, &with_nul),
            RegValue::String("Reset password".into())
        );
        let mut odd = utf16("ab");
        odd.push(7);
        assert_eq!(read(REG_EXPAND_SZ, &odd), RegValue::String("ab".into()));
        assert_eq!(read(REG_SZ, &[]), RegValue::String(String::new()));
        assert_eq!(read(3, &[1, 2]), RegValue::Other(3));
        assert_eq!(read(11, &[0; 8]), RegValue::Other(11));
        assert_eq!(
            read(REG_MULTI_SZ, &utf16("a\0\0")),
            RegValue::Other(REG_MULTI_SZ)
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        let registry =
            MemoryRegistry::new().with(&SETTINGS_KEY.to_uppercase(), "linktext", s("Hi"));
        assert_eq!(
            resolve(&registry, WindowsFamily::Windows8OrLater)
                .link_text
                .value,
            "Hi"
        );
    }
}
