//! Reads what the registration check needs from a PE file with goblin: its machine, whether it is
//! a DLL, and its exported names (a COM server exports `DllGetClassObject` and `DllCanUnloadNow`).

use goblin::pe::characteristic::is_dll;
use goblin::pe::export::{Export, ExportData};
use goblin::pe::header::{Header, SIZEOF_COFF_HEADER, SIZEOF_PE_MAGIC};

use crate::machine::Arch;

/// What a PE header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeFacts {
    pub arch: Arch,
    pub is_dll: bool,
    pub exports: Vec<String>,
}

fn arch_of(machine: u16) -> Arch {
    match machine {
        goblin::pe::header::COFF_MACHINE_X86 => Arch::X86,
        goblin::pe::header::COFF_MACHINE_X86_64 => Arch::X64,
        goblin::pe::header::COFF_MACHINE_ARM64 => Arch::Arm64,
        other => Arch::Other(other),
    }
}

/// Parses `bytes` as a PE image; the error says what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<PeFacts, String> {
    // goblin's own message for this case ("Invalid magic number: 0x...") says less to an admin
    // who pointed the registration at a file that is not a program at all.
    if bytes.get(..2) != Some(b"MZ") {
        return Err("not a Windows executable (no MZ header)".to_owned());
    }
    // The headers, the section table and the export table only: goblin's whole-image parser
    // (`PE::parse`) also reads imports, resources, debug, TLS, relocation and certificate data,
    // which the check does not need and which add about 100 KB of code to SsprDiag.exe.
    let malformed = |error: goblin::error::Error| format!("not a readable PE image ({error})");
    let header = Header::parse(bytes).map_err(malformed)?;
    let optional = header
        .optional_header
        .ok_or("not a readable PE image (no optional header)")?;
    let mut at = header.dos_header.pe_pointer as usize
        + SIZEOF_PE_MAGIC
        + SIZEOF_COFF_HEADER
        + usize::from(header.coff_header.size_of_optional_header);
    let sections = header
        .coff_header
        .sections(bytes, &mut at)
        .map_err(malformed)?;
    let mut exports = Vec::new();
    if let Some(&table) = optional.data_directories.get_export_table() {
        let alignment = optional.windows_fields.file_alignment;
        let data = ExportData::parse(bytes, table, &sections, alignment).map_err(malformed)?;
        exports = Export::parse(bytes, &data, &sections, alignment)
            .map_err(malformed)?
            .into_iter()
            .filter_map(|export| export.name.map(str::to_owned))
            .collect();
    }
    Ok(PeFacts {
        arch: arch_of(header.coff_header.machine),
        is_dll: is_dll(header.coff_header.characteristics),
        exports,
    })
}

/// Builds minimal, valid PE images for fixtures: the headers, sixteen data directories and one
/// section holding an export directory and a one-byte function the exports point at.
pub mod tests_support {
    const PE_AT: usize = 0x40;
    const FILE_ALIGNMENT: usize = 0x200;
    const SECTION_ALIGNMENT: u32 = 0x1000;
    const SECTION_RVA: u32 = 0x1000;
    const DATA_DIRECTORIES: u32 = 16;

    /// A PE32+ (x64, `machine` 0x8664) or PE32 (x86, 0x014c) DLL whose export table names
    /// `exports`.
    pub fn dll(machine: u16, exports: &[&str]) -> Vec<u8> {
        image(machine, true, exports)
    }

    fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
        bytes[at..at + value.len()].copy_from_slice(value);
    }

    fn align(value: usize, to: usize) -> usize {
        value.div_ceil(to) * to
    }

    /// The section body: export directory, address table, name pointers, ordinals, the DLL's
    /// name and the export names, then the function (`ret`). Returns it with the export
    /// directory's size (the function lies outside it, so it is not read as a forwarder).
    fn export_section(exports: &[&str]) -> (Vec<u8>, usize) {
        let count = exports.len();
        let functions_at = 40;
        let names_at = functions_at + 4 * count;
        let ordinals_at = names_at + 4 * count;
        let mut body = vec![0u8; ordinals_at + 2 * count];
        let rva = |offset: usize| SECTION_RVA + offset as u32;
        let dll_name_at = body.len();
        body.extend_from_slice(b"fixture.dll\0");
        for (i, name) in exports.iter().enumerate() {
            let name_rva = rva(body.len());
            put(&mut body, names_at + 4 * i, &name_rva.to_le_bytes());
            put(&mut body, ordinals_at + 2 * i, &(i as u16).to_le_bytes());
            body.extend_from_slice(name.as_bytes());
            body.push(0);
        }
        let directory_size = body.len();
        let function = rva(body.len());
        body.push(0xc3);
        for i in 0..count {
            put(&mut body, functions_at + 4 * i, &function.to_le_bytes());
        }
        put(&mut body, 12, &rva(dll_name_at).to_le_bytes());
        put(&mut body, 16, &1u32.to_le_bytes()); // ordinal base
        put(&mut body, 20, &(count as u32).to_le_bytes()); // functions
        put(&mut body, 24, &(count as u32).to_le_bytes()); // names
        put(&mut body, 28, &rva(functions_at).to_le_bytes());
        put(&mut body, 32, &rva(names_at).to_le_bytes());
        put(&mut body, 36, &rva(ordinals_at).to_le_bytes());
        (body, directory_size)
    }

    /// Like [`dll`], with the DLL flag as given. `machine` 0x014c makes a PE32 image, any other
    /// a PE32+ one.
    pub fn image(machine: u16, is_dll: bool, exports: &[&str]) -> Vec<u8> {
        let pe32_plus = machine != 0x014c;
        let optional_size: usize = if pe32_plus { 240 } else { 224 };
        let optional = PE_AT + 24;
        let section = optional + optional_size;
        let (body, export_size) = export_section(exports);
        let raw_size = align(body.len(), FILE_ALIGNMENT);
        let mut bytes = vec![0u8; FILE_ALIGNMENT + raw_size];

        // DOS header: the magic and where the PE header is.
        put(&mut bytes, 0, b"MZ");
        put(&mut bytes, 0x3c, &(PE_AT as u32).to_le_bytes());
        // COFF header.
        put(&mut bytes, PE_AT, b"PE\0\0");
        put(&mut bytes, PE_AT + 4, &machine.to_le_bytes());
        put(&mut bytes, PE_AT + 6, &1u16.to_le_bytes()); // sections
        put(
            &mut bytes,
            PE_AT + 20,
            &(optional_size as u16).to_le_bytes(),
        );
        // Executable image, large-address aware; plus the DLL flag.
        let characteristics: u16 = if is_dll { 0x2022 } else { 0x0022 };
        put(&mut bytes, PE_AT + 22, &characteristics.to_le_bytes());
        // Optional header: the Windows fields below sit at the same offsets in PE32 and PE32+.
        let magic: u16 = if pe32_plus { 0x20b } else { 0x10b };
        put(&mut bytes, optional, &magic.to_le_bytes());
        if pe32_plus {
            put(&mut bytes, optional + 24, &0x1_8000_0000u64.to_le_bytes());
        } else {
            put(&mut bytes, optional + 28, &0x1000_0000u32.to_le_bytes());
        }
        put(&mut bytes, optional + 32, &SECTION_ALIGNMENT.to_le_bytes());
        put(
            &mut bytes,
            optional + 36,
            &(FILE_ALIGNMENT as u32).to_le_bytes(),
        );
        put(&mut bytes, optional + 48, &6u16.to_le_bytes()); // subsystem version 6.1
        put(&mut bytes, optional + 50, &1u16.to_le_bytes());
        let image_size = SECTION_RVA as usize + align(body.len(), SECTION_ALIGNMENT as usize);
        put(
            &mut bytes,
            optional + 56,
            &(image_size as u32).to_le_bytes(),
        );
        put(
            &mut bytes,
            optional + 60,
            &(FILE_ALIGNMENT as u32).to_le_bytes(),
        ); // headers
        put(&mut bytes, optional + 68, &2u16.to_le_bytes()); // Windows GUI subsystem
        let directories = optional + if pe32_plus { 112 } else { 96 };
        put(&mut bytes, directories - 4, &DATA_DIRECTORIES.to_le_bytes());
        if !exports.is_empty() {
            put(&mut bytes, directories, &SECTION_RVA.to_le_bytes());
            put(
                &mut bytes,
                directories + 4,
                &(export_size as u32).to_le_bytes(),
            );
        }
        // The one section: initialized, readable, executable.
        put(&mut bytes, section, b".text");
        put(&mut bytes, section + 8, &(body.len() as u32).to_le_bytes());
        put(&mut bytes, section + 12, &SECTION_RVA.to_le_bytes());
        put(&mut bytes, section + 16, &(raw_size as u32).to_le_bytes());
        put(
            &mut bytes,
            section + 20,
            &(FILE_ALIGNMENT as u32).to_le_bytes(),
        );
        put(&mut bytes, section + 36, &0x6000_0060u32.to_le_bytes());
        put(&mut bytes, FILE_ALIGNMENT, &body);
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
        let facts = parse(&tests_support::dll(0x014c, &["DllMain"])).unwrap();
        assert_eq!(
            facts,
            PeFacts {
                arch: Arch::X86,
                is_dll: true,
                exports: vec!["DllMain".into()],
            }
        );
        let facts = parse(&tests_support::image(0x014c, false, &[])).unwrap();
        assert_eq!(
            (facts.arch, facts.is_dll, facts.exports.len()),
            (Arch::X86, false, 0)
        );
        let facts = parse(&tests_support::image(0xaa64, true, &[])).unwrap();
        assert_eq!((facts.arch, facts.is_dll), (Arch::Arm64, true));
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
            "not a readable PE image (Malformed entity: PE header is malformed (signature 0x4558))"
        );
        let bytes = tests_support::dll(0x8664, &[]);
        assert_eq!(
            parse(&bytes[..0x3e]).unwrap_err(),
            "not a readable PE image (Malformed entity: cannot parse PE header pointer (offset 0x3c))"
        );
    }

    #[test]
    fn fixtures_are_images_goblin_reads_whole() {
        let bytes = tests_support::dll(0x014c, &["DllCanUnloadNow", "DllGetClassObject"]);
        let pe = goblin::pe::PE::parse(&bytes).unwrap();
        let names: Vec<_> = pe.exports.iter().map(|e| e.name).collect();
        assert_eq!(
            (pe.is_lib, pe.is_64, pe.name, names),
            (
                true,
                false,
                Some("fixture.dll"),
                vec![Some("DllCanUnloadNow"), Some("DllGetClassObject")]
            )
        );
        // Every export points at the function, not back into the export directory (which
        // would make it a forwarder).
        assert!(pe.exports.iter().all(|e| e.reexport.is_none()));
        let bytes = tests_support::image(0x8664, false, &[]);
        let pe = goblin::pe::PE::parse(&bytes).unwrap();
        assert_eq!((pe.is_lib, pe.is_64, pe.exports.len()), (false, true, 0));
    }

    #[test]
    fn a_damaged_export_table_is_an_error_or_no_names() {
        // The export data directory (PE32+: optional header at 0x58, directories at +112) to an
        // address no section maps: an error.
        let mut bytes = tests_support::dll(0x8664, &["DllGetClassObject"]);
        bytes[0x58 + 112..0x58 + 116].copy_from_slice(&0x9000u32.to_le_bytes());
        assert_eq!(
            parse(&bytes).unwrap_err(),
            "not a readable PE image (Malformed entity: cannot map export_rva (0x9000) into offset)"
        );
        // The name table (export directory + 32; the section's raw data starts at 0x200) there:
        // goblin reads no names, so the registration check reports a DLL that is no COM server.
        let mut bytes = tests_support::dll(0x8664, &["DllGetClassObject"]);
        bytes[0x200 + 32..0x200 + 36].copy_from_slice(&0x9000u32.to_le_bytes());
        assert_eq!(parse(&bytes).unwrap().exports, Vec::<String>::new());
    }
}
