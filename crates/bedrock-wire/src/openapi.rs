//! Support for the models generated from OpenAPI documents (`bedrock-mantle-types`):
//! the serde glue of tagged unions and constant members, and [`JsonOperation`],
//! the sans-IO description of one JSON-over-HTTP operation.
//!
//! These APIs (OpenAI- and Anthropic-compatible) are not restJson1: no AWS
//! error codes, no event-stream framing (streams are server-sent events), and
//! the route prefix depends on the endpoint and model. So [`JsonOperation`] is
//! lighter than [`crate::Operation`]: it says what to send and how to read
//! what comes back, and leaves the prefix, authentication and SSE framing to
//! the client. See decision 0010.

use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess};
use serde::Serialize;

use crate::error::{BuildError, MalformedResponse};
use crate::structure::Key;

/// Reads the value of a constant member (a union tag) and checks it.
pub fn expect_const<'de, A: MapAccess<'de>>(map: &mut A, expected: &'static str) -> Result<(), A::Error> {
    let value: Key<'de> = map.next_value()?;
    if value.as_str() == expected {
        Ok(())
    } else {
        Err(de::Error::invalid_value(de::Unexpected::Str(value.as_str()), &expected))
    }
}

/// The index in `tags` of the string value of member `property` of `value`, if any.
pub fn tag_index(value: &serde_json::Value, property: &str, tags: &[&str]) -> Option<usize> {
    let tag = value.get(property)?.as_str()?;
    tags.iter().position(|t| *t == tag)
}

/// Reads a `T` from a buffered JSON value, with the error type of the outer deserializer.
pub fn from_value<T: DeserializeOwned, E: de::Error>(value: serde_json::Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// One endpoint's route prefixes for an operation (`x-bedrock-routes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The endpoint: `bedrock-mantle` or `bedrock-runtime`.
    pub endpoint: &'static str,
    /// The prefixes the path is served under there, such as `/v1` and `/openai/v1`.
    pub prefixes: &'static [&'static str],
    /// `false` when the document lists the route without confirmation (`x-bedrock-unconfirmed`).
    pub confirmed: bool,
}

/// How a streaming operation's server-sent events look (`x-sse`, `x-stream-flag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SseStream {
    /// The request body member (or query parameter) that asks for the stream.
    pub flag: &'static str,
    /// Whether the SSE `event:` field repeats the payload's `type`.
    pub event_names: bool,
    /// The `data:` payload that ends the stream and is not JSON (`[DONE]`), if any.
    pub terminator: Option<&'static str>,
}

/// The body of an operation that sends none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoBody;

impl Serialize for NoBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

/// The event type of an operation that does not stream; it has no values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoEvents {}

impl<'de> serde::Deserialize<'de> for NoEvents {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(de::Error::custom("this operation does not stream"))
    }
}

/// Why a response was not the operation's output.
#[derive(Debug)]
pub enum ApiError<E> {
    /// A non-2xx status with the API's error body.
    Service {
        /// The HTTP status.
        status: u16,
        /// The error body.
        error: E,
    },
    /// A non-2xx status whose body is not the API's error shape.
    Status {
        /// The HTTP status.
        status: u16,
        /// The body, lossily as text.
        body: String,
    },
    /// A 2xx response whose body could not be read.
    Malformed(MalformedResponse),
}

