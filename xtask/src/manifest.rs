//! `dist-manifest.json`: what was built, from which commit, with which tools, and each file's
//! size, SHA-256 and signing state.

use serde::Serialize;

use crate::arch::Arch;

#[derive(Debug, Serialize)]
pub struct DistManifest {
    pub name: &'static str,
    pub version: String,
    pub commit: String,
    pub source_date_epoch: u64,
    pub toolchain: Toolchain,
    /// False for an unsigned build (no `--sign`).
    pub signed: bool,
    /// SHA-256 of the signing certificate (DER), when signed.
    pub certificate_sha256: Option<String>,
    pub arches: Vec<ArchArtifacts>,
    /// The administrative templates (`PolicyDefinitions/...`), beside the MSIs and in each zip.
    pub policy_definitions: Vec<FileRecord>,
}

#[derive(Debug, Serialize)]
pub struct Toolchain {
    pub rustc: String,
    pub wix_backend: String,
}

#[derive(Debug, Serialize)]
pub struct ArchArtifacts {
    #[serde(serialize_with = "crate::arch::serialize_name")]
    pub arch: Arch,
    /// The MSI and the zip, paths relative to the dist folder.
    pub artifacts: Vec<FileRecord>,
    /// The binaries inside the MSI, by shipped name.
    pub payload: Vec<FileRecord>,
}

#[derive(Debug, Serialize)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub signed: bool,
    pub certificate_sha256: Option<String>,
}

impl DistManifest {
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings and numbers cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let manifest = DistManifest {
            name: "SsprWindowsLogon",
            version: "0.1.0".into(),
            commit: "abc".into(),
            source_date_epoch: 1,
            toolchain: Toolchain {
                rustc: "rustc 1.95.0".into(),
                wix_backend: "wixl 0.101".into(),
            },
            signed: false,
            certificate_sha256: None,
            arches: vec![ArchArtifacts {
                arch: Arch::X64,
                artifacts: vec![FileRecord {
                    path: "x64/SsprWindowsLogon.PROD.msi".into(),
                    size: 3,
                    sha256: "ff".into(),
                    signed: false,
                    certificate_sha256: None,
                }],
                payload: vec![],
            }],
            policy_definitions: vec![FileRecord {
                path: "PolicyDefinitions/SsprWindowsLogon.admx".into(),
                size: 5,
                sha256: "aa".into(),
                signed: false,
                certificate_sha256: None,
            }],
        };
        let value: serde_json::Value = serde_json::from_str(&manifest.to_json()).unwrap();
        assert_eq!(value["arches"][0]["arch"], "x64");
        assert_eq!(value["arches"][0]["artifacts"][0]["size"], 3);
        assert_eq!(value["signed"], false);
        assert_eq!(value["toolchain"]["wix_backend"], "wixl 0.101");
        assert_eq!(
            value["policy_definitions"][0]["path"],
            "PolicyDefinitions/SsprWindowsLogon.admx"
        );
    }
}
