//! Who, besides SYSTEM and Administrators, may change a folder or file: the judgment behind
//! "LogonUI loads code and writes logs only where no standard user can write" (the host's
//! folder, the log folder). Pure: the DACL is read on Windows and judged here.

/// One ACE of a DACL, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AceFacts {
    /// True for an access-allowed ACE; false for a denied one (or any other type, ignored).
    pub allow: bool,
    /// The trustee in `S-1-...` form.
    pub sid: String,
    /// The access mask.
    pub mask: u32,
    /// `INHERIT_ONLY_ACE`: the ACE applies to children only, not to this object.
    pub inherit_only: bool,
}

/// Rights that let a trustee plant or swap code or redirect writes: write data / add file,
/// append data / add subfolder, delete child, delete, write DAC, write owner, generic all and
/// generic write.
pub const WRITE_RIGHTS: u32 =
    0x2 | 0x4 | 0x40 | 0x1_0000 | 0x4_0000 | 0x8_0000 | 0x1000_0000 | 0x4000_0000;

/// Trustees allowed to write: SYSTEM, Administrators and TrustedInstaller.
pub const ADMIN_SIDS: &[&str] = &[
    "S-1-5-18",
    "S-1-5-32-544",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
];

/// `CREATOR OWNER`: a placeholder replaced on inheritance; on the object itself it matches no
/// one.
const CREATOR_OWNER: &str = "S-1-3-0";

fn trusted(sid: &str, also: &[&str]) -> bool {
    ADMIN_SIDS
        .iter()
        .chain(also)
        .any(|t| t.eq_ignore_ascii_case(sid))
}

/// Everyone other than [`ADMIN_SIDS`] and `also_trusted` who may write the object, one line
/// each: the owner (an owner can always rewrite the DACL), a missing DACL (everyone may do
/// anything), every allow ACE with a [`WRITE_RIGHTS`] bit. Empty means admin-only.
pub fn non_admin_writers(
    owner: Option<&str>,
    dacl: Option<&[AceFacts]>,
    also_trusted: &[&str],
) -> Vec<String> {
    let mut found = Vec::new();
    match owner {
        Some(owner) if trusted(owner, also_trusted) => {}
        Some(owner) => found.push(format!("its owner {owner} may change its permissions")),
        None => found.push("it has no owner".to_owned()),
    }
    let Some(aces) = dacl else {
        found.push("it has no DACL, so everyone has full access".to_owned());
        return found;
    };
    for ace in aces {
        if !ace.allow
            || ace.inherit_only
            || ace.mask & WRITE_RIGHTS == 0
            || ace.sid.eq_ignore_ascii_case(CREATOR_OWNER)
            || trusted(&ace.sid, also_trusted)
        {
            continue;
        }
        found.push(format!(
            "{} may write it (access 0x{:x})",
            ace.sid, ace.mask
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ace(sid: &str, mask: u32) -> AceFacts {
        AceFacts {
            allow: true,
            sid: sid.into(),
            mask,
            inherit_only: false,
        }
    }

    #[test]
    fn program_files_is_admin_only() {
        // Program Files on Windows 7: TrustedInstaller full, SYSTEM and Administrators modify,
        // Users read and execute, CREATOR OWNER full on children only.
        let aces = [
            ace(ADMIN_SIDS[2], 0x001F_01FF),
            ace("S-1-5-18", 0x0013_01BF),
            ace("S-1-5-32-544", 0x0013_01BF),
            ace("S-1-5-32-545", 0x0012_00A9),
            AceFacts {
                inherit_only: true,
                ..ace(CREATOR_OWNER, 0x1000_0000)
            },
        ];
        assert_eq!(
            non_admin_writers(Some(ADMIN_SIDS[2]), Some(&aces), &[]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_folder_under_c_inheriting_authenticated_users_modify_is_refused() {
        let aces = [
            ace("S-1-5-32-544", 0x001F_01FF),
            ace("S-1-5-11", 0x0013_01BF),
            ace("S-1-5-32-545", 0x0012_00A9),
            AceFacts {
                allow: false,
                ..ace("S-1-1-0", 0x001F_01FF)
            },
        ];
        assert_eq!(
            non_admin_writers(Some("S-1-5-32-544"), Some(&aces), &[]),
            ["S-1-5-11 may write it (access 0x1301bf)"]
        );
    }

    #[test]
    fn a_user_owner_or_no_dacl_is_refused_and_extra_trustees_count_as_admins() {
        let user = "S-1-5-21-1-2-3-1001";
        assert_eq!(
            non_admin_writers(Some(user), None, &[]),
            [
                "its owner S-1-5-21-1-2-3-1001 may change its permissions",
                "it has no DACL, so everyone has full access"
            ]
        );
        assert_eq!(
            non_admin_writers(Some(user), Some(&[ace(user, 0x4)]), &[user]),
            Vec::<String>::new()
        );
        assert_eq!(
            non_admin_writers(None, Some(&[ace("S-1-1-0", 0x4000_0000)]), &[]),
            [
                "it has no owner",
                "S-1-1-0 may write it (access 0x40000000)"
            ]
        );
    }
}
