//! Fuzzes the navigation policy against an independent oracle: whatever `check` allows must
//! look, byte for byte, like `https://<listed host>[:443]` followed by the end, `/`, `?` or
//! `#`, with no user info, control characters or non-ASCII. The same input is also loaded as
//! an admin host entry and as a portal URL. Run with `cargo xtask fuzz`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sspr_url_policy::{Deny, Policy, Verdict, BUILT_IN_HOSTS};

const PORTAL: &str = "https://sspr.contoso.com/reset";
const PORTAL_HOST: &str = "sspr.contoso.com";
const ADMIN_HOSTS: [&str; 3] = ["login.contoso.com", "xn--80ak6aa92e.com", "sspr"];

/// The allowed list written out independently of the crate's loading code.
fn expected_hosts() -> Vec<String> {
    BUILT_IN_HOSTS
        .iter()
        .chain([PORTAL_HOST].iter())
        .chain(ADMIN_HOSTS.iter())
        .map(|h| (*h).to_owned())
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
});

fn check_url(url: &str) {
    let policy = policy();
    match policy.check(url) {
        Verdict::Allow { host } => {
            oracle_allows(&expected_hosts(), url, &host);
            // Nothing in a fragment changes the host.
            if !url.contains('#') {
                let with_fragment = format!("{url}#@evil.test\\");
                assert_eq!(
                    policy.check(&with_fragment),
                    Verdict::Allow { host },
                    "{with_fragment:?}"
                );
            }
        }
        Verdict::Deny(deny) => assert_loggable(&deny),
    }
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

/// The other direction: a plain printable path on an allowed host is never refused.
fn safe_path_is_allowed(input: &str) {
    if input.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
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
    let base = BUILT_IN_HOSTS.len() + 1;
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
            let last = host.rsplit('.').next().unwrap_or(&host);
            let hex = last
                .strip_prefix("0x")
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(
                !last.bytes().all(|b| b.is_ascii_digit()) && !hex,
                "accepted what a browser reads as an IPv4 address: {input:?}"
            );
            // An accepted host round-trips: its root URL is allowed.
            assert_eq!(
                loaded.policy.check(&format!("https://{input}/")),
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
            let mut hosts: Vec<String> = BUILT_IN_HOSTS.iter().map(|h| (*h).to_owned()).collect();
            if !hosts.contains(&host) {
                hosts.push(host.clone());
            }
            oracle_allows(&hosts, input, &host);
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
