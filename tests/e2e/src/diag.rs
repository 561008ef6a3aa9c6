//! Running `SsprDiag.exe --json` on a machine and reading its report: the Wine diag tests
//! (tests/diag.rs) and the native runner read it alike.

use anyhow::Context as _;
use serde_json::Value as JsonValue;

use crate::machine::Machine;

/// A finished `SsprDiag.exe --json` run.
#[derive(Debug)]
pub struct DiagRun {
    exit_code: u32,
    pub stdout: String,
    pub report: JsonValue,
}

/// Runs `diag` (its Windows path) with `--json` and `args` on `machine`.
pub fn run(machine: &dyn Machine, diag: &str, args: &[&str]) -> anyhow::Result<DiagRun> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let output = machine.run(diag, &all, &[])?;
    let report: JsonValue = serde_json::from_str(&output.stdout).map_err(|why| {
        anyhow::anyhow!(
            "SsprDiag printed no JSON ({why}; exit code {}); stdout:\n{}\nstderr:\n{}",
            output.exit_code,
            output.stdout,
            output.stderr
        )
    })?;
    Ok(DiagRun {
        exit_code: output.exit_code,
        stdout: output.stdout,
        report,
    })
}

impl DiagRun {
    /// One check of the report, by id.
    pub fn check(&self, id: &str) -> anyhow::Result<&JsonValue> {
        self.report
            .get("checks")
            .and_then(JsonValue::as_array)
            .context("no checks array")?
            .iter()
            .find(|c| c.get("id").and_then(JsonValue::as_str) == Some(id))
            .with_context(|| format!("no check {id}"))
    }

    /// A check's text field (`status`, `summary`).
    pub fn text(&self, id: &str, field: &str) -> anyhow::Result<String> {
        Ok(self
            .check(id)?
            .get(field)
            .and_then(JsonValue::as_str)
            .with_context(|| format!("{id}.{field} is not a string"))?
            .to_owned())
    }

    /// A check's list field (`found`, `fix`).
    pub fn lines(&self, id: &str, field: &str) -> anyhow::Result<Vec<String>> {
        self.check(id)?
            .get(field)
            .and_then(JsonValue::as_array)
            .with_context(|| format!("{id}.{field} is not an array"))?
            .iter()
            .map(|v| v.as_str().map(str::to_owned).context("not a string"))
            .collect()
    }

    /// Every check's status, in report order.
    pub fn statuses(&self) -> anyhow::Result<Vec<(String, String)>> {
        self.report
            .get("checks")
            .and_then(JsonValue::as_array)
            .context("no checks array")?
            .iter()
            .map(|c| {
                Ok((
                    c.get("id")
                        .and_then(JsonValue::as_str)
                        .context("id")?
                        .to_owned(),
                    c.get("status")
                        .and_then(JsonValue::as_str)
                        .context("status")?
                        .to_owned(),
                ))
            })
            .collect()
    }

    /// A header field of the report (`windows`, `diag_arch`).
    pub fn header(&self, field: &str) -> Option<&str> {
        self.report.get(field).and_then(JsonValue::as_str)
    }

    /// The process's exit code, after checking the report states the same one.
    pub fn exit_code(&self) -> u32 {
        let stated = self.report.get("exit_code").and_then(JsonValue::as_f64);
        assert_eq!(
            stated,
            Some(f64::from(self.exit_code)),
            "exit_code in the JSON"
        );
        self.exit_code
    }
}

/// With the product installed: SsprDiag only reads, so a table run, a verbose run and a JSON
/// run leave the machine exactly as it was (its snapshot); a `--collect` folder it cannot
/// create (a file is in the way) ends it with exit code 3 and the reason, after the full report.
pub fn changes_nothing_and_exits_3_when_collect_cannot_write(
    machine: &dyn Machine,
    diag: &str,
) -> anyhow::Result<()> {
    let before = machine.snapshot()?;
    for args in [&[][..], &["--verbose"], &["--json"]] {
        // Every run ends on its own (a killed or timed-out run is an error here).
        machine.run(diag, args, &[])?;
    }
    let diff = machine.diff(&before, &machine.snapshot()?);
    anyhow::ensure!(diff.is_empty(), "SsprDiag changed the machine:\n{diff}");

    let in_the_way = machine.scratch_file("in-the-way", "txt");
    std::fs::write(&in_the_way, "a file, not a folder")
        .with_context(|| format!("writing {}", in_the_way.display()))?;
    let collect = machine.windows_path(&in_the_way)?;
    let output = machine.run(diag, &["--json", "--collect", &collect], &[])?;
    anyhow::ensure!(
        output.exit_code == 3,
        "--collect into a file exited {}, expected 3:\n{}",
        output.exit_code,
        output.stderr
    );
    anyhow::ensure!(
        output.stderr.contains(r"SsprDiag: --collect failed: "),
        "no reason on stderr:\n{}",
        output.stderr
    );
    // The report itself is complete.
    serde_json::from_str::<JsonValue>(&output.stdout)
        .context("no JSON report before the failure")?;
    Ok(())
}
