//! Host names: the built-in allowed hosts, the syntax every host must have (a plain ASCII DNS
//! name, never an IP address in any spelling), and the check of the admin's `AllowedHosts` entries.

use crate::verdict::quoted;

/// The built-in hosts the reset window may show as pages (docs/design.md, "The reset window
/// and its sandbox"). Each is needed by Microsoft's password-reset flow itself; any other page
/// must be on the portal's host or an admin's entry.
pub const BUILT_IN_PAGE_HOSTS: &[&str] = &[
    // The Microsoft Entra self-service password reset portal: the default `PortalUrl`.
    "passwordreset.microsoftonline.com",
    // Entra sign-in: the portal sends the user here to prove who they are, and back.
    "login.microsoftonline.com",
];

/// The built-in hosts that serve only scripts, styles, fonts and images: a page may load from
/// them, but the window never shows one of their URLs as a page (a CDN that hosts any
/// customer's files would otherwise be a way to a page of anyone's making).
pub const SUBRESOURCE_ONLY_HOSTS: &[&str] = &[
    // Microsoft's script CDN: the reset portal loads its jQuery and Knockout from here.
    "ajax.aspnetcdn.com",
    // The sign-in page's scripts and styles. Microsoft serves them from two CDN domains and
    // the page falls back from one to the other, so both are needed.
    "aadcdn.msauth.net",
    "aadcdn.msftauth.net",
    // The tenant's company branding (logo, background) shown on the sign-in page, again from
    // a pair of CDN domains.
    "aadcdn.msauthimages.net",
    "aadcdn.msftauthimages.net",
    // Shared sign-in assets (the Microsoft logo, fonts, default backgrounds), same pairing.
    "logincdn.msauth.net",
    "logincdn.msftauth.net",
];

/// Every built-in host: the pages, then the CDNs.
pub fn built_in_hosts() -> impl Iterator<Item = &'static str> {
    BUILT_IN_PAGE_HOSTS
        .iter()
        .chain(SUBRESOURCE_ONLY_HOSTS)
        .copied()
}

/// The longest host name DNS allows, in characters (without a trailing dot).
const MAX_HOST_LEN: usize = 253;
/// The longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// Why a host name is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostError {
    Empty,
    NonAscii,
    PercentEncoded,
    /// Browsers read it as an IPv4 address (its last label is a number).
    IpLiteral,
    TrailingDot,
    EmptyLabel,
    /// A character outside letters, digits, `-` and `.`.
    BadCharacter(char),
    LabelTooLong,
    HyphenAtLabelEdge,
    TooLong,
}

/// Checks that `host` is a plain ASCII DNS name (letters, digits, hyphens; dot-separated,
/// non-empty labels of at most 63 characters, no leading or trailing hyphen) that no browser
/// would read as an IP address. Case is not checked: callers lower-case.
pub(crate) fn check_syntax(host: &str) -> Result<(), HostError> {
    if host.is_empty() {
        return Err(HostError::Empty);
    }
    if !host.is_ascii() {
        return Err(HostError::NonAscii);
    }
    if host.contains('%') {
        return Err(HostError::PercentEncoded);
    }
    if ends_in_a_number(host) {
        return Err(HostError::IpLiteral);
    }
    if host.len() > 1 && host.ends_with('.') {
        return Err(HostError::TrailingDot);
    }
    if host.len() > MAX_HOST_LEN {
        return Err(HostError::TooLong);
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(HostError::EmptyLabel);
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(HostError::BadCharacter(c));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostError::LabelTooLong);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostError::HyphenAtLabelEdge);
        }
    }
    Ok(())
}

/// The WHATWG URL standard's "ends in a number" test: when the last label (ignoring one
/// trailing dot) is decimal digits or `0x` hex, a browser parses the whole host as IPv4, with
/// octal, hex and fewer-than-four-part forms (`0x7f.1`, `3232235521`, `0300.0250.0.1`).
pub(crate) fn ends_in_a_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    if last.is_empty() {
        return false;
    }
    match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// A host without a dot (`sspr`, `localhost`): Internet Explorer maps such names to the Local
/// intranet zone, where it signs in with the machine's Windows credentials.
pub(crate) fn is_single_label(host: &str) -> bool {
    !host.contains('.')
}

