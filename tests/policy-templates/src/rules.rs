//! The rules of Microsoft's ADMX schema (PolicyDefinitions.xsd and
//! PolicyDefinitionResources.xsd) that the Group Policy editor depends on, checked over the raw
//! XML and the parsed model. Each problem is one line naming the file and what to change.

use std::collections::BTreeSet;

use roxmltree::Node;

use crate::model::{
    child, children, document, parse_resources, parse_template, presentation_ref, string_ref,
    ElementKind, Resources, Template,
};
use crate::NAMESPACE;

/// The `supportedOn` definitions of Windows.admx (`Microsoft.Policies.Windows`) this project may
/// refer to with the `windows:` prefix.
const WINDOWS_SUPPORTED_ON: [&str; 3] = [
    "SUPPORTED_Windows7",
    "SUPPORTED_Windows_7_0_SP1",
    "SUPPORTED_Windows8",
];

/// Child elements of `<policy>`, in the order the schema's sequence requires.
const POLICY_CHILDREN: [&str; 10] = [
    "annotation",
    "parentCategory",
    "seeAlso",
    "keywords",
    "supportedOn",
    "enabledValue",
    "disabledValue",
    "enabledList",
    "disabledList",
    "elements",
];

/// Child elements of `<policyDefinitions>`, in schema order.
const TEMPLATE_CHILDREN: [&str; 7] = [
    "policyNamespaces",
    "supersededAdm",
    "annotation",
    "resources",
    "supportedOn",
    "categories",
    "policies",
];

/// Child elements of `<policyDefinitionResources>`, in schema order.
const RESOURCES_CHILDREN: [&str; 4] = ["displayName", "description", "annotation", "resources"];

/// `major.minor`, as `revision` and `minRequiredRevision` are typed.
fn is_version(text: &str) -> bool {
    let mut parts = text.split('.');
    let number =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_none()
}

fn version_key(text: &str) -> (u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The schema's `itemName`: a letter or `_`, then letters, digits, `_`, `.` or `-`.
fn is_item_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn duplicates<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    names.into_iter().filter(|n| !seen.insert(*n)).collect()
}

/// Element children of `node` must come in `order` (each name may repeat) and be in the ADMX
/// namespace.
fn check_order(node: Node, order: &[&str], file: &str, problems: &mut Vec<String>) {
    let mut at = 0;
    for c in children(node) {
        let name = c.tag_name().name();
        if c.tag_name().namespace() != Some(NAMESPACE) {
            problems.push(format!(
                "{file}: <{name}> inside <{}> is not in the namespace {NAMESPACE}",
                node.tag_name().name()
            ));
        }
        match order.iter().position(|o| *o == name) {
            Some(index) if index >= at => at = index,
            Some(_) => problems.push(format!(
                "{file}: <{name}> comes after an element the schema puts behind it inside <{}> (order: {})",
                node.tag_name().name(),
                order.join(", ")
            )),
            None => problems.push(format!(
                "{file}: <{name}> is not allowed inside <{}>",
                node.tag_name().name()
            )),
        }
    }
}

/// A reference to a definition: local (`name`) or from a `<using>` namespace (`prefix:name`).
fn resolves(
    reference: &str,
    local: &[&str],
    template: &Template,
    known_external: &[&str],
) -> Result<(), String> {
    match reference.split_once(':') {
        None => local
            .contains(&reference)
            .then_some(())
            .ok_or_else(|| format!("`{reference}` is not defined in this file")),
        Some((prefix, name)) if prefix == template.target.0 => local
            .contains(&name)
            .then_some(())
            .ok_or_else(|| format!("`{reference}` is not defined in this file")),
        Some((prefix, name)) => {
            let Some((_, namespace)) = template.usings.iter().find(|(p, _)| p == prefix) else {
                return Err(format!("prefix `{prefix}` of `{reference}` has no <using>"));
            };
            if namespace == "Microsoft.Policies.Windows" && !known_external.contains(&name) {
                return Err(format!(
                    "`{reference}` is not a definition of Windows.admx this project knows"
                ));
            }
            Ok(())
        }
    }
}

