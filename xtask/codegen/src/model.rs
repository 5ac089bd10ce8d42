//! The botocore JSON service model, as far as code generation needs it.
//!
//! Members and operations keep the order of the source file, so generated
//! code follows the spec's order and diffs stay small when the spec changes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// A JSON object read with its keys in source order.
#[derive(Clone, Debug)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T> Ordered<T> {
    /// Looks up `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Iterates in source order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

/// A whole service model (`service-2.json`).
#[derive(Clone, Debug, Deserialize)]
pub struct Service {
    /// Service metadata.
    pub metadata: Metadata,
    /// Operations in source order.
    #[serde(default)]
    pub operations: Ordered<Operation>,
    /// Shapes by name.
    pub shapes: BTreeMap<String, Shape>,
}

/// Service metadata.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `rest-json` for every service this generator accepts.
    pub protocol: String,
    /// The service's API version.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The service id.
    #[serde(default)]
    pub service_id: Option<String>,
}

/// An operation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// The operation name.
    pub name: String,
    /// Its HTTP binding.
    pub http: HttpTrait,
    /// The input structure.
    #[serde(default)]
    pub input: Option<ShapeRef>,
    /// The output structure.
    #[serde(default)]
    pub output: Option<ShapeRef>,
    /// Modeled errors.
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    /// Whether the operation is idempotent.
    #[serde(default)]
    pub idempotent: bool,
    /// A host prefix (`endpoint.hostPrefix`).
    #[serde(default)]
    pub endpoint: Option<EndpointTrait>,
    /// Whether the operation is deprecated.
    #[serde(default)]
    pub deprecated: bool,
}

/// The `http` trait of an operation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpTrait {
    /// The HTTP method.
    pub method: String,
    /// The URI template, possibly with a constant query.
    pub request_uri: String,
    /// The status code of a successful response.
    #[serde(default)]
    pub response_code: Option<u16>,
}

/// The `endpoint` trait of an operation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointTrait {
    /// The prefix to put before the host, with `{label}` placeholders.
    pub host_prefix: String,
}

/// A reference to a shape.
#[derive(Clone, Debug, Deserialize)]
pub struct ShapeRef {
    /// The target shape's name.
    pub shape: String,
}

/// A structure member.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The target shape.
    pub shape: String,
    /// `uri`, `querystring`, `header`, `headers` or `statusCode`; absent for body members.
    #[serde(default)]
    pub location: Option<String>,
    /// The wire name: the JSON key for body members, the label/parameter/header name otherwise.
    #[serde(default)]
    pub location_name: Option<String>,
    /// Whether this header carries base64-encoded JSON.
    #[serde(default)]
    pub jsonvalue: bool,
    /// Whether the member fills a host-prefix label.
    #[serde(default)]
    pub host_label: bool,
    /// Whether the member is an idempotency token.
    #[serde(default)]
    pub idempotency_token: bool,
    /// A timestamp format overriding the target's.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// For event members: this member is the whole payload.
    #[serde(default)]
    pub eventpayload: bool,
    /// For event members: this member is a message header.
    #[serde(default)]
    pub eventheader: bool,
    /// Whether the member is deprecated.
    #[serde(default)]
    pub deprecated: bool,
}

/// The `error` trait of an exception.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    /// The status code the service uses for this error.
    #[serde(default)]
    pub http_status_code: Option<u16>,
    /// Whether the caller is at fault.
    #[serde(default)]
    pub sender_fault: bool,
}

/// A shape.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    /// `structure`, `string`, `list`, `map`, `blob`, `timestamp`, a number type or `boolean`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Structure members in source order.
    #[serde(default)]
    pub members: Ordered<Member>,
    /// Required member names.
    #[serde(default)]
    pub required: Vec<String>,
    /// List member.
    #[serde(default)]
    pub member: Option<Member>,
    /// Map key.
    #[serde(default)]
    pub key: Option<Member>,
    /// Map value.
    #[serde(default)]
    pub value: Option<Member>,
    /// Enum values of a string shape.
    #[serde(default, rename = "enum")]
    pub enum_values: Vec<String>,
    /// Minimum length or value.
    #[serde(default)]
    pub min: Option<Value>,
    /// Maximum length or value.
    #[serde(default)]
    pub max: Option<Value>,
    /// A regular expression strings must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Whether values must not be logged.
    #[serde(default)]
    pub sensitive: bool,
    /// A union: exactly one member is set.
    #[serde(default)]
    pub union: bool,
    /// A document: open JSON content.
    #[serde(default)]
    pub document: bool,
    /// An exception.
    #[serde(default)]
    pub exception: bool,
    /// Exception details.
    #[serde(default)]
    pub error: Option<ErrorTrait>,
    /// Whether the exception is a server fault.
    #[serde(default)]
    pub fault: bool,
    /// Whether clients may retry after this error.
    #[serde(default)]
    pub retryable: Option<Value>,
    /// An event stream union.
    #[serde(default)]
    pub eventstream: bool,
    /// An event structure.
    #[serde(default)]
    pub event: bool,
    /// The member bound to the HTTP payload.
    #[serde(default)]
    pub payload: Option<String>,
    /// The timestamp format of a timestamp shape.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// A streaming blob.
    #[serde(default)]
    pub streaming: bool,
    /// Whether the string is a media type (headers carry it base64-encoded).
    #[serde(default)]
    pub json_value: bool,
    /// Whether the shape is deprecated.
    #[serde(default)]
    pub deprecated: bool,
}

impl Shape {
    /// The number in `min`, if any.
    pub fn min_f64(&self) -> Option<f64> {
        self.min.as_ref().and_then(Value::as_f64)
    }

    /// The number in `max`, if any.
    pub fn max_f64(&self) -> Option<f64> {
        self.max.as_ref().and_then(Value::as_f64)
    }
}

/// `paginators-1.json`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Paginators {
    /// Paginator definitions by operation.
    pub pagination: Ordered<Paginator>,
}

/// One paginator.
#[derive(Clone, Debug, Deserialize)]
pub struct Paginator {
    /// The input member that carries the token.
    pub input_token: Value,
    /// The output member that carries the next token.
    pub output_token: Value,
    /// The input member that limits the page size.
    #[serde(default)]
    pub limit_key: Option<String>,
    /// The output member holding the results.
    #[serde(default)]
    pub result_key: Option<Value>,
}
