//! The user name in the portal address: whatever is typed as a user name lands percent-encoded
//! in exactly the place `{username}` (or the Microsoft portal's `username=`) marks, decodes back
//! to what was typed, and can never move the window to another host: the address is allowed, or
//! refused as an open redirect when the name itself spells a URL to another host.

use sspr_reset_host::portal::portal_address;
use sspr_url_policy::{DenyKind, Policy, Verdict};

/// An admin's portal with the placeholder between two fixed parameters and a fragment.
const TEMPLATE_BEFORE: &str = "https://sspr.contoso.com/reset?who=";
const TEMPLATE_AFTER: &str = "&lang=en#top";
const MICROSOFT_PORTAL: &str = "https://passwordreset.microsoftonline.com/";

pub fn user_name_in_the_portal_address(policy: &Policy, user: &str) {
    let template = format!("{TEMPLATE_BEFORE}{{username}}{TEMPLATE_AFTER}");
    let address = portal_address(&template, "sspr.contoso.com", Some(user));
    let encoded = address
        .strip_prefix(TEMPLATE_BEFORE)
        .and_then(|rest| rest.strip_suffix(TEMPLATE_AFTER))
        .unwrap_or_else(|| panic!("the name moved the fixed parts: {address:?}"));
    assert_encoded(encoded, user);
    assert_stays(policy, &address, "sspr.contoso.com");

    let address = portal_address(
        MICROSOFT_PORTAL,
        "passwordreset.microsoftonline.com",
        Some(user),
    );
    if address != MICROSOFT_PORTAL {
        let encoded = address
            .strip_prefix(MICROSOFT_PORTAL)
            .and_then(|rest| rest.strip_prefix("?username="))
            .unwrap_or_else(|| panic!("the name went elsewhere: {address:?}"));
        assert_encoded(encoded, user);
        assert_eq!(user.matches('@').count(), 1, "not a UPN: {user:?}");
        assert_stays(policy, &address, "passwordreset.microsoftonline.com");
    }
}

/// `encoded` holds only unreserved characters and `%XX` escapes, and decodes to `user`.
fn assert_encoded(encoded: &str, user: &str) {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| {
                    h.bytes()
                        .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
                })
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| panic!("a bad escape in {encoded:?}"));
            decoded.push(hex);
            i += 3;
        } else {
            assert!(
                b.is_ascii_alphanumeric() || b"-._~".contains(&b),
                "{:?} left unencoded in {encoded:?}",
                char::from(b)
            );
            decoded.push(b);
            i += 1;
        }
    }
    assert_eq!(
        decoded,
        user.as_bytes(),
        "{encoded:?} does not decode to the name"
    );
}

fn assert_stays(policy: &Policy, address: &str, host: &str) {
    match policy.check(address) {
        Verdict::Allow { host: allowed } => assert_eq!(allowed, host, "{address:?}"),
        Verdict::Deny(deny) => assert_eq!(
            deny.kind,
            DenyKind::OpenRedirect,
            "{address:?} refused for another reason: {deny}"
        ),
    }
}
