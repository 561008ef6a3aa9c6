//! The attack corpus (`sspr_url_policy::corpus`, the same list the policy's own
//! test reads) against the installed `SsprResetHost.exe --check-url`: the shared check
//! (`sspr_e2e::suite::url_corpus`, the native runner's too) in a prefix with the package
//! installed.

use sspr_e2e::suite::url_corpus;

use crate::common::TestResult;
use crate::reset_host::installed;

/// Every corpus URL gets its verdict from the installed host, as from the policy crate.
pub fn the_installed_host_gives_every_corpus_url_its_verdict() -> TestResult {
    let (prefix, dir) = installed("url-corpus", &[])?;
    let host = format!(r"{}\{}", dir.windows, sspr_identity::RESET_HOST_EXE);
    let (allowed, denied) =
        url_corpus::the_installed_host_gives_every_corpus_url_its_verdict(&prefix, &host)?;
    eprintln!(
        "[sspr-e2e] url_corpus: {} URLs, {allowed} allowed and {denied} denied as expected",
        url_corpus::corpus_len()
    );
    Ok(())
}
