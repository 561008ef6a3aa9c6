//! The window's COM objects called directly, without a page: what tests can check where no
//! engine renders one (Wine without Gecko). The site hands out the security manager through
//! its `IServiceProvider`, answers commands as an `IOleCommandTarget` and message boxes and
//! help as an `IDocHostShowUI`, and the events sink re-checks completed navigations: each is
//! called here as MSHTML would call it, and the answers come back as `(name, value)` pairs.

use std::rc::Rc;
use std::time::Duration;

use windows::Win32::Foundation::{HWND, POINT};
use windows::Win32::System::Com::Urlmon::IInternetSecurityManager;
use windows::Win32::System::Com::{IServiceProvider, DISPPARAMS};
use windows::Win32::System::Ole::{IOleClientSite, IOleCommandTarget};
use windows::Win32::System::Variant::{VARIANT, VT_BOOL};
use windows::Win32::Web::InternetExplorer::{DISPID_DOCUMENTCOMPLETE, DISPID_NAVIGATECOMPLETE2};
use windows_core::{Interface, BSTR, GUID, HRESULT, PCWSTR};

use super::doc_host::{DocHostUiInfo, IDocHostShowUI, IDocHostUIHandler};
use super::event_args::EventArgs;
use super::events::BrowserEvents;
use super::gate_slot::GateLease;
use super::site::client_site;
use super::state::WindowState;
use super::Gate;

/// `CGID_MSHTML` (mshtmhst.h).
const CGID_MSHTML: GUID = GUID::from_u128(0xde4ba900_59ca_11cf_9592_444553540000);
/// `CGID_DocHostCommandHandler` (mshtmhst.h).
const CGID_DOC_HOST: GUID = GUID::from_u128(0xf38bc242_b950_11d1_8918_00c04fc2c836);

