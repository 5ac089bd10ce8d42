//! Errors: the service's validation message, the internal fault type and its
//! mapping onto each operation's generated error enum.

use bedrock_control_types::error as ce;
use bedrock_wire::validate::{Validate, Violation, ViolationKind};

/// What went wrong inside an operation, before it is cast into the
/// operation's own error enum.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fault {
    /// `ValidationException` (400).
    Validation(String),
    /// `ResourceNotFoundException` (404).
    NotFound(String),
    /// `ConflictException` (409).
    Conflict(String),
    /// `TooManyTagsException` (400): the message and the resource.
    TooManyTags(String, String),
}

impl Fault {
    pub(crate) fn message(&self) -> &str {
        match self {
            Fault::Validation(m) | Fault::NotFound(m) | Fault::Conflict(m) | Fault::TooManyTags(m, _) => m,
        }
    }
}

/// Runs the generated `validate()` of `input`, as a [`Fault::Validation`]
/// worded like the service.
pub(crate) fn check<T: Validate + serde::Serialize>(input: &T) -> Result<(), Fault> {
    match validation_message(input) {
        Some(message) => Err(Fault::Validation(message)),
        None => Ok(()),
    }
}

/// The service's message for every constraint `input` breaks, or `None` when
/// it breaks none.
///
/// The wording follows the AWS services: `1 validation error detected: Value
/// 'x' at 'name' failed to satisfy constraint: Member must have length less
/// than or equal to 50`, with violations joined by `; `, list positions
/// written `tools.1.member.name` (1-based), and the value left out when it is
/// not a string, number or boolean.
pub fn validation_message<T: Validate + serde::Serialize>(input: &T) -> Option<String> {
    let errors = input.validate().err()?;
    let json = serde_json::to_value(input).unwrap_or(serde_json::Value::Null);
    let parts: Vec<String> = errors.violations().iter().map(|v| describe(v, &json)).collect();
    let noun = if parts.len() == 1 { "error" } else { "errors" };
    Some(format!(
        "{} validation {noun} detected: {}",
        parts.len(),
        parts.join("; ")
    ))
}

fn describe(violation: &Violation, root: &serde_json::Value) -> String {
    let value = match lookup(root, &violation.path) {
        Some(serde_json::Value::String(s)) => format!("Value '{s}' at"),
        Some(serde_json::Value::Number(n)) => format!("Value '{n}' at"),
        Some(serde_json::Value::Bool(b)) => format!("Value '{b}' at"),
        Some(serde_json::Value::Null) => "Value null at".to_owned(),
        _ => "Value at".to_owned(),
    };
    let constraint = match &violation.kind {
        ViolationKind::Length { min, max, actual } => match (min, max) {
            (Some(min), _) if actual < min => format!("Member must have length greater than or equal to {min}"),
            (_, Some(max)) => format!("Member must have length less than or equal to {max}"),
            _ => "Member must have a valid length".to_owned(),
        },
        ViolationKind::Range { min, max, actual } => match (min, max) {
            (Some(min), _) if actual < min => {
                format!("Member must have value greater than or equal to {}", number(*min))
            }
            (_, Some(max)) => format!("Member must have value less than or equal to {}", number(*max)),
            _ => "Member must have a valid value".to_owned(),
        },
        ViolationKind::Pattern { pattern } => format!("Member must satisfy regular expression pattern: {pattern}"),
        _ => "Member must satisfy its constraints".to_owned(),
    };
    format!(
        "{value} '{}' failed to satisfy constraint: {constraint}",
        service_path(&violation.path)
    )
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// One step of a validation path: a member name or a `[...]` index.
enum Step<'a> {
    Member(&'a str),
    Index(&'a str),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            out.push(Step::Index(&inner[..end]));
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            out.push(Step::Member(&rest_trimmed[..end]));
            rest = &rest_trimmed[end..];
        }
    }
    out
}

fn lookup<'a>(root: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut at = root;
    for step in steps(path) {
        at = match step {
            Step::Member(name) => at.get(name)?,
            Step::Index(index) => match at {
                serde_json::Value::Array(items) => items.get(index.parse::<usize>().ok()?)?,
                serde_json::Value::Object(map) => map.get(index)?,
                _ => return None,
            },
        };
    }
    Some(at)
}

/// `tools[0].name` → `tools.1.member.name`, as the services write it.
fn service_path(path: &str) -> String {
    let mut out = String::new();
    for step in steps(path) {
        if !out.is_empty() {
            out.push('.');
        }
        match step {
            Step::Member(name) => out.push_str(name),
            Step::Index(index) => match index.parse::<usize>() {
                Ok(i) => {
                    out.push_str(&(i + 1).to_string());
                    out.push_str(".member");
                }
                Err(_) => out.push_str(index),
            },
        }
    }
    out
}

