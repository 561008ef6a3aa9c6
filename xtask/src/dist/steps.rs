//! The steps of a dist, one function each. A step takes its part of the plan and what earlier
//! steps produced, and returns what later steps need: [`Built`] from each arch's cargo side,
//! [`Freshness`] from the up-to-date check, [`Packaged`] from each arch's packaging,
//! [`PolicyStaged`], [`ManifestWritten`], [`Checksummed`] and [`Published`]; [`record_run`]
//! consumes the [`Rebuild`] the check returned. The order of a run is the order of its types.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::arch::Arch;
use crate::checksum;
use crate::command::{printed, ToolCommand};
use crate::fsutil::{self, ScratchDir};
use crate::imports;
use crate::manifest::{ArchArtifacts, DistManifest, FileRecord, Toolchain};
use crate::msi_check;
use crate::msi_fixup;
use crate::payload::PAYLOAD;
use crate::policy_definitions;
use crate::progress;
use crate::repro;
use crate::sbom;
use crate::setup;
use crate::sign;
use crate::validate;
use crate::wix::Backend;
use crate::workspace::{tool_version, Workspace};

use super::cache;
use super::plan::{
    msi_relpath, names, published_files, ArchBuild, ArchPlan, Archive, DistPlan, ScratchFile,
};
use super::signer::Signer;
use super::{DistReport, AUDITABLE_SECTION, SUMS_NAME};

/// What every step may read: the plan, the scratch folder the outputs are built in, the source
/// date, the Windows 7 import list and the signer. Opened before anything is built, so an
/// unwritable `--out-dir`, a bad import list or a wrong key password fails in a second.
pub struct Run<'a> {
    pub ws: &'a Workspace,
    pub plan: &'a DistPlan,
    scratch: ScratchDir,
    epoch: u64,
    allowed: imports::Win7Imports,
    signer: Option<Signer>,
}

impl<'a> Run<'a> {
    pub fn open(ws: &'a Workspace, plan: &'a DistPlan) -> Result<Self> {
        // Created first: an unwritable --out-dir fails before minutes of building.
        let scratch = ScratchDir::new_in(&plan.out_dir, &plan.scratch_name)?;
        let epoch = ws.source_date_epoch()?;
        let allowed = imports::Win7Imports::tracked()?;
        let signer = Signer::for_plan(
            plan.signing.as_ref(),
            plan.graft.as_deref(),
            scratch.path(),
            epoch,
        )?;
        Ok(Self {
            ws,
            plan,
            scratch,
            epoch,
            allowed,
            signer,
        })
    }

    fn certificate(&self) -> Option<&sign::CertificateInfo> {
        self.signer.as_ref().map(|s| &s.certificate)
    }

    fn signer(&self) -> Result<&Signer> {
        self.signer
            .as_ref()
            .context("internal error: a signing step without a signing key")
    }
}

/// One arch's payload, built, audited and staged, and its SBOM written.
pub struct Built {
    pub arch: Arch,
    /// The binaries under their shipped names in the stage folder.
    pub staged: Vec<PathBuf>,
    /// Each staged file with its source's stamp from just before the copy (see [`cache`]).
    pub stamps: Vec<(PathBuf, cache::ContentStamp)>,
    pub sbom: ScratchFile,
}

/// The cargo side of one arch: build, audit, stage, SBOM.
pub fn build_arch(run: &Run, arch: Arch, build: &ArchBuild) -> Result<Built> {
    for command in &build.commands {
        build_payload(arch, command)?;
    }
    audit_binaries(arch, &build.binaries, &run.allowed)?;
    let stamps = progress::step("Staged", &format!("{arch} payload"), || {
        stage(&build.stage_dir, &build.stage, run.epoch)
    })?;
    write_sbom(run, arch, &build.sbom)?;
    Ok(Built {
        arch,
        staged: build.stage.iter().map(|(_, to)| to.clone()).collect(),
        stamps,
        sbom: build.sbom.clone(),
    })
}

