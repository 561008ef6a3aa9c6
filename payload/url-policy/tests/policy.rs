//! The navigation policy through its public API: each tricky case from the issue, the allowed
//! cases, and loading (portal URL and admin host entries).

use sspr_url_policy::{
    built_in_hosts, Deny, DenyKind, Loaded, Policy, Verdict, BUILT_IN_PAGE_HOSTS,
    SUBRESOURCE_ONLY_HOSTS,
};

fn built_ins() -> Vec<&'static str> {
    built_in_hosts().collect()
}

const PORTAL: &str = "https://sspr.contoso.com/reset?tenant=contoso";

fn load(admin_hosts: &[&str]) -> Result<Loaded, Deny> {
    let admin: Vec<String> = admin_hosts.iter().map(|h| (*h).to_owned()).collect();
    Policy::load(PORTAL, &admin)
}

fn policy() -> Result<Policy, Deny> {
    Ok(load(&["login.contoso.com"])?.policy)
}

#[track_caller]
fn assert_allowed(url: &str, host: &str) {
    assert_eq!(
        policy().map(|policy| policy.check(url)),
        Ok(Verdict::Allow {
            host: host.to_owned()
        }),
        "{url}"
    );
}

#[track_caller]
fn assert_denied(url: &str, kind: DenyKind, detail: &str) {
    assert_eq!(
        policy().map(|policy| policy.check(url)),
        Ok(Verdict::Deny(Deny {
            kind,
            detail: detail.to_owned()
        })),
        "{url}"
    );
}

#[track_caller]
fn assert_ignored(entry: &str, reason: &str) {
    let loaded = load(&[entry]);
    assert_eq!(
        loaded.as_ref().map(|loaded| &loaded.ignored_hosts[..]),
        Ok(&[(entry.to_owned(), reason.to_owned())][..])
    );
    assert_eq!(
        loaded.map(|loaded| loaded.policy.hosts().len()),
        Ok(built_ins().len() + 1)
    );
}

// Allowed.

#[test]
fn each_built_in_host_is_allowed_as_a_subresource() -> Result<(), Deny> {
    for host in built_ins() {
        assert_eq!(
            policy()?.check_subresource(&format!("https://{host}/x.js")),
            Verdict::Allow {
                host: host.to_owned()
            }
        );
    }
    Ok(())
}

#[test]
fn only_the_portal_and_sign_in_hosts_are_pages() -> Result<(), Deny> {
    let policy = policy()?;
    let pages: Vec<&str> = built_ins()
        .into_iter()
        .filter(|host| policy.check(&format!("https://{host}/")).is_allowed())
        .collect();
    assert_eq!(
        pages,
        [
            "passwordreset.microsoftonline.com",
            "login.microsoftonline.com"
        ]
    );
    assert_eq!(pages, BUILT_IN_PAGE_HOSTS);
    assert_eq!(SUBRESOURCE_ONLY_HOSTS.len(), built_ins().len() - 2);
    Ok(())
}

#[test]
fn a_cdn_host_is_refused_as_a_page() {
    assert_denied(
        "https://ajax.aspnetcdn.com/ajax/jQuery/jquery-3.7.1.min.js",
        DenyKind::SubresourceOnly,
        "host `ajax.aspnetcdn.com` serves scripts and images only, never a page",
    );
}

#[test]
fn a_cdn_host_that_is_the_portal_is_a_page() {
    let loaded = Policy::load("https://aadcdn.msauth.net/portal", &[]).unwrap();
    assert!(loaded
        .policy
        .check("https://aadcdn.msauth.net/x")
        .is_allowed());
}

#[test]
fn a_subresource_follows_the_url_rules_too() -> Result<(), Deny> {
    assert_eq!(
        policy()?
            .check_subresource("https://evil.test/x.js")
            .deny()
            .map(|d| d.kind),
        Some(DenyKind::HostNotAllowed)
    );
    assert_eq!(
        policy()?
            .check_subresource("http://ajax.aspnetcdn.com/x.js")
            .deny()
            .map(|d| d.kind),
        Some(DenyKind::NotHttps)
    );
    Ok(())
}

