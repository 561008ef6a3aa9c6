//! Internet Explorer's own lock-down switches the host turns on for its process
//! (`CoInternetSetFeatureEnabled(.., SET_FEATURE_ON_PROCESS, TRUE)`, `lockdown.rs`), before the
//! control exists. Each is one of Microsoft's "Internet Feature Controls"; the README lists them
//! with the same reasons. Pure data, so the list is tested on Linux.

/// One feature control: its `INTERNETFEATURELIST` value, its name, and why it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feature {
    pub id: i32,
    pub name: &'static str,
    pub why: &'static str,
}

/// Every feature the host enables, in `INTERNETFEATURELIST` order.
pub const LOCKDOWN_FEATURES: &[Feature] = &[
    Feature {
        id: 1,
        name: "FEATURE_ZONE_ELEVATION",
        why: "a page may not navigate to a more trusted zone (Internet to Local intranet or My Computer)",
    },
    Feature {
        id: 2,
        name: "FEATURE_MIME_HANDLING",
        why: "a file is handled by its declared MIME type, not run as something else",
    },
    Feature {
        id: 3,
        name: "FEATURE_MIME_SNIFFING",
        why: "no content sniffing that turns a download or an image into a page or a script",
    },
    Feature {
        id: 4,
        name: "FEATURE_WINDOW_RESTRICTIONS",
        why: "script cannot open windows off screen, without a title bar, or over other windows",
    },
    Feature {
        id: 5,
        name: "FEATURE_WEBOC_POPUPMANAGEMENT",
        why: "the pop-up blocker applies to the hosted control as it does in Internet Explorer",
    },
    Feature {
        id: 7,
        name: "FEATURE_DISABLE_MK_PROTOCOL",
        why: "no mk: URLs, which open compiled help (.chm) files from disk",
    },
    Feature {
        id: 8,
        name: "FEATURE_LOCALMACHINE_LOCKDOWN",
        why: "content from the local machine runs in the locked-down My Computer zone: no script, no ActiveX",
    },
    Feature {
        id: 10,
        name: "FEATURE_RESTRICT_ACTIVEXINSTALL",
        why: "no ActiveX installation prompt",
    },
    Feature {
        id: 11,
        name: "FEATURE_VALIDATE_NAVIGATE_URL",
        why: "malformed URLs are refused before navigation",
    },
    Feature {
        id: 12,
        name: "FEATURE_RESTRICT_FILEDOWNLOAD",
        why: "no file download prompt a page starts by itself",
    },
    Feature {
        id: 14,
        name: "FEATURE_PROTOCOL_LOCKDOWN",
        why: "the protocols the zone settings restrict stay restricted in the control",
    },
    Feature {
        id: 15,
        name: "FEATURE_HTTP_USERNAME_PASSWORD_DISABLE",
        why: "no URLs with a user name and password (https://user:pass@host), a host-spoofing trick",
    },
    Feature {
        id: 16,
        name: "FEATURE_SAFE_BINDTOOBJECT",
        why: "ActiveX controls created by binding to a URL go through the same safety checks",
    },
    Feature {
        id: 17,
        name: "FEATURE_UNC_SAVEDFILECHECK",
        why: "files saved from a network share keep the zone they came from",
    },
    Feature {
        id: 25,
        name: "FEATURE_DISABLE_TELNET_PROTOCOL",
        why: "no telnet: URLs, which start a program",
    },
    Feature {
        id: 27,
        name: "FEATURE_BLOCK_INPUT_PROMPTS",
        why: "no window.prompt() dialog, a window of its own that could imitate the sign-in screen",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_the_switches_the_window_relies_on() {
        let names: Vec<&str> = LOCKDOWN_FEATURES.iter().map(|f| f.name).collect();
        for name in [
            "FEATURE_LOCALMACHINE_LOCKDOWN",
            "FEATURE_RESTRICT_FILEDOWNLOAD",
            "FEATURE_BLOCK_INPUT_PROMPTS",
            "FEATURE_WEBOC_POPUPMANAGEMENT",
            "FEATURE_ZONE_ELEVATION",
            "FEATURE_SAFE_BINDTOOBJECT",
            "FEATURE_MIME_SNIFFING",
            "FEATURE_MIME_HANDLING",
        ] {
            assert!(names.contains(&name), "{name}");
        }
    }

    #[test]
    fn ids_are_distinct_increasing_and_below_the_entry_count() {
        // FEATURE_ENTRY_COUNT is 28 in urlmon.h.
        let ids: Vec<i32> = LOCKDOWN_FEATURES.iter().map(|f| f.id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
        assert!(ids.iter().all(|id| (0..28).contains(id)), "{ids:?}");
        assert!(LOCKDOWN_FEATURES.iter().all(|f| !f.why.is_empty()));
    }
}
