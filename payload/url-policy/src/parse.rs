//! The strict reading of a URL the policy relies on. It accepts only `https://host[:443]...`
//! with a plain DNS host, and finds the host the way a browser does (the authority ends at the
//! first `/`, `\`, `?` or `#`), so no input reads as one host here and another in the browser.

use crate::hosts::{self, HostError};
use crate::verdict::{quoted, Deny, DenyKind};

/// An absolute https URL whose scheme and authority passed every rule.
#[derive(Debug)]
pub(crate) struct HttpsUrl<'a> {
    /// The host, ASCII lower-cased.
    pub host: String,
    /// Everything after the authority: empty, or starting with `/`, `\`, `?` or `#`.
    rest: &'a str,
}

impl<'a> HttpsUrl<'a> {
    /// Reads the scheme and authority of `url`; the path, query and fragment are checked
    /// separately by [`HttpsUrl::check_rest`], after the host, so a refusal names the host
    /// whenever there is one.
    pub fn parse(url: &'a str) -> Result<Self, Deny> {
        if url.is_empty() {
            return Err(Deny::new(DenyKind::Malformed, "the URL is empty"));
        }
        if let Some((at, c)) = url
            .char_indices()
            .find(|(_, c)| c.is_ascii_control() || *c == ' ')
        {
            return Err(Deny::new(
                DenyKind::ControlOrSpace,
                format!("{} at byte {at} of the URL", describe_control(c)),
            ));
        }
        let after_scheme = strip_https_scheme(url)?;
        let Some(after_slashes) = after_scheme.strip_prefix("//") else {
            return Err(Deny::new(
                DenyKind::Malformed,
                "`https:` is not followed by `//`",
            ));
        };
        let end = after_slashes
            .find(['/', '\\', '?', '#'])
            .unwrap_or(after_slashes.len());
        let (authority, rest) = after_slashes.split_at(end);
        let host = check_authority(authority)?;
        Ok(Self { host, rest })
    }

    /// Everything after the authority: empty, or starting with `/`, `\\`, `?` or `#`.
    pub fn rest(&self) -> &'a str {
        self.rest
    }

    /// The rules for what follows the host: no backslash before the query, ASCII only.
    pub fn check_rest(&self) -> Result<(), Deny> {
        let path = self.rest.split(['?', '#']).next().unwrap_or_default();
        if path.contains('\\') {
            return Err(Deny::new(
                DenyKind::Backslash,
                format!(
                    "backslash in the path after host `{}` (browsers read it as `/`, other parsers may not)",
                    self.host
                ),
            ));
        }
        if !self.rest.is_ascii() {
            return Err(Deny::new(
                DenyKind::NonAscii,
                format!(
                    "non-ASCII character in the path, query or fragment `{}`",
                    quoted(self.rest)
                ),
            ));
        }
        Ok(())
    }
}

fn describe_control(c: char) -> String {
    match c {
        '\t' => "a tab".to_owned(),
        '\n' => "a line feed".to_owned(),
        '\r' => "a carriage return".to_owned(),
        ' ' => "a space".to_owned(),
        other => format!("control character U+{:04X}", u32::from(other)),
    }
}

/// Returns what follows `https:` (any case), or why the scheme is refused.
fn strip_https_scheme(url: &str) -> Result<&str, Deny> {
    let scheme_relative = url.starts_with("//") || url.starts_with("\\\\");
    let parts = url.split_once(':').filter(|(scheme, _)| is_scheme(scheme));
    let Some((scheme, rest)) = parts else {
        let detail = if scheme_relative {
            "scheme-relative URL (starts with `//`): the scheme must be `https:`"
        } else {
            "not an absolute URL: it has no scheme"
        };
        return Err(Deny::new(DenyKind::NoScheme, detail));
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(Deny::new(
            DenyKind::NotHttps,
            format!(
                "scheme `{}` is not https",
                quoted(&scheme.to_ascii_lowercase())
            ),
        ));
    }
    Ok(rest)
}

/// RFC 3986: a letter, then letters, digits, `+`, `-`, `.`.
pub(crate) fn is_scheme(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// Checks `host[:443]` and returns the host lower-cased.
fn check_authority(authority: &str) -> Result<String, Deny> {
    if authority.contains('@') {
        return Err(Deny::new(
            DenyKind::UserInfo,
            format!(
                "user name or password (`@`) in the authority `{}`",
                quoted(authority)
            ),
        ));
    }
    if !authority.is_ascii() {
        return Err(Deny::new(
            DenyKind::NonAsciiHost,
            format!(
                "non-ASCII host `{}` (look-alike characters are refused; allow the punycode `xn--` form instead)",
                quoted(authority)
            ),
        ));
    }
    if authority.starts_with('[') {
        return Err(Deny::new(
            DenyKind::IpLiteral,
            format!("IPv6 address `{}`", quoted(authority)),
        ));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    hosts::check_syntax(host).map_err(|error| host_deny(error, host))?;
    if hosts::is_single_label(host) {
        return Err(Deny::new(
            DenyKind::SingleLabelHost,
            format!(
                "single-label host `{}` (no dot): Internet Explorer puts it in the Local \
                 intranet zone and signs in to it with the machine's credentials",
                host.to_ascii_lowercase()
            ),
        ));
    }
    match port {
        None | Some("443") => Ok(host.to_ascii_lowercase()),
        Some("") => Err(Deny::new(
            DenyKind::Port,
            format!("empty port after `{}:`", host.to_ascii_lowercase()),
        )),
        Some(port) => Err(Deny::new(
            DenyKind::Port,
            format!("port `{}` (only `:443` is allowed)", quoted(port)),
        )),
    }
}

fn host_deny(error: HostError, host: &str) -> Deny {
    let shown = quoted(host);
    match error {
        HostError::Empty => Deny::new(DenyKind::InvalidHost, "empty host"),
        HostError::NonAscii => {
            Deny::new(DenyKind::NonAsciiHost, format!("non-ASCII host `{shown}`"))
        }
        HostError::PercentEncoded => Deny::new(
            DenyKind::PercentEncodedHost,
            format!("percent-encoded host `{shown}`"),
        ),
        HostError::IpLiteral => Deny::new(
            DenyKind::IpLiteral,
            format!("IP address `{shown}` (only host names can be allowed)"),
        ),
        HostError::TrailingDot => Deny::new(
            DenyKind::TrailingDot,
            format!("host `{shown}` ends with a dot"),
        ),
        HostError::EmptyLabel => Deny::new(
            DenyKind::InvalidHost,
            format!("host `{shown}` has an empty label"),
        ),
        HostError::BadCharacter(c) => Deny::new(
            DenyKind::InvalidHost,
            format!(
                "host `{shown}` contains `{}`, which a host name cannot",
                quoted(&c.to_string())
            ),
        ),
        HostError::LabelTooLong => Deny::new(
            DenyKind::InvalidHost,
            format!("host `{shown}` has a label longer than 63 characters"),
        ),
        HostError::HyphenAtLabelEdge => Deny::new(
            DenyKind::InvalidHost,
            format!("host `{shown}` has a label that starts or ends with `-`"),
        ),
        HostError::TooLong => Deny::new(
            DenyKind::InvalidHost,
            format!("host `{shown}` is longer than 253 characters"),
        ),
    }
}
