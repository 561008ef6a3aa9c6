//! The administrative templates in `admx/` (`SsprWindowsLogon.admx` and one
//! `SsprWindowsLogon.adml` per language): read into a model, checked against the rules of
//! Microsoft's ADMX schema, and turned into the registry actions Group Policy performs when a
//! policy is enabled, disabled or not configured.
//!
//! The checks ([`check`]) cover what the Group Policy editor relies on: the namespace and
//! versions, element order, unique names, every `$(string.X)` and `$(presentation.X)` reference
//! resolving in every language, every `supportedOn` and `parentCategory` defined, and each
//! presentation control matching an element of its policy. The consistency with the settings the
//! code reads is tested in `tests/templates.rs`; the Wine round trip in `tests/e2e` applies
//! [`Policy::actions`] to an installed machine.

mod model;
mod rules;

pub use model::{
    parse_resources, parse_template, Category, Element, ElementKind, Policy, Presentation,
    PresentationControl, RegData, Resources, SupportedOn, Template,
};
pub use rules::check;

use std::path::PathBuf;

/// The namespace of ADMX and ADML files.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions";

/// The file name of the template and of each language's resources.
pub const TEMPLATE_STEM: &str = "SsprWindowsLogon";

/// The languages shipped, as `admx/<language>/SsprWindowsLogon.adml`; the first is the
/// reference the others must match.
pub const LANGUAGES: [&str; 2] = ["en-US", "de-DE"];

/// `admx/` in the checkout.
pub fn admx_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("admx")
}

/// Every shipped file, relative to `admx/` and to `PolicyDefinitions` alike (the central store
/// has the same layout): the template, then each language's resources.
pub fn shipped_names() -> Vec<String> {
    std::iter::once(format!("{TEMPLATE_STEM}.admx"))
        .chain(
            LANGUAGES
                .iter()
                .map(|language| format!("{language}/{TEMPLATE_STEM}.adml")),
        )
        .collect()
}

/// Every shipped file, as `(path inside PolicyDefinitions, path in the checkout)`.
pub fn shipped_files() -> Vec<(String, PathBuf)> {
    let dir = admx_dir();
    shipped_names()
        .into_iter()
        .map(|name| {
            let path = dir.join(&name);
            (name, path)
        })
        .collect()
}

/// Reads the shipped files under `admx_dir` and checks them ([`check`]); an error lists every
/// problem.
pub fn check_dir(admx_dir: &std::path::Path) -> Result<(), String> {
    let mut texts = Vec::new();
    for name in shipped_names() {
        let path = admx_dir.join(&name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        texts.push((name, text));
    }
    let languages: Vec<(&str, &str)> = texts[1..]
        .iter()
        .map(|(name, text)| (name.split('/').next().unwrap_or(""), text.as_str()))
        .collect();
    let problems = check(&texts[0].1, &languages);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the administrative templates in {} break the ADMX schema's rules:\n  {}",
            admx_dir.display(),
            problems.join("\n  ")
        ))
    }
}

/// The state an admin gives a policy in the Group Policy editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyState {
    /// Enabled, with the value typed into each element, by element id.
    Enabled(Vec<(String, String)>),
    Disabled,
    NotConfigured,
}

/// One registry change Group Policy makes under `HKLM` (class `Machine`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryAction {
    /// The key, relative to `HKLM`.
    pub key: String,
    pub value_name: String,
    /// `None`: the value is deleted.
    pub data: Option<RegData>,
}

/// Reads and parses the shipped template and every language's resources.
pub fn load() -> Result<(Template, Vec<(String, Resources)>), String> {
    let dir = admx_dir();
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let template = parse_template(&read(dir.join(format!("{TEMPLATE_STEM}.admx")))?)?;
    let mut languages = Vec::new();
    for language in LANGUAGES {
        let text = read(dir.join(language).join(format!("{TEMPLATE_STEM}.adml")))?;
        let resources = parse_resources(&text).map_err(|e| format!("{language}: {e}"))?;
        languages.push((language.to_owned(), resources));
    }
    Ok((template, languages))
}

/// What the tests type into each element when they enable a policy: values the code accepts,
/// unlike any default, so a test sees whether the policy's value arrived.
pub const SAMPLE_INPUTS: [(&str, &str); 4] = [
    ("LinkText", "Reset your password here"),
    ("PortalUrl", "https://sspr.contoso.test/reset"),
    ("AllowedHosts", "sts.contoso.test;mfa.contoso.test"),
    ("IdleTimeoutSeconds", "45"),
];

impl Policy {
    /// The enabled state with [`SAMPLE_INPUTS`] in each element.
    pub fn enabled_with_samples(&self) -> PolicyState {
        PolicyState::Enabled(
            self.elements
                .iter()
                .filter_map(|e| {
                    SAMPLE_INPUTS
                        .iter()
                        .find(|(id, _)| *id == e.id)
                        .map(|(id, input)| ((*id).to_owned(), (*input).to_owned()))
                })
                .collect(),
        )
    }
}
