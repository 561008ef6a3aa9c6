//! `IDocHostUIHandler`, `IDocHostShowUI` and `DOCHOSTUIINFO` (mshtmhst.h), which windows-rs
//! 0.61 does not carry: MSHTML asks the control's client site for these interfaces to learn
//! which menus, keys and host objects the page may have, and to let the host show (or not)
//! message boxes and help. The site implements them (`site.rs`, `show_ui.rs`).
// The COM method names are the interface's own (the vtable order is what matters; the names
// make the methods findable in Microsoft's documentation).
#![expect(non_snake_case)]
// `IDocHostShowUI::ShowMessage` has seven parameters besides `this`: the interface's, not ours.
#![allow(clippy::too_many_arguments)]

use std::ffi::c_void;

use windows::Win32::Foundation::{HWND, POINT, RECT};
use windows::Win32::UI::WindowsAndMessaging::MSG;
use windows_core::{interface, IUnknown, IUnknown_Vtbl, BOOL, GUID, HRESULT, PCWSTR, PWSTR};

/// `IDocHostUIHandler`, IID `{BD3F23C0-D43E-11CF-893B-00AA00BDCE1A}`. Interface arguments we
/// never use are raw pointers: nothing is AddRef'd or released on their behalf.
#[interface("bd3f23c0-d43e-11cf-893b-00aa00bdce1a")]
pub unsafe trait IDocHostUIHandler: IUnknown {
    fn ShowContextMenu(
        &self,
        id: u32,
        point: *const POINT,
        command_target: *mut c_void,
        object: *mut c_void,
    ) -> HRESULT;
    fn GetHostInfo(&self, info: *mut DocHostUiInfo) -> HRESULT;
    fn ShowUI(
        &self,
        id: u32,
        active_object: *mut c_void,
        command_target: *mut c_void,
        frame: *mut c_void,
        document: *mut c_void,
    ) -> HRESULT;
    fn HideUI(&self) -> HRESULT;
    fn UpdateUI(&self) -> HRESULT;
    fn EnableModeless(&self, enable: BOOL) -> HRESULT;
    fn OnDocWindowActivate(&self, activate: BOOL) -> HRESULT;
    fn OnFrameWindowActivate(&self, activate: BOOL) -> HRESULT;
    fn ResizeBorder(&self, border: *const RECT, ui_window: *mut c_void, frame: BOOL) -> HRESULT;
    fn TranslateAccelerator(
        &self,
        message: *const MSG,
        command_group: *const GUID,
        command_id: u32,
    ) -> HRESULT;
    fn GetOptionKeyPath(&self, key: *mut PWSTR, reserved: u32) -> HRESULT;
    fn GetDropTarget(&self, drop_target: *mut c_void, replacement: *mut *mut c_void) -> HRESULT;
    fn GetExternal(&self, external: *mut *mut c_void) -> HRESULT;
    fn TranslateUrl(&self, translate: u32, url_in: PCWSTR, url_out: *mut PWSTR) -> HRESULT;
    fn FilterDataObject(&self, data: *mut c_void, replacement: *mut *mut c_void) -> HRESULT;
}

/// `IDocHostShowUI`, IID `{C4D244B0-D43E-11CF-893B-00AA00BDCE1A}`: MSHTML asks it before it
/// shows a message box (`alert`, `confirm`, script and security messages) or help
/// (`window.showHelp`, F1). `S_OK` means "the host showed it", so MSHTML shows nothing.
#[interface("c4d244b0-d43e-11cf-893b-00aa00bdce1a")]
pub unsafe trait IDocHostShowUI: IUnknown {
    fn ShowMessage(
        &self,
        window: HWND,
        text: PCWSTR,
        caption: PCWSTR,
        kind: u32,
        help_file: PCWSTR,
        help_context: u32,
        result: *mut isize,
    ) -> HRESULT;
    fn ShowHelp(
        &self,
        window: HWND,
        help_file: PCWSTR,
        command: u32,
        data: u32,
        mouse: POINT,
        object_hit: *mut c_void,
    ) -> HRESULT;
}

/// `DOCHOSTUIINFO`.
#[repr(C)]
pub struct DocHostUiInfo {
    pub size: u32,
    pub flags: u32,
    pub double_click: u32,
    pub host_css: PWSTR,
    pub host_namespace: PWSTR,
}

// DOCHOSTUIFLAG values (mshtmhst.h).
pub const DOCHOSTUIFLAG_DISABLE_HELP_MENU: u32 = 0x2;
pub const DOCHOSTUIFLAG_NO3DBORDER: u32 = 0x4;
pub const DOCHOSTUIFLAG_THEME: u32 = 0x40000;
pub const DOCHOSTUIFLAG_NO3DOUTERBORDER: u32 = 0x20_0000;
pub const DOCHOSTUIFLAG_LOCAL_MACHINE_ACCESS_CHECK: u32 = 0x80_0000;
pub const DOCHOSTUIFLAG_DISABLE_UNTRUSTEDPROTOCOL: u32 = 0x100_0000;
/// Server redirects (3xx) raise `BeforeNavigate2` like any navigation, so the gate sees them.
pub const DOCHOSTUIFLAG_ENABLE_REDIRECT_NOTIFICATION: u32 = 0x400_0000;
/// `DOCHOSTUIDBLCLK_DEFAULT`: a double click does what it does in Internet Explorer.
pub const DOCHOSTUIDBLCLK_DEFAULT: u32 = 0;

/// `DISPID_AMBIENT_DLCONTROL` (mshtmdid.h): the control asks its site's `IDispatch` for this
/// ambient property to learn what a page may download and run.
pub const DISPID_AMBIENT_DLCONTROL: i32 = -5512;

// DLCTL values (mshtmdid.h).
pub const DLCTL_DLIMAGES: u32 = 0x10;
pub const DLCTL_VIDEOS: u32 = 0x20;
pub const DLCTL_BGSOUNDS: u32 = 0x40;
pub const DLCTL_NO_JAVA: u32 = 0x100;
pub const DLCTL_NO_RUNACTIVEXCTLS: u32 = 0x200;
pub const DLCTL_NO_DLACTIVEXCTLS: u32 = 0x400;
pub const DLCTL_SILENT: u32 = 0x4000_0000;
