//! The no-change shortcut of `cargo xtask dist`, in the spirit of cargo's own fingerprints.
//!
//! After the cargo builds (cheap no-ops when nothing changed) and staging, every input of the
//! later steps is gathered into [`DistInputs`] and hashed into one fingerprint: the staged payload
//! bytes, the `wix/` sources, the README and licence the zips carry, the plan itself (version,
//! arches, out-dir, every command line), `SOURCE_DATE_EPOCH`, the commit and tool versions the
//! manifest records, the identity of the tools and of this xtask binary, and the signing identity
//! (never a password or PIN). If the fingerprint equals the one recorded by the last successful
//! dist into the same output folder, and every output there still has its recorded SHA-256, the
//! outputs are what a rebuild would produce: nothing is rebuilt.
//!
//! Hashing the payload is most of the check's cost (debug-built SHA-256 runs at about 30 MB/s),
//! so, like git's index, a payload binary whose [`ContentStamp`] (inode, size, modification and
//! change times to the nanosecond) is the one recorded with its hash keeps that hash; any write,
//! rename or relink changes the change time, and then the file is hashed again. The stamp is
//! taken before the binary is copied into staging and the hash from the copy, so a binary
//! replaced in between is recorded with a stamp it no longer has and is re-hashed next time.
//! Outputs are always hashed.
//!
//! Architecture invariant: a [`RunRecord`] is written only after every output of its run has
//! been published, atomically (temporary file, then rename), and removed before a rebuild
//! publishes anything. Because the outputs' hashes are checked too, a failed, interrupted or
//! concurrent run can never make stale outputs look fresh: at worst the next run rebuilds.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checksum;
use crate::sign::{CertificateInfo, KeySource, SigningConfig};
use crate::wix::Backend;
use crate::workspace::{tool_version, Workspace};

use super::steps::backend_version;
use super::DistPlan;

/// Bumped when the meaning of a record changes: older records then count as absent.
pub const SCHEMA: u32 = 2;

/// Where the record of the last successful dist into `out_dir` lives: in the target folder (not
/// in `out_dir`, whose every file is an artifact `verify-repro` compares), one file per out-dir.
pub fn record_path(target_dir: &Path, out_dir: &Path) -> PathBuf {
    let digest = Sha256::digest(out_dir.to_string_lossy().as_bytes());
    target_dir
        .join("dist-cache")
        .join(format!("{}.json", &checksum::hex(&digest)[..16]))
}

/// A file we identify without hashing it (a program: this xtask, wixl, ...): where it is, its
/// size and its modification time, as cargo identifies its own outputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: String,
    pub len: u64,
    pub modified_ns: u128,
}

impl FileStamp {
    pub fn of(path: &Path) -> Option<Self> {
        let meta = fs::metadata(path).ok()?;
        let modified_ns = meta
            .modified()
            .ok()?
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Self {
            path: path.to_string_lossy().into_owned(),
            len: meta.len(),
            modified_ns,
        })
    }
}

/// What identifies one version of a file's content without reading it: any write, truncation,
/// rename over it or change of its links gives a new change time (`ctime`), which no user-level
/// call can set back. Only where the platform reports change times (Unix); elsewhere files are
/// always hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentStamp {
    pub device: u64,
    pub inode: u64,
    pub len: u64,
    pub modified_ns: i128,
    pub changed_ns: i128,
}

