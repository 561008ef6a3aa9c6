//! The template and its resources as plain data, and the registry actions of a policy.

use roxmltree::{Document, Node};

use crate::{PolicyState, RegistryAction, NAMESPACE};

/// A registry value's data as a policy writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegData {
    /// `REG_DWORD`
    Dword(u32),
    /// `REG_SZ`
    String(String),
    /// `REG_EXPAND_SZ`
    ExpandString(String),
}

/// A `supportedOn` definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportedOn {
    pub name: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub display_name: String,
    pub parent: Option<String>,
}

/// The kind of an element inside `<elements>`, with the attributes that shape its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementKind {
    Text {
        max_length: u32,
        expandable: bool,
    },
    Decimal {
        min: u32,
        max: u32,
        store_as_text: bool,
    },
    /// `boolean`, `enum`, `list`, `multiText`, `longDecimal`: kept by tag name, not used here.
    Other(String),
}

impl ElementKind {
    /// The ADML control that presents this kind of element.
    pub fn control(&self) -> &str {
        match self {
            ElementKind::Text { .. } => "textBox",
            ElementKind::Decimal { .. } => "decimalTextBox",
            ElementKind::Other(tag) => match tag.as_str() {
                "boolean" => "checkBox",
                "enum" => "dropdownList",
                "list" => "listBox",
                "multiText" => "multiTextBox",
                "longDecimal" => "longDecimalTextBox",
                _ => "",
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub id: String,
    pub kind: ElementKind,
    /// A key of its own; `None`: the policy's key.
    pub key: Option<String>,
    pub value_name: String,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub class: String,
    pub display_name: String,
    pub explain_text: String,
    pub presentation: Option<String>,
    pub key: String,
    pub value_name: Option<String>,
    pub parent_category: Option<String>,
    pub supported_on: Option<String>,
    pub enabled_value: Option<RegData>,
    pub disabled_value: Option<RegData>,
    pub elements: Vec<Element>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub revision: String,
    pub schema_version: String,
    /// `(prefix, namespace)` of `<target>`.
    pub target: (String, String),
    /// `(prefix, namespace)` of each `<using>`.
    pub usings: Vec<(String, String)>,
    pub min_required_revision: String,
    pub supported_on: Vec<SupportedOn>,
    pub categories: Vec<Category>,
    pub policies: Vec<Policy>,
}

/// One control of a presentation, by its tag; `ref_id` is `None` for descriptive `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentationControl {
    pub tag: String,
    pub ref_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    pub id: String,
    pub controls: Vec<PresentationControl>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    pub revision: String,
    pub schema_version: String,
    pub strings: Vec<(String, String)>,
    pub presentations: Vec<Presentation>,
}

impl Resources {
    pub fn string(&self, id: &str) -> Option<&str> {
        self.strings
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
    }

    /// The text a `$(string.X)` reference stands for.
    pub fn resolve(&self, reference: &str) -> Option<&str> {
        self.string(string_ref(reference)?)
    }
}

/// `X` of `$(string.X)`.
pub fn string_ref(reference: &str) -> Option<&str> {
    reference.strip_prefix("$(string.")?.strip_suffix(')')
}

/// `X` of `$(presentation.X)`.
pub fn presentation_ref(reference: &str) -> Option<&str> {
    reference.strip_prefix("$(presentation.")?.strip_suffix(')')
}

pub(crate) fn children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    children(node).find(|c| c.tag_name().name() == name)
}

fn attr(node: Node, name: &str) -> Result<String, String> {
    node.attribute(name).map(str::to_owned).ok_or_else(|| {
        format!(
            "<{}> at byte {} has no {name} attribute",
            node.tag_name().name(),
            node.range().start
        )
    })
}

fn number(node: Node, name: &str, default: u32) -> Result<u32, String> {
    match node.attribute(name) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            format!(
                "<{} {name}=\"{text}\"> is not an unsigned 32-bit number",
                node.tag_name().name()
            )
        }),
    }
}

fn flag(node: Node, name: &str) -> bool {
    node.attribute(name) == Some("true")
}

