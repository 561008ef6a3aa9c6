//! Reproducible MSIs: wixl stamps each package with a random PackageCode and the build time
//! (docs/design.md, "Reproducible output"). This patches those summary fields in place: times from
//! `SOURCE_DATE_EPOCH`, and a PackageCode derived from the package's own bytes, so the same
//! inputs give the same file and any change in content gives a new PackageCode (as Windows
//! Installer requires).
//!
//! The patch rewrites only the bytes of the `\u{5}SummaryInformation` stream, keeping its
//! length, through the `cfb` crate: a full rewrite of the database (the `msi` crate's `flush`)
//! produced a compound file that osslsigncode cannot parse.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

const SUMMARY_STREAM: &str = "\u{5}SummaryInformation";
const PID_REVISION_NUMBER: u32 = 9;
const PID_CREATE_DTM: u32 = 12;
const PID_LASTSAVE_DTM: u32 = 13;
const VT_LPSTR: u32 = 30;
const VT_FILETIME: u32 = 64;
/// 100 ns intervals between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

fn read_u32(bytes: &[u8], at: usize) -> Result<u32> {
    let slice = bytes
        .get(at..at + 4)
        .context("the summary information stream is truncated")?;
    Ok(u32::from_le_bytes([slice[0], slice[1], slice[2], slice[3]]))
}

/// Byte ranges of the properties we rewrite inside the property-set stream:
/// (property id, type, offset of the value after its type word).
fn locate_properties(stream: &[u8]) -> Result<Vec<(u32, u32, usize)>> {
    // Header: byte order, version, system id, class id (24 bytes), section count (4), then
    // the first section's FMTID (16) and offset (4).
    let section = read_u32(stream, 24 + 4 + 16)? as usize;
    let count = read_u32(stream, section + 4)? as usize;
    let mut found = Vec::new();
    for index in 0..count {
        let entry = section + 8 + index * 8;
        let id = read_u32(stream, entry)?;
        let offset = section + read_u32(stream, entry + 4)? as usize;
        let kind = read_u32(stream, offset)?;
        found.push((id, kind, offset + 4));
    }
    Ok(found)
}

/// Sets the two times and the PackageCode inside a summary information stream, in place.
pub fn patch_summary(stream: &mut [u8], package_code: uuid::Uuid, epoch: u64) -> Result<()> {
    let filetime = (FILETIME_UNIX_EPOCH + epoch * 10_000_000).to_le_bytes();
    let code = format!("{{{}}}", package_code.hyphenated()).to_ascii_uppercase();
    let mut seen = (false, false, false);
    for (id, kind, at) in locate_properties(stream)? {
        match (id, kind) {
            (PID_CREATE_DTM | PID_LASTSAVE_DTM, VT_FILETIME) => {
                stream
                    .get_mut(at..at + 8)
                    .context("the summary information stream is truncated")?
                    .copy_from_slice(&filetime);
                if id == PID_CREATE_DTM {
                    seen.0 = true
                } else {
                    seen.1 = true
                }
            }
            (PID_REVISION_NUMBER, VT_LPSTR) => {
                let length = read_u32(stream, at)? as usize;
                // The stored string is 38 characters and a NUL: the same length as ours.
                if length != code.len() + 1 {
                    bail!(
                        "the package's PackageCode has length {length}, expected {}",
                        code.len() + 1
                    );
                }
                stream
                    .get_mut(at + 4..at + 4 + code.len())
                    .context("the summary information stream is truncated")?
                    .copy_from_slice(code.as_bytes());
                seen.2 = true;
            }
            _ => {}
        }
    }
    if seen != (true, true, true) {
        bail!("the package's summary information lacks a creation time, save time or PackageCode");
    }
    Ok(())
}

fn rewrite_summary(path: &Path, package_code: uuid::Uuid, epoch: u64) -> Result<()> {
    let mut file = cfb::open_rw(path)
        .with_context(|| format!("cannot open {} as a compound file", path.display()))?;
    let mut stream = file
        .open_stream(SUMMARY_STREAM)
        .with_context(|| format!("{} has no summary information stream", path.display()))?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    patch_summary(&mut bytes, package_code, epoch)
        .with_context(|| format!("cannot pin the summary information of {}", path.display()))?;
    stream.seek(SeekFrom::Start(0))?;
    stream.write_all(&bytes)?;
    stream.flush()?;
    drop(stream);
    file.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Pins the summary times to `epoch`, then sets the PackageCode to a name-based GUID over the
/// package's bytes as they are with a nil PackageCode.
pub fn pin_package(path: &Path, epoch: u64) -> Result<uuid::Uuid> {
    rewrite_summary(path, uuid::Uuid::nil(), epoch)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let digest = Sha256::new()
        .chain_update(b"SsprWindowsLogon PackageCode\0")
        .chain_update(&bytes)
        .finalize();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&digest[..16]);
    let code = uuid::Builder::from_custom_bytes(raw).into_uuid();
    rewrite_summary(path, code, epoch)?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary information stream with the three properties, as wixl writes them.
    fn stream(code: &str, time: u64) -> Vec<u8> {
        let mut props: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut lpstr = VT_LPSTR.to_le_bytes().to_vec();
        lpstr.extend(((code.len() + 1) as u32).to_le_bytes());
        lpstr.extend(code.as_bytes());
        lpstr.push(0);
        while !lpstr.len().is_multiple_of(4) {
            lpstr.push(0);
        }
        props.push((PID_REVISION_NUMBER, lpstr));
        for id in [PID_CREATE_DTM, PID_LASTSAVE_DTM] {
            let mut ft = VT_FILETIME.to_le_bytes().to_vec();
            ft.extend(time.to_le_bytes());
            props.push((id, ft));
        }
        let mut out = vec![0u8; 24];
        out.extend(1u32.to_le_bytes());
        out.extend([0u8; 16]);
        out.extend(48u32.to_le_bytes());
        let header_len = 8 + props.len() * 8;
        let mut body: Vec<u8> = Vec::new();
        let mut table = Vec::new();
        for (id, value) in &props {
            table.extend(id.to_le_bytes());
            table.extend(((header_len + body.len()) as u32).to_le_bytes());
            body.extend(value);
        }
        out.extend(((header_len + body.len()) as u32).to_le_bytes());
        out.extend((props.len() as u32).to_le_bytes());
        out.extend(table);
        out.extend(body);
        out
    }

    #[test]
    fn patches_times_and_code_in_place() {
        let mut bytes = stream("{F20E8867-141A-4384-98AF-CAA0292CA6D7}", 1234);
        let before = bytes.len();
        let code = uuid::Uuid::from_u128(0xB0486956_1EE9_8135_8567_8F7646850EAA);
        patch_summary(&mut bytes, code, 1_700_000_000).unwrap();
        assert_eq!(bytes.len(), before);
        assert_eq!(
            bytes,
            stream(
                "{B0486956-1EE9-8135-8567-8F7646850EAA}",
                FILETIME_UNIX_EPOCH + 17_000_000_000_000_000
            )
        );
    }

    #[test]
    fn refuses_a_stream_without_the_fields() {
        let mut bytes = stream("{F20E8867-141A-4384-98AF-CAA0292CA6D7}", 1);
        bytes.truncate(60);
        assert!(patch_summary(&mut bytes, uuid::Uuid::nil(), 1).is_err());
    }
}
