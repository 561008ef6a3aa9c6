//! The shipped administrative templates: sound by the ADMX schema's rules, and consistent with
//! the settings crate: every value the code reads from the policy key has exactly one policy
//! with the same key, value name and registry type, nothing else is written, and each policy
//! applied as Group Policy applies it is what `sspr_settings::resolve` then reports.

use sspr_policy_templates::{
    check, load, ElementKind, Policy, PolicyState, RegData, RegistryAction, Template,
};
use sspr_settings::policy::{PolicyValueType, POLICY_PATH, POLICY_VALUES};
use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};

use sspr_settings::{
    resolve, RegValue, RegistryRead, Settings, Source, WindowsFamily, IDLE_TIMEOUT_RANGE,
    MAX_LINK_TEXT_CHARS, POLICY_KEY, PROVIDER_KEY, SETTINGS_KEY,
};

fn texts() -> Result<(String, Vec<(String, String)>)> {
    let files = sspr_policy_templates::shipped_files();
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let admx = read(&files[0].1)?;
    let languages = files[1..]
        .iter()
        .map(|(name, path)| {
            let (language, _) = name
                .split_once('/')
                .with_context(|| format!("{name} is not in a language folder"))?;
            Ok((language.to_owned(), read(path)?))
        })
        .collect::<Result<_>>()?;
    Ok((admx, languages))
}

fn problems_of(admx: &str, languages: &[(String, String)]) -> Vec<String> {
    let borrowed: Vec<(&str, &str)> = languages
        .iter()
        .map(|(l, t)| (l.as_str(), t.as_str()))
        .collect();
    check(admx, &borrowed)
}

#[test]
fn shipped_templates_follow_the_schema_rules() -> Result<()> {
    let (admx, languages) = texts()?;
    assert_eq!(
        languages
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        ["en-US", "de-DE"]
    );
    assert_eq!(problems_of(&admx, &languages), Vec::<String>::new());
    let (template, _) = load().unwrap();
    assert_eq!(
        template.target,
        (
            "ssprwindowslogon".to_owned(),
            "SsprWindowsLogon.Policies.SsprWindowsLogon".to_owned()
        )
    );
    assert_eq!(
        template.usings,
        [(
            "windows".to_owned(),
            "Microsoft.Policies.Windows".to_owned()
        )]
    );
    Ok(())
}

