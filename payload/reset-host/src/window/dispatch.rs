//! What the window's `IDispatch` objects (the event sink, the site's ambient properties,
//! `window.external`) share: none has type information.

/// Inside an `impl IDispatch_Impl`: the three methods of an object without type information.
/// `GetTypeInfoCount` answers 0, `GetTypeInfo` `E_NOTIMPL`, and `GetIDsOfNames` the `$names`
/// HRESULT (`E_NOTIMPL` where callers go by DISPID, `DISP_E_UNKNOWNNAME` where script asks for
/// names). None of them can panic, so none needs the window's panic guard.
macro_rules! without_type_info {
    ($names:expr) => {
        fn GetTypeInfoCount(&self) -> windows_core::Result<u32> {
            Ok(0)
        }

        fn GetTypeInfo(
            &self,
            _index: u32,
            _locale: u32,
        ) -> windows_core::Result<windows::Win32::System::Com::ITypeInfo> {
            Err(windows::Win32::Foundation::E_NOTIMPL.into())
        }

        fn GetIDsOfNames(
            &self,
            _interface: *const windows_core::GUID,
            _names: *const windows_core::PCWSTR,
            _count: u32,
            _locale: u32,
            _ids: *mut i32,
        ) -> windows_core::Result<()> {
            Err($names.into())
        }
    };
}

pub(super) use without_type_info;
