//! sspr-com-probe: loads the installed credential provider the way LogonUI does and prints what it saw.
//!
//! It initialises an apartment, creates the provider with `CoCreateInstance(CLSCTX_INPROC_SERVER)`
//! (so COM resolves the DLL through the registry, exactly as LogonUI does), drives the
//! `ICredentialProvider` calls LogonUI makes first, and prints one `key=value` line per
//! observation for the end-to-end tests (`tests/e2e`) to parse. HRESULTs are printed as
//! `0x%08X`; a call that fails prints its HRESULT and the probe carries on, so one run shows
//! everything. The exit code is 0 whenever the probe itself ran to the end.
//!
//! Keys, in order:
//! - `probe`: this program's name and version; `pointer_bits`: 32 or 64
//! - `clsid`: the class created (the product's CLSID unless one is given as the only argument)
//! - `coinit`: `CoInitializeEx(COINIT_APARTMENTTHREADED)`
//! - `create`: `CoCreateInstance` for `ICredentialProvider`
//! - `module`: the full path the provider DLL was loaded from (`GetModuleFileNameW`)
//! - `logon`: `SetUsageScenario(CPUS_LOGON, 0)`
//! - `fields`: `GetFieldDescriptorCount`, or `fields_hr` when it fails
//! - `field<i>`: `<dwFieldID>:<cpft>:<label>` per descriptor, or `field<i>_hr` when it fails
//! - `field_past_end`: `GetFieldDescriptorAt(count)`, which must fail
//! - `credentials_hr`, `credentials`, `default`, `autologon`: `GetCredentialCount`
//! - `unlock`: `SetUsageScenario(CPUS_UNLOCK_WORKSTATION, 0)` on a second object
//! - `credui`, `change_password`, `plap`: the same for scenarios the provider refuses
//! - `unloaded`: 1 when `CoFreeUnusedLibrariesEx(0)` unloaded the DLL after every object was
//!   released (so `DllCanUnloadNow` answered `S_OK`), else 0
//!
//! Other modes, chosen by a flag ([`args`], clap; each prints `mode=<name>`, `coinit` and, at the
//! end, `unloaded` as above; the keys in between are listed in each module):
//! - `--tiles` ([`tiles`]): LogonUI's whole logon conversation, tile by tile, links clicked;
//! - `--filter` ([`filter`]): the credential provider filter;
//! - `--faults` ([`faults`]): with a `fault-injection` build, a panic forced in each method;
//! - `--settings` ([`settings_changes`]): registry changes between screens, each seen at the next.
//!
//! Started under the name `SsprResetHost.exe` (a test copies it over the installed host), the
//! probe only records its command line ([`host_recorder`]).
//!
//! The same package builds `sspr_fake_password_provider.dll` (`fake_password_provider.rs`), a
//! stand-in for the inbox password provider that tests register in a prefix.
#![cfg_attr(
    windows,
    allow(
        clippy::undocumented_unsafe_blocks,
        reason = "a test program whose every call into the provider under test is unsafe; per-block SAFETY comments are still to write"
    )
)]

#[cfg_attr(not(windows), allow(dead_code))]
mod args;
#[cfg(windows)]
mod fake_logonui;
#[cfg(windows)]
mod faults;
#[cfg(windows)]
mod filter;
#[cfg(windows)]
mod host_recorder;
#[cfg(windows)]
mod probe;
#[cfg(windows)]
mod settings_changes;
#[cfg(windows)]
mod tiles;
#[cfg(windows)]
mod unload;

#[cfg(windows)]
fn main() {
    use args::{Mode, Run};
    use clap::Parser;

    // Started as the reset host, the command line is the provider's, not ours: record it as is.
    if host_recorder::is_reset_host() {
        std::process::exit(host_recorder::record());
    }
    // A bad command line: clap's message and exit code 2.
    match args::Args::parse().run() {
        Run::Probe { clsid } => probe::run(clsid),
        Run::Mode(mode) => probe::run_mode(
            mode.name(),
            match mode {
                Mode::Tiles => tiles::run,
                Mode::Filter => filter::run,
                Mode::Faults => faults::run,
                Mode::Settings => settings_changes::run,
            },
        ),
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "sspr-com-probe is a Windows program: build it for x86_64-win7-windows-gnu or \
         i686-win7-windows-gnu and run it under Windows or Wine (`cargo xtask test` does both)."
    );
    std::process::exit(2);
}
