//! `sspr-activation-bench DLL CLSID ITERATIONS [COLD-ITERATIONS]`: loads a credential provider
//! DLL the way COM does (LoadLibrary, DllGetClassObject, IClassFactory::CreateInstance) and runs
//! LogonUI's opening sequence (SetUsageScenario(logon), GetFieldDescriptorCount, every
//! GetFieldDescriptorAt, GetCredentialCount). First COLD-ITERATIONS times from LoadLibrary to
//! FreeLibrary, then ITERATIONS times on fresh objects of one loaded DLL; prints `load_us=`,
//! `first_us=`, `iteration_us=<sorted list>` and `cold_us=<sorted list>` for `cargo xtask bench`,
//! then the same two sequences again with each call timed on its own: `breakdown_cold_us=` and
//! `breakdown_warm_us=` (`phase:median,...`).

#[cfg_attr(not(windows), allow(dead_code))]
mod args;
#[cfg(windows)]
mod bench;
#[cfg_attr(not(windows), allow(dead_code))]
mod phases;

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    use clap::Parser;

    // A bad command line: clap's message and exit code 2.
    let args = args::Args::parse();
    match bench::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sspr-activation-bench: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "sspr-activation-bench is a Windows program: build it for a *-win7-windows-gnu target"
    );
    std::process::exit(2);
}
