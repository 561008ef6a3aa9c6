//! Reads what the registration check needs from a PE file: its machine, whether it is a DLL, and
//! its exported names (a COM server exports `DllGetClassObject` and `DllCanUnloadNow`).

use crate::machine::Arch;

/// What a PE header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeFacts {
    pub arch: Arch,
    pub is_dll: bool,
    pub exports: Vec<String>,
}

const IMAGE_FILE_DLL: u16 = 0x2000;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn arch_of(machine: u16) -> Arch {
    match machine {
        0x014c => Arch::X86,
        0x8664 => Arch::X64,
        0xaa64 => Arch::Arm64,
        other => Arch::Other(other),
    }
}

/// A section's mapping, to turn RVAs into file offsets.
struct Section {
    virtual_address: u32,
    virtual_size: u32,
    raw_offset: u32,
    raw_size: u32,
}

fn file_offset(sections: &[Section], rva: u32) -> Option<usize> {
    sections.iter().find_map(|s| {
        let span = s.virtual_size.max(s.raw_size);
        (rva >= s.virtual_address && rva - s.virtual_address < span)
            .then(|| (s.raw_offset as usize).checked_add((rva - s.virtual_address) as usize))
            .flatten()
    })
}

fn c_string(bytes: &[u8], at: usize) -> Option<String> {
    let tail = bytes.get(at..)?;
    let end = tail.iter().take(512).position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// Parses `bytes` as a PE image; the error says what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<PeFacts, String> {
    if bytes.get(..2) != Some(b"MZ") {
        return Err("not a Windows executable (no MZ header)".to_owned());
    }
    let pe = u32_at(bytes, 0x3c).ok_or("truncated DOS header")? as usize;
    if bytes.get(pe..pe.saturating_add(4)) != Some(b"PE\0\0") {
        return Err("not a PE image (no PE signature)".to_owned());
    }
    let coff = pe + 4;
    let machine = u16_at(bytes, coff).ok_or("truncated COFF header")?;
    let section_count = u16_at(bytes, coff + 2).ok_or("truncated COFF header")? as usize;
    let optional_size = u16_at(bytes, coff + 16).ok_or("truncated COFF header")? as usize;
    let characteristics = u16_at(bytes, coff + 18).ok_or("truncated COFF header")?;
    let optional = coff + 20;
    let directories = match u16_at(bytes, optional).ok_or("truncated optional header")? {
        0x10b => optional + 96,
        0x20b => optional + 112,
        other => return Err(format!("unknown optional header magic 0x{other:x}")),
    };
    let sections_at = optional + optional_size;
    let sections: Vec<Section> = (0..section_count)
        .filter_map(|i| {
            let at = sections_at + i * 40;
            Some(Section {
                virtual_size: u32_at(bytes, at + 8)?,
                virtual_address: u32_at(bytes, at + 12)?,
                raw_size: u32_at(bytes, at + 16)?,
                raw_offset: u32_at(bytes, at + 20)?,
            })
        })
        .collect();
    let mut exports = Vec::new();
    let export_rva = u32_at(bytes, directories).unwrap_or(0);
    if export_rva != 0 {
        let dir =
            file_offset(&sections, export_rva).ok_or("export directory outside every section")?;
        let count = u32_at(bytes, dir + 24).ok_or("truncated export directory")? as usize;
        let names_rva = u32_at(bytes, dir + 32).ok_or("truncated export directory")?;
        let names =
            file_offset(&sections, names_rva).ok_or("export name table outside every section")?;
        for i in 0..count.min(65_536) {
            let name_rva = u32_at(bytes, names + i * 4).ok_or("truncated export name table")?;
            let at = file_offset(&sections, name_rva).ok_or("export name outside every section")?;
            exports.push(c_string(bytes, at).ok_or("unterminated export name")?);
        }
    }
    Ok(PeFacts {
        arch: arch_of(machine),
        is_dll: characteristics & IMAGE_FILE_DLL != 0,
        exports,
    })
}

/// Builds minimal PE images for fixtures: one section holding an export directory.
pub mod tests_support {
    /// A PE32+ (x64, `machine` 0x8664) or PE32 image whose export table names `exports`.
    pub fn dll(machine: u16, exports: &[&str]) -> Vec<u8> {
        image(machine, true, exports)
    }

