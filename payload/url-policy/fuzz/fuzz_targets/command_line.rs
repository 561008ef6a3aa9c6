//! The user name on the reset host's command line: the provider quotes each argument for
//! `CreateProcessW`; the host's C runtime (Rust's std on Windows follows the same rules) splits
//! the line back. Whatever the name, the host must read back exactly the arguments the provider
//! meant, and its argument parser the same user, portal and window. The splitting here is
//! written from Microsoft's "Parsing C++ command-line arguments" rules, apart from the quoting.

use clap::Parser as _;
use sspr_host_command::{command_line, HostRequest};
use sspr_reset_host::args::Args;

const PROGRAM: &str = r"C:\Program Files\SsprWindowsLogon\SsprResetHost.exe";
const PORTAL: &str = "https://passwordreset.microsoftonline.com/";
const WINDOW: usize = 65552;

pub fn user_name_survives_the_command_line(user: &str) {
    // A Windows command line is a NUL-terminated string: a name cannot hold one.
    if user.contains('\0') {
        return;
    }
    let request = HostRequest {
        user: Some(user.to_owned()),
        portal_url: PORTAL.to_owned(),
        parent_window: WINDOW,
    };
    let arguments = request.arguments();
    let line = command_line(PROGRAM, &arguments);
    let argv = split(&line);
    assert_eq!(argv.first().map(String::as_str), Some(PROGRAM), "{line:?}");
    assert_eq!(argv[1..], arguments[..], "{line:?}");
    let args = Args::try_parse_from(&argv)
        .unwrap_or_else(|error| panic!("the host refuses its own command line {line:?}: {error}"));
    assert_eq!(args.user.as_deref(), Some(user), "{line:?}");
    assert_eq!(args.portal_url.as_deref(), Some(PORTAL));
    assert_eq!(args.parent_window, WINDOW as u64);
    assert!(!args.self_test && args.check_url.is_none(), "{line:?}");
}

/// Splits a command line as the Microsoft C runtime does: the program name ends at the closing
/// quote (no escapes) or the first blank; then arguments are separated by spaces and tabs
/// outside quotes; `2n` backslashes before `"` give `n` backslashes and the quote toggles
/// quoting, `2n+1` give `n` and a literal `"`; inside quotes `""` is a literal `"`; other
/// backslashes are literal.
fn split(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut program = String::new();
    if chars.first() == Some(&'"') {
        i = 1;
        while i < chars.len() && chars[i] != '"' {
            program.push(chars[i]);
            i += 1;
        }
        i += 1;
    } else {
        while i < chars.len() && chars[i] != ' ' && chars[i] != '\t' {
            program.push(chars[i]);
            i += 1;
        }
    }
    let mut argv = vec![program];
    loop {
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        if i >= chars.len() {
            return argv;
        }
        let mut argument = String::new();
        let mut quoted = false;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                let run = chars[i..].iter().take_while(|c| **c == '\\').count();
                i += run;
                if chars.get(i) == Some(&'"') {
                    argument.extend(std::iter::repeat_n('\\', run / 2));
                    if run % 2 == 1 {
                        argument.push('"');
                        i += 1;
                    }
                } else {
                    argument.extend(std::iter::repeat_n('\\', run));
                }
            } else if c == '"' {
                if quoted && chars.get(i + 1) == Some(&'"') {
                    argument.push('"');
                    i += 2;
                } else {
                    quoted = !quoted;
                    i += 1;
                }
            } else if !quoted && (c == ' ' || c == '\t') {
                break;
            } else {
                argument.push(c);
                i += 1;
            }
        }
        argv.push(argument);
    }
}
