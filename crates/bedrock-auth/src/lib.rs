//! Credentials, SigV4 signing and Bedrock API keys.
//!
//! Signing is a pure function of the request, the credentials and the time, so it can be shown
//! (and tested) without a clock or a network. A Converse request signed for `bedrock` in
//! `us-east-1` at a fixed instant:
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use bedrock_auth::{Credentials, Signer, SigningName};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs");
//! let signer = Signer::new(SigningName::Bedrock, "us-east-1");
//! let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645); // 2024-01-02T03:04:05Z
//!
//! let body = r#"{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}"#;
//! let mut request = http::Request::post(
//!     "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse",
//! )
//! .header("content-type", "application/json")
//! .body(bytes::Bytes::from(body))?;
//! signer.sign(&mut request, &credentials, time)?;
//!
//! assert_eq!(request.headers()["x-amz-date"], "20240102T030405Z");
//! let authorization = request.headers()["authorization"].to_str()?;
//! assert!(authorization.starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/bedrock/aws4_request, SignedHeaders="
//! ));
//! assert!(request.headers()["authorization"].is_sensitive()); // kept out of logs
//!
//! // Same request, same credentials, same time: same signature.
//! let mut again = request.clone();
//! signer.sign(&mut again, &credentials, time)?;
//! assert_eq!(again.headers()["authorization"], request.headers()["authorization"]);
//! # Ok(()) }
//! ```
//!
//! A short-term Bedrock API key is presigned from credentials the same way; it is a bearer
//! token (`Authorization: Bearer ...`) that works until it expires (at most 12 hours, and never
//! after the credentials do):
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use bedrock_auth::{generate_short_term_api_key, Credentials};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs");
//! let now = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
//! let key = generate_short_term_api_key(&credentials, "us-east-1", now, Some(Duration::from_secs(3600)))?;
//!
//! assert_eq!(key.expires_at, now + Duration::from_secs(3600));
//! assert!(key.key.expose_secret().starts_with("bedrock-api-key-"));
//! assert!(!format!("{:?}", key.key).contains("bedrock-api-key-")); // `Debug` hides the key
//! # Ok(()) }
//! ```
//!
//! What is here:
//!
//! - [`Credentials`] and [`ApiKey`], whose `Debug`/`Display` never show secrets;
//! - the shared config/credentials file parser ([`profile`]);
//! - local providers: static, environment, profile (static keys,
//!   `credential_process`, `source_profile` role chains through a pluggable
//!   [`profile_provider::RoleAssumer`]), a chain, and a single-flight
//!   [`cache::CredentialsCache`];
//! - network providers over `bedrock-transport`'s `HttpClient` ([`net::ProviderConfig`]):
//!   STS `AssumeRole` / `AssumeRoleWithWebIdentity` ([`sts`]), IAM Identity
//!   Center ([`sso`]), container credentials ([`container`]) and IMDSv2 ([`imds`]);
//! - the default chain in the AWS SDKs' order ([`default_chain`]);
//! - the region chain ([`region`], plus IMDS in [`imds::resolve_region_with_imds`]);
//! - SigV4 request signing for `bedrock` and `bedrock-mantle` ([`sign`], over
//!   the crate's own sans-IO implementation of the algorithm, [`sigv4`]), with
//!   clock-skew correction ([`skew`]), and [`SigV4Signing`], the transport
//!   executor's per-attempt signing hook that feeds responses back to it
//!   ([`sigv4_signing`]);
//! - event-stream message signing for the bidirectional stream ([`event_stream_sign`]);
//! - the auth-mode choice and short-term API key generation ([`api_key`]);
//! - with the `aws-sdk-credentials` feature, an adapter for the AWS SDK's own
//!   credential providers (`aws_sdk`).
//!
//! SHA-256 and HMAC come from `ring` (feature `ring`, the default) or
//! `aws-lc-rs` (feature `aws-lc-rs`, preferred when both are on; `fips` makes
//! it use the FIPS module).
//!
//! See `docs/decisions/0007-auth.md` and `docs/decisions/0012-own-sigv4-signer.md`.
#![deny(missing_docs)]

pub mod api_key;
#[cfg(feature = "aws-sdk-credentials")]
pub mod aws_sdk;
pub mod cache;
pub mod container;
mod crypto;
pub mod default_chain;
pub mod env;
pub mod error;
pub mod event_stream_sign;
pub mod imds;
pub mod net;
pub mod process;
pub mod profile;
pub mod profile_provider;
pub mod provider;
pub mod region;
pub mod secret;
pub mod sign;
pub mod sigv4;
pub mod sigv4_signing;
pub mod skew;
pub mod sso;
pub mod sts;

pub use api_key::{generate_short_term_api_key, select_auth_mode, AuthMode, BearerSigning};
pub use cache::CredentialsCache;
pub use env::OsContext;
pub use error::{CredentialsError, ProcessError};
pub use event_stream_sign::{EventStreamSigner, Signature};
pub use provider::{Clock, ProvideCredentials, SharedCredentialsProvider, SystemClock};
pub use secret::{ApiKey, Credentials};
pub use sign::{Signer, SigningError, SigningName};
pub use sigv4_signing::SigV4Signing;
pub use skew::ClockSkew;

pub use default_chain::default_credentials_provider;
pub use net::ProviderConfig;