/// The answer to a control-plane operation the emulator does not implement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotEmulated {
    operation: String,
}

impl NotEmulated {
    /// The HTTP status to send: 501 Not Implemented (not retried by the AWS
    /// SDKs, unlike 500, 502, 503 and 504).
    pub const STATUS: u16 = 501;
    /// The error code to send (`x-amzn-errortype`), so clients see a modeled
    /// `ValidationException` rather than an unknown error.
    pub const CODE: &'static str = "ValidationException";

    pub(crate) fn new(operation: &str) -> Self {
        NotEmulated {
            operation: operation.to_owned(),
        }
    }

    /// The operation that was called.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// `bedrock-local does not emulate the control-plane operation X; ...`.
    pub fn message(&self) -> String {
        format!(
            "bedrock-local does not emulate the control-plane operation {}; it emulates: {}",
            self.operation,
            super::EMULATED_OPERATIONS.join(", ")
        )
    }

    /// The error as the generated `ValidationException`, ready to serialize.
    pub fn to_validation_exception(&self) -> ce::ValidationException {
        ce::ValidationException::new().with_message(self.message())
    }
}

impl std::fmt::Display for NotEmulated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for NotEmulated {}

/// Casts a [`Fault`] into an operation's error enum, using the modeled
/// exception when the operation has it and `ValidationException` otherwise.
macro_rules! fault_into {
    ($($error:ident { $($variant:ident),* })*) => {$(
        impl From<Fault> for ce::$error {
            #[allow(unreachable_patterns, unused_variables)]
            fn from(fault: Fault) -> Self {
                let resource = match &fault {
                    Fault::TooManyTags(_, resource) => Some(resource.clone()),
                    _ => None,
                };
                match fault {
                    $(fault_into!(@pattern $variant, message) => fault_into!(@build $error, $variant, message, resource),)*
                    other => ce::$error::ValidationException(
                        ce::ValidationException::new().with_message(other.message()),
                    ),
                }
            }
        }
    )*};
    (@pattern NotFound, $m:ident) => { Fault::NotFound($m) };
    (@pattern Conflict, $m:ident) => { Fault::Conflict($m) };
    (@pattern TooManyTags, $m:ident) => { Fault::TooManyTags($m, _) };
    (@pattern Validation, $m:ident) => { Fault::Validation($m) };
    (@build $error:ident, NotFound, $m:ident, $r:ident) => {
        ce::$error::ResourceNotFoundException(ce::ResourceNotFoundException::new().with_message($m))
    };
    (@build $error:ident, Conflict, $m:ident, $r:ident) => {
        ce::$error::ConflictException(ce::ConflictException::new().with_message($m))
    };
    (@build $error:ident, TooManyTags, $m:ident, $r:ident) => {{
        let mut exception = ce::TooManyTagsException::new().with_message($m);
        exception.resource_name = $r;
        ce::$error::TooManyTagsException(exception)
    }};
    (@build $error:ident, Validation, $m:ident, $r:ident) => {
        ce::$error::ValidationException(ce::ValidationException::new().with_message($m))
    };
}

fault_into! {
    ListFoundationModelsError { Validation }
    GetFoundationModelError { Validation, NotFound }
    ListInferenceProfilesError { Validation }
    GetInferenceProfileError { Validation, NotFound }
    CreateInferenceProfileError { Validation, NotFound, Conflict, TooManyTags }
    DeleteInferenceProfileError { Validation, NotFound, Conflict }
    CreateGuardrailError { Validation, NotFound, Conflict, TooManyTags }
    GetGuardrailError { Validation, NotFound }
    ListGuardrailsError { Validation, NotFound }
    UpdateGuardrailError { Validation, NotFound, Conflict }
    DeleteGuardrailError { Validation, NotFound, Conflict }
    CreateGuardrailVersionError { Validation, NotFound, Conflict }
    CreateModelInvocationJobError { Validation, NotFound, Conflict }
    GetModelInvocationJobError { Validation, NotFound }
    ListModelInvocationJobsError { Validation }
    StopModelInvocationJobError { Validation, NotFound, Conflict }
    CreateProvisionedModelThroughputError { Validation, NotFound, TooManyTags }
    GetProvisionedModelThroughputError { Validation, NotFound }
    ListProvisionedModelThroughputsError { Validation }
    UpdateProvisionedModelThroughputError { Validation, NotFound }
    DeleteProvisionedModelThroughputError { Validation, NotFound, Conflict }
    TagResourceError { Validation, NotFound, TooManyTags }
    UntagResourceError { Validation, NotFound }
    ListTagsForResourceError { Validation, NotFound }
}