impl ContentStamp {
    #[cfg(unix)]
    pub fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(path).ok()?;
        let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        Some(Self {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.len(),
            modified_ns: ns(meta.mtime(), meta.mtime_nsec()),
            changed_ns: ns(meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_path: &Path) -> Option<Self> {
        None
    }
}

/// The stamp a staged input's source had when it was copied, recorded beside its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StampedInput {
    /// The [`InputFile::path`] it belongs to.
    pub path: String,
    pub stamp: ContentStamp,
}

/// The hash `previous` recorded for input `path` if its source still has the recorded `stamp`.
pub fn reusable_hash(
    previous: Option<&RunRecord>,
    path: &str,
    stamp: Option<&ContentStamp>,
) -> Option<String> {
    let (previous, stamp) = (previous?, stamp?);
    previous
        .input_stamps
        .iter()
        .any(|s| s.path == path && &s.stamp == stamp)
        .then(|| {
            previous
                .inputs
                .files
                .iter()
                .find(|f| f.path == path)
                .and_then(|f| f.sha256.clone())
        })
        .flatten()
}

/// One hashed input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Relative to the scratch folder for staged files, else as the plan names it.
    pub path: String,
    /// `None`: the file does not exist (that is an input state too).
    pub sha256: Option<String>,
}

/// One external tool: the name the build runs and what `PATH` resolves it to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolStamp {
    pub name: String,
    pub stamp: Option<FileStamp>,
}

/// Who signs, without any secret: the key's location, the certificate's hash, the options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningIdentity {
    pub key: String,
    pub certificate_sha256: String,
    pub timestamp_url: Option<String>,
}

impl SigningIdentity {
    pub fn of(config: &SigningConfig, certificate: &CertificateInfo) -> Self {
        let key = match &config.key {
            KeySource::Pkcs12 { path, .. } => format!("pkcs12 {}", path.display()),
            KeySource::Pkcs11 {
                module,
                key_uri,
                cert,
                ..
            } => format!(
                "pkcs11 module={} key={} cert={}",
                module.display(),
                without_pin(key_uri),
                without_pin(cert)
            ),
        };
        Self {
            // A separately given password or PIN never reaches a command line, but scrub anyway.
            key: config.scrub(&key),
            certificate_sha256: certificate.sha256.clone(),
            timestamp_url: config.timestamp_url.clone(),
        }
    }
}

/// A PKCS#11 URI without its `pin-value` attribute: a short PIN must not end up even hashed in a
/// record a brute force could test guesses against.
pub fn without_pin(uri: &str) -> String {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let keep_path: Vec<&str> = path
        .split(';')
        .filter(|a| !a.to_ascii_lowercase().starts_with("pin-value="))
        .collect();
    let keep_query: Vec<&str> = query
        .split('&')
        .filter(|a| !a.is_empty() && !a.to_ascii_lowercase().starts_with("pin-value="))
        .collect();
    let mut text = keep_path.join(";");
    if !keep_query.is_empty() {
        text.push('?');
        text.push_str(&keep_query.join("&"));
    }
    text
}

/// Everything the steps after the cargo builds read. Equal inputs give equal outputs (the
/// build is reproducible), which is what makes the shortcut sound.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistInputs {
    /// This xtask binary: a changed build tool invalidates everything it built.
    pub xtask: Option<FileStamp>,
    /// Every step, as data (`Debug`), with the per-run scratch folder name normalised: version,
    /// arches, out-dir, published names, cargo, wixl and signing command lines.
    pub plan: Vec<String>,
    pub out_dir: String,
    pub source_date_epoch: u64,
    /// What the manifest records.
    pub commit: String,
    pub rustc: String,
    pub wix_backend: String,
    pub tools: Vec<ToolStamp>,
    pub files: Vec<InputFile>,
    pub signing: Option<SigningIdentity>,
}

impl DistInputs {
    /// SHA-256 of the inputs' canonical JSON (fields in declaration order, lists sorted by the
    /// gatherer).
    pub fn fingerprint(&self) -> String {
        // Serializing plain structs of strings and numbers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        checksum::hex(&Sha256::digest(&json))
    }

