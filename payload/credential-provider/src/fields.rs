//! The fields of the provider's own tile, as data: LogonUI asks for them by index.

/// `CREDENTIAL_PROVIDER_FIELD_TYPE` values used by the tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `CPFT_LARGE_TEXT`
    LargeText = 1,
    /// `CPFT_SMALL_TEXT`
    SmallText = 2,
    /// `CPFT_COMMAND_LINK`
    CommandLink = 3,
}

/// One field of the tile: its id (its index), kind and label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDescriptor {
    pub id: u32,
    pub kind: FieldKind,
    pub label: &'static str,
}

/// The tile: a title, a short help text and the reset link.
pub const TILE_FIELDS: [FieldDescriptor; 3] = [
    FieldDescriptor {
        id: 0,
        kind: FieldKind::LargeText,
        label: "Password reset",
    },
    FieldDescriptor {
        id: 1,
        kind: FieldKind::SmallText,
        label: "Forgot your password? Reset it here.",
    },
    FieldDescriptor {
        id: 2,
        kind: FieldKind::CommandLink,
        label: "Reset password",
    },
];

/// The descriptor at `index`, or `None` past the end (the caller answers `E_INVALIDARG`).
pub fn descriptor_at(index: u32) -> Option<&'static FieldDescriptor> {
    TILE_FIELDS.get(usize::try_from(index).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_indices() {
        for (index, field) in TILE_FIELDS.iter().enumerate() {
            assert_eq!(field.id as usize, index);
        }
    }

    #[test]
    fn out_of_range_is_none() {
        assert_eq!(
            descriptor_at(2).map(|f| f.kind),
            Some(FieldKind::CommandLink)
        );
        assert_eq!(descriptor_at(3), None);
        assert_eq!(descriptor_at(u32::MAX), None);
    }
}
