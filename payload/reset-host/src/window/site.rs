//! The container side of the WebBrowser control, without ATL: one object that is its client site,
//! in-place site and in-place frame (our top-level window), its `IDocHostUIHandler` (no context
//! menu, no help, no browser keys, an inert `window.external`, redirect notifications on), its
//! ambient-property `IDispatch` (no ActiveX controls or Java; silent), its `IServiceProvider`
//! (our security manager, `security.rs`), and its `IOleCommandTarget` and `IDocHostShowUI`
//! (`command_target.rs`).

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;

use windows::Win32::Foundation::{
    DISP_E_MEMBERNOTFOUND, DISP_E_UNKNOWNNAME, E_NOINTERFACE, E_NOTIMPL, E_POINTER, HWND,
    INPLACE_E_NOTOOLSPACE, POINT, RECT, SIZE, S_FALSE, S_OK,
};
use windows::Win32::System::Com::Urlmon::IInternetSecurityManager;
use windows::Win32::System::Com::{
    IDispatch, IDispatch_Impl, IMoniker, IServiceProvider, IServiceProvider_Impl, DISPATCH_FLAGS,
    DISPATCH_PROPERTYGET, DISPPARAMS, EXCEPINFO,
};
use windows::Win32::System::Ole::{
    IOleClientSite, IOleClientSite_Impl, IOleCommandTarget, IOleContainer, IOleInPlaceActiveObject,
    IOleInPlaceFrame, IOleInPlaceFrame_Impl, IOleInPlaceSite, IOleInPlaceSite_Impl,
    IOleInPlaceUIWindow, IOleInPlaceUIWindow_Impl, IOleWindow_Impl, OLEGETMONIKER,
    OLEINPLACEFRAMEINFO, OLEMENUGROUPWIDTHS, OLEWHICHMK,
};
use windows::Win32::System::Variant::VARIANT;
use windows::Win32::UI::WindowsAndMessaging::{HACCEL, HMENU, MSG};
use windows_core::{
    implement, IUnknownImpl, Interface, OutRef, Ref, BOOL, GUID, HRESULT, PCWSTR, PWSTR,
};

use super::close_reason::CloseReason;
use super::dispatch::without_type_info;
use super::doc_host::{
    DocHostUiInfo, IDocHostShowUI, IDocHostUIHandler, IDocHostUIHandler_Impl,
    DISPID_AMBIENT_DLCONTROL, DLCTL_BGSOUNDS, DLCTL_DLIMAGES, DLCTL_NO_DLACTIVEXCTLS,
    DLCTL_NO_JAVA, DLCTL_NO_RUNACTIVEXCTLS, DLCTL_SILENT, DLCTL_VIDEOS, DOCHOSTUIDBLCLK_DEFAULT,
    DOCHOSTUIFLAG_DISABLE_HELP_MENU, DOCHOSTUIFLAG_DISABLE_UNTRUSTEDPROTOCOL,
    DOCHOSTUIFLAG_ENABLE_REDIRECT_NOTIFICATION, DOCHOSTUIFLAG_LOCAL_MACHINE_ACCESS_CHECK,
    DOCHOSTUIFLAG_NO3DBORDER, DOCHOSTUIFLAG_NO3DOUTERBORDER, DOCHOSTUIFLAG_THEME,
};
use super::frame::chord_of;
use super::keys::{self, KeyVerdict};
use super::security::security_manager;
use super::state::WindowState;
use super::{entry, entry_hresult};

/// What the page gets from MSHTML. `ENABLE_FORMS_AUTOCOMPLETE` is left out on purpose: nothing
/// typed at the sign-in screen is remembered for the next user. `ENABLE_REDIRECT_NOTIFICATION`
/// makes every server redirect a `BeforeNavigate2`, so the gate sees it.
pub const HOST_UI_FLAGS: u32 = DOCHOSTUIFLAG_DISABLE_HELP_MENU
    | DOCHOSTUIFLAG_ENABLE_REDIRECT_NOTIFICATION
    | DOCHOSTUIFLAG_NO3DBORDER
    | DOCHOSTUIFLAG_NO3DOUTERBORDER
    | DOCHOSTUIFLAG_THEME
    | DOCHOSTUIFLAG_LOCAL_MACHINE_ACCESS_CHECK
    | DOCHOSTUIFLAG_DISABLE_UNTRUSTEDPROTOCOL;