fn build_payload(arch: Arch, command: &ToolCommand) -> Result<()> {
    progress::step(
        "Built",
        &format!("payload for {arch} ({})", arch.rust_target()),
        || {
            command.run().with_context(|| {
                format!("building the payload for {arch} failed (cargo's errors are above)")
            })
        },
    )
}

fn audit_binaries(
    arch: Arch,
    binaries: &[(PathBuf, &'static [&'static str])],
    allowed: &imports::Win7Imports,
) -> Result<()> {
    let what = format!(
        "imports of {} {arch} binaries against Windows 7 SP1",
        binaries.len()
    );
    progress::step("Audited", &what, || {
        binaries
            .iter()
            .try_for_each(|(binary, exports)| audit_binary(binary, exports, allowed))
    })
}

fn audit_binary(binary: &Path, exports: &[&str], allowed: &imports::Win7Imports) -> Result<()> {
    imports::audit_file(binary, allowed)?;
    let bytes = fs::read(binary).with_context(|| format!("cannot read {}", binary.display()))?;
    let found = imports::read_exports(&bytes)?;
    if found != exports {
        bail!(
            "{} exports {found:?}, expected exactly {exports:?} (check the #[no_mangle] entry points)",
            binary.display()
        );
    }
    let pe = goblin::pe::PE::parse(&bytes)
        .with_context(|| format!("{} is not a PE image", binary.display()))?;
    if !pe
        .sections
        .iter()
        .any(|s| s.name().ok() == Some(AUDITABLE_SECTION))
    {
        bail!(
            "{} has no {AUDITABLE_SECTION} section: it was not built by `cargo auditable build` ({})",
            binary.display(),
            setup::CARGO_AUDITABLE
        );
    }
    Ok(())
}

/// Copies the built binaries under their shipped names and pins their times (they end up in the
/// CAB). Returns each copy with its source's stamp taken just before the copy (see [`cache`]).
fn stage(
    dir: &Path,
    files: &[(PathBuf, PathBuf)],
    epoch: u64,
) -> Result<Vec<(PathBuf, cache::ContentStamp)>> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut stamps = Vec::new();
    for (from, to) in files {
        let stamp = cache::ContentStamp::of(from);
        fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        fsutil::set_mtime(to, epoch)?;
        stamps.extend(stamp.map(|s| (to.clone(), s)));
    }
    Ok(stamps)
}

fn write_sbom(run: &Run, arch: Arch, sbom: &ScratchFile) -> Result<()> {
    progress::step(
        "Listed",
        &format!(
            "{arch} crates in {}",
            names(std::slice::from_ref(&sbom.path))
        ),
        || {
            let inputs = sbom::gather(
                run.ws,
                arch,
                run.plan.version,
                run.epoch,
                &backend_version(run.ws, run.plan.backend),
            )?;
            // In the scratch folder: published by rename with everything else.
            fs::write(&sbom.path, sbom::document(&inputs)?)
                .with_context(|| format!("cannot write {}", sbom.path.display()))
        },
    )
}

/// What the up-to-date check found.
pub enum Freshness {
    /// The outputs in the dist folder are those of these inputs: the run stops with this report.
    UpToDate(DistReport),
    /// Something changed: the record is forgotten and the packaging runs.
    Stale(Box<Rebuild>),
}

/// The inputs this run packages from, recorded by [`record_run`] once everything is published.
pub struct Rebuild {
    inputs: cache::DistInputs,
    input_stamps: Vec<cache::StampedInput>,
}

