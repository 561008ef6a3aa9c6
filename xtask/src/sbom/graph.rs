//! What each payload binary is built from: the crate graph cargo resolves for one build of it
//! (`cargo tree -e normal,build --target <triple>` over the packages of one cargo invocation, so
//! features are unified exactly as the build unifies them), joined with `cargo metadata` for
//! licence, source and repository, and with `Cargo.lock` for each registry crate's checksum.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::command::ToolCommand;

/// A crate by name and version: unique within one resolved graph (checked when joining).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CrateKey {
    pub name: String,
    pub version: String,
}

impl CrateKey {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
        }
    }
}

impl std::fmt::Display for CrateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{}", self.name, self.version)
    }
}

/// Where a crate's source came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The crates.io registry.
    CratesIo,
    /// A member of this workspace, by its folder relative to the workspace root.
    Workspace(String),
    /// Anything else, as cargo spells it (`git+...`, another registry): the deny gate refuses
    /// these, the SBOM still records them faithfully.
    Other(String),
}

pub const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// One crate's facts, from `cargo metadata` and `Cargo.lock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateInfo {
    pub key: CrateKey,
    pub source: Source,
    /// The SPDX expression of the manifest's `license` field.
    pub license: Option<String>,
    /// The manifest's `license-file`, relative to the crate, when it has no `license`.
    pub license_file: Option<String>,
    pub repository: Option<String>,
    pub description: Option<String>,
    /// The SHA-256 of the `.crate` file, from `Cargo.lock` (registry crates only).
    pub checksum: Option<String>,
    /// A procedural macro: run by the compiler, its output compiled into the dependant.
    pub proc_macro: bool,
}

/// The parsed output of one `cargo tree --prefix depth`: roots and direct edges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    pub roots: Vec<CrateKey>,
    pub edges: BTreeMap<CrateKey, BTreeSet<CrateKey>>,
}

impl Tree {
    /// Every crate reachable from `root` (itself included).
    pub fn reachable(&self, root: &CrateKey) -> BTreeSet<CrateKey> {
        let mut seen = BTreeSet::new();
        let mut pending = vec![root.clone()];
        while let Some(key) = pending.pop() {
            if let Some(children) = self.edges.get(&key) {
                pending.extend(children.iter().filter(|c| !seen.contains(*c)).cloned());
            }
            seen.insert(key);
        }
        seen
    }
}

/// `cargo tree` of the normal and build (non-dev) dependencies of `packages` for `target`: a
/// build dependency's code runs in the build and can shape the binary (the version resource
/// `sspr-version-resource` compiles into each one), and cargo-auditable embeds it too. One
/// line per crate with its depth in front, every crate's children listed the first time it
/// appears (later appearances end in ` (*)`).
pub fn cargo_tree(cargo: &str, root: &Path, target: &str, packages: &[&str]) -> ToolCommand {
    const EDGES: &str = "normal,build";
    let mut command = ToolCommand::new(cargo).args([
        "tree", "--locked", "--edges", EDGES, "--target", target, "--prefix", "depth", "--format",
        "{p}",
    ]);
    for package in packages {
        command = command.arg("--package").arg(*package);
    }
    command.cwd(root)
}

/// Parses [`cargo_tree`]'s output. Each line is `<depth><name> v<version>[ (...)]*`.
pub fn parse_tree(text: &str) -> Result<Tree> {
    let mut tree = Tree::default();
    // The path from the current root to the line above: stack[d] is the crate at depth d.
    let mut stack: Vec<CrateKey> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let depth: usize = line[..digits]
            .parse()
            .with_context(|| format!("`cargo tree` line without a depth: {line}"))?;
        let mut words = line[digits..].split(' ');
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            bail!("unexpected `cargo tree` line: {line}");
        };
        let Some(version) = version.strip_prefix('v') else {
            bail!("unexpected `cargo tree` line (no version): {line}");
        };
        let key = CrateKey::new(name, version);
        if depth > stack.len() {
            bail!("`cargo tree` line deeper than its parent: {line}");
        }
        stack.truncate(depth);
        match stack.last() {
            Some(parent) => {
                tree.edges
                    .entry(parent.clone())
                    .or_default()
                    .insert(key.clone());
            }
            None => tree.roots.push(key.clone()),
        }
        tree.edges.entry(key.clone()).or_default();
        stack.push(key);
    }
    Ok(tree)
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    workspace_root: String,
}

