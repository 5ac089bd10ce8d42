//! The server side of restJson1: routing a request to an operation, reading its input, and
//! writing its output or error as the service does.
//!
//! The model crates generate, behind their `server` feature, one [`ServerOperation`] impl per
//! operation and a router over a table of [`Route`]s; this module holds what they share.
//! `bedrock-local` (the emulator) is built on it, so that it answers from the same models the
//! clients are generated from.
//!
//! How a server answers one request with the generated code (a sketch, not compiled here: it
//! needs a model crate's `server` feature, and the model crates depend on this one):
//!
//! ```rust,ignore
//! use bedrock_runtime_types::operation::Converse;
//! use bedrock_runtime_types::server::{route, RuntimeOperation};
//! use bedrock_wire::server::{error_response, ServerOperation};
//!
//! let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
//! let Some((operation, labels)) = route(request.method(), target) else {
//!     return error_response(404, "UnknownOperationException", "Unknown operation", request_id);
//! };
//! match operation {
//!     RuntimeOperation::Converse => match Converse::parse_request(&request, &labels) {
//!         // `answer` returns the output or a `ConverseError`.
//!         Ok(input) => match answer(input) {
//!             Ok(output) => Converse::build_response(&output)?,
//!             Err(error) => Converse::build_error(&error, request_id),
//!         },
//!         // `SerializationException` or `ValidationException`, naming the member.
//!         Err(bad) => bad.to_response(request_id),
//!     },
//!     // ...
//! }
//! ```

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_types::DateTime;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};

pub use crate::http::Format;
use crate::json;
use crate::operation::Operation;

/// An operation the server side can serve: the mirror image of [`Operation`].
///
/// For every input `x` the client can send, `parse_request(build_request(x))` gives `x` back
/// (up to what the wire cannot tell apart, such as an empty list in a query string and no list),
/// and the client's `parse_response` reads back what `build_response` and `build_error` write.
pub trait ServerOperation: Operation {
    /// Reads the input from a request whose URI labels the router already matched.
    ///
    /// An event-stream input member is left out: the server reads the stream from the body itself.
    fn parse_request(request: &http::Request<Bytes>, labels: &Labels) -> Result<Self::Input, RequestError>;

    /// Writes a successful response: status code, headers and body.
    ///
    /// For an event-stream output this is only the initial response
    /// (`content-type: application/vnd.amazon.eventstream` and an empty body); the server
    /// then streams the messages (`to_message()` of the generated event unions).
    fn build_response(output: &Self::Output) -> Result<http::Response<Bytes>, crate::BuildError>;

    /// Writes an error response: the exception's modeled HTTP status, `x-amzn-errortype`,
    /// `x-amzn-requestid` and the exception's members as JSON.
    ///
    /// An `Unhandled` error becomes a 500 `InternalFailure` ([`error_response`]).
    fn build_error(error: &Self::Error, request_id: &str) -> http::Response<Bytes>;
}

/// The values of a request's URI labels, percent-decoded, by label name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    entries: Vec<(&'static str, String)>,
}

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Labels::default()
    }

    /// Adds (or replaces) a label value.
    pub fn insert(&mut self, name: &'static str, value: String) {
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The decoded value of label `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The decoded value of label `name`, or the error of a missing label.
    pub fn require(&self, name: &'static str, member: &'static str) -> Result<&str, RequestError> {
        match self.get(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(RequestError::missing(Location::Label(name), member)),
        }
    }

    /// Every label, in template order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries.iter().map(|(n, v)| (*n, v.as_str()))
    }
}

/// One part of a URI path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text that must appear as is (one path segment).
    Literal(&'static str),
    /// `{name}`: exactly one non-empty segment, percent-decoded.
    Label(&'static str),
    /// `{name+}`: one or more segments, `/` kept, each percent-decoded.
    Greedy(&'static str),
}

/// An operation's `http` trait as the router matches it: `POST /model/{modelId}/converse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path segments after the leading `/`.
    pub segments: &'static [Segment],
    /// Constant query parameters of the template (`?versions` or `?x-id=Get`): `(name, value)`,
    /// where `None` means the parameter must be present with any value.
    pub query: &'static [(&'static str, Option<&'static str>)],
}

