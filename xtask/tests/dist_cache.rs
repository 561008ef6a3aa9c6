//! The no-change shortcut as `cargo xtask dist --dry-run` shows it: the up-to-date check comes
//! after every cargo build and staging step and before anything is packaged, the record is
//! written last, and a dry run writes no record. (The decision itself is unit-tested in
//! `xtask/src/dist/cache.rs`; a real dist is too slow for this suite.)

use std::process::Command;

#[test]
fn dry_run_shows_the_check_after_cargo_and_the_record_last_and_writes_nothing() {
    let target = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["dist", "--dry-run", "--out-dir", dist.to_str().unwrap()])
        .env("CARGO_TARGET_DIR", target.path())
        .output()
        .expect("xtask runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let steps: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().split_once(". ").map(|(_, step)| step))
        .collect();
    let position = |prefix: &str| {
        steps
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` step in:\n{text}"))
    };
    let check = position("stop here if every later step's inputs");
    let last_stage = steps
        .iter()
        .rposition(|s| s.starts_with("stage ("))
        .unwrap();
    let last_build = steps
        .iter()
        .rposition(|s| s.starts_with("build payload"))
        .unwrap();
    assert!(last_build < check && last_stage < check, "{text}");
    assert!(check < position("compile MSI (x64)"), "{text}");
    assert!(check < position("compile MSI (x86)"), "{text}");
    let record = target.path().join("dist-cache");
    assert!(
        steps
            .last()
            .unwrap()
            .starts_with(&format!("record this run in {}", record.display())),
        "{text}"
    );
    assert!(!record.exists(), "a dry run wrote a record");
    assert!(!dist.exists(), "a dry run wrote outputs");
}
