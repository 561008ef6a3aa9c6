//! 8.3 short names for the File and Directory tables: wixl writes long names only, which
//! Windows Installer resolves only where short names are available (its note 1325). Names are
//! made the way WiX makes them when none is given: six characters, `~n`, three of extension.

use std::collections::BTreeSet;

use crate::validate::schema::is_short_name;

const DROPPED: &str = " +,;=[]";

/// `short|long` for `long`, or `long` itself when it is a valid short name; `taken` holds the
/// short names already used in the same folder (upper case) and gets the new one.
pub fn with_short_name(long: &str, taken: &mut BTreeSet<String>) -> String {
    if is_short_name(long) && taken.insert(long.to_ascii_uppercase()) {
        return long.to_owned();
    }
    let (base, ext) = match long.rsplit_once('.') {
        Some((b, e)) if !b.is_empty() => (b, Some(e)),
        _ => (long, None),
    };
    let clean = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| c.is_ascii() && !DROPPED.contains(*c) && *c != '.')
            .take(n)
            .collect::<String>()
            .to_ascii_uppercase()
    };
    let stem = clean(base, 6);
    let ext = ext.map(|e| clean(e, 3)).filter(|e| !e.is_empty());
    let mut n = 1u32;
    loop {
        let suffix = format!("~{n}");
        let keep = 8usize.saturating_sub(suffix.len()).min(stem.len());
        let mut short = format!("{}{suffix}", &stem[..keep]);
        if let Some(ext) = &ext {
            short = format!("{short}.{ext}");
        }
        if taken.insert(short.clone()) {
            return format!("{short}|{long}");
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_like_wix() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            with_short_name("SsprCredentialProvider.dll", &mut taken),
            "SSPRCR~1.DLL|SsprCredentialProvider.dll"
        );
        assert_eq!(with_short_name("SsprDiag.exe", &mut taken), "SsprDiag.exe");
        assert_eq!(
            with_short_name("SsprResetHost.exe", &mut taken),
            "SSPRRE~1.EXE|SsprResetHost.exe"
        );
        assert_eq!(
            with_short_name("SsprCredentialFilter.dll", &mut taken),
            "SSPRCR~2.DLL|SsprCredentialFilter.dll"
        );
        assert_eq!(
            with_short_name("SsprWindowsLogon", &mut taken),
            "SSPRWI~1|SsprWindowsLogon"
        );
    }
}
