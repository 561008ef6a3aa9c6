//! Typed registry reads (`wine reg query /s`) in an explicit view, and `reg delete` for repair tests.
//!
//! The view is always passed (`/reg:64` or `/reg:32`): a 64-bit credential provider is only seen
//! by LogonUI in the 64-bit view, so "the value is there" means nothing without saying where.

use std::collections::BTreeMap;

use anyhow::{bail, Context as _};

use crate::wine::{WineArch, WinePrefix};

/// A registry view of 64-bit Windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegView {
    /// What 64-bit programs (LogonUI) see.
    Bits64,
    /// What 32-bit programs see (`WOW6432Node` on 64-bit Windows).
    Bits32,
}

impl RegView {
    /// The `reg.exe` switch that selects the view.
    pub fn switch(self) -> &'static str {
        match self {
            Self::Bits64 => "/reg:64",
            Self::Bits32 => "/reg:32",
        }
    }
}

/// A value with its exact type, as `reg query` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegValue {
    /// `REG_SZ`
    Sz(String),
    /// `REG_EXPAND_SZ`
    ExpandSz(String),
    /// `REG_DWORD`
    Dword(u32),
    /// Any other type, kept as printed.
    Other { kind: String, data: String },
}

impl RegValue {
    /// `REG_SZ` from a `&str`, for expected-value tables.
    pub fn sz(text: &str) -> Self {
        Self::Sz(text.to_owned())
    }

    fn parse(kind: &str, data: &str) -> anyhow::Result<Self> {
        Ok(match kind {
            "REG_SZ" => Self::Sz(data.to_owned()),
            "REG_EXPAND_SZ" => Self::ExpandSz(data.to_owned()),
            "REG_DWORD" => {
                let hex = data
                    .strip_prefix("0x")
                    .with_context(|| format!("REG_DWORD data {data:?}"))?;
                Self::Dword(
                    u32::from_str_radix(hex, 16)
                        .with_context(|| format!("REG_DWORD data {data:?}"))?,
                )
            }
            _ => Self::Other {
                kind: kind.to_owned(),
                data: data.to_owned(),
            },
        })
    }
}

/// Values by name; the default value's name is the empty string.
pub type RegValues = BTreeMap<String, RegValue>;

/// A key and everything under it: values per key, keyed by path relative to the queried key
/// (`""` is the key itself, `InprocServer32` a subkey).
pub type RegTree = BTreeMap<String, RegValues>;

/// `HKLM\X` as `reg query` prints it: `HKEY_LOCAL_MACHINE\X`.
fn full_key_name(key: &str) -> String {
    let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
    let root = match root.to_ascii_uppercase().as_str() {
        "HKLM" => "HKEY_LOCAL_MACHINE",
        "HKCU" => "HKEY_CURRENT_USER",
        "HKCR" => "HKEY_CLASSES_ROOT",
        "HKU" => "HKEY_USERS",
        _ => root,
    };
    if rest.is_empty() {
        root.to_owned()
    } else {
        format!("{root}\\{rest}")
    }
}

/// Parses `reg query KEY /s` output for `key`. Wine prints a key's header only when the key
/// has values, so subkeys are placed by their full names, not by order.
pub fn parse_query(key: &str, text: &str) -> anyhow::Result<RegTree> {
    let root = full_key_name(key);
    let mut tree = RegTree::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(|line| line.trim_end_matches('\r')) {
        if line.is_empty() {
            continue;
        }
        if let Some(value_line) = line.strip_prefix("    ") {
            let key = current.as_ref().context("a value line before any key")?;
            let mut parts = value_line.splitn(3, "    ");
            let name = parts.next().unwrap_or_default();
            let kind = parts
                .next()
                .with_context(|| format!("no type in {line:?}"))?;
            let data = parts.next().unwrap_or_default();
            let name = if name == "(Default)" { "" } else { name };
            tree.entry(key.clone())
                .or_default()
                .insert(name.to_owned(), RegValue::parse(kind, data)?);
            continue;
        }
        let relative = match line.get(..root.len()) {
            Some(head) if head.eq_ignore_ascii_case(&root) && line.len() == root.len() => "",
            Some(head) if head.eq_ignore_ascii_case(&root) => line[root.len()..]
                .strip_prefix('\\')
                .with_context(|| format!("key {line:?} is not under {root:?}"))?,
            _ => anyhow::bail!("key {line:?} is not under {root:?}"),
        };
        tree.entry(relative.to_owned()).or_default();
        current = Some(relative.to_owned());
    }
    Ok(tree)
}

