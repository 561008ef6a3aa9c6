//! `cargo xtask test`: clippy for both Windows 7 targets, unit tests and a bounded fuzzing run,
//! then the builds the end-to-end suite needs (three versions of both MSIs and the COM probe),
//! then the Wine suite against them. Every `cargo test` is counted ([`Tally`]): the run ends with
//! each skipped test and its reason, then one line `N passed, N failed, N skipped`, also when a
//! step failed.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::arch::Arch;
use crate::command::ToolCommand;
use crate::dist::{self, DistOptions};
use crate::fuzz;
use crate::payload;
use crate::progress;
use crate::setup;
use crate::sign::SigningArgs;
use crate::test_keys;
use crate::test_tally::Tally;
use crate::verify_repro;
use crate::version::ProductVersion;
use crate::windows_clippy;
use crate::wix::Backend;
use crate::workspace::Workspace;

/// The environment variable the throw-away key's password travels in.
pub const TEST_PASSWORD_ENV: &str = "SSPR_TEST_SIGNING_PASSWORD";

/// The versions the upgrade and downgrade tests install: one below, the workspace's, one above.
pub fn test_versions(current: ProductVersion) -> Result<[ProductVersion; 3]> {
    let previous = if current.build > 0 {
        ProductVersion {
            build: current.build - 1,
            ..current
        }
    } else if current.minor > 0 {
        ProductVersion {
            minor: current.minor - 1,
            build: 9,
            ..current
        }
    } else if current.major > 0 {
        ProductVersion {
            major: current.major - 1,
            minor: 9,
            build: 9,
        }
    } else {
        anyhow::bail!("version 0.0.0 has no lower version for the downgrade tests: raise it");
    };
    let next = ProductVersion {
        build: current
            .build
            .checked_add(1)
            .context("patch 65535 has no higher version for the upgrade tests")?,
        ..current
    };
    Ok([previous, current, next])
}

/// The `cargo test` of every crate but the Wine suite. Tests that need a tool plain `cargo test`
/// cannot assume (MinGW, actionlint, zizmor, Wine) are `#[ignore = "needs ..."]`; setup has
/// installed those tools, so this run includes them.
pub fn unit_tests(ws: &Workspace) -> ToolCommand {
    ToolCommand::new(&ws.cargo)
        .args(["test", "--workspace", "--locked", "--exclude", "sspr-e2e"])
        .args(["--", "--include-ignored"])
        .cwd(&ws.root)
}

pub fn run(allow_setup: bool) -> Result<()> {
    let mut tally = Tally::default();
    let result = run_counted(allow_setup, &mut tally);
    println!("{}", tally.report());
    result
}