fn check_template_xml(text: &str, file: &str, problems: &mut Vec<String>) {
    let Ok(doc) = document(text) else { return };
    let root = doc.root_element();
    check_order(root, &TEMPLATE_CHILDREN, file, problems);
    if let Some(policies) = child(root, "policies") {
        for policy in children(policies) {
            check_order(policy, &POLICY_CHILDREN, file, problems);
            let name = policy.attribute("name").unwrap_or("?");
            // annotation and seeAlso may repeat; every other child appears at most once.
            for single in POLICY_CHILDREN
                .iter()
                .filter(|c| !matches!(**c, "annotation" | "seeAlso"))
            {
                let count = children(policy)
                    .filter(|c| c.tag_name().name() == *single)
                    .count();
                if count > 1 {
                    problems.push(format!("{file}: policy {name} has {count} <{single}>"));
                }
            }
            for which in ["enabledValue", "disabledValue"] {
                if let Some(value) = child(policy, which) {
                    let count = children(value).count();
                    if count != 1 {
                        problems.push(format!(
                            "{file}: policy {name}: <{which}> holds {count} values, the schema allows exactly one"
                        ));
                    }
                }
            }
        }
    }
}

fn check_template(template: &Template, file: &str, problems: &mut Vec<String>) {
    let mut problem = |text: String| problems.push(format!("{file}: {text}"));
    if !is_version(&template.revision) {
        problem(format!(
            "revision `{}` is not major.minor",
            template.revision
        ));
    }
    if template.schema_version != "1.0" {
        problem(format!(
            "schemaVersion is `{}`, not 1.0",
            template.schema_version
        ));
    }
    if !is_version(&template.min_required_revision) {
        problem(format!(
            "<resources minRequiredRevision=\"{}\"> is not major.minor",
            template.min_required_revision
        ));
    }
    let (prefix, namespace) = &template.target;
    if prefix.is_empty() || namespace.is_empty() {
        problem("<target> needs a prefix and a namespace".to_owned());
    }
    if namespace.starts_with("Microsoft.Policies") {
        problem(format!(
            "target namespace `{namespace}` belongs to Microsoft"
        ));
    }
    for dup in duplicates(
        std::iter::once(prefix.as_str()).chain(template.usings.iter().map(|(p, _)| p.as_str())),
    ) {
        problem(format!("namespace prefix `{dup}` is declared twice"));
    }

    let supported: Vec<&str> = template
        .supported_on
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let categories: Vec<&str> = template
        .categories
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let policies: Vec<&str> = template.policies.iter().map(|p| p.name.as_str()).collect();
    for (what, names) in [
        ("supportedOn definition", &supported),
        ("category", &categories),
        ("policy", &policies),
    ] {
        for dup in duplicates(names.iter().copied()) {
            problem(format!("{what} name `{dup}` is used twice"));
        }
        for name in names.iter().filter(|n| !is_item_name(n)) {
            problem(format!("{what} name `{name}` is not a valid itemName"));
        }
    }
    for definition in &template.supported_on {
        if string_ref(&definition.display_name).is_none() {
            problem(format!(
                "supportedOn {}: displayName `{}` is not $(string.X)",
                definition.name, definition.display_name
            ));
        }
    }
    for category in &template.categories {
        if string_ref(&category.display_name).is_none() {
            problem(format!(
                "category {}: displayName is not $(string.X)",
                category.name
            ));
        }
        if let Some(parent) = &category.parent {
            if let Err(why) = resolves(parent, &categories, template, &[]) {
                problem(format!("category {}: parentCategory {why}", category.name));
            }
            if parent == &category.name {
                problem(format!("category {} is its own parent", category.name));
            }
        }
    }
    for policy in &template.policies {
        let mut problem = |text: String| problem(format!("policy {}: {text}", policy.name));
        if !matches!(policy.class.as_str(), "Machine" | "User" | "Both") {
            problem(format!(
                "class `{}` is not Machine, User or Both",
                policy.class
            ));
        }
        for (attribute, value) in [
            ("displayName", &policy.display_name),
            ("explainText", &policy.explain_text),
        ] {
            if string_ref(value).is_none() {
                problem(format!("{attribute} `{value}` is not $(string.X)"));
            }
        }
        match (&policy.presentation, policy.elements.is_empty()) {
            (Some(p), _) if presentation_ref(p).is_none() => {
                problem(format!("presentation `{p}` is not $(presentation.X)"))
            }
            (None, false) => problem("has elements but no presentation".to_owned()),
            (Some(_), true) => problem("has a presentation but no elements".to_owned()),
            _ => {}
        }
        if policy.key.is_empty()
            || policy.key.starts_with('\\')
            || policy.key.ends_with('\\')
            || policy.key.to_ascii_uppercase().starts_with("HKEY")
            || policy.key.to_ascii_uppercase().starts_with("HKLM")
        {
            problem(format!(
                "key `{}` must be a path below the hive, without the hive or outer backslashes",
                policy.key
            ));
        }
        match &policy.parent_category {
            None => problem("has no parentCategory".to_owned()),
            Some(parent) => {
                if let Err(why) = resolves(parent, &categories, template, &[]) {
                    problem(format!("parentCategory {why}"));
                }
            }
        }
        match &policy.supported_on {
            None => problem("has no supportedOn".to_owned()),
            Some(reference) => {
                if let Err(why) = resolves(reference, &supported, template, &WINDOWS_SUPPORTED_ON) {
                    problem(format!("supportedOn {why}"));
                }
            }
        }
        if policy.value_name.is_none()
            && (policy.enabled_value.is_some() || policy.disabled_value.is_some())
        {
            problem("has enabledValue/disabledValue but no valueName".to_owned());
        }
        for dup in duplicates(policy.elements.iter().map(|e| e.id.as_str())) {
            problem(format!("element id `{dup}` is used twice"));
        }
        for element in &policy.elements {
            if let ElementKind::Decimal { min, max, .. } = element.kind {
                if min > max {
                    problem(format!(
                        "element {}: minValue {min} > maxValue {max}",
                        element.id
                    ));
                }
            }
            if element.value_name.is_empty() {
                problem(format!("element {} has an empty valueName", element.id));
            }
        }
    }
}

