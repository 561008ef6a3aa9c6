//! GUIDs as the registry and MSI tables spell them: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.

/// Formats `value` upper case and braced, the way the registry and MSI tables write GUIDs.
pub fn format_guid(value: u128) -> String {
    let hex = format!("{value:032X}");
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The number a braced GUID stands for (either case), for `GUID::from_u128`; evaluated at
/// compile time for the constants of this crate. Characters other than hex digits are skipped,
/// so a malformed constant shows up as a wrong value, which the crate's tests compare with
/// [`format_guid`]'s spelling.
pub const fn guid_value(braced: &str) -> u128 {
    let bytes = braced.as_bytes();
    let mut value: u128 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let digit = match bytes[i] {
            b @ b'0'..=b'9' => Some(b - b'0'),
            b @ b'a'..=b'f' => Some(b - b'a' + 10),
            b @ b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        };
        if let Some(d) = digit {
            value = (value << 4) | d as u128;
        }
        i += 1;
    }
    value
}

/// The number `text` spells as a GUID, braced or not, either case; `None` unless it is exactly
/// the 8-4-4-4-12 hex form (for command lines: [`guid_value`] accepts anything).
pub fn parse_guid(text: &str) -> Option<u128> {
    let bare = text.strip_prefix('{').unwrap_or(text);
    let bare = bare.strip_suffix('}').unwrap_or(bare);
    let value = guid_value(bare);
    format_guid(value)
        .get(1..37)
        .is_some_and(|canonical| canonical.eq_ignore_ascii_case(bare))
        .then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_both_ways() {
        let text = "{00112233-4455-6677-8899-AABBCCDDEEFF}";
        assert_eq!(guid_value(text), 0x00112233_4455_6677_8899_AABBCCDDEEFF);
        assert_eq!(format_guid(guid_value(text)), text);
        assert_eq!(guid_value(&text.to_ascii_lowercase()), guid_value(text));
        assert_eq!(format_guid(1), "{00000000-0000-0000-0000-000000000001}");
    }

    #[test]
    fn parses_only_the_exact_form() {
        let value = 0x00112233_4455_6677_8899_AABBCCDDEEFF;
        assert_eq!(
            parse_guid("{00112233-4455-6677-8899-AABBCCDDEEFF}"),
            Some(value)
        );
        assert_eq!(
            parse_guid("00112233-4455-6677-8899-aabbccddeeff"),
            Some(value)
        );
        for bad in [
            "",
            "{}",
            "{00112233-4455-6677-8899-AABBCCDDEEF}",
            "{0011223x-4455-6677-8899-AABBCCDDEEFF}",
            "00112233445566778899AABBCCDDEEFF",
            "{{00112233-4455-6677-8899-AABBCCDDEEFF}}",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad:?}");
        }
    }
}
