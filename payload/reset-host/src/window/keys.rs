//! Which key chords reach the page and which the reset window swallows.
//!
//! The hosted WebBrowser control keeps most of Internet Explorer's keyboard shortcuts, and several
//! of them open something a user at the sign-in screen must never get: a file dialog (Ctrl+O,
//! Ctrl+L, Ctrl+S), the print dialog (Ctrl+P), help (F1), developer tools (F12), view-source
//! (Ctrl+U), a new window (Ctrl+N). The window asks [`judge`] twice for every key message: in its
//! message loop, before the control's own `TranslateAccelerator`, and again in the site's
//! `IDocHostUIHandler::TranslateAccelerator`. Pure code, so the table is unit-tested on Linux.
//!
//! The rules, in order:
//! 1. Modifier, lock and input-method keys pass (an IME's keys must reach it).
//! 2. Esc closes the window.
//! 3. Back, Forward, Refresh and Stop pass, with any modifiers (nothing they do leaves the pages
//!    already allowed); the Apps (context menu), Help, browser Search/Favorites/Home and the
//!    Launch keys are blocked.
//! 4. Function keys: F5 and Ctrl+F5 (refresh) and Alt+F4 (close the window) pass; every other
//!    function-key chord is blocked (F1 help, F3 find, F7 caret-browsing prompt, Shift+F10
//!    context menu, F11 full screen, F12 developer tools, ...).
//! 5. Ctrl+Alt is AltGr on many keyboard layouts (`@` is AltGr+Q in Germany): it passes only
//!    when the keyboard layout turns the chord into a character (the window asks the layout,
//!    [`Chord::layout_character`]); every other Ctrl+Alt chord is blocked, so Ctrl+Alt+O is not
//!    a way to Ctrl+O.
//! 6. Ctrl: editing and clipboard (A, C, V, X, Y, Z, Ctrl+Insert), refresh (R), zoom, Ctrl+Space
//!    (IME toggle) and caret movement pass; every other Ctrl chord is blocked, Ctrl+Shift ones
//!    too except selection moves (Ctrl+Shift+Left, ...). Unknown Ctrl chords are blocked: a
//!    shortcut not listed here is more likely a browser command than something a form needs.
//! 7. Alt: Back/Forward (Alt+Left/Right), the window menu (Alt+Space) and the page's access keys
//!    (Alt+letter) pass; Alt+Home (home page), Alt+D (address bar), Alt+C (favorites) and
//!    Alt+Enter (properties) are blocked.
//! 8. Everything else (typing, Shift+letters, Tab, Enter, arrows, Backspace) passes.

/// A key press as the window sees it: the virtual-key code and the modifiers held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub key: u16,
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
    /// Ctrl+Alt (AltGr) on a key the current keyboard layout turns into a character. Only
    /// read for Ctrl+Alt chords.
    pub layout_character: bool,
}

/// What the window does with a key press.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyVerdict {
    /// Let the page (and the control) have it.
    Pass,
    /// Esc: close the window.
    Close,
    /// Swallow it; the text says what the browser would have done with it.
    Block(&'static str),
}