fn run_counted(allow_setup: bool, tally: &mut Tally) -> Result<()> {
    let started = Instant::now();
    let ws = Workspace::locate();
    setup::ensure(&setup::for_test(), allow_setup)?;
    // The x86 package's install test needs 32-bit Wine; without it that test reports itself
    // skipped with the reason, so a failure here only gets a line.
    if let Err(why) = setup::try_wine32(allow_setup) {
        progress::status("Without", &format!("32-bit Wine: {why}"));
    }

    windows_clippy::run(&ws)?;
    progress::step("Tested", "unit tests", || tally.run(&unit_tests(&ws)))?;
    crate::deny::run(&ws.cargo, &ws.root, ws.cargo_home.as_deref())?;
    fuzz::run(
        &ws,
        &fuzz::FuzzOptions {
            runs: fuzz::SUITE_RUNS,
            setup: allow_setup,
            random_seed: Some(fuzz::SUITE_SEED),
        },
    )?;

    // A throw-away signing key: the `current` packages are signed with it, so the whole
    // end-to-end suite runs on signed MSIs, and the signing tests check against it.
    let keys = progress::step("Made", "throw-away signing keys", || {
        test_keys::make(&ws.target_dir.join("xtask").join("test-keys"))
    })?;
    // SAFETY-free in edition 2021; set before any thread is started by this process. Children
    // (cargo test, nested xtask builds) read the password from this variable, never from argv.
    std::env::set_var(TEST_PASSWORD_ENV, &keys.password);
    let signing_args = SigningArgs {
        sign: true,
        pkcs12: Some(keys.valid_p12.clone()),
        pkcs12_password_env: TEST_PASSWORD_ENV.to_owned(),
        verify_ca: Some(keys.valid_cert.clone()),
        ..SigningArgs::default()
    };

    let current = ProductVersion::parse(env!("CARGO_PKG_VERSION")).map_err(anyhow::Error::msg)?;
    let versions = test_versions(current)?;
    let e2e_dir = ws.target_dir.join("e2e-dist");
    for (label, version) in ["previous", "current", "next"].into_iter().zip(versions) {
        let signing = if label == "current" {
            signing_args.clone().into_config()?
        } else {
            None
        };
        let options = DistOptions {
            arches: Arch::ALL.to_vec(),
            version,
            out_dir: e2e_dir.join(label),
            dry_run: false,
            setup: false,
            backend: Backend::Wixl,
            signing,
            help_url: None,
            graft: None,
        };
        progress::status(
            "Building",
            &format!("{label} packages ({version}) for the end-to-end suite"),
        );
        dist::run(&options)?;
    }

    let mut probes: Vec<(Arch, PathBuf)> = Vec::new();
    for arch in Arch::ALL {
        // x64 also gets the reset window's test programs (tests/host-owner), which the suite
        // finds beside the probe; Wine here has no 32-bit side to run them in.
        let packages: &[&str] = match arch {
            Arch::X64 => &["sspr-com-probe", "sspr-host-owner"],
            Arch::X86 => &["sspr-com-probe"],
        };
        progress::step("Built", &format!("COM probe for {arch}"), || {
            payload::cargo_build(&ws, arch, packages).run()
        })?;
        probes.push((
            arch,
            payload::release_dir(&ws.target_dir, arch).join("sspr-com-probe.exe"),
        ));
    }

    let suite_started = Instant::now();
    let mut e2e = ToolCommand::new(&ws.cargo)
        .args(["test", "--locked", "--package", "sspr-e2e"])
        // Every end-to-end test is ignored by plain `cargo test` (it needs what this run built).
        .args(["--", "--include-ignored"])
        .env("SSPR_E2E_DIST", &e2e_dir)
        .env("SSPR_E2E_VERSION_PREVIOUS", versions[0].to_string())
        .env("SSPR_E2E_VERSION_CURRENT", versions[1].to_string())
        .env("SSPR_E2E_VERSION_NEXT", versions[2].to_string())
        .env("SSPR_E2E_SIGNING_P12", &keys.valid_p12)
        .env("SSPR_E2E_SIGNING_CERT", &keys.valid_cert)
        .env("SSPR_E2E_EXPIRED_P12", &keys.expired_p12)
        .env("SSPR_E2E_SIGNING_PASSWORD_ENV", TEST_PASSWORD_ENV)
        .env("SSPR_E2E_XTASK", std::env::current_exe()?)
        .cwd(&ws.root);
    for (arch, probe) in &probes {
        e2e = e2e.env(
            format!("SSPR_E2E_PROBE_{}", arch.name().to_uppercase()),
            probe,
        );
    }
    tally.run(&e2e).context("the end-to-end suite failed")?;
    let suite_time = suite_started.elapsed().as_secs_f64();

    // The native path (issue 18): the same suite's shared tests as a Windows program
    // (tests/e2e-native), inside a fresh Wine prefix, against the signed x64 package (and the
    // releases before and after it, for the upgrade tests, and the x86 package).
    let msi = |release: &str, arch: Arch| {
        e2e_dir
            .join(release)
            .join(arch.name())
            .join("SsprWindowsLogon.PROD.msi")
    };
    let others = crate::e2e_native::Others {
        previous_next: Some((msi("previous", Arch::X64), msi("next", Arch::X64))),
        x86: Some(msi("current", Arch::X86)),
    };
    crate::e2e_native::run(&ws, &msi("current", Arch::X64), &others, tally)
        .context("the native end-to-end runner failed")?;

    progress::step(
        "Verified",
        "reproducibility: two clean signed builds, then a one-byte change",
        || verify_repro::run(&signing_args.to_args(), true),
    )?;
    progress::status(
        "Finished",
        &format!(
            "end-to-end suite in {suite_time:.1}s; all tests in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ProductVersion {
        ProductVersion::parse(text).unwrap()
    }

    #[test]
    fn test_versions_bracket_the_current_one() {
        assert_eq!(
            test_versions(v("0.1.0")).unwrap().map(|v| v.to_string()),
            ["0.0.9", "0.1.0", "0.1.1"]
        );
        assert_eq!(
            test_versions(v("1.2.3")).unwrap().map(|v| v.to_string()),
            ["1.2.2", "1.2.3", "1.2.4"]
        );
        assert_eq!(
            test_versions(v("2.0.0")).unwrap().map(|v| v.to_string()),
            ["1.9.9", "2.0.0", "2.0.1"]
        );
        assert!(test_versions(v("0.0.0")).is_err());
        assert!(test_versions(v("1.0.65535")).is_err());
    }

    #[test]
    fn unit_tests_exclude_the_wine_suite() {
        assert_eq!(
            unit_tests(&Workspace::fixture()).arg_strings(),
            [
                "test",
                "--workspace",
                "--locked",
                "--exclude",
                "sspr-e2e",
                "--",
                "--include-ignored"
            ]
        );
    }
}
