//! The WebBrowser control's life in our window: created, given the site, locked down (no drop
//! target, silent, no bars, not registered as a browser), connected to the events sink,
//! activated in place, pointed at the portal, and at the end disconnected and closed.

use std::rc::Rc;

use windows::Win32::Foundation::{VARIANT_FALSE, VARIANT_TRUE};
use windows::Win32::System::Com::{
    CoCreateInstance, IConnectionPoint, IConnectionPointContainer, CLSCTX_INPROC_SERVER,
};
use windows::Win32::System::Ole::{
    IOleClientSite, IOleControl, IOleInPlaceObject, IOleObject, OLECLOSE_NOSAVE,
    OLEIVERB_INPLACEACTIVATE, OLEIVERB_UIACTIVATE,
};
use windows::Win32::UI::Shell::{DWebBrowserEvents2, IWebBrowser2, WebBrowser};
use windows_core::{IUnknown, Interface, BSTR};

use super::doc_host::DISPID_AMBIENT_DLCONTROL;
use super::events::BrowserEvents;
use super::site::client_site;
use super::state::WindowState;

/// A failed step, as the text of `CloseReason::BrowserFailed`.
pub type StepFailure = String;

fn failed(step: &str, error: &windows_core::Error) -> StepFailure {
    format!("{step} failed: 0x{:08X}", error.code().0 as u32)
}

/// The control, while it is in our window. Dropping it disconnects and closes it.
pub struct Browser {
    web: IWebBrowser2,
    ole: IOleObject,
    site: IOleClientSite,
    events: Option<(IConnectionPoint, u32)>,
    state: Rc<WindowState>,
}

impl Browser {
    /// Creates the control in the frame's client area and connects everything that enforces
    /// the lockdown, before any page is loaded. Any failure closes what was opened.
    pub fn start(state: &Rc<WindowState>) -> Result<Self, StepFailure> {
        // SAFETY: COM is initialised on this thread (OleInitialize in `frame::run`).
        let web: IWebBrowser2 =
            unsafe { CoCreateInstance(&WebBrowser, None, CLSCTX_INPROC_SERVER) }
                .map_err(|error| failed("CoCreateInstance(CLSID_WebBrowser)", &error))?;
        let ole: IOleObject = web
            .cast()
            .map_err(|error| failed("IWebBrowser2 as IOleObject", &error))?;
        let site = client_site(Rc::clone(state));
        // SAFETY: ole and site are live interfaces on this thread.
        unsafe { ole.SetClientSite(&site) }
            .map_err(|error| failed("IOleObject::SetClientSite", &error))?;
        let mut browser = Self {
            web,
            ole,
            site,
            events: None,
            state: Rc::clone(state),
        };
        browser.lock_down()?;
        browser.connect_events()?;
        browser.activate()?;
        Ok(browser)
    }

    fn lock_down(&self) -> Result<(), StepFailure> {
        let web = &self.web;
        // The download-control ambient property (no ActiveX, no Java) is read from the site;
        // tell the control it is there before the first page. Not every version asks for the
        // notification, so its failure is only logged.
        if let Ok(control) = self.ole.cast::<IOleControl>() {
            // SAFETY: control is a live interface on this thread.
            if let Err(error) = unsafe { control.OnAmbientPropertyChange(DISPID_AMBIENT_DLCONTROL) }
            {
                self.state
                    .log(&failed("IOleControl::OnAmbientPropertyChange", &error));
            }
        }
        // These three enforce the lockdown: a failure is a failure to start.
        // SAFETY: web is a live IWebBrowser2 on this thread (so for every property call below).
        unsafe { web.SetRegisterAsDropTarget(VARIANT_FALSE) }
            .map_err(|error| failed("IWebBrowser2::put_RegisterAsDropTarget(false)", &error))?;
        // SAFETY: as above.
        unsafe { web.SetSilent(VARIANT_TRUE) }
            .map_err(|error| failed("IWebBrowser2::put_Silent(true)", &error))?;
        // SAFETY: as above.
        unsafe { web.SetRegisterAsBrowser(VARIANT_FALSE) }
            .map_err(|error| failed("IWebBrowser2::put_RegisterAsBrowser(false)", &error))?;
        // The bars belong to Internet Explorer's own frame; the control ignores them, but say so.
        let bars = [
            // SAFETY: as above.
            ("AddressBar", unsafe { web.SetAddressBar(VARIANT_FALSE) }),
            // SAFETY: as above.
            ("ToolBar", unsafe { web.SetToolBar(0) }),
            // SAFETY: as above.
            ("StatusBar", unsafe { web.SetStatusBar(VARIANT_FALSE) }),
            // SAFETY: as above.
            ("MenuBar", unsafe { web.SetMenuBar(VARIANT_FALSE) }),
        ];
        for (name, result) in bars {
            if let Err(error) = result {
                self.state
                    .log(&failed(&format!("IWebBrowser2::put_{name}(false)"), &error));
            }
        }
        Ok(())
    }