/// Windows virtual-key codes (winuser.h) this table names.
pub mod vk {
    pub const BACK: u16 = 0x08;
    pub const TAB: u16 = 0x09;
    pub const RETURN: u16 = 0x0D;
    pub const SHIFT: u16 = 0x10;
    pub const CONTROL: u16 = 0x11;
    pub const MENU: u16 = 0x12;
    pub const PAUSE: u16 = 0x13;
    pub const CAPITAL: u16 = 0x14;
    pub const KANA: u16 = 0x15;
    pub const KANJI: u16 = 0x19;
    pub const ESCAPE: u16 = 0x1B;
    pub const CONVERT: u16 = 0x1C;
    pub const MODECHANGE: u16 = 0x1F;
    pub const SPACE: u16 = 0x20;
    pub const PRIOR: u16 = 0x21;
    pub const NEXT: u16 = 0x22;
    pub const END: u16 = 0x23;
    pub const HOME: u16 = 0x24;
    pub const LEFT: u16 = 0x25;
    pub const UP: u16 = 0x26;
    pub const RIGHT: u16 = 0x27;
    pub const DOWN: u16 = 0x28;
    pub const INSERT: u16 = 0x2D;
    pub const DELETE: u16 = 0x2E;
    pub const HELP: u16 = 0x2F;
    pub const LWIN: u16 = 0x5B;
    pub const RWIN: u16 = 0x5C;
    pub const APPS: u16 = 0x5D;
    pub const NUMPAD0: u16 = 0x60;
    pub const ADD: u16 = 0x6B;
    pub const SUBTRACT: u16 = 0x6D;
    pub const F1: u16 = 0x70;
    pub const F24: u16 = 0x87;
    pub const NUMLOCK: u16 = 0x90;
    pub const SCROLL: u16 = 0x91;
    pub const LSHIFT: u16 = 0xA0;
    pub const RMENU: u16 = 0xA5;
    pub const BROWSER_BACK: u16 = 0xA6;
    pub const BROWSER_FORWARD: u16 = 0xA7;
    pub const BROWSER_REFRESH: u16 = 0xA8;
    pub const BROWSER_STOP: u16 = 0xA9;
    pub const BROWSER_SEARCH: u16 = 0xAA;
    pub const BROWSER_FAVORITES: u16 = 0xAB;
    pub const BROWSER_HOME: u16 = 0xAC;
    pub const LAUNCH_MAIL: u16 = 0xB4;
    pub const LAUNCH_APP2: u16 = 0xB7;
    pub const OEM_1: u16 = 0xBA;
    pub const OEM_PLUS: u16 = 0xBB;
    pub const OEM_MINUS: u16 = 0xBD;
    pub const OEM_3: u16 = 0xC0;
    pub const OEM_4: u16 = 0xDB;
    pub const OEM_8: u16 = 0xDF;
    pub const OEM_102: u16 = 0xE2;
    pub const PROCESSKEY: u16 = 0xE5;
}

/// Decides what happens to one key press (see the module documentation for the rules).
pub fn judge(chord: Chord) -> KeyVerdict {
    let Chord {
        key,
        ctrl,
        shift,
        alt,
        layout_character,
    } = chord;
    if is_modifier_or_input_method(key) {
        return KeyVerdict::Pass;
    }
    if key == vk::ESCAPE {
        return KeyVerdict::Close;
    }
    if let Some(verdict) = special_key(key) {
        return verdict;
    }
    if let Some(number) = function_key_number(key) {
        return function_key(number, ctrl, shift, alt);
    }
    match (ctrl, alt) {
        (true, true) if layout_character && is_character_key(key) => KeyVerdict::Pass,
        (true, true) => KeyVerdict::Block("a Ctrl+Alt browser shortcut"),
        (true, false) if shift => ctrl_shift_chord(key),
        (true, false) => ctrl_chord(key),
        (false, true) => alt_chord(key),
        (false, false) => KeyVerdict::Pass,
    }
}

/// The chord as people write it, e.g. `Ctrl+Shift+I`, for the log.
pub fn describe(chord: Chord) -> String {
    let mut text = String::new();
    for (held, name) in [
        (chord.ctrl, "Ctrl+"),
        (chord.alt, "Alt+"),
        (chord.shift, "Shift+"),
    ] {
        if held {
            text.push_str(name);
        }
    }
    text.push_str(&key_name(chord.key));
    text
}

