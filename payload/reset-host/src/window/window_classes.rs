//! The process-wide window allow-list (`window_hook.rs` applies it): the classes of top-level
//! windows the reset host's process may have, whatever thread creates them. Anything else (a
//! download or print dialog raised on another thread, `window.showHelp()`'s "HH Parent" with
//! its own browser, a message box) means a way out was found: the window is hidden and the host
//! closes. Pure, so the list is tested on Linux.
//!
//! The list is the frame, the control's own hidden and pop-up windows, and the windows COM,
//! OLE, the input method and the text services create in every GUI thread. It was read from the
//! control on Windows 7 and 10; a class missing here closes the window (the safe side) and is
//! named in the log.

/// Top-level window classes the process may create. Compared case-insensitively.
pub const ALLOWED_TOP_LEVEL_CLASSES: &[&str] = &[
    // Ours.
    "SsprResetHostWindow",
    // The WebBrowser control: its hidden message window and its pop-ups (tooltips, the list of
    // a <select>, drop shadows).
    "Internet Explorer_Hidden",
    "Internet Explorer_TridentCmboBx",
    "Internet Explorer_TridentLstBox",
    "tooltips_class32",
    "SysShadow",
    // COM, OLE and DDE's per-thread windows.
    "OleMainThreadWndClass",
    "OleDdeWndClass",
    "CicMarshalWndClass",
    // The input method and text services.
    "IME",
    "MSCTFIME UI",
    "CiceroUIWndFrame",
    "TF_FloatingLangBar_WndTitle",
    // Menus: the frame's window menu (Alt+Space; the page's context menu never opens).
    "#32768",
    // The theme and accessibility machinery.
    "GDI+ Hook Window Class",
    "UxSubclassInfo",
];

/// Whether a top-level window of `class` may exist in the process.
pub fn allowed(class: &str) -> bool {
    ALLOWED_TOP_LEVEL_CLASSES
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_and_the_control_s_windows_are_allowed() {
        for class in [
            "SsprResetHostWindow",
            "internet explorer_hidden",
            "OleMainThreadWndClass",
            "IME",
            "tooltips_class32",
        ] {
            assert!(allowed(class), "{class}");
        }
    }

    #[test]
    fn dialogs_help_and_foreign_windows_are_not() {
        for class in [
            "#32770",
            "Internet Explorer_TridentDlgFrame",
            "HH Parent",
            "IEFrame",
            "ConsoleWindowClass",
            "CabinetWClass",
            "",
        ] {
            assert!(!allowed(class), "{class}");
        }
    }
}