fn check_resources_xml(text: &str, file: &str, problems: &mut Vec<String>) {
    let Ok(doc) = document(text) else { return };
    let root = doc.root_element();
    check_order(root, &RESOURCES_CHILDREN, file, problems);
    for required in ["displayName", "description", "resources"] {
        if child(root, required).is_none() {
            problems.push(format!("{file}: no <{required}>"));
        }
    }
    if let Some(resources) = child(root, "resources") {
        check_order(
            resources,
            &["stringTable", "presentationTable"],
            file,
            problems,
        );
    }
}

fn check_resources(
    template: &Template,
    resources: &Resources,
    file: &str,
    problems: &mut Vec<String>,
) {
    let mut problem = |text: String| problems.push(format!("{file}: {text}"));
    if !is_version(&resources.revision) {
        problem(format!(
            "revision `{}` is not major.minor",
            resources.revision
        ));
    } else if version_key(&resources.revision) < version_key(&template.min_required_revision) {
        problem(format!(
            "revision {} is below the template's minRequiredRevision {}",
            resources.revision, template.min_required_revision
        ));
    }
    if resources.schema_version != "1.0" {
        problem(format!(
            "schemaVersion is `{}`, not 1.0",
            resources.schema_version
        ));
    }
    for dup in duplicates(resources.strings.iter().map(|(id, _)| id.as_str())) {
        problem(format!("string id `{dup}` is defined twice"));
    }
    for dup in duplicates(resources.presentations.iter().map(|p| p.id.as_str())) {
        problem(format!("presentation id `{dup}` is defined twice"));
    }

    let mut used_strings = BTreeSet::new();
    let display_names = template
        .supported_on
        .iter()
        .map(|s| &s.display_name)
        .chain(template.categories.iter().map(|c| &c.display_name))
        .chain(
            template
                .policies
                .iter()
                .flat_map(|p| [&p.display_name, &p.explain_text]),
        );
    for reference in display_names {
        if let Some(id) = string_ref(reference) {
            used_strings.insert(id);
            match resources.string(id) {
                None => problem(format!("no string `{id}` (used as {reference})")),
                Some(text) if text.trim().is_empty() => problem(format!("string `{id}` is empty")),
                Some(_) => {}
            }
        }
    }
    for (id, _) in &resources.strings {
        if !used_strings.contains(id.as_str()) {
            problem(format!("string `{id}` is not used by the template"));
        }
    }

    let mut used_presentations = BTreeSet::new();
    for policy in &template.policies {
        let Some(id) = policy.presentation.as_deref().and_then(presentation_ref) else {
            continue;
        };
        used_presentations.insert(id);
        let Some(presentation) = resources.presentations.iter().find(|p| p.id == id) else {
            problem(format!("no presentation `{id}` (policy {})", policy.name));
            continue;
        };
        for control in &presentation.controls {
            let Some(ref_id) = &control.ref_id else {
                if control.tag != "text" {
                    problem(format!("presentation {id}: <{}> has no refId", control.tag));
                }
                continue;
            };
            match policy.elements.iter().find(|e| &e.id == ref_id) {
                None => problem(format!(
                    "presentation {id}: refId `{ref_id}` is no element of policy {}",
                    policy.name
                )),
                Some(element) if element.kind.control() != control.tag => problem(format!(
                    "presentation {id}: <{}> presents element {ref_id}, which needs <{}>",
                    control.tag,
                    element.kind.control()
                )),
                Some(_) => {}
            }
        }
        for element in &policy.elements {
            let count = presentation
                .controls
                .iter()
                .filter(|c| c.ref_id.as_deref() == Some(element.id.as_str()))
                .count();
            if count != 1 {
                problem(format!(
                    "presentation {id}: element {} of policy {} has {count} controls, not one",
                    element.id, policy.name
                ));
            }
        }
    }
    for presentation in &resources.presentations {
        if !used_presentations.contains(presentation.id.as_str()) {
            problem(format!(
                "presentation `{}` is not used by the template",
                presentation.id
            ));
        }
    }
}

