//! Open-redirect detection: the URLs a query or fragment carries. Allowed hosts (Entra sign-in,
//! AD FS, the portal) redirect wherever a parameter tells them (`redirect_uri`, `wreply`,
//! `post_logout_redirect_uri`, `ru`, `returnUrl`, ...), so a URL on an allowed host that names
//! a URL on another host is as good as that other URL. Every parameter counts, whatever its
//! name, and each is read as written, percent-decoded once and decoded twice.

use crate::parse::is_scheme;

/// How many times a parameter is percent-decoded before it is looked at again.
const DECODE_ROUNDS: usize = 2;

/// Schemes that run script, show local content or start a Windows protocol handler without
/// naming a host: refused in a parameter whatever comes after them (a page that assigns a
/// parameter to `location`, or a server that redirects to it, would open them).
const HANDLER_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "livescript",
    "data",
    "file",
    "res",
    "mk",
    "its",
    "ms-its",
    "ms-help",
    "hcp",
    "about",
    "shell",
    "view-source",
    "search-ms",
    "ms-settings",
    "ms-msdt",
];

/// One URL found in a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Carried {
    /// The parameter's name (or the whole piece when it has no `=`), escaped by the caller.
    pub parameter: String,
    /// The URL, normalised to `scheme://...` (`https:` added to a scheme-relative one).
    pub url: String,
    /// How many percent-decoding rounds revealed it (0: as written).
    pub decoded: usize,
}

/// Every absolute URL the query and fragment of `rest` (the part of a URL after its
/// authority) carry, in order of appearance.
pub(crate) fn carried_urls(rest: &str) -> Vec<Carried> {
    let Some(start) = rest.find(['?', '#']) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // `&` and `;` separate parameters; `?` and `#` start a nested query inside a fragment
    // (`#/page?returnUrl=...`), which single-page applications read too.
    for piece in rest[start..].split(['?', '#', '&', ';']) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        for text in [name, value] {
            if let Some((url, decoded)) = url_in(text) {
                found.push(Carried {
                    parameter: name.to_owned(),
                    url,
                    decoded,
                });
            }
        }
    }
    found
}

/// The absolute URL `text` is, as written or after one or two rounds of percent-decoding.
fn url_in(text: &str) -> Option<(String, usize)> {
    let mut current = text.to_owned();
    for round in 0..=DECODE_ROUNDS {
        if let Some(url) = absolute_url(&current) {
            return Some((url, round));
        }
        let next = percent_decode(&current);
        if next == current {
            break;
        }
        current = next;
    }
    None
}

/// `text` as a URL with a host (`scheme://host...`, any mix of `/` and `\` as browsers read
/// them, or scheme-relative `//host...`), normalised to `scheme://...`; or one of the [`HANDLER_SCHEMES`].
fn absolute_url(text: &str) -> Option<String> {
    // Browsers drop leading spaces and controls before the scheme.
    let text = text.trim_start_matches(|c: char| c.is_ascii_control() || c == ' ' || c == '+');
    if let Some(after) = strip_two_slashes(text) {
        return Some(format!("https://{after}"));
    }
    let (scheme, after) = text.split_once(':')?;
    if !is_scheme(scheme) {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    if let Some(after) = strip_two_slashes(after) {
        return Some(format!("{scheme}://{after}"));
    }
    HANDLER_SCHEMES
        .contains(&scheme.as_str())
        .then(|| format!("{scheme}:{after}"))
}

/// What follows two or more leading separators, each `/` or `\\`: browsers skip any number of
/// them before the host of an http(s) URL.
fn strip_two_slashes(text: &str) -> Option<&str> {
    let after = text.trim_start_matches(['/', '\\']);
    (text.len() - after.len() >= 2).then_some(after)
}

/// One round of `%XX` decoding; anything else (a lone `%`, bad hex) stays as it is. Bytes that
/// do not form UTF-8 become U+FFFD, which no allowed URL contains.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|pair| {
                let pair = std::str::from_utf8(pair).ok()?;
                u8::from_str_radix(pair, 16).ok()
            });
            if let Some(decoded) = hex {
                out.push(decoded);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(rest: &str) -> Vec<(String, String, usize)> {
        carried_urls(rest)
            .into_iter()
            .map(|c| (c.parameter, c.url, c.decoded))
            .collect()
    }

    #[test]
    fn a_plain_parameter_carries_its_url() {
        assert_eq!(
            urls("/authorize?client_id=x&redirect_uri=https://evil.test/&state=1"),
            [(
                "redirect_uri".to_owned(),
                "https://evil.test/".to_owned(),
                0
            )]
        );
    }

    #[test]
    fn encoded_once_and_twice_are_found_three_times_is_not() {
        assert_eq!(
            urls("?wreply=https%3a%2f%2fevil.test%2f"),
            [("wreply".to_owned(), "https://evil.test/".to_owned(), 1)]
        );
        assert_eq!(
            urls("?ru=https%253A%252F%252Fevil.test"),
            [("ru".to_owned(), "https://evil.test".to_owned(), 2)]
        );
        assert_eq!(urls("?ru=https%25253A%25252F%25252Fevil.test"), []);
    }

    #[test]
    fn scheme_relative_and_backslash_forms_are_urls() {
        assert_eq!(
            urls("?returnUrl=//evil.test"),
            [("returnUrl".to_owned(), "https://evil.test".to_owned(), 0)]
        );
        assert_eq!(
            urls(r"?next=/\evil.test"),
            [("next".to_owned(), "https://evil.test".to_owned(), 0)]
        );
        assert_eq!(
            urls(r"?next=https:\/\/evil.test"),
            [("next".to_owned(), r"https://evil.test".to_owned(), 0)]
        );
    }

    #[test]
    fn fragments_and_nested_queries_count() {
        assert_eq!(
            urls("/#/reset?returnUrl=http://evil.test"),
            [("returnUrl".to_owned(), "http://evil.test".to_owned(), 0)]
        );
        assert_eq!(
            urls("?#https://evil.test"),
            [(
                "https://evil.test".to_owned(),
                "https://evil.test".to_owned(),
                0
            )]
        );
    }

    #[test]
    fn script_schemes_count_without_a_host() {
        assert_eq!(
            urls("?ru=javascript:alert(1)"),
            [("ru".to_owned(), "javascript:alert(1)".to_owned(), 0)]
        );
        assert_eq!(
            urls("?ru=%20JavaScript%3aalert(1)"),
            [("ru".to_owned(), "javascript:alert(1)".to_owned(), 1)]
        );
    }

    #[test]
    fn ordinary_values_carry_nothing() {
        assert_eq!(
            urls("/x?scope=openid%20profile&nonce=abc:def&state=a/b&path=/reset"),
            []
        );
        assert_eq!(urls("/no/query/https://evil.test"), []);
        assert_eq!(urls("?urn=urn:ietf:params:oauth"), []);
    }

    #[test]
    fn decoding_leaves_bad_escapes_alone() {
        assert_eq!(percent_decode("%2F%zz%4%"), "/%zz%4%");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
