//! The dist plan as data: every step's paths and command lines, decided before anything runs.
//! Pure: it reads nothing from disk and runs nothing.
//!
//! The plan has the shape of a run: each arch's cargo side ([`ArchBuild`]), the up-to-date check
//! and the policy definitions, each arch's packaging ([`ArchPackage`]), then the manifest, the
//! checksums and the move into place. [`DistPlan::steps`] lists it as [`Step`]s in that order, for
//! `--dry-run` and for the up-to-date check's record of the plan.

use std::path::PathBuf;

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::payload::{self, PAYLOAD};
use crate::policy_definitions;
use crate::sbom;
use crate::sign::{self, SigningConfig};
use crate::validate;
use crate::version::ProductVersion;
use crate::wix::{self, Backend, MSI_NAME};
use crate::workspace::Workspace;

use super::{cache, DistOptions, MANIFEST_NAME, SUMS_NAME};

#[derive(Debug)]
pub struct DistPlan {
    pub version: ProductVersion,
    pub backend: Backend,
    pub out_dir: PathBuf,
    pub scratch_name: String,
    pub signing: Option<SigningConfig>,
    pub graft: Option<PathBuf>,
    /// One per architecture, in the order of `--arch`.
    pub arches: Vec<ArchPlan>,
    /// The last successful run's record: read by the up-to-date check, written last.
    pub record: PathBuf,
    /// The administrative templates: (path in the dist folder, source).
    pub policy_definitions: Vec<(String, PathBuf)>,
    pub manifest: PathBuf,
    pub checksums: PathBuf,
    pub publish: Publish,
}

/// A file written into the scratch folder, and its path in the dist folder once published.
#[derive(Clone, Debug)]
pub struct ScratchFile {
    pub rel: String,
    pub path: PathBuf,
}

#[derive(Debug)]
pub struct ArchPlan {
    pub arch: Arch,
    pub build: ArchBuild,
    pub package: ArchPackage,
}

/// One architecture's cargo side: what the up-to-date check looks at.
#[derive(Debug)]
pub struct ArchBuild {
    /// The DLL on its own, then the EXEs (see [`payload::build_groups`]).
    pub commands: Vec<ToolCommand>,
    /// Each built binary with the exports it must have, exactly.
    pub binaries: Vec<(PathBuf, &'static [&'static str])>,
    pub stage_dir: PathBuf,
    /// (built binary, its copy under the shipped name in `stage_dir`).
    pub stage: Vec<(PathBuf, PathBuf)>,
    pub sbom: ScratchFile,
}

/// One architecture's packaging, from the staged payload.
#[derive(Debug)]
pub struct ArchPackage {
    /// The staged binaries to Authenticode-sign before the MSI is compiled ([`sign::is_signable`]);
    /// `None` for an unsigned build.
    pub sign_payload: Option<Vec<PathBuf>>,
    pub compile: ToolCommand,
    pub msi: ScratchFile,
    pub archive: Archive,
}

#[derive(Debug)]
pub struct Archive {
    pub zip: ScratchFile,
    /// The folder the zip's entries are under.
    pub folder: String,
    /// (name in the zip, source).
    pub entries: Vec<(String, PathBuf)>,
}

#[derive(Clone, Debug)]
pub struct Publish {
    pub from: PathBuf,
    pub to: PathBuf,
    /// Relative to both folders.
    pub files: Vec<String>,
}

/// One step of a dist build, as `--dry-run` lists it.
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

/// Paths of one arch's outputs, relative to the dist folder.
pub fn msi_relpath(arch: Arch) -> String {
    format!("{}/{MSI_NAME}", arch.name())
}

pub fn zip_name(version: ProductVersion, arch: Arch) -> String {
    format!("SsprWindowsLogon-{version}-{}.zip", arch.name())
}

/// Builds the plan.
pub fn plan(ws: &Workspace, options: &DistOptions) -> DistPlan {
    plan_in(ws, options, format!(".dist-{}", std::process::id()))
}

