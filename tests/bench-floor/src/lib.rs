//! The floor of the activation benchmark: a credential provider that does the least a COM
//! in-proc server can, built with the same toolchain, targets and profile as ours (the bench
//! builds it in the same cargo invocation as our DLL). It answers `SetUsageScenario`, reports
//! three fields with static labels and no credentials.
//!
//! A second class, [`com::CLSID_READS_SETTINGS`], is the same provider plus the one thing
//! docs/design.md ("Settings and policy") makes every `SetUsageScenario` do: resolve the settings from the registry.
//! It is not the floor the goal is judged against; it shows how much of our cost that read is.

#[cfg(windows)]
mod com {
    use std::ffi::c_void;

    use windows::Win32::Foundation::{
        CLASS_E_CLASSNOTAVAILABLE, CLASS_E_NOAGGREGATION, E_INVALIDARG, E_NOTIMPL, E_OUTOFMEMORY,
        E_POINTER, S_FALSE, S_OK,
    };
    use windows::Win32::System::Com::{CoTaskMemAlloc, IClassFactory, IClassFactory_Impl};
    use windows::Win32::UI::Shell::{
        ICredentialProvider, ICredentialProviderCredential, ICredentialProviderEvents,
        ICredentialProvider_Impl, CPFT_LARGE_TEXT, CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
        CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR, CREDENTIAL_PROVIDER_USAGE_SCENARIO,
    };
    use windows_core::{implement, Interface, Ref, BOOL, GUID, HRESULT, PWSTR};

    /// `{6A1B2C3D-0000-4000-8000-00000000F100}`: a CLSID of the benchmark's own.
    pub const CLSID: GUID = GUID::from_u128(0x6A1B2C3D_0000_4000_8000_00000000F100);
    /// `{6A1B2C3D-0000-4000-8000-00000000F101}`: the floor that also resolves the settings.
    pub const CLSID_READS_SETTINGS: GUID = GUID::from_u128(0x6A1B2C3D_0000_4000_8000_00000000F101);

    #[no_mangle]
    /// # Safety
    /// COM passes valid pointers; each is checked for null.
    pub unsafe extern "system" fn DllGetClassObject(
        clsid: *const GUID,
        iid: *const GUID,
        out: *mut *mut c_void,
    ) -> HRESULT {
        if clsid.is_null() || iid.is_null() || out.is_null() {
            return E_POINTER;
        }
        // SAFETY: checked non-null above.
        let reads_settings = match unsafe { *clsid } {
            CLSID => false,
            CLSID_READS_SETTINGS => true,
            _ => return CLASS_E_CLASSNOTAVAILABLE,
        };
        let factory: IClassFactory = Factory { reads_settings }.into();
        // SAFETY: iid and out are valid (checked above).
        unsafe { factory.query(iid, out) }
    }

    #[no_mangle]
    pub extern "system" fn DllCanUnloadNow() -> HRESULT {
        S_FALSE
    }

    #[implement(IClassFactory)]
    struct Factory {
        reads_settings: bool,
    }

    impl IClassFactory_Impl for Factory_Impl {
        fn CreateInstance(
            &self,
            outer: Ref<'_, windows_core::IUnknown>,
            iid: *const GUID,
            out: *mut *mut c_void,
        ) -> windows_core::Result<()> {
            if outer.is_some() {
                return Err(CLASS_E_NOAGGREGATION.into());
            }
            let provider: ICredentialProvider = Provider {
                reads_settings: self.reads_settings,
            }
            .into();
            // SAFETY: COM passes a valid iid and out-pointer.
            unsafe { provider.query(iid, out) }.ok()
        }

        fn LockServer(&self, _lock: BOOL) -> windows_core::Result<()> {
            Ok(())
        }
    }

    #[implement(ICredentialProvider)]
    struct Provider {
        reads_settings: bool,
    }

    const LABEL: [u16; 6] = [
        b'F' as u16,
        b'l' as u16,
        b'o' as u16,
        b'o' as u16,
        b'r' as u16,
        0,
    ];

    impl ICredentialProvider_Impl for Provider_Impl {
        fn SetUsageScenario(
            &self,
            _: CREDENTIAL_PROVIDER_USAGE_SCENARIO,
            _: u32,
        ) -> windows_core::Result<()> {
            if self.reads_settings {
                // The same resolve our provider does, with the same reader.
                let settings = sspr_settings::resolve(
                    &sspr_settings::windows_registry::MachineRegistryPass::new(),
                    sspr_settings::WindowsFamily::Windows8OrLater,
                );
                std::hint::black_box(settings);
            }
            Ok(())
        }
        fn SetSerialization(
            &self,
            _: *const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION,
        ) -> windows_core::Result<()> {
            Err(E_NOTIMPL.into())
        }
        fn Advise(
            &self,
            _: Ref<'_, ICredentialProviderEvents>,
            _: usize,
        ) -> windows_core::Result<()> {
            Ok(())
        }
        fn UnAdvise(&self) -> windows_core::Result<()> {
            Ok(())
        }
        fn GetFieldDescriptorCount(&self) -> windows_core::Result<u32> {
            Ok(3)
        }
        fn GetFieldDescriptorAt(
            &self,
            index: u32,
        ) -> windows_core::Result<*mut CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR> {
            if index >= 3 {
                return Err(E_INVALIDARG.into());
            }
            // SAFETY: plain allocations; null results are handled.
            let (label, out) = unsafe {
                (
                    CoTaskMemAlloc(std::mem::size_of_val(&LABEL)).cast::<u16>(),
                    CoTaskMemAlloc(std::mem::size_of::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>())
                        .cast::<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR>(),
                )
            };
            if label.is_null() || out.is_null() {
                return Err(E_OUTOFMEMORY.into());
            }
            // SAFETY: both blocks are fresh and sized for what is written.
            unsafe {
                std::ptr::copy_nonoverlapping(LABEL.as_ptr(), label, LABEL.len());
                out.write(CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR {
                    dwFieldID: index,
                    cpft: CPFT_LARGE_TEXT,
                    pszLabel: PWSTR(label),
                    guidFieldType: GUID::zeroed(),
                });
            }
            Ok(out)
        }
        fn GetCredentialCount(
            &self,
            count: *mut u32,
            default: *mut u32,
            auto: *mut BOOL,
        ) -> windows_core::Result<()> {
            if count.is_null() || default.is_null() || auto.is_null() {
                return Err(E_POINTER.into());
            }
            // SAFETY: checked non-null above.
            unsafe {
                *count = 0;
                *default = u32::MAX;
                *auto = BOOL(0);
            }
            Ok(())
        }
        fn GetCredentialAt(&self, _: u32) -> windows_core::Result<ICredentialProviderCredential> {
            Err(E_INVALIDARG.into())
        }
    }

    #[allow(dead_code)]
    const _: HRESULT = S_OK;
}