/// What a page may download and run: images, video and sound yes; ActiveX controls and Java
/// applets never (neither run nor downloaded); no dialogs from the download machinery.
const DOWNLOAD_CONTROL: u32 = DLCTL_DLIMAGES
    | DLCTL_VIDEOS
    | DLCTL_BGSOUNDS
    | DLCTL_NO_JAVA
    | DLCTL_NO_RUNACTIVEXCTLS
    | DLCTL_NO_DLACTIVEXCTLS
    | DLCTL_SILENT;

/// `Agile = false`: calls stay on the UI thread that owns the `Rc`s inside.
#[implement(
    IOleClientSite,
    IOleInPlaceSite,
    IOleInPlaceFrame,
    IDocHostUIHandler,
    IDocHostShowUI,
    IOleCommandTarget,
    IServiceProvider,
    IDispatch,
    Agile = false
)]
pub struct Site {
    state: Rc<WindowState>,
    /// The download-control answer is logged once, not on every navigation.
    told_download_control: Cell<bool>,
}

impl Site {
    pub fn new(state: Rc<WindowState>) -> Self {
        Self {
            state,
            told_download_control: Cell::new(false),
        }
    }
}

impl Site_Impl {
    pub fn state(&self) -> &WindowState {
        &self.state
    }

    /// The same decision table the message loop applies, for the keys the control asks us about.
    fn judge_key(&self, message: *const MSG) -> KeyVerdict {
        // SAFETY: the control passes its current message, valid for the call; null is checked.
        let Some(chord) = unsafe { message.as_ref() }.and_then(chord_of) else {
            return KeyVerdict::Pass;
        };
        let verdict = keys::judge(chord);
        match verdict {
            KeyVerdict::Block(what) => self
                .state
                .log(&format!("key blocked: {} ({what})", keys::describe(chord))),
            KeyVerdict::Close => self.state.request_close(CloseReason::Escape),
            KeyVerdict::Pass => {}
        }
        verdict
    }
}

impl IOleWindow_Impl for Site_Impl {
    fn GetWindow(&self) -> windows_core::Result<HWND> {
        entry("IOleWindow::GetWindow", &self.state, || {
            Ok(self.state.hwnd())
        })
    }

    fn ContextSensitiveHelp(&self, _enter: BOOL) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }
}

impl IOleClientSite_Impl for Site_Impl {
    fn SaveObject(&self) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }

    fn GetMoniker(
        &self,
        _assign: &OLEGETMONIKER,
        _which: &OLEWHICHMK,
    ) -> windows_core::Result<IMoniker> {
        Err(E_NOTIMPL.into())
    }

    fn GetContainer(&self) -> windows_core::Result<IOleContainer> {
        // No container document: the control is the only object in this window.
        Err(E_NOINTERFACE.into())
    }

    fn ShowObject(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn OnShowWindow(&self, _show: BOOL) -> windows_core::Result<()> {
        Ok(())
    }

    fn RequestNewObjectLayout(&self) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }
}

