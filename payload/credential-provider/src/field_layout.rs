//! The fields of a wrapped credential: the inner provider's fields, unchanged, then our link.
//!
//! LogonUI addresses fields by descriptor index (`GetFieldDescriptorAt`) and by field id (every
//! credential method). The inner provider's ids pass through untouched, so the events its
//! credentials raise need no translation; our link takes an id the inner provider does not use.

/// `CPFT_EDIT_TEXT`
pub const CPFT_EDIT_TEXT: i32 = 4;
/// `CPFT_PASSWORD_TEXT`
pub const CPFT_PASSWORD_TEXT: i32 = 5;
/// `CPFT_COMMAND_LINK`
pub const CPFT_COMMAND_LINK: i32 = 3;

/// What we keep of one of the inner provider's field descriptors (never its value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InnerField {
    pub id: u32,
    /// `CREDENTIAL_PROVIDER_FIELD_TYPE`, raw.
    pub kind: i32,
    /// `guidFieldType` (for example `CPFG_LOGON_USERNAME`), as a `u128`.
    pub guid: u128,
}

/// Which descriptor sits at an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The inner provider's descriptor at this same index.
    Inner(u32),
    /// Our command link.
    Link,
}

/// Who answers for a field id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Our link: answered by the wrapper.
    Link,
    /// Everything else goes to the inner credential, which rejects ids it does not know.
    Inner,
}

/// The descriptor table of the wrapper, computed once per usage scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedLayout {
    inner: Vec<InnerField>,
    /// `None` in pass-through mode (the link must not show, the inner provider still must).
    link_id: Option<u32>,
}

impl WrappedLayout {
    /// The layout over the inner provider's `fields`, with our link appended when `with_link`.
    pub fn new(inner: Vec<InnerField>, with_link: bool) -> Self {
        let link_id = with_link.then(|| free_id(&inner));
        Self { inner, link_id }
    }

    /// `GetFieldDescriptorCount`: the inner count plus one for the link.
    pub fn descriptor_count(&self) -> u32 {
        let inner = u32::try_from(self.inner.len()).unwrap_or(u32::MAX);
        inner.saturating_add(u32::from(self.link_id.is_some()))
    }

    /// What `GetFieldDescriptorAt(index)` returns; `None` past the end.
    pub fn slot(&self, index: u32) -> Option<Slot> {
        let position = usize::try_from(index).ok()?;
        if position < self.inner.len() {
            Some(Slot::Inner(index))
        } else if position == self.inner.len() && self.link_id.is_some() {
            Some(Slot::Link)
        } else {
            None
        }
    }

    /// Who answers for `field_id`.
    pub fn route(&self, field_id: u32) -> Route {
        if self.link_id == Some(field_id) {
            Route::Link
        } else {
            Route::Inner
        }
    }

    /// Our link's field id, when the link is shown.
    pub fn link_id(&self) -> Option<u32> {
        self.link_id
    }

    /// The inner provider's fields, in descriptor order.
    pub fn inner_fields(&self) -> &[InnerField] {
        &self.inner
    }
}

/// The id for our link: one past the largest inner id, or the smallest unused id if the inner
/// provider already uses `u32::MAX`.
fn free_id(inner: &[InnerField]) -> u32 {
    let max = inner.iter().map(|f| f.id).max();
    match max {
        None => 0,
        Some(max) if max < u32::MAX => max + 1,
        Some(_) => (0..=u32::MAX)
            .find(|candidate| inner.iter().all(|f| f.id != *candidate))
            .unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: u32, kind: i32) -> InnerField {
        InnerField { id, kind, guid: 0 }
    }

    /// The shape of the inbox password provider on Windows 7: image, name, password, submit.
    fn password_tile() -> Vec<InnerField> {
        vec![field(0, 6), field(1, 1), field(2, 5), field(3, 9)]
    }

    #[test]
    fn link_comes_after_the_inner_fields() {
        let layout = WrappedLayout::new(password_tile(), true);
        assert_eq!(layout.descriptor_count(), 5);
        assert_eq!(layout.link_id(), Some(4));
        let slots: Vec<_> = (0..6).map(|i| layout.slot(i)).collect();
        assert_eq!(
            slots,
            [
                Some(Slot::Inner(0)),
                Some(Slot::Inner(1)),
                Some(Slot::Inner(2)),
                Some(Slot::Inner(3)),
                Some(Slot::Link),
                None
            ]
        );
    }

    #[test]
    fn inner_ids_pass_through_and_only_ours_is_ours() {
        let layout = WrappedLayout::new(password_tile(), true);
        for id in 0..4 {
            assert_eq!(layout.route(id), Route::Inner);
        }
        assert_eq!(layout.route(4), Route::Link);
        assert_eq!(
            layout.route(99),
            Route::Inner,
            "unknown ids are the inner's to refuse"
        );
    }

    #[test]
    fn ids_that_are_not_indices_are_respected() {
        // A provider whose ids are not 0..n: our id must not collide with any of them.
        let layout = WrappedLayout::new(vec![field(10, 1), field(3, 5), field(7, 9)], true);
        assert_eq!(layout.link_id(), Some(11));
        assert_eq!(layout.descriptor_count(), 4);
        assert_eq!(layout.slot(3), Some(Slot::Link));
        assert_eq!(layout.route(11), Route::Link);
        assert_eq!(layout.route(3), Route::Inner);
    }

    #[test]
    fn a_full_id_space_still_finds_a_free_id() {
        let layout = WrappedLayout::new(vec![field(0, 1), field(u32::MAX, 5)], true);
        assert_eq!(layout.link_id(), Some(1));
        let layout = WrappedLayout::new(vec![field(u32::MAX, 5), field(1, 1)], true);
        assert_eq!(layout.link_id(), Some(0));
    }

    #[test]
    fn no_inner_fields_means_only_the_link() {
        let layout = WrappedLayout::new(Vec::new(), true);
        assert_eq!(layout.descriptor_count(), 1);
        assert_eq!(layout.slot(0), Some(Slot::Link));
        assert_eq!(layout.link_id(), Some(0));
    }

    #[test]
    fn pass_through_mode_appends_nothing() {
        let layout = WrappedLayout::new(password_tile(), false);
        assert_eq!(layout.descriptor_count(), 4);
        assert_eq!(layout.slot(4), None);
        assert_eq!(layout.link_id(), None);
        assert_eq!(layout.route(4), Route::Inner);
    }
}