fn is_modifier_or_input_method(key: u16) -> bool {
    matches!(
        key,
        vk::SHIFT
            | vk::CONTROL
            | vk::MENU
            | vk::CAPITAL
            | vk::NUMLOCK
            | vk::SCROLL
            | vk::LWIN
            | vk::RWIN
            | vk::PROCESSKEY
    ) || (vk::LSHIFT..=vk::RMENU).contains(&key)
        || (vk::KANA..=vk::KANJI).contains(&key)
        || (vk::CONVERT..=vk::MODECHANGE).contains(&key)
}

fn special_key(key: u16) -> Option<KeyVerdict> {
    let verdict = match key {
        vk::BROWSER_BACK | vk::BROWSER_FORWARD | vk::BROWSER_REFRESH | vk::BROWSER_STOP => {
            KeyVerdict::Pass
        }
        vk::APPS => KeyVerdict::Block("the context menu"),
        vk::HELP => KeyVerdict::Block("help"),
        vk::BROWSER_SEARCH => KeyVerdict::Block("the search page"),
        vk::BROWSER_FAVORITES => KeyVerdict::Block("favorites"),
        vk::BROWSER_HOME => KeyVerdict::Block("the home page"),
        vk::LAUNCH_MAIL..=vk::LAUNCH_APP2 => KeyVerdict::Block("a program launch key"),
        _ => return None,
    };
    Some(verdict)
}

fn function_key_number(key: u16) -> Option<u16> {
    (vk::F1..=vk::F24).contains(&key).then(|| key - vk::F1 + 1)
}

fn function_key(number: u16, ctrl: bool, shift: bool, alt: bool) -> KeyVerdict {
    match (number, ctrl, shift, alt) {
        (5, _, false, false) => KeyVerdict::Pass,
        (4, false, false, true) => KeyVerdict::Pass,
        (10, _, true, _) => KeyVerdict::Block("the context menu"),
        (1, ..) => KeyVerdict::Block("help"),
        (3, ..) => KeyVerdict::Block("the find dialog"),
        (4, ..) | (6, ..) => KeyVerdict::Block("the address bar"),
        (7, ..) => KeyVerdict::Block("the caret browsing prompt"),
        (10, ..) => KeyVerdict::Block("the menu bar"),
        (11, ..) => KeyVerdict::Block("full screen"),
        (12, ..) => KeyVerdict::Block("the developer tools"),
        _ => KeyVerdict::Block("a function-key browser shortcut"),
    }
}

/// Keys that type a character: letters, digits, punctuation (the OEM keys) and space.
fn is_character_key(key: u16) -> bool {
    key == vk::SPACE
        || is_letter_or_digit(key)
        || (vk::OEM_1..=vk::OEM_3).contains(&key)
        || (vk::OEM_4..=vk::OEM_8).contains(&key)
        || key == vk::OEM_102
}

/// `0`-`9` and `A`-`Z`: their virtual-key codes are their upper-case ASCII codes (0x61-0x7A are
/// numpad and function keys, so ASCII classification would be wrong here).
fn is_letter_or_digit(key: u16) -> bool {
    matches!(key, 0x30..=0x39 | 0x41..=0x5A)
}

/// Moves the caret or the selection; never a browser command.
fn is_caret_key(key: u16) -> bool {
    matches!(
        key,
        vk::LEFT | vk::RIGHT | vk::UP | vk::DOWN | vk::HOME | vk::END | vk::PRIOR | vk::NEXT
    )
}

fn is_zoom_key(key: u16) -> bool {
    matches!(
        key,
        vk::OEM_PLUS | vk::OEM_MINUS | vk::ADD | vk::SUBTRACT | vk::NUMPAD0
    ) || key == u16::from(b'0')
}