    /// Without the sink nothing filters navigation: no sink, no page.
    fn connect_events(&mut self) -> Result<(), StepFailure> {
        let container: IConnectionPointContainer = self
            .web
            .cast()
            .map_err(|error| failed("IWebBrowser2 as IConnectionPointContainer", &error))?;
        // SAFETY: container is live; the IID outlives the call.
        let point = unsafe { container.FindConnectionPoint(&DWebBrowserEvents2::IID) }
            .map_err(|error| failed("FindConnectionPoint(DWebBrowserEvents2)", &error))?;
        let sink: IUnknown = DWebBrowserEvents2::from(BrowserEvents::new(Rc::clone(&self.state)))
            .cast()
            .map_err(|error| failed("the events sink as IUnknown", &error))?;
        // SAFETY: point and sink are live interfaces on this thread.
        let cookie = unsafe { point.Advise(&sink) }
            .map_err(|error| failed("IConnectionPoint::Advise(DWebBrowserEvents2)", &error))?;
        self.events = Some((point, cookie));
        Ok(())
    }

    fn activate(&self) -> Result<(), StepFailure> {
        let rect = self.state.client_rect();
        // SAFETY: ole and site are live; rect outlives the call; the window is ours.
        unsafe {
            self.ole.DoVerb(
                OLEIVERB_INPLACEACTIVATE.0,
                std::ptr::null(),
                &self.site,
                0,
                self.state.hwnd(),
                &rect,
            )
        }
        .map_err(|error| failed("IOleObject::DoVerb(OLEIVERB_INPLACEACTIVATE)", &error))?;
        let in_place: IOleInPlaceObject = self
            .ole
            .cast()
            .map_err(|error| failed("IOleObject as IOleInPlaceObject", &error))?;
        self.state.set_in_place(Some(in_place));
        self.state.resize_browser();
        self.state.set_browser(self.web.cast::<IUnknown>().ok());
        Ok(())
    }

    /// Loads the first page (it goes past the gate like every other) and gives the control the
    /// keyboard.
    pub fn navigate(&self, url: &str) -> Result<(), StepFailure> {
        // SAFETY: web is live; the BSTR outlives the call.
        unsafe { self.web.Navigate(&BSTR::from(url), None, None, None, None) }
            .map_err(|error| failed("IWebBrowser2::Navigate", &error))?;
        let rect = self.state.client_rect();
        // SAFETY: as in `activate`.
        let focused = unsafe {
            self.ole.DoVerb(
                OLEIVERB_UIACTIVATE.0,
                std::ptr::null(),
                &self.site,
                0,
                self.state.hwnd(),
                &rect,
            )
        };
        if let Err(error) = focused {
            self.state
                .log(&failed("IOleObject::DoVerb(OLEIVERB_UIACTIVATE)", &error));
        }
        Ok(())
    }

    fn shut_down(&mut self) {
        if let Some((point, cookie)) = self.events.take() {
            // SAFETY: the connection this browser made; undone once.
            let _ = unsafe { point.Unadvise(cookie) };
        }
        self.state.release_browser();
        // SAFETY: ole is live; closing without saving and dropping our site are the documented
        // way for a container to let go of an embedded object.
        unsafe {
            let _ = self.web.Stop();
            let _ = self.ole.Close(OLECLOSE_NOSAVE);
            let _ = self.ole.SetClientSite(None);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shut_down();
    }
}