    /// The first input that differs from `before`, in words, for the "rebuilding because" line.
    pub fn first_change(&self, before: &DistInputs) -> String {
        if self.xtask != before.xtask {
            return "xtask itself was rebuilt".into();
        }
        if self.plan != before.plan {
            return "the plan changed (version, arches, options or command lines)".into();
        }
        if self.out_dir != before.out_dir {
            return "the output folder changed".into();
        }
        if self.source_date_epoch != before.source_date_epoch {
            return "SOURCE_DATE_EPOCH changed".into();
        }
        if self.commit != before.commit {
            return "the commit changed (the manifest records it)".into();
        }
        if self.rustc != before.rustc || self.wix_backend != before.wix_backend {
            return "the Rust or WiX toolchain version changed".into();
        }
        if let Some(tool) = self
            .tools
            .iter()
            .find(|t| !before.tools.contains(t))
            .or_else(|| before.tools.iter().find(|t| !self.tools.contains(t)))
        {
            return format!("the tool `{}` changed", tool.name);
        }
        if let Some(file) = self
            .files
            .iter()
            .find(|f| !before.files.contains(f))
            .or_else(|| before.files.iter().find(|f| !self.files.contains(f)))
        {
            return format!("{} changed", file.path);
        }
        if self.signing != before.signing {
            return "the signing identity or options changed".into();
        }
        "the inputs changed".into()
    }
}

/// One published output as it was when its run finished.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Relative to the output folder.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What the last successful dist into one output folder was built from and produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema: u32,
    pub fingerprint: String,
    pub inputs: DistInputs,
    /// Not part of the fingerprint: they only spare the next run hashing unchanged binaries.
    pub input_stamps: Vec<StampedInput>,
    pub outputs: Vec<OutputRecord>,
}

impl RunRecord {
    pub fn new(
        inputs: DistInputs,
        input_stamps: Vec<StampedInput>,
        outputs: Vec<OutputRecord>,
    ) -> Self {
        Self {
            schema: SCHEMA,
            fingerprint: inputs.fingerprint(),
            inputs,
            input_stamps,
            outputs,
        }
    }
}

/// Whether a dist must run its remaining steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Inputs and outputs are exactly as the recorded run left them.
    UpToDate,
    /// Why a rebuild is needed.
    Stale(String),
}

/// The decision, pure: `published` is what this plan publishes; `current_sha256` hashes the files
/// now at the given output paths, in order (`None` for a missing one). Outputs are hashed only
/// when the inputs match.
pub fn decide(
    record: Option<&RunRecord>,
    inputs: &DistInputs,
    published: &[String],
    current_sha256: impl FnOnce(&[&str]) -> Vec<Option<String>>,
) -> Freshness {
    let Some(record) = record else {
        return Freshness::Stale("no successful dist into this folder is recorded".into());
    };
    if record.schema != SCHEMA {
        return Freshness::Stale("the record was written by another xtask version".into());
    }
    if record.inputs.out_dir != inputs.out_dir {
        return Freshness::Stale("the record is for another output folder".into());
    }
    if record.fingerprint != inputs.fingerprint() {
        return Freshness::Stale(inputs.first_change(&record.inputs));
    }
    let recorded: Vec<&str> = record.outputs.iter().map(|o| o.path.as_str()).collect();
    if published.is_empty() || recorded != published {
        return Freshness::Stale(
            "the recorded outputs are not the ones this plan publishes".into(),
        );
    }
    let current = current_sha256(&recorded);
    if current.len() != record.outputs.len() {
        return Freshness::Stale("not every output could be checked".into());
    }
    for (output, sha256) in record.outputs.iter().zip(current) {
        match sha256 {
            None => return Freshness::Stale(format!("{} is missing", output.path)),
            Some(sha256) if sha256 != output.sha256 => {
                return Freshness::Stale(format!("{} was changed after it was built", output.path))
            }
            Some(_) => {}
        }
    }
    Freshness::UpToDate
}

/// SHA-256 of each file (`None` if it cannot be read), one thread per file: the no-change check
/// hashes a few megabytes with a debug-built SHA-256, and the machine has more than one core.
pub fn sha256_files(paths: &[PathBuf]) -> Vec<Option<String>> {
    std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .iter()
            .map(|path| scope.spawn(move || checksum::sha256_file(path).ok()))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().ok().flatten())
            .collect()
    })
}

