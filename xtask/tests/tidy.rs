//! Tidy tests over the repository's own sources (as rust-analyzer's): every Rust file says what it
//! is in a `//!` line, nothing cites a document the repository does not hold, and every ignored
//! test says why. They read files only, so plain `cargo test` runs them anywhere.

use std::path::{Path, PathBuf};

/// The workspace root (xtask's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent folder")
        .to_path_buf()
}

/// Folders never walked: build output, VCS data, dependency trees.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "node_modules"];

/// Extensions of the text files the citation rules apply to.
const TEXT_EXTENSIONS: &[&str] = &["rs", "md", "toml", "wxs", "wxi", "txt", "yml", "mc", "mjs"];

/// Every file under `dir` whose extension is one of `extensions`, sorted, as paths relative to
/// the root with `/` separators.
fn files(extensions: &[&str]) -> Vec<(String, PathBuf)> {
    let root = root();
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
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
                    .expect("walked below the root")
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
        found.len() > 10,
        "the walk found only {} files under {}: is this the workspace root?",
        found.len(),
        root.display()
    );
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
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
fn every_rust_file_starts_with_a_module_doc_line() {
    let offences: Vec<_> = files(&["rs"])
        .into_iter()
        .filter_map(|(name, path)| {
            let text = read(&path);
            let first = text.lines().next().unwrap_or("").to_owned();
            (!first.starts_with("//!")).then_some((name, 1, first))
        })
        .collect();
    assert_none(
        &offences,
        "every .rs file starts with a `//!` line saying what the file is",
    );
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
fn nothing_cites_documents_outside_the_repository() {
    let offences: Vec<_> = files(TEXT_EXTENSIONS)
        .into_iter()
        .flat_map(|(name, path)| outside_citations(&name, &read(&path)))
        .collect();
    assert_none(
        &offences,
        "cite docs/design.md by heading, e.g. (docs/design.md, \"The dist plan\"), or Microsoft's \
         article by its title, \"How to: Enable password reset from the Windows login screen\"",
    );
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
fn every_ignored_test_says_why() {
    let bare = ["#[", "ignore]"].concat();
    let offences: Vec<_> = files(&["rs"])
        .into_iter()
        .flat_map(|(name, path)| {
            read(&path)
                .lines()
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
}
