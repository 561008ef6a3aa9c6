//! The SBOM in each release zip lists exactly the crates `cargo tree` resolves for the payload
//! packages of that zip's target, built as `cargo xtask dist` builds them (the DLL in its own
//! invocation, the two programs together), and is the same file `dist` publishes beside the zip
//! and lists in `SHA256SUMS` and the manifest. Each shipped binary carries that list in
//! cargo-auditable's `.dep-v0` section (the DLL exactly; the EXEs a superset).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set: run `cargo xtask test`"))
}

fn current_dist() -> Result<PathBuf> {
    Ok(PathBuf::from(env("SSPR_E2E_DIST")?).join("current"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const ARCHES: [(&str, &str); 2] = [
    ("x64", "x86_64-win7-windows-gnu"),
    ("x86", "i686-win7-windows-gnu"),
];

/// The invocations `dist` builds the payload with.
const BUILDS: [&[&str]; 2] = [
    &["sspr-credential-provider"],
    &["sspr-reset-host", "sspr-diag"],
];

/// `name version` of every crate in plain `cargo tree` output, normal and build dependencies as
/// the SBOM lists them (tree drawing, `(*)`, `(proc-macro)` and path suffixes removed).
fn cargo_tree_crates(target: &str, packages: &[&str]) -> Result<BTreeSet<String>> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(["tree", "--locked", "-e", "normal,build", "--target", target])
        .current_dir(workspace_root());
    for package in packages {
        command.args(["-p", package]);
    }
    let output = command.output().context("cannot run cargo tree")?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let start = line.find(|c: char| c.is_ascii_alphanumeric())?;
            let mut words = line[start..].split(' ');
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some(format!("{name} {version}"))
        })
        .collect())
}

fn zip_sbom(arch: &str) -> Result<(Vec<u8>, serde_json::Value)> {
    let version = env("SSPR_E2E_VERSION_CURRENT")?;
    let path = current_dist()?.join(format!("SsprWindowsLogon-{version}-{arch}.zip"));
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut archive =
        zip::ZipArchive::new(file).with_context(|| format!("{} is not a zip", path.display()))?;
    let mut entry = archive
        .by_name(&format!("SsprWindowsLogon-{version}-{arch}/sbom.cdx.json"))
        .with_context(|| format!("{} has no SBOM", path.display()))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the SBOM in {}", path.display()))?;
    let value = serde_json::from_slice(&bytes)
        .with_context(|| format!("the SBOM in {} is not JSON", path.display()))?;
    Ok((bytes, value))
}

fn components(sbom: &serde_json::Value) -> Result<&Vec<serde_json::Value>> {
    sbom["components"]
        .as_array()
        .context("the SBOM has no components array")
}

/// `value[key]` as a string, or an error naming the key and the JSON it is missing from.
fn str_at<'a>(value: &'a serde_json::Value, key: &str) -> Result<&'a str> {
    value[key]
        .as_str()
        .with_context(|| format!("no string `{key}` in {value}"))
}

