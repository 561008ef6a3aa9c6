//! The Windows half: loading, the timed sequence, and the printed figures.
//!
//! Two figures per run: `cold_us`, the whole life of the DLL once per iteration as LogonUI pays
//! it at each sign-in screen (LoadLibrary, DllGetClassObject, one provider through the opening
//! calls, release, FreeLibrary), and `iteration_us`, one more provider object from the loaded
//! DLL. System DLLs LogonUI has loaded anyway are loaded once before any timing, so the cold
//! figure is the provider DLL's own cost, not Wine loading `user32.dll` again each time.

use std::ffi::c_void;

use windows::Win32::Foundation::{FreeLibrary, HMODULE};
use windows::Win32::System::Com::{
    CoInitializeEx, CoTaskMemFree, IClassFactory, COINIT_APARTMENTTHREADED,
};
use windows::Win32::System::LibraryLoader::{GetProcAddress, LoadLibraryW};
use windows::Win32::System::Performance::{QueryPerformanceCounter, QueryPerformanceFrequency};
use windows::Win32::UI::Shell::{ICredentialProvider, CPUS_LOGON};
use windows_core::{s, Interface, BOOL, GUID, HRESULT, HSTRING};

use crate::args::Args;
use crate::phases::Breakdown;

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
    // No clock reads: the call compiles to the bare sequence.
    activate_with(factory, |_| {})
}

/// [`activate`] with each call timed into `breakdown` (phases 2 to 6 of `phases::PHASES`).
fn activate_timed(
    factory: &IClassFactory,
    frequency: i64,
    breakdown: &mut Breakdown,
) -> Result<(), String> {
    let mut mark = now();
    activate_with(factory, |phase| {
        let at = now();
        breakdown.record(phase, micros(at - mark, frequency));
        mark = at;
    })?;
    Ok(())
}

/// The activation sequence, calling `lap(phase)` after each phase (index into `PHASES`).
fn activate_with(factory: &IClassFactory, mut lap: impl FnMut(usize)) -> Result<u32, String> {
    // SAFETY: CreateInstance with no outer object and the provider's IID.
    let provider: ICredentialProvider =
        unsafe { factory.CreateInstance(None) }.map_err(|e| format!("CreateInstance: {e}"))?;
    lap(2);
    // SAFETY: plain COM calls on a live object; out-pointers are locals.
    let fields = unsafe {
        provider
            .SetUsageScenario(CPUS_LOGON, 0)
            .map_err(|e| format!("SetUsageScenario: {e}"))?;
        lap(3);
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
        lap(4);
        let (mut count, mut default, mut auto) = (0u32, 0u32, BOOL(0));
        provider
            .GetCredentialCount(&mut count, &mut default, &mut auto)
            .map_err(|e| format!("GetCredentialCount: {e}"))?;
        lap(5);
        fields
    };
    drop(provider);
    lap(6);
    Ok(fields)
}

/// The cold sequence with each step timed: load, class object, [`activate_timed`], unload.
fn cold_timed(
    dll: &str,
    clsid: &GUID,
    frequency: i64,
    breakdown: &mut Breakdown,
) -> Result<(), String> {
    let start = now();
    // SAFETY: as in load.
    let module = unsafe { LoadLibraryW(&HSTRING::from(dll)) }
        .map_err(|e| format!("LoadLibrary {dll}: {e}"))?;
    let loaded = now();
    breakdown.record(0, micros(loaded - start, frequency));
    let factory = class_object(module, clsid)?;
    breakdown.record(1, micros(now() - loaded, frequency));
    activate_timed(&factory, frequency, breakdown)?;
    drop(factory);
    let before = now();
    unload(module)?;
    breakdown.record(7, micros(now() - before, frequency));
    Ok(())
}

/// System DLLs LogonUI always has loaded (it draws with user32 and runs COM), preloaded so a
/// cold iteration does not load and unload them with the provider.
const PRELOADED: [&str; 6] = [
    "advapi32.dll",
    "user32.dll",
    "ole32.dll",
    "oleaut32.dll",
    "userenv.dll",
    "ws2_32.dll",
];