/// [`plan`] with a given scratch folder name.
pub(super) fn plan_in(ws: &Workspace, options: &DistOptions, scratch_name: String) -> DistPlan {
    let scratch = options.out_dir.join(&scratch_name);
    let in_scratch = |rel: String| ScratchFile {
        path: scratch.join(&rel),
        rel,
    };
    let policy_definitions = policy_definitions::files(&ws.root);
    let arches: Vec<ArchPlan> = options
        .arches
        .iter()
        .map(|&arch| {
            let build = arch_build(
                ws,
                arch,
                &scratch,
                in_scratch(sbom::sbom_name(options.version, arch)),
            );
            let package = arch_package(
                ws,
                options,
                arch,
                &build,
                in_scratch(msi_relpath(arch)),
                in_scratch(zip_name(options.version, arch)),
                &policy_definitions,
            );
            ArchPlan {
                arch,
                build,
                package,
            }
        })
        .collect();
    let mut published: Vec<String> = policy_definitions
        .iter()
        .map(|(rel, _)| rel.clone())
        .collect();
    for arch in &arches {
        published.extend([
            arch.package.msi.rel.clone(),
            arch.package.archive.zip.rel.clone(),
            arch.build.sbom.rel.clone(),
        ]);
    }
    published.extend([MANIFEST_NAME.to_owned(), SUMS_NAME.to_owned()]);
    DistPlan {
        version: options.version,
        backend: options.backend,
        out_dir: options.out_dir.clone(),
        signing: options.signing.clone(),
        graft: options.graft.clone(),
        arches,
        record: cache::record_path(&ws.target_dir, &options.out_dir),
        policy_definitions,
        manifest: scratch.join(MANIFEST_NAME),
        checksums: scratch.join(SUMS_NAME),
        publish: Publish {
            from: scratch,
            to: options.out_dir.clone(),
            files: published,
        },
        scratch_name,
    }
}

fn arch_build(
    ws: &Workspace,
    arch: Arch,
    scratch: &std::path::Path,
    sbom: ScratchFile,
) -> ArchBuild {
    let release = payload::release_dir(&ws.target_dir, arch);
    let packages: Vec<&str> = PAYLOAD.iter().map(|p| p.package).collect();
    // Staged inside the scratch folder: two dists at once (tests do that) never share it.
    let stage_dir = scratch.join("stage").join(arch.name());
    ArchBuild {
        // The DLL is built on its own: cargo unifies a dependency's features across the
        // packages of one invocation, and the reset host's windows-rs features (VARIANT) would
        // otherwise add oleaut32/propsys imports to what LogonUI loads.
        commands: payload::build_groups(&packages)
            .iter()
            .map(|group| payload::cargo_build(ws, arch, group))
            .collect(),
        binaries: PAYLOAD
            .iter()
            .map(|p| (release.join(p.built_name), p.exports))
            .collect(),
        stage: PAYLOAD
            .iter()
            .map(|p| (release.join(p.built_name), stage_dir.join(p.shipped_name)))
            .collect(),
        stage_dir,
        sbom,
    }
}

fn arch_package(
    ws: &Workspace,
    options: &DistOptions,
    arch: Arch,
    build: &ArchBuild,
    msi: ScratchFile,
    zip: ScratchFile,
    policy_definitions: &[(String, PathBuf)],
) -> ArchPackage {
    let stage_dir = &build.stage_dir;
    let signs = options.signing.is_some() || options.graft.is_some();
    let sign_payload = signs.then(|| {
        build
            .stage
            .iter()
            .map(|(_, staged)| staged.clone())
            .filter(|path| sign::is_signable(path))
            .collect()
    });
    let wix_dir = ws.wix_dir();
    let msi_build = wix::MsiBuild {
        wix_dir: &wix_dir,
        stage_dir,
        arch,
        version: options.version,
        output: &msi.path,
    };
    let compile = match options.backend {
        Backend::Wixl => wix::wixl(&msi_build),
        Backend::Wix => wix::cargo_wix(&ws.cargo, &ws.root, &msi_build),
    }
    .with_help_url(options.backend, options.help_url.as_deref());
    let entries = [
        (MSI_NAME.to_owned(), msi.path.clone()),
        ("README.md".to_owned(), ws.root.join("README.md")),
        ("LICENSE".to_owned(), ws.root.join("LICENSE")),
        (sbom::SBOM_IN_ZIP.to_owned(), build.sbom.path.clone()),
    ]
    .into_iter()
    .chain(policy_definitions.iter().cloned())
    .collect();
    ArchPackage {
        sign_payload,
        compile,
        msi,
        archive: Archive {
            zip,
            folder: format!("SsprWindowsLogon-{}-{}", options.version, arch.name()),
            entries,
        },
    }
}

