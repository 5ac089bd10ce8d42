//! bedrock-local: a wire-faithful Bedrock emulator for tests and offline work.
//!
//! A real HTTP server on loopback (HTTP/1.1 and prior-knowledge HTTP/2 on one port) that answers
//! as Bedrock does on the wire: request ids, error headers and bodies, event streams, SigV4 and
//! API-key authentication, plus fault injection for testing clients (throttling, errors,
//! latency, resets, broken and stalled streams).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = bedrock_local::start(bedrock_local::Config::new().seed(7)).await?;
//! println!("{}", server.base_url()); // http://127.0.0.1:PORT
//! // ... point a client at it ...
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The model behaviour plugs in as a [`Service`] (usually a [`Router`] of handlers by operation
//! name). A handler that streams events hands the core a stream of messages; the core frames
//! them, sends each when the client is ready, and applies the stream faults:
//!
//! ```no_run
//! use bedrock_local::wire::event_message;
//! use bedrock_local::{event_channel, Config, Fault, FaultKind, Request, Response, Router};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
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
pub use wire::ServiceError;
