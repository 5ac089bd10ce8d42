//! The one crate that does IO: pooled HTTP/1.1 and HTTP/2 over rustls, retries,
//! timeouts, and the stream decoders (AWS event stream, server-sent events).
//!
//! Work in progress (issue #3): the stream decoders are here; connections,
//! retries and timeouts are not yet.
#![deny(missing_docs)]

pub mod body;
pub mod client;
pub mod clock;
pub mod event_stream;
pub mod executor;
pub mod proxy;
pub mod retry;
pub mod sse;
pub mod tls;

pub use body::{BoxError, HttpClient, RequestBody, ResponseBody, ResponseFuture};
pub use clock::{Clock, RandomSource, TokioClock};
pub use client::{
    ConnectError, ConnectErrorKind, HttpVersionPolicy, HyperClient, HyperClientBuilder, ProxyErrorKind, TlsErrorKind,
};
pub use executor::{
    Executor, ExecutorBuilder, NoSigning, OperationInfo, Signer, StalledStreamProtection, TimeoutConfig, TimeoutKind,
    TransportError, TransportErrorKind,
};
pub use proxy::{NoProxy, ProxyConfig};
pub use retry::{RetryConfig, RetryMode};
pub use tls::{CaBundle, TrustRoots};
