//! What the WiX sources author for each Feature's Attributes column, read from the `.wxs`
//! text: rule SSPR02 compares the package with it, and the post-wixl fix-up writes it (wixl
//! drops `Absent` and `AllowAdvertise`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// msidbFeatureAttributes bits, by the WiX attribute and value that set them.
const BITS: &[(&str, &str, i32)] = &[
    ("InstallDefault", "source", 1),
    ("InstallDefault", "followParent", 2),
    ("TypicalDefault", "advertise", 4),
    ("AllowAdvertise", "no", 8),
    ("Absent", "disallow", 16),
    ("AllowAdvertise", "system", 32),
];

/// Feature id -> Attributes for every `<Feature` element of `wxs`.
pub fn feature_attributes(wxs: &str) -> BTreeMap<String, i32> {
    let mut out = BTreeMap::new();
    for element in wxs.split("<Feature").skip(1) {
        if !element.starts_with(char::is_whitespace) {
            continue; // <FeatureRef, <FeatureGroup...
        }
        let tag = element.split('>').next().unwrap_or_default();
        let Some(id) = attribute(tag, "Id") else {
            continue;
        };
        let bits = BITS
            .iter()
            .filter(|(name, value, _)| attribute(tag, name).as_deref() == Some(*value))
            .map(|(_, _, bit)| bit)
            .sum();
        out.insert(id, bits);
    }
    out
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let mut from = 0;
    while let Some(found) = tag[from..].find(&needle) {
        let at = from + found;
        let after_space = tag[..at].ends_with(char::is_whitespace);
        let start = at + needle.len();
        if after_space {
            let end = tag[start..].find('"')?;
            return Some(tag[start..start + end].to_owned());
        }
        from = start;
    }
    None
}

/// [`feature_attributes`] of every `.wxs` in `dir`.
pub fn from_dir(dir: &Path) -> Result<BTreeMap<String, i32>> {
    let mut out = BTreeMap::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wxs" || e == "wxi"))
    {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        out.extend(feature_attributes(&text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_allow_advertise_become_bits() {
        let wxs = r#"<Feature Id="Complete" Title="T" Level="1" Absent="disallow" AllowAdvertise="no">
            <ComponentRef Id="A" /></Feature><FeatureRef Id="Other" /><Feature Id="Plain" Level="1"/>"#;
        let found = feature_attributes(wxs);
        assert_eq!(found.get("Complete"), Some(&24));
        assert_eq!(found.get("Plain"), Some(&0));
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn the_product_source_authors_the_complete_feature() {
        let wix = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wix");
        let found = from_dir(&wix).unwrap();
        assert_eq!(found.get("Complete"), Some(&24));
    }
}
