//! The software bill of materials of one architecture: a CycloneDX 1.5 JSON document listing
//! every crate compiled into each of the three payload binaries (name, version, purl, licence,
//! source, the `.crate` checksum from `Cargo.lock`), the standard library `-Zbuild-std` compiles
//! from the toolchain, which binary contains what, and the tools that built it.
//!
//! The graph is cargo's own: [`graph::cargo_tree`] over the packages of each cargo invocation
//! `dist` makes ([`payload::build_groups`]), for the architecture's target, so the features and
//! the `cfg(target_os)` dependencies are those of the real build. The document is reproducible:
//! its one time is `SOURCE_DATE_EPOCH`, its serial number a name-based UUID over its own content,
//! and it holds no path of the machine it was made on.

pub mod graph;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::arch::Arch;
use crate::archive::civil_from_epoch;
use crate::payload::{self, PayloadBinary, PAYLOAD};
use crate::version::ProductVersion;
use crate::workspace::{tool_version, Workspace};

use graph::{CrateInfo, CrateKey, Source, Tree};

/// The file name of an architecture's SBOM in the dist folder.
pub fn sbom_name(version: ProductVersion, arch: Arch) -> String {
    format!("SsprWindowsLogon-{version}-{}.cdx.json", arch.name())
}

/// Its name inside the zip's top folder.
pub const SBOM_IN_ZIP: &str = "sbom.cdx.json";

/// The properties' namespace (CycloneDX property names are free-form; ours share a prefix).
const PROP: &str = "ssprwindowslogon";

/// The graph of one shipped binary: its cargo package's crate and every crate it reaches.
#[derive(Clone, Debug)]
pub struct BinaryCrates {
    pub binary: PayloadBinary,
    pub root: CrateKey,
    pub crates: BTreeSet<CrateKey>,
}

/// Everything the document says, gathered; [`document`] turns it into JSON without running
/// anything.
#[derive(Clone, Debug)]
pub struct SbomInputs {
    pub version: ProductVersion,
    pub arch: Arch,
    pub commit: String,
    pub epoch: u64,
    pub binaries: Vec<BinaryCrates>,
    /// Direct dependencies of each crate, over every build of this arch.
    pub edges: BTreeMap<CrateKey, BTreeSet<CrateKey>>,
    pub infos: BTreeMap<CrateKey, CrateInfo>,
    /// `rustc -V`'s version (the standard library's version: build-std compiles its rust-src).
    pub rustc_version: String,
    /// (tool, first line of its version output)
    pub tools: Vec<(String, String)>,
}

/// Runs the cargo and tool queries for `arch` and gathers [`SbomInputs`].
pub fn gather(
    ws: &Workspace,
    arch: Arch,
    version: ProductVersion,
    epoch: u64,
    wix_backend: &str,
) -> Result<SbomInputs> {
    let metadata = graph::cargo_metadata(&ws.cargo, &ws.root).output_text()?;
    let lock_path = ws.root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    let infos = graph::crate_infos(&metadata, &lock)?;
    let packages: Vec<&str> = PAYLOAD.iter().map(|p| p.package).collect();
    let mut edges: BTreeMap<CrateKey, BTreeSet<CrateKey>> = BTreeMap::new();
    let mut binaries = Vec::new();
    for group in payload::build_groups(&packages) {
        let text =
            graph::cargo_tree(&ws.cargo, &ws.root, arch.rust_target(), &group).output_text()?;
        let tree = graph::parse_tree(&text)?;
        for binary in PAYLOAD.iter().filter(|p| group.contains(&p.package)) {
            binaries.push(binary_crates(&tree, *binary)?);
        }
        for (from, to) in tree.edges {
            edges.entry(from).or_default().extend(to);
        }
    }
    let rustc = tool_version("rustc", &["-V"]);
    let rustc_version = rustc.split(' ').nth(1).unwrap_or("unknown").to_owned();
    let linker = crate::arch::linker(arch);
    let ld = linker.replace("-gcc", "-ld");
    let tools = vec![
        ("rustc".to_owned(), rustc),
        ("cargo".to_owned(), tool_version(&ws.cargo, &["-V"])),
        (linker.to_owned(), tool_version(linker, &["--version"])),
        (ld.clone(), tool_version(&ld, &["--version"])),
        ("wixl".to_owned(), wix_backend.to_owned()),
    ];
    Ok(SbomInputs {
        version,
        arch,
        commit: ws.commit(),
        epoch,
        binaries,
        edges,
        infos,
        rustc_version,
        tools,
    })
}

