//! Import audit: every payload binary may import only DLLs and functions Windows 7 SP1 provides.
//!
//! A missing import stops a DLL or EXE from loading at all, and Wine, which has the newer exports,
//! hides the problem (docs/design.md, "Windows 7 targets and the import audit"). So `cargo xtask dist` reads each binary's import table and
//! checks it against the tracked allowlist `xtask/win7-imports.txt`; anything not listed fails.
//! The integration tests include this file by path, so it uses only std, anyhow and goblin.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use goblin::pe::import::SyntheticImportLookupTableEntry;
use goblin::pe::PE;

/// Where the allowlist lives, for messages that tell the reader what to edit.
const TRACKED_LIST: &str = "xtask/win7-imports.txt";

/// The DLLs and functions Windows 7 SP1 provides that our binaries may import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Win7Imports {
    /// Lower-cased DLL name to function names; an ordinal import is `#N`. Function names keep
    /// their case because the loader matches them case-sensitively.
    by_dll: BTreeMap<String, BTreeSet<String>>,
}

impl Win7Imports {
    /// Parses the allowlist format: one `dll!function` or `dll!#ordinal` per line, DLL name
    /// lower-case, `#` comments on lines of their own, blank lines ignored.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut by_dll: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (dll, function) = line.split_once('!').ok_or_else(|| {
                anyhow!("line {line_number}: expected `dll!function`, found `{line}`")
            })?;
            check_dll_name(dll).map_err(|why| anyhow!("line {line_number}: {why}"))?;
            check_function_name(function).map_err(|why| anyhow!("line {line_number}: {why}"))?;
            if let Some(earlier) = first_line.insert(line, line_number) {
                bail!("line {line_number}: `{line}` repeats line {earlier}");
            }
            by_dll
                .entry(dll.to_owned())
                .or_default()
                .insert(function.to_owned());
        }
        Ok(Self { by_dll })
    }

    /// The tracked list, `xtask/win7-imports.txt`, compiled into xtask.
    pub fn tracked() -> anyhow::Result<Self> {
        Self::parse(include_str!("../win7-imports.txt"))
            .with_context(|| format!("{TRACKED_LIST} is malformed"))
    }

    /// Whether Windows 7 SP1 provides `function` (or `#N`) from `dll`; the DLL name may be in any case.
    pub fn allows(&self, dll: &str, function: &str) -> bool {
        self.by_dll
            .get(&dll.to_ascii_lowercase())
            .is_some_and(|functions| functions.contains(function))
    }
}

fn check_dll_name(dll: &str) -> Result<(), String> {
    let well_formed = dll.len() > ".dll".len()
        && dll.ends_with(".dll")
        && dll
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "DLL name `{dll}` must be lower-case letters, digits, `.`, `_` or `-`, ending in `.dll`"
        ))
    }
}

fn check_function_name(function: &str) -> Result<(), String> {
    if let Some(ordinal) = function.strip_prefix('#') {
        // Canonical decimal only, so `#07` cannot sit unnoticed next to the `#7` imports render as.
        return match ordinal.parse::<u16>() {
            Ok(number) if number.to_string() == ordinal => Ok(()),
            _ => Err(format!(
                "ordinal `{function}` must be `#` and a decimal number from 0 to 65535"
            )),
        };
    }
    if function.is_empty() || !function.bytes().all(|b| b.is_ascii_graphic() && b != b'!') {
        return Err(format!(
            "function name `{function}` must be non-empty printable ASCII without spaces or `!`"
        ));
    }
    Ok(())
}

/// One imported function: the DLL it comes from ([`read_imports`] lower-cases it) and the
/// function's name, or `#N` for an import by ordinal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Import {
    pub dll: String,
    pub function: String,
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.dll, self.function)
    }
}

/// Every function a PE32 or PE32+ image imports, DLL names lower-cased, sorted, each once.
///
/// A DLL can appear in several import descriptors (windows-rs links with raw-dylib, so `KERNEL32.dll`
/// from std and `kernel32.dll` from windows-rs sit side by side); they merge here.
///
/// Delay-load imports are not read: an image whose delay-import directory is set (as MSVC's and
/// LLVM's linkers set it) is refused rather than passed unchecked. GNU ld leaves that directory
/// empty even for `dlltool -y` imports, so those stay invisible here; our payload has none.
pub fn read_imports(pe_bytes: &[u8]) -> anyhow::Result<Vec<Import>> {
    let pe = PE::parse(pe_bytes).context("not a readable PE image (Windows EXE or DLL)")?;
    let has_delay_imports = pe
        .header
        .optional_header
        .as_ref()
        .and_then(|header| header.data_directories.get_delay_import_descriptor())
        .is_some_and(|directory| directory.size > 0);
    if has_delay_imports {
        bail!(
            "the image has delay-load imports, which the Windows 7 import audit does not read; \
             link those DLLs normally or teach xtask/src/imports.rs to read delay imports"
        );
    }
    let mut imports = BTreeSet::new();
    for descriptor in pe.import_data.iter().flat_map(|data| &data.import_data) {
        let dll = descriptor.name.to_ascii_lowercase();
        if dll.is_empty() {
            bail!("an import descriptor has no DLL name");
        }
        let entries = descriptor.import_lookup_table.as_ref().ok_or_else(|| {
            anyhow!(
                "the import table of `{dll}` cannot be read \
                 (neither its lookup nor its address table maps into the file)"
            )
        })?;
        for entry in entries {
            let function = match entry {
                SyntheticImportLookupTableEntry::OrdinalNumber(ordinal) => format!("#{ordinal}"),
                SyntheticImportLookupTableEntry::HintNameTableRVA((_, hint_name)) => {
                    if hint_name.name.is_empty() {
                        bail!("an import from `{dll}` has an empty name");
                    }
                    hint_name.name.to_owned()
                }
            };
            imports.insert(Import {
                dll: dll.clone(),
                function,
            });
        }
    }
    Ok(imports.into_iter().collect())
}

