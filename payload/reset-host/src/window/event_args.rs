//! Reading and answering the arguments of a `DWebBrowserEvents2` event, as `IDispatch::Invoke`
//! delivers them: a `DISPPARAMS` whose `VARIANT`s are in reverse order, some by reference.

use windows::Win32::Foundation::VARIANT_TRUE;
use windows::Win32::System::Com::{IDispatch, DISPPARAMS};
use windows::Win32::System::Variant::{
    VARENUM, VARIANT, VT_BOOL, VT_BSTR, VT_BYREF, VT_DISPATCH, VT_I4, VT_VARIANT,
};

/// The arguments of one event, borrowed from the caller for the duration of `Invoke`.
pub struct EventArgs<'a> {
    values: &'a [VARIANT],
}

impl<'a> EventArgs<'a> {
    /// # Safety
    /// `params` is null or the `DISPPARAMS` `Invoke` received, valid for `'a`.
    pub unsafe fn new(params: *const DISPPARAMS) -> Self {
        // SAFETY: the caller passes Invoke's DISPPARAMS (or null).
        let values = match unsafe { params.as_ref() } {
            Some(params) if !params.rgvarg.is_null() && params.cArgs > 0 => {
                // SAFETY: rgvarg holds cArgs VARIANTs owned by the caller for the whole call.
                unsafe { std::slice::from_raw_parts(params.rgvarg, params.cArgs as usize) }
            }
            _ => &[],
        };
        Self { values }
    }

    /// How many arguments the event has.
    pub fn count(&self) -> usize {
        self.values.len()
    }

    /// The argument at `position` in the event's declared parameter list (0 = first).
    fn at(&self, position: usize) -> Option<&'a VARIANT> {
        let index = self.values.len().checked_sub(position.checked_add(1)?)?;
        self.values.get(index)
    }

    /// A string argument: `BSTR`, `BSTR*`, or `VARIANT*` holding a `BSTR`.
    pub fn text(&self, position: usize) -> Option<String> {
        text_of(self.at(position)?, 1)
    }

    /// A boolean argument (`VARIANT_BOOL` or `VARIANT_BOOL*`).
    pub fn flag(&self, position: usize) -> Option<bool> {
        let value = self.at(position)?;
        // SAFETY: the union field read matches the type tag checked first; the by-reference
        // pointer is the caller's, checked for null.
        unsafe {
            let inner = &value.Anonymous.Anonymous;
            match inner.vt {
                vt if vt == VT_BOOL => Some(inner.Anonymous.boolVal.as_bool()),
                vt if vt == VT_BYREF | VT_BOOL => {
                    inner.Anonymous.pboolVal.as_ref().map(|flag| flag.as_bool())
                }
                _ => None,
            }
        }
    }

    /// An integer argument (`LONG`, or `VARIANT*` holding one).
    pub fn number(&self, position: usize) -> Option<i32> {
        number_of(self.at(position)?, 1)
    }

    /// The `pDisp` of an event (`IDispatch` or `IDispatch*`).
    pub fn dispatch(&self, position: usize) -> Option<IDispatch> {
        let value = self.at(position)?;
        // SAFETY: as in `flag`; the interface is cloned (AddRef'd), the caller keeps its own.
        unsafe {
            let inner = &value.Anonymous.Anonymous;
            match inner.vt {
                vt if vt == VT_DISPATCH => (*inner.Anonymous.pdispVal).clone(),
                vt if vt == VT_BYREF | VT_DISPATCH => {
                    inner.Anonymous.ppdispVal.as_ref().and_then(Clone::clone)
                }
                _ => None,
            }
        }
    }

    /// Sets a `VARIANT_BOOL* Cancel` argument to true; `false` if that argument is not one.
    pub fn cancel(&self, position: usize) -> bool {
        let Some(value) = self.at(position) else {
            return false;
        };
        // SAFETY: the tag says the union holds a VARIANT_BOOL pointer, which the control lets
        // the sink write for the duration of the call; null is checked.
        unsafe {
            let inner = &value.Anonymous.Anonymous;
            let flag = inner.Anonymous.pboolVal;
            if inner.vt != VT_BYREF | VT_BOOL || flag.is_null() {
                return false;
            }
            *flag = VARIANT_TRUE;
        }
        true
    }
}

fn by_ref_variant(value: &VARIANT) -> Option<&VARIANT> {
    // SAFETY: read only when the tag says VARIANT*; the pointer is the caller's, null-checked.
    unsafe {
        let inner = &value.Anonymous.Anonymous;
        (inner.vt == VT_BYREF | VT_VARIANT)
            .then(|| inner.Anonymous.pvarVal.as_ref())
            .flatten()
    }
}

fn tag(value: &VARIANT) -> VARENUM {
    // SAFETY: every VARIANT starts with its type tag.
    unsafe { value.Anonymous.Anonymous.vt }
}

fn text_of(value: &VARIANT, depth: u8) -> Option<String> {
    // SAFETY: each union field is read only under its own type tag; pointers are null-checked.
    unsafe {
        let inner = &value.Anonymous.Anonymous;
        match tag(value) {
            vt if vt == VT_BSTR => Some(inner.Anonymous.bstrVal.to_string()),
            vt if vt == VT_BYREF | VT_BSTR => {
                inner.Anonymous.pbstrVal.as_ref().map(ToString::to_string)
            }
            _ if depth > 0 => text_of(by_ref_variant(value)?, depth - 1),
            _ => None,
        }
    }
}

fn number_of(value: &VARIANT, depth: u8) -> Option<i32> {
    // SAFETY: as in `text_of`.
    unsafe {
        let inner = &value.Anonymous.Anonymous;
        match tag(value) {
            vt if vt == VT_I4 => Some(inner.Anonymous.lVal),
            vt if vt == VT_BYREF | VT_I4 => inner.Anonymous.plVal.as_ref().copied(),
            _ if depth > 0 => number_of(by_ref_variant(value)?, depth - 1),
            _ => None,
        }
    }
}