fn binary_crates(tree: &Tree, binary: PayloadBinary) -> Result<BinaryCrates> {
    let root = tree
        .roots
        .iter()
        .find(|r| r.name == binary.package)
        .with_context(|| format!("`cargo tree` has no root for {}", binary.package))?
        .clone();
    Ok(BinaryCrates {
        binary,
        crates: tree.reachable(&root),
        root,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: BomMetadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct BomMetadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<License>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum License {
    Expression { expression: String },
    Named { license: NamedLicense },
}

#[derive(Serialize)]
struct NamedLicense {
    name: String,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

fn property(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: format!("{PROP}:{name}"),
        value: value.into(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// The package URL of a cargo crate (also its `bom-ref`: unique, since crates are keyed by
/// name and version).
pub fn purl(key: &CrateKey) -> String {
    format!("pkg:cargo/{}@{}", key.name, key.version)
}

fn binary_ref(binary: &PayloadBinary) -> String {
    format!("binary:{}", binary.shipped_name)
}

const STD_REF: &str = "rust-std";
const PRODUCT_REF: &str = "SsprWindowsLogon";

fn crate_component(info: &CrateInfo, binaries: &[&str]) -> Component {
    let key = &info.key;
    let licenses = match (&info.license, &info.license_file) {
        (Some(expression), _) => vec![License::Expression {
            expression: expression.clone(),
        }],
        (None, Some(file)) => vec![License::Named {
            license: NamedLicense {
                name: format!("the crate's {file}"),
            },
        }],
        (None, None) => Vec::new(),
    };
    let mut references = Vec::new();
    let source = match &info.source {
        Source::CratesIo => {
            references.push(ExternalReference {
                kind: "distribution",
                url: format!(
                    "https://crates.io/api/v1/crates/{}/{}/download",
                    key.name, key.version
                ),
            });
            "crates.io".to_owned()
        }
        Source::Workspace(dir) => format!("workspace:{dir}"),
        Source::Other(other) => other.clone(),
    };
    if let Some(repository) = &info.repository {
        references.push(ExternalReference {
            kind: "vcs",
            url: repository.clone(),
        });
    }
    let mut properties = vec![property("cargo-source", source)];
    if info.proc_macro {
        properties.push(property("proc-macro", "true"));
    }
    properties.push(property("in-binaries", binaries.join(" ")));
    Component {
        kind: "library",
        bom_ref: Some(purl(key)),
        name: key.name.clone(),
        version: Some(key.version.clone()),
        description: info.description.as_ref().map(|d| d.trim().to_owned()),
        scope: Some("required"),
        hashes: info
            .checksum
            .iter()
            .map(|sum| Hash {
                alg: "SHA-256",
                content: sum.clone(),
            })
            .collect(),
        licenses,
        purl: Some(purl(key)),
        external_references: references,
        properties,
    }
}

/// An ISO 8601 UTC time.
fn iso8601(epoch: u64) -> String {
    let (y, mo, d, h, mi, s) = civil_from_epoch(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// The CycloneDX document for `inputs`, as pretty JSON ending in a newline.
pub fn document(inputs: &SbomInputs) -> Result<String> {
    let mut all: BTreeSet<&CrateKey> = BTreeSet::new();
    for binary in &inputs.binaries {
        all.extend(&binary.crates);
    }
    let mut components = Vec::new();
    for binary in &inputs.binaries {
        components.push(Component {
            kind: if binary.binary.shipped_name.ends_with(".dll") {
                "library"
            } else {
                "application"
            },
            bom_ref: Some(binary_ref(&binary.binary)),
            name: binary.binary.shipped_name.to_owned(),
            version: Some(inputs.version.to_string()),
            scope: Some("required"),
            properties: vec![
                property("cargo-package", binary.binary.package),
                property("rust-target", inputs.arch.rust_target()),
            ],
            ..Component::default()
        });
    }
    components.push(Component {
        kind: "library",
        bom_ref: Some(STD_REF.to_owned()),
        name: "rust-std".to_owned(),
        version: Some(inputs.rustc_version.clone()),
        description: Some(format!(
            "The Rust standard library (core, alloc, std, panic_unwind and their dependencies), compiled for {} from the toolchain's rust-src by -Zbuild-std",
            inputs.arch.rust_target()
        )),
        scope: Some("required"),
        licenses: vec![License::Expression {
            expression: "MIT OR Apache-2.0".to_owned(),
        }],
        purl: Some(format!("pkg:generic/rust-std@{}", inputs.rustc_version)),
        ..Component::default()
    });
    for key in &all {
        let info = inputs.infos.get(*key).with_context(|| {
            format!("{key} is in `cargo tree` but not in `cargo metadata`: is Cargo.lock current?")
        })?;
        let binaries: Vec<&str> = inputs
            .binaries
            .iter()
            .filter(|b| b.crates.contains(*key))
            .map(|b| b.binary.shipped_name)
            .collect();
        components.push(crate_component(info, &binaries));
    }
    let mut dependencies = vec![Dependency {
        reference: PRODUCT_REF.to_owned(),
        depends_on: inputs
            .binaries
            .iter()
            .map(|b| binary_ref(&b.binary))
            .collect(),
    }];
    for binary in &inputs.binaries {
        dependencies.push(Dependency {
            reference: binary_ref(&binary.binary),
            depends_on: vec![purl(&binary.root), STD_REF.to_owned()],
        });
    }
    for key in &all {
        dependencies.push(Dependency {
            reference: purl(key),
            depends_on: inputs
                .edges
                .get(*key)
                .map(|children| children.iter().map(purl).collect())
                .unwrap_or_default(),
        });
    }
    let tools = inputs
        .tools
        .iter()
        .map(|(name, version)| Component {
            kind: "application",
            name: name.clone(),
            version: Some(version.clone()),
            ..Component::default()
        })
        .collect();
    let mut bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.5",
        serial_number: None,
        version: 1,
        metadata: BomMetadata {
            timestamp: iso8601(inputs.epoch),
            tools: Tools { components: tools },
            component: Component {
                kind: "application",
                bom_ref: Some(PRODUCT_REF.to_owned()),
                name: "SsprWindowsLogon".to_owned(),
                version: Some(inputs.version.to_string()),
                description: Some(format!(
                    "The {} MSI's payload (Windows 7 and later)",
                    inputs.arch.name()
                )),
                licenses: vec![License::Expression {
                    expression: "MIT".to_owned(),
                }],
                properties: vec![
                    property("arch", inputs.arch.name()),
                    property("commit", inputs.commit.clone()),
                    property("source-date-epoch", inputs.epoch.to_string()),
                ],
                ..Component::default()
            },
        },
        components,
        dependencies,
    };
    // The serial number names this content: a UUID over the document without it.
    let unnumbered = serde_json::to_vec(&bom).context("cannot serialise the SBOM")?;
    let digest = Sha256::new()
        .chain_update(b"SsprWindowsLogon SBOM\0")
        .chain_update(&unnumbered)
        .finalize();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&digest[..16]);
    bom.serial_number = Some(format!(
        "urn:uuid:{}",
        uuid::Builder::from_custom_bytes(raw).into_uuid()
    ));
    let mut text = serde_json::to_string_pretty(&bom).context("cannot serialise the SBOM")?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str, version: &str) -> CrateKey {
        CrateKey::new(name, version)
    }

    fn info(name: &str, version: &str, source: Source) -> CrateInfo {
        CrateInfo {
            key: k(name, version),
            checksum: (source == Source::CratesIo).then(|| format!("sum-of-{name}")),
            source,
            license: Some("MIT OR Apache-2.0".into()),
            license_file: None,
            repository: None,
            description: None,
            proc_macro: false,
        }
    }

    fn inputs() -> SbomInputs {
        let dll = k("sspr-credential-provider", "0.1.0");
        let diag = k("sspr-diag", "0.1.0");
        let link = k("windows-link", "0.1.3");
        let mut infos = BTreeMap::new();
        for i in [
            info(
                "sspr-credential-provider",
                "0.1.0",
                Source::Workspace("payload/credential-provider".into()),
            ),
            info(
                "sspr-diag",
                "0.1.0",
                Source::Workspace("payload/diag".into()),
            ),
            info("windows-link", "0.1.3", Source::CratesIo),
        ] {
            infos.insert(i.key.clone(), i);
        }
        SbomInputs {
            version: ProductVersion::parse("0.1.0").unwrap(),
            arch: Arch::X64,
            commit: "abc".into(),
            epoch: 1_700_000_000,
            binaries: vec![
                BinaryCrates {
                    binary: PAYLOAD[0],
                    root: dll.clone(),
                    crates: BTreeSet::from([dll.clone(), link.clone()]),
                },
                BinaryCrates {
                    binary: PAYLOAD[2],
                    root: diag.clone(),
                    crates: BTreeSet::from([diag.clone()]),
                },
            ],
            edges: BTreeMap::from([(dll, BTreeSet::from([link]))]),
            infos,
            rustc_version: "1.95.0".into(),
            tools: vec![("rustc".into(), "rustc 1.95.0".into())],
        }
    }

    #[test]
    fn document_lists_crates_binaries_and_tools() {
        let text = document(&inputs()).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["bomFormat"], "CycloneDX");
        assert_eq!(doc["specVersion"], "1.5");
        assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(doc["metadata"]["tools"]["components"][0]["name"], "rustc");
        let names: Vec<&str> = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "SsprCredentialProvider.dll",
                "SsprDiag.exe",
                "rust-std",
                "sspr-credential-provider",
                "sspr-diag",
                "windows-link"
            ]
        );
        let link = &doc["components"][5];
        assert_eq!(link["purl"], "pkg:cargo/windows-link@0.1.3");
        assert_eq!(link["hashes"][0]["content"], "sum-of-windows-link");
        assert_eq!(link["licenses"][0]["expression"], "MIT OR Apache-2.0");
        assert_eq!(
            link["externalReferences"][0]["url"],
            "https://crates.io/api/v1/crates/windows-link/0.1.3/download"
        );
        assert_eq!(link["properties"][0]["value"], "crates.io");
        assert_eq!(link["properties"][1]["value"], "SsprCredentialProvider.dll");
        assert_eq!(
            doc["components"][4]["properties"][0]["value"],
            "workspace:payload/diag"
        );
        assert_eq!(doc["components"][4].get("hashes"), None);
        assert_eq!(
            doc["dependencies"][1]["dependsOn"],
            serde_json::json!(["pkg:cargo/sspr-credential-provider@0.1.0", "rust-std"])
        );
        assert_eq!(
            doc["dependencies"][3]["dependsOn"],
            serde_json::json!(["pkg:cargo/windows-link@0.1.3"])
        );
    }

    #[test]
    fn serial_number_follows_the_content() {
        let one = document(&inputs()).unwrap();
        assert_eq!(one, document(&inputs()).unwrap());
        let mut changed = inputs();
        changed.epoch += 1;
        let serial = |text: &str| {
            serde_json::from_str::<serde_json::Value>(text).unwrap()["serialNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert!(serial(&one).starts_with("urn:uuid:"));
        assert_ne!(serial(&one), serial(&document(&changed).unwrap()));
    }

    #[test]
    fn a_crate_missing_from_metadata_is_an_error() {
        let mut broken = inputs();
        broken.infos.remove(&k("windows-link", "0.1.3"));
        let err = document(&broken).unwrap_err().to_string();
        assert!(err.contains("windows-link v0.1.3"), "{err}");
    }
}
