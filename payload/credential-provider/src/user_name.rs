//! Whom the reset is for: the user name passed to the reset host, taken from the wrapped tile.
//!
//! Only a user-name field is ever read: never a password field, whatever its label says.

use crate::field_layout::{InnerField, CPFT_EDIT_TEXT};

/// `CPFG_LOGON_USERNAME`, `{da15bbe8-954d-4fd3-b0f4-1fb5b90b174b}` (Windows 8 SDK).
pub const CPFG_LOGON_USERNAME: u128 = 0xda15bbe8_954d_4fd3_b0f4_1fb5b90b174b;

/// Longest user name passed on (`DOMAIN\user` is at most 15 + 1 + 104; a UPN at most 256).
pub const MAX_USER_NAME_CHARS: usize = 256;

/// The field whose value is the user name: the one typed `CPFG_LOGON_USERNAME` if the provider
/// labels its fields (Windows 8 and later), else its first edit box (Windows 7's password
/// provider has exactly one, the user name). Password fields are never chosen.
pub fn user_name_field(fields: &[InnerField]) -> Option<u32> {
    fields
        .iter()
        .find(|f| f.guid == CPFG_LOGON_USERNAME && f.kind == CPFT_EDIT_TEXT)
        .or_else(|| fields.iter().find(|f| f.kind == CPFT_EDIT_TEXT))
        .map(|f| f.id)
}

/// A user name fit to pass on: trimmed, without control characters, bounded; `None` if empty.
pub fn clean(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_NAME_CHARS)
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// `DOMAIN\name` from `LookupAccountSidW`'s two parts (just `name` when the domain is empty).
pub fn qualified(domain: &str, name: &str) -> Option<String> {
    if domain.is_empty() {
        clean(name)
    } else {
        clean(&format!("{domain}\\{name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_layout::CPFT_PASSWORD_TEXT;

    fn field(id: u32, kind: i32, guid: u128) -> InnerField {
        InnerField { id, kind, guid }
    }

    #[test]
    fn prefers_the_typed_user_name_field() {
        let fields = [
            field(0, 6, 0),
            field(1, CPFT_EDIT_TEXT, 0),
            field(2, CPFT_EDIT_TEXT, CPFG_LOGON_USERNAME),
            field(
                3,
                CPFT_PASSWORD_TEXT,
                0x60624cfa_a477_47b1_8a8e_3a4a19981827,
            ),
        ];
        assert_eq!(user_name_field(&fields), Some(2));
    }

    #[test]
    fn falls_back_to_the_first_edit_box_and_never_a_password() {
        let fields = [
            field(0, 1, 0),
            field(4, CPFT_PASSWORD_TEXT, 0),
            field(7, CPFT_EDIT_TEXT, 0),
        ];
        assert_eq!(user_name_field(&fields), Some(7));
        // A password field mislabelled as the user name is still never read.
        let fields = [field(4, CPFT_PASSWORD_TEXT, CPFG_LOGON_USERNAME)];
        assert_eq!(user_name_field(&fields), None);
        assert_eq!(user_name_field(&[]), None);
    }

    #[test]
    fn cleans_and_qualifies_names() {
        assert_eq!(
            clean("  CONTOSO\\alice \r\n"),
            Some("CONTOSO\\alice".into())
        );
        assert_eq!(clean(" \t "), None);
        assert_eq!(
            clean(&"a".repeat(300)).map(|s| s.len()),
            Some(MAX_USER_NAME_CHARS)
        );
        assert_eq!(qualified("CONTOSO", "alice"), Some("CONTOSO\\alice".into()));
        assert_eq!(qualified("", "alice"), Some("alice".into()));
        assert_eq!(qualified("", ""), None);
    }
}
