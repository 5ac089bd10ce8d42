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
//! A program builds its client from the environment's configuration
//! (`bedrock_control::from_env().load().await?`, see [`bedrock_config::from_env`]). The
//! examples here run against bedrock-local, the emulator, with a configuration built in code:
//!
//! ```
//! use bedrock_control::types::{ListFoundationModelsRequest, ModelModality};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let local = bedrock_local::start(bedrock_local::Config::new()).await?;
//! let config = bedrock_control::Config::builder()
//!     .region("us-east-1")
//!     .credentials(bedrock_control::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//!     .endpoint_url(local.base_url())
//!     .load()
//!     .await?;
//! let client = bedrock_control::Client::new(&config);
//!
//! let request = ListFoundationModelsRequest::new()
//!     .with_by_provider("anthropic")
//!     .with_by_output_modality(ModelModality::Text);
//! let models = client.list_foundation_models(request).await?.model_summaries.unwrap_or_default();
//! assert!(!models.is_empty());
//! for model in &models {
//!     println!("{} ({})", model.model_id, model.model_name.as_deref().unwrap_or("-"));
//! }
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! A list operation the service paginates, read item by item across pages with its
//! `*_paginator` method: [`items`](Paginator::items) is a stream ([`Items`](bedrock_config::Items);
//! `StreamExt` from `futures-util` or `futures` gives it `next()`), and each page is fetched
//! when the previous one is used up:
//!
//! ```
//! use bedrock_control::types::ListInferenceProfilesRequest;
//! use futures_util::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let local = bedrock_local::start(bedrock_local::Config::new()).await?;
//! # let config = bedrock_control::Config::builder()
//! #     .region("us-east-1")
//! #     .credentials(bedrock_control::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs"))
//! #     .endpoint_url(local.base_url())
//! #     .load()
//! #     .await?;
//! # let client = bedrock_control::Client::new(&config);
//! let mut profiles = client
//!     .list_inference_profiles_paginator(ListInferenceProfilesRequest::new().with_max_results(2))
//!     .items();
//! let mut count = 0;
//! while let Some(profile) = profiles.next().await {
//!     let profile = profile?;
//!     println!("{}: {}", profile.inference_profile_id, profile.inference_profile_name);
//!     count += 1;
//! }
//! assert!(count > 2, "more than one page");
//! # local.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod operations;
mod wait;

pub use bedrock_config::{from_env, Call, Config, Credentials, Paginator, SdkError};
pub use bedrock_control_types::{error, operation, types};
pub use client::Client;
pub use wait::{wait_until, WaitError, WaitPolicy};
