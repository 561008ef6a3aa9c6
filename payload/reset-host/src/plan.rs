//! What the host will do, decided from its arguments and the settings before any window exists:
//! the policy, the first URL (which must pass that policy) and the idle timeout.

use sspr_settings::Settings;
use sspr_url_policy::{Loaded, Policy};

use crate::portal::portal_address;

/// Everything the window needs, already checked.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The configured portal URL the plan started from.
    pub portal_url: String,
    /// Where the portal URL came from: `command line`, or a setting's source.
    pub portal_source: String,
    /// The navigation policy and the admin hosts it ignored.
    pub policy: Loaded,
    /// The first page (the portal with the user's name where it takes one).
    pub url: String,
    /// Seconds without input before the window closes.
    pub idle_timeout_seconds: u32,
    /// Settings values that were unusable and fell back (one line each).
    pub rejected_settings: Vec<String>,
}

/// Why there is nothing to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The plan for `portal_url` (from the command line, else the setting) and `user`.
pub fn plan(
    portal_url: Option<&str>,
    user: Option<&str>,
    settings: &Settings,
) -> Result<Plan, PlanError> {
    let (portal_url, portal_source) = match portal_url {
        Some(url) => (url.to_owned(), "command line".to_owned()),
        None => (
            settings.portal_url.value.clone(),
            settings.portal_url.source.name().to_owned(),
        ),
    };
    let policy = Policy::load(&portal_url, &settings.allowed_hosts.value).map_err(|deny| {
        PlanError(format!(
            "the portal URL `{portal_url}` ({portal_source}) cannot be used: {deny}; set \
             PortalUrl to an https:// address of the reset portal"
        ))
    })?;
    let url = portal_address(&portal_url, policy.policy.portal_host(), user);
    if let Some(deny) = policy.policy.check(&url).deny() {
        return Err(PlanError(format!(
            "the first page for this user would be refused ({deny}); check PortalUrl's \
             {{username}} placeholder"
        )));
    }
    let rejected_settings = settings
        .portal_url
        .rejected
        .iter()
        .chain(&settings.allowed_hosts.rejected)
        .chain(&settings.idle_timeout_seconds.rejected)
        .cloned()
        .collect();
    Ok(Plan {
        portal_url,
        portal_source,
        policy,
        url,
        idle_timeout_seconds: settings.idle_timeout_seconds.value,
        rejected_settings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sspr_settings::{resolve, MemoryRegistry, RegValue, WindowsFamily, SETTINGS_KEY};

    fn settings(registry: &MemoryRegistry) -> Settings {
        resolve(registry, WindowsFamily::Windows7)
    }

    #[test]
    fn defaults_open_the_microsoft_portal_for_five_minutes() {
        let plan = plan(None, None, &settings(&MemoryRegistry::new())).unwrap();
        assert_eq!(plan.url, "https://passwordreset.microsoftonline.com/");
        assert_eq!(plan.portal_source, "default");
        assert_eq!(plan.idle_timeout_seconds, 300);
        assert!(plan
            .policy
            .policy
            .hosts()
            .contains(&"login.microsoftonline.com".to_owned()));
    }

    #[test]
    fn the_command_line_portal_wins_and_admin_hosts_join() {
        let registry = MemoryRegistry::new()
            .with(
                SETTINGS_KEY,
                "AllowedHosts",
                RegValue::String("sso.contoso.com;*.evil.test".into()),
            )
            .with(SETTINGS_KEY, "IdleTimeoutSeconds", RegValue::Dword(60));
        let plan = plan(
            Some("https://reset.contoso.com/?u={username}"),
            Some("alice@contoso.com"),
            &settings(&registry),
        )
        .unwrap();
        assert_eq!(plan.url, "https://reset.contoso.com/?u=alice%40contoso.com");
        assert_eq!(plan.portal_source, "command line");
        assert_eq!(plan.idle_timeout_seconds, 60);
        let hosts = plan.policy.policy.hosts();
        assert!(hosts.contains(&"reset.contoso.com".to_owned()));
        assert!(hosts.contains(&"sso.contoso.com".to_owned()));
        assert_eq!(plan.policy.ignored_hosts.len(), 1);
        assert_eq!(plan.policy.ignored_hosts[0].0, "*.evil.test");
    }

    #[test]
    fn a_portal_the_policy_refuses_is_an_error_naming_the_fix() {
        let error = plan(
            Some("https://user@passwordreset.microsoftonline.com/"),
            None,
            &settings(&MemoryRegistry::new()),
        )
        .unwrap_err();
        assert!(error.0.contains("cannot be used"), "{error}");
        assert!(error.0.contains("set PortalUrl"), "{error}");
        assert!(plan(
            Some("http://reset.contoso.com/"),
            None,
            &settings(&MemoryRegistry::new())
        )
        .is_err());
    }
}
