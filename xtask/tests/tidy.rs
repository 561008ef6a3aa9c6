//! Tidy tests over the repository's own sources (as rust-analyzer's): every Rust file says what it
//! is in a `//!` line, nothing cites a document the repository does not hold, and every ignored
//! test says why, and the product's identity (GUIDs, registry keys, event ids) is written out only
//! in `sspr-identity`, the WiX sources agreeing with it. They read files only, so plain
//! `cargo test` runs them anywhere.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The workspace root (xtask's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Folders never walked: build output, VCS data, dependency trees.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "node_modules"];

/// Extensions of the text files the citation rules apply to.
const TEXT_EXTENSIONS: &[&str] = &["rs", "md", "toml", "wxs", "wxi", "txt", "yml", "mc", "mjs"];

/// Every file under the root whose extension is one of `extensions`, sorted by its path relative
/// to the root with `/` separators: that path and the file's text.
fn files(extensions: &[&str]) -> Result<Vec<(String, String)>> {
    let root = root();
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot stat {}", path.display()))?;
            if kind.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    pending.push(path);
                }
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| extensions.iter().any(|e| ext == *e))
            {
                let relative = path
                    .strip_prefix(&root)
                    .with_context(|| format!("{} is not below the root", path.display()))?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((relative, path));
            }
        }
    }
    found.sort();
    assert!(
        !found.is_empty(),
        "no {extensions:?} files under {}: is this the workspace root?",
        root.display()
    );
    found
        .into_iter()
        .map(|(relative, path)| Ok((relative, read(&path)?)))
        .collect()
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Fails listing every `(file, line, text)` offence, with `rule` saying what to do instead.
fn assert_none(offences: &[(String, usize, String)], rule: &str) {
    let listing: Vec<String> = offences
        .iter()
        .map(|(file, line, text)| format!("  {file}:{line}: {}", text.trim()))
        .collect();
    assert!(
        offences.is_empty(),
        "{rule}\n{} offence(s):\n{}",
        offences.len(),
        listing.join("\n")
    );
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() -> Result<()> {
    let offences: Vec<_> = files(&["rs"])?
        .into_iter()
        .filter_map(|(name, text)| {
            let first = text.lines().next().unwrap_or("").to_owned();
            (!first.starts_with("//!")).then_some((name, 1, first))
        })
        .collect();
    assert_none(
        &offences,
        "every .rs file starts with a `//!` line saying what the file is",
    );
    Ok(())
}

/// Where `word` stands as a whole word in `line`, case-insensitive: the byte offsets.
fn word_positions(line: &str, word: &str) -> Vec<usize> {
    let lower = line.to_ascii_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    lower
        .match_indices(word)
        .filter(|(at, _)| {
            let before = lower[..*at].chars().next_back();
            let after = lower[at + word.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .map(|(at, _)| at)
        .collect()
}

/// Citations of documents outside the repository: a design brief by section number, and the
/// background article by a nickname. Cite `docs/design.md` by heading, or Microsoft's article
/// by its title ("How to: Enable password reset from the Windows login screen").
fn outside_citations(name: &str, text: &str) -> Vec<(String, usize, String)> {
    // Spelled in two halves so this file does not match itself.
    let section = ["DESIGN", " section"].concat();
    let nickname = ["se", "ed"].concat();
    let mut offences = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let cites_section = line.contains(&section);
        let cites_nickname = word_positions(line, &nickname).into_iter().any(|at| {
            let rest = &line[at + nickname.len()..];
            // libFuzzer's own term for its starting corpus is no citation, and
            // xtask/src/fuzz.rs parses the random number libFuzzer reports under that word.
            !(rest.starts_with(" corpus") || name == "xtask/src/fuzz.rs")
        });
        if cites_section || cites_nickname {
            offences.push((name.to_owned(), index + 1, line.to_owned()));
        }
    }
    offences
}

#[test]
fn nothing_cites_documents_outside_the_repository() -> Result<()> {
    let offences: Vec<_> = files(TEXT_EXTENSIONS)?
        .into_iter()
        .flat_map(|(name, text)| outside_citations(&name, &text))
        .collect();
    assert_none(
        &offences,
        "cite docs/design.md by heading, e.g. (docs/design.md, \"The dist plan\"), or Microsoft's \
         article by its title, \"How to: Enable password reset from the Windows login screen\"",
    );
    Ok(())
}

#[test]
fn outside_citation_rule_catches_what_it_should() {
    let section = ["DESIGN", " section 3"].concat();
    let nickname = ["the se", "ed says"].concat();
    assert_eq!(outside_citations("a.rs", &section).len(), 1);
    assert_eq!(outside_citations("a.rs", &nickname).len(), 1);
    assert_eq!(
        outside_citations("a.rs", &["(", "se", "ed)"].concat()).len(),
        1
    );
    assert!(outside_citations("a.rs", &["the se", "ed corpus"].concat()).is_empty());
    assert!(outside_citations("a.rs", "seeded; proceed; seeds? no: seedless").is_empty());
    assert!(outside_citations("a.rs", "(docs/design.md, \"The dist plan\")").is_empty());
}

#[test]
fn every_ignored_test_says_why() -> Result<()> {
    let bare = ["#[", "ignore]"].concat();
    let offences: Vec<_> = files(&["rs"])?
        .into_iter()
        .flat_map(|(name, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| line.contains(&bare))
                .map(|(index, line)| (name.clone(), index + 1, line.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_none(
        &offences,
        "an ignored test says why and how to run it: #[ignore = \"needs ...: run cargo xtask test\"]",
    );
    Ok(())
}

/// The GUIDs that are ours (class ids, UpgradeCodes), in both spellings Rust code would use:
/// braced text and a `u128` literal with underscores.
fn our_guids() -> Vec<(String, String)> {
    [
        sspr_identity::PROVIDER_CLSID,
        sspr_identity::FILTER_CLSID,
        sspr_identity::Arch::X64.upgrade_code(),
        sspr_identity::Arch::X86.upgrade_code(),
    ]
    .into_iter()
    .map(|braced| {
        let bare = braced.trim_matches(|c| c == '{' || c == '}');
        (
            bare.to_ascii_uppercase(),
            bare.replace('-', "_").to_ascii_uppercase(),
        )
    })
    .collect()
}

/// Identity literals written out in `text`: one of our GUIDs on any line, or one of our
/// registry keys in code (comments may name a key; code takes it from `sspr-identity`).
fn identity_copies(name: &str, text: &str) -> Vec<(String, usize, String)> {
    let guids = our_guids();
    let keys = [sspr_identity::SETTINGS_KEY, sspr_identity::POLICY_KEY];
    let mut offences = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let upper = line.to_ascii_uppercase();
        let has_guid = guids
            .iter()
            .any(|(text, number)| upper.contains(text) || upper.contains(number));
        let is_comment = line.trim_start().starts_with("//");
        let unescaped = line.replace(r"\\", r"\");
        let has_key = !is_comment && keys.iter().any(|key| unescaped.contains(key));
        if has_guid || has_key {
            offences.push((name.to_owned(), index + 1, line.to_owned()));
        }
    }
    offences
}

#[test]
fn identity_literals_live_only_in_the_identity_crate() -> Result<()> {
    let offences: Vec<_> = files(&["rs"])?
        .into_iter()
        .filter(|(name, _)| !name.starts_with("payload/identity/"))
        .flat_map(|(name, text)| identity_copies(&name, &text))
        .collect();
    assert_none(
        &offences,
        "take the product's GUIDs and registry keys from sspr-identity (payload/identity); \
         its macros (provider_clsid!(), settings_key!() ...) build longer literals with concat!",
    );
    Ok(())
}

#[test]
fn identity_copy_rule_catches_what_it_should() {
    let clsid = sspr_identity::PROVIDER_CLSID;
    assert_eq!(identity_copies("a.rs", clsid).len(), 1);
    assert_eq!(
        identity_copies("a.rs", &clsid.to_ascii_lowercase()).len(),
        1
    );
    let number = format!("0x{:032X}", sspr_identity::PROVIDER_CLSID_VALUE);
    let number = [
        &number[..10],
        &number[10..14],
        &number[14..18],
        &number[18..22],
        &number[22..],
    ]
    .join("_");
    assert_eq!(identity_copies("a.rs", &number).len(), 1);
    let escaped = sspr_identity::SETTINGS_KEY.replace('\\', r"\\");
    assert_eq!(
        identity_copies("a.rs", &format!("let k = \"{escaped}\";")).len(),
        1
    );
    let prose = format!(r"/// Reads HKLM\{}.", sspr_identity::SETTINGS_KEY);
    assert!(identity_copies("a.rs", &prose).is_empty());
    assert!(identity_copies("a.rs", "sspr_identity::SETTINGS_KEY").is_empty());
}

/// Every `Name="value"` attribute of an element in the WiX sources, with the element's line.
fn wix_attributes(attribute: &str) -> Result<Vec<(String, usize, String)>> {
    let pattern = format!(" {attribute}=\"");
    let mut found = Vec::new();
    for (name, text) in files(&["wxs", "wxi"])? {
        for (index, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find(&pattern) {
                let value_start = &rest[at + pattern.len()..];
                let end = value_start.find('"').unwrap_or(value_start.len());
                found.push((
                    format!("{name}:{}", index + 1),
                    index + 1,
                    value_start[..end].to_owned(),
                ));
                rest = &value_start[end..];
            }
        }
    }
    Ok(found)
}

#[test]
fn wix_registry_keys_are_the_identity_crates() -> Result<()> {
    let known = [
        sspr_identity::PROVIDER_CLASS_KEY,
        sspr_identity::FILTER_CLASS_KEY,
        sspr_identity::PROVIDER_KEY,
        sspr_identity::FILTER_KEY,
        sspr_identity::SETTINGS_KEY,
    ];
    let keys = wix_attributes("Key")?;
    assert!(
        keys.len() > 10,
        "found only {} Key attributes in wix/",
        keys.len()
    );
    let mut checked = 0;
    let offences: Vec<_> = keys
        .into_iter()
        .filter_map(|(place, line, key)| {
            let key = key.strip_suffix(r"\InprocServer32").unwrap_or(&key);
            // HKCR rows: `CLSID\{...}` lands under HKLM\SOFTWARE\Classes.
            let full = match key.strip_prefix(r"CLSID\") {
                Some(clsid) => format!(r"SOFTWARE\Classes\CLSID\{clsid}"),
                None => key.to_owned(),
            };
            let ours = full.contains(sspr_identity::PRODUCT_NAME)
                || full.contains(r"\Credential Provider")
                || full.contains(r"\CLSID\");
            if !ours {
                return None;
            }
            checked += 1;
            (!known.contains(&full.as_str())).then_some((place, line, full))
        })
        .collect();
    assert_none(
        &offences,
        "a registry key of ours in wix/ differs from sspr-identity's (payload/identity)",
    );
    assert!(checked >= 10, "checked only {checked} keys of ours in wix/");
    Ok(())
}

#[test]
fn wix_class_ids_are_the_identity_crates() -> Result<()> {
    // Component GUIDs (arch.wxi's `Guid*` defines) are the WiX sources' own; every other
    // braced GUID is a class id and must be one of ours.
    let allowed = [sspr_identity::PROVIDER_CLSID, sspr_identity::FILTER_CLSID];
    let mut offences = Vec::new();
    for (name, text) in files(&["wxs", "wxi"])? {
        for (index, line) in text.lines().enumerate() {
            if line.contains("<?define Guid") {
                continue;
            }
            let mut rest = line;
            while let Some(open) = rest.find('{') {
                let candidate = &rest[open..];
                let Some(close) = candidate.find('}') else {
                    break;
                };
                let guid = &candidate[..=close];
                if guid.len() == 38 && !allowed.contains(&guid) {
                    offences.push((name.clone(), index + 1, line.to_owned()));
                }
                rest = &candidate[close..];
            }
        }
    }
    assert_none(
        &offences,
        "a class id in wix/ is not one of sspr-identity's (payload/identity)",
    );
    Ok(())
}

#[test]
fn settings_value_names_in_wix_are_the_identity_crates() -> Result<()> {
    use sspr_identity::value;
    let known = [
        value::PORTAL_URL,
        value::LINK_TEXT,
        value::DISABLED,
        value::ENABLE_LOGGING,
    ];
    let mut offences = Vec::new();
    for (name, text) in files(&["wxs", "wxi"])? {
        for (index, line) in text.lines().enumerate() {
            let under_ours = [sspr_identity::SETTINGS_KEY, sspr_identity::PROVIDER_KEY]
                .iter()
                .any(|key| line.contains(&format!("Key=\"{key}\"")));
            let Some(at) = line.find(" Name=\"") else {
                continue;
            };
            let value_name = line[at + 7..].split('"').next().unwrap_or("");
            if under_ours && !known.contains(&value_name) {
                offences.push((name.clone(), index + 1, line.to_owned()));
            }
        }
    }
    assert_none(
        &offences,
        "a value name under our keys in wix/ is not one of sspr_identity::value's",
    );
    Ok(())
}

#[test]
fn message_file_event_ids_are_the_identity_crates() -> Result<()> {
    let text = read(&root().join("payload/credential-provider/messages.mc"))?;
    let ids: Vec<u32> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("MessageId="))
        .map(|id| id.trim().parse().expect("a decimal MessageId"))
        .collect();
    assert_eq!(
        ids,
        sspr_identity::EventId::ALL.map(sspr_identity::EventId::id)
    );
    Ok(())
}