/// Each rule catches its own breakage, by the exact problem line.
#[test]
fn broken_templates_are_caught_by_name() -> Result<()> {
    let (admx, languages) = texts()?;
    let english = &languages[0].1;
    // (what, ADMX text, languages, the problem expected)
    type Case<'a> = (&'a str, String, Vec<(String, String)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "wrong namespace",
            admx.replace(
                "xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\"",
                "xmlns=\"urn:other\"",
            ),
            languages.clone(),
            "SsprWindowsLogon.admx: the root element is {urn:other}policyDefinitions, not {http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}policyDefinitions",
        ),
        (
            "revision",
            admx.replace("revision=\"1.0\" schemaVersion", "revision=\"1\" schemaVersion"),
            languages.clone(),
            "SsprWindowsLogon.admx: revision `1` is not major.minor",
        ),
        (
            "duplicate policy",
            admx.replace("policy name=\"LinkText\"", "policy name=\"PortalUrl\""),
            languages.clone(),
            "SsprWindowsLogon.admx: policy name `PortalUrl` is used twice",
        ),
        (
            "undefined supportedOn",
            admx.replacen(
                "<supportedOn ref=\"SUPPORTED_Windows7SP1\" />",
                "<supportedOn ref=\"SUPPORTED_Nowhere\" />",
                1,
            ),
            languages.clone(),
            "SsprWindowsLogon.admx: policy TurnOffResetLink: supportedOn `SUPPORTED_Nowhere` is not defined in this file",
        ),
        (
            "unknown windows definition",
            admx.replacen(
                "<supportedOn ref=\"SUPPORTED_Windows7SP1\" />",
                "<supportedOn ref=\"windows:SUPPORTED_WindowsXP\" />",
                1,
            ),
            languages.clone(),
            "SsprWindowsLogon.admx: policy TurnOffResetLink: supportedOn `windows:SUPPORTED_WindowsXP` is not a definition of Windows.admx this project knows",
        ),
        (
            "element order",
            admx.replacen(
                "<parentCategory ref=\"ResetAtSignIn\" />\n      <supportedOn ref=\"SUPPORTED_Windows7SP1\" />",
                "<supportedOn ref=\"SUPPORTED_Windows7SP1\" />\n      <parentCategory ref=\"ResetAtSignIn\" />",
                1,
            ),
            languages.clone(),
            "SsprWindowsLogon.admx: <parentCategory> comes after an element the schema puts behind it inside <policy> (order: annotation, parentCategory, seeAlso, keywords, supportedOn, enabledValue, disabledValue, enabledList, disabledList, elements)",
        ),
        (
            "decimal bounds",
            admx.replace("minValue=\"30\"", "minValue=\"4000\""),
            languages.clone(),
            "SsprWindowsLogon.admx: policy IdleTimeoutSeconds: element IdleTimeoutSeconds: minValue 4000 > maxValue 3600",
        ),
        (
            "missing string",
            admx.clone(),
            vec![
                (
                    "en-US".to_owned(),
                    english.replace("<string id=\"PortalUrl\">", "<string id=\"PortalURL\">"),
                ),
            ],
            "en-US/SsprWindowsLogon.adml: no string `PortalUrl` (used as $(string.PortalUrl))",
        ),
        (
            "wrong control",
            admx.clone(),
            vec![(
                "en-US".to_owned(),
                english.replace(
                    "<decimalTextBox refId=\"IdleTimeoutSeconds\" defaultValue=\"300\" spinStep=\"30\">Seconds without input (30-3600):</decimalTextBox>",
                    "<textBox refId=\"IdleTimeoutSeconds\"><label>Seconds</label></textBox>",
                ),
            )],
            "en-US/SsprWindowsLogon.adml: presentation IdleTimeoutSeconds: <textBox> presents element IdleTimeoutSeconds, which needs <decimalTextBox>",
        ),
        (
            "language drift",
            admx.clone(),
            vec![
                languages[0].clone(),
                (
                    "de-DE".to_owned(),
                    languages[1].1.replace("<string id=\"LinkText\">", "<string id=\"LinkTxt\">"),
                ),
            ],
            "de-DE/SsprWindowsLogon.adml: string LinkText of en-US is missing",
        ),
    ];
    for (what, admx, languages, expected) in cases {
        let problems = problems_of(&admx, &languages);
        assert!(
            problems.iter().any(|p| p == expected),
            "{what}: expected `{expected}` among {problems:#?}"
        );
    }
    Ok(())
}

fn value_type(data: &RegData) -> Result<PolicyValueType> {
    match data {
        RegData::Dword(_) => Ok(PolicyValueType::Dword),
        RegData::String(_) => Ok(PolicyValueType::String),
        RegData::ExpandString(_) => bail!("REG_EXPAND_SZ: the settings read no such value"),
    }
}

/// `(key, value name, registry type, policy name)` of every value the template writes.
fn written_values(template: &Template) -> Result<Vec<(String, String, PolicyValueType, String)>> {
    let mut written = Vec::new();
    for policy in &template.policies {
        if let Some(name) = &policy.value_name {
            let types: Vec<PolicyValueType> = [&policy.enabled_value, &policy.disabled_value]
                .into_iter()
                .flatten()
                .map(value_type)
                .collect::<Result<_>>()
                .with_context(|| format!("policy {}", policy.name))?;
            assert!(
                types.windows(2).all(|w| w[0] == w[1]),
                "policy {}: enabled and disabled values of different types",
                policy.name
            );
            // Without an enabledValue, Group Policy writes DWORD 1.
            let kind = types.first().copied().unwrap_or(PolicyValueType::Dword);
            written.push((policy.key.clone(), name.clone(), kind, policy.name.clone()));
        }
        for element in &policy.elements {
            let kind = match element.kind {
                ElementKind::Text {
                    expandable: false, ..
                } => PolicyValueType::String,
                ElementKind::Decimal {
                    store_as_text: false,
                    ..
                } => PolicyValueType::Dword,
                ref other => bail!("policy {}: element {other:?}", policy.name),
            };
            written.push((
                element.key.clone().unwrap_or_else(|| policy.key.clone()),
                element.value_name.clone(),
                kind,
                policy.name.clone(),
            ));
        }
    }
    written.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(written)
}

#[test]
fn every_value_read_from_the_policy_key_has_exactly_one_policy_and_nothing_else() -> Result<()> {
    let (template, _) = load().unwrap();
    let written = written_values(&template)?;
    let mut expected: Vec<(String, String, PolicyValueType, String)> = POLICY_VALUES
        .iter()
        .map(|v| {
            (
                POLICY_KEY.to_owned(),
                v.value_name.to_owned(),
                v.value_type,
                v.policy.to_owned(),
            )
        })
        .collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(written, expected);
    for policy in &template.policies {
        assert_eq!(policy.class, "Machine", "policy {}", policy.name);
    }
    Ok(())
}

