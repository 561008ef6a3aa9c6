//! Windows' binary proxy settings: WinHTTP's `WinHttpSettings` (written by
//! `netsh winhttp set proxy`) and WinINet's `DefaultConnectionSettings`, plus proxy strings and
//! bypass lists.
//!
//! Both blobs start with three DWORDs (a format number, a change counter, flags), then
//! length-prefixed ANSI strings: proxy server, bypass list and, for WinINet, the PAC URL.

/// A proxy server is set (`PROXY_TYPE_PROXY`).
pub const FLAG_PROXY: u32 = 2;
/// A PAC script URL is set (`PROXY_TYPE_AUTO_PROXY_URL`).
pub const FLAG_PAC: u32 = 4;
/// Web proxy auto-discovery (`PROXY_TYPE_AUTO_DETECT`).
pub const FLAG_AUTO_DETECT: u32 = 8;

/// A parsed connection settings blob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub flags: u32,
    pub proxy: String,
    pub bypass: String,
    pub auto_config_url: String,
}

impl ConnectionSettings {
    /// The named proxy, when the flags switch it on.
    pub fn proxy_server(&self) -> Option<&str> {
        (self.flags & FLAG_PROXY != 0 && !self.proxy.trim().is_empty()).then_some(self.proxy.trim())
    }

    /// The PAC URL, when the flags switch it on.
    pub fn pac_url(&self) -> Option<&str> {
        (self.flags & FLAG_PAC != 0 && !self.auto_config_url.trim().is_empty())
            .then_some(self.auto_config_url.trim())
    }

    /// `direct`, `proxy host:port (bypass ...)`, `PAC http://...`, joined.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(proxy) = self.proxy_server() {
            if self.bypass.trim().is_empty() {
                parts.push(format!("proxy {proxy}"));
            } else {
                parts.push(format!("proxy {proxy} (bypass {})", self.bypass.trim()));
            }
        }
        if let Some(url) = self.pac_url() {
            parts.push(format!("PAC script {url}"));
        }
        if self.flags & FLAG_AUTO_DETECT != 0 {
            parts.push("automatic detection (WPAD)".to_owned());
        }
        if parts.is_empty() {
            "direct".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

fn dword(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a length-prefixed string at `*at`; a missing tail reads as empty.
fn text(bytes: &[u8], at: &mut usize) -> Result<String, String> {
    let Some(len) = dword(bytes, *at) else {
        return Ok(String::new());
    };
    let start = *at + 4;
    let end = start
        .checked_add(len as usize)
        .filter(|end| *end <= bytes.len())
        .ok_or_else(|| {
            format!(
                "a string of {len} bytes runs past the end ({} bytes)",
                bytes.len()
            )
        })?;
    *at = end;
    Ok(String::from_utf8_lossy(&bytes[start..end]).into_owned())
}

/// Parses either blob; the error says what is wrong.
pub fn parse(bytes: &[u8]) -> Result<ConnectionSettings, String> {
    let flags = dword(bytes, 8)
        .ok_or_else(|| format!("only {} bytes, fewer than the 12-byte header", bytes.len()))?;
    let mut at = 12;
    let proxy = text(bytes, &mut at)?;
    let bypass = text(bytes, &mut at)?;
    let auto_config_url = text(bytes, &mut at)?;
    Ok(ConnectionSettings {
        flags,
        proxy,
        bypass,
        auto_config_url,
    })
}

/// The proxy for `https` in a WinHTTP/WinINet proxy string: `host:port`, `http://host:port`,
/// or per-scheme `http=h:p;https=h2:p2` (the `https=` entry, else a scheme-less one).
pub fn https_proxy(proxy: &str) -> Option<(String, u16)> {
    let entries: Vec<&str> = proxy
        .split([';', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let chosen = entries
        .iter()
        .find_map(|e| {
            let (scheme, rest) = e.split_once('=')?;
            scheme.eq_ignore_ascii_case("https").then_some(rest)
        })
        .or_else(|| entries.iter().copied().find(|e| !e.contains('=')))?;
    let chosen = chosen
        .strip_prefix("http://")
        .unwrap_or(chosen)
        .trim_end_matches('/');
    let (host, port) = match chosen.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (chosen, 80),
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

/// Whether `host` matches the bypass list (`<local>` for dot-less names, `*` wildcards).
pub fn bypassed(bypass: &str, host: &str) -> bool {
    bypass
        .split([';', ' ', ','])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry.eq_ignore_ascii_case("<local>") {
                !host.contains('.')
            } else {
                wildcard_match(&entry.to_ascii_lowercase(), &host.to_ascii_lowercase())
            }
        })
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len()).any(|skip| {
                    let rest = &text[head.len() + skip..];
                    text.is_char_boundary(head.len() + skip) && wildcard_match(tail, rest)
                })
        }
    }
}