/// Compares every input of the later steps and every output with the last successful run's
/// record (see [`cache`]); after every arch's cargo side, since the staged payload is an input.
pub fn check_up_to_date(run: &Run, built: &[Built]) -> Result<Freshness> {
    let plan = run.plan;
    let record = cache::RecordFile {
        path: plan.record.clone(),
    };
    let last = record.load();
    let staged_stamps: Vec<(PathBuf, cache::ContentStamp)> = built
        .iter()
        .flat_map(|b| b.stamps.iter().cloned())
        .collect();
    let (inputs, input_stamps) = cache::gather(
        run.ws,
        plan,
        run.epoch,
        run.certificate(),
        last.as_ref(),
        &staged_stamps,
    )?;
    let published: Vec<String> = published_files(plan).collect();
    let freshness = cache::decide(last.as_ref(), &inputs, &published, |rels| {
        let paths: Vec<PathBuf> = rels.iter().map(|r| plan.out_dir.join(r)).collect();
        cache::sha256_files(&paths)
    });
    match (freshness, last) {
        (cache::Freshness::UpToDate, Some(last)) => {
            progress::status(
                "Fresh",
                "every input and output is as the last successful dist left them: nothing to rebuild",
            );
            Ok(Freshness::UpToDate(DistReport {
                out_dir: plan.out_dir.clone(),
                artifacts: last
                    .outputs
                    .into_iter()
                    .map(|o| (o.path, o.size, o.sha256))
                    .collect(),
                up_to_date: true,
            }))
        }
        (cache::Freshness::UpToDate, None) => {
            bail!("internal error: up to date without a record")
        }
        (cache::Freshness::Stale(reason), _) => {
            progress::status("Rebuilding", &format!("the MSIs and archives: {reason}"));
            record.forget()?;
            Ok(Freshness::Stale(Box::new(Rebuild {
                inputs,
                input_stamps,
            })))
        }
    }
}

/// The administrative templates, checked and copied into the scratch folder.
pub struct PolicyStaged {
    pub files: Vec<ScratchFile>,
}

pub fn stage_policy_definitions(run: &Run) -> Result<PolicyStaged> {
    let files = &run.plan.policy_definitions;
    progress::step("Checked", "administrative templates", || {
        policy_definitions::stage(&run.ws.root, run.scratch.path(), files)
    })?;
    Ok(PolicyStaged {
        files: files
            .iter()
            .map(|(rel, _)| ScratchFile {
                rel: rel.clone(),
                path: run.scratch.path().join(rel),
            })
            .collect(),
    })
}

/// One arch's MSI and zip in the scratch folder, checked and, if the plan signs, signed.
pub struct Packaged {
    pub arch: Arch,
    pub msi: ScratchFile,
    pub zip: ScratchFile,
}

/// The packaging of one arch, from its staged payload: sign the payload, compile the MSI, sign
/// it, verify the signatures, check and validate the MSI, zip it.
pub fn package_arch(run: &Run, arch_plan: &ArchPlan, built: &Built) -> Result<Packaged> {
    let ArchPlan { arch, package, .. } = arch_plan;
    let arch = *arch;
    if built.arch != arch {
        bail!(
            "internal error: packaging {arch} from the {} payload",
            built.arch
        );
    }
    if let Some(payload) = &package.sign_payload {
        sign_files(run, arch, payload)?;
    }
    progress::step("Compiled", &msi_relpath(arch), || {
        compile_msi(&package.compile, &package.msi.path)?;
        if run.plan.backend == Backend::Wixl {
            let stage = package
                .compile
                .cwd
                .as_deref()
                .context("wixl runs in the stage")?;
            msi_fixup::apply(&package.msi.path, stage, &run.ws.wix_dir())?;
        }
        repro::pin_package(&package.msi.path, run.epoch).map(drop)
    })?;
    if package.sign_payload.is_some() {
        sign_files(run, arch, std::slice::from_ref(&package.msi.path))?;
        verify_signatures(run, arch, &package.signed_files())?;
    }
    check_msi(arch, &package.msi.path)?;
    validate_msi(run, arch, &package.msi.path)?;
    archive(run, arch, &package.archive)?;
    Ok(Packaged {
        arch,
        msi: package.msi.clone(),
        zip: package.archive.zip.clone(),
    })
}

fn sign_files(run: &Run, arch: Arch, files: &[PathBuf]) -> Result<()> {
    let signer = run.signer()?;
    progress::step("Signed", &format!("{arch}: {}", names(files)), || {
        files.iter().try_for_each(|file| signer.sign(arch, file))
    })
}

