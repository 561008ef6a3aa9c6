//! Comparing builds whose signatures cannot match byte for byte: an RFC 3161 timestamp is new
//! on every signing, and a customer's rebuild has no key at all.
//!
//! Two files have the same signed content when:
//! - PE (`.dll`, `.exe`): `b` with its signature removed (`osslsigncode remove-signature`), and
//!   `a`'s signature attached to it (`attach-signature`), is byte for byte `a`. So the code is
//!   identical, and `a`'s signature is a signature over exactly that code. An unsigned `a` must
//!   simply equal `b` with its signature removed.
//! - MSI: every stream of the compound file is identical except the two signature streams and
//!   the cabinets; the cabinets' files (read with `msiextract`) have the same signed content
//!   by these rules; and `a`'s signature digest is the digest of `a`'s own content.
//! - zip: the same entry names, each entry of the same signed content by these rules.
//! - anything else: identical bytes.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::command::{printed, ToolCommand};

/// The streams that hold an MSI's Authenticode signature.
const MSI_SIGNATURE_STREAMS: [&str; 2] = ["\u{5}DigitalSignature", "\u{5}MsiDigitalSignatureEx"];

/// The kind of comparison a file name calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pe,
    Msi,
    Zip,
    Bytes,
}

pub fn kind_of(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dll") || lower.ends_with(".exe") {
        Kind::Pe
    } else if lower.ends_with(".msi") {
        Kind::Msi
    } else if lower.ends_with(".zip") {
        Kind::Zip
    } else {
        Kind::Bytes
    }
}

/// `None` when `a` and `b` have the same signed content, else why not. `work` is a scratch
/// folder for the copies the tools write.
pub fn difference(a: &Path, b: &Path, work: &Path) -> Result<Option<String>> {
    let name = a
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    match kind_of(&name) {
        Kind::Pe => pe_difference(a, b, work),
        Kind::Msi => msi_difference(a, b, work),
        Kind::Zip => zip_difference(a, b, work),
        Kind::Bytes => Ok((read(a)? != read(b)?).then(|| format!("{name}: the bytes differ"))),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Runs an osslsigncode subcommand that writes `out`; `Ok(false)` when it reports there is no
/// signature to work on.
fn osslsigncode(args: &[&str], input: &Path, out: &Path) -> Result<bool> {
    let _ = fs::remove_file(out);
    let output = ToolCommand::new("osslsigncode")
        .args(args.iter().copied())
        .arg("-in")
        .arg(input)
        .arg("-out")
        .arg(out)
        .output()?;
    let text = printed(&output);
    if text.contains("No signature found") {
        return Ok(false);
    }
    if !out.is_file() {
        bail!(
            "`osslsigncode {}` on {} wrote nothing: {}",
            args.join(" "),
            input.display(),
            text.trim()
        );
    }
    Ok(true)
}

/// `path` without its signature, as a file in `work` (the file itself if it has none).
fn unsigned(path: &Path, work: &Path, tag: &str) -> Result<PathBuf> {
    let out = work.join(format!("{tag}.unsigned"));
    Ok(if osslsigncode(&["remove-signature"], path, &out)? {
        out
    } else {
        path.to_path_buf()
    })
}

fn pe_difference(a: &Path, b: &Path, work: &Path) -> Result<Option<String>> {
    let name = a.display();
    let b_bare = unsigned(b, work, "b")?;
    let signature = work.join("a.sig");
    if !osslsigncode(&["extract-signature"], a, &signature)? {
        // `a` is unsigned: it must be `b` without b's signature. Removing a signature leaves
        // the PE checksum recomputed and the file padded to 8 bytes: those are set aside.
        return Ok((without_checksum_and_padding(read(a)?)
            != without_checksum_and_padding(read(&b_bare)?))
        .then(|| format!("{name} differs from the other build's file without its signature")));
    }
    let grafted = work.join("b.grafted");
    let sig = signature.to_string_lossy().into_owned();
    osslsigncode(&["attach-signature", "-sigin", &sig], &b_bare, &grafted)?;
    Ok((read(a)? != read(&grafted)?).then(|| {
        format!("{name}: its signature attached to the other build's code does not give the same file (the code differs)")
    }))
}

/// A PE's bytes with the optional header's checksum zeroed and trailing zero bytes dropped.
fn without_checksum_and_padding(mut bytes: Vec<u8>) -> Vec<u8> {
    let header = bytes
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    // PE signature (4) + file header (20), then the checksum at offset 64 of the optional header.
    if let Some(at) = header.map(|h| h + 4 + 20 + 64) {
        if let Some(field) = bytes.get_mut(at..at + 4) {
            field.fill(0);
        }
    }
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

/// Every stream of a compound file, by path.
fn streams(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut file =
        cfb::open(path).with_context(|| format!("cannot open {} as an MSI", path.display()))?;
    let names: Vec<PathBuf> = file
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    let mut out = BTreeMap::new();
    for name in names {
        let mut bytes = Vec::new();
        file.open_stream(&name)?.read_to_end(&mut bytes)?;
        out.insert(name.to_string_lossy().into_owned(), bytes);
    }
    Ok(out)
}

/// `msiextract` of `msi` into `dir`: each file by its path inside the package.
fn extract(msi: &Path, dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    let listing = ToolCommand::new("msiextract")
        .arg("-C")
        .arg(dir)
        .arg(msi)
        .output_text()?;
    Ok(listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            (
                l.trim_start_matches('/').to_owned(),
                dir.join(l.trim_start_matches('/')),
            )
        })
        .collect())
}

fn msi_difference(a: &Path, b: &Path, work: &Path) -> Result<Option<String>> {
    let name = a.display();
    let is_signature = |path: &str| MSI_SIGNATURE_STREAMS.iter().any(|s| path.ends_with(s));
    let (sa, sb) = (streams(a)?, streams(b)?);
    let keys = |s: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        s.keys().filter(|k| !is_signature(k)).cloned().collect()
    };
    if keys(&sa) != keys(&sb) {
        return Ok(Some(format!("{name}: the packages have different streams")));
    }
    for key in keys(&sa) {
        let (x, y) = (&sa[&key], &sb[&key]);
        let cabinet = x.starts_with(b"MSCF") && y.starts_with(b"MSCF");
        if x != y && !cabinet {
            return Ok(Some(format!(
                "{name}: stream {} differs",
                key.escape_debug()
            )));
        }
    }
    let (fa, fb) = (extract(a, &work.join("a"))?, extract(b, &work.join("b"))?);
    if fa.keys().ne(fb.keys()) {
        return Ok(Some(format!(
            "{name}: the packages install different files"
        )));
    }
    for (rel, path) in &fa {
        if let Some(reason) = difference(path, &fb[rel], &work.join("file"))? {
            return Ok(Some(format!("{name}, file {rel}: {reason}")));
        }
    }
    if let Some(reason) = signature_digest_mismatch(a)? {
        return Ok(Some(format!("{name}: {reason}")));
    }
    Ok(None)
}