/// Checks one `AllowedHosts` entry: a plain host name, nothing around it. Returns it
/// lower-cased, or the reason it is ignored, worded for the admin who wrote it.
pub(crate) fn admin_host(entry: &str) -> Result<String, String> {
    if entry.is_empty() {
        return Err("empty entry".to_owned());
    }
    if entry.contains("://") {
        return Err("has a scheme: give the host name only, e.g. `sspr.contoso.com`".to_owned());
    }
    if entry.contains('*') {
        return Err("wildcards are not supported: list each host name".to_owned());
    }
    if entry.starts_with('[') || entry.matches(':').count() > 1 {
        return Err("is an IP address: only host names can be allowed".to_owned());
    }
    if entry.contains('@') {
        return Err("contains `@`: give the host name only, without a user name".to_owned());
    }
    if entry.contains(['/', '\\', '?', '#']) {
        return Err("contains a path: give the host name only".to_owned());
    }
    if entry.contains(':') {
        return Err(
            "has a port: only https on port 443 is allowed, give the host name only".to_owned(),
        );
    }
    check_syntax(entry).map_err(|error| admin_reason(error, entry))?;
    if is_single_label(entry) {
        return Err(
            "is a single-label name (no dot): Internet Explorer puts it in the Local intranet \
             zone and signs in to it with the machine's credentials; give the fully qualified \
             name, e.g. `sspr.contoso.com`"
                .to_owned(),
        );
    }
    Ok(entry.to_ascii_lowercase())
}

fn admin_reason(error: HostError, entry: &str) -> String {
    match error {
        HostError::Empty => "empty entry".to_owned(),
        HostError::NonAscii => {
            "is not ASCII: give the punycode (`xn--`) form of an international name".to_owned()
        }
        HostError::PercentEncoded => "contains `%`: give the host name unencoded".to_owned(),
        HostError::IpLiteral => "is an IP address: only host names can be allowed".to_owned(),
        HostError::TrailingDot => "ends with `.`: remove the trailing dot".to_owned(),
        HostError::EmptyLabel => "has an empty label (`..`, or a leading `.`)".to_owned(),
        HostError::BadCharacter(c) => format!(
            "contains `{}`: a host name has only letters, digits, `-` and `.`",
            quoted(&c.to_string())
        ),
        HostError::LabelTooLong => {
            format!(
                "has a label longer than {MAX_LABEL_LEN} characters (`{}`)",
                quoted(entry)
            )
        }
        HostError::HyphenAtLabelEdge => "has a label that starts or ends with `-`".to_owned(),
        HostError::TooLong => format!("is longer than {MAX_HOST_LEN} characters"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_hosts_are_plain_lower_case_host_names() {
        for host in built_in_hosts() {
            assert_eq!(admin_host(host).as_deref(), Ok(host));
        }
    }

    #[test]
    fn a_single_label_admin_host_is_refused() {
        assert_eq!(
            admin_host("sspr").map_err(|e| e.contains("single-label")),
            Err(true)
        );
    }

    #[test]
    fn every_ipv4_spelling_ends_in_a_number() {
        for host in [
            "192.168.0.1",
            "3232235521",
            "0x7f.1",
            "0XC0A80001",
            "0300.0250.0.1",
            "127.0.0.1.",
            "1.2.3.0x",
            "evil.test.0x1f",
            "08",
        ] {
            assert!(ends_in_a_number(host), "{host}");
        }
        for host in ["contoso.com", "1.2.3.com", "0x7f.evil", "a.0xg", "", "."] {
            assert!(!ends_in_a_number(host), "{host}");
        }
    }

    #[test]
    fn syntax_errors_are_named() {
        assert_eq!(check_syntax(""), Err(HostError::Empty));
        assert_eq!(check_syntax("."), Err(HostError::EmptyLabel));
        assert_eq!(check_syntax("a..b"), Err(HostError::EmptyLabel));
        assert_eq!(check_syntax("a.b."), Err(HostError::TrailingDot));
        assert_eq!(check_syntax("a_b.c"), Err(HostError::BadCharacter('_')));
        assert_eq!(check_syntax("-a.b"), Err(HostError::HyphenAtLabelEdge));
        assert_eq!(check_syntax("a-.b"), Err(HostError::HyphenAtLabelEdge));
        assert_eq!(
            check_syntax(&format!("{}.com", "a".repeat(64))),
            Err(HostError::LabelTooLong)
        );
        assert_eq!(check_syntax(&"a.".repeat(127)), Err(HostError::TrailingDot));
        assert_eq!(
            check_syntax(&format!("{}a", "a.".repeat(127))),
            Err(HostError::TooLong)
        );
        assert_eq!(check_syntax(&format!("{}.com", "a".repeat(63))), Ok(()));
        assert_eq!(
            check_syntax("xn--psswordreset-x9j.microsoftonline.com"),
            Ok(())
        );
        assert_eq!(check_syntax("sspr"), Ok(()));
    }
}
