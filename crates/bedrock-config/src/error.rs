//! The error every client call returns.

use std::error::Error as StdError;
use std::fmt;

use bedrock_endpoint::EndpointError;
use bedrock_transport::retry::{classify_response, ModeledRetry, RetryKind};
use bedrock_transport::{TransportError, TransportErrorKind};
use bedrock_wire::{BuildError, ErrorMetadata, MalformedResponse, OperationError, ResponseError, ServiceError};

/// Why a call failed. `E` is the operation's error enum: its modeled exceptions plus `Unhandled`.
///
/// Each layer has its own variant, and [`source`](StdError::source) walks down to the root
/// cause. `Display` of a service error names the code, message, HTTP status and request id.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The input could not be turned into a request (nothing was sent).
    Build(BuildError),
    /// No endpoint could be resolved (region missing or invalid, bad endpoint URL; nothing was sent).
    Endpoint(EndpointError),
    /// Credentials could not be loaded, or the request could not be signed.
    Auth(TransportError),
    /// The request could not be sent or the response not received (connection, timeout,
    /// stalled stream), after the retries the configuration allows.
    Transport(TransportError),
    /// The service answered with an error.
    Service(ServiceError<E>),
    /// The response does not match the shape the operation promises.
    Malformed(MalformedResponse),
}

impl<E> SdkError<E> {
    /// The service's error (modeled or not) with its metadata, if the service answered with one.
    pub fn as_service(&self) -> Option<&ServiceError<E>> {
        match self {
            SdkError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The operation's typed error, if the service answered with an error.
    pub fn service_error(&self) -> Option<&E> {
        self.as_service().map(|e| &e.kind)
    }

    /// Code, message, HTTP status and request id of a service error.
    pub fn meta(&self) -> Option<&ErrorMetadata> {
        self.as_service().map(|e| &e.meta)
    }

    /// The error code the service sent (namespace stripped), if any.
    pub fn code(&self) -> Option<&str> {
        self.meta().and_then(|m| m.code.as_deref())
    }

    /// The request id of a service error: quote it in support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.meta().and_then(|m| m.request_id.as_deref())
    }

    /// The transport error, for `Transport` and `Auth`.
    pub fn as_transport(&self) -> Option<&TransportError> {
        match self {
            SdkError::Transport(e) | SdkError::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// Maps the typed error of a service error (used by the clients' helpers).
    pub fn map_service<F>(self, f: impl FnOnce(E) -> F) -> SdkError<F> {
        match self {
            SdkError::Build(e) => SdkError::Build(e),
            SdkError::Endpoint(e) => SdkError::Endpoint(e),
            SdkError::Auth(e) => SdkError::Auth(e),
            SdkError::Transport(e) => SdkError::Transport(e),
            SdkError::Service(ServiceError { kind, meta }) => SdkError::Service(ServiceError { kind: f(kind), meta }),
            SdkError::Malformed(e) => SdkError::Malformed(e),
        }
    }

    pub(crate) fn from_transport(error: TransportError) -> Self {
        if matches!(error.kind(), TransportErrorKind::Signing) {
            SdkError::Auth(error)
        } else {
            SdkError::Transport(error)
        }
    }
}

impl<E: OperationError> SdkError<E> {
    /// How the retry policy sees this error, whether or not retries were spent already.
    fn retry_kind(&self) -> RetryKind {
        match self {
            SdkError::Service(e) => {
                let modeled = match e.kind.code() {
                    Some(_) if e.kind.is_throttling() => ModeledRetry::RetryableThrottling,
                    Some(_) if e.kind.is_retryable() => ModeledRetry::Retryable,
                    Some(_) => ModeledRetry::NotRetryable,
                    None => ModeledRetry::Unmodeled,
                };
                classify_response(e.meta.status, e.meta.code.as_deref(), modeled)
            }
            SdkError::Transport(e) => match e.kind() {
                TransportErrorKind::Timeout(_) => RetryKind::Timeout,
                TransportErrorKind::Connect
                | TransportErrorKind::Io
                | TransportErrorKind::Body
                | TransportErrorKind::StalledStream { .. }
                | TransportErrorKind::StalledUpload { .. }
                | TransportErrorKind::RetryQuotaExhausted => RetryKind::Transient,
                _ => RetryKind::NotRetryable,
            },
            _ => RetryKind::NotRetryable,
        }
    }

    /// Whether trying the same call again later may succeed: throttling, server-side and
    /// network failures, timeouts, and errors the model marks retryable. The client has
    /// already retried these as far as its retry configuration allows.
    pub fn is_retryable(&self) -> bool {
        self.retry_kind().is_retryable()
    }

    /// Whether the service asked the client to slow down (a throttling code, HTTP 429, or an
    /// error the model marks as throttling).
    pub fn is_throttling(&self) -> bool {
        self.retry_kind() == RetryKind::Throttling
    }
}

impl<E> From<ResponseError<E>> for SdkError<E> {
    fn from(e: ResponseError<E>) -> Self {
        match e {
            ResponseError::Service(e) => SdkError::Service(e),
            ResponseError::Malformed(e) => SdkError::Malformed(e),
        }
    }
}

impl<E: fmt::Display> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::Build(e) => write!(f, "invalid request: {e}"),
            SdkError::Endpoint(e) => write!(f, "no endpoint: {e}"),
            SdkError::Auth(e) => write!(f, "could not authenticate the request: {e}"),
            SdkError::Transport(e) => write!(f, "request failed: {e}"),
            SdkError::Service(e) => write!(f, "service error: {e}"),
            SdkError::Malformed(e) => e.fmt(f),
        }
    }
}

impl<E: StdError + 'static> StdError for SdkError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::Build(e) => Some(e),
            SdkError::Endpoint(e) => Some(e),
            SdkError::Auth(e) | SdkError::Transport(e) => Some(e),
            SdkError::Service(e) => Some(e),
            SdkError::Malformed(e) => Some(e),
        }
    }
}
