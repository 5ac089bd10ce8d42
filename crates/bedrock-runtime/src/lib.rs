//! Client for Bedrock Runtime (`bedrock-runtime.{region}.amazonaws.com`): Converse,
//! InvokeModel, guardrails, token counting and async invocations.
//!
//! Every method takes the operation's generated request type from [`types`] and returns a
//! [`Call`] to `.await` (or to customize first). Errors are [`SdkError`]s over the
//! operation's error enum from [`error`].
//!
//! - Response streams ([`Client::converse_stream`],
//!   [`Client::invoke_model_with_response_stream`]) return a [`StreamCall`] that resolves,
//!   once the response head arrives, to a [`StreamingOutput`]: the modeled response members,
//!   the headers, and an [`EventReceiver`](stream::EventReceiver) of typed events (see
//!   [`stream`]). Retries happen only before the head; an exception mid-stream is a typed
//!   [`StreamError`](stream::StreamError).
//! - The bidirectional stream ([`Client::invoke_model_with_bidirectional_stream`]) is an
//!   [`EventSender`] and a receiver over one HTTP/2 request; see [`BidirectionalStream`].
//! - With feature `openai`, `Client::openai()` calls the OpenAI-compatible Chat Completions
//!   and Responses APIs on `/openai/v1` (bedrock-mantle's implementation, see `openai`).
//! - [`prelude`] has shortcuts over the generated types: `Message::user("hi")`,
//!   `Tool::from_json_schema(..)`, `ToolResultBlock::json(..)`, `response.output_text()`.
//!
//! A program loads its configuration from the environment (region, credentials or an API key,
//! endpoint, retries; see [`bedrock_config::from_env`]) and builds one client from it:
//!
// Compiled, not run: it reads this machine's AWS configuration.
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let config = bedrock_runtime::from_env().load().await?;
//! let client = bedrock_runtime::Client::new(&config); // cheap to clone
//! # let _ = client; Ok(()) }
//! ```
//!
//! The examples below run against bedrock-local, the emulator, whose models answer with the
//! last user message; their configuration is built in code with fixed credentials.
//!
//! ```
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseRequest, InferenceConfiguration, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let local = bedrock_local::start(bedrock_local::Config::new()).await?;
//! let config = bedrock_runtime::Config::builder()
//!     .region("us-east-1")
//!     .credentials(bedrock_runtime::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//!     .endpoint_url(local.base_url())
//!     .load()
//!     .await?;
//! let client = bedrock_runtime::Client::new(&config);
//!
//! let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
//!     .with_messages(vec![Message::user("Hello, Bedrock!")])
//!     .with_inference_config(InferenceConfiguration::new().with_max_tokens(200));
//! let response = client.converse(request).await?;
//! assert_eq!(response.output_text().as_deref(), Some("Hello, Bedrock!"));
//! println!("{} tokens in, {} out", response.usage.input_tokens, response.usage.output_tokens);
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Streaming the answer's text as it arrives with [`Client::converse_stream`]
//! ([`stream::MessageAccumulator`] rebuilds the whole response from the events instead):
//!
//! ```
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseStreamRequest, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let local = bedrock_local::start(bedrock_local::Config::new()).await?;
//! # let config = bedrock_runtime::Config::builder()
//! #     .region("us-east-1")
//! #     .credentials(bedrock_runtime::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//! #     .endpoint_url(local.base_url())
//! #     .load()
//! #     .await?;
//! # let client = bedrock_runtime::Client::new(&config);
//! let request = ConverseStreamRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
//!     .with_messages(vec![Message::user("Tell me a story about a tiny robot.")]);
//! let output = client.converse_stream(request).await?;
//! let mut text = output.events.text_deltas();
//! let mut story = String::new();
//! while let Some(delta) = text.recv().await? {
//!     print!("{delta}");
//!     story.push_str(&delta);
//! }
//! assert_eq!(story, "Tell me a story about a tiny robot.");
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod bidi;
mod client;
pub mod ext;
pub mod stream;
mod streaming;

pub use bedrock_config::{from_env, Call, Config, Credentials, Paginator, SdkError};
/// bedrock-mantle's client crate, whose [`OpenAi`](bedrock_mantle::OpenAi) view
/// [`Client::openai`] returns: its calls, streams, text deltas, accumulators and models
/// (`bedrock_runtime::openai::types::openai`). Feature `openai`.
#[cfg(feature = "openai")]
pub use bedrock_mantle as openai;
pub use bedrock_runtime_types::{error, event_stream, operation, types, Blob, DateTime};
pub use bidi::{BidirectionalStream, BidirectionalStreamCall, EventSender, SendError};
pub use client::Client;
#[cfg(feature = "openai")]
pub use client::OPENAI_PREFIX;
pub use streaming::{
    ConverseStreamingOutput, EventStreamOperation, InvokeModelStreamingOutput, StreamCall, StreamingOutput,
};

/// The extension traits of [`ext`], to import with `use bedrock_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::ext::{ConverseResponseExt, MessageExt, ToolExt, ToolResultExt, WithTools};
}