impl<E: fmt::Debug> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Service { status, error } => write!(f, "HTTP {status}: {error:?}"),
            ApiError::Status { status, .. } => write!(f, "HTTP {status} with a body that is not an error object"),
            ApiError::Malformed(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for ApiError<E> {}

/// One operation of an OpenAPI-described JSON API, generated per `operationId`.
///
/// Pure functions only: [`build_request`](Self::build_request) makes an
/// `http::Request` for a route prefix, [`parse_response`](Self::parse_response)
/// reads a complete response, and [`parse_event`](Self::parse_event) reads the
/// `data:` payload of one server-sent event.
pub trait JsonOperation {
    /// Path, query and header parameters.
    type Params;
    /// The JSON request body ([`NoBody`] when there is none).
    type Body: Serialize;
    /// The JSON body of a `200` response.
    type Output: DeserializeOwned;
    /// The payload of one streamed event ([`NoEvents`] when the operation does not stream).
    type Event: DeserializeOwned;
    /// The JSON body of an error response.
    type Error: DeserializeOwned;
    /// The document's `operationId`.
    const OPERATION_ID: &'static str;
    /// The HTTP method.
    const METHOD: &'static str;
    /// The path template, relative to a route prefix.
    const PATH: &'static str;
    /// Whether a JSON body is sent.
    const HAS_BODY: bool;
    /// Names of the path labels.
    const PATH_PARAMS: &'static [&'static str];
    /// Names of the query parameters.
    const QUERY_PARAMS: &'static [&'static str];
    /// Names of the header parameters.
    const HEADER_PARAMS: &'static [&'static str];
    /// Where the operation is served.
    const ROUTES: &'static [Route];
    /// The event stream, if the operation can stream.
    const STREAM: Option<SseStream>;

    /// The path (labels filled in, percent-encoded) and query string.
    fn path_and_query(params: &Self::Params) -> Result<String, BuildError>;

    /// The header parameters that are set.
    fn headers(params: &Self::Params) -> Vec<(&'static str, String)>;

    /// The request for route prefix `prefix` (such as `/v1`); the caller adds the host, authentication and signing.
    fn build_request(
        prefix: &str,
        params: &Self::Params,
        body: &Self::Body,
    ) -> Result<http::Request<bytes::Bytes>, BuildError> {
        let uri = format!("{}{}", prefix.trim_end_matches('/'), Self::path_and_query(params)?);
        let mut builder = http::Request::builder().method(Self::METHOD).uri(uri);
        for (name, value) in Self::headers(params) {
            builder = builder.header(name, crate::http::header_value(name, &value)?);
        }
        let body = if Self::HAS_BODY {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
            bytes::Bytes::from(serde_json::to_vec(body).map_err(|e| BuildError::serialize("request body", e))?)
        } else {
            bytes::Bytes::new()
        };
        builder.body(body).map_err(|e| BuildError::serialize("request", e))
    }

    /// Reads a complete (not streamed) response.
    fn parse_response(status: u16, body: &[u8]) -> Result<Self::Output, ApiError<Self::Error>> {
        if (200..300).contains(&status) {
            return serde_json::from_slice(body)
                .map_err(|e| ApiError::Malformed(MalformedResponse::new("response body", e)));
        }
        match serde_json::from_slice(body) {
            Ok(error) => Err(ApiError::Service { status, error }),
            Err(_) => Err(ApiError::Status {
                status,
                body: String::from_utf8_lossy(body).into_owned(),
            }),
        }
    }

    /// Reads one event's `data:` payload; `Ok(None)` for the stream's terminator.
    fn parse_event(data: &str) -> Result<Option<Self::Event>, MalformedResponse> {
        if Self::STREAM.and_then(|s| s.terminator) == Some(data.trim()) {
            return Ok(None);
        }
        serde_json::from_str(data)
            .map(Some)
            .map_err(|e| MalformedResponse::new("event payload", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_tags_and_checks_constants() {
        let tags = ["text", "image"];
        assert_eq!(tag_index(&json!({"type": "image"}), "type", &tags), Some(1));
        assert_eq!(tag_index(&json!({"type": "audio"}), "type", &tags), None);
        assert_eq!(tag_index(&json!({"type": 3}), "type", &tags), None);
        assert_eq!(tag_index(&json!("text"), "type", &tags), None);

        struct Tagged;
        impl<'de> serde::Deserialize<'de> for Tagged {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> de::Visitor<'de> for V {
                    type Value = Tagged;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tagged, A::Error> {
                        while let Some(key) = map.next_key::<Key<'de>>()? {
                            if key.as_str() == "type" {
                                expect_const(&mut map, "text")?;
                            } else {
                                map.next_value::<de::IgnoredAny>()?;
                            }
                        }
                        Ok(Tagged)
                    }
                }
                d.deserialize_map(V)
            }
        }
        assert!(serde_json::from_str::<Tagged>(r#"{"type":"text","x":1}"#).is_ok());
        let err = serde_json::from_str::<Tagged>(r#"{"type":"image"}"#).err().unwrap();
        assert!(
            err.to_string().contains("image") && err.to_string().contains("text"),
            "{err}"
        );
        assert!(serde_json::to_value(NoBody).unwrap().is_null());
        assert!(serde_json::from_str::<NoEvents>("{}").is_err());
    }
}