/// The names a PE image exports, sorted; exports by ordinal only have no name and are left out.
pub fn read_exports(pe_bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let pe = PE::parse(pe_bytes).context("not a readable PE image (Windows EXE or DLL)")?;
    let names: BTreeSet<String> = pe
        .exports
        .iter()
        .filter_map(|export| export.name)
        .map(str::to_owned)
        .collect();
    Ok(names.into_iter().collect())
}

/// Imports not provided by Windows 7 SP1, sorted; empty means the binary passes.
pub fn unsupported_imports(imports: &[Import], allowed: &Win7Imports) -> Vec<Import> {
    let offending: BTreeSet<Import> = imports
        .iter()
        .filter(|import| !allowed.allows(&import.dll, &import.function))
        .map(|import| Import {
            dll: import.dll.to_ascii_lowercase(),
            function: import.function.clone(),
        })
        .collect();
    offending.into_iter().collect()
}

/// Reads the file at `path` and fails with one error listing every offending import as
/// `dll!function`, naming the binary and saying what to do (replace the call, or if Microsoft's
/// docs give Windows 7 as minimum client, add it to xtask/win7-imports.txt).
pub fn audit_file(path: &Path, allowed: &Win7Imports) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let imports = read_imports(&bytes)
        .with_context(|| format!("cannot read the imports of {}", path.display()))?;
    let offending = unsupported_imports(&imports, allowed);
    if offending.is_empty() {
        return Ok(());
    }
    let list: String = offending
        .iter()
        .map(|import| format!("\n  {import}"))
        .collect();
    bail!(
        "{} imports {} function(s) not known to exist on Windows 7 SP1, so it would not load there \
         (Wine does not show this):{list}\n\
         Replace each call with one Windows 7 has (or look it up at run time with GetProcAddress \
         and fall back). If Microsoft's docs give Windows 7 or earlier as the function's minimum \
         supported client, add the `dll!function` line to {TRACKED_LIST}.",
        path.display(),
        offending.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(dll: &str, function: &str) -> Import {
        Import {
            dll: dll.to_owned(),
            function: function.to_owned(),
        }
    }

    fn parse_error(text: &str) -> String {
        match Win7Imports::parse(text) {
            Ok(list) => format!("parsed without error: {list:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parse_skips_comments_and_blank_lines() -> anyhow::Result<()> {
        let list = Win7Imports::parse(
            "# header\n\n  kernel32.dll!CreateFileW  \n# ws2_32 by ordinal\nws2_32.dll!#115\n",
        )?;
        assert!(list.allows("kernel32.dll", "CreateFileW"));
        assert!(list.allows("ws2_32.dll", "#115"));
        assert!(!list.allows("kernel32.dll", "# header"));
        Ok(())
    }

    #[test]
    fn parse_errors_name_the_line() {
        assert_eq!(
            parse_error("# ok\nkernel32.dll!CloseHandle\nCreateFileW\n"),
            "line 3: expected `dll!function`, found `CreateFileW`"
        );
        assert_eq!(
            parse_error("\nKERNEL32.dll!CloseHandle\n"),
            "line 2: DLL name `KERNEL32.dll` must be lower-case letters, digits, `.`, `_` or `-`, ending in `.dll`"
        );
        assert_eq!(
            parse_error("kernel32!CloseHandle"),
            "line 1: DLL name `kernel32` must be lower-case letters, digits, `.`, `_` or `-`, ending in `.dll`"
        );
        assert_eq!(
            parse_error("kernel32.dll!"),
            "line 1: function name `` must be non-empty printable ASCII without spaces or `!`"
        );
        assert_eq!(
            parse_error("kernel32.dll!Close Handle"),
            "line 1: function name `Close Handle` must be non-empty printable ASCII without spaces or `!`"
        );
        assert_eq!(
            parse_error("a.dll!x\nb.dll!y\nkernel32.dll!CloseHandle\nkernel32.dll!CloseHandle\n"),
            "line 4: `kernel32.dll!CloseHandle` repeats line 3"
        );
    }

    #[test]
    fn parse_rejects_malformed_ordinals() {
        assert_eq!(
            parse_error("ws2_32.dll!#07"),
            "line 1: ordinal `#07` must be `#` and a decimal number from 0 to 65535"
        );
        assert_eq!(
            parse_error("ws2_32.dll!#65536"),
            "line 1: ordinal `#65536` must be `#` and a decimal number from 0 to 65535"
        );
        assert_eq!(
            parse_error("ws2_32.dll!#"),
            "line 1: ordinal `#` must be `#` and a decimal number from 0 to 65535"
        );
    }

    #[test]
    fn dll_names_compare_case_insensitively_and_functions_do_not() -> anyhow::Result<()> {
        let list = Win7Imports::parse("kernel32.dll!GetLastError")?;
        assert!(list.allows("KERNEL32.dll", "GetLastError"));
        assert!(list.allows("Kernel32.DLL", "GetLastError"));
        assert!(!list.allows("kernel32.dll", "getlasterror"));
        Ok(())
    }

    #[test]
    fn ordinal_imports_pass_only_when_that_ordinal_is_listed() -> anyhow::Result<()> {
        let list = Win7Imports::parse("ws2_32.dll!#115\nws2_32.dll!WSAStartup")?;
        let imports = [
            import("WS2_32.dll", "#115"),
            import("WS2_32.dll", "#116"),
            import("ole32.dll", "#5"),
        ];
        assert_eq!(
            unsupported_imports(&imports, &list),
            [import("ole32.dll", "#5"), import("ws2_32.dll", "#116")]
        );
        Ok(())
    }

    #[test]
    fn unsupported_imports_are_lower_cased_sorted_and_listed_once() -> anyhow::Result<()> {
        let list = Win7Imports::parse("kernel32.dll!CloseHandle\nole32.dll!CoTaskMemAlloc")?;
        // As a raw-dylib binary has them: the same DLL under two spellings, a function twice.
        let imports = [
            import("kernel32.dll", "GetSystemTimePreciseAsFileTime"),
            import("KERNEL32.dll", "CloseHandle"),
            import("combase.dll", "CoTaskMemAlloc"),
            import("KERNEL32.dll", "GetSystemTimePreciseAsFileTime"),
            import("kernel32.dll", "CloseHandle"),
            import("ole32.dll", "CoTaskMemAlloc"),
        ];
        assert_eq!(
            unsupported_imports(&imports, &list),
            [
                import("combase.dll", "CoTaskMemAlloc"),
                import("kernel32.dll", "GetSystemTimePreciseAsFileTime"),
            ]
        );
        Ok(())
    }

    #[test]
    fn nothing_is_allowed_by_an_empty_list() -> anyhow::Result<()> {
        let list = Win7Imports::parse("# nothing yet\n")?;
        let imports = [import("kernel32.dll", "CloseHandle")];
        assert_eq!(unsupported_imports(&imports, &list), imports);
        assert_eq!(unsupported_imports(&[], &list), []);
        Ok(())
    }

    #[test]
    fn import_displays_as_dll_bang_function() {
        assert_eq!(
            import("kernel32.dll", "CloseHandle").to_string(),
            "kernel32.dll!CloseHandle"
        );
        assert_eq!(import("ws2_32.dll", "#115").to_string(), "ws2_32.dll!#115");
    }

    #[test]
    fn read_imports_refuses_bytes_that_are_not_a_pe_image() {
        let error = match read_imports(b"MZ but nothing else") {
            Ok(imports) => format!("read {imports:?}"),
            Err(error) => error.to_string(),
        };
        assert_eq!(error, "not a readable PE image (Windows EXE or DLL)");
    }

    #[test]
    fn tracked_list_parses_and_holds_what_the_binaries_need() -> anyhow::Result<()> {
        let list = Win7Imports::tracked()?;
        for (dll, function) in [
            ("ole32.dll", "CoTaskMemAlloc"),
            ("ole32.dll", "CoCreateFreeThreadedMarshaler"),
            ("kernel32.dll", "GetSystemTimeAsFileTime"),
            ("advapi32.dll", "SystemFunction036"),
            ("msvcrt.dll", "memcpy"),
        ] {
            assert!(list.allows(dll, function), "{dll}!{function} missing");
        }
        Ok(())
    }

    /// The gaps docs/design.md names ("Windows 7 targets and the import audit") must never be papered over by an edit to the list.
    #[test]
    fn tracked_list_has_nothing_windows_7_lacks() -> anyhow::Result<()> {
        let list = Win7Imports::tracked()?;
        let newer_dlls: Vec<&String> = list
            .by_dll
            .keys()
            .filter(|dll| {
                dll.starts_with("api-ms-win-")
                    || dll.starts_with("ext-ms-")
                    || ["combase.dll", "bcryptprimitives.dll", "kernelbase.dll"]
                        .contains(&dll.as_str())
            })
            .collect();
        assert_eq!(newer_dlls, Vec::<&String>::new());
        for (dll, function) in [
            ("kernel32.dll", "GetSystemTimePreciseAsFileTime"),
            ("kernel32.dll", "WaitOnAddress"),
            ("kernel32.dll", "CreateFile2"),
            ("kernel32.dll", "SetThreadDescription"),
        ] {
            assert!(
                !list.allows(dll, function),
                "{dll}!{function} is not on Windows 7"
            );
        }
        Ok(())
    }
}
