//! The fields of the provider's own (fallback) tile, as data: LogonUI asks for them by index.

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

/// `CREDENTIAL_PROVIDER_FIELD_STATE`: where LogonUI shows a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldVisibility {
    /// `CPFS_DISPLAY_IN_SELECTED_TILE`
    SelectedTile = 1,
    /// `CPFS_DISPLAY_IN_BOTH`
    Both = 3,
}

/// One field of the tile: its id (its index), kind and label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDescriptor {
    pub id: u32,
    pub kind: FieldKind,
    pub label: &'static str,
}

/// Index (and id) of the reset link in [`TILE_FIELDS`].
pub const LINK_FIELD: u32 = 2;

/// The tile: a title, a short help text and the reset link. The link's label here is the
/// Windows 8+ default; at run time it is the resolved `LinkText` setting ([`label_of`]).
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
        id: LINK_FIELD,
        kind: FieldKind::CommandLink,
        label: sspr_settings::DEFAULT_LINK_TEXT,
    },
];

/// The descriptor at `index`, or `None` past the end (the caller answers `E_INVALIDARG`).
pub fn descriptor_at(index: u32) -> Option<&'static FieldDescriptor> {
    TILE_FIELDS.get(usize::try_from(index).ok()?)
}

/// The label (and string value) of field `field`, with the configured link text for the link.
pub fn label_of(field: &FieldDescriptor, link_text: &str) -> String {
    if field.id == LINK_FIELD {
        link_text.to_owned()
    } else {
        field.label.to_owned()
    }
}

/// Where the field shows: the title on both the small and the selected tile, the help text and
/// the link only once the tile is selected (as Windows shows its own links).
pub fn visibility(field: &FieldDescriptor) -> FieldVisibility {
    match field.kind {
        FieldKind::LargeText => FieldVisibility::Both,
        FieldKind::SmallText | FieldKind::CommandLink => FieldVisibility::SelectedTile,
    }
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

    #[test]
    fn exactly_one_command_link_labelled_with_the_setting() {
        let links: Vec<_> = TILE_FIELDS
            .iter()
            .filter(|f| f.kind == FieldKind::CommandLink)
            .collect();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].id, LINK_FIELD);
        assert_eq!(label_of(links[0], "Forgot password?"), "Forgot password?");
        assert_eq!(label_of(&TILE_FIELDS[0], "ignored"), "Password reset");
    }

    #[test]
    fn title_always_shows_the_rest_when_selected() {
        let shown: Vec<_> = TILE_FIELDS.iter().map(visibility).collect();
        assert_eq!(
            shown,
            [
                FieldVisibility::Both,
                FieldVisibility::SelectedTile,
                FieldVisibility::SelectedTile
            ]
        );
    }
}