/// How specific a route is, for choosing among several that match: literal segments first,
/// then single-segment labels (before greedy ones), then constant query parameters.
type Specificity = (usize, usize, usize);

impl Route {
    /// The labels of `method` and `path_and_query` (a request target such as
    /// `/model/arn%3Aaws%3A...%2Fm/converse?x=1`) if this route matches them.
    pub fn matches(&self, method: &http::Method, path_and_query: &str) -> Option<Labels> {
        if method.as_str() != self.method {
            return None;
        }
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        let path = path.strip_prefix('/')?;
        let raw: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').collect()
        };
        let mut labels = Labels::new();
        if !match_segments(self.segments, &raw, &mut labels) {
            return None;
        }
        if !self.query.is_empty() {
            let query = Query::parse(query.unwrap_or(""));
            for (name, value) in self.query {
                let present = query.all(name);
                let ok = match value {
                    None => !present.is_empty(),
                    Some(v) => present.contains(v),
                };
                if !ok {
                    return None;
                }
            }
        }
        Some(labels)
    }

    /// The route's specificity: more literal segments win, then plain labels over greedy ones,
    /// then more constant query parameters.
    pub fn specificity(&self) -> Specificity {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let labels = self.segments.iter().filter(|s| matches!(s, Segment::Label(_))).count();
        (literals, labels, self.query.len())
    }
}

fn match_segments(template: &[Segment], raw: &[&str], labels: &mut Labels) -> bool {
    let Some((first, rest)) = template.split_first() else {
        // A trailing slash (`/a/`) ends in one empty segment; a template without one does not.
        return raw.is_empty();
    };
    match first {
        Segment::Literal(text) => raw.first() == Some(text) && match_segments(rest, &raw[1..], labels),
        Segment::Label(name) => {
            let Some(segment) = raw.first() else { return false };
            let Some(value) = percent_decode(segment).filter(|v| !v.is_empty()) else {
                return false;
            };
            if !match_segments(rest, &raw[1..], labels) {
                return false;
            }
            labels.insert(name, value);
            true
        }
        Segment::Greedy(name) => {
            // Take as many segments as the rest of the template allows, at least one.
            for take in (1..=raw.len()).rev() {
                let mut inner = labels.clone();
                if match_segments(rest, &raw[take..], &mut inner) {
                    let Some(value) = raw[..take]
                        .iter()
                        .map(|s| percent_decode(s))
                        .collect::<Option<Vec<String>>>()
                        .map(|parts| parts.join("/"))
                        .filter(|v| !v.is_empty())
                    else {
                        return false;
                    };
                    *labels = inner;
                    labels.insert(name, value);
                    return true;
                }
            }
            false
        }
    }
}

/// The most specific of `routes` that matches, with its labels.
///
/// The generated `route` function of each model crate calls this with its table.
pub fn route<T: Copy>(routes: &[(T, Route)], method: &http::Method, path_and_query: &str) -> Option<(T, Labels)> {
    let mut best: Option<(Specificity, T, Labels)> = None;
    for (op, route) in routes {
        if let Some(labels) = route.matches(method, path_and_query) {
            let score = route.specificity();
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, *op, labels));
            }
        }
    }
    best.map(|(_, op, labels)| (op, labels))
}

