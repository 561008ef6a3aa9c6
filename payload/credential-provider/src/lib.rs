//! SsprCredentialProvider.dll: the credential provider LogonUI loads to offer password reset.
//!
//! Pure logic (scenarios, fields, object accounting, the panic guard) builds and tests on any
//! platform; the COM glue in [`com`] is Windows-only and stays thin.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod fields;
pub mod guard;
pub mod lifetime;
pub mod scenario;

#[cfg(windows)]
mod com;

/// The provider's class id, `{86D2F0AC-2171-46CF-9998-4E33B3D7FD4F}` (DESIGN section 2).
pub const PROVIDER_CLSID: u128 = 0x86D2F0AC_2171_46CF_9998_4E33B3D7FD4F;
