//! The default credentials chain, in the order of the AWS SDK for Rust
//! (`aws-config`'s `DefaultCredentialsChain`):
//!
//! 1. environment variables (`AWS_ACCESS_KEY_ID`, …);
//! 2. the shared config and credentials files: static keys, SSO, web identity,
//!    `credential_process` and role chains;
//! 3. web identity from the environment (`AWS_WEB_IDENTITY_TOKEN_FILE`, …);
//! 4. container credentials (`AWS_CONTAINER_CREDENTIALS_*_URI`);
//! 5. EC2 instance metadata.
//!
//! A source that is not configured passes to the next; a configured source that
//! fails (bad profile, STS error, expired SSO login, garbage from the container
//! endpoint) ends the search with its error, as in the SDKs, rather than
//! silently falling through to other credentials.

use std::sync::Arc;

use bedrock_transport::HttpClient;

use crate::cache::CredentialsCache;
use crate::container::ContainerProvider;
use crate::env::OsContext;
use crate::imds::ImdsCredentialsProvider;
use crate::net::ProviderConfig;
use crate::profile_provider::ProfileProvider;
use crate::provider::{CredentialsChain, EnvironmentProvider};
use crate::sts::WebIdentityProvider;

/// The default chain, uncached.
pub fn default_chain(cfg: &ProviderConfig) -> CredentialsChain {
    let mut profile = ProfileProvider::new(&cfg.ctx).with_provider_config(cfg.clone());
    if let Some(name) = &cfg.profile {
        profile = profile.with_profile(name.clone());
    }
    CredentialsChain::new()
        .or_else(EnvironmentProvider::NAME, EnvironmentProvider::new(&cfg.ctx))
        .or_else(ProfileProvider::NAME, profile)
        .or_else(crate::sts::StsClient::WEB_IDENTITY, WebIdentityProvider::new(cfg))
        .or_else(ContainerProvider::NAME, ContainerProvider::new(cfg))
        .or_else(ImdsCredentialsProvider::NAME, ImdsCredentialsProvider::new(cfg))
}

/// The default chain over `cfg`, cached with `cfg`'s clock.
pub fn default_credentials_provider_with(cfg: &ProviderConfig) -> CredentialsCache {
    CredentialsCache::builder(default_chain(cfg))
        .clock(cfg.clock.clone())
        .build()
}

/// The default chain, cached: the environment and files of `ctx`, network
/// sources through `http`, the system clock.
pub fn default_credentials_provider(ctx: &OsContext, http: Arc<dyn HttpClient>) -> CredentialsCache {
    default_credentials_provider_with(&ProviderConfig::new(ctx, http))
}
