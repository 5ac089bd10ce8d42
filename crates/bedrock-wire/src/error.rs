//! Errors of building a request and of reading a response.

use std::error::Error as StdError;
use std::fmt;

use http::HeaderMap;

/// A request could not be built from its input.
#[derive(Debug)]
pub struct BuildError {
    kind: BuildErrorKind,
}

/// What went wrong while building a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildErrorKind {
    /// A member bound to a URI label was empty; the request would address the wrong resource.
    EmptyLabel {
        /// The member's name.
        member: &'static str,
    },
    /// A member could not be written as an HTTP header value (for example, it contains a line break).
    InvalidHeader {
        /// The member's name.
        member: &'static str,
    },
    /// A value could not be written in its wire form.
    Serialize {
        /// What was being written.
        what: &'static str,
        /// The underlying error.
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl BuildError {
    /// A label member is empty.
    pub fn empty_label(member: &'static str) -> Self {
        BuildError {
            kind: BuildErrorKind::EmptyLabel { member },
        }
    }

    /// A header member has a value HTTP cannot carry.
    pub fn invalid_header(member: &'static str) -> Self {
        BuildError {
            kind: BuildErrorKind::InvalidHeader { member },
        }
    }

    /// A value failed to serialize.
    pub fn serialize(what: &'static str, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        BuildError {
            kind: BuildErrorKind::Serialize {
                what,
                source: source.into(),
            },
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &BuildErrorKind {
        &self.kind
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BuildErrorKind::EmptyLabel { member } => {
                write!(f, "`{member}` is bound to the request path and must not be empty")
            }
            BuildErrorKind::InvalidHeader { member } => {
                write!(
                    f,
                    "`{member}` is sent as an HTTP header and contains characters a header cannot carry"
                )
            }
            BuildErrorKind::Serialize { what, source } => write!(f, "could not serialize {what}: {source}"),
        }
    }
}

impl StdError for BuildError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            BuildErrorKind::Serialize { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// A response that does not match the shape its operation promises.
#[derive(Debug)]
pub struct MalformedResponse {
    what: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl MalformedResponse {
    /// A response part (`what`, e.g. "JSON body" or "header `x-foo`") could not be read.
    pub fn new(what: impl Into<String>, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        MalformedResponse {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// A response part is missing or wrong, with no underlying error.
    pub fn message(what: impl Into<String>) -> Self {
        MalformedResponse {
            what: what.into(),
            source: None,
        }
    }
}

impl fmt::Display for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "malformed response: {}: {source}", self.what),
            None => write!(f, "malformed response: {}", self.what),
        }
    }
}

impl StdError for MalformedResponse {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// What every error response carries, modeled or not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    /// The HTTP status code.
    pub status: u16,
    /// The error code with any namespace and URI stripped (e.g. `ThrottlingException`).
    pub code: Option<String>,
    /// The human-readable message, when the service sent one.
    pub message: Option<String>,
    /// The `x-amzn-requestid` header, for support cases.
    pub request_id: Option<String>,
}

impl ErrorMetadata {
    /// Reads the code, message and request id from an error response.
    pub fn from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let json = if body.is_empty() {
            None
        } else {
            crate::json::value_from_slice(body).ok()
        };
        let field = |names: &[&str]| {
            let json = json.as_ref()?.as_object()?;
            names
                .iter()
                .find_map(|name| json.get(*name)?.as_str().map(str::to_owned))
        };
        let code = headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| field(&["code", "__type"]))
            .map(|raw| sanitize_error_code(&raw).to_owned());
        ErrorMetadata {
            status,
            code,
            message: field(&["message", "Message", "errorMessage"]),
            request_id: headers
                .get("x-amzn-requestid")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}

/// Strips a namespace (`aws.example#`) and a URI suffix (`:http://...`) from an error code.
///
/// ```
/// assert_eq!(bedrock_wire::error::sanitize_error_code("aws.x#FooError:http://internal/"), "FooError");
/// ```
pub fn sanitize_error_code(raw: &str) -> &str {
    let without_uri = raw.split(':').next().unwrap_or(raw);
    without_uri.rsplit('#').next().unwrap_or(without_uri)
}

/// An error response from the service, typed by operation.
#[derive(Debug)]
pub struct ServiceError<E> {
    /// The operation's typed error: a modeled exception, or `Unhandled`.
    pub kind: E,
    /// Code, message, status and request id.
    pub meta: ErrorMetadata,
}

impl<E: fmt::Display> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The metadata has the code even for errors the operation does not model.
        match (&self.meta.code, &self.meta.message) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}")?,
            (Some(code), None) => f.write_str(code)?,
            (None, _) => write!(f, "{}", self.kind)?,
        }
        write!(f, " (HTTP {}", self.meta.status)?;
        if let Some(id) = &self.meta.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

impl<E: StdError + 'static> StdError for ServiceError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.kind)
    }
}

/// Why a response could not be turned into an operation's output.
#[derive(Debug)]
pub enum ResponseError<E> {
    /// The service answered with an error.
    Service(ServiceError<E>),
    /// The response could not be read.
    Malformed(MalformedResponse),
}

impl<E> ResponseError<E> {
    /// The service error, if this is one.
    pub fn as_service(&self) -> Option<&ServiceError<E>> {
        match self {
            ResponseError::Service(e) => Some(e),
            ResponseError::Malformed(_) => None,
        }
    }
}

impl<E> From<MalformedResponse> for ResponseError<E> {
    fn from(e: MalformedResponse) -> Self {
        ResponseError::Malformed(e)
    }
}

impl<E: fmt::Display> fmt::Display for ResponseError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Service(e) => e.fmt(f),
            ResponseError::Malformed(e) => e.fmt(f),
        }
    }
}

impl<E: StdError + 'static> StdError for ResponseError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ResponseError::Service(e) => Some(e),
            ResponseError::Malformed(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_comes_from_header_then_body() {
        let mut headers = HeaderMap::new();
        let meta = ErrorMetadata::from_response(400, &headers, br#"{"__type":"ns#Bad:http://x","message":"m"}"#);
        assert_eq!(meta.code.as_deref(), Some("Bad"));
        assert_eq!(meta.message.as_deref(), Some("m"));
        headers.insert("x-amzn-errortype", "Header:http://y".parse().unwrap());
        headers.insert("x-amzn-requestid", "rid".parse().unwrap());
        let meta = ErrorMetadata::from_response(400, &headers, b"not json");
        assert_eq!(meta.code.as_deref(), Some("Header"));
        assert_eq!(meta.request_id.as_deref(), Some("rid"));
        let error = ServiceError {
            kind: "unhandled",
            meta,
        };
        assert_eq!(error.to_string(), "Header (HTTP 400, request id rid)");
    }
}
