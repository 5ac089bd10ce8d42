//! The configuration shared by the Bedrock clients, and the operation runner they are built on.
//!
//! - [`Config`]: region, auth (SigV4 credentials or an API key), endpoint overrides, FIPS and
//!   dual-stack, retries, timeouts, stalled-stream protection, the HTTP client and user agent.
//!   [`from_env`] loads it from the environment and the shared config files in one call;
//!   [`Config::builder`] takes everything from code. Clients built from one `Config` share its
//!   connection pool.
//! - [`ServiceClient`]: resolves a service's endpoint, signs, sends with retries, and parses
//!   with the generated (sans-IO) operation from `bedrock-runtime-types` or
//!   `bedrock-control-types`. [`Call`] is the awaitable a client method returns, with
//!   per-call overrides; [`Paginator`] turns list operations into streams.
//! - [`ServiceClient::call_json`] and [`ServiceClient::send_json_streaming`]: the same for the
//!   OpenAI- and Anthropic-compatible operations of `bedrock-mantle-types` (`JsonOperation`),
//!   under a route prefix the caller picks; their errors are [`JsonError`]s.
//! - [`SdkError`]: every way a call fails, one variant per layer.
//!
//! In a program, [`from_env`] reads what the AWS SDKs read:
//!
// Compiled, not run: it reads this machine's AWS configuration.
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let config = bedrock_config::from_env().load().await?;
//! println!("{:?} via {}", config.region(), config.auth_mode());
//! # Ok(()) }
//! ```
//!
//! [`Config::builder`] reads nothing from the process and takes every setting from code. Here
//! it points at a local emulator, and a [`ServiceClient`] sends one operation of
//! `bedrock-runtime-types` by its type (the typed clients of `bedrock-runtime` and
//! `bedrock-control` do this for you):
//!
//! ```
//! use bedrock_config::{Config, Credentials, Service, ServiceClient};
//! use bedrock_runtime_types::operation::Converse;
//! use bedrock_runtime_types::types::{ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, Message};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let local = bedrock_local::start(bedrock_local::Config::new()).await?;
//! let config = Config::builder()
//!     .region("us-east-1")
//!     .credentials(Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//!     .endpoint_url(local.base_url()) // bedrock-local on 127.0.0.1
//!     .load()
//!     .await?;
//! assert_eq!(config.auth_mode(), "sigv4 (explicit credentials)");
//!
//! let runtime = ServiceClient::new(&config, Service::BedrockRuntime);
//! let hello = Message::new(ConversationRole::User, vec![ContentBlock::Text("Hello".into())]);
//! let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0").with_messages(vec![hello]);
//! let response = runtime.call::<Converse>(request).await?;
//! let ConverseOutput::Message(answer) = response.output else { panic!("no message") };
//! // bedrock-local's models echo the last user message.
//! assert!(matches!(&answer.content[0], ContentBlock::Text(text) if text == "Hello"));
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod config;
mod error;
mod json;
mod paginate;
mod tokens;

pub use client::{Call, ServiceClient, Signing};
pub use config::{from_env, Config, ConfigError, ConfigLoader};
pub use error::SdkError;
pub use json::{json_error_metadata, JsonError, JsonSdkError};
pub use paginate::{Items, Pages, Paginator};
pub use tokens::UuidTokens;

pub use bedrock_auth::Credentials;
pub use bedrock_endpoint::Service;
pub use bedrock_transport::{RetryConfig, RetryMode, StalledStreamProtection, TimeoutConfig};
