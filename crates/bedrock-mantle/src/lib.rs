//! Client for Bedrock Mantle (`bedrock-mantle.{region}.api.aws`): the OpenAI-compatible
//! Responses, Chat Completions and Models APIs, and the Anthropic Messages API.
//!
//! Every method takes the generated request type from [`types`] (`bedrock-mantle-types`) and
//! returns a [`JsonCall`] to `.await`, or for streams a [`StreamingCall`] that resolves, once the
//! response head arrives, to an [`EventStream`](stream::EventStream) of typed events. Errors are
//! [`SdkError`]s over [`JsonError`]: the API's error body with HTTP status and request id, and
//! `is_retryable()` / `is_throttling()` like every other call.
//!
//! - Route prefixes come from the resolved endpoint: `/v1` for the OpenAI APIs (or
//!   `/openai/v1`, per call with `.route(MantleRoute::OpenAi)` or per view with
//!   [`Client::openai_on`]), `/anthropic/v1` for Messages.
//! - Auth is the configuration's: SigV4 with signing name `bedrock-mantle`, or a bearer API key.
//! - [`stream`]: typed events, text deltas ([`EventStream::text_deltas`](stream::EventStream::text_deltas))
//!   and, in [`accumulate`], the final object rebuilt from the events.
//! - [`OpenAi`] is also what `bedrock_runtime::Client::openai()` returns for bedrock-runtime's
//!   `/openai/v1` routes (feature `openai` of `bedrock-runtime`).
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use bedrock_mantle::types::openai::{CreateResponseRequest, ResponseInput};
//!
//! let config = bedrock_config::from_env().load().await?;
//! let client = bedrock_mantle::Client::new(&config);
//! let request = CreateResponseRequest::new("openai.gpt-oss-120b").with_input(ResponseInput::Text("Hello".into()));
//! let mut text = client.create_response_stream(request).await?.text_deltas();
//! while let Some(delta) = text.recv().await? {
//!     print!("{delta}");
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod accumulate;
mod call;
mod client;
mod pages;
pub mod stream;
mod wait;

pub use bedrock_config::{from_env, Config, JsonError, JsonSdkError, SdkError};
pub use bedrock_endpoint::MantleRoute;
pub use bedrock_mantle_types as types;
pub use call::{route_prefix, JsonCall, StreamingCall};
pub use client::{Anthropic, Client, OpenAi};
pub use pages::{InputItemPages, InputItems};
pub use wait::{is_done, WaitError, WaitForResponse};