#[test]
fn the_built_in_hosts_are_the_reset_portal_sign_in_and_their_cdns() {
    assert_eq!(
        built_ins(),
        [
            "passwordreset.microsoftonline.com",
            "login.microsoftonline.com",
            "ajax.aspnetcdn.com",
            "aadcdn.msauth.net",
            "aadcdn.msftauth.net",
            "aadcdn.msauthimages.net",
            "aadcdn.msftauthimages.net",
            "logincdn.msauth.net",
            "logincdn.msftauth.net",
        ]
    );
}

#[test]
fn the_portal_url_itself_is_allowed() {
    assert_allowed(PORTAL, "sspr.contoso.com");
}

#[test]
fn another_page_on_the_portal_host_is_allowed() {
    assert_allowed("https://sspr.contoso.com/other/page", "sspr.contoso.com");
}

#[test]
fn an_admin_host_is_allowed() {
    assert_allowed("https://login.contoso.com/adfs/ls", "login.contoso.com");
}

#[test]
fn an_explicit_port_443_is_allowed() {
    assert_allowed(
        "https://passwordreset.microsoftonline.com:443/",
        "passwordreset.microsoftonline.com",
    );
}

#[test]
fn upper_case_scheme_and_host_are_allowed_and_reported_lower_case() {
    assert_allowed(
        "HTTPS://PasswordReset.MicrosoftOnline.COM/",
        "passwordreset.microsoftonline.com",
    );
}

#[test]
fn a_query_and_a_fragment_are_allowed() {
    assert_allowed(
        "https://passwordreset.microsoftonline.com/?ru=https%3a%2f%2fsspr.contoso.com&x=@#frag/@x",
        "passwordreset.microsoftonline.com",
    );
}

// Open redirects.

#[test]
fn an_authorize_request_back_to_another_host_is_denied() {
    assert_denied(
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&response_type=code&redirect_uri=https://evil.test/",
        DenyKind::OpenRedirect,
        "parameter `redirect_uri` carries the URL `https://evil.test/`, which is not allowed as a page (host_not_allowed: host `evil.test` is not on the allowed list)",
    );
}

#[test]
fn a_twice_encoded_reply_address_is_denied() {
    assert_denied(
        "https://login.contoso.com/adfs/ls/?wa=wsignin1.0&wreply=https%253a%252f%252fevil.test%252f",
        DenyKind::OpenRedirect,
        "parameter `wreply` carries the URL `https://evil.test/`, twice percent-decoded, which is not allowed as a page (host_not_allowed: host `evil.test` is not on the allowed list)",
    );
}

#[test]
fn a_reply_to_an_allowed_page_is_allowed() {
    assert_allowed(
        "https://login.microsoftonline.com/common/oauth2/authorize?client_id=x&redirect_uri=https%3a%2f%2fpasswordreset.microsoftonline.com%2f%3fru%3dhttps%253a%252f%252fsspr.contoso.com%252f",
        "login.microsoftonline.com",
    );
}

#[test]
fn a_reply_to_a_cdn_is_denied() {
    assert_denied(
        "https://login.microsoftonline.com/logout?post_logout_redirect_uri=https://aadcdn.msauthimages.net/evil.htm",
        DenyKind::OpenRedirect,
        "parameter `post_logout_redirect_uri` carries the URL `https://aadcdn.msauthimages.net/evil.htm`, which is not allowed as a page (subresource_only: host `aadcdn.msauthimages.net` serves scripts and images only, never a page)",
    );
}

#[test]
fn a_chain_of_four_nested_urls_is_denied() -> Result<(), Deny> {
    // Each level carries the previous URL, encoded once more.
    let mut url = "https://sspr.contoso.com/".to_owned();
    let mut verdicts = Vec::new();
    for _ in 0..3 {
        let encoded = url
            .replace('%', "%25")
            .replace(':', "%3a")
            .replace('/', "%2f")
            .replace('?', "%3f")
            .replace('=', "%3d");
        url = format!("https://sspr.contoso.com/?next={encoded}");
        verdicts.push(policy()?.check(&url).deny().map(|d| d.kind));
    }
    assert_eq!(verdicts, [None, None, Some(DenyKind::OpenRedirect)]);
    Ok(())
}

// Denied: the cases the issue names.

#[test]
fn an_allowed_host_followed_by_another_domain_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com.evil.test/",
        DenyKind::HostNotAllowed,
        "host `passwordreset.microsoftonline.com.evil.test` is not on the allowed list",
    );
}