/// The record file of one output folder.
#[derive(Clone, Debug)]
pub struct RecordFile {
    pub path: PathBuf,
}

impl RecordFile {
    /// The record, or `None` if there is none or it cannot be read (then the dist rebuilds).
    pub fn load(&self) -> Option<RunRecord> {
        let text = fs::read(&self.path).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Removes the record: from here until [`RecordFile::save`], the output folder may hold a
    /// mix of old and new files.
    pub fn forget(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "cannot remove the dist record {}: delete it by hand",
                    self.path.display()
                )
            }),
        }
    }

    /// Writes the record whole or not at all (temporary file in the same folder, then rename).
    pub fn save(&self, record: &RunRecord) -> Result<()> {
        let parent = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let temporary = self
            .path
            .with_extension(format!("json.tmp-{}", std::process::id()));
        let text = serde_json::to_string_pretty(record)? + "\n";
        fs::write(&temporary, text)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        fs::rename(&temporary, &self.path).with_context(|| {
            let _ = fs::remove_file(&temporary);
            format!("cannot move the dist record into {}", self.path.display())
        })
    }
}

/// Gathers the inputs of every step after staging, and the stamps to record with them. Runs
/// after the Stage steps: the payload is hashed as staged, i.e. exactly the bytes that go into
/// the MSIs, unless `previous` recorded the same stamp (`staged_stamps`: each staged file's
/// source as it was just before the copy) with a hash.
pub fn gather(
    ws: &Workspace,
    plan: &DistPlan,
    epoch: u64,
    certificate: Option<&CertificateInfo>,
    previous: Option<&RunRecord>,
    staged_stamps: &[(PathBuf, ContentStamp)],
) -> Result<(DistInputs, Vec<StampedInput>)> {
    let scratch = plan.out_dir.join(&plan.scratch_name);
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut input_stamps = Vec::new();
    for arch in &plan.arches {
        for (_, to) in &arch.build.stage {
            let label = relative_label(to, &scratch);
            if let Some((_, stamp)) = staged_stamps.iter().find(|(p, _)| p == to) {
                input_stamps.push(StampedInput {
                    path: label.clone(),
                    stamp: stamp.clone(),
                });
            }
            files.push((label, to.clone()));
        }
        let sbom = &arch.build.sbom.path;
        files.push((relative_label(sbom, &scratch), sbom.clone()));
    }
    for arch in &plan.arches {
        let entries = &arch.package.archive.entries;
        for (_, source) in entries.iter().filter(|(_, s)| !s.starts_with(&scratch)) {
            files.push((relative_label(source, &ws.root), source.clone()));
        }
    }
    for source in tree(&ws.wix_dir())? {
        files.push((relative_label(&source, &ws.root), source));
    }
    if let Some(config) = &plan.signing {
        if let KeySource::Pkcs12 { path, .. } = &config.key {
            files.push((path.to_string_lossy().into_owned(), path.clone()));
        }
        if let Some(ca) = &config.verify_ca {
            files.push((ca.to_string_lossy().into_owned(), ca.clone()));
        }
    }
    if let Some(from) = &plan.graft {
        for source in tree(from)? {
            files.push((source.to_string_lossy().into_owned(), source));
        }
    }
    files.sort();
    files.dedup();
    let files = files
        .into_iter()
        .map(|(path, source)| {
            let stamp = input_stamps
                .iter()
                .find(|s| s.path == path)
                .map(|s| &s.stamp);
            let sha256 = match reusable_hash(previous, &path, stamp) {
                Some(sha256) => Some(sha256),
                None if source.exists() => Some(checksum::sha256_file(&source)?),
                None => None,
            };
            Ok(InputFile { path, sha256 })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut tool_names = match plan.backend {
        Backend::Wixl => vec!["wixl", "msibuild"],
        Backend::Wix => vec!["cargo-wix", "msibuild"],
    };
    if plan.signing.is_some() {
        tool_names.extend(if cfg!(windows) {
            ["signtool", "openssl"]
        } else {
            ["osslsigncode", "openssl"]
        });
    }
    let tools = tool_names
        .into_iter()
        .map(|name| ToolStamp {
            name: name.to_owned(),
            stamp: find_program(name).and_then(|p| FileStamp::of(&p)),
        })
        .collect();

    let inputs = DistInputs {
        xtask: std::env::current_exe().ok().and_then(|p| FileStamp::of(&p)),
        plan: plan_lines(plan),
        out_dir: plan.out_dir.to_string_lossy().into_owned(),
        source_date_epoch: epoch,
        commit: ws.commit(),
        rustc: tool_version("rustc", &["-V"]),
        wix_backend: backend_version(ws, plan.backend),
        tools,
        files,
        signing: plan
            .signing
            .as_ref()
            .zip(certificate)
            .map(|(config, cert)| SigningIdentity::of(config, cert)),
    };
    Ok((inputs, input_stamps))
}

/// The plan's steps as data, the scratch folder's per-run name replaced by a fixed one.
pub fn plan_lines(plan: &DistPlan) -> Vec<String> {
    plan.steps()
        .iter()
        .map(|step| format!("{step:?}").replace(&plan.scratch_name, ".dist-scratch"))
        .collect()
}

fn relative_label(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every file under `dir`, sorted; an absent folder has none.
fn tree(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot list {}", current.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// What `PATH` resolves `program` to, as the build's own commands would find it.
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names = if cfg!(windows) {
        vec![format!("{program}.exe"), program.to_owned()]
    } else {
        vec![program.to_owned()]
    };
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::Secret;

    fn inputs() -> DistInputs {
        DistInputs {
            xtask: Some(FileStamp {
                path: "/src/target/debug/xtask".into(),
                len: 10,
                modified_ns: 1,
            }),
            plan: vec!["BuildPayload { .. }".into(), "Publish { .. }".into()],
            out_dir: "/out".into(),
            source_date_epoch: 1_700_000_000,
            commit: "abc".into(),
            rustc: "rustc 1.95.0".into(),
            wix_backend: "wixl 0.101".into(),
            tools: vec![ToolStamp {
                name: "wixl".into(),
                stamp: Some(FileStamp {
                    path: "/usr/bin/wixl".into(),
                    len: 5,
                    modified_ns: 2,
                }),
            }],
            files: vec![
                InputFile {
                    path: "stage/x64/SsprCredentialProvider.dll".into(),
                    sha256: Some("11".into()),
                },
                InputFile {
                    path: "wix/SsprWindowsLogon.wxs".into(),
                    sha256: Some("22".into()),
                },
            ],
            signing: None,
        }
    }

    fn published() -> Vec<String> {
        vec!["x64/SsprWindowsLogon.PROD.msi".into(), "SHA256SUMS".into()]
    }

    fn stamp(changed_ns: i128) -> ContentStamp {
        ContentStamp {
            device: 1,
            inode: 2,
            len: 3,
            modified_ns: 4,
            changed_ns,
        }
    }

    fn record() -> RunRecord {
        RunRecord::new(
            inputs(),
            vec![StampedInput {
                path: "stage/x64/SsprCredentialProvider.dll".into(),
                stamp: stamp(5),
            }],
            vec![
                OutputRecord {
                    path: "x64/SsprWindowsLogon.PROD.msi".into(),
                    size: 3,
                    sha256: "aa".into(),
                },
                OutputRecord {
                    path: "SHA256SUMS".into(),
                    size: 4,
                    sha256: "bb".into(),
                },
            ],
        )
    }

    /// The outputs as the record left them.
    fn untouched_one(path: &str) -> Option<String> {
        match path {
            "x64/SsprWindowsLogon.PROD.msi" => Some("aa".into()),
            "SHA256SUMS" => Some("bb".into()),
            _ => None,
        }
    }

    fn untouched(paths: &[&str]) -> Vec<Option<String>> {
        paths.iter().map(|p| untouched_one(p)).collect()
    }

    fn stale(reason: &str) -> Freshness {
        Freshness::Stale(reason.into())
    }

    #[test]
    fn unchanged_inputs_and_outputs_are_up_to_date() {
        assert_eq!(
            decide(Some(&record()), &inputs(), &published(), untouched),
            Freshness::UpToDate
        );
    }

    #[test]
    fn no_record_means_a_rebuild() {
        assert_eq!(
            decide(None, &inputs(), &published(), untouched),
            stale("no successful dist into this folder is recorded")
        );
    }

    #[test]
    fn every_changed_input_means_a_rebuild_and_is_named() {
        type Change = fn(&mut DistInputs);
        let cases: [(Change, &str); 10] = [
            (
                |i| i.xtask.as_mut().unwrap().modified_ns += 1,
                "xtask itself was rebuilt",
            ),
            (
                |i| i.plan[0].push('!'),
                "the plan changed (version, arches, options or command lines)",
            ),
            (|i| i.source_date_epoch += 1, "SOURCE_DATE_EPOCH changed"),
            (
                |i| i.commit = "def".into(),
                "the commit changed (the manifest records it)",
            ),
            (
                |i| i.rustc = "rustc 1.96.0".into(),
                "the Rust or WiX toolchain version changed",
            ),
            (
                |i| i.wix_backend = "wixl 0.102".into(),
                "the Rust or WiX toolchain version changed",
            ),
            (
                |i| i.tools[0].stamp.as_mut().unwrap().len += 1,
                "the tool `wixl` changed",
            ),
            (
                |i| i.files[0].sha256 = Some("12".into()),
                "stage/x64/SsprCredentialProvider.dll changed",
            ),
            (
                |i| i.files[1].sha256 = None,
                "wix/SsprWindowsLogon.wxs changed",
            ),
            (
                |i| {
                    i.signing = Some(SigningIdentity {
                        key: "pkcs12 /k.p12".into(),
                        certificate_sha256: "cc".into(),
                        timestamp_url: None,
                    })
                },
                "the signing identity or options changed",
            ),
        ];
        for (change, reason) in cases {
            let mut now = inputs();
            change(&mut now);
            assert_ne!(now.fingerprint(), inputs().fingerprint(), "{reason}");
            assert_eq!(
                decide(Some(&record()), &now, &published(), untouched),
                stale(reason)
            );
        }
    }

    #[test]
    fn another_output_folder_means_a_rebuild() {
        let mut now = inputs();
        now.out_dir = "/elsewhere".into();
        assert_eq!(
            decide(Some(&record()), &now, &published(), untouched),
            stale("the record is for another output folder")
        );
        assert_ne!(
            record_path(Path::new("/t"), Path::new("/out")),
            record_path(Path::new("/t"), Path::new("/elsewhere"))
        );
        assert_eq!(
            record_path(Path::new("/t"), Path::new("/out")),
            record_path(Path::new("/t"), Path::new("/out"))
        );
    }

    #[test]
    fn a_missing_or_changed_output_means_a_rebuild() {
        let missing = |paths: &[&str]| {
            paths
                .iter()
                .map(|p| (*p != "SHA256SUMS").then(|| "aa".to_owned()))
                .collect()
        };
        assert_eq!(
            decide(Some(&record()), &inputs(), &published(), missing),
            stale("SHA256SUMS is missing")
        );
        let edited = |paths: &[&str]| {
            paths
                .iter()
                .map(|p| untouched_one(p).map(|h| h.replace("aa", "ab")))
                .collect()
        };
        assert_eq!(
            decide(Some(&record()), &inputs(), &published(), edited),
            stale("x64/SsprWindowsLogon.PROD.msi was changed after it was built")
        );
    }

    #[test]
    fn outputs_are_not_hashed_when_the_inputs_differ() {
        let mut now = inputs();
        now.commit = "def".into();
        let mut hashed = 0;
        decide(Some(&record()), &now, &published(), |paths| {
            hashed += paths.len();
            untouched(paths)
        });
        assert_eq!(hashed, 0);
    }

    #[test]
    fn a_record_of_other_outputs_or_schema_means_a_rebuild() {
        let fewer = vec!["x64/SsprWindowsLogon.PROD.msi".to_owned()];
        assert_eq!(
            decide(Some(&record()), &inputs(), &fewer, untouched),
            stale("the recorded outputs are not the ones this plan publishes")
        );
        let mut old = record();
        old.schema = 0;
        assert_eq!(
            decide(Some(&old), &inputs(), &published(), untouched),
            stale("the record was written by another xtask version")
        );
    }

    #[test]
    fn hashes_files_in_order_and_missing_ones_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let abc = dir.path().join("abc");
        fs::write(&abc, b"abc").unwrap();
        assert_eq!(
            sha256_files(&[dir.path().join("absent"), abc]),
            [
                None,
                Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into())
            ]
        );
    }

    #[test]
    fn records_round_trip_and_are_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = RecordFile {
            path: dir.path().join("dist-cache").join("r.json"),
        };
        assert_eq!(file.load(), None);
        file.forget().unwrap();
        file.save(&record()).unwrap();
        assert_eq!(file.load(), Some(record()));
        let names: Vec<_> = fs::read_dir(dir.path().join("dist-cache"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["r.json"], "no temporary file is left behind");
        fs::write(&file.path, b"{ not json").unwrap();
        assert_eq!(file.load(), None, "an unreadable record counts as none");
        file.forget().unwrap();
        assert!(!file.path.exists());
    }

    #[test]
    fn signing_identity_holds_no_secret() {
        let certificate = CertificateInfo {
            sha256: "cc".into(),
            subject: "CN=Test".into(),
            not_after: "never".into(),
        };
        let p12 = |password: &str| SigningConfig {
            key: KeySource::Pkcs12 {
                path: "/keys/release.p12".into(),
                password: Secret::new(password.into()),
            },
            timestamp_url: None,
            verify_ca: None,
            signing_time: None,
        };
        let a = SigningIdentity::of(&p12("hunter2"), &certificate);
        assert_eq!(a, SigningIdentity::of(&p12("other"), &certificate));
        assert_eq!(a.key, "pkcs12 /keys/release.p12");
        let mut now = inputs();
        now.signing = Some(a);
        let json = serde_json::to_string(&RunRecord::new(now, Vec::new(), Vec::new())).unwrap();
        assert!(!json.contains("hunter2"), "{json}");

        let token = SigningConfig {
            key: KeySource::Pkcs11 {
                module: "/usr/lib/p11.so".into(),
                key_uri: "pkcs11:token=t;object=k;pin-value=1234?module-name=x&pin-value=1234"
                    .into(),
                cert: "pkcs11:token=t;object=c".into(),
                pin: Some(Secret::new("9876".into())),
            },
            timestamp_url: Some("http://ts.example.test".into()),
            verify_ca: None,
            signing_time: None,
        };
        let b = SigningIdentity::of(&token, &certificate);
        assert_eq!(
            b.key,
            "pkcs11 module=/usr/lib/p11.so key=pkcs11:token=t;object=k?module-name=x cert=pkcs11:token=t;object=c"
        );
        assert!(!format!("{b:?}").contains("1234") && !format!("{b:?}").contains("9876"));
    }

    #[test]
    fn plan_lines_do_not_depend_on_the_run() {
        let ws = Workspace {
            root: "/src".into(),
            target_dir: "/src/target".into(),
            cargo: "cargo".into(),
            cargo_home: None,
            sysroot: None,
        };
        let options = super::super::DistOptions {
            arches: crate::arch::Arch::ALL.to_vec(),
            version: crate::version::ProductVersion::parse("0.3.0").unwrap(),
            out_dir: "/out".into(),
            dry_run: false,
            setup: false,
            backend: Backend::Wixl,
            signing: None,
            help_url: None,
            graft: None,
        };
        // Two processes plan with different scratch folders.
        let a = plan_lines(&super::super::plan::plan_in(
            &ws,
            &options,
            ".dist-111".into(),
        ));
        let b = plan_lines(&super::super::plan::plan_in(
            &ws,
            &options,
            ".dist-222".into(),
        ));
        assert_eq!(a, b);
        assert!(a.iter().any(|l| l.contains("/out/.dist-scratch/stage/x64")));
        assert!(a.iter().all(|l| !l.contains(".dist-111")));
        let mut other = options.clone();
        other.version = crate::version::ProductVersion::parse("0.3.1").unwrap();
        assert_ne!(
            a,
            plan_lines(&super::super::plan::plan_in(
                &ws,
                &other,
                ".dist-111".into()
            ))
        );
    }

    #[test]
    fn a_hash_is_reused_only_for_the_exact_recorded_stamp() {
        let dll = "stage/x64/SsprCredentialProvider.dll";
        let last = record();
        assert_eq!(
            reusable_hash(Some(&last), dll, Some(&stamp(5))),
            Some("11".into())
        );
        // Any write, rename or relink moves the change time: the file is hashed again.
        assert_eq!(reusable_hash(Some(&last), dll, Some(&stamp(6))), None);
        let mut moved = stamp(5);
        moved.inode += 1;
        assert_eq!(reusable_hash(Some(&last), dll, Some(&moved)), None);
        // No stamp (a platform without change times), no record, or an input without one.
        assert_eq!(reusable_hash(Some(&last), dll, None), None);
        assert_eq!(reusable_hash(None, dll, Some(&stamp(5))), None);
        assert_eq!(
            reusable_hash(Some(&last), "wix/SsprWindowsLogon.wxs", Some(&stamp(5))),
            None
        );
    }

    /// The stamp is the file's own identity and times, read exactly: the modification time an
    /// explicit `set_modified` put there, and the change time the kernel keeps (which no
    /// `set_modified` can put back, so a rewrite with its old mtime restored is still seen; the
    /// consequence is `a_hash_is_reused_only_for_the_exact_recorded_stamp`).
    #[cfg(unix)]
    #[test]
    fn a_stamp_is_the_files_identity_and_times_exactly() {
        use std::os::unix::fs::MetadataExt;
        use std::time::{Duration, UNIX_EPOCH};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.dll");
        let pinned = UNIX_EPOCH + Duration::new(1_234_567_890, 123_456_789);
        let write = |content: &[u8]| {
            fs::write(&path, content).unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(pinned)
                .unwrap();
            let meta = fs::metadata(&path).unwrap();
            (ContentStamp::of(&path).unwrap(), meta)
        };
        let (before, meta) = write(b"one");
        assert_eq!(
            before,
            ContentStamp {
                device: meta.dev(),
                inode: meta.ino(),
                len: 3,
                modified_ns: 1_234_567_890_123_456_789,
                changed_ns: i128::from(meta.ctime()) * 1_000_000_000
                    + i128::from(meta.ctime_nsec()),
            }
        );
        let (after, meta) = write(b"two");
        assert_eq!(
            (after.device, after.inode, after.len, after.modified_ns),
            (before.device, before.inode, 3, 1_234_567_890_123_456_789)
        );
        assert_eq!(
            after.changed_ns,
            i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec())
        );
    }

    #[test]
    fn without_pin_keeps_everything_else() {
        assert_eq!(without_pin("pkcs11:token=t"), "pkcs11:token=t");
        assert_eq!(
            without_pin("pkcs11:token=t;PIN-VALUE=1?pin-value=2"),
            "pkcs11:token=t"
        );
        assert_eq!(without_pin("/path/cert.pem"), "/path/cert.pem");
    }
}
