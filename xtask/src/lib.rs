//! The project's build tasks as a library: every verb of `cargo xtask` and the pieces they share
//! (the dist plan, the command builders, the MSI checks). `main.rs` only parses the command line
//! and calls in here; the integration tests under `xtask/tests/` use the modules directly.

pub mod arch;
mod archive;
pub mod bench;
mod checksum;
mod command;
pub mod deny;
pub mod dist;
pub mod e2e_native;
mod fsutil;
pub mod fuzz;
mod identity;
pub mod imports;
mod manifest;
mod msi_check;
pub mod msi_diff;
mod msi_fixup;
mod payload;
mod policy_definitions;
mod progress;
mod repro;
mod sbom;
mod setup;
pub mod sign;
mod signed_compare;
mod test_keys;
pub mod test_suite;
mod test_tally;
pub mod validate;
pub mod verify_release;
pub mod verify_repro;
pub mod version;
pub mod windows_clippy;
pub mod wix;
pub mod workspace;