/// Decodes `%XX` escapes; `None` for a malformed escape or text that is not UTF-8.
///
/// `+` stays `+`: clients that mean a space in a label or query send `%20`.
///
/// ```
/// assert_eq!(
///     bedrock_wire::server::percent_decode("arn%3Aaws%3Abedrock%3A%3Afoundation-model%2Fm").as_deref(),
///     Some("arn:aws:bedrock::foundation-model/m")
/// );
/// ```
pub fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let digit = |b: u8| (b as char).to_digit(16);
            out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A request's query string, decoded into `(name, value)` pairs in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Splits and decodes a query string (without the `?`); a parameter without `=` has an
    /// empty value, and pairs that do not decode are left out.
    pub fn parse(query: &str) -> Self {
        let pairs = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                Some((percent_decode(name)?, percent_decode(value)?))
            })
            .collect();
        Query { pairs }
    }

    /// The query of a request.
    pub fn of<B>(request: &http::Request<B>) -> Self {
        Query::parse(request.uri().query().unwrap_or(""))
    }

    /// The first value of parameter `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of parameter `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every pair, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Where in a request a value was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A URI label.
    Label(&'static str),
    /// A query parameter.
    Query(&'static str),
    /// A header (lower case).
    Header(&'static str),
    /// The JSON body, or the payload member.
    Body,
    /// Members anywhere in the input, by path (constraint checks of `validate()`).
    Input,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Label(name) => write!(f, "URI label `{name}`"),
            Location::Query(name) => write!(f, "query parameter `{name}`"),
            Location::Header(name) => write!(f, "header `{name}`"),
            Location::Body => f.write_str("the request body"),
            Location::Input => f.write_str("the input"),
        }
    }
}

/// What kind of mistake a request has, which decides the service's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// A value that does not parse as its type (malformed JSON, a text where a number belongs):
    /// `SerializationException`.
    Serialization,
    /// A required member that is missing: `ValidationException`.
    Validation,
}

/// A request the operation cannot read: which member, where, and why.
#[derive(Debug)]
pub struct RequestError {
    kind: RequestErrorKind,
    location: Location,
    member: Option<&'static str>,
    /// How many validation errors `message` lists (`; ` between them).
    count: usize,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl RequestError {
    /// Required `member`, bound to `location`, is missing.
    pub fn missing(location: Location, member: &'static str) -> Self {
        RequestError {
            kind: RequestErrorKind::Validation,
            location,
            member: Some(member),
            count: 1,
            message: format!("Value null at '{member}' failed to satisfy constraint: Member must not be null"),
            source: None,
        }
    }

    /// The value of `member` at `location` does not parse.
    pub fn invalid(
        location: Location,
        member: Option<&'static str>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        let source = source.into();
        let message = match member {
            Some(member) => format!("Could not read '{member}' from {location}: {source}"),
            None => format!("Could not read {location}: {source}"),
        };
        RequestError {
            kind: RequestErrorKind::Serialization,
            location,
            member,
            count: 1,
            message,
            source: Some(source),
        }
    }

    /// The constraints (lengths, ranges, patterns) an input breaks, from its `validate()`, in the
    /// words of the service's `ValidationException`.
    pub fn constraints(error: &crate::ValidationError) -> Self {
        use crate::validate::ViolationKind;
        let items: Vec<String> = error
            .violations()
            .iter()
            .map(|v| {
                let rule = match &v.kind {
                    ViolationKind::Length {
                        min: Some(min), actual, ..
                    } if actual < min => {
                        format!("Member must have length greater than or equal to {min}")
                    }
                    ViolationKind::Length { max, .. } => {
                        format!(
                            "Member must have length less than or equal to {}",
                            max.unwrap_or_default()
                        )
                    }
                    ViolationKind::Range {
                        min: Some(min), actual, ..
                    } if actual < min => {
                        format!("Member must have value greater than or equal to {min}")
                    }
                    ViolationKind::Range { max, .. } => {
                        format!(
                            "Member must have value less than or equal to {}",
                            max.unwrap_or_default()
                        )
                    }
                    ViolationKind::Pattern { pattern } => {
                        format!("Member must satisfy regular expression pattern: {pattern}")
                    }
                };
                format!("Value at '{}' failed to satisfy constraint: {rule}", v.path)
            })
            .collect();
        RequestError {
            kind: RequestErrorKind::Validation,
            location: Location::Input,
            member: None,
            count: items.len(),
            message: items.join("; "),
            source: None,
        }
    }

    /// The JSON body (or payload) does not read as the operation's input.
    pub fn body(error: json::Error) -> Self {
        RequestError::invalid(Location::Body, None, error)
    }

    /// What kind of mistake.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    /// Where the value was.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The member, when the mistake is in one member.
    pub fn member(&self) -> Option<&'static str> {
        self.member
    }

