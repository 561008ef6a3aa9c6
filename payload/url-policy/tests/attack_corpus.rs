//! The attack corpus (`sspr_url_policy::corpus`) against the policy: each URL's verdict as a page,
//! with the kind of each refusal, and the CDN entries allowed as subresources.

use sspr_url_policy::corpus::{Expect, CORPUS, PORTAL_URL};
use sspr_url_policy::{Deny, Policy, Verdict};

fn policy() -> Result<Policy, Deny> {
    Ok(Policy::load(PORTAL_URL, &[])?.policy)
}

fn answer(verdict: &Verdict) -> Expect {
    match verdict {
        Verdict::Allow { host } => Expect::Allow(leak(host)),
        Verdict::Deny(deny) => Expect::Deny(deny.kind.name()),
    }
}

/// The corpus is `'static`; so is what a verdict is compared with.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

#[test]
fn the_corpus_has_at_least_sixty_urls_and_each_fits_a_command_line() {
    assert!(CORPUS.len() >= 60, "{} URLs", CORPUS.len());
    for (url, _) in CORPUS {
        assert!(!url.contains('\0'), "{url:?}");
    }
    let mut urls: Vec<&str> = CORPUS.iter().map(|(url, _)| *url).collect();
    urls.sort_unstable();
    urls.dedup();
    assert_eq!(urls.len(), CORPUS.len(), "a URL is listed twice");
}

#[test]
fn every_corpus_url_gets_its_expected_verdict() -> Result<(), Deny> {
    let policy = policy()?;
    let wrong: Vec<String> = CORPUS
        .iter()
        .filter_map(|(url, expected)| {
            let verdict = policy.check(url);
            (answer(&verdict) != *expected)
                .then(|| format!("{url:?}: expected {expected:?}, got {verdict}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}

#[test]
fn the_cdn_pages_of_the_corpus_are_allowed_as_subresources() -> Result<(), Deny> {
    let policy = policy()?;
    let cdn: Vec<&str> = CORPUS
        .iter()
        .filter(|(_, expected)| *expected == Expect::Deny("subresource_only"))
        .map(|(url, _)| *url)
        .collect();
    assert_eq!(cdn.len(), 4);
    for url in cdn {
        assert!(policy.check_subresource(url).is_allowed(), "{url}");
    }
    Ok(())
}

#[test]
fn the_corpus_covers_every_refusal_the_policy_gives_a_single_url() {
    let mut kinds: Vec<&str> = CORPUS
        .iter()
        .filter_map(|(_, expected)| match expected {
            Expect::Deny(kind) => Some(*kind),
            Expect::Allow(_) => None,
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut all: Vec<&str> = sspr_url_policy::DenyKind::ALL
        .iter()
        .map(|kind| kind.name())
        .collect();
    all.sort_unstable();
    assert_eq!(kinds, all);
}
