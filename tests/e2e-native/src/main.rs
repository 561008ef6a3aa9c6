//! `sspr-e2e-native.exe`: the end-to-end suite's shared tests (`sspr_e2e::suite`) as a Windows
//! program, talking to the machine through the native implementation of the suite's interface
//! (`CreateProcessW` for msiexec, the registry API, the file system; no Wine workarounds).
//!
//! `cargo xtask test` builds it for x86_64-win7-windows-gnu and runs it inside a fresh Wine
//! prefix against the x64 MSI; the Windows lane (.github/workflows/windows.yml) and a developer
//! run it on Windows itself (`cargo xtask e2e-native`). It needs an elevated prompt (per-machine
//! installs) on a machine without the product. Output: one libtest line per test
//! (`test NAME ... ok|FAILED`), the failures, then `test result: ...`, which xtask's tally reads;
//! exit 0 only when every test passed.
//!
//! Usage: `sspr-e2e-native.exe --msi PACKAGE --probe sspr-com-probe.exe [--scratch DIR]`.

#[cfg(windows)]
mod run;

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    run::main()
}

#[cfg(not(windows))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "sspr-e2e-native is a Windows program: `cargo xtask test` builds it for Windows and runs \
         it inside Wine; on Windows, `cargo xtask e2e-native` runs it"
    );
    std::process::ExitCode::from(2)
}