pub(crate) fn document(text: &str) -> Result<Document<'_>, String> {
    Document::parse(text).map_err(|e| format!("not well-formed XML: {e}"))
}

fn root_named<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Result<Node<'a, 'i>, String> {
    let root = doc.root_element();
    if root.tag_name().name() != name || root.tag_name().namespace() != Some(NAMESPACE) {
        return Err(format!(
            "the root element is {{{}}}{}, not {{{NAMESPACE}}}{name}",
            root.tag_name().namespace().unwrap_or(""),
            root.tag_name().name()
        ));
    }
    Ok(root)
}

/// The one value child of `<enabledValue>` / `<disabledValue>`.
fn value_of(node: Node) -> Result<RegData, String> {
    let inner = children(node)
        .next()
        .ok_or_else(|| format!("<{}> is empty", node.tag_name().name()))?;
    match inner.tag_name().name() {
        "decimal" => Ok(RegData::Dword(number(inner, "value", 0)?)),
        "string" => Ok(RegData::String(inner.text().unwrap_or("").to_owned())),
        other => Err(format!(
            "<{}><{other}> is not used by this project's policies",
            node.tag_name().name()
        )),
    }
}

fn element(node: Node) -> Result<Element, String> {
    let kind = match node.tag_name().name() {
        "text" => ElementKind::Text {
            max_length: number(node, "maxLength", 1023)?,
            expandable: flag(node, "expandable"),
        },
        "decimal" => ElementKind::Decimal {
            min: number(node, "minValue", 0)?,
            max: number(node, "maxValue", 9999)?,
            store_as_text: flag(node, "storeAsText"),
        },
        other => ElementKind::Other(other.to_owned()),
    };
    Ok(Element {
        id: attr(node, "id")?,
        kind,
        key: node.attribute("key").map(str::to_owned),
        value_name: attr(node, "valueName")?,
        required: flag(node, "required"),
    })
}

