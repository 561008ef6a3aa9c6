//! The values the code reads from the policy key and the administrative template policy
//! (`admx/SsprWindowsLogon.admx`) that sets each: what SsprDiag names when a value came from
//! Group Policy. `tests/policy-templates` checks the template against this list, and the list
//! against what [`crate::resolve`] reads.

/// The registry type a policy value is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyValueType {
    /// `REG_DWORD`: an `enabledValue`/`disabledValue` pair or a `decimal` element.
    Dword,
    /// `REG_SZ`: a `text` element.
    String,
}

/// One value under [`crate::POLICY_KEY`] and the policy that writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyValue {
    /// The registry value name.
    pub value_name: &'static str,
    pub value_type: PolicyValueType,
    /// The policy's `name` in the ADMX.
    pub policy: &'static str,
    /// The policy's English display name, as the Group Policy editor shows it.
    pub display_name: &'static str,
}

/// Where the Group Policy editor shows the policies (Computer Configuration).
pub const POLICY_PATH: &str = r"Computer Configuration\Administrative Templates\SsprWindowsLogon\Password reset at the sign-in screen";

/// Every value read from the policy key, one policy each.
pub const POLICY_VALUES: [PolicyValue; 6] = [
    PolicyValue {
        value_name: "Disabled",
        value_type: PolicyValueType::Dword,
        policy: "TurnOffResetLink",
        display_name: "Turn off the password reset link",
    },
    PolicyValue {
        value_name: "LinkText",
        value_type: PolicyValueType::String,
        policy: "LinkText",
        display_name: "Text of the password reset link",
    },
    PolicyValue {
        value_name: "PortalUrl",
        value_type: PolicyValueType::String,
        policy: "PortalUrl",
        display_name: "Password reset portal address",
    },
    PolicyValue {
        value_name: "AllowedHosts",
        value_type: PolicyValueType::String,
        policy: "AllowedHosts",
        display_name: "Additional hosts the reset window may open",
    },
    PolicyValue {
        value_name: "IdleTimeoutSeconds",
        value_type: PolicyValueType::Dword,
        policy: "IdleTimeoutSeconds",
        display_name: "Close the reset window after a time without input",
    },
    PolicyValue {
        value_name: "EnableLogging",
        value_type: PolicyValueType::Dword,
        policy: "EnableLogging",
        display_name: "Turn on verbose logging of the password reset provider",
    },
];

/// The policy that writes `value_name` (case-insensitive, as the registry is).
pub fn policy_for(value_name: &str) -> Option<&'static PolicyValue> {
    POLICY_VALUES
        .iter()
        .find(|p| p.value_name.eq_ignore_ascii_case(value_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{resolve, MemoryRegistry, RegValue, RegistryRead, Source, WindowsFamily};
    use std::cell::RefCell;

    /// Records every `(key, name)` a resolve asks for.
    struct Recorder {
        inner: MemoryRegistry,
        reads: RefCell<Vec<(String, String)>>,
    }

    impl RegistryRead for Recorder {
        fn read(&self, key: &str, name: &str) -> Option<RegValue> {
            self.reads
                .borrow_mut()
                .push((key.to_owned(), name.to_owned()));
            self.inner.read(key, name)
        }
    }

    #[test]
    fn the_list_is_exactly_what_resolve_reads_from_the_policy_key() {
        let recorder = Recorder {
            inner: MemoryRegistry::new(),
            reads: RefCell::new(Vec::new()),
        };
        resolve(&recorder, WindowsFamily::Windows8OrLater);
        let mut read: Vec<String> = recorder
            .reads
            .into_inner()
            .into_iter()
            .filter(|(key, _)| key == crate::POLICY_KEY)
            .map(|(_, name)| name)
            .collect();
        read.sort();
        let mut listed: Vec<String> = POLICY_VALUES
            .iter()
            .map(|p| p.value_name.to_owned())
            .collect();
        listed.sort();
        assert_eq!(read, listed);
    }

    /// A value of the listed type under the policy key is taken from the policy.
    #[test]
    fn each_listed_type_is_honoured_from_the_policy_key() {
        for value in POLICY_VALUES {
            let raw = match (value.value_type, value.value_name) {
                (PolicyValueType::Dword, "IdleTimeoutSeconds") => RegValue::Dword(45),
                (PolicyValueType::Dword, _) => RegValue::Dword(1),
                (PolicyValueType::String, "PortalUrl") => {
                    RegValue::String("https://sspr.contoso.test/".into())
                }
                (PolicyValueType::String, _) => RegValue::String("contoso.test".into()),
            };
            let registry =
                MemoryRegistry::new().with(crate::POLICY_KEY, value.value_name, raw.clone());
            let settings = resolve(&registry, WindowsFamily::Windows7);
            let source = match value.value_name {
                "Disabled" => settings.disabled.source,
                "LinkText" => settings.link_text.source,
                "PortalUrl" => settings.portal_url.source,
                "AllowedHosts" => settings.allowed_hosts.source,
                "IdleTimeoutSeconds" => settings.idle_timeout_seconds.source,
                "EnableLogging" => settings.enable_logging.source,
                other => panic!("no setting for {other}"),
            };
            assert_eq!(source, Source::Policy, "{} as {raw:?}", value.value_name);
        }
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(
            policy_for("disabled").map(|p| p.policy),
            Some("TurnOffResetLink")
        );
        assert_eq!(policy_for("Nope"), None);
    }
}