fn ctrl_chord(key: u16) -> KeyVerdict {
    if is_caret_key(key)
        || is_zoom_key(key)
        || matches!(
            key,
            vk::TAB | vk::BACK | vk::DELETE | vk::INSERT | vk::RETURN | vk::SPACE | vk::PAUSE
        )
    {
        return KeyVerdict::Pass;
    }
    match u8::try_from(key).map(char::from) {
        Ok('A' | 'C' | 'V' | 'X' | 'Y' | 'Z' | 'R') => KeyVerdict::Pass,
        Ok('B') => KeyVerdict::Block("organize favorites"),
        Ok('D') => KeyVerdict::Block("add to favorites"),
        Ok('E') => KeyVerdict::Block("the search box"),
        Ok('F') => KeyVerdict::Block("the find dialog"),
        Ok('H') => KeyVerdict::Block("the history pane"),
        Ok('I') => KeyVerdict::Block("the favorites pane"),
        Ok('J') => KeyVerdict::Block("the feeds pane"),
        Ok('K') => KeyVerdict::Block("a duplicate tab"),
        Ok('L' | 'O') => KeyVerdict::Block("the open-location dialog"),
        Ok('N') => KeyVerdict::Block("a new window"),
        Ok('P') => KeyVerdict::Block("the print dialog"),
        Ok('Q') => KeyVerdict::Block("quick tabs"),
        Ok('S') => KeyVerdict::Block("the save dialog"),
        Ok('T') => KeyVerdict::Block("a new tab"),
        Ok('U') => KeyVerdict::Block("view source"),
        Ok('W') => KeyVerdict::Block("close tab"),
        _ => KeyVerdict::Block("a Ctrl browser shortcut"),
    }
}

fn ctrl_shift_chord(key: u16) -> KeyVerdict {
    if is_caret_key(key) || is_zoom_key(key) || key == vk::TAB {
        return KeyVerdict::Pass;
    }
    match u8::try_from(key).map(char::from) {
        Ok('I' | 'J' | 'C') => KeyVerdict::Block("the developer tools"),
        Ok('P') => KeyVerdict::Block("an InPrivate window"),
        _ if key == vk::DELETE => KeyVerdict::Block("the delete browsing history dialog"),
        _ => KeyVerdict::Block("a Ctrl+Shift browser shortcut"),
    }
}

fn alt_chord(key: u16) -> KeyVerdict {
    match key {
        vk::HOME => KeyVerdict::Block("the home page"),
        vk::RETURN => KeyVerdict::Block("the properties dialog"),
        _ if key == u16::from(b'D') => KeyVerdict::Block("the address bar"),
        _ if key == u16::from(b'C') => KeyVerdict::Block("the favorites center"),
        _ => KeyVerdict::Pass,
    }
}

