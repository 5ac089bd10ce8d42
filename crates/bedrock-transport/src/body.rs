//! Request and response bodies, and the boundary trait to an HTTP stack.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;

/// A boxed error from a body or connection.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A request body: bytes that every attempt can replay (so each attempt is signed again),
/// or a stream for the bidirectional operation (never replayed).
pub enum RequestBody {
    /// The whole body, cheap to clone for a retry.
    Bytes(Bytes),
    /// Chunks produced while the response streams down (HTTP/2 only).
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>),
}

impl RequestBody {
    /// The body's bytes, if it can be replayed.
    pub fn replayable(&self) -> Option<&Bytes> {
        match self {
            RequestBody::Bytes(bytes) => Some(bytes),
            RequestBody::Stream(_) => None,
        }
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::Bytes(b) => write!(f, "RequestBody::Bytes({} bytes)", b.len()),
            RequestBody::Stream(_) => f.write_str("RequestBody::Stream(..)"),
        }
    }
}

impl From<Bytes> for RequestBody {
    fn from(bytes: Bytes) -> Self {
        RequestBody::Bytes(bytes)
    }
}

/// A streaming response body: chunks as they arrive from the socket, without copying.
pub type ResponseBody = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>;

/// The future an [`HttpClient`] returns.
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<ResponseBody>, BoxError>> + Send + 'static>>;

/// The sans-IO boundary: an `http::Request` in, a streaming `http::Response` out.
///
/// The built-in implementation is the pooled hyper client; tests and users can
/// plug in their own HTTP stack or a recording connector.
pub trait HttpClient: Send + Sync + fmt::Debug + 'static {
    /// Sends one attempt. Errors are connection-level (no response was received).
    fn send(&self, request: http::Request<RequestBody>) -> ResponseFuture;
}
