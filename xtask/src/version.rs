//! Mapping a Cargo version onto an MSI `ProductVersion`.
//!
//! Windows Installer compares `major.minor.build` with major and minor at most 255 and build at
//! most 65535; it has no notion of pre-release, so a pre-release cannot be ordered against the
//! release it precedes and is refused rather than silently mapped.

use std::fmt;

/// A version Windows Installer can order: `major.minor.build`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ProductVersion {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
}

impl ProductVersion {
    /// Parses a Cargo-style version (`1.2.3`, optionally `+build` metadata, which is dropped).
    pub fn parse(text: &str) -> Result<Self, String> {
        let core = text.split_once('+').map_or(text, |(core, _)| core);
        if core.contains('-') {
            return Err(format!(
                "version `{text}` is a pre-release: Windows Installer orders only major.minor.build \
                 and would treat it as equal to its release, so upgrades between them would not \
                 happen; use a plain version such as `{}`",
                core.split('-').next().unwrap_or("1.0.0")
            ));
        }
        let parts: Vec<&str> = core.split('.').collect();
        let [major, minor, build] = parts.as_slice() else {
            return Err(format!(
                "version `{text}` must have three numbers, major.minor.patch (for example 1.2.3)"
            ));
        };
        let number = |name: &str, part: &str, max: u32| -> Result<u32, String> {
            let value: u32 = part
                .parse()
                .ok()
                .filter(|_| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("version `{text}`: {name} `{part}` is not a number"))?;
            if value > max {
                return Err(format!(
                    "version `{text}`: {name} {value} is above {max}, the most an MSI ProductVersion allows"
                ));
            }
            Ok(value)
        };
        Ok(Self {
            major: number("major", major, 255)? as u8,
            minor: number("minor", minor, 255)? as u8,
            build: number("patch", build, 65535)? as u16,
        })
    }
}

impl fmt::Display for ProductVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_versions_map_one_to_one() {
        let v = ProductVersion::parse("1.2.3").unwrap();
        assert_eq!((v.major, v.minor, v.build), (1, 2, 3));
        assert_eq!(v.to_string(), "1.2.3");
        assert_eq!(
            ProductVersion::parse("255.255.65535").unwrap().to_string(),
            "255.255.65535"
        );
    }

    #[test]
    fn build_metadata_is_dropped() {
        assert_eq!(
            ProductVersion::parse("0.1.0+git.abc").unwrap().to_string(),
            "0.1.0"
        );
    }

    #[test]
    fn orders_like_windows_installer() {
        let p = |s| ProductVersion::parse(s).unwrap();
        assert!(p("0.0.9") < p("0.1.0"));
        assert!(p("0.1.10") > p("0.1.9"));
        assert!(p("1.0.0") > p("0.255.65535"));
    }

    #[test]
    fn refuses_out_of_range_parts() {
        let err = ProductVersion::parse("256.0.0").unwrap_err();
        assert!(err.contains("major 256 is above 255"), "{err}");
        let err = ProductVersion::parse("1.300.0").unwrap_err();
        assert!(err.contains("minor 300 is above 255"), "{err}");
        let err = ProductVersion::parse("1.0.65536").unwrap_err();
        assert!(err.contains("patch 65536 is above 65535"), "{err}");
    }

    #[test]
    fn refuses_pre_releases_with_the_reason() {
        let err = ProductVersion::parse("1.0.0-rc.1").unwrap_err();
        assert!(err.contains("pre-release"), "{err}");
        assert!(err.contains("`1.0.0`"), "{err}");
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "", "1", "1.2", "1.2.3.4", "a.b.c", "1.-2.3", "1..3", "+1.2.3",
        ] {
            assert!(ProductVersion::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