    /// The message the service sends back.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The service's error code: `SerializationException` or `ValidationException`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            RequestErrorKind::Serialization => "SerializationException",
            RequestErrorKind::Validation => "ValidationException",
        }
    }

    /// The error response the service sends (HTTP 400).
    pub fn to_response(&self, request_id: &str) -> http::Response<Bytes> {
        let message = match self.kind {
            RequestErrorKind::Validation => format!(
                "{} validation error{} detected: {}",
                self.count,
                if self.count == 1 { "" } else { "s" },
                self.message
            ),
            RequestErrorKind::Serialization => self.message.clone(),
        };
        error_response(400, self.code(), &message, request_id)
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl StdError for RequestError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// An error response for an error the operation does not model (or that the model names but
/// the caller builds by hand): `x-amzn-errortype: {code}`, `x-amzn-requestid`, and
/// `{"message":"..."}`.
///
/// ```
/// let response = bedrock_wire::server::error_response(429, "ThrottlingException", "Too many requests", "rid-1");
/// assert_eq!(response.status(), 429);
/// assert_eq!(response.headers()["x-amzn-errortype"], "ThrottlingException");
/// assert_eq!(&response.body()[..], br#"{"message":"Too many requests"}"#);
/// ```
pub fn error_response(status: u16, code: &str, message: &str, request_id: &str) -> http::Response<Bytes> {
    struct Message<'a>(&'a str);
    impl json::WriteJson for Message<'_> {
        fn write_json(&self, writer: &mut json::Writer) {
            let mut object = writer.begin_object();
            writer.required(&mut object, "message", self.0);
            writer.end_object(object);
        }
    }
    let body = json::write(&Message(message))
        .map(Bytes::from)
        .unwrap_or_else(|_| Bytes::from_static(b"{}"));
    error_response_with_body(status, code, request_id, HeaderMap::new(), body)
}

/// An error response with a body (and headers) already written: adds the status,
/// `x-amzn-errortype`, `x-amzn-requestid`, `content-type` and `content-length`.
pub fn error_response_with_body(
    status: u16,
    code: &str,
    request_id: &str,
    headers: HeaderMap,
    body: Bytes,
) -> http::Response<Bytes> {
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    *map = headers;
    if let Ok(value) = HeaderValue::from_str(code) {
        map.insert("x-amzn-errortype", value);
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        map.insert("x-amzn-requestid", value);
    }
    if !map.contains_key(CONTENT_TYPE) {
        map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let len = response.body().len();
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// The response of a modeled exception: `written` (its members as headers and body, from the
/// generated writer) with the exception's status, `x-amzn-errortype: {code}` and request id.
/// An exception that cannot be written becomes a 500 `InternalFailure`.
pub fn exception_response(
    written: Result<http::Response<Bytes>, crate::BuildError>,
    status: u16,
    code: &str,
    request_id: &str,
) -> http::Response<Bytes> {
    match written {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            error_response_with_body(status, code, request_id, parts.headers, body)
        }
        Err(_) => unhandled_error(request_id),
    }
}

/// The response of an `Unhandled` error: HTTP 500 `InternalFailure`.
pub fn unhandled_error(request_id: &str) -> http::Response<Bytes> {
    error_response(
        500,
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        request_id,
    )
}

// Readers of bound values, used by the generated `parse_request`.

/// A header's value as text (UTF-8, not only visible ASCII), if present.
pub fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, RequestError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => std::str::from_utf8(value.as_bytes())
            .map(Some)
            .map_err(|e| RequestError::invalid(Location::Header(name), None, e)),
    }
}

/// Headers whose name starts with `prefix` (lower case), keyed by the rest of the name.
pub fn prefix_headers(
    headers: &HeaderMap,
    prefix: &'static str,
) -> Result<std::collections::HashMap<String, String>, RequestError> {
    let mut map = std::collections::HashMap::new();
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix(prefix) {
            let text = std::str::from_utf8(value.as_bytes())
                .map_err(|e| RequestError::invalid(Location::Header(prefix), None, e))?;
            map.insert(key.to_owned(), text.to_owned());
        }
    }
    Ok(map)
}

