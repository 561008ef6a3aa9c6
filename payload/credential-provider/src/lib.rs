//! SsprCredentialProvider.dll: the credential provider LogonUI loads to offer password reset.
//!
//! Pure logic builds and tests on any platform: which scenarios we take part in ([`scenario`]),
//! what we show ([`presentation`], [`fields`], [`field_layout`]), when the filter hides the inbox
//! password provider ([`filter_policy`], [`wrapper_health`]), whom the reset is for
//! ([`user_name`]), how the reset host is started ([`host_command`]), logging ([`logging`]),
//! object accounting ([`lifetime`]) and the panic guard ([`guard`]). The COM glue in `com` is
//! Windows-only and stays thin.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod fault;
pub mod field_layout;
pub mod fields;
pub mod filter_policy;
pub mod guard;
pub mod host_command;
pub mod lifetime;
pub mod logging;
pub mod presentation;
pub mod scenario;
pub mod session;
pub mod settings_freshness;
pub mod user_name;
pub mod wrapper_health;

#[cfg(windows)]
mod com;

/// The provider's class id, `{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}` (DESIGN section 2).
pub const PROVIDER_CLSID: u128 = 0x86D2F0AC_2171_46CF_9998_4E33B3D7FD4F;

/// The filter's class id, `{0101B97F-830D-47C8-BFE7-C9CB2DB83703}`: registered under
/// `Credential Provider Filters`, it hides the inbox password provider while we wrap it.
pub const FILTER_CLSID: u128 = 0x0101B97F_830D_47C8_BFE7_C9CB2DB83703;

/// The inbox password provider we wrap, `{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}`
/// (`CLSID_PasswordCredentialProvider` in the Windows SDK).
pub const PASSWORD_PROVIDER_CLSID: u128 = 0x60b78e88_ead8_445c_9cfd_0b87f74ea6cd;

/// The Application event log source the MSI registers and the provider reports under.
pub const EVENT_SOURCE: &str = "SsprCredentialProvider";

/// Formats a class id the way the registry spells it: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub fn clsid_string(clsid: u128) -> String {
    let hex = format!("{clsid:032X}");
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_ids_in_registry_form() {
        assert_eq!(
            clsid_string(PROVIDER_CLSID),
            "{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}"
        );
        assert_eq!(
            clsid_string(FILTER_CLSID),
            "{0101B97F-830D-47C8-BFE7-C9CB2DB83703}"
        );
        assert_eq!(
            clsid_string(PASSWORD_PROVIDER_CLSID),
            "{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}"
        );
        assert_eq!(
            sspr_settings::PROVIDER_KEY.rsplit('\\').next(),
            Some(clsid_string(PROVIDER_CLSID).as_str()),
            "the settings crate reads EnableLogging under our own registration key"
        );
    }
}
