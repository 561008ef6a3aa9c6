//! A built MSI read through the Windows Installer API (`MsiOpenDatabaseW`, SQL views): its
//! identity from the Property table and its files (long name, size) from the File table, what
//! msitools reads on Linux.

use std::path::Path;

use anyhow::{bail, Context as _};
use windows::core::{HSTRING, PWSTR};
use windows::Win32::System::ApplicationInstallationAndServicing::{
    MsiCloseHandle, MsiDatabaseOpenViewW, MsiOpenDatabaseW, MsiRecordGetInteger,
    MsiRecordGetStringW, MsiViewExecute, MsiViewFetch, MSIDBOPEN_READONLY, MSIHANDLE,
};

use crate::config::Arch;
use crate::package::Package;
use crate::suite::{Payload, PayloadFile};

/// `ERROR_NO_MORE_ITEMS`: a view has no further record.
const NO_MORE_ITEMS: u32 = 259;

/// An MSI handle, closed on drop.
struct Handle(MSIHANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from the MSI API and is closed once.
        unsafe { MsiCloseHandle(self.0) };
    }
}

fn check(status: u32, what: &str) -> anyhow::Result<()> {
    if status == 0 {
        Ok(())
    } else {
        bail!("{what} failed with Windows error {status}")
    }
}

fn string(record: &Handle, field: u32) -> anyhow::Result<String> {
    let mut buffer = vec![0u16; 512];
    let mut length = buffer.len() as u32;
    // SAFETY: `buffer` holds `length` units; the record handle is open.
    let status = unsafe {
        MsiRecordGetStringW(
            record.0,
            field,
            Some(PWSTR(buffer.as_mut_ptr())),
            Some(&mut length),
        )
    };
    check(status, "MsiRecordGetStringW")?;
    Ok(String::from_utf16_lossy(&buffer[..length as usize]))
}

/// Every record of `query` against `database`.
fn rows(database: &Handle, query: &str) -> anyhow::Result<Vec<Handle>> {
    let mut view = MSIHANDLE::default();
    // SAFETY: the database is open; the query lives through the call; `view` is an out pointer.
    let status = unsafe { MsiDatabaseOpenViewW(database.0, &HSTRING::from(query), &mut view) };
    check(status, query)?;
    let view = Handle(view);
    // SAFETY: the view is open; no parameter record.
    let status = unsafe { MsiViewExecute(view.0, MSIHANDLE::default()) };
    check(status, query)?;
    let mut records = Vec::new();
    loop {
        let mut record = MSIHANDLE::default();
        // SAFETY: the view is executed; `record` is an out pointer.
        let status = unsafe { MsiViewFetch(view.0, &mut record) };
        if status == NO_MORE_ITEMS {
            break;
        }
        check(status, query)?;
        records.push(Handle(record));
    }
    Ok(records)
}

/// The package's identity (for a 64-bit runner: the x64 package) and its files by long name.
pub fn open_package(path: &Path) -> anyhow::Result<(Package, Payload)> {
    let text = path
        .to_str()
        .with_context(|| format!("{} is not Unicode", path.display()))?;
    let mut database = MSIHANDLE::default();
    // SAFETY: the path lives through the call; read-only; `database` is an out pointer.
    let status =
        unsafe { MsiOpenDatabaseW(&HSTRING::from(text), MSIDBOPEN_READONLY, &mut database) };
    check(status, &format!("opening {}", path.display()))?;
    let database = Handle(database);
    let mut properties = std::collections::BTreeMap::new();
    for record in rows(&database, "SELECT `Property`, `Value` FROM `Property`")? {
        properties.insert(string(&record, 1)?, string(&record, 2)?);
    }
    let property = |name: &str| {
        properties
            .get(name)
            .cloned()
            .with_context(|| format!("{} has no {name} property", path.display()))
    };
    let mut payload = Payload::new();
    for record in rows(&database, "SELECT `FileName`, `FileSize` FROM `File`")? {
        let name = string(&record, 1)?;
        let long = name.rsplit('|').next().unwrap_or(&name).to_owned();
        // SAFETY: the record handle is open.
        let size = unsafe { MsiRecordGetInteger(record.0, 2) };
        let size = u64::try_from(size).with_context(|| format!("{long}'s FileSize {size}"))?;
        payload.insert(long, PayloadFile { size, bytes: None });
    }
    // The x64 package installs to ProgramFiles64Folder, the x86 one to ProgramFilesFolder.
    let arch = if rows(
        &database,
        "SELECT `Directory` FROM `Directory` WHERE `Directory` = 'ProgramFiles64Folder'",
    )?
    .is_empty()
    {
        Arch::X86
    } else {
        Arch::X64
    };
    let package = Package {
        path: path.to_owned(),
        arch,
        version: property("ProductVersion")?,
        product_code: property("ProductCode")?,
        upgrade_code: property("UpgradeCode")?,
    };
    Ok((package, payload))
}