#[test]
fn names_and_bounds_match_the_settings_crate() {
    let (template, languages) = load().unwrap();
    let english = &languages[0].1;
    for value in POLICY_VALUES {
        let policy = template.policy(value.policy).unwrap();
        assert_eq!(
            english.resolve(&policy.display_name),
            Some(value.display_name),
            "policy {}",
            value.policy
        );
    }
    // The Group Policy editor's path to the policies, from the categories down.
    let mut path = Vec::new();
    let mut category = template.policies[0].parent_category.clone();
    while let Some(name) = category {
        let found = template.category(&name).unwrap();
        path.insert(0, english.resolve(&found.display_name).unwrap().to_owned());
        category = found.parent.clone();
    }
    assert_eq!(
        format!(
            r"Computer Configuration\Administrative Templates\{}",
            path.join(r"\")
        ),
        POLICY_PATH
    );
    assert!(template
        .policies
        .iter()
        .all(|p| p.parent_category == template.policies[0].parent_category));

    let element = |policy: &str| template.policy(policy).unwrap().elements[0].kind.clone();
    assert_eq!(
        element("IdleTimeoutSeconds"),
        ElementKind::Decimal {
            min: *IDLE_TIMEOUT_RANGE.start(),
            max: *IDLE_TIMEOUT_RANGE.end(),
            store_as_text: false
        }
    );
    assert_eq!(
        element("LinkText"),
        ElementKind::Text {
            max_length: MAX_LINK_TEXT_CHARS as u32,
            expandable: false
        }
    );
}

#[test]
fn every_explanation_says_what_wins_and_the_default() {
    let (template, languages) = load().unwrap();
    let english = &languages[0].1;
    for policy in &template.policies {
        let text = english.resolve(&policy.explain_text).unwrap();
        for needed in [
            "If you enable this policy",
            "Precedence: this policy wins over",
        ] {
            assert!(text.contains(needed), "{}: no `{needed}`", policy.name);
        }
        assert!(
            text.contains("default"),
            "{}: the default is not stated",
            policy.name
        );
    }
}

/// `HKLM` as `(key, value name)` in upper case (the registry ignores case) to value.
#[derive(Default)]
struct Machine(BTreeMap<(String, String), RegValue>);

impl Machine {
    fn set(&mut self, key: &str, name: &str, value: RegValue) {
        self.0
            .insert((key.to_uppercase(), name.to_uppercase()), value);
    }

    /// What Group Policy does: write or delete each value.
    fn apply(&mut self, actions: &[RegistryAction]) -> Result<()> {
        for action in actions {
            let value = match &action.data {
                Some(RegData::Dword(n)) => RegValue::Dword(*n),
                Some(RegData::String(s)) => RegValue::String(s.clone()),
                Some(RegData::ExpandString(_)) => {
                    bail!("{}\\{}: REG_EXPAND_SZ", action.key, action.value_name)
                }
                None => {
                    self.0
                        .remove(&(action.key.to_uppercase(), action.value_name.to_uppercase()));
                    continue;
                }
            };
            self.set(&action.key, &action.value_name, value);
        }
        Ok(())
    }
}

impl RegistryRead for Machine {
    fn read(&self, key: &str, name: &str) -> Option<RegValue> {
        self.0
            .get(&(key.to_uppercase(), name.to_uppercase()))
            .cloned()
    }
}

/// The machine before the policy: the MSI's settings, with values unlike the samples.
fn installed_machine() -> Machine {
    let mut machine = Machine::default();
    machine.set(SETTINGS_KEY, "Disabled", RegValue::Dword(0));
    machine.set(
        SETTINGS_KEY,
        "LinkText",
        RegValue::String("From the MSI".into()),
    );
    machine.set(
        SETTINGS_KEY,
        "PortalUrl",
        RegValue::String("https://msi.contoso.test/".into()),
    );
    machine.set(
        SETTINGS_KEY,
        "AllowedHosts",
        RegValue::String("msi.contoso.test".into()),
    );
    machine.set(SETTINGS_KEY, "IdleTimeoutSeconds", RegValue::Dword(600));
    machine.set(PROVIDER_KEY, "EnableLogging", RegValue::Dword(0));
    machine
}

/// One setting as `(value shown as text, source)`, by the value's registry name.
fn setting(settings: &Settings, value_name: &str) -> Result<(String, Source)> {
    Ok(match value_name {
        "Disabled" => (
            settings.disabled.value.to_string(),
            settings.disabled.source,
        ),
        "LinkText" => (settings.link_text.value.clone(), settings.link_text.source),
        "PortalUrl" => (
            settings.portal_url.value.clone(),
            settings.portal_url.source,
        ),
        "AllowedHosts" => (
            settings.allowed_hosts.value.join(";"),
            settings.allowed_hosts.source,
        ),
        "IdleTimeoutSeconds" => (
            settings.idle_timeout_seconds.value.to_string(),
            settings.idle_timeout_seconds.source,
        ),
        "EnableLogging" => (
            settings.enable_logging.value.to_string(),
            settings.enable_logging.source,
        ),
        other => bail!("no setting reads {other}"),
    })
}

fn resolved_after(policy: &Policy, state: &PolicyState) -> Result<Settings> {
    let mut machine = installed_machine();
    let actions = policy
        .actions(state)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("policy {} as {state:?}", policy.name))?;
    machine.apply(&actions)?;
    Ok(resolve(&machine, WindowsFamily::Windows8OrLater))
}

