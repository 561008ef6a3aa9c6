//! How the window writes URLs into its log lines: without query and fragment, which on sign-in
//! and reset pages can carry codes, tokens and user names. The gate still sees the full URL.

/// `url` up to its first `?` or `#`.
pub fn url_for_log(url: &str) -> &str {
    url.find(['?', '#']).map_or(url, |end| &url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_query_and_fragment() {
        assert_eq!(
            url_for_log("https://login.microsoftonline.com/common/oauth2/authorize?code=abc#x"),
            "https://login.microsoftonline.com/common/oauth2/authorize"
        );
        assert_eq!(
            url_for_log("https://passwordreset.microsoftonline.com/#state=1?x"),
            "https://passwordreset.microsoftonline.com/"
        );
    }

    #[test]
    fn keeps_a_plain_url() {
        assert_eq!(
            url_for_log("https://passwordreset.microsoftonline.com/"),
            "https://passwordreset.microsoftonline.com/"
        );
        assert_eq!(url_for_log(""), "");
    }
}
