//! The first page: the portal URL, with the user's name where the portal takes one.

/// The placeholder an admin may put in `PortalUrl` for the user name (percent-encoded).
pub const USER_PLACEHOLDER: &str = "{username}";

/// The Microsoft portal's host, which takes a user principal name as `username=`.
const MICROSOFT_PORTAL_HOST: &str = "passwordreset.microsoftonline.com";

/// The address to open for `user` on `portal_url` (whose host is `portal_host`, lower-case).
///
/// - `{username}` in the URL is replaced by the encoded name (or nothing without one);
/// - otherwise the Microsoft portal gets `username=<name>` when the name is a user principal
///   name (`alice@contoso.com`): it does not know `CONTOSO\alice` or a bare `alice`;
/// - any other portal is opened as configured.
pub fn portal_address(portal_url: &str, portal_host: &str, user: Option<&str>) -> String {
    if portal_url.contains(USER_PLACEHOLDER) {
        return portal_url.replace(USER_PLACEHOLDER, &encode(user.unwrap_or_default()));
    }
    let Some(upn) = user.filter(|u| is_upn(u)) else {
        return portal_url.to_owned();
    };
    if portal_host != MICROSOFT_PORTAL_HOST {
        return portal_url.to_owned();
    }
    let (before_fragment, fragment) = match portal_url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (portal_url, None),
    };
    let separator = if before_fragment.contains('?') {
        '&'
    } else {
        '?'
    };
    let mut address = format!("{before_fragment}{separator}username={}", encode(upn));
    if let Some(fragment) = fragment {
        address.push('#');
        address.push_str(fragment);
    }
    address
}

/// `local@domain.tld`, nothing else: one `@`, no `\`, a dot in the domain.
fn is_upn(user: &str) -> bool {
    match user.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !user.contains(['\\', ' '])
        }
        None => false,
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so a name cannot add
/// query parameters or a fragment.
fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTAL: &str = "https://passwordreset.microsoftonline.com/";
    const HOST: &str = "passwordreset.microsoftonline.com";

    #[test]
    fn the_microsoft_portal_gets_a_user_principal_name() {
        assert_eq!(
            portal_address(PORTAL, HOST, Some("alice@contoso.com")),
            "https://passwordreset.microsoftonline.com/?username=alice%40contoso.com"
        );
        assert_eq!(
            portal_address(
                "https://passwordreset.microsoftonline.com/?whr=contoso.com#x",
                HOST,
                Some("a@b.c")
            ),
            "https://passwordreset.microsoftonline.com/?whr=contoso.com&username=a%40b.c#x"
        );
    }

    #[test]
    fn domain_and_bare_names_are_not_passed_to_the_microsoft_portal() {
        assert_eq!(portal_address(PORTAL, HOST, Some(r"CONTOSO\alice")), PORTAL);
        assert_eq!(portal_address(PORTAL, HOST, Some("alice")), PORTAL);
        assert_eq!(portal_address(PORTAL, HOST, None), PORTAL);
    }

    #[test]
    fn other_portals_get_the_name_only_through_the_placeholder() {
        let own = "https://reset.contoso.com/start";
        assert_eq!(portal_address(own, "reset.contoso.com", Some("a@b.c")), own);
        assert_eq!(
            portal_address(
                "https://reset.contoso.com/start?who={username}",
                "reset.contoso.com",
                Some(r"CONTOSO\al ice&x=1#f")
            ),
            "https://reset.contoso.com/start?who=CONTOSO%5Cal%20ice%26x%3D1%23f"
        );
        assert_eq!(
            portal_address(
                "https://reset.contoso.com/?u={username}",
                "reset.contoso.com",
                None
            ),
            "https://reset.contoso.com/?u="
        );
    }

    #[test]
    fn a_name_cannot_smuggle_parameters() {
        assert_eq!(
            portal_address(PORTAL, HOST, Some("a@evil.test@b.c")),
            PORTAL,
            "two @ is not a user principal name"
        );
        assert_eq!(
            portal_address(PORTAL, HOST, Some("a&ru=https://evil.test@b.c")),
            "https://passwordreset.microsoftonline.com/?username=a%26ru%3Dhttps%3A%2F%2Fevil.test%40b.c"
        );
        assert_eq!(
            portal_address(PORTAL, HOST, Some("a#x@b.c")),
            "https://passwordreset.microsoftonline.com/?username=a%23x%40b.c"
        );
    }
}
