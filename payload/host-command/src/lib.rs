//! The reset host's command line: which program, which arguments, quoted for `CreateProcessW`.
//!
//! The host is always `SsprResetHost.exe` beside our own DLL: never found through `PATH` or a
//! registry value, so nobody who can write a setting can make LogonUI start another program.
//! How the process is started (token, job) is the launcher's business.

/// The reset host's file name, installed beside the DLL.
pub const HOST_EXE: &str = "SsprResetHost.exe";

/// What the host needs to show the portal for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRequest {
    /// The user whose tile the link was clicked on, if known.
    pub user: Option<String>,
    /// The resolved `PortalUrl`.
    pub portal_url: String,
    /// LogonUI's window from `OnCreatingWindow`, as a number (0 if LogonUI gave none).
    pub parent_window: usize,
}

impl HostRequest {
    /// The host's arguments, in `--name=value` form so a value starting with `-` (a user name
    /// can) is never read as an option.
    pub fn arguments(&self) -> Vec<String> {
        let mut arguments = vec![
            format!("--portal-url={}", self.portal_url),
            format!("--parent-window={}", self.parent_window),
        ];
        if let Some(user) = &self.user {
            arguments.push(format!("--user={user}"));
        }
        arguments
    }
}

/// The host's full path from our DLL's full path (`C:\...\SsprCredentialProvider.dll`).
pub fn host_path(dll_path: &str) -> Option<String> {
    let (folder, _) = dll_path.rsplit_once('\\')?;
    (!folder.is_empty()).then(|| format!("{folder}\\{HOST_EXE}"))
}

/// Quotes one argument so `CommandLineToArgvW` and the C runtime read it back unchanged.
pub fn quote(argument: &str) -> String {
    if !argument.is_empty() && !argument.contains([' ', '\t', '\n', '\u{b}', '"']) {
        return argument.to_owned();
    }
    let mut quoted = String::with_capacity(argument.len() + 2);
    quoted.push('"');
    let mut backslashes = 0usize;
    for c in argument.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                // Backslashes before a quote are doubled, and the quote itself escaped.
                quoted.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                quoted.push('"');
                backslashes = 0;
            }
            other => {
                quoted.extend(std::iter::repeat_n('\\', backslashes));
                quoted.push(other);
                backslashes = 0;
            }
        }
    }
    // Backslashes before the closing quote are doubled so they stay literal.
    quoted.extend(std::iter::repeat_n('\\', backslashes * 2));
    quoted.push('"');
    quoted
}

/// The full command line: the quoted program, then each quoted argument.
pub fn command_line(program: &str, arguments: &[String]) -> String {
    std::iter::once(program)
        .chain(arguments.iter().map(String::as_str))
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_lives_beside_the_dll() {
        assert_eq!(
            host_path(r"C:\Program Files\SsprWindowsLogon\SsprCredentialProvider.dll").as_deref(),
            Some(r"C:\Program Files\SsprWindowsLogon\SsprResetHost.exe")
        );
        assert_eq!(host_path("SsprCredentialProvider.dll"), None);
        assert_eq!(host_path(r"\x.dll"), None);
    }

    #[test]
    fn arguments_carry_user_portal_and_window() {
        let request = HostRequest {
            user: Some("CONTOSO\\alice".into()),
            portal_url: "https://passwordreset.microsoftonline.com/".into(),
            parent_window: 65552,
        };
        assert_eq!(
            request.arguments(),
            [
                "--portal-url=https://passwordreset.microsoftonline.com/",
                "--parent-window=65552",
                "--user=CONTOSO\\alice"
            ]
        );
        let anonymous = HostRequest {
            user: None,
            ..request
        };
        assert_eq!(anonymous.arguments().len(), 2);
    }

    #[test]
    fn quoting_follows_the_c_runtime_rules() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("two words"), "\"two words\"");
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote(r"C:\dir\"), r"C:\dir\");
        assert_eq!(quote(r"C:\my dir\"), r#""C:\my dir\\""#);
        assert_eq!(quote(r#"a\"b c"#), r#""a\\\"b c""#);
        assert_eq!(quote(r"a\\b c"), r#""a\\b c""#);
    }

    #[test]
    fn command_line_quotes_the_program_path() {
        let line = command_line(
            r"C:\Program Files\SsprWindowsLogon\SsprResetHost.exe",
            &[
                "--user=O'Brien \"Bob\"".to_owned(),
                "--parent-window=0".to_owned(),
            ],
        );
        assert_eq!(
            line,
            r#""C:\Program Files\SsprWindowsLogon\SsprResetHost.exe" "--user=O'Brien \"Bob\"" --parent-window=0"#
        );
    }
}