fn hex(result: HRESULT) -> String {
    format!("0x{:08X}", result.0 as u32)
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Calls each object as MSHTML would, with `gate` as the policy; one pair per answer.
pub fn exercise(gate: impl Gate + 'static) -> windows_core::Result<Vec<(String, String)>> {
    let lease = GateLease::new(Rc::new(gate));
    let mut out = Vec::new();
    let mut put = |name: &str, value: String| out.push((name.to_owned(), value));

    let state = Rc::new(WindowState::new(
        lease.slot(),
        None,
        Duration::from_secs(60),
    ));
    let site: IOleClientSite = client_site(Rc::clone(&state));

    // The host flags MSHTML reads. Raw vtable calls throughout: the wrappers fold S_FALSE
    // into Ok, and the answers are compared exactly.
    let handler: IDocHostUIHandler = site.cast()?;
    let mut info = DocHostUiInfo {
        size: std::mem::size_of::<DocHostUiInfo>() as u32,
        flags: 0,
        double_click: 0,
        host_css: windows_core::PWSTR::null(),
        host_namespace: windows_core::PWSTR::null(),
    };
    // SAFETY: info is a complete DOCHOSTUIINFO of the size it declares.
    let got = unsafe {
        (Interface::vtable(&handler).GetHostInfo)(Interface::as_raw(&handler), &mut info)
    };
    put(
        "host_info",
        format!("{} flags=0x{:08X}", hex(got), info.flags),
    );

    // The security manager, asked for as MSHTML does.
    let provider: IServiceProvider = site.cast()?;
    // SAFETY: the service GUID is valid for the call.
    let manager: IInternetSecurityManager =
        unsafe { provider.QueryService(&IInternetSecurityManager::IID) }?;
    for (name, url) in [
        ("zone.portal", "https://passwordreset.microsoftonline.com/"),
        ("zone.cdn_script", "https://ajax.aspnetcdn.com/ajax/x.js"),
        ("zone.outside", "https://evil.test/"),
    ] {
        let url = wide(url);
        let mut zone = 0u32;
        // SAFETY: a NUL-terminated URL and a writable zone, both outliving the call.
        let result = unsafe {
            (Interface::vtable(&manager).MapUrlToZone)(
                Interface::as_raw(&manager),
                PCWSTR(url.as_ptr()),
                &mut zone,
                0,
            )
        };
        put(name, format!("{} zone={zone}", hex(result)));
    }
    for (name, url, action) in [
        (
            "action.portal_file_download",
            "https://passwordreset.microsoftonline.com/",
            0x1803,
        ),
        (
            "action.portal_credentials",
            "https://passwordreset.microsoftonline.com/",
            0x1A00,
        ),
        (
            "action.portal_script",
            "https://passwordreset.microsoftonline.com/",
            0x1400,
        ),
        ("action.outside_script", "https://evil.test/", 0x1400),
    ] {
        let url = wide(url);
        let mut policy = 0xFFFF_FFFFu32;
        // SAFETY: the policy buffer is 4 writable bytes; no context.
        let result = unsafe {
            (Interface::vtable(&manager).ProcessUrlAction)(
                Interface::as_raw(&manager),
                PCWSTR(url.as_ptr()),
                action,
                std::ptr::from_mut(&mut policy).cast(),
                4,
                std::ptr::null(),
                0,
                0,
                0,
            )
        };
        put(name, format!("{} policy=0x{policy:X}", hex(result)));
    }

    // Commands MSHTML sends its host.
    let target: IOleCommandTarget = site.cast()?;
    let mut output = VARIANT::default();
    for (name, group, id) in [
        ("command.print", None, 6u32),
        ("command.save_as", None, 4),
        ("command.view_source", Some(CGID_MSHTML), 2139),
        ("command.show_find", Some(CGID_DOC_HOST), 42),
        ("command.zoom", None, 63),
        ("command.script_error", Some(CGID_DOC_HOST), 40),
    ] {
        let group_pointer = group.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
        // SAFETY: the group GUID (or null) and the output VARIANT outlive the call.
        let result = unsafe {
            (Interface::vtable(&target).Exec)(
                Interface::as_raw(&target),
                group_pointer,
                id,
                0,
                std::ptr::null(),
                &mut output,
            )
        };
        put(name, hex(result));
    }
    // Read by hand: windows-rs converts through propsys.dll, which Windows 7 has but Wine
    // lacks the function of.
    // SAFETY: the union field is read under its own type tag.
    let continues = unsafe {
        let inner = &output.Anonymous.Anonymous;
        inner.vt == VT_BOOL && inner.Anonymous.boolVal.as_bool()
    };
    put("command.script_error_continue", continues.to_string());

    // Message boxes and help.
    let show_ui: IDocHostShowUI = site.cast()?;
    let text = wide("from the page");
    let mut answer = 0isize;
    // SAFETY: the strings outlive the call; the result is writable.
    let shown = unsafe {
        (Interface::vtable(&show_ui).ShowMessage)(
            Interface::as_raw(&show_ui),
            HWND::default(),
            PCWSTR(text.as_ptr()),
            PCWSTR(text.as_ptr()),
            0,
            PCWSTR::null(),
            0,
            &mut answer,
        )
    };
    put("show_message", format!("{} result={answer}", hex(shown)));
    // SAFETY: no strings or objects are read by the site.
    let help = unsafe {
        (Interface::vtable(&show_ui).ShowHelp)(
            Interface::as_raw(&show_ui),
            HWND::default(),
            PCWSTR::null(),
            0,
            0,
            POINT::default(),
            std::ptr::null_mut(),
        )
    };
    put("show_help", hex(help));

    // A navigation that completed on an allowed URL, then one that completed elsewhere.
    let events = BrowserEvents::new(Rc::clone(&state));
    for (name, id, url) in [
        (
            "complete.allowed",
            DISPID_DOCUMENTCOMPLETE,
            "https://passwordreset.microsoftonline.com/",
        ),
        (
            "complete.redirected",
            DISPID_NAVIGATECOMPLETE2,
            "https://evil.test/landing",
        ),
    ] {
        // Invoke's arguments come last-first: URL, then pDisp (none: a frame's view).
        let mut arguments = [VARIANT::from(BSTR::from(url)), VARIANT::default()];
        let params = DISPPARAMS {
            rgvarg: arguments.as_mut_ptr(),
            rgdispidNamedArgs: std::ptr::null_mut(),
            cArgs: 2,
            cNamedArgs: 0,
        };
        // SAFETY: params and its two VARIANTs outlive the call.
        let args = unsafe { EventArgs::new(&params) };
        events.on_event(id, &args);
        put(
            name,
            state
                .peek_close_reason()
                .map_or("open".to_owned(), |r| r.to_string()),
        );
    }
    drop(events);
    state.release_browser();
    Ok(out)
}
