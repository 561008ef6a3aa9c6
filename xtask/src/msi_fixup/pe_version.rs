//! A PE file's version and language from its version resource (`VS_VERSIONINFO`): what the
//! WiX Toolset writes into the File table's Version and Language columns, and wixl does not.

use anyhow::{Context, Result};

/// `FILEVERSION` as `major.minor.build.revision`, and the first `Translation` language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeVersion {
    pub version: String,
    pub language: u16,
}

/// Reads the version resource of the PE image `bytes`; `Ok(None)` when it has none.
pub fn read(bytes: &[u8]) -> Result<Option<PeVersion>> {
    let pe = goblin::pe::PE::parse(bytes).context("not a PE image")?;
    let Some(fixed) = pe
        .resource_data
        .as_ref()
        .and_then(|r| r.version_info.as_ref())
        .and_then(|v| v.fixed_info.as_ref())
    else {
        return Ok(None);
    };
    // From the FILEVERSION words themselves: goblin 0.10's `file_version()` reads the file
    // date fields instead (0.0.0.0 for every binary we build).
    let v = goblin::pe::resource::VersionField::from_ms_ls(
        fixed.file_version_ms,
        fixed.file_version_ls,
    );
    let version = format!("{}.{}.{}.{}", v.major, v.minor, v.build, v.revision);
    // A version resource without a Translation is language-neutral (0), as Windows Installer
    // records such files.
    let language = translation_language(bytes).unwrap_or(0);
    Ok(Some(PeVersion { version, language }))
}

/// The language of the first `Translation` value in `VarFileInfo`: after the UTF-16 key
/// "Translation" and its NUL, padding to a 32-bit boundary from the `Var` header (which
/// starts six bytes before the key), then pairs of (language, code page).
fn translation_language(bytes: &[u8]) -> Option<u16> {
    let key: Vec<u8> = "Translation\0"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let at = bytes.windows(key.len()).position(|w| w == key.as_slice())?;
    let header = at.checked_sub(6)?;
    let value = (at + key.len() - header).next_multiple_of(4) + header;
    let pair = bytes.get(value..value + 2)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_after_padding() {
        // wLength, wValueLength, wType, "Translation\0" (24 bytes), no padding needed at 30 ->
        // 32, then 0x0409, 0x04B0.
        let mut var = vec![0u8; 6];
        var.extend("Translation\0".encode_utf16().flat_map(u16::to_le_bytes));
        var.extend([0, 0]);
        var.extend(0x0409u16.to_le_bytes());
        var.extend(0x04B0u16.to_le_bytes());
        assert_eq!(translation_language(&var), Some(1033));
        assert_eq!(translation_language(b"no resource"), None);
    }

    #[test]
    fn a_non_pe_file_is_an_error() {
        assert!(read(b"plain text").is_err());
    }
}
