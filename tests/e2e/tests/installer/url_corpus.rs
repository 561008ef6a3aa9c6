//! The attack corpus (`payload/url-policy/tests/corpus/mod.rs`, the same file the policy's own
//! test reads) against the installed `SsprResetHost.exe --check-url`: each URL through the
//! Windows command line, the host's settings and policy, and its answer line and exit code.

#[path = "../../../../payload/url-policy/tests/corpus/mod.rs"]
mod corpus;

use corpus::{Expect, CORPUS, PORTAL_URL};

use crate::common::TestResult;
use crate::reset_host::{installed, run_host};

/// What the host must print first and exit with for an expected verdict.
fn expected_answer(expected: Expect) -> (String, i32) {
    match expected {
        Expect::Allow(host) => (format!("allow: host `{host}` is on the allowed list"), 0),
        Expect::Deny(kind) => (format!("deny ({kind}): "), 1),
    }
}

/// Every corpus URL gets its verdict from the installed host, as from the policy crate.
pub fn the_installed_host_gives_every_corpus_url_its_verdict() -> TestResult {
    let (prefix, dir) = installed("url-corpus", &[])?;
    let portal = format!("--portal-url={PORTAL_URL}");
    let mut wrong = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for (url, expected) in CORPUS {
        let (code, stdout, stderr) = run_host(&prefix, &dir, &[&portal, "--check-url", url])?;
        let (answer, exit) = expected_answer(*expected);
        if code == exit && stdout.starts_with(&answer) {
            if exit == 0 {
                allowed += 1;
            } else {
                denied += 1;
            }
        } else {
            wrong.push(format!(
                "{url:?}: expected `{answer}` and exit {exit}, got exit {code}: {}{}",
                stdout.trim(),
                stderr.trim()
            ));
        }
    }
    anyhow::ensure!(
        wrong.is_empty(),
        "{} of {} corpus URLs answered otherwise:\n{}",
        wrong.len(),
        CORPUS.len(),
        wrong.join("\n")
    );
    eprintln!(
        "[sspr-e2e] url_corpus: {} URLs, {allowed} allowed and {denied} denied as expected",
        CORPUS.len()
    );
    Ok(())
}
