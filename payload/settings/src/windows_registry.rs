//! Reading `HKLM` values on Windows, in the 64-bit view on 64-bit Windows.

use windows::core::PCWSTR;
use windows::Win32::Foundation::ERROR_SUCCESS;
use windows::Win32::System::Registry::{
    RegGetValueW, HKEY_LOCAL_MACHINE, REG_DWORD, REG_EXPAND_SZ, REG_SZ, REG_VALUE_TYPE,
    RRF_NOEXPAND, RRF_RT_ANY, RRF_SUBKEY_WOW6464KEY,
};

use crate::{RegValue, RegistryRead};

/// The machine's registry (`HKLM`).
#[derive(Debug, Default, Clone, Copy)]
pub struct MachineRegistry;

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

impl RegistryRead for MachineRegistry {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        let key_w = wide(key);
        let name_w = wide(name);
        let mut kind = REG_VALUE_TYPE(0);
        let mut size = 0u32;
        let flags = RRF_RT_ANY | RRF_NOEXPAND | RRF_SUBKEY_WOW6464KEY;
        // SAFETY: both strings are NUL-terminated and outlive the call; a null data pointer
        // asks only for the size and type.
        let status = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                PCWSTR(key_w.as_ptr()),
                PCWSTR(name_w.as_ptr()),
                flags,
                Some(&mut kind),
                None,
                Some(&mut size),
            )
        };
        if status != ERROR_SUCCESS {
            return None;
        }
        let mut buffer = vec![0u8; size as usize + 2];
        let mut size = buffer.len() as u32;
        // SAFETY: as above, with `buffer` holding `size` writable bytes.
        let status = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                PCWSTR(key_w.as_ptr()),
                PCWSTR(name_w.as_ptr()),
                flags,
                Some(&mut kind),
                Some(buffer.as_mut_ptr().cast()),
                Some(&mut size),
            )
        };
        if status != ERROR_SUCCESS {
            return None;
        }
        buffer.truncate(size as usize);
        Some(match kind {
            REG_DWORD if buffer.len() >= 4 => RegValue::Dword(u32::from_le_bytes([
                buffer[0], buffer[1], buffer[2], buffer[3],
            ])),
            REG_SZ | REG_EXPAND_SZ => {
                let units: Vec<u16> = buffer
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
                RegValue::String(String::from_utf16_lossy(&units[..end]))
            }
            other => RegValue::Other(other.0),
        })
    }
}
