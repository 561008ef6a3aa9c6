//! The attack corpus: URLs an attacker at the sign-in screen would try, each with the verdict
//! the policy must give, for the portal [`PORTAL_URL`] and no `AllowedHosts`. Data only, public so
//! that the policy's own test (`tests/attack_corpus.rs`) and the end-to-end suites, which ask the
//! installed `SsprResetHost.exe --check-url` the same questions under Wine and on Windows
//! (`tests/e2e/src/suite/url_corpus.rs`), read one list; the reset host itself never uses it, so
//! none of it reaches the binary. No entry holds a NUL: each must fit on a command line.

/// An AD FS password-change page as the configured portal: an admin's own federation server,
/// which (like Entra sign-in) redirects wherever `wreply` says.
pub const PORTAL_URL: &str = "https://sts.contoso.com/adfs/portal/updatepassword/";

/// What the policy must answer for a page navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Allowed; the host it reports.
    Allow(&'static str),
    /// Denied; the deny kind's name.
    Deny(&'static str),
}

use Expect::{Allow, Deny};

const RESET: &str = "passwordreset.microsoftonline.com";
const LOGIN: &str = "login.microsoftonline.com";
const STS: &str = "sts.contoso.com";

/// `(url, expected verdict as a page)`.
pub const CORPUS: &[(&str, Expect)] = &[
    // What the reset flow itself opens.
    ("https://passwordreset.microsoftonline.com/", Allow(RESET)),
    (
        "https://passwordreset.microsoftonline.com/?username=alice%40contoso.com",
        Allow(RESET),
    ),
    (
        "https://login.microsoftonline.com/common/oauth2/authorize?client_id=x&response_type=code&redirect_uri=https%3a%2f%2fpasswordreset.microsoftonline.com%2f",
        Allow(LOGIN),
    ),
    (
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?scope=openid%20profile&nonce=a:b&state=x/y",
        Allow(LOGIN),
    ),
    ("https://sts.contoso.com/adfs/portal/updatepassword/", Allow(STS)),
    (
        "https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&wreply=https%3a%2f%2fpasswordreset.microsoftonline.com%2f",
        Allow(STS),
    ),
    ("HTTPS://LOGIN.MICROSOFTONLINE.COM:443/", Allow(LOGIN)),
    // Open redirects on allowed hosts: every parameter name, every encoding.
    (
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&response_type=code&redirect_uri=https://evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/common/wsfederation?wa=wsignin1.0&wreply=https://evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/common/oauth2/v2.0/logout?post_logout_redirect_uri=https://evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://sts.contoso.com/adfs/ls/?wa=wsignout1.0&wreply=https://evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://passwordreset.microsoftonline.com/?ru=https%3a%2f%2fevil.test%2f",
        Deny("open_redirect"),
    ),
    (
        "https://passwordreset.microsoftonline.com/?returnUrl=https%253A%252F%252Fevil.test",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?x=1#redirect_uri=https://evil.test",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/#/reset?returnUrl=//evil.test",
        Deny("open_redirect"),
    ),
    ("https://login.microsoftonline.com/?next=/\\evil.test", Deny("open_redirect")),
    (
        "https://login.microsoftonline.com/?next=https:\\/\\/evil.test",
        Deny("open_redirect"),
    ),
    ("https://login.microsoftonline.com/?RU=HTTPS://EVIL.TEST", Deny("open_redirect")),
    (
        "https://login.microsoftonline.com/?state=1;ru=https://evil.test",
        Deny("open_redirect"),
    ),
    ("https://login.microsoftonline.com/?https://evil.test", Deny("open_redirect")),
    (
        "https://login.microsoftonline.com/?ru=javascript:alert(document.cookie)",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?ru=data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?ru=ms-its:C:\\Windows\\Help\\mmc.chm::/a.htm",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?ru=file:///C:/Windows/System32/cmd.exe",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=http://passwordreset.microsoftonline.com/",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=https://passwordreset.microsoftonline.com@evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=https://passwordreset.microsoftonline.com.evil.test/",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=https://ajax.aspnetcdn.com/evil.htm",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=https%3a%2f%2fpasswordreset.microsoftonline.com%2f%3fru%3dhttps%253a%252f%252fevil.test",
        Deny("open_redirect"),
    ),
    (
        "https://login.microsoftonline.com/?redirect_uri=%20https://evil.test",
        Deny("open_redirect"),
    ),
    ("https://login.microsoftonline.com/?ru=https://10.0.0.1/", Deny("open_redirect")),
    ("https://login.microsoftonline.com/?ru=https://sspr/", Deny("open_redirect")),
    // CDNs: scripts and images, never a page.
    (
        "https://ajax.aspnetcdn.com/ajax/jquery/jquery-3.5.1.min.js",
        Deny("subresource_only"),
    ),
    (
        "https://aadcdn.msauthimages.net/dbd5a2dd-n/logintenantbranding/0/illustration",
        Deny("subresource_only"),
    ),
    ("https://aadcdn.msftauth.net/evil.htm", Deny("subresource_only")),
    ("https://logincdn.msauth.net/x.svg", Deny("subresource_only")),
    // Host tricks.
    (
        "https://passwordreset.microsoftonline.com.evil.test/",
        Deny("host_not_allowed"),
    ),
    (
        "https://evil.test/#passwordreset.microsoftonline.com",
        Deny("host_not_allowed"),
    ),
    (
        "https://evil.test\\@passwordreset.microsoftonline.com/",
        Deny("host_not_allowed"),
    ),
    (
        "https://passwordreset.microsoftonline.com\\@evil.test/",
        Deny("backslash"),
    ),
    (
        "https://user@passwordreset.microsoftonline.com/",
        Deny("user_info"),
    ),
    (
        "https://passwordreset.microsoftonline.com:443@evil.test/",
        Deny("user_info"),
    ),
    ("https://login.microsoftonline.com%2f@evil.test/", Deny("user_info")),
    // IDN and encodings.
    (
        "https://p\u{430}sswordreset.microsoftonline.com/",
        Deny("non_ascii_host"),
    ),
    (
        "https://passwordreset\u{3002}microsoftonline\u{ff0e}com/",
        Deny("non_ascii_host"),
    ),
    (
        "https://xn--psswordreset-x9j.microsoftonline.com/",
        Deny("host_not_allowed"),
    ),
    (
        "https://passwordreset%2emicrosoftonline.com/",
        Deny("percent_encoded_host"),
    ),
    (
        "https://%70asswordreset.microsoftonline.com/",
        Deny("percent_encoded_host"),
    ),
    ("https://passwordreset.microsoftonline.com./", Deny("trailing_dot")),
    ("https://passwordreset..microsoftonline.com/", Deny("invalid_host")),
    (
        "https://passwordreset.microsoftonline.com;evil.test/",
        Deny("invalid_host"),
    ),
    (
        "https://passwordreset.microsoftonline.com/\u{202e}gpj.exe",
        Deny("non_ascii"),
    ),
    // Single-label names: the Local intranet zone.
    ("https://sspr/", Deny("single_label_host")),
    ("https://localhost/", Deny("single_label_host")),
    // Ports.
    ("https://passwordreset.microsoftonline.com:8443/", Deny("port")),
    ("https://passwordreset.microsoftonline.com:0443/", Deny("port")),
    ("https://passwordreset.microsoftonline.com:/", Deny("port")),
    // IP addresses in every spelling.
    ("https://192.168.0.1/", Deny("ip_literal")),
    ("https://3232235521/", Deny("ip_literal")),
    ("https://0x7f.1/", Deny("ip_literal")),
    ("https://0300.0250.0.1/", Deny("ip_literal")),
    ("https://127.0.0.1./", Deny("ip_literal")),
    ("https://[::1]/", Deny("ip_literal")),
    ("https://[::ffff:127.0.0.1]:443/", Deny("ip_literal")),
    // Schemes and Windows protocol handlers.
    ("http://passwordreset.microsoftonline.com/", Deny("not_https")),
    (
        "javascript:alert(1)//https://passwordreset.microsoftonline.com/",
        Deny("not_https"),
    ),
    ("vbscript:msgbox(1)", Deny("not_https")),
    ("file:///C:/Windows/System32/cmd.exe", Deny("not_https")),
    ("file://evil.test/share/x.hta", Deny("not_https")),
    ("res://ieframe.dll/navcancl.htm", Deny("not_https")),
    (
        "mk:@MSITStore:C:\\Windows\\Help\\mmc.chm::/a.htm",
        Deny("not_https"),
    ),
    ("ms-its:C:\\Windows\\Help\\mmc.chm::/a.htm", Deny("not_https")),
    ("about:blank", Deny("not_https")),
    (
        "data:text/html,<script>alert(1)</script>",
        Deny("not_https"),
    ),
    ("shell:System", Deny("not_https")),
    ("ms-settings:network", Deny("not_https")),
    ("search-ms:query=cmd&crumb=location:C%3A%5C", Deny("not_https")),
    ("ms-msdt:/id PCWDiagnostic", Deny("control_or_space")),
    (
        "view-source:https://passwordreset.microsoftonline.com/",
        Deny("not_https"),
    ),
    ("//passwordreset.microsoftonline.com/", Deny("no_scheme")),
    ("https:passwordreset.microsoftonline.com/", Deny("malformed")),
    ("https:\\\\passwordreset.microsoftonline.com/", Deny("malformed")),
    // Characters URL parsers drop or stop at.
    (
        "https://passwo\trdreset.microsoftonline.com/",
        Deny("control_or_space"),
    ),
    (
        "https://passwordreset.microsoftonline.com/\r\nx",
        Deny("control_or_space"),
    ),
    (
        " https://passwordreset.microsoftonline.com/",
        Deny("control_or_space"),
    ),
];