fn policy(node: Node) -> Result<Policy, String> {
    let reference = |name: &str| child(node, name).and_then(|c| c.attribute("ref"));
    Ok(Policy {
        name: attr(node, "name")?,
        class: attr(node, "class")?,
        display_name: attr(node, "displayName")?,
        explain_text: attr(node, "explainText")?,
        presentation: node.attribute("presentation").map(str::to_owned),
        key: attr(node, "key")?,
        value_name: node.attribute("valueName").map(str::to_owned),
        parent_category: reference("parentCategory").map(str::to_owned),
        supported_on: reference("supportedOn").map(str::to_owned),
        enabled_value: child(node, "enabledValue").map(value_of).transpose()?,
        disabled_value: child(node, "disabledValue").map(value_of).transpose()?,
        elements: match child(node, "elements") {
            Some(elements) => children(elements).map(element).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
    })
}

/// Parses an ADMX file (structure only; [`crate::check`] applies the schema's rules).
pub fn parse_template(text: &str) -> Result<Template, String> {
    let doc = document(text)?;
    let root = root_named(&doc, "policyDefinitions")?;
    let namespaces = child(root, "policyNamespaces").ok_or("no <policyNamespaces>")?;
    let target = child(namespaces, "target").ok_or("no <policyNamespaces><target>")?;
    let section = |name: &str, item: &str| -> Vec<Node> {
        child(root, name)
            .map(|s| {
                children(s)
                    .filter(|c| c.tag_name().name() == item)
                    .collect()
            })
            .unwrap_or_default()
    };
    let definitions: Vec<Node> = child(root, "supportedOn")
        .and_then(|s| child(s, "definitions"))
        .map(|d| children(d).collect())
        .unwrap_or_default();
    Ok(Template {
        revision: attr(root, "revision")?,
        schema_version: attr(root, "schemaVersion")?,
        target: (attr(target, "prefix")?, attr(target, "namespace")?),
        usings: children(namespaces)
            .filter(|c| c.tag_name().name() == "using")
            .map(|u| Ok((attr(u, "prefix")?, attr(u, "namespace")?)))
            .collect::<Result<_, String>>()?,
        min_required_revision: child(root, "resources")
            .ok_or("no <resources>")
            .map_err(str::to_owned)
            .and_then(|r| attr(r, "minRequiredRevision"))?,
        supported_on: definitions
            .into_iter()
            .map(|d| {
                Ok(SupportedOn {
                    name: attr(d, "name")?,
                    display_name: attr(d, "displayName")?,
                })
            })
            .collect::<Result<_, String>>()?,
        categories: section("categories", "category")
            .into_iter()
            .map(|c| {
                Ok(Category {
                    name: attr(c, "name")?,
                    display_name: attr(c, "displayName")?,
                    parent: child(c, "parentCategory")
                        .and_then(|p| p.attribute("ref"))
                        .map(str::to_owned),
                })
            })
            .collect::<Result<_, String>>()?,
        policies: section("policies", "policy")
            .into_iter()
            .map(policy)
            .collect::<Result<_, _>>()?,
    })
}

/// Parses an ADML file.
pub fn parse_resources(text: &str) -> Result<Resources, String> {
    let doc = document(text)?;
    let root = root_named(&doc, "policyDefinitionResources")?;
    let resources = child(root, "resources").ok_or("no <resources>")?;
    let strings = child(resources, "stringTable")
        .map(|table| {
            children(table)
                .map(|s| Ok((attr(s, "id")?, s.text().unwrap_or("").to_owned())))
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    let presentations = child(resources, "presentationTable")
        .map(|table| {
            children(table)
                .map(|p| {
                    Ok(Presentation {
                        id: attr(p, "id")?,
                        controls: children(p)
                            .map(|c| PresentationControl {
                                tag: c.tag_name().name().to_owned(),
                                ref_id: c.attribute("refId").map(str::to_owned),
                            })
                            .collect(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Resources {
        revision: attr(root, "revision")?,
        schema_version: attr(root, "schemaVersion")?,
        strings,
        presentations,
    })
}

impl Template {
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name)
    }

    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }
}

impl Element {
    /// The data Group Policy writes for `input`, checked as the editor checks it.
    pub fn data(&self, input: &str) -> Result<RegData, String> {
        match &self.kind {
            ElementKind::Text {
                max_length,
                expandable,
            } => {
                if input.chars().count() > *max_length as usize {
                    return Err(format!(
                        "{}: {} characters, more than maxLength {max_length}",
                        self.id,
                        input.chars().count()
                    ));
                }
                Ok(if *expandable {
                    RegData::ExpandString(input.to_owned())
                } else {
                    RegData::String(input.to_owned())
                })
            }
            ElementKind::Decimal {
                min,
                max,
                store_as_text,
            } => {
                let number: u32 = input
                    .parse()
                    .map_err(|_| format!("{}: `{input}` is not a number", self.id))?;
                if !(*min..=*max).contains(&number) {
                    return Err(format!("{}: {number} is outside {min}..={max}", self.id));
                }
                Ok(if *store_as_text {
                    RegData::String(number.to_string())
                } else {
                    RegData::Dword(number)
                })
            }
            ElementKind::Other(tag) => {
                Err(format!("{}: <{tag}> elements are not supported", self.id))
            }
        }
    }
}

impl Policy {
    /// The registry changes Group Policy makes for `state`, in document order: the policy's own
    /// value (`enabledValue`, `disabledValue`; a policy with a `valueName` and no such value
    /// writes DWORD 1 when enabled and deletes it when disabled), then each element's value
    /// (written when enabled, deleted when disabled). Not configured deletes every value the
    /// policy writes, as Group Policy does when the policy is removed from the GPO.
    pub fn actions(&self, state: &PolicyState) -> Result<Vec<RegistryAction>, String> {
        let action = |key: &str, value_name: &str, data: Option<RegData>| RegistryAction {
            key: key.to_owned(),
            value_name: value_name.to_owned(),
            data,
        };
        let mut actions = Vec::new();
        if let Some(value_name) = &self.value_name {
            let data = match state {
                PolicyState::Enabled(_) => {
                    Some(self.enabled_value.clone().unwrap_or(RegData::Dword(1)))
                }
                PolicyState::Disabled => self.disabled_value.clone(),
                PolicyState::NotConfigured => None,
            };
            actions.push(action(&self.key, value_name, data));
        }
        for element in &self.elements {
            let key = element.key.as_deref().unwrap_or(&self.key);
            let data = match state {
                PolicyState::Enabled(inputs) => {
                    match inputs.iter().find(|(id, _)| *id == element.id) {
                        Some((_, input)) => Some(element.data(input)?),
                        None if element.required => {
                            return Err(format!(
                                "policy {}: element {} is required",
                                self.name, element.id
                            ))
                        }
                        None => None,
                    }
                }
                PolicyState::Disabled | PolicyState::NotConfigured => None,
            };
            actions.push(action(key, &element.value_name, data));
        }
        if let PolicyState::Enabled(inputs) = state {
            if let Some((id, _)) = inputs
                .iter()
                .find(|(id, _)| !self.elements.iter().any(|e| &e.id == id))
            {
                return Err(format!("policy {} has no element {id}", self.name));
            }
        }
        Ok(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<policyDefinitions xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions" revision="1.0" schemaVersion="1.0"><policyNamespaces><target prefix="t" namespace="T.N"/></policyNamespaces><resources minRequiredRevision="1.0"/><policies>"#;

    fn one_policy(body: &str) -> Policy {
        let text = format!("{HEAD}{body}</policies></policyDefinitions>");
        parse_template(&text).unwrap().policies.remove(0)
    }

    #[test]
    fn a_flag_policy_writes_its_enabled_and_disabled_values() {
        let policy = one_policy(
            r#"<policy name="P" class="Machine" displayName="$(string.P)" explainText="$(string.E)" key="SOFTWARE\Policies\X" valueName="Off"><enabledValue><decimal value="1"/></enabledValue><disabledValue><decimal value="0"/></disabledValue></policy>"#,
        );
        let at = |data| RegistryAction {
            key: r"SOFTWARE\Policies\X".into(),
            value_name: "Off".into(),
            data,
        };
        assert_eq!(
            policy.actions(&PolicyState::Enabled(vec![])).unwrap(),
            [at(Some(RegData::Dword(1)))]
        );
        assert_eq!(
            policy.actions(&PolicyState::Disabled).unwrap(),
            [at(Some(RegData::Dword(0)))]
        );
        assert_eq!(
            policy.actions(&PolicyState::NotConfigured).unwrap(),
            [at(None)]
        );
    }

    #[test]
    fn elements_write_typed_values_within_their_bounds() {
        let policy = one_policy(
            r#"<policy name="P" class="Machine" displayName="$(string.P)" explainText="$(string.E)" presentation="$(presentation.P)" key="K"><elements><decimal id="D" valueName="Dv" required="true" minValue="30" maxValue="3600"/><text id="T" valueName="Tv" maxLength="3" key="K2"/></elements></policy>"#,
        );
        let enabled = |d: &str, t: &str| {
            policy.actions(&PolicyState::Enabled(vec![
                ("D".into(), d.into()),
                ("T".into(), t.into()),
            ]))
        };
        assert_eq!(
            enabled("30", "abc").unwrap(),
            [
                RegistryAction {
                    key: "K".into(),
                    value_name: "Dv".into(),
                    data: Some(RegData::Dword(30))
                },
                RegistryAction {
                    key: "K2".into(),
                    value_name: "Tv".into(),
                    data: Some(RegData::String("abc".into()))
                },
            ]
        );
        assert_eq!(
            enabled("29", "a").unwrap_err(),
            "D: 29 is outside 30..=3600"
        );
        assert_eq!(
            enabled("60", "abcd").unwrap_err(),
            "T: 4 characters, more than maxLength 3"
        );
        assert_eq!(
            policy
                .actions(&PolicyState::Enabled(vec![("T".into(), "a".into())]))
                .unwrap_err(),
            "policy P: element D is required"
        );
        let disabled = policy.actions(&PolicyState::Disabled).unwrap();
        assert!(disabled.iter().all(|a| a.data.is_none()), "{disabled:?}");
    }

    #[test]
    fn a_wrong_root_is_refused_by_name() {
        let error = parse_template("<policyDefinitions/>").unwrap_err();
        assert_eq!(
            error,
            "the root element is {}policyDefinitions, not {http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}policyDefinitions"
        );
    }
}
