//! Fuzzes the navigation policy against an independent oracle: whatever `check` allows must
//! look, byte for byte, like `https://<listed page host>[:443]` followed by the end, `/`, `?`
//! or `#`, with no user info, control characters or non-ASCII, and no parameter that carries a
//! URL to a host off the list. The same input is also loaded as an admin host entry and as a
//! portal URL, and used as the two things an attacker types at the sign-in screen: the user
//! name the portal address is built with (`{username}`), and the user name on the reset host's
//! command line (quoted by the provider, read back by the host). Run with `cargo xtask fuzz`.
#![no_main]

mod command_line;
mod portal;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sspr_url_policy::{built_in_hosts, Deny, DenyKind, Policy, Verdict, SUBRESOURCE_ONLY_HOSTS};

const PORTAL: &str = "https://sspr.contoso.com/reset";
const PORTAL_HOST: &str = "sspr.contoso.com";
const ADMIN_HOSTS: [&str; 3] = ["login.contoso.com", "xn--80ak6aa92e.com", "a.b"];

/// The allowed list written out independently of the crate's loading code.
fn expected_hosts() -> Vec<String> {
    built_in_hosts()
        .chain([PORTAL_HOST])
        .chain(ADMIN_HOSTS)
        .map(str::to_owned)
        .collect()
}

/// The hosts a page may be on: the list without the CDNs.
fn expected_page_hosts() -> Vec<String> {
    expected_hosts()
        .into_iter()
        .filter(|h| !SUBRESOURCE_ONLY_HOSTS.contains(&h.as_str()))
        .collect()
}

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let admin: Vec<String> = ADMIN_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        let loaded = Policy::load(PORTAL, &admin).expect("the fixed portal URL loads");
        assert!(
            loaded.ignored_hosts.is_empty(),
            "{:?}",
            loaded.ignored_hosts
        );
        assert_eq!(loaded.policy.hosts(), expected_hosts());
        loaded.policy
    })
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    check_url(&input);
    safe_path_is_allowed(&input);
    load_as_admin_host(&input);
    load_as_portal_url(&input);
    portal::user_name_in_the_portal_address(policy(), &input);
    command_line::user_name_survives_the_command_line(&input);
});

fn check_url(url: &str) {
    let policy = policy();
    match policy.check(url) {
        Verdict::Allow { host } => {
            oracle_allows(&expected_page_hosts(), url, &host);
            no_parameter_leaves(url);
            // A subresource may come from wherever a page may.
            assert_eq!(
                policy.check_subresource(url),
                Verdict::Allow { host: host.clone() },
                "{url:?}"
            );
            if !url.contains('#') {
                // Nothing in a fragment changes the host ...
                let with_fragment = format!("{url}#@evil.test\\");
                assert_eq!(
                    policy.check(&with_fragment),
                    Verdict::Allow { host },
                    "{with_fragment:?}"
                );
                // ... but a URL to another host in it is an open redirect, however encoded.
                for carried in [
                    "https://evil.test/",
                    "%2f%2fevil.test",
                    "https%253a%252f%252fevil.test",
                ] {
                    let with_redirect = format!("{url}#ru={carried}");
                    assert_eq!(
                        policy.check(&with_redirect).deny().map(|d| d.kind),
                        Some(DenyKind::OpenRedirect),
                        "{with_redirect:?}"
                    );
                }
            }
        }
        Verdict::Deny(deny) => {
            assert_loggable(&deny);
            if let Verdict::Allow { host } = policy.check_subresource(url) {
                oracle_allows(&expected_hosts(), url, &host);
            }
        }
    }
}

/// The open-redirect oracle, written apart from the crate's scanner: split the query and
/// fragment at `?#&;`, take each side of the first `=`, percent-decode it up to twice, drop
/// leading blanks; where that starts with `//` (any mix of `/` and `\\`), optionally after a
/// scheme, the host that follows must be a page host.
fn no_parameter_leaves(url: &str) {
    let Some(start) = url.find(['?', '#']) else {
        return;
    };
    let pages = expected_page_hosts();
    for piece in url[start..].split(['?', '#', '&', ';']) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        for side in [name, value] {
            let once = decode(side);
            let twice = decode(&once);
            for text in [side.to_owned(), once, twice] {
                let text = text.trim_start_matches(|c: char| c <= ' ' || c == '+');
                let after_scheme = match text.split_once(':') {
                    // RFC 3986, section 3.1: a scheme is a letter, then letters, digits, `+-.`;
                    // anything else before the `:` makes the value a relative reference.
                    Some((scheme, after))
                        if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                            && scheme
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
                    {
                        after
                    }
                    _ => text,
                };
                let authority = after_scheme.trim_start_matches(['/', '\\']);
                if after_scheme.len() - authority.len() < 2 {
                    continue;
                }
                let host_end = authority
                    .find(['/', '\\', '?', '#'])
                    .unwrap_or(authority.len());
                let host = authority[..host_end].to_ascii_lowercase();
                let host = host.strip_suffix(":443").unwrap_or(&host);
                assert!(
                    pages.iter().any(|p| p == host),
                    "allowed {url:?}, whose parameter {side:?} carries a URL to {host:?}"
                );
            }
        }
    }
}

