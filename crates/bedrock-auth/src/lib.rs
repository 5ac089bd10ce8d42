//! Credentials, SigV4 signing and Bedrock API keys.
//!
//! What is here needs no network:
//! - [`Credentials`] and [`ApiKey`], whose `Debug`/`Display` never show secrets;
//! - the shared config/credentials file parser ([`profile`]);
//! - providers: static, environment, profile (static keys, `credential_process`,
//!   `source_profile` role chains through a pluggable [`profile_provider::RoleAssumer`]),
//!   a chain, and a single-flight [`cache::CredentialsCache`];
//! - the region chain ([`region`]);
//! - SigV4 request signing for `bedrock` and `bedrock-mantle` ([`sign`]), with
//!   clock-skew correction ([`skew`]);
//! - event-stream message signing for the bidirectional stream ([`event_stream_sign`]);
//! - the auth-mode choice and short-term API key generation ([`api_key`]);
//! - with the `aws-sdk-credentials` feature, an adapter for the AWS SDK's own
//!   credential providers (`aws_sdk`).
//!
//! The network providers (STS, SSO, container, IMDS) come later; see
//! `docs/decisions/0007-auth.md`.
#![deny(missing_docs)]

pub mod api_key;
#[cfg(feature = "aws-sdk-credentials")]
pub mod aws_sdk;
pub mod cache;
pub mod env;
pub mod error;
pub mod event_stream_sign;
pub mod process;
pub mod profile;
pub mod profile_provider;
pub mod provider;
pub mod region;
pub mod secret;
pub mod sign;
pub mod skew;

pub use api_key::{generate_short_term_api_key, select_auth_mode, AuthMode};
pub use cache::CredentialsCache;
pub use env::OsContext;
pub use error::{CredentialsError, ProcessError};
pub use event_stream_sign::{EventStreamSigner, Signature};
pub use provider::{Clock, ProvideCredentials, SharedCredentialsProvider, SystemClock};
pub use secret::{ApiKey, Credentials};
pub use sign::{Signer, SigningName};
pub use skew::ClockSkew;

/// The default credentials chain available so far, cached: environment
/// variables, then the shared config and credentials files. (Web identity, SSO,
/// container and instance-metadata providers will be added in their documented
/// places once the transport exists.)
pub fn default_credentials_provider(ctx: &OsContext) -> CredentialsCache {
    let chain = provider::CredentialsChain::new()
        .or_else("Environment", provider::EnvironmentProvider::new(ctx))
        .or_else("Profile", profile_provider::ProfileProvider::new(ctx));
    CredentialsCache::new(chain)
}