fn verify_signatures(run: &Run, arch: Arch, files: &[PathBuf]) -> Result<()> {
    let signer = run.signer()?;
    progress::step(
        "Verified",
        &format!("{} {arch} signatures", files.len()),
        || files.iter().try_for_each(|file| signer.verify(file)),
    )
}

fn check_msi(arch: Arch, msi: &Path) -> Result<()> {
    let shipped: Vec<&str> = PAYLOAD.iter().map(|p| p.shipped_name).collect();
    progress::step("Checked", &format!("{} tables", msi_relpath(arch)), || {
        msi_check::check(msi, arch, &shipped)
    })
}

fn validate_msi(run: &Run, arch: Arch, msi: &Path) -> Result<()> {
    let allow = validate::allow::AllowList::load(&run.ws.root.join(validate::allow::ALLOW_FILE))?;
    progress::step("Validated", &msi_relpath(arch), || {
        validate::check_for_dist(msi, &allow, &run.ws.wix_dir())
    })
}

fn archive(run: &Run, arch: Arch, archive: &Archive) -> Result<()> {
    let entries: Vec<(&str, &Path)> = archive
        .entries
        .iter()
        .map(|(n, p)| (n.as_str(), p.as_path()))
        .collect();
    progress::step("Zipped", &format!("{arch}"), || {
        crate::archive::write_zip(&archive.zip.path, &archive.folder, &entries, run.epoch)
    })
}

/// The manifest, written into the scratch folder: every file it describes is there.
pub struct ManifestWritten(());

pub fn write_manifest(
    run: &Run,
    built: &[Built],
    packaged: &[Packaged],
    policy: &PolicyStaged,
) -> Result<ManifestWritten> {
    let manifest = build_manifest(run, built, packaged, policy)?;
    let path = &run.plan.manifest;
    fs::write(path, manifest.to_json())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(ManifestWritten(()))
}

/// SHA256SUMS written: every file to publish is in the scratch folder.
pub struct Checksummed(());

/// SHA256SUMS over every other published file, the manifest included.
pub fn write_checksums(run: &Run, _manifest: ManifestWritten) -> Result<Checksummed> {
    let mut entries = Vec::new();
    for rel in published_files(run.plan).filter(|rel| rel != SUMS_NAME) {
        entries.push((
            rel.clone(),
            checksum::sha256_file(&run.scratch.path().join(&rel))?,
        ));
    }
    let path = &run.plan.checksums;
    fs::write(path, checksum::sums_file(&entries))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Checksummed(()))
}

/// What was moved into the dist folder: (path relative to it, size, sha256).
pub struct Published {
    pub artifacts: Vec<(String, u64, String)>,
}

/// Moves every output from the scratch folder into the dist folder, one rename each.
pub fn publish(run: &Run, _sums: Checksummed) -> Result<Published> {
    let publish = &run.plan.publish;
    let mut artifacts = Vec::new();
    for rel in &publish.files {
        let source = publish.from.join(rel);
        let size = fs::metadata(&source).map(|m| m.len()).unwrap_or(0);
        let hash = checksum::sha256_file(&source)?;
        fsutil::publish(&source, &publish.to.join(rel))?;
        artifacts.push((rel.clone(), size, hash));
    }
    Ok(Published { artifacts })
}

/// Records this run's inputs and published outputs for the next run's up-to-date check. The
/// outputs are in place: a record that cannot be written costs only a rebuild.
pub fn record_run(run: &Run, rebuild: Rebuild, published: &Published) {
    let outputs = published
        .artifacts
        .iter()
        .map(|(path, size, sha256)| cache::OutputRecord {
            path: path.clone(),
            size: *size,
            sha256: sha256.clone(),
        })
        .collect();
    let record = cache::RecordFile {
        path: run.plan.record.clone(),
    };
    let entry = cache::RunRecord::new(rebuild.inputs, rebuild.input_stamps, outputs);
    if let Err(error) = record.save(&entry) {
        progress::status(
            "Warning",
            &format!("{error:#}; the next dist will rebuild everything"),
        );
    }
}