/// Whether a signed file's signature digest differs from the digest of its content (both as
/// `osslsigncode verify` reports them); `None` for a matching or an unsigned file.
pub fn signature_digest_mismatch(path: &Path) -> Result<Option<String>> {
    let output = ToolCommand::new("osslsigncode")
        .arg("verify")
        .arg("-in")
        .arg(path)
        .output()?;
    let text = printed(&output);
    if text.contains("No signature found") {
        return Ok(None);
    }
    let value = |label: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim_start_matches([' ', ':']).trim().to_owned())
    };
    // PE files report the message digest, MSIs the digest of their DigitalSignature stream.
    let pair =
        |what: &str| value(&format!("Current {what}")).zip(value(&format!("Calculated {what}")));
    match pair("message digest")
        .or_else(|| pair("DigitalSignature"))
        .map_or((None, None), |(a, b)| (Some(a), Some(b)))
    {
        (Some(signed), Some(actual)) if signed == actual => Ok(None),
        (Some(signed), Some(actual)) => Ok(Some(format!(
            "its signature is over digest {signed}, its content's is {actual}"
        ))),
        _ => bail!(
            "cannot read the message digests of {} from `osslsigncode verify`:\n{text}",
            path.display()
        ),
    }
}

fn zip_entries(path: &Path, dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    let mut archive = zip::ZipArchive::new(
        fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{} is not a zip", path.display()))?;
    let mut out = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let name = entry.name().to_owned();
        // Entries are flattened into one folder per zip, named by their index and file name.
        let file_name = Path::new(&name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = dir.join(index.to_string()).join(file_name);
        fs::create_dir_all(target.parent().unwrap_or(dir))?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        fs::write(&target, bytes)?;
        out.insert(name, target);
    }
    Ok(out)
}

fn zip_difference(a: &Path, b: &Path, work: &Path) -> Result<Option<String>> {
    let name = a.display();
    let (ea, eb) = (
        zip_entries(a, &work.join("zip-a"))?,
        zip_entries(b, &work.join("zip-b"))?,
    );
    if ea.keys().ne(eb.keys()) {
        return Ok(Some(format!("{name}: the archives hold different entries")));
    }
    for (entry, path) in &ea {
        if let Some(reason) = difference(path, &eb[entry], &work.join("entry"))? {
            return Ok(Some(format!("{name}, entry {entry}: {reason}")));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_extension() {
        assert_eq!(kind_of("SsprCredentialProvider.dll"), Kind::Pe);
        assert_eq!(kind_of("SsprDiag.EXE"), Kind::Pe);
        assert_eq!(kind_of("SsprWindowsLogon.PROD.msi"), Kind::Msi);
        assert_eq!(kind_of("SsprWindowsLogon-0.1.0-x64.zip"), Kind::Zip);
        assert_eq!(kind_of("SsprWindowsLogon-0.1.0-x64.cdx.json"), Kind::Bytes);
    }

    fn run(program: &str, args: &[&str], cwd: &Path) {
        let output = std::process::Command::new(program)
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap_or_else(|e| panic!("{program} (installed by `cargo xtask test`): {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A small PE from `source`, and a throw-away key, in `dir`.
    fn pe(dir: &Path, name: &str, source: &str) {
        fs::write(dir.join(format!("{name}.c")), source).unwrap();
        run(
            "x86_64-w64-mingw32-gcc",
            &[
                "-Wl,--no-insert-timestamp",
                &format!("{name}.c"),
                "-o",
                name,
            ],
            dir,
        );
    }

    fn sign(dir: &Path, input: &str, output: &str, time: &str) {
        run(
            "osslsigncode",
            &[
                "sign", "-pkcs12", "k.p12", "-pass", "pw", "-h", "sha256", "-time", time, "-in",
                input, "-out", output,
            ],
            dir,
        );
    }

    #[test]
    fn signatures_made_at_different_times_over_the_same_code_compare_equal() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "k.pem",
                "-out",
                "c.pem",
                "-subj",
                "/CN=graft test",
                "-days",
                "2",
            ],
            d,
        );
        run(
            "openssl",
            &[
                "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", "k.p12",
                "-passout", "pass:pw",
            ],
            d,
        );
        pe(d, "same.exe", "int main(void) { return 0; }\n");
        pe(d, "other.exe", "int main(void) { return 1; }\n");
        sign(d, "same.exe", "a.exe", "1700000000");
        sign(d, "same.exe", "b.exe", "1700000999");
        sign(d, "other.exe", "c.exe", "1700000000");
        let work = d.join("work");
        assert_ne!(
            fs::read(d.join("a.exe")).unwrap(),
            fs::read(d.join("b.exe")).unwrap()
        );
        assert_eq!(
            difference(&d.join("a.exe"), &d.join("b.exe"), &work).unwrap(),
            None
        );
        // A rebuild without a key: the release's signature grafts onto it exactly.
        assert_eq!(
            difference(&d.join("a.exe"), &d.join("same.exe"), &work).unwrap(),
            None
        );
        let err = difference(&d.join("a.exe"), &d.join("c.exe"), &work)
            .unwrap()
            .unwrap();
        assert!(err.ends_with("(the code differs)"), "{err}");
        // An unsigned file against a signed one: compared without the signature.
        assert_eq!(
            difference(&d.join("same.exe"), &d.join("b.exe"), &work).unwrap(),
            None
        );
        assert!(difference(&d.join("other.exe"), &d.join("b.exe"), &work)
            .unwrap()
            .is_some());
        // What `dist --graft-signatures` does to a rebuilt binary: it becomes the signed one.
        fs::copy(d.join("same.exe"), d.join("rebuilt.exe")).unwrap();
        crate::sign::graft_signature(&d.join("a.exe"), &d.join("rebuilt.exe"), &work).unwrap();
        assert_eq!(
            fs::read(d.join("rebuilt.exe")).unwrap(),
            fs::read(d.join("a.exe")).unwrap()
        );
        assert_eq!(signature_digest_mismatch(&d.join("a.exe")).unwrap(), None);
        assert_eq!(
            signature_digest_mismatch(&d.join("same.exe")).unwrap(),
            None
        );
    }

    #[test]
    fn other_files_compare_by_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        fs::write(&a, "1").unwrap();
        fs::write(&b, "1").unwrap();
        assert_eq!(difference(&a, &b, &dir.path().join("w")).unwrap(), None);
        fs::write(&b, "2").unwrap();
        assert_eq!(
            difference(&a, &b, &dir.path().join("w")).unwrap().unwrap(),
            "a.json: the bytes differ"
        );
    }
}
