//! Client for the Bedrock control plane (`bedrock.{region}.amazonaws.com`): foundation
//! models, inference profiles, guardrails, customization, batch inference, provisioned
//! throughput, evaluation, automated reasoning, marketplace and the rest of the service's
//! 108 operations.
//!
//! Every operation is a method of [`Client`] taking the operation's generated request type
//! from [`types`] and returning a [`Call`] to `.await` (or to customize first); every list
//! operation the service paginates also has a `*_paginator` method whose [`Paginator`] yields
//! pages or items as streams. Errors are [`SdkError`]s over the operation's error enum from
//! [`error`]. Idempotency tokens (`clientRequestToken`, `clientToken`) left unset are filled
//! from the configuration's token source, so a retried create does not create twice.
//!
//! The methods are generated from the service model by `cargo xtask codegen`
//! (`src/operations.rs`); this file and `client.rs` are hand-written.
//!
//! **Waiters:** the pinned service model ships no waiters (botocore's
//! `bedrock/2023-04-20/waiters-2.json` is empty), so there are none here. Long-running jobs
//! (customization, batch inference, provisioned throughput) are polled with their `Get*`
//! operation; [`wait_until`] is a small generic helper for that.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use bedrock_control::types::ListFoundationModelsRequest;
//!
//! let config = bedrock_config::from_env().load().await?;
//! let client = bedrock_control::Client::new(&config);
//! let models = client
//!     .list_foundation_models(ListFoundationModelsRequest::new().with_by_provider("anthropic"))
//!     .await?;
//! for model in models.model_summaries.unwrap_or_default() {
//!     println!("{}", model.model_id);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod operations;
mod wait;

pub use bedrock_config::{from_env, Call, Config, Paginator, SdkError};
pub use bedrock_control_types::{error, operation, types};
pub use client::Client;
pub use wait::{wait_until, WaitError, WaitPolicy};