fn decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The independent oracle for an allowed `url` whose reported host is `host`.
fn oracle_allows(hosts: &[String], url: &str, host: &str) {
    let bytes = url.as_bytes();
    assert!(url.is_ascii(), "allowed non-ASCII: {url:?}");
    assert!(
        !bytes.iter().any(|b| b.is_ascii_control() || *b == b' '),
        "allowed a control character or space: {url:?}"
    );
    let scheme_ok = bytes
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"https://"));
    assert!(scheme_ok, "allowed without https://: {url:?}");
    let after = &bytes[8..];

    assert!(
        hosts.iter().any(|h| h == host),
        "reported host {host:?} is not listed"
    );
    assert!(
        after
            .get(..host.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(host.as_bytes())),
        "reported host {host:?} is not what follows https://: {url:?}"
    );
    let rest = &after[host.len()..];
    let rest = rest.strip_prefix(b":443").unwrap_or(rest);
    assert!(
        rest.first().is_none_or(|b| matches!(b, b'/' | b'?' | b'#')),
        "host {host:?} is followed by something other than end, :443, /, ? or #: {url:?}"
    );

    let authority_end = after
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
        .unwrap_or(after.len());
    assert!(
        !after[..authority_end].contains(&b'@'),
        "allowed user info: {url:?}"
    );
    let path_end = rest
        .iter()
        .position(|b| matches!(b, b'?' | b'#'))
        .unwrap_or(rest.len());
    assert!(
        !rest[..path_end].contains(&b'\\'),
        "allowed a backslash in the path: {url:?}"
    );
}

/// The other direction: a plain printable path on an allowed host, with no query or fragment
/// (where a carried URL could be), is never refused.
fn safe_path_is_allowed(input: &str) {
    if input
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"\\?#".contains(&b))
    {
        let url = format!("https://passwordreset.microsoftonline.com/{input}");
        assert_eq!(
            policy().check(&url),
            Verdict::Allow {
                host: "passwordreset.microsoftonline.com".to_owned()
            },
            "{url:?}"
        );
    }
}

fn load_as_admin_host(input: &str) {
    let loaded = Policy::load(PORTAL, &[input.to_owned()]).expect("the fixed portal URL loads");
    let base = built_in_hosts().count() + 1;
    match loaded.ignored_hosts.as_slice() {
        [] => {
            let host = input.to_ascii_lowercase();
            let hosts = loaded.policy.hosts();
            assert!(hosts.contains(&host), "accepted {input:?} but not listed");
            assert!(hosts.len() == base || hosts.len() == base + 1);
            assert!(
                host.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'.'),
                "accepted a host with odd characters: {input:?}"
            );
            assert!(!host.starts_with('.') && !host.ends_with('.') && !host.contains(".."));
            assert!(
                host.contains('.'),
                "accepted a single-label host: {input:?}"
            );
            let last = host.rsplit('.').next().unwrap_or(&host);
            let hex = last
                .strip_prefix("0x")
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(
                !last.bytes().all(|b| b.is_ascii_digit()) && !hex,
                "accepted what a browser reads as an IPv4 address: {input:?}"
            );
            // An accepted host round-trips: its root URL is allowed, as a page unless the
            // entry names a CDN host, which stays subresource-only.
            let url = format!("https://{input}/");
            let verdict = if SUBRESOURCE_ONLY_HOSTS.contains(&host.as_str()) {
                loaded.policy.check_subresource(&url)
            } else {
                loaded.policy.check(&url)
            };
            assert_eq!(
                verdict,
                Verdict::Allow { host },
                "accepted {input:?} but its URL is refused"
            );
        }
        [(entry, reason)] => {
            assert_eq!(entry, input);
            assert!(!reason.is_empty());
            assert_eq!(loaded.policy.hosts().len(), base);
        }
        more => panic!("one entry, {} refusals: {more:?}", more.len()),
    }
}

fn load_as_portal_url(input: &str) {
    match Policy::load(input, &[]) {
        Ok(loaded) => {
            let policy = &loaded.policy;
            let host = policy.portal_host().to_owned();
            assert!(
                policy.hosts().contains(&host),
                "portal host {host:?} not listed"
            );
            assert_eq!(policy.check(input), Verdict::Allow { host: host.clone() });
            let mut hosts: Vec<String> = built_in_hosts().map(str::to_owned).collect();
            if !hosts.contains(&host) {
                hosts.push(host.clone());
            }
            oracle_allows(&hosts, input, &host);
            assert!(
                host.contains('.'),
                "a single-label portal loaded: {input:?}"
            );
        }
        Err(deny) => {
            assert_loggable(&deny);
            // A URL the URL rules refuse is refused whatever the allowed list.
            assert!(!policy().check(input).is_allowed(), "{input:?}: {deny}");
        }
    }
}

/// A refusal is one printable ASCII line of bounded length: safe to log as it is.
fn assert_loggable(deny: &Deny) {
    let line = deny.to_string();
    assert!(line.starts_with("denied: "));
    assert!(
        line.bytes().all(|b| (b' '..=b'~').contains(&b)) && line.len() <= 600,
        "unloggable: {line:?}"
    );
    assert!(!deny.kind.name().is_empty());
}
