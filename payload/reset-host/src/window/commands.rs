//! What the site's `IOleCommandTarget` (`command_target.rs`) does with the commands MSHTML and
//! the control send their host: print, page setup, save-as, open, find, view-source and
//! properties are swallowed (answered "done", nothing shown); script errors are answered
//! "keep running, show nothing"; everything else is "not supported". Pure, tested on Linux.

/// The command group a command comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandGroup {
    /// No group: the standard `OLECMDID_*` commands.
    Standard,
    /// `CGID_DocHostCommandHandler`: what MSHTML asks its host to show.
    DocHost,
    /// `CGID_MSHTML`: MSHTML's own `IDM_*` commands.
    Mshtml,
    /// Any other group.
    Other,
}

/// The answer to one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandAnswer {
    /// `S_OK` without doing anything; the text names what was refused, for the log.
    Swallow(&'static str),
    /// `OLECMDID_SHOWSCRIPTERROR`: `S_OK` with `pvaOut = VARIANT_TRUE` (keep running scripts),
    /// no dialog.
    ContinueScripts,
    /// `OLECMDERR_E_NOTSUPPORTED`: the control does what it does without a host.
    NotSupported,
}

// OLECMDID values (docobj.h).
const OPEN: u32 = 1;
const NEW: u32 = 2;
const SAVE: u32 = 3;
const SAVEAS: u32 = 4;
const SAVECOPYAS: u32 = 5;
const PRINT: u32 = 6;
const PRINTPREVIEW: u32 = 7;
const PAGESETUP: u32 = 8;
const PROPERTIES: u32 = 10;
const FIND: u32 = 32;
const SHOWSCRIPTERROR: u32 = 40;
const SHOWMESSAGE: u32 = 41;
const SHOWFIND: u32 = 42;
const SHOWPAGESETUP: u32 = 43;
const SHOWPRINT: u32 = 44;
const PRINT2: u32 = 49;
const PRINTPREVIEW2: u32 = 50;

// IDM values (mshtmcid.h).
const IDM_PRINT: u32 = 27;
const IDM_PROPERTIES: u32 = 28;
const IDM_FIND: u32 = 67;
const IDM_SAVE: u32 = 70;
const IDM_SAVEAS: u32 = 71;
const IDM_OPEN: u32 = 2000;
const IDM_NEW: u32 = 2001;
const IDM_PRINTPREVIEW: u32 = 2003;
const IDM_PAGESETUP: u32 = 2004;
const IDM_VIEWSOURCE: u32 = 2139;

/// The answer for command `id` in `group`.
pub fn answer(group: CommandGroup, id: u32) -> CommandAnswer {
    let swallowed = match (group, id) {
        (CommandGroup::Standard | CommandGroup::DocHost, _) => match id {
            OPEN | NEW => "the open dialog",
            SAVE | SAVEAS | SAVECOPYAS => "the save dialog",
            PRINT | PRINT2 | SHOWPRINT => "the print dialog",
            PRINTPREVIEW | PRINTPREVIEW2 => "print preview",
            PAGESETUP | SHOWPAGESETUP => "the page setup dialog",
            PROPERTIES => "the properties dialog",
            FIND | SHOWFIND => "the find dialog",
            SHOWMESSAGE => "a message box",
            SHOWSCRIPTERROR if group == CommandGroup::DocHost => {
                return CommandAnswer::ContinueScripts
            }
            _ => return CommandAnswer::NotSupported,
        },
        (CommandGroup::Mshtml, _) => match id {
            IDM_OPEN | IDM_NEW => "the open dialog",
            IDM_SAVE | IDM_SAVEAS => "the save dialog",
            IDM_PRINT => "the print dialog",
            IDM_PRINTPREVIEW => "print preview",
            IDM_PAGESETUP => "the page setup dialog",
            IDM_PROPERTIES => "the properties dialog",
            IDM_FIND => "the find dialog",
            IDM_VIEWSOURCE => "view source",
            _ => return CommandAnswer::NotSupported,
        },
        (CommandGroup::Other, _) => return CommandAnswer::NotSupported,
    };
    CommandAnswer::Swallow(swallowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialogs_are_swallowed_in_every_group_that_names_them() {
        for (group, id, what) in [
            (CommandGroup::Standard, 1, "the open dialog"),
            (CommandGroup::Standard, 4, "the save dialog"),
            (CommandGroup::Standard, 6, "the print dialog"),
            (CommandGroup::Standard, 8, "the page setup dialog"),
            (CommandGroup::Standard, 10, "the properties dialog"),
            (CommandGroup::Standard, 32, "the find dialog"),
            (CommandGroup::DocHost, 41, "a message box"),
            (CommandGroup::DocHost, 42, "the find dialog"),
            (CommandGroup::DocHost, 43, "the page setup dialog"),
            (CommandGroup::DocHost, 44, "the print dialog"),
            (CommandGroup::Mshtml, 2139, "view source"),
            (CommandGroup::Mshtml, 27, "the print dialog"),
            (CommandGroup::Mshtml, 71, "the save dialog"),
            (CommandGroup::Mshtml, 2000, "the open dialog"),
            (CommandGroup::Mshtml, 2004, "the page setup dialog"),
            (CommandGroup::Mshtml, 67, "the find dialog"),
            (CommandGroup::Mshtml, 28, "the properties dialog"),
        ] {
            assert_eq!(
                answer(group, id),
                CommandAnswer::Swallow(what),
                "{group:?} {id}"
            );
        }
    }

    #[test]
    fn script_errors_keep_scripts_running_silently() {
        assert_eq!(
            answer(CommandGroup::DocHost, 40),
            CommandAnswer::ContinueScripts
        );
    }

    #[test]
    fn other_commands_are_not_ours() {
        for (group, id) in [
            (CommandGroup::Standard, 40),
            (CommandGroup::Standard, 22),
            (CommandGroup::Mshtml, 15),
            (CommandGroup::Other, 6),
            (CommandGroup::Other, 2139),
        ] {
            assert_eq!(
                answer(group, id),
                CommandAnswer::NotSupported,
                "{group:?} {id}"
            );
        }
    }
}
