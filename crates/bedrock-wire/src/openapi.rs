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

/// A union told apart by a string member (its tag), generated per schema; its `Deserialize`
/// impl calls [`deserialize_tagged`].
pub trait TaggedUnion: Sized {
    /// The tag member's name, such as `type`.
    const PROPERTY: &'static str;
    /// The tags of the variants the models know, in variant order.
    const TAGS: &'static [&'static str];

    /// Reads variant `index` (of [`TAGS`](Self::TAGS)) from the members in `map`, the tag
    /// member included.
    fn visit_variant<'de, A: MapAccess<'de>>(index: usize, map: A) -> Result<Self, A::Error>;

    /// A value whose tag is missing, not a string or not one of [`TAGS`](Self::TAGS), kept whole.
    fn unknown(value: serde_json::Value) -> Self;
}

/// Reads a variant of `T` straight from `map` (for [`TaggedUnion::visit_variant`]).
pub fn variant<'de, T: serde::Deserialize<'de>, A: MapAccess<'de>>(map: A) -> Result<T, A::Error> {
    T::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// Deserializes tagged union `T` without buffering the object when it can: the members before
/// the tag (none, when the tag comes first, as these APIs write it) are buffered, and once the
/// tag names a known variant that variant reads them and then the rest of the object directly.
/// A value without a known tag (not an object, no tag, a tag that is not a string or that the
/// models do not know) is read whole into [`TaggedUnion::unknown`], as before.
pub fn deserialize_tagged<'de, T: TaggedUnion, D: de::Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct TaggedVisitor<T>(std::marker::PhantomData<T>);

    impl<T: TaggedUnion> TaggedVisitor<T> {
        fn other<E: de::Error>(value: serde_json::Value) -> Result<T, E> {
            Ok(T::unknown(value))
        }
    }

    impl<'de, T: TaggedUnion> de::Visitor<'de> for TaggedVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut before: Vec<(String, serde_json::Value)> = Vec::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if key.as_str() != T::PROPERTY {
                    before.push((key.as_str().to_owned(), map.next_value()?));
                    continue;
                }
                // The tag, read without allocating when it is a string the input lends.
                let value = match map.next_value::<TagValue<'de>>()? {
                    TagValue::Str(tag) => match T::TAGS.iter().position(|t| *t == tag) {
                        Some(index) => {
                            let replay = Replay {
                                before: before.into_iter(),
                                property: T::PROPERTY,
                                tag: Some(tag),
                                pending: None,
                                rest: map,
                            };
                            return T::visit_variant(index, replay);
                        }
                        None => serde_json::Value::String(tag.into_owned()),
                    },
                    TagValue::Other(value) => value,
                };
                before.push((key.as_str().to_owned(), value));
            }
            let mut object = serde_json::Map::new();
            object.extend(before);
            Ok(T::unknown(serde_json::Value::Object(object)))
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
            let value = serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            Self::other(value)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Self::other(v.into())
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
            Self::other(v.into())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            Self::other(v.into())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            Self::other(v.into())
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            Self::other(v.into())
        }

        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            Self::other(serde_json::Value::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<T, E> {
            Self::other(serde_json::Value::Null)
        }
    }

    deserializer.deserialize_any(TaggedVisitor(std::marker::PhantomData))
}

/// A tag member's value: a string (borrowed from the input when it can be), or anything else.
enum TagValue<'de> {
    Str(std::borrow::Cow<'de, str>),
    Other(serde_json::Value),
}

impl<'de> serde::Deserialize<'de> for TagValue<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl<'de> de::Visitor<'de> for TagVisitor {
            type Value = TagValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(TagValue::Str(std::borrow::Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Other(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(v.into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Other(serde_json::Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Other(serde_json::Value::Null))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(TagValue::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map)).map(TagValue::Other)
            }
        }
        deserializer.deserialize_any(TagVisitor)
    }
}

/// What [`Replay`] hands out as the next value.
enum Pending<'de> {
    Value(serde_json::Value),
    Tag(std::borrow::Cow<'de, str>),
}

