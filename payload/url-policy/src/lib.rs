//! The reset host's navigation policy: which URLs the locked-down window may open.
//!
//! Only `https://` URLs whose host is exactly one of the allowed hosts pass: the built-in
//! Microsoft hosts ([`built_in_hosts`]), the configured portal's host, and the admin's
//! `AllowedHosts` entries. The reading is strict and denies whatever it is unsure of: no user
//! info, no IP addresses in any spelling, no single-label (intranet) hosts, no port but `:443`,
//! no non-ASCII or percent-encoded hosts, no control characters or spaces anywhere. Two more
//! rules come from how the sign-in pages behave:
//!
//! - a URL whose query or fragment carries a URL (in any parameter, as written or
//!   percent-decoded once or twice) that the policy would not open as a page is refused: the
//!   allowed hosts redirect wherever `redirect_uri`, `wreply` and friends say;
//! - the CDN hosts ([`SUBRESOURCE_ONLY_HOSTS`]) serve scripts, styles and images: they pass
//!   [`Policy::check_subresource`], never [`Policy::check`] (a page).
//!
//! Pure and platform-neutral, so every rule is tested on Linux and fuzzed (`cargo xtask fuzz`).
#![forbid(unsafe_code)]

pub mod corpus;
mod hosts;
mod parse;
mod redirect;
mod verdict;

pub use crate::hosts::{built_in_hosts, BUILT_IN_PAGE_HOSTS, SUBRESOURCE_ONLY_HOSTS};
pub use crate::verdict::{Deny, DenyKind, Verdict};

use crate::parse::HttpsUrl;
use crate::verdict::quoted;

/// How many URLs a chain may hold: the URL itself and the URLs carried in its parameters, in
/// theirs, ... A longer chain is refused rather than followed further.
const MAX_NESTED_URLS: usize = 3;

/// What the browser is loading a URL as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    /// A document: the top-level page or a frame's. Only page hosts.
    Page,
    /// A script, style sheet, image or font the page asks for: the CDN hosts too.
    Subresource,
}

/// The allowed hosts, ready to [`check`](Policy::check) URLs against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Built-ins first, then the portal's host, then the admin's; no duplicates.
    hosts: Vec<String>,
    portal_host: String,
}

/// A loaded policy, and the admin host entries it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub policy: Policy,
    /// `(entry as given, reason)` for each `AllowedHosts` entry that was ignored.
    pub ignored_hosts: Vec<(String, String)>,
}

impl Policy {
    /// Builds the policy for `portal_url`, which must itself pass the URL rules (https, no user
    /// info, no IP address, no port but 443, ...); its host joins the allowed list.
    /// `admin_hosts` are the `AllowedHosts` entries (lower-cased and split by the settings
    /// crate); each must be a plain DNS host name (no scheme, port, wildcard, path or IP
    /// address; ASCII, valid labels), or it is ignored with a reason.
    pub fn load(portal_url: &str, admin_hosts: &[String]) -> Result<Loaded, Deny> {
        let portal = HttpsUrl::parse(portal_url)?;
        portal.check_rest()?;
        let mut hosts: Vec<String> = built_in_hosts().map(str::to_owned).collect();
        add_unique(&mut hosts, portal.host.clone());
        let mut ignored_hosts = Vec::new();
        for entry in admin_hosts {
            match hosts::admin_host(entry) {
                Ok(host) => add_unique(&mut hosts, host),
                Err(reason) => ignored_hosts.push((entry.clone(), reason)),
            }
        }
        let policy = Policy {
            hosts,
            portal_host: portal.host,
        };
        // The portal URL's own parameters follow the open-redirect rule like any page's.
        policy.decide(portal_url, Load::Page, 0)?;
        Ok(Loaded {
            policy,
            ignored_hosts,
        })
    }

    /// Decides whether the window may open `url` as a page (the top-level document or a
    /// frame's): every navigation, redirects included, goes through this.
    pub fn check(&self, url: &str) -> Verdict {
        verdict(self.decide(url, Load::Page, 0))
    }

    /// Decides whether a page may load `url` as a script, style sheet, image or font: the
    /// page rules, plus the CDN hosts ([`SUBRESOURCE_ONLY_HOSTS`]).
    pub fn check_subresource(&self, url: &str) -> Verdict {
        verdict(self.decide(url, Load::Subresource, 0))
    }

    fn decide(&self, url: &str, load: Load, depth: usize) -> Result<String, Deny> {
        let parsed = HttpsUrl::parse(url)?;
        if !self.hosts.contains(&parsed.host) {
            return Err(Deny::new(
                DenyKind::HostNotAllowed,
                format!("host `{}` is not on the allowed list", quoted(&parsed.host)),
            ));
        }
        if load == Load::Page && self.is_subresource_only(&parsed.host) {
            return Err(Deny::new(
                DenyKind::SubresourceOnly,
                format!(
                    "host `{}` serves scripts and images only, never a page",
                    parsed.host
                ),
            ));
        }
        parsed.check_rest()?;
        self.check_carried_urls(parsed.rest(), depth)?;
        Ok(parsed.host)
    }

    /// Refuses the URL when a parameter of its query or fragment carries a URL this policy
    /// would not open as a page: the open redirects of allowed hosts.
    fn check_carried_urls(&self, rest: &str, depth: usize) -> Result<(), Deny> {
        for carried in redirect::carried_urls(rest) {
            let parameter = quoted(&carried.parameter);
            let encoding = match carried.decoded {
                0 => "",
                1 => ", once percent-decoded",
                _ => ", twice percent-decoded",
            };
            if depth + 1 >= MAX_NESTED_URLS {
                return Err(Deny::new(
                    DenyKind::OpenRedirect,
                    format!(
                        "parameter `{parameter}` carries a URL{encoding} in a chain of more \
                         than {MAX_NESTED_URLS} nested URLs"
                    ),
                ));
            }
            if let Err(inner) = self.decide(&carried.url, Load::Page, depth + 1) {
                return Err(Deny::new(
                    DenyKind::OpenRedirect,
                    format!(
                        "parameter `{parameter}` carries the URL `{}`{encoding}, which is not \
                         allowed as a page ({}: {})",
                        quoted(&carried.url),
                        inner.kind.name(),
                        shortened(&inner.detail)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A CDN host that is not also the portal's.
    fn is_subresource_only(&self, host: &str) -> bool {
        host != self.portal_host && SUBRESOURCE_ONLY_HOSTS.contains(&host)
    }

    /// The effective allowed hosts: built-ins first, then the portal's, then the admin's; no
    /// duplicates.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The portal URL's host, lower-cased.
    pub fn portal_host(&self) -> &str {
        &self.portal_host
    }
}

/// Longest inner detail repeated in an open-redirect refusal, so nesting keeps lines short.
const INNER_DETAIL_LIMIT: usize = 160;

/// `detail` (printable ASCII) cut to [`INNER_DETAIL_LIMIT`] bytes with `...`.
fn shortened(detail: &str) -> String {
    match detail.get(..INNER_DETAIL_LIMIT) {
        Some(head) if detail.len() > INNER_DETAIL_LIMIT => format!("{head}..."),
        _ => detail.to_owned(),
    }
}

fn verdict(decision: Result<String, Deny>) -> Verdict {
    match decision {
        Ok(host) => Verdict::Allow { host },
        Err(deny) => Verdict::Deny(deny),
    }
}

fn add_unique(hosts: &mut Vec<String>, host: String) {
    if !hosts.contains(&host) {
        hosts.push(host);
    }
}
