//! `cargo xtask dist`: plan every step as data, print it (`--dry-run`) or run it with one `match`.
//!
//! Outputs are built in a scratch folder beside the output folder and moved into place only
//! when every step has passed, so a failure leaves no partial file at a final path.
//!
//! After the cargo builds and staging, [`cache`] decides whether anything else needs doing:
//! when every input of the remaining steps and every output are as the last successful dist into
//! the same folder left them, the outputs are up to date and the run stops there.

mod cache;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::arch::Arch;
use crate::checksum;
use crate::command::ToolCommand;
use crate::fsutil::{self, ScratchDir};
use crate::imports;
use crate::manifest::{ArchArtifacts, DistManifest, FileRecord, Toolchain};
use crate::msi_check;
use crate::msi_fixup;
use crate::payload::{self, PAYLOAD};
use crate::policy_definitions;
use crate::progress;
use crate::repro;
use crate::sbom;
use crate::setup;
use crate::sign::{self, SigningConfig};
use crate::signed_compare;
use crate::validate;
use crate::version::ProductVersion;
use crate::wix::{self, Backend, MSI_NAME};
use crate::workspace::{tool_version, Workspace};

pub const SUMS_NAME: &str = "SHA256SUMS";
/// The PE section cargo-auditable writes the zlib-compressed dependency list into.
pub const AUDITABLE_SECTION: &str = ".dep-v0";
pub const MANIFEST_NAME: &str = "dist-manifest.json";

#[derive(Clone, Debug)]
pub struct DistOptions {
    pub arches: Vec<Arch>,
    pub version: ProductVersion,
    pub out_dir: PathBuf,
    pub dry_run: bool,
    pub setup: bool,
    pub backend: Backend,
    /// `None`: an unsigned build (the manifest says so).
    pub signing: Option<SigningConfig>,
    /// The Add/Remove Programs help link (ARPHELPLINK); none unless the release names one.
    pub help_url: Option<String>,
    /// Instead of signing, attach the signatures of an existing signed build (`--graft-signatures`,
    /// see [`Signer::graft`]): a rebuild then has to match it byte for byte.
    pub graft: Option<PathBuf>,
}

/// One step of a dist build.
#[derive(Debug)]
pub enum Step {
    BuildPayload {
        arch: Arch,
        command: ToolCommand,
    },
    /// Imports against Windows 7 SP1, and each binary's exports exactly as [`PAYLOAD`] lists.
    AuditBinaries {
        arch: Arch,
        binaries: Vec<(PathBuf, &'static [&'static str])>,
    },
    Stage {
        arch: Arch,
        dir: PathBuf,
        files: Vec<(PathBuf, PathBuf)>,
    },
    /// The architecture's CycloneDX SBOM, from cargo's graph of the builds above.
    Sbom {
        arch: Arch,
        output: PathBuf,
    },
    CompileMsi {
        arch: Arch,
        command: ToolCommand,
        output: PathBuf,
    },
    /// Authenticode-sign these files in place (what is signed is decided by
    /// [`sign::is_signable`]).
    Sign {
        arch: Arch,
        files: Vec<PathBuf>,
    },
    /// Verify every signature made for this arch; any failure fails the build.
    VerifySignatures {
        arch: Arch,
        files: Vec<PathBuf>,
    },
    CheckMsi {
        arch: Arch,
        msi: PathBuf,
    },
    /// The ICE rules and the project's own (`cargo xtask validate-msi`): an error fails the build.
    ValidateMsi {
        arch: Arch,
        msi: PathBuf,
    },
    /// Check the administrative templates and copy them into the scratch folder
    /// (`PolicyDefinitions/...`, published beside the MSIs).
    PolicyDefinitions {
        files: Vec<(String, PathBuf)>,
    },
    Archive {
        arch: Arch,
        zip: PathBuf,
        folder: String,
        entries: Vec<(String, PathBuf)>,
    },
    Manifest {
        path: PathBuf,
    },
    Checksums {
        path: PathBuf,
    },
    Publish {
        from: PathBuf,
        to: PathBuf,
        files: Vec<String>,
    },
    /// Stop here if the inputs of every later step and the published outputs are exactly as
    /// the run recorded in `record` left them; otherwise forget that record and go on.
    SkipIfUpToDate {
        record: PathBuf,
    },
    /// Record this run's inputs and outputs, for the next run's [`Step::SkipIfUpToDate`].
    RecordRun {
        record: PathBuf,
    },
}