fn key_name(key: u16) -> String {
    let named = match key {
        vk::BACK => "Backspace",
        vk::TAB => "Tab",
        vk::RETURN => "Enter",
        vk::ESCAPE => "Esc",
        vk::SPACE => "Space",
        vk::PRIOR => "PageUp",
        vk::NEXT => "PageDown",
        vk::END => "End",
        vk::HOME => "Home",
        vk::LEFT => "Left",
        vk::UP => "Up",
        vk::RIGHT => "Right",
        vk::DOWN => "Down",
        vk::INSERT => "Insert",
        vk::DELETE => "Delete",
        vk::HELP => "Help",
        vk::APPS => "Apps",
        vk::BROWSER_SEARCH => "BrowserSearch",
        vk::BROWSER_FAVORITES => "BrowserFavorites",
        vk::BROWSER_HOME => "BrowserHome",
        _ => "",
    };
    if !named.is_empty() {
        named.to_owned()
    } else if let Some(number) = function_key_number(key) {
        format!("F{number}")
    } else if let Some(letter) = is_letter_or_digit(key)
        .then(|| u8::try_from(key).ok())
        .flatten()
    {
        char::from(letter).to_string()
    } else {
        format!("key 0x{key:02X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> u16 {
        c as u16
    }

    fn f(number: u16) -> u16 {
        vk::F1 + number - 1
    }

    const PLAIN: (bool, bool, bool) = (false, false, false);
    const CTRL: (bool, bool, bool) = (true, false, false);
    const CTRL_SHIFT: (bool, bool, bool) = (true, true, false);
    const ALT: (bool, bool, bool) = (false, false, true);
    const SHIFT: (bool, bool, bool) = (false, true, false);
    const ALT_GR: (bool, bool, bool) = (true, false, true);

    fn verdict(key: u16, (ctrl, shift, alt): (bool, bool, bool)) -> KeyVerdict {
        judge(Chord {
            key,
            ctrl,
            shift,
            alt,
            layout_character: false,
        })
    }

    /// A Ctrl+Alt chord the layout does (`true`) or does not turn into a character.
    fn altgr(key: u16, layout_character: bool) -> KeyVerdict {
        judge(Chord {
            key,
            ctrl: true,
            shift: false,
            alt: true,
            layout_character,
        })
    }

    #[test]
    fn escape_closes_the_window() {
        assert_eq!(verdict(vk::ESCAPE, PLAIN), KeyVerdict::Close);
        assert_eq!(verdict(vk::ESCAPE, SHIFT), KeyVerdict::Close);
    }

    #[test]
    fn dialogs_and_tools_are_blocked() {
        for (key, modifiers, what) in [
            (f(12), PLAIN, "the developer tools"),
            (key('I'), CTRL_SHIFT, "the developer tools"),
            (key('J'), CTRL_SHIFT, "the developer tools"),
            (key('P'), CTRL, "the print dialog"),
            (key('O'), CTRL, "the open-location dialog"),
            (key('L'), CTRL, "the open-location dialog"),
            (key('S'), CTRL, "the save dialog"),
            (key('N'), CTRL, "a new window"),
            (key('T'), CTRL, "a new tab"),
            (key('U'), CTRL, "view source"),
            (key('F'), CTRL, "the find dialog"),
            (f(3), PLAIN, "the find dialog"),
            (f(1), PLAIN, "help"),
            (vk::HELP, PLAIN, "help"),
            (key('D'), ALT, "the address bar"),
            (f(6), PLAIN, "the address bar"),
            (f(4), PLAIN, "the address bar"),
            (f(11), PLAIN, "full screen"),
            (f(7), PLAIN, "the caret browsing prompt"),
            (f(10), SHIFT, "the context menu"),
            (f(10), PLAIN, "the menu bar"),
            (vk::APPS, PLAIN, "the context menu"),
            (vk::DELETE, CTRL_SHIFT, "the delete browsing history dialog"),
            (key('P'), CTRL_SHIFT, "an InPrivate window"),
            (vk::HOME, ALT, "the home page"),
            (vk::BROWSER_HOME, PLAIN, "the home page"),
            (vk::BROWSER_SEARCH, PLAIN, "the search page"),
            (vk::RETURN, ALT, "the properties dialog"),
            (key('D'), CTRL, "add to favorites"),
            (key('H'), CTRL, "the history pane"),
            (key('G'), CTRL, "a Ctrl browser shortcut"),
            (key('1'), CTRL, "a Ctrl browser shortcut"),
            (f(2), PLAIN, "a function-key browser shortcut"),
            (f(5), ALT, "a function-key browser shortcut"),
            (vk::LAUNCH_MAIL, PLAIN, "a program launch key"),
            (vk::LAUNCH_APP2, PLAIN, "a program launch key"),
            (f(1), ALT_GR, "help"),
            (vk::HOME, ALT_GR, "a Ctrl+Alt browser shortcut"),
        ] {
            assert_eq!(
                verdict(key, modifiers),
                KeyVerdict::Block(what),
                "{key:#x} {modifiers:?}"
            );
        }
    }

    #[test]
    fn typing_editing_and_navigation_pass() {
        for (key, modifiers) in [
            (key('A'), PLAIN),
            (key('A'), SHIFT),
            (key('7'), PLAIN),
            (vk::OEM_1, SHIFT),
            (vk::SPACE, PLAIN),
            (vk::TAB, PLAIN),
            (vk::TAB, SHIFT),
            (vk::RETURN, PLAIN),
            (vk::BACK, PLAIN),
            (vk::BACK, CTRL),
            (vk::DELETE, CTRL),
            (vk::INSERT, CTRL),
            (vk::INSERT, SHIFT),
            (key('A'), CTRL),
            (key('C'), CTRL),
            (key('V'), CTRL),
            (key('X'), CTRL),
            (key('Z'), CTRL),
            (key('Y'), CTRL),
            (key('R'), CTRL),
            (vk::LEFT, CTRL),
            (vk::LEFT, CTRL_SHIFT),
            (vk::END, CTRL_SHIFT),
            (vk::OEM_PLUS, CTRL),
            (vk::OEM_PLUS, CTRL_SHIFT),
            (vk::SUBTRACT, CTRL),
            (key('0'), CTRL),
            (vk::SPACE, CTRL),
            (f(5), PLAIN),
            (f(5), CTRL),
            (f(4), ALT),
            (vk::LEFT, ALT),
            (vk::RIGHT, ALT),
            (vk::SPACE, ALT),
            (key('S'), ALT),
            (vk::BROWSER_BACK, PLAIN),
            (vk::BROWSER_REFRESH, CTRL),
            (vk::CONTROL, CTRL),
            (vk::SHIFT, CTRL_SHIFT),
            (vk::MENU, ALT),
            (vk::LWIN, PLAIN),
            (vk::PROCESSKEY, CTRL),
            (vk::KANJI, ALT),
            (vk::CONVERT, PLAIN),
        ] {
            assert_eq!(
                verdict(key, modifiers),
                KeyVerdict::Pass,
                "{key:#x} {modifiers:?}"
            );
        }
    }

    /// AltGr arrives as Ctrl+Alt: `@` is AltGr+Q in Germany, `{` AltGr+7, `€` AltGr+E.
    #[test]
    fn altgr_characters_pass() {
        for key in [
            key('Q'),
            key('7'),
            key('E'),
            key('P'),
            vk::OEM_PLUS,
            vk::OEM_4,
            vk::OEM_102,
        ] {
            assert_eq!(altgr(key, true), KeyVerdict::Pass, "{key:#x}");
        }
    }

    /// Ctrl+Alt on a key the layout gives no character for is a Ctrl shortcut in disguise.
    #[test]
    fn ctrl_alt_without_a_character_is_blocked() {
        for key in [
            key('O'),
            key('P'),
            key('S'),
            key('U'),
            key('N'),
            vk::OEM_PLUS,
        ] {
            assert_eq!(
                altgr(key, false),
                KeyVerdict::Block("a Ctrl+Alt browser shortcut"),
                "{key:#x}"
            );
        }
        // A character key only counts as one: Ctrl+Alt+Home never types.
        assert_eq!(
            altgr(vk::HOME, true),
            KeyVerdict::Block("a Ctrl+Alt browser shortcut")
        );
    }

    #[test]
    fn chords_are_described_for_the_log() {
        let chord = |key, (ctrl, shift, alt)| Chord {
            key,
            ctrl,
            shift,
            alt,
            layout_character: false,
        };
        assert_eq!(describe(chord(key('I'), CTRL_SHIFT)), "Ctrl+Shift+I");
        assert_eq!(describe(chord(f(12), PLAIN)), "F12");
        assert_eq!(describe(chord(key('D'), ALT)), "Alt+D");
        assert_eq!(describe(chord(vk::APPS, PLAIN)), "Apps");
        assert_eq!(describe(chord(f(10), SHIFT)), "Shift+F10");
        assert_eq!(describe(chord(vk::LAUNCH_MAIL, PLAIN)), "key 0xB4");
        assert_eq!(describe(chord(key('Q'), ALT_GR)), "Ctrl+Alt+Q");
    }
}