fn build_manifest(
    run: &Run,
    built: &[Built],
    packaged: &[Packaged],
    policy: &PolicyStaged,
) -> Result<DistManifest> {
    let certificate = run.certificate();
    let mut arches = Vec::new();
    for (built, packaged) in built.iter().zip(packaged) {
        let mut artifacts = Vec::new();
        for file in [&packaged.msi, &packaged.zip, &built.sbom] {
            artifacts.push(file_record(&file.path, file.rel.clone(), certificate)?);
        }
        let mut payload = Vec::new();
        for path in &built.staged {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            payload.push(file_record(path, name, certificate)?);
        }
        arches.push(ArchArtifacts {
            arch: packaged.arch,
            artifacts,
            payload,
        });
    }
    let mut policy_definitions = Vec::new();
    for file in &policy.files {
        policy_definitions.push(file_record(&file.path, file.rel.clone(), certificate)?);
    }
    let ws = run.ws;
    Ok(DistManifest {
        name: "SsprWindowsLogon",
        version: run.plan.version.to_string(),
        commit: ws.commit(),
        source_date_epoch: run.epoch,
        toolchain: Toolchain {
            rustc: tool_version("rustc", &["-V"]),
            wix_backend: backend_version(ws, run.plan.backend),
        },
        signed: certificate.is_some(),
        certificate_sha256: certificate.map(|c| c.sha256.clone()),
        arches,
        policy_definitions,
    })
}

fn file_record(
    path: &Path,
    rel: String,
    certificate: Option<&sign::CertificateInfo>,
) -> Result<FileRecord> {
    let signed = certificate.filter(|_| sign::is_signable(path));
    Ok(FileRecord {
        size: fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len(),
        sha256: checksum::sha256_file(path)?,
        path: rel,
        signed: signed.is_some(),
        certificate_sha256: signed.map(|c| c.sha256.clone()),
    })
}

/// Runs the WiX compiler; any stderr output counts as failure (wixl drops rows with only a
/// warning), and the package is then made secure for the public properties.
fn compile_msi(command: &ToolCommand, output: &Path) -> Result<()> {
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let result = command.output()?;
    let stderr = String::from_utf8_lossy(&result.stderr);
    if !result.status.success() || !stderr.trim().is_empty() {
        let _ = fs::remove_file(output);
        bail!(
            "`{command}` {}; its output:\n{}",
            if result.status.success() {
                "wrote to stderr, which this build treats as failure"
            } else {
                "failed"
            },
            printed(&result)
        );
    }
    msi_check::secure_public_properties(output)
}

/// The WiX compiler and its version, as the manifest and the SBOM record it.
pub(super) fn backend_version(ws: &Workspace, backend: Backend) -> String {
    match backend {
        Backend::Wixl => format!("wixl {}", tool_version("wixl", &["--version"])),
        Backend::Wix => tool_version(&ws.cargo, &["wix", "--version"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wix::MSI_NAME;
    #[test]
    fn compiler_stderr_fails_the_build_and_removes_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("x64").join(MSI_NAME);
        // Stands in for wixl exiting 0 with a GLib warning after writing its output.
        let command = ToolCommand::new("sh").arg("-c").arg(format!(
            "echo 'GLib-GObject-WARNING: no property named Secure' >&2; echo msi > '{}'",
            output.display()
        ));
        let err = format!("{:#}", compile_msi(&command, &output).unwrap_err());
        assert!(err.contains("wrote to stderr"), "{err}");
        assert!(err.contains("no property named Secure"), "{err}");
        assert!(!output.exists(), "a rejected MSI must not be left behind");
    }

    #[test]
    fn compiler_failure_shows_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join(MSI_NAME);
        let command = ToolCommand::new("sh")
            .arg("-c")
            .arg("echo 'wixl: error: bad XML' >&2; exit 1");
        let err = format!("{:#}", compile_msi(&command, &output).unwrap_err());
        assert!(err.contains("failed"), "{err}");
        assert!(err.contains("wixl: error: bad XML"), "{err}");
    }
}