/// Splits a list header into items (see [`crate::http::split_header_list`]); an empty value is
/// an empty list.
pub fn header_list(
    location: Location,
    member: &'static str,
    value: &str,
    http_dates: bool,
) -> Result<Vec<String>, RequestError> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    crate::http::split_header_list(member, value, http_dates)
        .map_err(|e| RequestError::invalid(location, Some(member), e))
}

/// Parses a bound scalar (integer or boolean) from its text.
pub fn scalar<T>(location: Location, member: &'static str, text: &str) -> Result<T, RequestError>
where
    T: std::str::FromStr,
    T::Err: StdError + Send + Sync + 'static,
{
    text.trim()
        .parse()
        .map_err(|e| RequestError::invalid(location, Some(member), e))
}

/// Parses a bound float, accepting `NaN`, `Infinity` and `-Infinity`.
pub fn float(location: Location, member: &'static str, text: &str) -> Result<f64, RequestError> {
    match text.trim() {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        other => scalar(location, member, other),
    }
}

/// Parses a bound timestamp in `format` (`DateTime` accepts an offset).
pub fn timestamp(
    location: Location,
    member: &'static str,
    text: &str,
    format: Format,
) -> Result<DateTime, RequestError> {
    let format = if format == Format::DateTime {
        Format::DateTimeWithOffset
    } else {
        format
    };
    DateTime::from_str(text.trim(), format).map_err(|e| RequestError::invalid(location, Some(member), e))
}

/// Decodes a base64 header holding text (a `mediaType` string or a JSON document).
pub fn base64_text(location: Location, member: &'static str, text: &str) -> Result<String, RequestError> {
    let bytes =
        aws_smithy_types::base64::decode(text.trim()).map_err(|e| RequestError::invalid(location, Some(member), e))?;
    String::from_utf8(bytes).map_err(|e| RequestError::invalid(location, Some(member), e))
}

/// Decodes a base64 header holding a JSON document.
pub fn base64_document(location: Location, member: &'static str, text: &str) -> Result<crate::Document, RequestError> {
    let text = base64_text(location, member, text)?;
    serde_json::from_str(&text).map_err(|e| RequestError::invalid(location, Some(member), e))
}

/// Reads the JSON body; a blank body reads as `{}`.
pub fn read_json_body<T: json::ReadJson>(body: &[u8]) -> Result<T, RequestError> {
    json::read(crate::http::or_empty_object(body)).map_err(RequestError::body)
}

/// Reads a JSON payload member; `None` for a blank body.
pub fn read_json_payload<T: json::ReadJson>(body: &[u8]) -> Result<Option<T>, RequestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    json::read(body).map(Some).map_err(RequestError::body)
}

/// Reads a text payload member; `None` for an empty body.
pub fn read_text_payload(body: &[u8]) -> Result<Option<String>, RequestError> {
    if body.is_empty() {
        return Ok(None);
    }
    String::from_utf8(body.to_vec())
        .map(Some)
        .map_err(|e| RequestError::invalid(Location::Body, None, e))
}

/// Makes a response header value, naming `member` on failure: visible ASCII, spaces and tabs
/// only, which is what clients (and the `http` crate's `to_str`) read.
pub fn ascii_header_value(member: &'static str, value: &str) -> Result<HeaderValue, crate::BuildError> {
    if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err(crate::BuildError::invalid_header(member));
    }
    crate::http::header_value(member, value)
}

/// The status code of a response, from a modeled code.
pub fn status(code: u16) -> http::StatusCode {
    http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::OK)
}

