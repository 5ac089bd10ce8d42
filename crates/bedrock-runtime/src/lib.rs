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
//! - With feature `openai`, [`Client::openai`] calls the OpenAI-compatible Chat Completions
//!   and Responses APIs on `/openai/v1` (bedrock-mantle's implementation, see `openai`).
//! - [`prelude`] has shortcuts over the generated types: `Message::user("hi")`,
//!   `Tool::from_json_schema(..)`, `ToolResultBlock::json(..)`, `response.output_text()`.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use bedrock_runtime::types::{ContentBlock, ConversationRole, ConverseRequest, Message};
//!
//! let config = bedrock_config::from_env().load().await?;
//! let client = bedrock_runtime::Client::new(&config);
//! let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0").with_messages(vec![
//!     Message::new(ConversationRole::User, vec![ContentBlock::Text("Hello".into())]),
//! ]);
//! let response = client.converse(request).await?;
//! println!("{:?}", response.output);
//! # Ok(()) }
//! ```
//!
//! Streaming the answer's text as it arrives:
//!
//! ```no_run
//! # async fn f(client: bedrock_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseStreamRequest, Message};
//!
//! let request = ConverseStreamRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
//!     .with_messages(vec![Message::user("Hello")]);
//! let mut text = client.converse_stream(request).await?.events.text_deltas();
//! while let Some(delta) = text.recv().await? {
//!     print!("{delta}");
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod bidi;
mod client;
pub mod ext;
pub mod stream;
mod streaming;

pub use bedrock_config::{from_env, Call, Config, Paginator, SdkError};
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
