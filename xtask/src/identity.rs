//! The product's identity codes: the one tracked place for the UpgradeCodes, and the
//! deterministic ProductCode derived from them.
//!
//! The UpgradeCode never changes for an arch (it is how a major upgrade finds the old version);
//! the ProductCode is a hash of UpgradeCode, version and arch, so rebuilding the same version
//! gives the same product instead of a second one installed beside it.

use sha2::{Digest, Sha256};

use crate::arch::Arch;
use crate::version::ProductVersion;

/// The UpgradeCode of each arch's package (kept in `sspr-identity`).
pub fn upgrade_code(arch: Arch) -> &'static str {
    arch.upgrade_code()
}

/// The ProductCode of `version` for `arch`: a name-based GUID (RFC 9562 version 8) over SHA-256.
pub fn product_code(arch: Arch, version: ProductVersion) -> String {
    let mut hasher = Sha256::new();
    for part in [
        "SsprWindowsLogon ProductCode",
        upgrade_code(arch),
        &version.to_string(),
        arch.name(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0F) | 0x80; // version 8: custom, name-based
    bytes[8] = (bytes[8] & 0x3F) | 0x80; // RFC 9562 variant
    format_guid(&bytes)
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, upper case, as MSI tables write GUIDs.
pub fn format_guid(bytes: &[u8; 16]) -> String {
    sspr_identity::format_guid(u128::from_be_bytes(*bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ProductVersion {
        ProductVersion::parse(text).unwrap()
    }

    #[test]
    fn product_code_is_stable_for_the_same_inputs() {
        assert_eq!(
            product_code(Arch::X64, v("0.1.0")),
            product_code(Arch::X64, v("0.1.0"))
        );
        // Pinned: a change here would make a rebuild of a released version a different product.
        assert_eq!(
            product_code(Arch::X64, v("0.1.0")),
            "{ECBFBDC8-FC72-8AD8-A207-F63706CA20D2}"
        );
    }

    #[test]
    fn product_code_differs_by_version_and_arch() {
        let a = product_code(Arch::X64, v("0.1.0"));
        assert_ne!(a, product_code(Arch::X64, v("0.1.1")));
        assert_ne!(a, product_code(Arch::X86, v("0.1.0")));
        assert_ne!(upgrade_code(Arch::X64), upgrade_code(Arch::X86));
    }

    #[test]
    fn guids_are_well_formed() {
        let code = product_code(Arch::X86, v("2.3.4"));
        assert_eq!(code.len(), 38);
        assert!(code.starts_with('{') && code.ends_with('}'));
        let groups: Vec<usize> = code[1..37].split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        assert_eq!(&code[15..16], "8", "version nibble");
    }
}
