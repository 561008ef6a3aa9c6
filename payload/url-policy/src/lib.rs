//! The reset host's navigation policy: which URLs the locked-down window may open.
//!
//! Only `https://` URLs whose host is exactly one of the allowed hosts pass: the built-in
//! Microsoft hosts ([`BUILT_IN_HOSTS`]), the configured portal's host, and the admin's
//! `AllowedHosts` entries. The reading is strict and denies whatever it is unsure of: no user
//! info, no IP addresses in any spelling, no port but `:443`, no non-ASCII or percent-encoded
//! hosts, no control characters or spaces anywhere. Pure and platform-neutral, so every rule is
//! tested on Linux and fuzzed (`cargo xtask fuzz`).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod hosts;
mod parse;
mod verdict;

pub use crate::hosts::BUILT_IN_HOSTS;
pub use crate::verdict::{Deny, DenyKind, Verdict};

use crate::parse::HttpsUrl;
use crate::verdict::quoted;

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
        let mut hosts: Vec<String> = BUILT_IN_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        add_unique(&mut hosts, portal.host.clone());
        let mut ignored_hosts = Vec::new();
        for entry in admin_hosts {
            match hosts::admin_host(entry) {
                Ok(host) => add_unique(&mut hosts, host),
                Err(reason) => ignored_hosts.push((entry.clone(), reason)),
            }
        }
        Ok(Loaded {
            policy: Policy {
                hosts,
                portal_host: portal.host,
            },
            ignored_hosts,
        })
    }

    /// Decides whether the window may open `url`.
    pub fn check(&self, url: &str) -> Verdict {
        match self.decide(url) {
            Ok(host) => Verdict::Allow { host },
            Err(deny) => Verdict::Deny(deny),
        }
    }

    fn decide(&self, url: &str) -> Result<String, Deny> {
        let parsed = HttpsUrl::parse(url)?;
        if !self.hosts.contains(&parsed.host) {
            return Err(Deny::new(
                DenyKind::HostNotAllowed,
                format!("host `{}` is not on the allowed list", quoted(&parsed.host)),
            ));
        }
        parsed.check_rest()?;
        Ok(parsed.host)
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

fn add_unique(hosts: &mut Vec<String>, host: String) {
    if !hosts.contains(&host) {
        hosts.push(host);
    }
}