#[derive(Debug)]
pub struct DistPlan {
    pub version: ProductVersion,
    pub arches: Vec<Arch>,
    pub backend: Backend,
    pub out_dir: PathBuf,
    pub scratch_name: String,
    pub signing: Option<SigningConfig>,
    pub graft: Option<PathBuf>,
    pub steps: Vec<Step>,
}

/// Paths of one arch's outputs, relative to the dist folder.
pub fn msi_relpath(arch: Arch) -> String {
    format!("{}/{MSI_NAME}", arch.name())
}

pub fn zip_name(version: ProductVersion, arch: Arch) -> String {
    format!("SsprWindowsLogon-{version}-{}.zip", arch.name())
}

/// Builds the plan. Pure: it reads nothing from disk and runs nothing.
pub fn plan(ws: &Workspace, options: &DistOptions) -> DistPlan {
    plan_in(ws, options, format!(".dist-{}", std::process::id()))
}

/// [`plan`] with a given scratch folder name.
fn plan_in(ws: &Workspace, options: &DistOptions, scratch_name: String) -> DistPlan {
    let scratch = options.out_dir.join(&scratch_name);
    let packages: Vec<&str> = PAYLOAD.iter().map(|p| p.package).collect();
    let record = cache::record_path(&ws.target_dir, &options.out_dir);
    let mut steps = Vec::new();
    let mut published = Vec::new();
    // Staged inside the scratch folder: two dists at once (tests do that) never share it.
    let stage_dir = |arch: Arch| scratch.join("stage").join(arch.name());
    // First everything cargo-side, for every arch: the up-to-date check needs all of it.
    for &arch in &options.arches {
        let release = payload::release_dir(&ws.target_dir, arch);
        // The DLL is built on its own: cargo unifies a dependency's features across the
        // packages of one invocation, and the reset host's windows-rs features (VARIANT) would
        // otherwise add oleaut32/propsys imports to what LogonUI loads.
        for group in payload::build_groups(&packages) {
            steps.push(Step::BuildPayload {
                arch,
                command: payload::cargo_build(ws, arch, &group),
            });
        }
        steps.push(Step::AuditBinaries {
            arch,
            binaries: PAYLOAD
                .iter()
                .map(|p| (release.join(p.built_name), p.exports))
                .collect(),
        });
        steps.push(Step::Stage {
            arch,
            dir: stage_dir(arch),
            files: PAYLOAD
                .iter()
                .map(|p| {
                    (
                        release.join(p.built_name),
                        stage_dir(arch).join(p.shipped_name),
                    )
                })
                .collect(),
        });
        steps.push(Step::Sbom {
            arch,
            output: scratch.join(sbom::sbom_name(options.version, arch)),
        });
    }
    steps.push(Step::SkipIfUpToDate {
        record: record.clone(),
    });
    let policy_files = policy_definitions::files(&ws.root);
    steps.push(Step::PolicyDefinitions {
        files: policy_files.clone(),
    });
    published.extend(policy_files.iter().map(|(rel, _)| rel.clone()));
    for &arch in &options.arches {
        let stage_dir = stage_dir(arch);
        let signable: Vec<PathBuf> = PAYLOAD
            .iter()
            .map(|p| stage_dir.join(p.shipped_name))
            .filter(|path| sign::is_signable(path))
            .collect();
        let signs = options.signing.is_some() || options.graft.is_some();
        if signs {
            steps.push(Step::Sign {
                arch,
                files: signable.clone(),
            });
        }
        let msi = scratch.join(msi_relpath(arch));
        let command = match options.backend {
            Backend::Wixl => wix::wixl(&ws.wix_dir(), &stage_dir, arch, options.version, &msi)
                .with_help_url(options.backend, options.help_url.as_deref()),
            Backend::Wix => wix::cargo_wix(
                &ws.cargo,
                &ws.root,
                &ws.wix_dir(),
                &stage_dir,
                arch,
                options.version,
                &msi,
            )
            .with_help_url(options.backend, options.help_url.as_deref()),
        };
        steps.push(Step::CompileMsi {
            arch,
            command,
            output: msi.clone(),
        });
        if signs {
            steps.push(Step::Sign {
                arch,
                files: vec![msi.clone()],
            });
            let mut all = signable;
            all.push(msi.clone());
            steps.push(Step::VerifySignatures { arch, files: all });
        }
        steps.push(Step::CheckMsi {
            arch,
            msi: msi.clone(),
        });
        steps.push(Step::ValidateMsi {
            arch,
            msi: msi.clone(),
        });
        let zip = zip_name(options.version, arch);
        steps.push(Step::Archive {
            arch,
            zip: scratch.join(&zip),
            folder: format!("SsprWindowsLogon-{}-{}", options.version, arch.name()),
            entries: vec![
                (MSI_NAME.to_owned(), msi),
                ("README.md".to_owned(), ws.root.join("README.md")),
                ("LICENSE".to_owned(), ws.root.join("LICENSE")),
                (
                    sbom::SBOM_IN_ZIP.to_owned(),
                    scratch.join(sbom::sbom_name(options.version, arch)),
                ),
            ]
            .into_iter()
            .chain(policy_files.iter().cloned())
            .collect(),
        });
        published.push(msi_relpath(arch));
        published.push(zip);
        published.push(sbom::sbom_name(options.version, arch));
    }
    steps.push(Step::Manifest {
        path: scratch.join(MANIFEST_NAME),
    });
    steps.push(Step::Checksums {
        path: scratch.join(SUMS_NAME),
    });
    published.push(MANIFEST_NAME.to_owned());
    published.push(SUMS_NAME.to_owned());
    steps.push(Step::Publish {
        from: scratch,
        to: options.out_dir.clone(),
        files: published,
    });
    steps.push(Step::RecordRun { record });
    DistPlan {
        version: options.version,
        arches: options.arches.clone(),
        backend: options.backend,
        out_dir: options.out_dir.clone(),
        scratch_name,
        signing: options.signing.clone(),
        graft: options.graft.clone(),
        steps,
    }
}

