//! What a check decides: a [`Verdict`], and for a refusal the [`Deny`] with its [`DenyKind`].

use std::fmt;

/// Why a URL is refused. Each kind has a stable snake_case [`name`](DenyKind::name) for logs
/// and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DenyKind {
    /// Not an absolute URL: no scheme, or scheme-relative (`//host/`).
    NoScheme,
    /// A scheme other than `https`: `http:`, `javascript:`, `file:`, `res:`, `data:`, ...
    NotHttps,
    /// Empty, or `https:` not followed by exactly `//`.
    Malformed,
    /// A control character, space or tab anywhere (URL parsers silently drop tabs and newlines).
    ControlOrSpace,
    /// A non-ASCII character in the path, query or fragment (a browser sends them encoded).
    NonAscii,
    /// A user name or password (`@`) in the authority.
    UserInfo,
    /// An IPv4 address in any form a browser accepts, or an IPv6 `[...]` literal.
    IpLiteral,
    /// An explicit port other than `:443`, including an empty one.
    Port,
    /// A non-ASCII host (IDN look-alikes, fullwidth dots): only the punycode form can match.
    NonAsciiHost,
    /// Percent-encoding in the host.
    PercentEncodedHost,
    /// A host that is not a DNS name: empty, empty label, bad character, label too long.
    InvalidHost,
    /// A host ending in `.`: browsers treat it as a different origin, so it never matches.
    TrailingDot,
    /// A backslash before the query: browsers read it as `/`, other parsers may not.
    Backslash,
    /// A well-formed https URL whose host is not on the allowed list.
    HostNotAllowed,
    /// A host without a dot: Internet Explorer's Local intranet zone, where it signs in with
    /// the machine's credentials.
    SingleLabelHost,
    /// A CDN host, which may serve a page's scripts and images but never a page.
    SubresourceOnly,
    /// A parameter of the query or fragment carries a URL the policy would not open as a page
    /// (an open redirect on an allowed host).
    OpenRedirect,
}

impl DenyKind {
    /// Every kind, in declaration order.
    pub const ALL: [DenyKind; 17] = [
        DenyKind::NoScheme,
        DenyKind::NotHttps,
        DenyKind::Malformed,
        DenyKind::ControlOrSpace,
        DenyKind::NonAscii,
        DenyKind::UserInfo,
        DenyKind::IpLiteral,
        DenyKind::Port,
        DenyKind::NonAsciiHost,
        DenyKind::PercentEncodedHost,
        DenyKind::InvalidHost,
        DenyKind::TrailingDot,
        DenyKind::Backslash,
        DenyKind::HostNotAllowed,
        DenyKind::SingleLabelHost,
        DenyKind::SubresourceOnly,
        DenyKind::OpenRedirect,
    ];

    /// The stable snake_case name logs and JSON use.
    pub fn name(&self) -> &'static str {
        match self {
            DenyKind::NoScheme => "no_scheme",
            DenyKind::NotHttps => "not_https",
            DenyKind::Malformed => "malformed",
            DenyKind::ControlOrSpace => "control_or_space",
            DenyKind::NonAscii => "non_ascii",
            DenyKind::UserInfo => "user_info",
            DenyKind::IpLiteral => "ip_literal",
            DenyKind::Port => "port",
            DenyKind::NonAsciiHost => "non_ascii_host",
            DenyKind::PercentEncodedHost => "percent_encoded_host",
            DenyKind::InvalidHost => "invalid_host",
            DenyKind::TrailingDot => "trailing_dot",
            DenyKind::Backslash => "backslash",
            DenyKind::HostNotAllowed => "host_not_allowed",
            DenyKind::SingleLabelHost => "single_label_host",
            DenyKind::SubresourceOnly => "subresource_only",
            DenyKind::OpenRedirect => "open_redirect",
        }
    }
}

impl fmt::Display for DenyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused URL: the kind of refusal and one human line about it. The detail is printable
/// ASCII only (input is escaped), so it can go to a log as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deny {
    pub kind: DenyKind,
    pub detail: String,
}

impl Deny {
    pub(crate) fn new(kind: DenyKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Deny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied: {}", self.detail)
    }
}

impl std::error::Error for Deny {}

/// The outcome of [`Policy::check`](crate::Policy::check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The URL may be opened; `host` is its host, lower-cased.
    Allow {
        host: String,
    },
    Deny(Deny),
}

impl Verdict {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allow { .. })
    }

    /// The refusal, if it is one.
    pub fn deny(&self) -> Option<&Deny> {
        match self {
            Verdict::Allow { .. } => None,
            Verdict::Deny(deny) => Some(deny),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Allow { host } => write!(f, "allowed: host `{host}`"),
            Verdict::Deny(deny) => deny.fmt(f),
        }
    }
}

/// Longest piece of input quoted in a detail line, in bytes once escaped.
const QUOTE_LIMIT: usize = 100;

/// `text` made safe for a one-line log: ASCII controls, backticks and every non-ASCII
/// character become `\u{..}` escapes (so a Cyrillic a, U+0430, shows as `\u{430}`), and long input is
/// cut with `...`, so a detail line stays short whatever the input.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let shown: String = if (c.is_ascii_graphic() && c != '`') || c == ' ' {
            c.to_string()
        } else {
            c.escape_unicode().collect()
        };
        if out.len() + shown.len() > QUOTE_LIMIT {
            out.push_str("...");
            break;
        }
        out.push_str(&shown);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case() {
        let names: Vec<&str> = DenyKind::ALL.iter().map(DenyKind::name).collect();
        for name in &names {
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name}");
        }
    }

    #[test]
    fn quoting_escapes_what_could_fool_a_log_reader() {
        assert_eq!(quoted("p\u{430}ss"), r"p\u{430}ss");
        assert_eq!(quoted("a`b\nc"), r"a\u{60}b\u{a}c");
        assert_eq!(quoted(&"x".repeat(100)), "x".repeat(100));
        assert_eq!(quoted(&"x".repeat(101)), format!("{}...", "x".repeat(100)));
        assert_eq!(
            quoted(&"\u{fffd}".repeat(50)),
            format!("{}...", r"\u{fffd}".repeat(12))
        );
    }
}
