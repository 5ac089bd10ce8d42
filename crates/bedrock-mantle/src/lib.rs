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
//! A program builds its client from the environment's configuration (see
//! [`bedrock_config::from_env`]); a Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`) works as well
//! as SigV4 credentials:
//!
// Compiled, not run: it reads this machine's AWS configuration.
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let config = bedrock_mantle::from_env().load().await?;
//! let client = bedrock_mantle::Client::new(&config); // cheap to clone
//! # let _ = client; Ok(()) }
//! ```
//!
//! The examples below run against bedrock-local, the emulator, whose models answer with the
//! last user message. A Responses call, its text read from the output items:
//!
//! ```
//! use bedrock_mantle::types::openai::{CreateResponseRequest, OutputContent, OutputItem};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let mut models = bedrock_local::runtime::ModelRegistry::new();
//! # models.alias("openai.gpt-oss-120b", "echo"); // bedrock-local knows no OpenAI ids by default
//! # let clock = Arc::new(bedrock_local::clock::TokioClock);
//! # let emulator = bedrock_local::Emulator::new("us-east-1", 0, clock).with_registry(models);
//! # let local = bedrock_local::start(bedrock_local::Config::new().service(emulator.router())).await?;
//! let config = bedrock_mantle::Config::builder()
//!     .region("us-east-1")
//!     .credentials(bedrock_mantle::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//!     .endpoint_url(local.base_url())
//!     .load()
//!     .await?;
//! let client = bedrock_mantle::Client::new(&config);
//!
//! let request = CreateResponseRequest::new("openai.gpt-oss-120b").with_input("Hello, mantle!");
//! let response = client.create_response(request).await?;
//! let mut text = String::new();
//! for item in &response.output {
//!     if let OutputItem::Message(message) = item {
//!         for part in &message.content {
//!             if let OutputContent::OutputText(part) = part {
//!                 text.push_str(&part.text);
//!             }
//!         }
//!     }
//! }
//! assert_eq!(text, "Hello, mantle!");
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! A Chat Completions stream, printed as the text arrives
//! ([`final_output`](stream::EventStream::final_output) would instead rebuild the whole
//! completion from the chunks):
//!
//! ```
//! use bedrock_mantle::types::openai::{ChatUserMessage, CreateChatCompletionRequest};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let mut models = bedrock_local::runtime::ModelRegistry::new();
//! # models.alias("openai.gpt-oss-120b", "echo"); // bedrock-local knows no OpenAI ids by default
//! # let clock = Arc::new(bedrock_local::clock::TokioClock);
//! # let emulator = bedrock_local::Emulator::new("us-east-1", 0, clock).with_registry(models);
//! # let local = bedrock_local::start(bedrock_local::Config::new().service(emulator.router())).await?;
//! # let config = bedrock_mantle::Config::builder()
//! #     .region("us-east-1")
//! #     .credentials(bedrock_mantle::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//! #     .endpoint_url(local.base_url())
//! #     .load()
//! #     .await?;
//! # let client = bedrock_mantle::Client::new(&config);
//! let messages = vec![ChatUserMessage::new("Count to three.").into()];
//! let request = CreateChatCompletionRequest::new(messages, "openai.gpt-oss-120b");
//! let mut deltas = client.create_chat_completion_stream(request).await?.text_deltas();
//! let mut text = String::new();
//! while let Some(delta) = deltas.recv().await? {
//!     print!("{delta}");
//!     text.push_str(&delta);
//! }
//! assert_eq!(text, "Count to three.");
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The Anthropic Messages API, on the same client (its route prefix is `/anthropic/v1`):
//!
//! ```
//! use bedrock_mantle::types::anthropic::{ContentBlock, CreateMessageRequest, MessageParam, MessageParamRole};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let mut models = bedrock_local::runtime::ModelRegistry::new();
//! # models.alias("openai.gpt-oss-120b", "echo"); // bedrock-local knows no OpenAI ids by default
//! # let clock = Arc::new(bedrock_local::clock::TokioClock);
//! # let emulator = bedrock_local::Emulator::new("us-east-1", 0, clock).with_registry(models);
//! # let local = bedrock_local::start(bedrock_local::Config::new().service(emulator.router())).await?;
//! # let config = bedrock_mantle::Config::builder()
//! #     .region("us-east-1")
//! #     .credentials(bedrock_mantle::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//! #     .endpoint_url(local.base_url())
//! #     .load()
//! #     .await?;
//! # let client = bedrock_mantle::Client::new(&config);
//! let messages = vec![MessageParam::new("Hello, Claude!", MessageParamRole::User)];
//! let request = CreateMessageRequest::new(256, messages, "anthropic.claude-3-5-haiku-20241022-v1:0");
//! let message = client.create_message(request).await?;
//! for block in &message.content {
//!     if let ContentBlock::Text(block) = block {
//!         assert_eq!(block.text, "Hello, Claude!");
//!     }
//! }
//! println!("stopped: {:?}, {} output tokens", message.stop_reason, message.usage.output_tokens);
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod accumulate;
mod call;
mod client;
mod pages;
pub mod stream;
mod wait;

pub use bedrock_config::{from_env, Config, Credentials, JsonError, JsonSdkError, SdkError};
pub use bedrock_endpoint::MantleRoute;
pub use bedrock_mantle_types as types;
pub use call::{route_prefix, JsonCall, StreamingCall};
pub use client::{Anthropic, Client, OpenAi};
pub use pages::{InputItemPages, InputItems};
pub use wait::{is_done, WaitError, WaitForResponse};