impl Step {
    /// One line for `--dry-run`.
    pub fn describe(&self) -> String {
        match self {
            Step::BuildPayload { arch, command } => format!("build payload ({arch}): {command}"),
            Step::AuditBinaries { arch, binaries } => format!(
                "audit imports ({arch}) against xtask/win7-imports.txt, and exports: {}",
                names(&binaries.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>())
            ),
            Step::Stage { arch, dir, files } => format!(
                "stage ({arch}) into {}: {}",
                dir.display(),
                names(&files.iter().map(|(_, to)| to.clone()).collect::<Vec<_>>())
            ),
            Step::Sbom { arch, output } => format!(
                "write the CycloneDX SBOM ({arch}) {} from cargo tree, cargo metadata and Cargo.lock",
                output.display()
            ),
            Step::CompileMsi { arch, command, .. } => format!("compile MSI ({arch}): {command}"),
            Step::Sign { arch, files } => format!("sign ({arch}): {}", names(files)),
            Step::VerifySignatures { arch, files } => {
                format!("verify signatures ({arch}): {}", names(files))
            }
            Step::CheckMsi { arch, msi } => {
                format!(
                    "check MSI ({arch}): summary {}, registry rows, components, files of {}",
                    arch.msi_template(),
                    msi.display()
                )
            }
            Step::ValidateMsi { arch, msi } => format!(
                "validate MSI ({arch}): ICE rules and SSPR rules, warnings checked against {}: {}",
                validate::allow::ALLOW_FILE,
                msi.display()
            ),
            Step::Archive {
                arch, zip, entries, ..
            } => format!(
                "zip ({arch}) {}: {}",
                zip.display(),
                entries
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::PolicyDefinitions { files } => format!(
                "check the administrative templates, copy {}",
                files
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::Manifest { path } => format!("write {}", path.display()),
            Step::Checksums { path } => format!("write {}", path.display()),
            Step::Publish { from, to, files } => {
                format!(
                    "move {} from {} into {}",
                    files.join(", "),
                    from.display(),
                    to.display()
                )
            }
            Step::SkipIfUpToDate { record } => format!(
                "stop here if every later step's inputs and every output match the last successful run ({})",
                record.display()
            ),
            Step::RecordRun { record } => format!("record this run in {}", record.display()),
        }
    }
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a finished dist produced, for the closing table and for callers (`cargo xtask test`).
#[derive(Debug)]
pub struct DistReport {
    pub out_dir: PathBuf,
    /// (path relative to out_dir, size, sha256)
    pub artifacts: Vec<(String, u64, String)>,
    /// Nothing was rebuilt: the outputs were already those of these inputs.
    pub up_to_date: bool,
}

pub fn run(options: &DistOptions) -> Result<Option<DistReport>> {
    let ws = Workspace::locate();
    let plan = plan(&ws, options);
    if options.dry_run {
        println!(
            "dist plan: version {}, arches {}, backend {:?}, output {}",
            plan.version,
            plan.arches
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(","),
            plan.backend,
            plan.out_dir.display()
        );
        for need in prerequisites(options) {
            println!("  needs {} ({:?})", need.tool, need.provider);
        }
        for (index, step) in plan.steps.iter().enumerate() {
            println!("  {:>2}. {}", index + 1, step.describe());
        }
        return Ok(None);
    }
    if options.backend == Backend::Wix && !cfg!(windows) {
        bail!("--backend wix drives the WiX Toolset through cargo-wix, which runs only on Windows; on this machine use --backend wixl");
    }
    setup::ensure(&prerequisites(options), options.setup)?;
    let report = execute(&ws, &plan)?;
    print_table(&report);
    Ok(Some(report))
}

fn prerequisites(options: &DistOptions) -> Vec<setup::Prerequisite> {
    let mut needs = setup::for_dist(&options.arches);
    if options.backend == Backend::Wix {
        needs.retain(|n| n.tool != "wixl" && n.tool != "msiinfo");
    }
    if (options.signing.is_some() || options.graft.is_some()) && !cfg!(windows) {
        needs.extend(setup::for_signing());
    }
    needs
}

fn execute(ws: &Workspace, plan: &DistPlan) -> Result<DistReport> {
    // Created first: an unwritable --out-dir fails before minutes of building.
    let scratch = ScratchDir::new_in(&plan.out_dir, &plan.scratch_name)?;
    let epoch = ws.source_date_epoch()?;
    let allowed = imports::Win7Imports::tracked()?;
    // The key is opened before anything is built: a wrong password or an expired certificate
    // fails in a second, not after minutes of compiling.
    let signer = match (&plan.signing, &plan.graft) {
        (Some(config), _) => Some(Signer::prepare(config, scratch.path(), epoch)?),
        (None, Some(from)) => Some(Signer::graft(from, scratch.path(), epoch)?),
        (None, None) => None,
    };
    let mut report = DistReport {
        out_dir: plan.out_dir.clone(),
        artifacts: Vec::new(),
        up_to_date: false,
    };
    // Each staged file with its source's stamp from just before the copy.
    let mut staged_stamps: Vec<(PathBuf, cache::ContentStamp)> = Vec::new();
    // Set by the up-to-date check when a rebuild is needed; written down once it succeeded.
    let mut rebuilt_from: Option<(cache::DistInputs, Vec<cache::StampedInput>)> = None;
    for step in &plan.steps {
        match step {
            Step::BuildPayload { arch, command } => {
                progress::step(
                    "Built",
                    &format!("payload for {arch} ({})", arch.rust_target()),
                    || {
                        command.run().with_context(|| {
                            format!(
                                "building the payload for {arch} failed (cargo's errors are above)"
                            )
                        })
                    },
                )?;
            }
            Step::AuditBinaries { arch, binaries } => {
                let what = format!(
                    "imports of {} {arch} binaries against Windows 7 SP1",
                    binaries.len()
                );
                progress::step("Audited", &what, || {
                    binaries.iter().try_for_each(|(binary, exports)| {
                        audit_binary(
                            binary,
                            exports,
                            &allowed,
                            payload::embeds_dependency_list(*arch),
                        )
                    })
                })?;
            }
            Step::Stage { arch, dir, files } => {
                let stamps = progress::step("Staged", &format!("{arch} payload"), || {
                    stage(dir, files, epoch)
                })?;
                staged_stamps.extend(stamps);
            }
            Step::Sbom { arch, output } => {
                progress::step(
                    "Listed",
                    &format!("{arch} crates in {}", names(std::slice::from_ref(output))),
                    || {
                        let inputs = sbom::gather(
                            ws,
                            *arch,
                            plan.version,
                            epoch,
                            &backend_version(ws, plan.backend),
                        )?;
                        // In the scratch folder: published by rename with everything else.
                        fs::write(output, sbom::document(&inputs)?)
                            .with_context(|| format!("cannot write {}", output.display()))
                    },
                )?;
            }
            Step::Sign { arch, files } => {
                let signer = signer
                    .as_ref()
                    .context("a signing step without a signing key")?;
                progress::step("Signed", &format!("{arch}: {}", names(files)), || {
                    files.iter().try_for_each(|file| signer.sign(*arch, file))
                })?;
            }
            Step::VerifySignatures { arch, files } => {
                let signer = signer
                    .as_ref()
                    .context("a verify step without a signing key")?;
                progress::step(
                    "Verified",
                    &format!("{} {arch} signatures", files.len()),
                    || files.iter().try_for_each(|file| signer.verify(file)),
                )?;
            }
            Step::CompileMsi {
                arch,
                command,
                output,
            } => {
                progress::step("Compiled", &msi_relpath(*arch), || {
                    compile_msi(command, output)?;
                    if plan.backend == Backend::Wixl {
                        let stage = command.cwd.as_deref().context("wixl runs in the stage")?;
                        msi_fixup::apply(output, stage, &ws.wix_dir())?;
                    }
                    repro::pin_package(output, epoch).map(drop)
                })?;
            }
            Step::CheckMsi { arch, msi } => {
                let shipped: Vec<&str> = PAYLOAD.iter().map(|p| p.shipped_name).collect();
                progress::step("Checked", &format!("{} tables", msi_relpath(*arch)), || {
                    msi_check::check(msi, *arch, &shipped)
                })?;
            }
            Step::ValidateMsi { arch, msi } => {
                let allow =
                    validate::allow::AllowList::load(&ws.root.join(validate::allow::ALLOW_FILE))?;
                progress::step("Validated", &msi_relpath(*arch), || {
                    validate::check_for_dist(msi, &allow, &ws.wix_dir())
                })?;
            }
            Step::Archive {
                arch,
                zip,
                folder,
                entries,
            } => {
                let entries: Vec<(&str, &Path)> = entries
                    .iter()
                    .map(|(n, p)| (n.as_str(), p.as_path()))
                    .collect();
                progress::step("Zipped", &format!("{arch}"), || {
                    crate::archive::write_zip(zip, folder, &entries, epoch)
                })?;
            }
            Step::PolicyDefinitions { files } => {
                progress::step("Checked", "administrative templates", || {
                    policy_definitions::stage(&ws.root, scratch.path(), files)
                })?;
            }
            Step::Manifest { path } => {
                let certificate = signer.as_ref().map(|s| &s.certificate);
                let manifest = build_manifest(ws, plan, scratch.path(), certificate, epoch)?;
                fs::write(path, manifest.to_json())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Step::Checksums { path } => {
                let mut entries = Vec::new();
                for rel in published_files(plan).filter(|rel| rel != SUMS_NAME) {
                    entries.push((
                        rel.clone(),
                        checksum::sha256_file(&scratch.path().join(&rel))?,
                    ));
                }
                fs::write(path, checksum::sums_file(&entries))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Step::Publish { from, to, files } => {
                for rel in files {
                    let source = from.join(rel);
                    let size = fs::metadata(&source).map(|m| m.len()).unwrap_or(0);
                    let hash = checksum::sha256_file(&source)?;
                    fsutil::publish(&source, &to.join(rel))?;
                    report.artifacts.push((rel.clone(), size, hash));
                }
            }
            Step::SkipIfUpToDate { record } => {
                let record = cache::RecordFile {
                    path: record.clone(),
                };
                let certificate = signer.as_ref().map(|s| &s.certificate);
                let last = record.load();
                let (inputs, input_stamps) =
                    cache::gather(ws, plan, epoch, certificate, last.as_ref(), &staged_stamps)?;
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
                        report.up_to_date = true;
                        report.artifacts = last
                            .outputs
                            .into_iter()
                            .map(|o| (o.path, o.size, o.sha256))
                            .collect();
                        return Ok(report);
                    }
                    (cache::Freshness::UpToDate, None) => {
                        bail!("internal error: up to date without a record")
                    }
                    (cache::Freshness::Stale(reason), _) => {
                        progress::status("Rebuilding", &format!("the MSIs and archives: {reason}"));
                        record.forget()?;
                        rebuilt_from = Some((inputs, input_stamps));
                    }
                }
            }
            Step::RecordRun { record } => {
                let (inputs, input_stamps) = rebuilt_from
                    .take()
                    .context("internal error: a record step without the up-to-date check")?;
                let outputs = report
                    .artifacts
                    .iter()
                    .map(|(path, size, sha256)| cache::OutputRecord {
                        path: path.clone(),
                        size: *size,
                        sha256: sha256.clone(),
                    })
                    .collect();
                let record = cache::RecordFile {
                    path: record.clone(),
                };
                // The outputs are in place: a record that cannot be written costs only a rebuild.
                let run = cache::RunRecord::new(inputs, input_stamps, outputs);
                if let Err(error) = record.save(&run) {
                    progress::status(
                        "Warning",
                        &format!("{error:#}; the next dist will rebuild everything"),
                    );
                }
            }
        }
    }
    Ok(report)
}

fn audit_binary(
    binary: &Path,
    exports: &[&str],
    allowed: &imports::Win7Imports,
    auditable: bool,
) -> Result<()> {
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
    if auditable
        && !pe
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

fn published_files(plan: &DistPlan) -> impl Iterator<Item = String> + '_ {
    plan.steps.iter().flat_map(|step| match step {
        Step::Publish { files, .. } => files.clone(),
        _ => Vec::new(),
    })
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

/// The signing key, opened and checked, and the private file its secret is passed in; or the
/// signed build whose signatures are grafted.
struct Signer {
    mode: SignerMode,
    certificate: sign::CertificateInfo,
    epoch: u64,
}

enum SignerMode {
    Key {
        config: SigningConfig,
        secret_file: Option<sign::SecretFile>,
    },
    /// `<from>/<arch>/<file name>` is the signed counterpart of each file to sign; `work` is
    /// where its extracted signature goes.
    Graft { from: PathBuf, work: PathBuf },
}

impl Signer {
    fn prepare(config: &SigningConfig, scratch: &Path, epoch: u64) -> Result<Self> {
        let certificate = sign::check_key(config, scratch)?;
        let secret_file = match config.secret() {
            Some(secret) => Some(sign::SecretFile::write(scratch, secret)?),
            None => None,
        };
        progress::status(
            "Signing",
            &format!(
                "with {} (sha256 {})",
                certificate.subject, certificate.sha256
            ),
        );
        let mut config = config.clone();
        if config.timestamp_url.is_none() {
            config.signing_time = Some(epoch);
        }
        Ok(Self {
            mode: SignerMode::Key {
                config,
                secret_file,
            },
            certificate,
            epoch,
        })
    }

    /// Grafting from `from`, a folder laid out as a dist (`<arch>/SsprWindowsLogon.PROD.msi`,
    /// `dist-manifest.json`) with each MSI's signed payload beside it (`<arch>/<shipped name>`);
    /// the certificate is the one its manifest names.
    fn graft(from: &Path, scratch: &Path, epoch: u64) -> Result<Self> {
        let manifest = from.join(MANIFEST_NAME);
        let text = fs::read_to_string(&manifest).with_context(|| {
            format!(
                "--graft-signatures: cannot read {} (the signed build's manifest)",
                manifest.display()
            )
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a dist manifest", manifest.display()))?;
        let sha256 = value["certificate_sha256"]
            .as_str()
            .with_context(|| format!("{} records no signing certificate: the build it describes is unsigned, so there is nothing to graft", manifest.display()))?
            .to_owned();
        progress::status(
            "Grafting",
            &format!(
                "the signatures of {} (certificate sha256 {sha256})",
                from.display()
            ),
        );
        Ok(Self {
            mode: SignerMode::Graft {
                from: from.to_path_buf(),
                work: scratch.join("graft"),
            },
            certificate: sign::CertificateInfo {
                sha256,
                subject: "grafted".into(),
                not_after: "grafted".into(),
            },
            epoch,
        })
    }

    fn sign(&self, arch: Arch, file: &Path) -> Result<()> {
        match &self.mode {
            SignerMode::Key {
                config,
                secret_file,
            } => {
                let password_file = secret_file.as_ref().map(sign::SecretFile::path);
                sign::sign_file(config, password_file, file)?;
            }
            SignerMode::Graft { from, work } => {
                let name = file.file_name().context("a file to sign without a name")?;
                sign::graft_signature(&from.join(arch.name()).join(name), file, work)?;
            }
        }
        // Signing writes a new file; pin its time again (staged files' times go into the CAB).
        fsutil::set_mtime(file, self.epoch)
    }

    fn verify(&self, file: &Path) -> Result<()> {
        match &self.mode {
            SignerMode::Key { config, .. } => sign::verify_file(config, file),
            // A grafted signature must at least be over this content; whether its certificate
            // is trusted is the signed build's question, not the rebuild's.
            SignerMode::Graft { .. } => match signed_compare::signature_digest_mismatch(file)? {
                None => Ok(()),
                Some(reason) => bail!("the grafted signature of {}: {reason}", file.display()),
            },
        }
    }
}

/// (arch, shipped binaries as staged) from the plan's stage steps.
fn staged_files(plan: &DistPlan) -> Vec<(Arch, Vec<PathBuf>)> {
    plan.steps
        .iter()
        .filter_map(|step| match step {
            Step::Stage { arch, files, .. } => {
                Some((*arch, files.iter().map(|(_, to)| to.clone()).collect()))
            }
            _ => None,
        })
        .collect()
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
            "`{command}` {}; its output:\n{}{}",
            if result.status.success() {
                "wrote to stderr, which this build treats as failure"
            } else {
                "failed"
            },
            String::from_utf8_lossy(&result.stdout),
            stderr
        );
    }
    msi_check::secure_public_properties(output)
}

fn build_manifest(
    ws: &Workspace,
    plan: &DistPlan,
    scratch: &Path,
    certificate: Option<&sign::CertificateInfo>,
    epoch: u64,
) -> Result<DistManifest> {
    let mut arches = Vec::new();
    for (arch, staged) in staged_files(plan) {
        let mut artifacts = Vec::new();
        for rel in [
            msi_relpath(arch),
            zip_name(plan.version, arch),
            sbom::sbom_name(plan.version, arch),
        ] {
            artifacts.push(file_record(&scratch.join(&rel), rel, certificate)?);
        }
        let mut payload = Vec::new();
        for path in &staged {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            payload.push(file_record(path, name, certificate)?);
        }
        arches.push(ArchArtifacts {
            arch,
            artifacts,
            payload,
        });
    }
    let mut policy_definitions = Vec::new();
    for step in &plan.steps {
        if let Step::PolicyDefinitions { files } = step {
            for (rel, _) in files {
                policy_definitions.push(file_record(&scratch.join(rel), rel.clone(), certificate)?);
            }
        }
    }
    let backend = backend_version(ws, plan.backend);
    Ok(DistManifest {
        name: "SsprWindowsLogon",
        version: plan.version.to_string(),
        commit: ws.commit(),
        source_date_epoch: epoch,
        toolchain: Toolchain {
            rustc: tool_version("rustc", &["-V"]),
            wix_backend: backend,
        },
        signed: certificate.is_some(),
        certificate_sha256: certificate.map(|c| c.sha256.clone()),
        arches,
        policy_definitions,
    })
}

/// The WiX compiler and its version, as the manifest and the SBOM record it.
fn backend_version(ws: &Workspace, backend: Backend) -> String {
    match backend {
        Backend::Wixl => format!("wixl {}", tool_version("wixl", &["--version"])),
        Backend::Wix => tool_version(&ws.cargo, &["wix", "--version"]),
    }
}

fn print_table(report: &DistReport) {
    progress::status(
        "Finished",
        &format!(
            "dist in {}{}",
            report.out_dir.display(),
            if report.up_to_date {
                " (up to date)"
            } else {
                ""
            }
        ),
    );
    let width = report
        .artifacts
        .iter()
        .map(|(p, _, _)| p.len())
        .max()
        .unwrap_or(8)
        .max(8);
    eprintln!("    {:<width$}  {:>10}  sha256", "artifact", "size");
    for (path, size, hash) in &report.artifacts {
        eprintln!(
            "    {path:<width$}  {:>10}  {}",
            progress::human_size(*size),
            &hash[..12.min(hash.len())]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> Workspace {
        Workspace {
            root: "/src".into(),
            target_dir: "/src/target".into(),
            cargo: "cargo".into(),
            cargo_home: None,
            sysroot: None,
        }
    }

    fn options(arches: Vec<Arch>) -> DistOptions {
        DistOptions {
            arches,
            version: ProductVersion::parse("0.3.0").unwrap(),
            out_dir: "/out".into(),
            dry_run: true,
            setup: false,
            backend: Backend::Wixl,
            signing: None,
            help_url: None,
            graft: None,
        }
    }

    fn kinds(plan: &DistPlan) -> Vec<String> {
        plan.steps
            .iter()
            .map(|s| {
                format!("{s:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn plan_orders_steps_per_arch_then_outputs() {
        let plan = plan(&ws(), &options(Arch::ALL.to_vec()));
        // Two builds per arch: the DLL alone, then the EXEs.
        let cargo_side = [
            "BuildPayload",
            "BuildPayload",
            "AuditBinaries",
            "Stage",
            "Sbom",
        ];
        let packaging = ["CompileMsi", "CheckMsi", "ValidateMsi", "Archive"];
        let mut expected: Vec<&str> = cargo_side
            .iter()
            .chain(cargo_side.iter())
            .copied()
            .collect();
        expected.extend(["SkipIfUpToDate", "PolicyDefinitions"]);
        expected.extend(packaging.iter().chain(packaging.iter()));
        expected.extend(["Manifest", "Checksums", "Publish", "RecordRun"]);
        assert_eq!(kinds(&plan), expected);
    }

    #[test]
    fn grafting_plans_the_signing_steps_of_a_signed_build() {
        let mut opts = options(vec![Arch::X64]);
        opts.graft = Some("/release/graft".into());
        let plan = plan(&ws(), &opts);
        let kinds = kinds(&plan);
        let packaging: Vec<&str> = kinds
            .iter()
            .skip_while(|k| *k != "SkipIfUpToDate")
            .map(String::as_str)
            .collect();
        assert_eq!(
            packaging,
            [
                "SkipIfUpToDate",
                "PolicyDefinitions",
                "Sign",
                "CompileMsi",
                "Sign",
                "VerifySignatures",
                "CheckMsi",
                "ValidateMsi",
                "Archive",
                "Manifest",
                "Checksums",
                "Publish",
                "RecordRun"
            ]
        );
    }

    #[test]
    fn plan_publishes_the_fixed_names() {
        let plan = plan(&ws(), &options(Arch::ALL.to_vec()));
        let published: Vec<String> = published_files(&plan).collect();
        assert_eq!(
            published,
            [
                "PolicyDefinitions/SsprWindowsLogon.admx",
                "PolicyDefinitions/en-US/SsprWindowsLogon.adml",
                "PolicyDefinitions/de-DE/SsprWindowsLogon.adml",
                "x64/SsprWindowsLogon.PROD.msi",
                "SsprWindowsLogon-0.3.0-x64.zip",
                "SsprWindowsLogon-0.3.0-x64.cdx.json",
                "x86/SsprWindowsLogon.PROD.msi",
                "SsprWindowsLogon-0.3.0-x86.zip",
                "SsprWindowsLogon-0.3.0-x86.cdx.json",
                "dist-manifest.json",
                "SHA256SUMS",
            ]
        );
    }

    #[test]
    fn zips_carry_the_policy_definitions_in_the_central_store_layout() {
        let plan = plan(&ws(), &options(vec![Arch::X64]));
        let Some(Step::Archive { entries, .. }) = plan
            .steps
            .iter()
            .find(|s| matches!(s, Step::Archive { .. }))
        else {
            panic!("no archive step");
        };
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names[names.len() - 3..],
            [
                "PolicyDefinitions/SsprWindowsLogon.admx",
                "PolicyDefinitions/en-US/SsprWindowsLogon.adml",
                "PolicyDefinitions/de-DE/SsprWindowsLogon.adml",
            ]
        );
        assert_eq!(
            entries[names.len() - 1].1,
            PathBuf::from("/src/admx/de-DE/SsprWindowsLogon.adml")
        );
    }

    #[test]
    fn plan_writes_only_into_scratch_before_publishing() {
        let plan = plan(&ws(), &options(vec![Arch::X86]));
        let scratch = Path::new("/out").join(&plan.scratch_name);
        for step in &plan.steps {
            match step {
                Step::CompileMsi { output, .. } => assert!(output.starts_with(&scratch)),
                Step::Archive { zip, .. } => assert!(zip.starts_with(&scratch)),
                Step::Manifest { path } | Step::Checksums { path } => {
                    assert!(path.starts_with(&scratch))
                }
                _ => {}
            }
        }
    }

    #[test]
    fn plan_stages_under_shipped_names() {
        let plan = plan(&ws(), &options(vec![Arch::X64]));
        let Some(Step::Stage { files, .. }) =
            plan.steps.iter().find(|s| matches!(s, Step::Stage { .. }))
        else {
            panic!("no stage step");
        };
        assert_eq!(
            files[0],
            (
                PathBuf::from(
                    "/src/target/x86_64-win7-windows-gnu/release/sspr_credential_provider.dll"
                ),
                Path::new("/out")
                    .join(&plan.scratch_name)
                    .join("stage/x64/SsprCredentialProvider.dll")
            )
        );
    }

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

    #[test]
    fn wix_backend_plans_cargo_wix() {
        let mut opts = options(vec![Arch::X64]);
        opts.backend = Backend::Wix;
        let plan = plan(&ws(), &opts);
        let Some(Step::CompileMsi { command, .. }) = plan
            .steps
            .iter()
            .find(|s| matches!(s, Step::CompileMsi { .. }))
        else {
            panic!("no compile step");
        };
        assert_eq!(command.arg_strings()[0], "wix");
    }
}