    /// Like [`dll`], with the DLL flag as given.
    pub fn image(machine: u16, is_dll: bool, exports: &[&str]) -> Vec<u8> {
        let pe32_plus = machine != 0x014c;
        let optional_size: usize = if pe32_plus { 240 } else { 224 };
        let pe = 0x40usize;
        let optional = pe + 24;
        let sections_at = optional + optional_size;
        let raw = 0x200usize;
        let rva = 0x1000u32;
        // Section body: export directory (40 bytes), name pointer table, names.
        let mut body = vec![0u8; 40];
        let table_at = body.len();
        body.resize(table_at + 4 * exports.len(), 0);
        for (i, name) in exports.iter().enumerate() {
            let name_rva = rva + body.len() as u32;
            body[table_at + 4 * i..table_at + 4 * i + 4].copy_from_slice(&name_rva.to_le_bytes());
            body.extend_from_slice(name.as_bytes());
            body.push(0);
        }
        body[24..28].copy_from_slice(&(exports.len() as u32).to_le_bytes());
        body[32..36].copy_from_slice(&(rva + table_at as u32).to_le_bytes());

        let mut bytes = vec![0u8; raw + body.len()];
        bytes[0..2].copy_from_slice(b"MZ");
        bytes[0x3c..0x40].copy_from_slice(&(pe as u32).to_le_bytes());
        bytes[pe..pe + 4].copy_from_slice(b"PE\0\0");
        bytes[pe + 4..pe + 6].copy_from_slice(&machine.to_le_bytes());
        bytes[pe + 6..pe + 8].copy_from_slice(&1u16.to_le_bytes());
        bytes[pe + 20..pe + 22].copy_from_slice(&(optional_size as u16).to_le_bytes());
        let characteristics: u16 = if is_dll { 0x2022 } else { 0x0022 };
        bytes[pe + 22..pe + 24].copy_from_slice(&characteristics.to_le_bytes());
        let magic: u16 = if pe32_plus { 0x20b } else { 0x10b };
        bytes[optional..optional + 2].copy_from_slice(&magic.to_le_bytes());
        let directories = optional + if pe32_plus { 112 } else { 96 };
        if !exports.is_empty() {
            bytes[directories..directories + 4].copy_from_slice(&rva.to_le_bytes());
            bytes[directories + 4..directories + 8]
                .copy_from_slice(&(body.len() as u32).to_le_bytes());
        }
        let section = sections_at;
        bytes[section..section + 6].copy_from_slice(b".edata");
        bytes[section + 8..section + 12].copy_from_slice(&(body.len() as u32).to_le_bytes());
        bytes[section + 12..section + 16].copy_from_slice(&rva.to_le_bytes());
        bytes[section + 16..section + 20].copy_from_slice(&(body.len() as u32).to_le_bytes());
        bytes[section + 20..section + 24].copy_from_slice(&(raw as u32).to_le_bytes());
        bytes[raw..].copy_from_slice(&body);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_machine_dll_flag_and_exports() {
        let facts = parse(&tests_support::dll(
            0x8664,
            &["DllCanUnloadNow", "DllGetClassObject"],
        ))
        .unwrap();
        assert_eq!(
            facts,
            PeFacts {
                arch: Arch::X64,
                is_dll: true,
                exports: vec!["DllCanUnloadNow".into(), "DllGetClassObject".into()],
            }
        );
        let facts = parse(&tests_support::image(0x014c, false, &[])).unwrap();
        assert_eq!(
            (facts.arch, facts.is_dll, facts.exports.len()),
            (Arch::X86, false, 0)
        );
    }

    #[test]
    fn refuses_what_is_not_a_pe() {
        assert_eq!(
            parse(b"hello").unwrap_err(),
            "not a Windows executable (no MZ header)"
        );
        let mut bytes = tests_support::dll(0x8664, &[]);
        bytes[0x40] = b'X';
        assert_eq!(
            parse(&bytes).unwrap_err(),
            "not a PE image (no PE signature)"
        );
        assert_eq!(parse(&bytes[..0x3e]).unwrap_err(), "truncated DOS header");
    }
}