/// The members of an object: those buffered before the tag, the tag, then the rest unread.
struct Replay<'de, A> {
    before: std::vec::IntoIter<(String, serde_json::Value)>,
    property: &'static str,
    tag: Option<std::borrow::Cow<'de, str>>,
    pending: Option<Pending<'de>>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        use de::IntoDeserializer as _;
        if let Some((key, value)) = self.before.next() {
            self.pending = Some(Pending::Value(value));
            return seed.deserialize(key.into_deserializer()).map(Some);
        }
        if let Some(tag) = self.tag.take() {
            self.pending = Some(Pending::Tag(tag));
            // Borrowed (the name is `'static`), so a key type that borrows does not allocate.
            return seed
                .deserialize(de::value::BorrowedStrDeserializer::new(self.property))
                .map(Some);
        }
        self.rest.next_key_seed(seed)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(Pending::Value(value)) => seed.deserialize(value).map_err(de::Error::custom),
            Some(Pending::Tag(std::borrow::Cow::Borrowed(tag))) => {
                seed.deserialize(de::value::BorrowedStrDeserializer::new(tag))
            }
            Some(Pending::Tag(std::borrow::Cow::Owned(tag))) => {
                seed.deserialize(de::value::StringDeserializer::new(tag))
            }
            None => self.rest.next_value_seed(seed),
        }
    }
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
        if let Some(terminator) = Self::STREAM.and_then(|s| s.terminator) {
            // Trimming can only change a payload whose first or last byte is not a printable
            // ASCII character (whitespace, or part of a non-ASCII character), so most events skip it.
            let bytes = data.as_bytes();
            let trimmed = if bytes.first().is_some_and(|b| !b.is_ascii_graphic())
                || bytes.last().is_some_and(|b| !b.is_ascii_graphic())
            {
                data.trim()
            } else {
                data
            };
            if trimmed == terminator {
                return Ok(None);
            }
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
    #[derive(Debug, PartialEq)]
    enum Shape {
        Circle(Circle),
        Square(Square),
        Unknown(serde_json::Value),
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Circle {
        r#type: String,
        r: f64,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Square {
        side: u32,
        #[serde(default)]
        name: Option<String>,
    }

    impl TaggedUnion for Shape {
        const PROPERTY: &'static str = "type";
        const TAGS: &'static [&'static str] = &["circle", "square"];
        fn visit_variant<'de, A: MapAccess<'de>>(index: usize, map: A) -> Result<Self, A::Error> {
            match index {
                0 => variant(map).map(Shape::Circle),
                1 => variant(map).map(Shape::Square),
                _ => Err(de::Error::custom("tag index out of range")),
            }
        }
        fn unknown(value: serde_json::Value) -> Self {
            Shape::Unknown(value)
        }
    }

    impl<'de> serde::Deserialize<'de> for Shape {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_tagged(deserializer)
        }
    }

    #[test]
    fn tagged_unions_read_the_variant_directly_or_keep_the_value() {
        let circle = |r| {
            Shape::Circle(Circle {
                r#type: "circle".into(),
                r,
            })
        };
        // Tag first, tag after other members (they are replayed, in order), escaped tag.
        for text in [
            r#"{"type":"circle","r":1.5}"#,
            r#"{"r":1.5,"type":"circle"}"#,
            r#"{"r":1.5,"type":"\u0063ircle"}"#,
        ] {
            assert_eq!(serde_json::from_str::<Shape>(text).unwrap(), circle(1.5), "{text}");
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::from_value::<Shape>(value).unwrap(), circle(1.5), "{text}");
        }
        assert_eq!(
            serde_json::from_str::<Shape>(r#"{"name":"n","side":2,"type":"square","extra":[1]}"#).unwrap(),
            Shape::Square(Square {
                side: 2,
                name: Some("n".into())
            })
        );
        // The variant's own checks still apply.
        assert!(serde_json::from_str::<Shape>(r#"{"type":"circle","r":1,"x":0}"#).is_err());
        assert!(serde_json::from_str::<Shape>(r#"{"type":"square"}"#).is_err());
        // Unknown, missing or non-string tags, and non-objects, are kept whole.
        for text in [
            r#"{"a":{"b":[1,2]},"type":"triangle","n":3}"#,
            r#"{"r":1}"#,
            r#"{"type":7,"r":1}"#,
            r#"{"type":{"k":null},"r":1}"#,
            r#"{}"#,
            r#""circle""#,
            r#"[1,"x"]"#,
            "null",
            "true",
            "-3",
            "2.5",
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                serde_json::from_str::<Shape>(text).unwrap(),
                Shape::Unknown(value.clone()),
                "{text}"
            );
            assert_eq!(
                serde_json::from_value::<Shape>(value.clone()).unwrap(),
                Shape::Unknown(value),
                "{text}"
            );
        }
    }
}