/// A status code bound to an output member; codes outside 100..=999 are refused.
pub fn status_member(member: &'static str, code: i32) -> Result<http::StatusCode, crate::BuildError> {
    u16::try_from(code)
        .ok()
        .and_then(|c| http::StatusCode::from_u16(c).ok())
        .ok_or_else(|| crate::BuildError::serialize(member, format!("{code} is not an HTTP status code")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONVERSE: Route = Route {
        method: "POST",
        segments: &[
            Segment::Literal("model"),
            Segment::Label("modelId"),
            Segment::Literal("converse"),
        ],
        query: &[],
    };
    const GREEDY: Route = Route {
        method: "GET",
        segments: &[
            Segment::Literal("files"),
            Segment::Greedy("key"),
            Segment::Literal("meta"),
        ],
        query: &[],
    };
    const WITH_QUERY: Route = Route {
        method: "GET",
        segments: &[
            Segment::Literal("files"),
            Segment::Greedy("key"),
            Segment::Literal("meta"),
        ],
        query: &[("versions", None)],
    };

    #[test]
    fn labels_are_decoded_and_arns_stay_one_segment() {
        let labels = CONVERSE
            .matches(
                &http::Method::POST,
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fm/converse",
            )
            .unwrap();
        assert_eq!(
            labels.get("modelId"),
            Some("arn:aws:bedrock:us-east-1::foundation-model/m")
        );
        assert!(CONVERSE.matches(&http::Method::GET, "/model/m/converse").is_none());
        assert!(CONVERSE.matches(&http::Method::POST, "/model//converse").is_none());
        assert!(CONVERSE.matches(&http::Method::POST, "/model/a/b/converse").is_none());
        assert!(CONVERSE.matches(&http::Method::POST, "/model/m/converse/").is_none());
        assert!(CONVERSE.matches(&http::Method::POST, "/model/%ZZ/converse").is_none());
    }

    #[test]
    fn greedy_labels_span_segments_and_query_constants_pick_routes() {
        let labels = GREEDY.matches(&http::Method::GET, "/files/a/b%20c/meta").unwrap();
        assert_eq!(labels.get("key"), Some("a/b c"));
        assert!(GREEDY.matches(&http::Method::GET, "/files/meta").is_none());
        let routes = [(1, GREEDY), (2, WITH_QUERY)];
        assert_eq!(route(&routes, &http::Method::GET, "/files/x/meta").unwrap().0, 1);
        assert_eq!(
            route(&routes, &http::Method::GET, "/files/x/meta?versions&y=1")
                .unwrap()
                .0,
            2
        );
    }

    #[test]
    fn queries_decode_and_keep_order() {
        let query = Query::parse("a=1&b=x%20y&a=2&flag");
        assert_eq!(query.all("a"), vec!["1", "2"]);
        assert_eq!(query.first("b"), Some("x y"));
        assert_eq!(query.first("flag"), Some(""));
        assert_eq!(percent_decode("a+b"), Some("a+b".into()));
        assert_eq!(percent_decode("%e4%b8%ad"), Some("中".into()));
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn request_errors_become_service_errors() {
        let missing = RequestError::missing(Location::Label("modelId"), "modelId");
        let response = missing.to_response("r");
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()["x-amzn-errortype"], "ValidationException");
        let meta = crate::ErrorMetadata::from_response(400, response.headers(), response.body());
        assert_eq!(meta.code.as_deref(), Some("ValidationException"));
        assert!(meta.message.unwrap().contains("'modelId'"));
        struct Broken;
        impl crate::Validate for Broken {
            fn validate_at(&self, _path: &str, out: &mut Vec<crate::Violation>) {
                crate::validate::check_length(out, "modelId", 0, Some(1), Some(2048));
                crate::validate::check_range(out, "inferenceConfig.maxTokens", 0.0, Some(1.0), None);
            }
        }
        let broken = crate::Validate::validate(&Broken).unwrap_err();
        let response = RequestError::constraints(&broken).to_response("r");
        let meta = crate::ErrorMetadata::from_response(400, response.headers(), response.body());
        assert_eq!(meta.code.as_deref(), Some("ValidationException"));
        assert_eq!(
            meta.message.as_deref(),
            Some(
                "2 validation errors detected: Value at 'modelId' failed to satisfy constraint: Member must have \
                 length greater than or equal to 1; Value at 'inferenceConfig.maxTokens' failed to satisfy \
                 constraint: Member must have value greater than or equal to 1"
            )
        );
        let bad = RequestError::invalid(Location::Header("x-n"), Some("n"), "nope".parse::<i32>().unwrap_err());
        assert_eq!(bad.code(), "SerializationException");
        assert_eq!(bad.location(), Location::Header("x-n"));
    }
}
