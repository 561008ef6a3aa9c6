//! `cargo xtask dist`: plan every step as data ([`plan`]), print it (`--dry-run`) or run it, one
//! function per step ([`steps`]).
//!
//! Outputs are built in a scratch folder beside the output folder and moved into place only
//! when every step has passed, so a failure leaves no partial file at a final path.
//!
//! After the cargo builds and staging, [`cache`] decides whether anything else needs doing:
//! when every input of the remaining steps and every output are as the last successful dist into
//! the same folder left them, the outputs are up to date and the run stops there.

mod cache;
mod plan;
mod signer;
mod steps;

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::arch::Arch;
use crate::progress;
use crate::setup;
use crate::sign::SigningConfig;
use crate::version::ProductVersion;
use crate::wix::Backend;
use crate::workspace::Workspace;

use plan::{plan, DistPlan};
use steps::{Freshness, Run};

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
                .map(|a| a.arch.name())
                .collect::<Vec<_>>()
                .join(","),
            plan.backend,
            plan.out_dir.display()
        );
        for need in prerequisites(options) {
            println!("  needs {} ({:?})", need.tool, need.provider);
        }
        for (index, step) in plan.steps().iter().enumerate() {
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

/// Runs the plan: every arch's cargo side, the up-to-date check, then packaging and publishing.
/// Each step gets what the earlier ones returned (see [`steps`]).
fn execute(ws: &Workspace, plan: &DistPlan) -> Result<DistReport> {
    let run = Run::open(ws, plan)?;
    // First everything cargo-side, for every arch: the up-to-date check needs all of it.
    let built = plan
        .arches
        .iter()
        .map(|a| steps::build_arch(&run, a.arch, &a.build))
        .collect::<Result<Vec<_>>>()?;
    let rebuild = match steps::check_up_to_date(&run, &built)? {
        Freshness::UpToDate(report) => return Ok(report),
        Freshness::Stale(rebuild) => *rebuild,
    };
    let policy = steps::stage_policy_definitions(&run)?;
    let packaged = plan
        .arches
        .iter()
        .zip(&built)
        .map(|(a, built)| steps::package_arch(&run, a, built))
        .collect::<Result<Vec<_>>>()?;
    let manifest = steps::write_manifest(&run, &built, &packaged, &policy)?;
    let sums = steps::write_checksums(&run, manifest)?;
    let published = steps::publish(&run, sums)?;
    steps::record_run(&run, rebuild, &published);
    Ok(DistReport {
        out_dir: plan.out_dir.clone(),
        artifacts: published.artifacts,
        up_to_date: false,
    })
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
