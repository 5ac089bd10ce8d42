//! Conversions between JSON documents and the official SDK's `Document` type.
//!
//! Documents are `serde_json::Value` here, so they need no conversion for
//! ordinary use; these functions exist for code that mixes this SDK with the
//! AWS SDK for Rust. Both directions are lossless for every JSON value.

use aws_smithy_types::{Document as SmithyDocument, Number};
use serde_json::Value;

/// Converts a JSON value to an `aws_smithy_types::Document`.
///
/// ```
/// let doc = bedrock_wire::document::to_smithy(&serde_json::json!({"k": [1, -2, 0.5, "s", null]}));
/// assert_eq!(bedrock_wire::document::from_smithy(&doc), serde_json::json!({"k": [1, -2, 0.5, "s", null]}));
/// ```
pub fn to_smithy(value: &Value) -> SmithyDocument {
    match value {
        Value::Null => SmithyDocument::Null,
        Value::Bool(b) => SmithyDocument::Bool(*b),
        Value::Number(n) => SmithyDocument::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(f64::NAN))
        }),
        Value::String(s) => SmithyDocument::String(s.clone()),
        Value::Array(items) => SmithyDocument::Array(items.iter().map(to_smithy).collect()),
        Value::Object(map) => SmithyDocument::Object(map.iter().map(|(k, v)| (k.clone(), to_smithy(v))).collect()),
    }
}

/// Converts an `aws_smithy_types::Document` to a JSON value.
///
/// Non-finite floats have no JSON number form and become `null`.
pub fn from_smithy(document: &SmithyDocument) -> Value {
    match document {
        SmithyDocument::Null => Value::Null,
        SmithyDocument::Bool(b) => Value::Bool(*b),
        SmithyDocument::Number(Number::PosInt(u)) => Value::from(*u),
        SmithyDocument::Number(Number::NegInt(i)) => Value::from(*i),
        SmithyDocument::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        SmithyDocument::String(s) => Value::String(s.clone()),
        SmithyDocument::Array(items) => Value::Array(items.iter().map(from_smithy).collect()),
        SmithyDocument::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), from_smithy(v))).collect()),
    }
}
