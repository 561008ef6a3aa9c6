//! The site's `IOleCommandTarget` and `IDocHostShowUI`: the commands MSHTML sends its host
//! (print, page setup, save-as, open, find, view-source, properties, script errors) answered by
//! `commands`' table, and its message boxes and help never shown. Each refusal is logged.

use std::ffi::c_void;

use windows::Win32::Foundation::{E_POINTER, HWND, POINT, S_OK, VARIANT_TRUE};
use windows::Win32::System::Ole::{
    IOleCommandTarget_Impl, OLECMD, OLECMDERR_E_NOTSUPPORTED, OLECMDERR_E_UNKNOWNGROUP,
    OLECMDF_SUPPORTED, OLECMDTEXT,
};
use windows::Win32::System::Variant::VARIANT;
use windows_core::{GUID, HRESULT, PCWSTR};

use super::commands::{self, CommandAnswer, CommandGroup};
use super::doc_host::IDocHostShowUI_Impl;
use super::site::Site_Impl;
use super::{entry, entry_hresult};

/// `CGID_DocHostCommandHandler` (mshtmhst.h).
const CGID_DOC_HOST_COMMAND_HANDLER: GUID = GUID::from_u128(0xf38bc242_b950_11d1_8918_00c04fc2c836);
/// `CGID_MSHTML` (mshtmhst.h).
const CGID_MSHTML: GUID = GUID::from_u128(0xde4ba900_59ca_11cf_9592_444553540000);
/// `IDCANCEL`: what a suppressed message box "answered".
const IDCANCEL: isize = 2;

/// The group a command pointer names.
pub fn command_group(group: *const GUID) -> CommandGroup {
    // SAFETY: the caller's GUID pointer, valid for the call or null.
    match unsafe { group.as_ref() } {
        None => CommandGroup::Standard,
        Some(group) if *group == CGID_DOC_HOST_COMMAND_HANDLER => CommandGroup::DocHost,
        Some(group) if *group == CGID_MSHTML => CommandGroup::Mshtml,
        Some(_) => CommandGroup::Other,
    }
}

impl IOleCommandTarget_Impl for Site_Impl {
    fn QueryStatus(
        &self,
        group: *const GUID,
        count: u32,
        commands: *mut OLECMD,
        _text: *mut OLECMDTEXT,
    ) -> windows_core::Result<()> {
        entry("IOleCommandTarget::QueryStatus", self.state(), || {
            let group = command_group(group);
            if group == CommandGroup::Other {
                return Err(OLECMDERR_E_UNKNOWNGROUP.into());
            }
            if commands.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: `count` OLECMDs the caller owns for the call; null checked above.
            let commands = unsafe { std::slice::from_raw_parts_mut(commands, count as usize) };
            for command in commands {
                // Supported but not enabled: the command exists and is greyed out.
                command.cmdf = match commands::answer(group, command.cmdID) {
                    CommandAnswer::Swallow(_) => OLECMDF_SUPPORTED.0 as u32,
                    CommandAnswer::ContinueScripts | CommandAnswer::NotSupported => 0,
                };
            }
            Ok(())
        })
    }

    fn Exec(
        &self,
        group: *const GUID,
        id: u32,
        _options: u32,
        _input: *const VARIANT,
        output: *mut VARIANT,
    ) -> windows_core::Result<()> {
        entry("IOleCommandTarget::Exec", self.state(), || {
            let group = command_group(group);
            match commands::answer(group, id) {
                CommandAnswer::Swallow(what) => {
                    self.state()
                        .log(&format!("command refused: {what} ({group:?} command {id})"));
                    Ok(())
                }
                CommandAnswer::ContinueScripts => {
                    if !output.is_null() {
                        // SAFETY: the caller's empty out VARIANT, non-null.
                        unsafe { output.write(VARIANT::from(VARIANT_TRUE.as_bool())) };
                    }
                    self.state()
                        .log("script error: suppressed, scripts keep running");
                    Ok(())
                }
                CommandAnswer::NotSupported if group == CommandGroup::Other => {
                    Err(OLECMDERR_E_UNKNOWNGROUP.into())
                }
                CommandAnswer::NotSupported => Err(windows_core::Error::from_hresult(HRESULT(
                    OLECMDERR_E_NOTSUPPORTED,
                ))),
            }
        })
    }
}

impl IDocHostShowUI_Impl for Site_Impl {
    unsafe fn ShowMessage(
        &self,
        _window: HWND,
        _text: PCWSTR,
        _caption: PCWSTR,
        _kind: u32,
        _help_file: PCWSTR,
        _help_context: u32,
        result: *mut isize,
    ) -> HRESULT {
        // S_OK: "the host showed it". Nothing is shown: a message box is a window of its own,
        // and its text is the page's to choose.
        entry_hresult("IDocHostShowUI::ShowMessage", self.state(), || {
            // SAFETY: MSHTML's out-pointer, null-checked.
            if let Some(result) = unsafe { result.as_mut() } {
                *result = IDCANCEL;
            }
            self.state().log("message box suppressed");
            S_OK
        })
    }

    unsafe fn ShowHelp(
        &self,
        _window: HWND,
        _help_file: PCWSTR,
        _command: u32,
        _data: u32,
        _mouse: POINT,
        _object_hit: *mut c_void,
    ) -> HRESULT {
        // S_OK: "the host showed help", so HTML Help (a window with its own browser) never opens.
        entry_hresult("IDocHostShowUI::ShowHelp", self.state(), || {
            self.state().log("help suppressed");
            S_OK
        })
    }
}