#[test]
fn each_policy_applied_as_group_policy_would_is_what_the_code_resolves() -> Result<()> {
    let (template, _) = load().unwrap();
    let expected_enabled = [
        ("Disabled", "true"),
        ("LinkText", "Reset your password here"),
        ("PortalUrl", "https://sspr.contoso.test/reset"),
        ("AllowedHosts", "sts.contoso.test;mfa.contoso.test"),
        ("IdleTimeoutSeconds", "45"),
        ("EnableLogging", "true"),
    ];
    // Disabled: the flag policies write 0 and win; the others remove their value, so the
    // MSI's setting (or the registration's) applies again.
    let expected_disabled = [
        ("Disabled", ("false", Source::Policy)),
        ("LinkText", ("From the MSI", Source::Settings)),
        ("PortalUrl", ("https://msi.contoso.test/", Source::Settings)),
        ("AllowedHosts", ("msi.contoso.test", Source::Settings)),
        ("IdleTimeoutSeconds", ("600", Source::Settings)),
        ("EnableLogging", ("false", Source::Policy)),
    ];
    for value in POLICY_VALUES {
        let policy = template.policy(value.policy).unwrap();
        let enabled = resolved_after(policy, &policy.enabled_with_samples())?;
        let want = expected_enabled
            .iter()
            .find(|(n, _)| *n == value.value_name)
            .unwrap()
            .1;
        assert_eq!(
            setting(&enabled, value.value_name)?,
            (want.to_owned(), Source::Policy),
            "{} enabled",
            value.policy
        );
        let disabled = resolved_after(policy, &PolicyState::Disabled)?;
        let (want, source) = expected_disabled
            .iter()
            .find(|(n, _)| *n == value.value_name)
            .unwrap()
            .1;
        assert_eq!(
            setting(&disabled, value.value_name)?,
            (want.to_owned(), source),
            "{} disabled",
            value.policy
        );
        let not_configured = resolved_after(policy, &PolicyState::NotConfigured)?;
        assert_ne!(
            setting(&not_configured, value.value_name)?.1,
            Source::Policy,
            "{} not configured",
            value.policy
        );
    }
    Ok(())
}

#[test]
fn check_dir_names_the_folder_and_every_problem() {
    let dir = std::env::temp_dir().join(format!("sspr-admx-check-{}", std::process::id()));
    for (name, source) in sspr_policy_templates::shipped_files() {
        let to = dir.join(&name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(source).unwrap();
        let text = if name == "de-DE/SsprWindowsLogon.adml" {
            text.replace("<string id=\"EnableLogging\">", "<string id=\"EnableLog\">")
        } else {
            text
        };
        std::fs::write(to, text).unwrap();
    }
    let error = sspr_policy_templates::check_dir(&dir).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        error,
        format!(
            "the administrative templates in {} break the ADMX schema's rules:\n  \
             de-DE/SsprWindowsLogon.adml: no string `EnableLogging` (used as $(string.EnableLogging))\n  \
             de-DE/SsprWindowsLogon.adml: string `EnableLog` is not used by the template\n  \
             de-DE/SsprWindowsLogon.adml: string EnableLogging of en-US is missing\n  \
             de-DE/SsprWindowsLogon.adml: string EnableLog is not in en-US",
            dir.display()
        )
    );
    assert!(sspr_policy_templates::check_dir(&sspr_policy_templates::admx_dir()).is_ok());
}
