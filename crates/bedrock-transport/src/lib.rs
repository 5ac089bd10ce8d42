//! The one crate that does IO: pooled HTTP/1.1 and HTTP/2 over rustls, retries,
//! timeouts, and the stream decoders (AWS event stream, server-sent events).
//!
//! - [`body`]: the sans-IO boundary, [`HttpClient`]: an `http::Request` in, a
//!   streaming `http::Response` out. Plug in any HTTP stack or a recorder.
//! - [`client`]: the built-in pooled hyper + rustls client (ALPN, HTTP/2 for
//!   the bidirectional stream, proxy, CA bundles, connect and TLS timeouts).
//! - [`executor`]: the attempt loop: signing per attempt, retries with backoff,
//!   retry quota and adaptive rate limiting, operation/attempt/first-byte
//!   timeouts, stalled-stream protection (response bodies and the bidirectional
//!   stream's request body), SDK headers, tracing spans.
//! - [`retry`] and [`clock`]: retry policy and classification; injectable time and randomness.
//! - [`event_stream`] and [`sse`]: sans-IO decoders and `Stream` adapters.
#![deny(missing_docs)]

pub mod body;
pub mod client;
pub mod clock;
mod decode;
pub mod event_stream;
pub mod executor;
pub mod proxy;
pub mod retry;
pub mod sse;
pub mod tls;

pub use body::{BoxError, HttpClient, RequestBody, ResponseBody, ResponseFuture};
pub use client::{
    ConnectError, ConnectErrorKind, HttpVersionPolicy, HyperClient, HyperClientBuilder, ProxyErrorKind, TlsErrorKind,
};
pub use clock::{Clock, RandomSource, TokioClock};
pub use executor::{
    AttemptResponse, Executor, ExecutorBuilder, NoSigning, OperationInfo, SendFuture, Signer, StalledStreamProtection,
    TimeoutConfig, TimeoutKind, TransportError, TransportErrorKind,
};
pub use proxy::{NoProxy, ProxyConfig};
pub use retry::{RetryConfig, RetryMode};
pub use tls::{CaBundle, TrustRoots};