impl IOleInPlaceSite_Impl for Site_Impl {
    fn CanInPlaceActivate(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn OnInPlaceActivate(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn OnUIActivate(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn GetWindowContext(
        &self,
        frame: OutRef<'_, IOleInPlaceFrame>,
        document: OutRef<'_, IOleInPlaceUIWindow>,
        position: *mut RECT,
        clip: *mut RECT,
        frame_info: *mut OLEINPLACEFRAMEINFO,
    ) -> windows_core::Result<()> {
        entry("IOleInPlaceSite::GetWindowContext", &self.state, || {
            if position.is_null() || clip.is_null() || frame_info.is_null() {
                return Err(E_POINTER.into());
            }
            let this_frame: IOleInPlaceFrame = self.to_object().to_interface();
            frame.write(Some(this_frame))?;
            // No separate document window: the frame is the document window.
            document.write(None)?;
            let rect = self.state.client_rect();
            // SAFETY: the three out-pointers are non-null (checked above) and the control's to
            // fill; `cb` is the control's and stays as it set it.
            unsafe {
                *position = rect;
                *clip = rect;
                (*frame_info).fMDIApp = BOOL(0);
                (*frame_info).hwndFrame = self.state.hwnd();
                (*frame_info).haccel = HACCEL::default();
                (*frame_info).cAccelEntries = 0;
            }
            Ok(())
        })
    }

    fn Scroll(&self, _extent: &SIZE) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }

    fn OnUIDeactivate(&self, _undoable: BOOL) -> windows_core::Result<()> {
        Ok(())
    }

    fn OnInPlaceDeactivate(&self) -> windows_core::Result<()> {
        entry("IOleInPlaceSite::OnInPlaceDeactivate", &self.state, || {
            self.state.set_active_object(None);
            Ok(())
        })
    }

    fn DiscardUndoState(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn DeactivateAndUndo(&self) -> windows_core::Result<()> {
        Ok(())
    }

    fn OnPosRectChange(&self, _position: *const RECT) -> windows_core::Result<()> {
        // The control always fills the client area; the frame's WM_SIZE sets its rectangle.
        entry("IOleInPlaceSite::OnPosRectChange", &self.state, || {
            self.state.resize_browser();
            Ok(())
        })
    }
}

impl IOleInPlaceUIWindow_Impl for Site_Impl {
    fn GetBorder(&self) -> windows_core::Result<RECT> {
        Err(INPLACE_E_NOTOOLSPACE.into())
    }

    fn RequestBorderSpace(&self, _widths: *const RECT) -> windows_core::Result<()> {
        // No toolbars of the control's in our window.
        Err(INPLACE_E_NOTOOLSPACE.into())
    }

    fn SetBorderSpace(&self, _widths: *const RECT) -> windows_core::Result<()> {
        Ok(())
    }

    fn SetActiveObject(
        &self,
        active: Ref<'_, IOleInPlaceActiveObject>,
        _name: &PCWSTR,
    ) -> windows_core::Result<()> {
        entry("IOleInPlaceUIWindow::SetActiveObject", &self.state, || {
            self.state.set_active_object(active.cloned());
            Ok(())
        })
    }
}

impl IOleInPlaceFrame_Impl for Site_Impl {
    fn InsertMenus(
        &self,
        _shared: HMENU,
        _widths: *mut OLEMENUGROUPWIDTHS,
    ) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }

    fn SetMenu(
        &self,
        _shared: HMENU,
        _descriptor: isize,
        _active: HWND,
    ) -> windows_core::Result<()> {
        // No menu bar: the control's menus are never merged into our window.
        Ok(())
    }

    fn RemoveMenus(&self, _shared: HMENU) -> windows_core::Result<()> {
        Err(E_NOTIMPL.into())
    }

    fn SetStatusText(&self, _text: &PCWSTR) -> windows_core::Result<()> {
        Ok(())
    }

    fn EnableModeless(&self, _enable: BOOL) -> windows_core::Result<()> {
        Ok(())
    }

    fn TranslateAccelerator(&self, message: *const MSG, _id: u16) -> windows_core::Result<()> {
        entry(
            "IOleInPlaceFrame::TranslateAccelerator",
            &self.state,
            || {
                // S_OK: "the frame handled it", so the control drops it; S_FALSE: not ours.
                match self.judge_key(message) {
                    KeyVerdict::Pass => Err(windows_core::Error::from_hresult(S_FALSE)),
                    KeyVerdict::Close | KeyVerdict::Block(_) => Ok(()),
                }
            },
        )
    }
}

impl IDocHostUIHandler_Impl for Site_Impl {
    unsafe fn ShowContextMenu(
        &self,
        _id: u32,
        _point: *const POINT,
        _command_target: *mut c_void,
        _object: *mut c_void,
    ) -> HRESULT {
        // S_OK: "the host showed its menu". It showed none: no View Source, Print, Save Target.
        entry_hresult("IDocHostUIHandler::ShowContextMenu", &self.state, || {
            self.state.log("context menu suppressed");
            S_OK
        })
    }

    unsafe fn GetHostInfo(&self, info: *mut DocHostUiInfo) -> HRESULT {
        entry_hresult("IDocHostUIHandler::GetHostInfo", &self.state, || {
            // SAFETY: MSHTML passes its DOCHOSTUIINFO; null is checked and `size` says how much
            // of it there is. Only the flags and the double-click behaviour are written: the
            // two string pointers would have to be CoTaskMemAlloc'd, and stay null.
            let Some(info) = (unsafe { info.as_mut() }) else {
                return E_POINTER;
            };
            if (info.size as usize) < std::mem::offset_of!(DocHostUiInfo, host_css) {
                return E_POINTER;
            }
            info.flags = HOST_UI_FLAGS;
            info.double_click = DOCHOSTUIDBLCLK_DEFAULT;
            S_OK
        })
    }

    unsafe fn ShowUI(
        &self,
        _id: u32,
        _active_object: *mut c_void,
        _command_target: *mut c_void,
        _frame: *mut c_void,
        _document: *mut c_void,
    ) -> HRESULT {
        // S_OK: "the host shows its own UI", so MSHTML adds no menus or toolbars of its own.
        S_OK
    }

    unsafe fn HideUI(&self) -> HRESULT {
        S_OK
    }

    unsafe fn UpdateUI(&self) -> HRESULT {
        S_OK
    }

    unsafe fn EnableModeless(&self, _enable: BOOL) -> HRESULT {
        S_OK
    }

    unsafe fn OnDocWindowActivate(&self, _activate: BOOL) -> HRESULT {
        S_OK
    }

    unsafe fn OnFrameWindowActivate(&self, _activate: BOOL) -> HRESULT {
        S_OK
    }

    unsafe fn ResizeBorder(
        &self,
        _border: *const RECT,
        _ui_window: *mut c_void,
        _frame: BOOL,
    ) -> HRESULT {
        S_OK
    }

    unsafe fn TranslateAccelerator(
        &self,
        message: *const MSG,
        _command_group: *const GUID,
        _command_id: u32,
    ) -> HRESULT {
        // S_OK: "handled", MSHTML drops the key; S_FALSE: MSHTML processes it as usual.
        entry_hresult(
            "IDocHostUIHandler::TranslateAccelerator",
            &self.state,
            || match self.judge_key(message) {
                KeyVerdict::Pass => S_FALSE,
                KeyVerdict::Close | KeyVerdict::Block(_) => S_OK,
            },
        )
    }

    unsafe fn GetOptionKeyPath(&self, key: *mut PWSTR, _reserved: u32) -> HRESULT {
        // S_FALSE with no path: Internet Explorer's own settings.
        entry_hresult("IDocHostUIHandler::GetOptionKeyPath", &self.state, || {
            // SAFETY: MSHTML's out-pointer, null-checked.
            if let Some(key) = unsafe { key.as_mut() } {
                *key = PWSTR::null();
            }
            S_FALSE
        })
    }

    unsafe fn GetDropTarget(
        &self,
        _drop_target: *mut c_void,
        _replacement: *mut *mut c_void,
    ) -> HRESULT {
        // RegisterAsDropTarget is off, so MSHTML registers no drop target to replace.
        E_NOTIMPL
    }

    unsafe fn GetExternal(&self, external: *mut *mut c_void) -> HRESULT {
        // Without a host object, the control answers `window.external` with its own, whose
        // ShowBrowserUI and AddFavorite open Internet Explorer dialogs. Ours has no members.
        entry_hresult("IDocHostUIHandler::GetExternal", &self.state, || {
            if external.is_null() {
                return E_POINTER;
            }
            let inert: IDispatch = InertExternal.into();
            // SAFETY: the non-null out-pointer receives the reference into_raw gives up.
            unsafe { *external = inert.into_raw() };
            S_OK
        })
    }

    unsafe fn TranslateUrl(
        &self,
        _translate: u32,
        _url_in: PCWSTR,
        url_out: *mut PWSTR,
    ) -> HRESULT {
        entry_hresult("IDocHostUIHandler::TranslateUrl", &self.state, || {
            // SAFETY: MSHTML's out-pointer, null-checked.
            if let Some(url_out) = unsafe { url_out.as_mut() } {
                *url_out = PWSTR::null();
            }
            S_FALSE
        })
    }

    unsafe fn FilterDataObject(
        &self,
        _data: *mut c_void,
        replacement: *mut *mut c_void,
    ) -> HRESULT {
        entry_hresult("IDocHostUIHandler::FilterDataObject", &self.state, || {
            // SAFETY: MSHTML's out-pointer, null-checked.
            if let Some(replacement) = unsafe { replacement.as_mut() } {
                *replacement = std::ptr::null_mut();
            }
            S_FALSE
        })
    }
}

impl IDispatch_Impl for Site_Impl {
    without_type_info!(E_NOTIMPL);

    /// Ambient properties: only `DISPID_AMBIENT_DLCONTROL` is ours; every other one keeps the
    /// control's default (`DISP_E_MEMBERNOTFOUND`).
    fn Invoke(
        &self,
        id: i32,
        _interface: *const GUID,
        _locale: u32,
        flags: DISPATCH_FLAGS,
        _params: *const DISPPARAMS,
        result: *mut VARIANT,
        _exception: *mut EXCEPINFO,
        _bad_argument: *mut u32,
    ) -> windows_core::Result<()> {
        entry(
            "IDispatch::Invoke (ambient properties)",
            &self.state,
            || {
                if id != DISPID_AMBIENT_DLCONTROL || flags.0 & DISPATCH_PROPERTYGET.0 == 0 {
                    return Err(DISP_E_MEMBERNOTFOUND.into());
                }
                if result.is_null() {
                    return Err(E_POINTER.into());
                }
                // SAFETY: the caller's result VARIANT, non-null; written without reading or
                // clearing what was there (the caller passes it empty).
                unsafe { result.write(VARIANT::from(DOWNLOAD_CONTROL as i32)) };
                if !self.told_download_control.replace(true) {
                    self.state
                        .log("the control asked for download control: no ActiveX, no Java, silent");
                }
                Ok(())
            },
        )
    }
}

impl IServiceProvider_Impl for Site_Impl {
    /// Only the security manager is ours; every other service keeps the control's default.
    fn QueryService(
        &self,
        service: *const GUID,
        interface: *const GUID,
        object: *mut *mut c_void,
    ) -> windows_core::Result<()> {
        entry("IServiceProvider::QueryService", &self.state, || {
            if object.is_null() || service.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: the out-pointer is the caller's, non-null; cleared before any answer.
            unsafe { *object = std::ptr::null_mut() };
            // SAFETY: the service GUID pointer is the caller's, non-null.
            if unsafe { *service } != IInternetSecurityManager::IID {
                return Err(E_NOINTERFACE.into());
            }
            let manager = security_manager(Rc::clone(&self.state));
            // SAFETY: query writes the requested interface (AddRef'd) or null into `object`.
            unsafe { manager.query(interface, object) }.ok()
        })
    }
}

/// `window.external` for the page: an object with no members, so script finds nothing there.
#[implement(IDispatch, Agile = false)]
struct InertExternal;

impl IDispatch_Impl for InertExternal_Impl {
    without_type_info!(DISP_E_UNKNOWNNAME);

    fn Invoke(
        &self,
        _id: i32,
        _interface: *const GUID,
        _locale: u32,
        _flags: DISPATCH_FLAGS,
        _params: *const DISPPARAMS,
        _result: *mut VARIANT,
        _exception: *mut EXCEPINFO,
        _bad_argument: *mut u32,
    ) -> windows_core::Result<()> {
        Err(DISP_E_MEMBERNOTFOUND.into())
    }
}

/// The site as the `IOleClientSite` the control is given.
pub fn client_site(state: Rc<WindowState>) -> IOleClientSite {
    Site::new(state).into()
}
