//! The attack corpus (`sspr_url_policy::corpus`, the same list the policy's own test reads) against the installed `SsprResetHost.exe --check-url` on any machine: each URL
//! through the Windows command line, the host's settings and policy, and its answer line and
//! exit code.

use sspr_url_policy::corpus::{Expect, CORPUS, PORTAL_URL};

use crate::machine::Machine;

/// What the host must print first and exit with for an expected verdict.
fn expected_answer(expected: Expect) -> (String, u32) {
    match expected {
        Expect::Allow(host) => (format!("allow: host `{host}` is on the allowed list"), 0),
        Expect::Deny(kind) => (format!("deny ({kind}): "), 1),
    }
}

/// Every corpus URL gets its verdict from the host at `host` (its Windows path), as from the
/// policy crate. Returns how many were allowed and denied.
pub fn the_installed_host_gives_every_corpus_url_its_verdict(
    machine: &dyn Machine,
    host: &str,
) -> anyhow::Result<(usize, usize)> {
    let portal = format!("--portal-url={PORTAL_URL}");
    let mut wrong = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for (url, expected) in CORPUS {
        let run = machine.run(host, &[&portal, "--check-url", url], &[])?;
        let (answer, exit) = expected_answer(*expected);
        if run.exit_code == exit && run.stdout.starts_with(&answer) {
            if exit == 0 {
                allowed += 1;
            } else {
                denied += 1;
            }
        } else {
            wrong.push(format!(
                "{url:?}: expected `{answer}` and exit {exit}, got exit {}: {}{}",
                run.exit_code,
                run.stdout.trim(),
                run.stderr.trim()
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
    Ok((allowed, denied))
}

/// How many URLs the corpus holds.
pub fn corpus_len() -> usize {
    CORPUS.len()
}
