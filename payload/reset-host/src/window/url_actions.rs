//! The security manager's answers (`security.rs` applies them): which zone a URL is in and what
//! it may do there. Pure, so the table is tested on Linux.
//!
//! A URL the policy would not load (not even as a script or image) is put in the Restricted
//! sites zone and every `URLACTION` for it is refused. For allowed URLs the zone is Internet (never
//! Local intranet, where Internet Explorer signs in with the machine's credentials) and the
//! actions that could reach the machine or leave the policy are refused whatever the zone's
//! settings say; the rest keep Internet Explorer's answer for the Internet zone.

/// `URLZONE_INTERNET`, `URLZONE_UNTRUSTED` (urlmon.h).
pub const ZONE_INTERNET: u32 = 3;
pub const ZONE_RESTRICTED: u32 = 4;

/// What the security manager answers for one `ProcessUrlAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionAnswer {
    /// `INET_E_DEFAULT_ACTION`: Internet Explorer's own answer for the zone.
    Default,
    /// `URLPOLICY_ALLOW`.
    Allow,
    /// `URLPOLICY_DISALLOW`; the text names what is refused, for the log.
    Disallow(&'static str),
    /// `URLPOLICY_CREDENTIALS_ANONYMOUS_ONLY`: never the machine's logon credentials.
    AnonymousOnly,
}

/// `URLPOLICY_*` values (urlmon.h).
pub const URLPOLICY_ALLOW: u32 = 0x00;
pub const URLPOLICY_DISALLOW: u32 = 0x03;
pub const URLPOLICY_CREDENTIALS_ANONYMOUS_ONLY: u32 = 0x0003_0000;

// URLACTION values and ranges (urlmon.h).
const DOWNLOAD_MIN: u32 = 0x1000;
const DOWNLOAD_MAX: u32 = 0x11FF;
const ACTIVEX_MIN: u32 = 0x1200;
const ACTIVEX_MAX: u32 = 0x13FF;
const SCRIPT_OVERRIDE_SAFETY: u32 = 0x1401;
const SCRIPT_JAVA_USE: u32 = 0x1402;
const HTML_JAVA_RUN: u32 = 0x1605;
const SCRIPT_SAFE_ACTIVEX: u32 = 0x1405;
const CROSS_DOMAIN_DATA: u32 = 0x1406;
const SCRIPT_PASTE: u32 = 0x1407;
const HTML_SUBFRAME_NAVIGATE_ACROSS_DOMAINS: u32 = 0x1607;
const HTML_MIXED_CONTENT: u32 = 0x1609;
const HTML_INCLUDE_FILE_PATH: u32 = 0x160A;
const SHELL_MIN: u32 = 0x1800;
const SHELL_POPUPMGR: u32 = 0x1809;
const SHELL_MAX: u32 = 0x19FF;
const CREDENTIALS_USE: u32 = 0x1A00;
const CLIENT_CERT_PROMPT: u32 = 0x1A04;
const JAVA_MIN: u32 = 0x1C00;
const JAVA_MAX: u32 = 0x1CFF;
const INFODELIVERY_MIN: u32 = 0x1D00;
const INFODELIVERY_MAX: u32 = 0x1DFF;
const CHANNEL_SOFTDIST_MIN: u32 = 0x1E00;
const CHANNEL_SOFTDIST_MAX: u32 = 0x1EFF;
const BEHAVIOR_RUN: u32 = 0x2000;
const MANAGED_AND_DOTNET_MIN: u32 = 0x2001;
const MANAGED_AND_DOTNET_MAX: u32 = 0x2007;
const FEATURE_MIME_SNIFFING: u32 = 0x2100;
const FEATURE_ZONE_ELEVATION: u32 = 0x2101;
const FEATURE_WINDOW_RESTRICTIONS: u32 = 0x2102;
const AUTOMATIC_DOWNLOAD_UI: u32 = 0x2200;
const AUTOMATIC_ACTIVEX_UI: u32 = 0x2201;
const ALLOW_RESTRICTEDPROTOCOLS: u32 = 0x2300;
const ALLOW_APEVALUATION: u32 = 0x2301;
const WINDOWS_BROWSER_APPLICATIONS: u32 = 0x2400;
const XPS_DOCUMENTS: u32 = 0x2401;
const LOOSE_XAML: u32 = 0x2402;
const WINFX_SETUP: u32 = 0x2600;

/// The zone for a URL: Internet when the policy allows it, Restricted sites otherwise.
pub fn zone(allowed: bool) -> u32 {
    if allowed {
        ZONE_INTERNET
    } else {
        ZONE_RESTRICTED
    }
}

