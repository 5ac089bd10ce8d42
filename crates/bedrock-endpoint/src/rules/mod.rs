//! The rules engine: a rule set's syntax tree, its JSON form, and its evaluation.
//!
//! A rule set is data. `RuleSet::from_json` (feature `json`) reads the JSON that AWS ships
//! (`endpoint-rule-set-1.json`); the built-in rule sets are the same tree built
//! by Rust code that `cargo xtask codegen` writes from that JSON
//! (`src/generated/`), so both go through one evaluator.

pub(crate) mod build;
mod error;
mod eval;
#[cfg(feature = "json")]
mod parse;
pub(crate) mod stdlib;
pub(crate) mod template;
#[cfg(feature = "json")]
mod validate;

use std::collections::BTreeMap;
use std::fmt;

pub use error::{ParseError, ResolveError};
use template::{Path, Template};

use crate::partition::Partitions;
use crate::value::Value;

/// The type of a rule-set parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `stringArray`.
    StringArray,
}

impl ParameterType {
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (ParameterType::String, Value::String(_)) | (ParameterType::Boolean, Value::Bool(_)) => true,
            (ParameterType::StringArray, Value::Array(items)) => items.iter().all(|v| v.as_str().is_some()),
            _ => false,
        }
    }
}

impl fmt::Display for ParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParameterType::String => "string",
            ParameterType::Boolean => "boolean",
            ParameterType::StringArray => "stringArray",
        })
    }
}

/// A parameter a rule set declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    name: String,
    kind: ParameterType,
    built_in: Option<String>,
    required: bool,
    default: Option<Value>,
    documentation: Option<String>,
    deprecated: Option<String>,
}

impl Parameter {
    pub(crate) fn new(name: &str, kind: ParameterType) -> Self {
        Parameter {
            name: name.to_owned(),
            kind,
            built_in: None,
            required: false,
            default: None,
            documentation: None,
            deprecated: None,
        }
    }

    pub(crate) fn bind(mut self, built_in: &str) -> Self {
        self.built_in = Some(built_in.to_owned());
        self
    }

    pub(crate) fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub(crate) fn default_to(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    pub(crate) fn document(mut self, text: &str) -> Self {
        self.documentation = Some(text.to_owned());
        self
    }

    // Used by the JSON reader (feature `json`) and by generated rule sets that need it.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn deprecate(mut self, note: &str) -> Self {
        self.deprecated = Some(note.to_owned());
        self
    }

    /// The parameter's name, as the rules refer to it (`Region`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its type.
    pub fn kind(&self) -> ParameterType {
        self.kind
    }

    /// The SDK setting it is bound to, such as `AWS::Region` or `SDK::Endpoint`.
    pub fn built_in(&self) -> Option<&str> {
        self.built_in.as_deref()
    }

    /// Whether evaluation fails when it has neither a value nor a default.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The value used when none is given.
    pub fn default_value(&self) -> Option<&Value> {
        self.default.as_ref()
    }

    /// The rule set's description of the parameter.
    pub fn documentation(&self) -> Option<&str> {
        self.documentation.as_deref()
    }

    /// The deprecation note, if the parameter is deprecated.
    pub fn deprecation(&self) -> Option<&str> {
        self.deprecated.as_deref()
    }
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    /// A string literal, possibly with `{..}` substitutions.
    Str(Template),
    Bool(bool),
    // Only rule sets read from JSON hold integer literals so far.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    Int(i64),
    Array(Vec<Expr>),
    /// A record literal (endpoint properties), fields sorted by name.
    Record(Vec<(String, Expr)>),
    /// `{"ref": name}`.
    Ref(String),
    /// `{"fn": .., "argv": [..]}`.
    Call(Box<Call>),
    /// Something the builder could not make sense of; evaluating it fails with this message.
    Invalid(String),
}

/// A function call.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Call {
    pub(crate) func: Func,
    /// For `getAttr`, only the target: the path lives in [`Func::GetAttr`].
    pub(crate) args: Vec<Expr>,
}

/// The standard library.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Func {
    IsSet,
    Not,
    BooleanEquals,
    StringEquals,
    GetAttr(Path),
    Substring,
    UriEncode,
    ParseUrl,
    IsValidHostLabel,
    AwsPartition,
    AwsParseArn,
    AwsIsVirtualHostableS3Bucket,
    Split,
    Coalesce,
    Ite,
}

impl Func {
    /// The function's name in rule sets.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Func::IsSet => "isSet",
            Func::Not => "not",
            Func::BooleanEquals => "booleanEquals",
            Func::StringEquals => "stringEquals",
            Func::GetAttr(_) => "getAttr",
            Func::Substring => "substring",
            Func::UriEncode => "uriEncode",
            Func::ParseUrl => "parseURL",
            Func::IsValidHostLabel => "isValidHostLabel",
            Func::AwsPartition => "aws.partition",
            Func::AwsParseArn => "aws.parseArn",
            Func::AwsIsVirtualHostableS3Bucket => "aws.isVirtualHostableS3Bucket",
            Func::Split => "split",
            Func::Coalesce => "coalesce",
            Func::Ite => "ite",
        }
    }
}

