//! Process-wide settings the control reads when it starts, applied before it exists: Internet
//! Explorer's feature controls (`ie_features`) and the proxy. Automatic proxy discovery (WPAD)
//! and proxy auto-config scripts are turned off for the process: whoever answers the WPAD query
//! on the network (anyone, on a café's network) would otherwise choose where every request of
//! the sign-in screen goes and run their script in the proxy resolver. A static proxy the
//! administrator set is kept.

use windows::Win32::Foundation::{GlobalFree, HGLOBAL};
use windows::Win32::Networking::WinHttp::{
    WinHttpGetIEProxyConfigForCurrentUser, WINHTTP_CURRENT_USER_IE_PROXY_CONFIG,
};
use windows::Win32::Networking::WinInet::{
    INTERNET_OPEN_TYPE_DIRECT, INTERNET_OPEN_TYPE_PROXY, INTERNET_OPTION_PROXY, INTERNET_PROXY_INFO,
};
use windows::Win32::System::Com::Urlmon::{
    CoInternetSetFeatureEnabled, UrlMkSetSessionOption, INTERNETFEATURELIST, SET_FEATURE_ON_PROCESS,
};
use windows_core::PWSTR;

use super::ie_features::LOCKDOWN_FEATURES;
use super::state::WindowState;

/// Applies both, logging what was set; the first failure is the window's failure to start.
pub fn apply(state: &WindowState) -> Result<(), String> {
    let features = enable_features()?;
    state.log(&format!(
        "{features} Internet Explorer lock-down features on for the process"
    ));
    // Not fatal: the proxy choice is defence in depth (the policy and the security manager
    // gate every URL whichever route it takes), and Wine's urlmon refuses the option
    // (E_INVALIDARG) although Windows documents it. The log says so either way.
    match proxy_without_discovery() {
        Ok(proxy) => state.log(&format!(
            "proxy: {proxy}; automatic discovery (WPAD) and auto-config scripts off"
        )),
        Err(failure) => state.log(&format!(
            "proxy: {failure}; automatic proxy discovery could not be turned off"
        )),
    }
    Ok(())
}

/// Turns every lock-down feature on for this process; the first failure is returned, naming it.
pub fn enable_features() -> Result<usize, String> {
    for feature in LOCKDOWN_FEATURES {
        // SAFETY: a plain call with a feature value urlmon knows (all below FEATURE_ENTRY_COUNT).
        unsafe {
            CoInternetSetFeatureEnabled(
                INTERNETFEATURELIST(feature.id),
                SET_FEATURE_ON_PROCESS,
                true,
            )
        }
        .map_err(|error| {
            format!(
                "CoInternetSetFeatureEnabled({}) failed: 0x{:08X}",
                feature.name,
                error.code().0 as u32
            )
        })?;
    }
    Ok(LOCKDOWN_FEATURES.len())
}

/// Frees a string WinHTTP allocated with `GlobalAlloc`, and reads it first.
fn take(text: PWSTR) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: WinHTTP's NUL-terminated string, freed right after it is read.
    let value = unsafe { text.to_string() }.ok();
    // SAFETY: the documented way to release the strings of WINHTTP_CURRENT_USER_IE_PROXY_CONFIG.
    let _ = unsafe { GlobalFree(Some(HGLOBAL(text.0.cast()))) };
    value.filter(|v| !v.is_empty())
}

/// The administrator's static proxy and bypass list, if one is set (automatic settings are
/// ignored whatever they say).
fn static_proxy() -> Option<(String, Option<String>)> {
    let mut config = WINHTTP_CURRENT_USER_IE_PROXY_CONFIG::default();
    // SAFETY: config is a valid out-structure; its strings are released by `take`.
    unsafe { WinHttpGetIEProxyConfigForCurrentUser(&mut config) }.ok()?;
    let _ = take(config.lpszAutoConfigUrl);
    let proxy = take(config.lpszProxy);
    let bypass = take(config.lpszProxyBypass);
    proxy.map(|proxy| (proxy, bypass))
}

/// Sets this process's proxy: the static one if there is one, else direct; never WPAD or a PAC
/// script. Returns what was chosen, for the log.
pub fn proxy_without_discovery() -> Result<String, String> {
    let chosen = static_proxy();
    let proxy = chosen.as_ref().map(|(proxy, bypass)| {
        (
            format!("{proxy}\0"),
            format!("{}\0", bypass.as_deref().unwrap_or("")),
        )
    });
    let info = match &proxy {
        // Read only: urlmon copies the strings (the structure's pointers are `*mut` by type).
        Some((proxy, bypass)) => INTERNET_PROXY_INFO {
            dwAccessType: INTERNET_OPEN_TYPE_PROXY,
            lpszProxy: proxy.as_ptr().cast_mut().cast(),
            lpszProxyBypass: bypass.as_ptr().cast_mut().cast(),
        },
        None => INTERNET_PROXY_INFO {
            dwAccessType: INTERNET_OPEN_TYPE_DIRECT,
            lpszProxy: std::ptr::null_mut(),
            lpszProxyBypass: std::ptr::null_mut(),
        },
    };
    // SAFETY: info and the strings it points at outlive the call; urlmon copies them.
    unsafe {
        UrlMkSetSessionOption(
            INTERNET_OPTION_PROXY,
            Some(std::ptr::from_ref(&info).cast()),
            std::mem::size_of::<INTERNET_PROXY_INFO>() as u32,
            None,
        )
    }
    .map_err(|error| {
        format!(
            "UrlMkSetSessionOption(INTERNET_OPTION_PROXY) failed: 0x{:08X}",
            error.code().0 as u32
        )
    })?;
    Ok(match chosen {
        Some((proxy, _)) => format!("the static proxy {proxy}"),
        None => "direct connections".to_owned(),
    })
}