#[test]
fn an_allowed_host_in_the_fragment_does_not_count() {
    assert_denied(
        "https://evil.test/#passwordreset.microsoftonline.com",
        DenyKind::HostNotAllowed,
        "host `evil.test` is not on the allowed list",
    );
}

#[test]
fn an_allowed_host_in_the_query_does_not_count() {
    assert_denied(
        "https://evil.test?passwordreset.microsoftonline.com",
        DenyKind::HostNotAllowed,
        "host `evil.test` is not on the allowed list",
    );
}

#[test]
fn user_info_before_an_allowed_host_is_denied() {
    assert_denied(
        "https://user@passwordreset.microsoftonline.com/",
        DenyKind::UserInfo,
        "user name or password (`@`) in the authority `user@passwordreset.microsoftonline.com`",
    );
}

#[test]
fn an_allowed_host_as_user_info_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com:443@evil.test/",
        DenyKind::UserInfo,
        "user name or password (`@`) in the authority `passwordreset.microsoftonline.com:443@evil.test`",
    );
}

#[test]
fn an_http_downgrade_is_denied() {
    assert_denied(
        "http://passwordreset.microsoftonline.com/",
        DenyKind::NotHttps,
        "scheme `http` is not https",
    );
}

#[test]
fn a_javascript_url_is_denied() {
    assert_denied(
        "javascript:alert(document.domain)//https://passwordreset.microsoftonline.com/",
        DenyKind::NotHttps,
        "scheme `javascript` is not https",
    );
}

#[test]
fn a_file_url_is_denied() {
    assert_denied(
        "file:///C:/Windows/System32/cmd.exe",
        DenyKind::NotHttps,
        "scheme `file` is not https",
    );
}

