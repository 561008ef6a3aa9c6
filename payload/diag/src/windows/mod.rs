//! The real machine: [`WindowsMachine`] implements [`Machine`] over the registry (`registry`),
//! a few system calls (`system`) and `std::fs`.

mod registry;
mod system;

use std::io::Read;
use std::path::Path;

use crate::machine::{
    Arch, DirEntry, JoinState, Machine, OsVersionInfo, RegKey, SessionInfo, Value,
};

/// This computer, as the checks see it.
#[derive(Debug, Default, Clone, Copy)]
pub struct WindowsMachine;

impl WindowsMachine {
    pub fn new() -> Self {
        Self
    }
}

impl Machine for WindowsMachine {
    fn value(&self, key: &RegKey, name: &str) -> Option<Value> {
        registry::value(key, name)
    }

    fn subkeys(&self, key: &RegKey) -> Option<Vec<String>> {
        registry::subkeys(key)
    }

    fn values(&self, key: &RegKey) -> Option<Vec<(String, Value)>> {
        registry::values(key)
    }

    fn os_version(&self) -> Option<OsVersionInfo> {
        system::os_version()
    }

    fn native_arch(&self) -> Arch {
        system::native_arch()
    }

    fn session(&self) -> SessionInfo {
        SessionInfo {
            remote: system::is_remote_session(),
            session_name: std::env::var("SESSIONNAME").ok(),
        }
    }

    fn join_state(&self) -> Option<JoinState> {
        system::join_state()
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, String> {
        let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
        let mut bytes = Vec::new();
        file.take(limit)
            .read_to_end(&mut bytes)
            .map_err(|error| error.to_string())?;
        Ok(bytes)
    }

    fn list_dir(&self, path: &str) -> Option<Vec<DirEntry>> {
        let entries = std::fs::read_dir(path).ok()?;
        Some(
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let metadata = entry.metadata().ok()?;
                    Some(DirEntry {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        size: metadata.len(),
                        is_dir: metadata.is_dir(),
                    })
                })
                .collect(),
        )
    }

    fn own_dir(&self) -> Option<String> {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.to_string_lossy().into_owned())
    }

    fn export_events(&self, destination: &Path) -> Result<(), String> {
        system::export_events(destination)
    }
}