/// A condition: a function call, optionally bound to a name.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    pub(crate) expr: Expr,
    pub(crate) assign: Option<String>,
}

/// What a rule yields when its conditions hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RuleKind {
    Endpoint(EndpointTemplate),
    Error(Expr),
    Tree(Vec<Rule>),
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rule {
    pub(crate) conditions: Vec<Condition>,
    pub(crate) kind: RuleKind,
    pub(crate) documentation: Option<String>,
}

impl Rule {
    pub(crate) fn document(mut self, text: &str) -> Self {
        self.documentation = Some(text.to_owned());
        self
    }
}

/// The endpoint an endpoint rule yields, before evaluation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EndpointTemplate {
    pub(crate) url: Expr,
    /// Sorted by name.
    pub(crate) properties: Vec<(String, Expr)>,
    /// Sorted by name.
    pub(crate) headers: Vec<(String, Vec<Expr>)>,
}

impl EndpointTemplate {
    pub(crate) fn property(mut self, name: &str, value: Expr) -> Self {
        let at = self.properties.partition_point(|(k, _)| k.as_str() < name);
        self.properties.insert(at, (name.to_owned(), value));
        self
    }

    // Used by the JSON reader (feature `json`) and by generated rule sets that need it.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn header(mut self, name: &str, values: Vec<Expr>) -> Self {
        let at = self.headers.partition_point(|(k, _)| k.as_str() < name);
        self.headers.insert(at, (name.to_owned(), values));
        self
    }
}

/// A Smithy endpoint rule set: parameters and rules, evaluated by [`RuleSet::resolve`].
///
/// Obtain one from `RuleSet::from_json` (feature `json`) (any AWS service's
/// `endpoint-rule-set-1.json`) or use a built-in one through
/// [`Service::rule_set`](crate::Service::rule_set).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    version: String,
    /// Sorted by name.
    parameters: Vec<Parameter>,
    rules: Vec<Rule>,
}

impl RuleSet {
    pub(crate) fn from_parts(version: &str, mut parameters: Vec<Parameter>, rules: Vec<Rule>) -> Self {
        parameters.sort_by(|a, b| a.name.cmp(&b.name));
        RuleSet {
            version: version.to_owned(),
            parameters,
            rules,
        }
    }

    /// Reads a rule set in its JSON form and checks it: every function is
    /// known and called with the right number of arguments, every reference
    /// names a parameter or a variable assigned before it, every template parses.
    #[cfg(feature = "json")]
    pub fn from_json(json: &str) -> Result<RuleSet, ParseError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ParseError::new("rule set", "", format!("not JSON: {e}")))?;
        let rule_set = parse::rule_set(&value)?;
        rule_set.validate()?;
        Ok(rule_set)
    }

    /// Checks the rule set as `RuleSet::from_json` does.
    #[cfg(feature = "json")]
    pub(crate) fn validate(&self) -> Result<(), ParseError> {
        validate::rule_set(self)
    }

    /// The rule set's schema version (`1.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The parameters, sorted by name.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The parameter bound to an SDK setting such as `AWS::Region`.
    pub fn parameter_for_built_in(&self, built_in: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.built_in.as_deref() == Some(built_in))
    }

    /// Evaluates the rules for `params`, with `partitions` answering `aws.partition`.
    ///
    /// Parameters missing from `params` take their defaults; values for names the
    /// rule set does not declare are ignored, as the AWS SDKs do.
    pub fn resolve(&self, params: &Params, partitions: &Partitions) -> Result<Endpoint, ResolveError> {
        eval::resolve(self, params, partitions)
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// Parameter values for one evaluation, by parameter name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, Value>,
}

impl Params {
    /// No values: every parameter takes its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets parameter `name`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    /// Sets parameter `name`.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.values.insert(name.into(), value.into());
    }

    /// The value of parameter `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// A resolved endpoint: the URL, the properties (such as `authSchemes`) and headers to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    properties: BTreeMap<String, Value>,
    headers: BTreeMap<String, Vec<String>>,
}

impl Endpoint {
    pub(crate) fn new(
        url: String,
        properties: BTreeMap<String, Value>,
        headers: BTreeMap<String, Vec<String>>,
    ) -> Self {
        Endpoint {
            url,
            properties,
            headers,
        }
    }

    /// The URL, exactly as the rule set built it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The endpoint properties, such as `authSchemes`.
    pub fn properties(&self) -> &BTreeMap<String, Value> {
        &self.properties
    }

    /// One property.
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.properties.get(name)
    }

    /// Headers to add to every request, by name.
    pub fn headers(&self) -> &BTreeMap<String, Vec<String>> {
        &self.headers
    }
}

#[cfg(test)]
mod tests;