#[test]
fn windows_resource_and_help_schemes_are_denied() {
    for (url, scheme) in [
        ("res://ieframe.dll/navcancl.htm", "res"),
        ("mk:@MSITStore:C:\\Windows\\Help\\x.chm::/a.htm", "mk"),
        ("ms-its:C:\\Windows\\Help\\x.chm::/a.htm", "ms-its"),
        ("about:blank", "about"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("ms-settings:network", "ms-settings"),
    ] {
        assert_denied(
            url,
            DenyKind::NotHttps,
            &format!("scheme `{scheme}` is not https"),
        );
    }
}

#[test]
fn a_scheme_relative_url_is_denied() {
    assert_denied(
        "//passwordreset.microsoftonline.com/",
        DenyKind::NoScheme,
        "scheme-relative URL (starts with `//`): the scheme must be `https:`",
    );
}

#[test]
fn a_relative_url_is_denied() {
    assert_denied(
        "/passwordreset",
        DenyKind::NoScheme,
        "not an absolute URL: it has no scheme",
    );
}

#[test]
fn https_without_two_slashes_is_denied() {
    for url in [
        "https:passwordreset.microsoftonline.com/",
        "https:/passwordreset.microsoftonline.com/",
        "https:\\\\passwordreset.microsoftonline.com/",
        "https:/\\passwordreset.microsoftonline.com/",
    ] {
        assert_denied(url, DenyKind::Malformed, "`https:` is not followed by `//`");
    }
}

#[test]
fn a_third_slash_before_the_host_is_denied() {
    assert_denied(
        "https:///passwordreset.microsoftonline.com/",
        DenyKind::InvalidHost,
        "empty host",
    );
}

#[test]
fn an_empty_url_is_denied() {
    assert_denied("", DenyKind::Malformed, "the URL is empty");
}

#[test]
fn a_cyrillic_look_alike_host_is_denied() {
    assert_denied(
        "https://p\u{430}sswordreset.microsoftonline.com/",
        DenyKind::NonAsciiHost,
        r"non-ASCII host `p\u{430}sswordreset.microsoftonline.com` (look-alike characters are refused; allow the punycode `xn--` form instead)",
    );
}

#[test]
fn fullwidth_dots_in_the_host_are_denied() {
    assert_denied(
        "https://passwordreset\u{3002}microsoftonline\u{ff0e}com/",
        DenyKind::NonAsciiHost,
        r"non-ASCII host `passwordreset\u{3002}microsoftonline\u{ff0e}com` (look-alike characters are refused; allow the punycode `xn--` form instead)",
    );
}

#[test]
fn the_punycode_of_a_look_alike_is_compared_exactly() {
    assert_denied(
        "https://xn--psswordreset-x9j.microsoftonline.com/",
        DenyKind::HostNotAllowed,
        "host `xn--psswordreset-x9j.microsoftonline.com` is not on the allowed list",
    );
}

#[test]
fn a_percent_encoded_dot_in_the_host_is_denied() {
    assert_denied(
        "https://passwordreset%2emicrosoftonline.com/",
        DenyKind::PercentEncodedHost,
        "percent-encoded host `passwordreset%2emicrosoftonline.com`",
    );
}

#[test]
fn a_percent_encoded_letter_in_the_host_is_denied() {
    assert_denied(
        "https://%70asswordreset.microsoftonline.com/",
        DenyKind::PercentEncodedHost,
        "percent-encoded host `%70asswordreset.microsoftonline.com`",
    );
}

#[test]
fn a_dotted_ipv4_address_is_denied() {
    assert_denied(
        "https://192.168.0.1/",
        DenyKind::IpLiteral,
        "IP address `192.168.0.1` (only host names can be allowed)",
    );
}

#[test]
fn an_ipv4_address_as_one_decimal_number_is_denied() {
    assert_denied(
        "https://3232235521/",
        DenyKind::IpLiteral,
        "IP address `3232235521` (only host names can be allowed)",
    );
}

#[test]
fn an_ipv4_address_in_hex_is_denied() {
    assert_denied(
        "https://0x7f.1/",
        DenyKind::IpLiteral,
        "IP address `0x7f.1` (only host names can be allowed)",
    );
    assert_denied(
        "https://0XC0A80001/",
        DenyKind::IpLiteral,
        "IP address `0XC0A80001` (only host names can be allowed)",
    );
}

#[test]
fn an_ipv4_address_in_octal_is_denied() {
    assert_denied(
        "https://0300.0250.0.1/",
        DenyKind::IpLiteral,
        "IP address `0300.0250.0.1` (only host names can be allowed)",
    );
}

#[test]
fn an_ipv4_address_with_a_trailing_dot_is_denied() {
    assert_denied(
        "https://127.0.0.1./",
        DenyKind::IpLiteral,
        "IP address `127.0.0.1.` (only host names can be allowed)",
    );
}

#[test]
fn an_ipv6_address_is_denied() {
    assert_denied(
        "https://[::1]/",
        DenyKind::IpLiteral,
        "IPv6 address `[::1]`",
    );
    assert_denied(
        "https://[2603:1006::1]:443/",
        DenyKind::IpLiteral,
        "IPv6 address `[2603:1006::1]:443`",
    );
}

#[test]
fn port_8443_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com:8443/",
        DenyKind::Port,
        "port `8443` (only `:443` is allowed)",
    );
}

#[test]
fn port_443_with_a_leading_zero_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com:0443/",
        DenyKind::Port,
        "port `0443` (only `:443` is allowed)",
    );
}

#[test]
fn an_empty_port_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com:/",
        DenyKind::Port,
        "empty port after `passwordreset.microsoftonline.com:`",
    );
}

#[test]
fn a_trailing_dot_on_an_allowed_host_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com./",
        DenyKind::TrailingDot,
        "host `passwordreset.microsoftonline.com.` ends with a dot",
    );
}

#[test]
fn an_empty_label_is_denied() {
    assert_denied(
        "https://passwordreset..microsoftonline.com/",
        DenyKind::InvalidHost,
        "host `passwordreset..microsoftonline.com` has an empty label",
    );
    assert_denied(
        "https://.passwordreset.microsoftonline.com/",
        DenyKind::InvalidHost,
        "host `.passwordreset.microsoftonline.com` has an empty label",
    );
}

#[test]
fn a_character_no_host_name_has_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com;evil.test/",
        DenyKind::InvalidHost,
        "host `passwordreset.microsoftonline.com;evil.test` contains `;`, which a host name cannot",
    );
}

#[test]
fn a_tab_inside_an_allowed_host_is_denied() {
    // A WHATWG parser drops the tab and would open passwordreset.microsoftonline.com.
    assert_denied(
        "https://passwo\trdreset.microsoftonline.com/",
        DenyKind::ControlOrSpace,
        "a tab at byte 14 of the URL",
    );
}

