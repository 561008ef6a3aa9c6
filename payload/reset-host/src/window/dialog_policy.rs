//! Which windows the reset window's thread may not create: the dialogs a page can open without
//! the keyboard or the context menu. Pure; `dialogs.rs` applies it from a CBT hook.
//!
//! A file dialog is the way out of a logon-screen browser (CVE-2020-11552, CVE-2023-35719:
//! `<input type=file>`, then `cmd.exe`). Page script can still reach one where no key or menu is
//! involved: `<input type=file>`, `window.print()` (the print dialog has "Print to file" and
//! "Find printer"), `document.execCommand("SaveAs")`, `showModalDialog` (an HTML window whose
//! navigations the events sink never sees). All of them create a top-level window of one of the
//! classes below on the UI thread; refusing the creation makes the call fail as if cancelled.

/// What a refused top-level window class is, for the log; `None` when it may be created.
/// Child windows are never refused (they live inside a window that was allowed).
pub fn refused_window(class: &str, is_child: bool) -> Option<&'static str> {
    if is_child {
        return None;
    }
    // Window class names compare case-insensitively.
    if class.eq_ignore_ascii_case("#32770") {
        Some("a dialog box (file, print, save, find or message box)")
    } else if class.eq_ignore_ascii_case("Internet Explorer_TridentDlgFrame") {
        Some("an HTML dialog (showModalDialog)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_top_level_dialogs() {
        assert_eq!(
            refused_window("#32770", false),
            Some("a dialog box (file, print, save, find or message box)")
        );
        assert_eq!(
            refused_window("internet explorer_tridentdlgframe", false),
            Some("an HTML dialog (showModalDialog)")
        );
    }

    #[test]
    fn allows_the_control_s_own_windows_and_child_dialogs() {
        for class in [
            "Shell Embedding",
            "Shell DocObject View",
            "Internet Explorer_Server",
            "Internet Explorer_Hidden",
            "tooltips_class32",
            "SsprResetHostWindow",
        ] {
            assert_eq!(refused_window(class, false), None, "{class}");
        }
        assert_eq!(refused_window("#32770", true), None);
    }
}
