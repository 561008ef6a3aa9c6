//! The Windows half: loading, the timed sequence, and the printed figures.

use std::ffi::c_void;

use windows::Win32::System::Com::{
    CoInitializeEx, CoTaskMemFree, IClassFactory, COINIT_APARTMENTTHREADED,
};
use windows::Win32::System::LibraryLoader::{GetProcAddress, LoadLibraryW};
use windows::Win32::System::Performance::{QueryPerformanceCounter, QueryPerformanceFrequency};
use windows::Win32::UI::Shell::{ICredentialProvider, CPUS_LOGON};
use windows_core::{s, Interface, BOOL, GUID, HRESULT, HSTRING};

type GetClassObject =
    unsafe extern "system" fn(*const GUID, *const GUID, *mut *mut c_void) -> HRESULT;

fn now() -> i64 {
    let mut ticks = 0i64;
    // SAFETY: writes one i64.
    let _ = unsafe { QueryPerformanceCounter(&mut ticks) };
    ticks
}

fn micros(ticks: i64, frequency: i64) -> f64 {
    ticks as f64 * 1_000_000.0 / frequency as f64
}

/// One activation: a fresh object through LogonUI's opening calls. Returns the field count.
fn activate(factory: &IClassFactory) -> Result<u32, String> {
    // SAFETY: CreateInstance with no outer object and the provider's IID.
    let provider: ICredentialProvider =
        unsafe { factory.CreateInstance(None) }.map_err(|e| format!("CreateInstance: {e}"))?;
    // SAFETY: plain COM calls on a live object; out-pointers are locals.
    unsafe {
        provider
            .SetUsageScenario(CPUS_LOGON, 0)
            .map_err(|e| format!("SetUsageScenario: {e}"))?;
        let fields = provider
            .GetFieldDescriptorCount()
            .map_err(|e| format!("GetFieldDescriptorCount: {e}"))?;
        for index in 0..fields {
            let descriptor = provider
                .GetFieldDescriptorAt(index)
                .map_err(|e| format!("GetFieldDescriptorAt({index}): {e}"))?;
            if !descriptor.is_null() {
                CoTaskMemFree(Some((*descriptor).pszLabel.0 as *const c_void));
                CoTaskMemFree(Some(descriptor as *const c_void));
            }
        }
        let (mut count, mut default, mut auto) = (0u32, 0u32, BOOL(0));
        provider
            .GetCredentialCount(&mut count, &mut default, &mut auto)
            .map_err(|e| format!("GetCredentialCount: {e}"))?;
        Ok(fields)
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let [dll, clsid, iterations] = args else {
        return Err("usage: sspr-activation-bench DLL CLSID ITERATIONS".into());
    };
    let clsid = GUID::try_from(clsid.trim_matches(|c| c == '{' || c == '}'))
        .map_err(|_| format!("{clsid} is not a CLSID"))?;
    let iterations: usize = iterations
        .parse()
        .map_err(|_| format!("{iterations} is not a count"))?;
    let mut frequency = 0i64;
    // SAFETY: writes one i64.
    let _ = unsafe { QueryPerformanceFrequency(&mut frequency) };
    // SAFETY: first COM call on this thread; the process exits without uninitializing.
    let _ = unsafe { CoInitializeEx(None, COINIT_APARTMENTTHREADED) };

    let start = now();
    // SAFETY: loading a DLL by path; its DllMain does no work (DESIGN section 7).
    let module = unsafe { LoadLibraryW(&HSTRING::from(dll.as_str())) }
        .map_err(|e| format!("LoadLibrary {dll}: {e}"))?;
    // SAFETY: looking up an export of the module just loaded.
    let entry = unsafe { GetProcAddress(module, s!("DllGetClassObject")) }
        .ok_or("no DllGetClassObject export")?;
    // SAFETY: DllGetClassObject has exactly this signature.
    let get_class_object: GetClassObject = unsafe { std::mem::transmute(entry) };
    let mut raw = std::ptr::null_mut();
    // SAFETY: valid GUID pointers and out-pointer.
    unsafe { get_class_object(&clsid, &IClassFactory::IID, &mut raw) }
        .ok()
        .map_err(|e| format!("DllGetClassObject: {e}"))?;
    // SAFETY: DllGetClassObject succeeded, so raw is an owned IClassFactory.
    let factory = unsafe { IClassFactory::from_raw(raw) };
    let loaded = now();
    let fields = activate(&factory)?;
    let first = now();
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let before = now();
        activate(&factory)?;
        times.push(micros(now() - before, frequency));
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!("fields={fields}");
    println!("load_us={:.1}", micros(loaded - start, frequency));
    println!("first_us={:.1}", micros(first - loaded, frequency));
    println!(
        "iteration_us={}",
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    Ok(())
}
