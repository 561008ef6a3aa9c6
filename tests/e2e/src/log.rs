//! Reading an `msiexec /l*v` log, whichever encoding the installer wrote.
//!
//! Windows Installer writes the log in the ANSI code page, or UTF-16LE with a BOM when asked for
//! Unicode; Wine 8 writes plain UTF-8 without a BOM (the suite asserts which one it got).

use std::path::Path;

use anyhow::Context as _;

/// How a Windows text file (a log, a `reg export`) was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (ASCII included), no byte order mark.
    Utf8,
    /// UTF-8 with a BOM.
    Utf8Bom,
    /// UTF-16LE with a BOM.
    Utf16Le,
}

/// Decodes text by its byte order mark: UTF-16LE or UTF-8 with one, UTF-8 without.
pub fn decode(bytes: &[u8]) -> anyhow::Result<(TextEncoding, String)> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        return Ok((
            TextEncoding::Utf16Le,
            String::from_utf16(&units).context("invalid UTF-16")?,
        ));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Ok((
            TextEncoding::Utf8Bom,
            String::from_utf8(rest.to_vec()).context("invalid UTF-8")?,
        ));
    }
    Ok((
        TextEncoding::Utf8,
        String::from_utf8(bytes.to_vec()).context("invalid UTF-8")?,
    ))
}

/// A verbose log, decoded.
#[derive(Debug)]
pub struct VerboseLog {
    pub encoding: TextEncoding,
    pub text: String,
}

impl VerboseLog {
    /// Reads and decodes the log at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the msiexec log {}", path.display()))?;
        Self::decode(&bytes).with_context(|| format!("decoding {}", path.display()))
    }

    /// Decodes log bytes by their byte order mark.
    pub fn decode(bytes: &[u8]) -> anyhow::Result<Self> {
        let (encoding, text) = decode(bytes)?;
        Ok(Self { encoding, text })
    }

    /// The number in the last `... Return value N.` line: the outcome of the whole install.
    pub fn final_return_value(&self) -> Option<u32> {
        self.text.lines().rev().find_map(|line| {
            let (_, value) = line.split_once("Return value ")?;
            value.trim().trim_end_matches('.').parse().ok()
        })
    }

    /// The `Action ended` line of the top-level action (`INSTALL`), last occurrence.
    pub fn final_action_line(&self) -> Option<&str> {
        self.text
            .lines()
            .rev()
            .find(|line| line.starts_with("Action ended") && line.contains(": INSTALL."))
    }

    /// Whether any line contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.text.contains(needle)
    }

    /// The last `count` lines, for failure messages.
    pub fn tail(&self, count: usize) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        lines[lines.len().saturating_sub(count)..].join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINE_TAIL: &str = "Property(S): ACTION = INSTALL\n1: 2 2: 1 \n\
                             Action ended 12:18:17: INSTALL. Return value 1.\n";

    #[test]
    fn reads_utf8_without_bom() {
        let log = VerboseLog::decode(WINE_TAIL.as_bytes()).unwrap();
        assert_eq!(log.encoding, TextEncoding::Utf8);
        assert_eq!(log.final_return_value(), Some(1));
        assert_eq!(
            log.final_action_line(),
            Some("Action ended 12:18:17: INSTALL. Return value 1.")
        );
    }

    #[test]
    fn reads_utf16le_with_bom() {
        let text = "Action ended 1:02:03: INSTALL. Return value 3.\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let log = VerboseLog::decode(&bytes).unwrap();
        assert_eq!(log.encoding, TextEncoding::Utf16Le);
        assert_eq!(log.final_return_value(), Some(3));
    }

    #[test]
    fn no_return_value_is_none() {
        assert_eq!(
            VerboseLog::decode(b"=== Logging started ===\n")
                .unwrap()
                .final_return_value(),
            None
        );
    }
}