impl WinePrefix {
    /// The view a package built for this prefix writes: 64-bit on 64-bit Windows, the only
    /// one on 32-bit Windows.
    pub fn native_view(&self) -> RegView {
        match self.arch() {
            WineArch::Win64 => RegView::Bits64,
            WineArch::Win32 => RegView::Bits32,
        }
    }

    /// `reg query KEY /s` in `view`; `None` when the key does not exist.
    pub fn reg_query(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegTree>> {
        let output = self.wine(["reg", "query", key, "/s", view.switch()])?;
        if output.status.success() {
            return parse_query(key, &output.stdout)
                .with_context(|| format!("parsing `reg query {key}`:\n{}", output.stdout))
                .map(Some);
        }
        if output.status.code() == Some(1)
            && (output.stdout + &output.stderr).contains("Unable to find")
        {
            return Ok(None);
        }
        bail!(
            "`reg query {key} /s {}` failed with {}",
            view.switch(),
            output.status
        )
    }

    /// The values of `key` itself (no subkeys); `None` when the key does not exist.
    pub fn reg_values(&self, key: &str, view: RegView) -> anyhow::Result<Option<RegValues>> {
        Ok(self
            .reg_query(key, view)?
            .map(|mut tree| tree.remove("").unwrap_or_default()))
    }

    /// Deletes one value (`None`: the default value) of `key` in `view`.
    pub fn reg_delete_value(
        &self,
        key: &str,
        name: Option<&str>,
        view: RegView,
    ) -> anyhow::Result<()> {
        let mut args = vec!["reg", "delete", key];
        match name {
            Some(name) => args.extend(["/v", name]),
            None => args.push("/ve"),
        }
        args.extend(["/f", view.switch()]);
        self.wine(&args)?
            .success(&format!("reg delete {key} {name:?}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wine_reg_query_output() {
        let text = concat!(
            "\r\nHKEY_LOCAL_MACHINE\\Software\\Classes\\CLSID\\",
            sspr_identity::provider_clsid!(),
            "\r\n    \
                    (Default)    REG_SZ    SsprCredentialProvider\r\n\r\n\
                    HKEY_LOCAL_MACHINE\\Software\\Classes\\CLSID\\",
            sspr_identity::provider_clsid!(),
            "\\InprocServer32\r\n    \
                    (Default)    REG_SZ    C:\\Program Files\\SsprWindowsLogon\\SsprCredentialProvider.dll\r\n    \
                    ThreadingModel    REG_SZ    Apartment\r\n    \
                    EnableLogging    REG_DWORD    0x1\r\n    \
                    Empty    REG_SZ    \r\n\r\n"
        );
        let tree = parse_query(
            concat!(
                r"hklm\Software\Classes\CLSID\",
                sspr_identity::provider_clsid!()
            ),
            text,
        )
        .unwrap();
        assert_eq!(tree.len(), 2);
        assert_eq!(
            tree[""],
            RegValues::from([("".into(), RegValue::sz("SsprCredentialProvider"))])
        );
        let inproc = &tree["InprocServer32"];
        assert_eq!(
            inproc[""],
            RegValue::sz(r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll")
        );
        assert_eq!(inproc["ThreadingModel"], RegValue::sz("Apartment"));
        assert_eq!(inproc["EnableLogging"], RegValue::Dword(1));
        assert_eq!(inproc["Empty"], RegValue::sz(""));
    }

    #[test]
    fn places_subkeys_by_name_when_the_key_itself_has_no_values() {
        let text = "\nHKEY_LOCAL_MACHINE\\Software\\Uninstall\\{D1C7}\n    DisplayName    REG_SZ    SsprWindowsLogon\n";
        let tree = parse_query(r"HKLM\Software\Uninstall", text).unwrap();
        assert_eq!(tree.keys().collect::<Vec<_>>(), ["{D1C7}"]);
        assert_eq!(
            tree["{D1C7}"]["DisplayName"],
            RegValue::sz("SsprWindowsLogon")
        );
        assert!(parse_query(r"HKLM\Other", text).is_err());
    }
}