#[derive(Deserialize)]
struct MetaPackage {
    name: String,
    version: String,
    source: Option<String>,
    license: Option<String>,
    license_file: Option<String>,
    repository: Option<String>,
    description: Option<String>,
    manifest_path: String,
    targets: Vec<MetaTarget>,
}

#[derive(Deserialize)]
struct MetaTarget {
    kind: Vec<String>,
}

/// `cargo metadata` of the whole workspace (every locked package, no dependency filtering:
/// only the packages' own facts are read from it).
pub fn cargo_metadata(cargo: &str, root: &Path) -> ToolCommand {
    ToolCommand::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .cwd(root)
}

/// Every package of `metadata_json` by key, with `Cargo.lock`'s checksums (`lock_text`).
pub fn crate_infos(metadata_json: &str, lock_text: &str) -> Result<BTreeMap<CrateKey, CrateInfo>> {
    let metadata: Metadata =
        serde_json::from_str(metadata_json).context("cannot parse `cargo metadata` output")?;
    let checksums = lock_checksums(lock_text);
    let root = Path::new(&metadata.workspace_root);
    let mut infos = BTreeMap::new();
    for package in metadata.packages {
        let key = CrateKey::new(&package.name, &package.version);
        let source = match package.source.as_deref() {
            Some(CRATES_IO) => Source::CratesIo,
            Some(other) => Source::Other(other.to_owned()),
            None => {
                let dir = Path::new(&package.manifest_path)
                    .parent()
                    .unwrap_or(root)
                    .strip_prefix(root)
                    .with_context(|| {
                        format!(
                            "the path package {key} ({}) lies outside the workspace {}",
                            package.manifest_path,
                            root.display()
                        )
                    })?;
                Source::Workspace(dir.to_string_lossy().replace('\\', "/"))
            }
        };
        let license_file = package.license_file.map(|file| {
            Path::new(&file)
                .file_name()
                .map_or(file.clone(), |n| n.to_string_lossy().into_owned())
        });
        let checksum = checksums
            .get(&(key.clone(), package.source.clone().unwrap_or_default()))
            .cloned();
        let info = CrateInfo {
            proc_macro: package
                .targets
                .iter()
                .any(|t| t.kind.iter().any(|k| k == "proc-macro")),
            key: key.clone(),
            source,
            license: package.license,
            license_file,
            repository: package.repository,
            description: package.description,
            checksum,
        };
        if infos.insert(key.clone(), info).is_some() {
            bail!("two packages named {key} (from different sources) are locked; the SBOM identifies crates by name and version");
        }
    }
    Ok(infos)
}