/// `name version` of every cargo crate in the SBOM, optionally only those in `binary`.
fn sbom_crates(sbom: &serde_json::Value, binary: Option<&str>) -> Result<BTreeSet<String>> {
    let mut crates = BTreeSet::new();
    for c in components(sbom)? {
        if !c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:cargo/"))
        {
            continue;
        }
        if let Some(binary) = binary {
            let properties = c["properties"]
                .as_array()
                .with_context(|| format!("no properties array in {c}"))?;
            let mut in_binary = false;
            for p in properties {
                if p["name"] == "ssprwindowslogon:in-binaries" {
                    in_binary |= str_at(p, "value")?.split(' ').any(|b| b == binary);
                }
            }
            if !in_binary {
                continue;
            }
        }
        crates.insert(format!("{} {}", str_at(c, "name")?, str_at(c, "version")?));
    }
    Ok(crates)
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn each_zip_sbom_lists_exactly_the_crates_cargo_tree_resolves_for_its_target() -> Result<()> {
    for (arch, target) in ARCHES {
        let (_, sbom) = zip_sbom(arch)?;
        let mut expected = BTreeSet::new();
        for packages in BUILDS {
            expected.extend(cargo_tree_crates(target, packages)?);
        }
        assert!(expected.len() > 20, "{arch}: {expected:?}");
        assert_eq!(sbom_crates(&sbom, None)?, expected, "{arch}");
        // The DLL's own list is its own build's graph.
        assert_eq!(
            sbom_crates(&sbom, Some("SsprCredentialProvider.dll"))?,
            cargo_tree_crates(target, BUILDS[0])?,
            "{arch}"
        );
        assert_eq!(sbom["bomFormat"], "CycloneDX");
        assert_eq!(sbom["specVersion"], "1.5");
        let properties = sbom["metadata"]["component"]["properties"]
            .as_array()
            .unwrap();
        assert!(
            properties
                .iter()
                .any(|p| p["name"] == "ssprwindowslogon:arch" && p["value"] == arch),
            "{arch}: {properties:?}"
        );
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn every_registry_crate_carries_licence_checksum_and_source() -> Result<()> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).unwrap();
    for (arch, _) in ARCHES {
        let (_, sbom) = zip_sbom(arch)?;
        for component in components(&sbom)?
            .iter()
            .filter(|c| c["purl"].as_str().unwrap_or("").starts_with("pkg:cargo/"))
        {
            let name = component["name"].as_str().unwrap();
            assert!(
                component["licenses"][0]["expression"].is_string(),
                "{arch} {name}: {component}"
            );
            let source = component["properties"][0]["value"].as_str().unwrap();
            if source == "crates.io" {
                let sum = component["hashes"][0]["content"].as_str().unwrap();
                assert_eq!(component["hashes"][0]["alg"], "SHA-256");
                assert!(
                    lock.contains(&format!("checksum = \"{sum}\"")),
                    "{arch} {name}: checksum {sum} is not Cargo.lock's"
                );
            } else {
                assert!(
                    source.starts_with("workspace:payload/"),
                    "{arch} {name}: {source}"
                );
            }
        }
        let tools: Vec<&str> = sbom["metadata"]["tools"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        let linker = if arch == "x64" { "x86_64" } else { "i686" };
        assert_eq!(
            tools,
            [
                "rustc".to_owned(),
                "cargo".to_owned(),
                format!("{linker}-w64-mingw32-gcc"),
                format!("{linker}-w64-mingw32-ld"),
                "wixl".to_owned()
            ]
        );
    }
    Ok(())
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn the_zip_sbom_is_the_published_one_and_is_checksummed() -> Result<()> {
    let version = env("SSPR_E2E_VERSION_CURRENT")?;
    let sums = std::fs::read_to_string(current_dist()?.join("SHA256SUMS")).unwrap();
    let manifest = std::fs::read_to_string(current_dist()?.join("dist-manifest.json")).unwrap();
    for (arch, _) in ARCHES {
        let name = format!("SsprWindowsLogon-{version}-{arch}.cdx.json");
        let (bytes, _) = zip_sbom(arch)?;
        assert_eq!(
            std::fs::read(current_dist()?.join(&name)).unwrap(),
            bytes,
            "{name}"
        );
        assert!(
            sums.lines().any(|l| l.ends_with(&format!("  {name}"))),
            "{name} not in SHA256SUMS:\n{sums}"
        );
        assert!(
            manifest.contains(&format!("\"path\": \"{name}\"")),
            "{manifest}"
        );
    }
    Ok(())
}

/// The raw bytes of section `name` of a PE image.
fn pe_section<'a>(image: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([image[at], image[at + 1]]));
    let u32_at = |at: usize| {
        u32::from_le_bytes([image[at], image[at + 1], image[at + 2], image[at + 3]]) as usize
    };
    let pe = u32_at(0x3C);
    let sections = u16_at(pe + 6);
    let table = pe + 24 + u16_at(pe + 20);
    (0..sections).find_map(|index| {
        let header = table + index * 40;
        let raw_name = &image[header..header + 8];
        let end = raw_name.iter().position(|b| *b == 0).unwrap_or(8);
        (&raw_name[..end] == name.as_bytes()).then(|| {
            let (size, offset) = (u32_at(header + 16), u32_at(header + 20));
            &image[offset..offset + size]
        })
    })
}

#[test]
#[ignore = "needs the MSIs, keys and Wine that cargo xtask test provides: run cargo xtask test"]
fn each_binary_embeds_the_crates_the_sbom_lists_for_it() -> Result<()> {
    let version = env("SSPR_E2E_VERSION_CURRENT")?;
    for (arch, _) in ARCHES {
        let (_, sbom) = zip_sbom(arch)?;
        let scratch = tempfile::tempdir().unwrap();
        let msi = current_dist()?.join(arch).join("SsprWindowsLogon.PROD.msi");
        let package = sspr_e2e::package::Package::open(
            &msi,
            &version,
            if arch == "x64" {
                sspr_e2e::config::Arch::X64
            } else {
                sspr_e2e::config::Arch::X86
            },
        )
        .unwrap();
        let files = package.payload(scratch.path()).unwrap();
        for binary in [
            "SsprCredentialProvider.dll",
            "SsprResetHost.exe",
            "SsprDiag.exe",
        ] {
            let section = pe_section(&files[binary], ".dep-v0")
                .unwrap_or_else(|| panic!("{arch} {binary} has no .dep-v0 section"));
            let mut json = Vec::new();
            flate2::read::ZlibDecoder::new(section)
                .read_to_end(&mut json)
                .unwrap();
            let list: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let embedded: BTreeSet<String> = list["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    format!(
                        "{} {}",
                        p["name"].as_str().unwrap(),
                        p["version"].as_str().unwrap()
                    )
                })
                .collect();
            let listed = sbom_crates(&sbom, Some(binary))?;
            if binary.ends_with(".dll") {
                assert_eq!(embedded, listed, "{arch} {binary}");
            } else {
                // Deviation, named: cargo-auditable resolves with `cargo metadata`, whose
                // features are unified over the whole workspace, so for the EXEs it also lists
                // crates the build does not compile (clap's colour support, enabled by xtask).
                // Everything the SBOM lists must be there.
                let missing: Vec<&String> = listed.difference(&embedded).collect();
                assert!(missing.is_empty(), "{arch} {binary} lacks {missing:?}");
                assert!(embedded.len() > listed.len(), "{arch} {binary}");
            }
        }
    }
    Ok(())
}