/// The answer for `action` on a URL the policy allows (`allowed`) or not.
pub fn answer(action: u32, allowed: bool) -> ActionAnswer {
    if !allowed {
        return ActionAnswer::Disallow("anything, for a URL outside the policy");
    }
    match action {
        DOWNLOAD_MIN..=DOWNLOAD_MAX => ActionAnswer::Disallow("ActiveX control downloads"),
        ACTIVEX_MIN..=ACTIVEX_MAX | SCRIPT_SAFE_ACTIVEX | SCRIPT_OVERRIDE_SAFETY => {
            ActionAnswer::Disallow("ActiveX controls")
        }
        JAVA_MIN..=JAVA_MAX | SCRIPT_JAVA_USE | HTML_JAVA_RUN => ActionAnswer::Disallow("Java"),
        CROSS_DOMAIN_DATA => ActionAnswer::Disallow("data sources across domains"),
        SCRIPT_PASTE => ActionAnswer::Disallow("script access to the clipboard"),
        HTML_SUBFRAME_NAVIGATE_ACROSS_DOMAINS => {
            ActionAnswer::Disallow("frames navigating windows of other domains")
        }
        HTML_MIXED_CONTENT => ActionAnswer::Disallow("http content in https pages"),
        HTML_INCLUDE_FILE_PATH => ActionAnswer::Disallow("local paths in file uploads"),
        // The pop-up manager: "allow" here means the pop-up blocker is on.
        SHELL_POPUPMGR => ActionAnswer::Allow,
        SHELL_MIN..=SHELL_MAX => {
            ActionAnswer::Disallow("shell actions (file downloads, verbs, drag and drop)")
        }
        CREDENTIALS_USE => ActionAnswer::AnonymousOnly,
        CLIENT_CERT_PROMPT => ActionAnswer::Disallow("the client certificate prompt"),
        INFODELIVERY_MIN..=INFODELIVERY_MAX | CHANNEL_SOFTDIST_MIN..=CHANNEL_SOFTDIST_MAX => {
            ActionAnswer::Disallow("channels and software distribution")
        }
        BEHAVIOR_RUN => ActionAnswer::Disallow("binary behaviors"),
        MANAGED_AND_DOTNET_MIN..=MANAGED_AND_DOTNET_MAX => {
            ActionAnswer::Disallow(".NET components")
        }
        // For the two FEATURE_ actions below, "allow" means the protection applies.
        FEATURE_MIME_SNIFFING => ActionAnswer::Disallow("MIME sniffing"),
        FEATURE_ZONE_ELEVATION => ActionAnswer::Disallow("navigation to a more trusted zone"),
        FEATURE_WINDOW_RESTRICTIONS => ActionAnswer::Allow,
        AUTOMATIC_DOWNLOAD_UI | AUTOMATIC_ACTIVEX_UI => ActionAnswer::Disallow("download prompts"),
        ALLOW_RESTRICTEDPROTOCOLS => ActionAnswer::Disallow("restricted protocols"),
        ALLOW_APEVALUATION => ActionAnswer::Disallow("add-on evaluation"),
        WINDOWS_BROWSER_APPLICATIONS | XPS_DOCUMENTS | LOOSE_XAML | WINFX_SETUP => {
            ActionAnswer::Disallow("XAML, XPS and browser applications")
        }
        _ => ActionAnswer::Default,
    }
}

/// The `URLPOLICY` value an answer writes, if any.
pub fn policy_value(answer: ActionAnswer) -> Option<u32> {
    match answer {
        ActionAnswer::Default => None,
        ActionAnswer::Allow => Some(URLPOLICY_ALLOW),
        ActionAnswer::Disallow(_) => Some(URLPOLICY_DISALLOW),
        ActionAnswer::AnonymousOnly => Some(URLPOLICY_CREDENTIALS_ANONYMOUS_ONLY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_outside_the_policy_is_restricted_and_may_do_nothing() {
        assert_eq!(zone(false), 4);
        for action in [0x1400, 0x1A00, 0x1809, 0x1601, 0x2102, 0x9999] {
            assert_eq!(
                answer(action, false),
                ActionAnswer::Disallow("anything, for a URL outside the policy"),
                "{action:#x}"
            );
        }
    }

    #[test]
    fn an_allowed_url_is_in_the_internet_zone() {
        assert_eq!(zone(true), 3);
    }

    #[test]
    fn the_dangerous_actions_are_refused_for_allowed_urls() {
        for (action, what) in [
            (0x1001, "ActiveX control downloads"),
            (0x1200, "ActiveX controls"),
            (0x1405, "ActiveX controls"),
            (0x1C00, "Java"),
            (0x1406, "data sources across domains"),
            (
                0x1803,
                "shell actions (file downloads, verbs, drag and drop)",
            ),
            (
                0x1806,
                "shell actions (file downloads, verbs, drag and drop)",
            ),
            (0x160A, "local paths in file uploads"),
            (0x1609, "http content in https pages"),
            (0x2101, "navigation to a more trusted zone"),
            (0x2200, "download prompts"),
            (0x2000, "binary behaviors"),
        ] {
            assert_eq!(
                answer(action, true),
                ActionAnswer::Disallow(what),
                "{action:#x}"
            );
            assert_eq!(policy_value(answer(action, true)), Some(3));
        }
    }

    #[test]
    fn credentials_are_anonymous_only_and_pop_ups_blocked() {
        assert_eq!(answer(0x1A00, true), ActionAnswer::AnonymousOnly);
        assert_eq!(policy_value(ActionAnswer::AnonymousOnly), Some(0x0003_0000));
        assert_eq!(answer(0x1809, true), ActionAnswer::Allow);
        assert_eq!(policy_value(ActionAnswer::Allow), Some(0));
    }

    #[test]
    fn script_forms_and_fonts_keep_the_internet_zone_answer() {
        // URLACTION_SCRIPT_RUN, HTML_SUBMIT_FORMS, HTML_FONT_DOWNLOAD, HTML_META_REFRESH,
        // COOKIES.
        for action in [0x1400, 0x1601, 0x1604, 0x1608, 0x1A02] {
            assert_eq!(answer(action, true), ActionAnswer::Default, "{action:#x}");
            assert_eq!(policy_value(answer(action, true)), None);
        }
    }
}