#[test]
fn a_line_break_anywhere_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com/\r\nx",
        DenyKind::ControlOrSpace,
        "a carriage return at byte 42 of the URL",
    );
}

#[test]
fn a_space_is_denied() {
    assert_denied(
        " https://passwordreset.microsoftonline.com/",
        DenyKind::ControlOrSpace,
        "a space at byte 0 of the URL",
    );
}

#[test]
fn a_nul_byte_is_denied() {
    assert_denied(
        "https://evil.test\0.passwordreset.microsoftonline.com/",
        DenyKind::ControlOrSpace,
        "control character U+0000 at byte 17 of the URL",
    );
}

#[test]
fn a_backslash_ends_the_host_like_in_a_browser() {
    assert_denied(
        "https://evil.test\\@passwordreset.microsoftonline.com/",
        DenyKind::HostNotAllowed,
        "host `evil.test` is not on the allowed list",
    );
}

#[test]
fn a_backslash_after_an_allowed_host_is_denied() {
    // A browser would stay on the allowed host, but a parser that reads `\` as an ordinary
    // character sees user info and the host evil.test.
    assert_denied(
        "https://passwordreset.microsoftonline.com\\@evil.test/",
        DenyKind::Backslash,
        "backslash in the path after host `passwordreset.microsoftonline.com` (browsers read it as `/`, other parsers may not)",
    );
}

#[test]
fn non_ascii_in_the_path_is_denied() {
    assert_denied(
        "https://passwordreset.microsoftonline.com/\u{202e}gpj.exe",
        DenyKind::NonAscii,
        r"non-ASCII character in the path, query or fragment `/\u{202e}gpj.exe`",
    );
}

#[test]
fn a_denial_reads_as_one_line() -> Result<(), Deny> {
    let verdict = policy()?.check("https://evil.test/");
    assert_eq!(
        verdict.to_string(),
        "denied: host `evil.test` is not on the allowed list"
    );
    assert_eq!(
        verdict.deny().map(|d| d.kind.name()),
        Some("host_not_allowed")
    );
    assert!(!verdict.is_allowed());
    Ok(())
}

#[test]
fn deny_kinds_have_stable_names() {
    let names: Vec<&str> = DenyKind::ALL.iter().map(DenyKind::name).collect();
    assert_eq!(
        names,
        [
            "no_scheme",
            "not_https",
            "malformed",
            "control_or_space",
            "non_ascii",
            "user_info",
            "ip_literal",
            "port",
            "non_ascii_host",
            "percent_encoded_host",
            "invalid_host",
            "trailing_dot",
            "backslash",
            "host_not_allowed",
            "single_label_host",
            "subresource_only",
            "open_redirect",
        ]
    );
}

// Loading.

#[test]
fn hosts_are_built_ins_then_portal_then_admin_without_duplicates() -> Result<(), Deny> {
    let loaded = load(&[
        "login.contoso.com",
        "sspr.contoso.com",
        "login.microsoftonline.com",
        "login.contoso.com",
    ])?;
    let mut expected: Vec<String> = built_in_hosts().map(str::to_owned).collect();
    expected.push("sspr.contoso.com".to_owned());
    expected.push("login.contoso.com".to_owned());
    assert_eq!(loaded.policy.hosts(), expected);
    assert!(loaded.ignored_hosts.is_empty());
    assert_eq!(loaded.policy.portal_host(), "sspr.contoso.com");
    Ok(())
}

#[test]
fn the_default_portal_adds_no_host() {
    let loaded = Policy::load("https://passwordreset.microsoftonline.com/", &[]).unwrap();
    assert_eq!(loaded.policy.hosts(), built_ins());
    assert_eq!(
        loaded.policy.portal_host(),
        "passwordreset.microsoftonline.com"
    );
}

#[test]
fn an_upper_case_portal_host_is_lower_cased() {
    let loaded = Policy::load("https://SSPR.Contoso.com:443/", &[]).unwrap();
    assert_eq!(loaded.policy.portal_host(), "sspr.contoso.com");
    assert_eq!(
        loaded.policy.hosts().last().map(String::as_str),
        Some("sspr.contoso.com")
    );
}

