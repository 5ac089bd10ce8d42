//! Client for Bedrock Runtime (`bedrock-runtime.{region}.amazonaws.com`): Converse,
//! InvokeModel, guardrails, token counting and async invocations.
//!
//! Every method takes the operation's generated request type from [`types`] and returns a
//! [`Call`] to `.await` (or to customize first). Errors are [`SdkError`]s over the
//! operation's error enum from [`error`].
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
#![deny(missing_docs)]

mod client;
pub mod stream;

pub use bedrock_config::{from_env, Call, Config, Paginator, SdkError};
pub use bedrock_runtime_types::{error, operation, types};
pub use client::Client;