/// Checks the template and each language's resources (`(language, ADML text)`, the first the
/// reference for the others); every problem found, none when the files are sound.
pub fn check(template_text: &str, languages: &[(&str, &str)]) -> Vec<String> {
    let admx = "SsprWindowsLogon.admx";
    let mut problems = Vec::new();
    let template = match parse_template(template_text) {
        Ok(template) => template,
        Err(why) => return vec![format!("{admx}: {why}")],
    };
    check_template_xml(template_text, admx, &mut problems);
    check_template(&template, admx, &mut problems);
    let mut reference: Option<(String, Resources)> = None;
    for (language, text) in languages {
        let file = format!("{language}/SsprWindowsLogon.adml");
        let resources = match parse_resources(text) {
            Ok(resources) => resources,
            Err(why) => {
                problems.push(format!("{file}: {why}"));
                continue;
            }
        };
        check_resources_xml(text, &file, &mut problems);
        check_resources(&template, &resources, &file, &mut problems);
        match &reference {
            None => reference = Some(((*language).to_owned(), resources)),
            Some((first, first_resources)) => {
                let ids = |r: &Resources| -> BTreeSet<String> {
                    r.strings
                        .iter()
                        .map(|(id, _)| format!("string {id}"))
                        .chain(
                            r.presentations
                                .iter()
                                .map(|p| format!("presentation {}", p.id)),
                        )
                        .collect()
                };
                let (ours, theirs) = (ids(&resources), ids(first_resources));
                for missing in theirs.difference(&ours) {
                    problems.push(format!("{file}: {missing} of {first} is missing"));
                }
                for extra in ours.difference(&theirs) {
                    problems.push(format!("{file}: {extra} is not in {first}"));
                }
                for (mine, theirs) in resources
                    .presentations
                    .iter()
                    .zip(&first_resources.presentations)
                {
                    let shape = |p: &crate::Presentation| {
                        p.controls
                            .iter()
                            .map(|c| (c.tag.clone(), c.ref_id.clone()))
                            .collect::<Vec<_>>()
                    };
                    if mine.id == theirs.id && shape(mine) != shape(theirs) {
                        problems.push(format!(
                            "{file}: presentation {} has other controls than in {first}",
                            mine.id
                        ));
                    }
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_item_names() {
        assert!(is_version("1.0") && is_version("12.34"));
        assert!(
            !is_version("1") && !is_version("1.0.0") && !is_version("a.b") && !is_version("1.")
        );
        assert!(version_key("1.10") > version_key("1.9"));
        assert!(is_item_name("TurnOffResetLink") && is_item_name("_a.b-c"));
        assert!(!is_item_name("1a") && !is_item_name("a b") && !is_item_name(""));
    }
}