#[test]
fn an_http_portal_url_fails_to_load() {
    assert_eq!(
        Policy::load("http://sspr.contoso.com/", &[]),
        Err(Deny {
            kind: DenyKind::NotHttps,
            detail: "scheme `http` is not https".to_owned()
        })
    );
}

#[test]
fn a_portal_url_on_an_ip_address_fails_to_load() {
    assert_eq!(
        Policy::load("https://10.0.0.1/reset", &[]).map_err(|d| d.kind),
        Err(DenyKind::IpLiteral)
    );
}

#[test]
fn a_portal_url_with_user_info_fails_to_load() {
    assert_eq!(
        Policy::load("https://admin:secret@sspr.contoso.com/", &[]).map_err(|d| d.kind),
        Err(DenyKind::UserInfo)
    );
}

#[test]
fn a_portal_url_with_a_backslash_path_fails_to_load() {
    assert_eq!(
        Policy::load("https://sspr.contoso.com\\reset", &[]).map_err(|d| d.kind),
        Err(DenyKind::Backslash)
    );
}

#[test]
fn a_single_label_admin_host_is_ignored() {
    assert_ignored(
        "sspr",
        "is a single-label name (no dot): Internet Explorer puts it in the Local intranet zone and signs in to it with the machine's credentials; give the fully qualified name, e.g. `sspr.contoso.com`",
    );
}

#[test]
fn a_single_label_portal_fails_to_load() {
    assert_eq!(
        Policy::load("https://sspr/", &[]),
        Err(Deny {
            kind: DenyKind::SingleLabelHost,
            detail: "single-label host `sspr` (no dot): Internet Explorer puts it in the Local intranet zone and signs in to it with the machine's credentials".to_owned()
        })
    );
}

#[test]
fn a_wildcard_admin_host_is_ignored() {
    assert_ignored(
        "*.contoso.com",
        "wildcards are not supported: list each host name",
    );
}

#[test]
fn an_ip_address_admin_host_is_ignored() {
    assert_ignored(
        "10.0.0.1",
        "is an IP address: only host names can be allowed",
    );
    assert_ignored(
        "[fe80::1]",
        "is an IP address: only host names can be allowed",
    );
}

#[test]
fn an_admin_host_with_a_port_is_ignored() {
    assert_ignored(
        "contoso.com:8443",
        "has a port: only https on port 443 is allowed, give the host name only",
    );
}

#[test]
fn an_admin_host_with_a_scheme_is_ignored() {
    assert_ignored(
        "https://contoso.com",
        "has a scheme: give the host name only, e.g. `sspr.contoso.com`",
    );
}

#[test]
fn an_empty_admin_host_is_ignored() {
    assert_ignored("", "empty entry");
}

#[test]
fn an_admin_host_with_a_path_is_ignored() {
    assert_ignored(
        "contoso.com/sspr",
        "contains a path: give the host name only",
    );
}

#[test]
fn a_non_ascii_admin_host_is_ignored() {
    assert_ignored(
        "\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.com",
        "is not ASCII: give the punycode (`xn--`) form of an international name",
    );
}

#[test]
fn an_admin_host_with_a_trailing_dot_is_ignored() {
    assert_ignored("contoso.com.", "ends with `.`: remove the trailing dot");
}

#[test]
fn an_admin_host_with_an_underscore_is_ignored() {
    assert_ignored(
        "sspr_test.contoso.com",
        "contains `_`: a host name has only letters, digits, `-` and `.`",
    );
}

#[test]
fn refused_admin_hosts_do_not_stop_the_others() -> Result<(), Deny> {
    let loaded = load(&["*.contoso.com", "login.contoso.com", "10.0.0.1"])?;
    assert_eq!(
        loaded.policy.hosts().last().map(String::as_str),
        Some("login.contoso.com")
    );
    let ignored: Vec<&str> = loaded
        .ignored_hosts
        .iter()
        .map(|(entry, _)| entry.as_str())
        .collect();
    assert_eq!(ignored, ["*.contoso.com", "10.0.0.1"]);
    Ok(())
}

#[test]
fn a_portal_url_that_redirects_elsewhere_fails_to_load() {
    assert_eq!(
        Policy::load("https://sspr.contoso.com/?ru=https://evil.test/", &[]).map_err(|d| d.kind),
        Err(DenyKind::OpenRedirect)
    );
}