impl DistPlan {
    /// The steps in the order [`super::execute`] runs them.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = Vec::new();
        // First everything cargo-side, for every arch: the up-to-date check needs all of it.
        for ArchPlan { arch, build, .. } in &self.arches {
            let arch = *arch;
            steps.extend(build.commands.iter().map(|command| Step::BuildPayload {
                arch,
                command: command.clone(),
            }));
            steps.push(Step::AuditBinaries {
                arch,
                binaries: build.binaries.clone(),
            });
            steps.push(Step::Stage {
                arch,
                dir: build.stage_dir.clone(),
                files: build.stage.clone(),
            });
            steps.push(Step::Sbom {
                arch,
                output: build.sbom.path.clone(),
            });
        }
        steps.push(Step::SkipIfUpToDate {
            record: self.record.clone(),
        });
        steps.push(Step::PolicyDefinitions {
            files: self.policy_definitions.clone(),
        });
        for ArchPlan { arch, package, .. } in &self.arches {
            let arch = *arch;
            let msi = package.msi.path.clone();
            if let Some(payload) = &package.sign_payload {
                steps.push(Step::Sign {
                    arch,
                    files: payload.clone(),
                });
            }
            steps.push(Step::CompileMsi {
                arch,
                command: package.compile.clone(),
                output: msi.clone(),
            });
            if package.sign_payload.is_some() {
                steps.push(Step::Sign {
                    arch,
                    files: vec![msi.clone()],
                });
                steps.push(Step::VerifySignatures {
                    arch,
                    files: package.signed_files(),
                });
            }
            steps.push(Step::CheckMsi {
                arch,
                msi: msi.clone(),
            });
            steps.push(Step::ValidateMsi { arch, msi });
            steps.push(Step::Archive {
                arch,
                zip: package.archive.zip.path.clone(),
                folder: package.archive.folder.clone(),
                entries: package.archive.entries.clone(),
            });
        }
        steps.push(Step::Manifest {
            path: self.manifest.clone(),
        });
        steps.push(Step::Checksums {
            path: self.checksums.clone(),
        });
        steps.push(Step::Publish {
            from: self.publish.from.clone(),
            to: self.publish.to.clone(),
            files: self.publish.files.clone(),
        });
        steps.push(Step::RecordRun {
            record: self.record.clone(),
        });
        steps
    }
}

impl ArchPackage {
    /// Every file signed for this arch, the MSI last: what the signatures are verified on.
    pub fn signed_files(&self) -> Vec<PathBuf> {
        let mut files = self.sign_payload.clone().unwrap_or_default();
        files.push(self.msi.path.clone());
        files
    }
}

/// What the plan moves into the dist folder, relative to it.
pub fn published_files(plan: &DistPlan) -> impl Iterator<Item = String> + '_ {
    plan.publish.files.iter().cloned()
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
            Step::CompileMsi {
                arch,
                command,
                output,
            } => format!("compile MSI ({arch}) {}: {command}", names(std::slice::from_ref(output))),
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
                arch,
                zip,
                folder,
                entries,
            } => format!(
                "zip ({arch}) {}, under {folder}/: {}",
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

pub(super) fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        plan.steps()
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
    fn signatures_are_verified_on_every_file_signed_for_the_arch() {
        let mut opts = options(vec![Arch::X86]);
        opts.graft = Some("/release/graft".into());
        let plan = plan(&ws(), &opts);
        let signed: Vec<String> = plan
            .steps()
            .iter()
            .filter_map(|s| match s {
                Step::Sign { files, .. } => Some(names(files)),
                _ => None,
            })
            .collect();
        assert_eq!(
            signed,
            [
                "SsprCredentialProvider.dll, SsprResetHost.exe, SsprDiag.exe",
                "SsprWindowsLogon.PROD.msi"
            ]
        );
        let steps = plan.steps();
        let Some(Step::VerifySignatures { files, .. }) = steps
            .iter()
            .find(|s| matches!(s, Step::VerifySignatures { .. }))
        else {
            panic!("no verify step");
        };
        assert_eq!(
            names(files),
            "SsprCredentialProvider.dll, SsprResetHost.exe, SsprDiag.exe, SsprWindowsLogon.PROD.msi"
        );
        assert_eq!(files.last(), Some(&plan.arches[0].package.msi.path));
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
        let steps = plan.steps();
        let Some(Step::Archive { entries, .. }) =
            steps.iter().find(|s| matches!(s, Step::Archive { .. }))
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
        for step in &plan.steps() {
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
        let steps = plan.steps();
        let Some(Step::Stage { files, .. }) =
            steps.iter().find(|s| matches!(s, Step::Stage { .. }))
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
    fn wix_backend_plans_cargo_wix() {
        let mut opts = options(vec![Arch::X64]);
        opts.backend = Backend::Wix;
        let plan = plan(&ws(), &opts);
        let steps = plan.steps();
        let Some(Step::CompileMsi { command, .. }) =
            steps.iter().find(|s| matches!(s, Step::CompileMsi { .. }))
        else {
            panic!("no compile step");
        };
        assert_eq!(command.arg_strings()[0], "wix");
    }
}