/// Loads `dll` and asks it for the class object of `clsid`.
fn load(dll: &str, clsid: &GUID) -> Result<(HMODULE, IClassFactory), String> {
    // SAFETY: loading a DLL by path; its DllMain does no work (docs/design.md, "The credential provider").
    let module = unsafe { LoadLibraryW(&HSTRING::from(dll)) }
        .map_err(|e| format!("LoadLibrary {dll}: {e}"))?;
    Ok((module, class_object(module, clsid)?))
}

/// Asks the loaded `module` for the class object of `clsid`.
fn class_object(module: HMODULE, clsid: &GUID) -> Result<IClassFactory, String> {
    // SAFETY: looking up an export of the module just loaded.
    let entry = unsafe { GetProcAddress(module, s!("DllGetClassObject")) }
        .ok_or("no DllGetClassObject export")?;
    // SAFETY: DllGetClassObject has exactly this signature.
    let get_class_object: GetClassObject = unsafe { std::mem::transmute(entry) };
    let mut raw = std::ptr::null_mut();
    // SAFETY: valid GUID pointers and out-pointer.
    unsafe { get_class_object(clsid, &IClassFactory::IID, &mut raw) }
        .ok()
        .map_err(|e| format!("DllGetClassObject: {e}"))?;
    // SAFETY: DllGetClassObject succeeded, so raw is an owned IClassFactory.
    Ok(unsafe { IClassFactory::from_raw(raw) })
}

fn unload(module: HMODULE) -> Result<(), String> {
    // SAFETY: every object and the class factory from this module were released before.
    unsafe { FreeLibrary(module) }.map_err(|e| format!("FreeLibrary: {e}"))
}

fn print_list(key: &str, mut times: Vec<f64>) {
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{key}={}",
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(",")
    );
}

pub fn run(args: &Args) -> Result<(), String> {
    let (dll, iterations, cold) = (args.dll.as_str(), args.iterations, args.cold);
    let clsid = GUID::from_u128(args.clsid);
    let mut frequency = 0i64;
    // SAFETY: writes one i64.
    let _ = unsafe { QueryPerformanceFrequency(&mut frequency) };
    // SAFETY: first COM call on this thread; the process exits without uninitializing.
    let _ = unsafe { CoInitializeEx(None, COINIT_APARTMENTTHREADED) };
    for system_dll in PRELOADED {
        // SAFETY: loading a system DLL by name, kept loaded for the process's life.
        unsafe { LoadLibraryW(&HSTRING::from(system_dll)) }
            .map_err(|e| format!("LoadLibrary {system_dll}: {e}"))?;
    }

    let mut cold_times = Vec::with_capacity(cold);
    for _ in 0..cold {
        let before = now();
        let (module, factory) = load(dll, &clsid)?;
        activate(&factory)?;
        drop(factory);
        unload(module)?;
        cold_times.push(micros(now() - before, frequency));
    }

    let start = now();
    let (module, factory) = load(dll, &clsid)?;
    let loaded = now();
    let fields = activate(&factory)?;
    let first = now();
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let before = now();
        activate(&factory)?;
        times.push(micros(now() - before, frequency));
    }
    println!("fields={fields}");
    println!("load_us={:.1}", micros(loaded - start, frequency));
    println!("first_us={:.1}", micros(first - loaded, frequency));
    print_list("iteration_us", times);
    print_list("cold_us", cold_times);

    // The breakdowns, over as many extra iterations, after the headline figures.
    let mut warm_breakdown = Breakdown::default();
    for _ in 0..iterations {
        activate_timed(&factory, frequency, &mut warm_breakdown)?;
    }
    drop(factory);
    // Unloaded, so each cold breakdown iteration loads the DLL for real.
    unload(module)?;
    let mut cold_breakdown = Breakdown::default();
    for _ in 0..cold {
        cold_timed(dll, &clsid, frequency, &mut cold_breakdown)?;
    }
    println!("breakdown_warm_us={}", warm_breakdown.line());
    println!("breakdown_cold_us={}", cold_breakdown.line());
    Ok(())
}