/// Builds a blob, for fixtures.
pub fn encode(settings: &ConnectionSettings, format: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&format.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&settings.flags.to_le_bytes());
    for text in [&settings.proxy, &settings.bypass, &settings.auto_config_url] {
        bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netsh_winhttp_blob() {
        // `netsh winhttp set proxy proxy.contoso.test:8080 "<local>"` on Windows 7.
        let mut bytes = vec![0x28, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 23, 0, 0, 0];
        bytes.extend_from_slice(b"proxy.contoso.test:8080");
        bytes.extend_from_slice(&[7, 0, 0, 0]);
        bytes.extend_from_slice(b"<local>");
        let settings = parse(&bytes).unwrap();
        assert_eq!(settings.proxy_server(), Some("proxy.contoso.test:8080"));
        assert_eq!(
            settings.describe(),
            "proxy proxy.contoso.test:8080 (bypass <local>)"
        );
        // `netsh winhttp reset proxy`: direct, no strings.
        let direct = [
            0x28, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(parse(&direct).unwrap().describe(), "direct");
    }

    #[test]
    fn wininet_blob_round_trips() {
        let settings = ConnectionSettings {
            flags: 1 | FLAG_PAC | FLAG_AUTO_DETECT,
            proxy: String::new(),
            bypass: String::new(),
            auto_config_url: "http://wpad.contoso.test/proxy.pac".into(),
        };
        let parsed = parse(&encode(&settings, 0x46)).unwrap();
        assert_eq!(parsed, settings);
        assert_eq!(
            parsed.describe(),
            "PAC script http://wpad.contoso.test/proxy.pac, automatic detection (WPAD)"
        );
    }

    #[test]
    fn malformed_blobs_are_errors() {
        assert_eq!(
            parse(&[1, 2, 3]).unwrap_err(),
            "only 3 bytes, fewer than the 12-byte header"
        );
        let bytes = [0x18, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 200, 0, 0, 0, b'x'];
        assert_eq!(
            parse(&bytes).unwrap_err(),
            "a string of 200 bytes runs past the end (17 bytes)"
        );
    }

    #[test]
    fn proxy_strings() {
        assert_eq!(https_proxy("proxy:8080"), Some(("proxy".into(), 8080)));
        assert_eq!(
            https_proxy("http://proxy:3128/"),
            Some(("proxy".into(), 3128))
        );
        assert_eq!(
            https_proxy("http=a:80;https=b:8443"),
            Some(("b".into(), 8443))
        );
        assert_eq!(https_proxy("proxy"), Some(("proxy".into(), 80)));
        assert_eq!(https_proxy("ftp=a:21"), None);
        assert_eq!(https_proxy("proxy:notaport"), None);
    }

    #[test]
    fn bypass_lists() {
        assert!(bypassed("<local>", "intranet"));
        assert!(!bypassed("<local>", "login.microsoftonline.com"));
        assert!(bypassed(
            "*.microsoftonline.com;10.*",
            "passwordreset.microsoftonline.com"
        ));
        assert!(bypassed("10.*", "10.1.2.3"));
        assert!(!bypassed("*.contoso.com", "contoso.com.evil"));
        assert!(bypassed("ajax.aspnetcdn.com", "AJAX.aspnetcdn.com"));
    }
}