/// `(name, version, source) -> checksum` from `Cargo.lock`'s `[[package]]` tables.
pub fn lock_checksums(lock_text: &str) -> BTreeMap<(CrateKey, String), String> {
    let mut sums = BTreeMap::new();
    for block in lock_text.split("[[package]]").skip(1) {
        let field = |name: &str| {
            block.lines().find_map(|line| {
                let (key, value) = line.split_once(" = ")?;
                (key.trim() == name).then(|| value.trim().trim_matches('"').to_owned())
            })
        };
        if let (Some(name), Some(version), Some(source), Some(sum)) = (
            field("name"),
            field("version"),
            field("source"),
            field("checksum"),
        ) {
            sums.insert((CrateKey::new(&name, &version), source), sum);
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
0sspr-credential-provider v0.1.0 (/src/payload/credential-provider)
1sspr-panic-guard v0.1.0 (/src/payload/panic-guard)
1windows-core v0.61.2
2windows-implement v0.60.2 (proc-macro)
3proc-macro2 v1.0.107
4unicode-ident v1.0.27
3quote v1.0.47
4proc-macro2 v1.0.107 (*)
2windows-link v0.1.3
1windows v0.61.3
2windows-core v0.61.2 (*)

0sspr-diag v0.1.0 (/src/payload/diag)
1windows-link v0.1.3
";

    fn k(name: &str, version: &str) -> CrateKey {
        CrateKey::new(name, version)
    }

    #[test]
    fn parses_roots_and_edges_of_a_depth_tree() {
        let tree = parse_tree(TREE).unwrap();
        assert_eq!(
            tree.roots,
            [
                k("sspr-credential-provider", "0.1.0"),
                k("sspr-diag", "0.1.0")
            ]
        );
        let children: Vec<String> = tree.edges[&k("windows-core", "0.61.2")]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            children,
            ["windows-implement v0.60.2", "windows-link v0.1.3"]
        );
        assert_eq!(
            tree.edges[&k("quote", "1.0.47")],
            BTreeSet::from([k("proc-macro2", "1.0.107")])
        );
        // A deduplicated line adds the edge but not the children again.
        assert_eq!(
            tree.edges[&k("windows", "0.61.3")],
            BTreeSet::from([k("windows-core", "0.61.2")])
        );
    }

    #[test]
    fn reachable_follows_each_root_separately() {
        let tree = parse_tree(TREE).unwrap();
        let diag = tree.reachable(&k("sspr-diag", "0.1.0"));
        assert_eq!(
            diag,
            BTreeSet::from([k("sspr-diag", "0.1.0"), k("windows-link", "0.1.3")])
        );
        assert_eq!(
            tree.reachable(&k("sspr-credential-provider", "0.1.0"))
                .len(),
            9
        );
    }

    #[test]
    fn refuses_malformed_lines() {
        assert!(parse_tree("0a v1\n2b v2\n").is_err());
        assert!(parse_tree("x v1\n").is_err());
        assert!(parse_tree("0a 1.0\n").is_err());
    }

    #[test]
    fn joins_metadata_with_lock_checksums() {
        let metadata = r#"{"workspace_root":"/src","packages":[
            {"name":"windows-link","version":"0.1.3","source":"registry+https://github.com/rust-lang/crates.io-index",
             "license":"MIT OR Apache-2.0","license_file":null,"repository":"https://github.com/microsoft/windows-rs",
             "description":"Linking for Windows","manifest_path":"/home/u/.cargo/registry/src/x/windows-link-0.1.3/Cargo.toml",
             "targets":[{"kind":["lib"]}]},
            {"name":"sspr-diag","version":"0.1.0","source":null,"license":null,"license_file":"/src/payload/diag/LICENSE",
             "repository":null,"description":null,"manifest_path":"/src/payload/diag/Cargo.toml","targets":[{"kind":["bin"]}]},
            {"name":"windows-implement","version":"0.60.2","source":"git+https://example.test/windows-rs#abc",
             "license":"MIT","license_file":null,"repository":null,"description":null,
             "manifest_path":"/g/windows-implement/Cargo.toml","targets":[{"kind":["proc-macro"]}]}]}"#;
        let lock = "version = 4\n\n[[package]]\nname = \"windows-link\"\nversion = \"0.1.3\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abcd\"\n\n[[package]]\nname = \"sspr-diag\"\nversion = \"0.1.0\"\ndependencies = [\n \"windows-link\",\n]\n";
        let infos = crate_infos(metadata, lock).unwrap();
        let link = &infos[&k("windows-link", "0.1.3")];
        assert_eq!(link.source, Source::CratesIo);
        assert_eq!(link.checksum.as_deref(), Some("abcd"));
        assert_eq!(link.license.as_deref(), Some("MIT OR Apache-2.0"));
        assert!(!link.proc_macro);
        let diag = &infos[&k("sspr-diag", "0.1.0")];
        assert_eq!(diag.source, Source::Workspace("payload/diag".into()));
        assert_eq!(diag.checksum, None);
        assert_eq!(diag.license_file.as_deref(), Some("LICENSE"));
        let implement = &infos[&k("windows-implement", "0.60.2")];
        assert!(implement.proc_macro);
        assert_eq!(
            implement.source,
            Source::Other("git+https://example.test/windows-rs#abc".into())
        );
    }
}
