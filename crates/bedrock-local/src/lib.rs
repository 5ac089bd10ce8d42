//! bedrock-local: a wire-faithful Bedrock emulator for tests and offline work.
//!
//! A real HTTP server on loopback (HTTP/1.1 and prior-knowledge HTTP/2 on one port) that answers
//! as Bedrock does on the wire: request ids, error headers and bodies, event streams, SigV4 and
//! API-key authentication, plus fault injection for testing clients (throttling, errors,
//! latency, resets, broken and stalled streams).
//!
//! Start it on a free loopback port, point a client's endpoint at it, and look at what it
//! received. By default any well-formed signature or API key is accepted; here the server
//! checks the client's SigV4 signatures against the test credentials:
//!
//! ```
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseRequest, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = bedrock_local::AuthMode::verify("AKIDEXAMPLE", "example-secret");
//! let server = bedrock_local::start(bedrock_local::Config::new().auth(auth)).await?;
//! let config = bedrock_runtime::Config::builder()
//!     .region("us-east-1")
//!     .credentials(bedrock_runtime::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "test"))
//!     .endpoint_url(server.base_url()) // http://127.0.0.1:PORT
//!     .load()
//!     .await?;
//! let client = bedrock_runtime::Client::new(&config);
//!
//! let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
//!     .with_messages(vec![Message::user("ping")]);
//! let response = client.converse(request).await?;
//! assert_eq!(response.output_text().as_deref(), Some("ping")); // text models echo
//!
//! let log = server.log();
//! assert_eq!(log[0].operation.as_deref(), Some("Converse"));
//! assert_eq!(log[0].identity.as_deref(), Some("sigv4:AKIDEXAMPLE"));
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! By default it is the whole emulator ([`Emulator`], module [`service`]): every Bedrock Runtime
//! operation (Converse and ConverseStream, InvokeModel and its response and bidirectional
//! streams, CountTokens, ApplyGuardrail, the async invokes) answered by the deterministic models
//! of [`runtime`], and the control plane of [`control`] (foundation models, inference profiles,
//! guardrails, jobs, provisioned throughput, tags), plus the mantle APIs (OpenAI Responses, Chat
//! Completions and Models, Anthropic Messages) over the same models. Requests are read and
//! answers written with the generated server side of `bedrock-runtime-types` and
//! `bedrock-control-types`, so the emulator speaks exactly the wire format the clients are
//! generated from.
//!
//! Faults test how a client copes ([`fault`] has the grammar): given to the server, as here,
//! they apply to every request; in the [`FAULT_HEADER`] request header, to that request only.
//! Here the first request is throttled and the client's retry gets the answer:
//!
//! ```
//! use std::time::Duration;
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseRequest, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = bedrock_local::start(bedrock_local::Config::new().faults_str("throttle:first=1")?).await?;
//! let config = bedrock_runtime::Config::builder()
//!     .region("us-east-1")
//!     .credentials(bedrock_runtime::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "test"))
//!     .endpoint_url(server.base_url())
//!     // Standard retries (3 attempts), without the usual backoff, to keep the test fast.
//!     .retry_config(bedrock_config::RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
//!     .load()
//!     .await?;
//! let client = bedrock_runtime::Client::new(&config);
//!
//! let request = ConverseRequest::new("amazon.nova-lite-v1:0").with_messages(vec![Message::user("retry me")]);
//! let response = client.converse(request).await?;
//! assert_eq!(response.output_text().as_deref(), Some("retry me"));
//!
//! let stats = server.stats();
//! assert_eq!(stats.requests, 2);
//! assert_eq!(stats.responses.get(&429), Some(&1));
//! assert_eq!(stats.faults.get("throttle"), Some(&1));
//! # server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Any other behaviour plugs in as a [`Service`] (usually a [`Router`] of handlers by operation
//! name). A handler that streams events hands the core a stream of messages; the core frames
//! them, sends each when the client is ready, and applies the stream faults:
//!
//! ```
//! use bedrock_local::wire::event_message;
//! use bedrock_local::{event_channel, Config, Fault, FaultKind, Request, Response, Router};
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseStreamRequest, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let router = Router::new().operation("ConverseStream", |request: Request| async move {
//!     let (tx, rx) = event_channel(1);
//!     tokio::spawn(async move {
//!         for text in ["Hel", "lo"] {
//!             let delta = format!(r#"{{"contentBlockIndex":0,"delta":{{"text":"{text}"}}}}"#);
//!             if tx.send(event_message("contentBlockDelta", delta)).await.is_err() {
//!                 return; // the client went away
//!             }
//!         }
//!     });
//!     let response = Response::events(rx);
//!     // A handler may ask for a stream fault of its own, e.g. a model failing mid-answer.
//!     if request.headers().contains_key("x-demo-fail") {
//!         let mut fault = Fault::new(FaultKind::StreamExceptionAfter(1));
//!         fault.error_type = Some("modelStreamErrorException".into());
//!         return response.with_fault(fault);
//!     }
//!     response
//! })?;
//! let server = bedrock_local::start(Config::new().service(router)).await?;
//! # let config = bedrock_runtime::Config::builder()
//! #     .region("us-east-1")
//! #     .credentials(bedrock_runtime::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "test"))
//! #     .endpoint_url(server.base_url())
//! #     .load()
//! #     .await?;
//! # let client = bedrock_runtime::Client::new(&config);
//!
//! let request = ConverseStreamRequest::new("any-model").with_messages(vec![Message::user("hi")]);
//! let mut deltas = client.converse_stream(request).await?.events.text_deltas();
//! let mut text = String::new();
//! while let Some(delta) = deltas.recv().await? {
//!     text.push_str(&delta);
//! }
//! assert_eq!(text, "Hello");
//! # server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See `docs/bedrock-local.md`.
#![deny(missing_docs)]

pub mod auth;
pub mod clock;
pub mod control;
pub mod fault;
pub mod runtime;
pub mod server;
pub mod service;
pub mod wire;

pub use auth::{AuthMode, Identity};
pub use fault::{Fault, FaultKind, FAULT_HEADER};
pub use server::{
    event_channel, start, BoxError, BoxFuture, Config, ConfigError, EventReceiver, EventSender, Handle, LogEntry,
    Request, RequestBody, RequestContext, Response, ResponseBody, Router, Service, StartError, Stats,
};
pub use service::Emulator;
pub use wire::ServiceError;
