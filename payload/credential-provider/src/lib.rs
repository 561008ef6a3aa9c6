//! SsprCredentialProvider.dll: the credential provider LogonUI loads to offer password reset.
//!
//! Pure logic builds and tests on any platform: which scenarios we take part in ([`scenario`]),
//! what we show ([`presentation`], [`fields`], [`field_layout`]), when the filter hides the inbox
//! password provider ([`filter_policy`], [`wrapper_health`]), whom the reset is for
//! ([`user_name`]), how the reset host is started ([`host_command`]), logging ([`logging`]),
//! object accounting ([`lifetime`]) and the panic guard ([`guard`]). The COM glue in `com` is
//! Windows-only and stays thin.

pub mod fault;
pub mod field_layout;
pub mod fields;
pub mod filter_policy;
pub mod guard;
/// The host's command line lives in its own crate (`sspr-host-command`) so the fuzz target can
/// use it: this crate is a `cdylib` only (with an `rlib` beside it cargo runs no LTO).
pub use sspr_host_command as host_command;
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

/// The provider's class id (docs/design.md, "MSI identity and properties").
pub const PROVIDER_CLSID: u128 = sspr_identity::PROVIDER_CLSID_VALUE;

/// The filter's class id: registered under `Credential Provider Filters`, it hides the inbox
/// password provider while we wrap it.
pub const FILTER_CLSID: u128 = sspr_identity::FILTER_CLSID_VALUE;

/// The inbox password provider we wrap (`CLSID_PasswordCredentialProvider` in the Windows SDK).
pub const PASSWORD_PROVIDER_CLSID: u128 = sspr_identity::PASSWORD_PROVIDER_CLSID_VALUE;

/// The Application event log source the MSI registers and the provider reports under.
pub const EVENT_SOURCE: &str = sspr_identity::EVENT_SOURCE;

/// Formats a class id the way the registry spells it: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub use sspr_identity::format_guid as clsid_string;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_ids_in_registry_form() {
        assert_eq!(clsid_string(PROVIDER_CLSID), sspr_identity::PROVIDER_CLSID);
        assert_eq!(clsid_string(FILTER_CLSID), sspr_identity::FILTER_CLSID);
        assert_eq!(
            clsid_string(PASSWORD_PROVIDER_CLSID),
            sspr_identity::PASSWORD_PROVIDER_CLSID
        );
        assert_eq!(
            sspr_settings::PROVIDER_KEY.rsplit('\\').next(),
            Some(clsid_string(PROVIDER_CLSID).as_str()),
            "the settings crate reads EnableLogging under our own registration key"
        );
    }
}
