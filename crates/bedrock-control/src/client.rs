//! The control-plane [`Client`]; its operation methods are generated in `operations.rs`.

use bedrock_config::{Config, Service, ServiceClient};

/// A client of the Bedrock control plane (`bedrock.{region}.amazonaws.com`). Cheap to clone
/// (one `Arc`); `Send + Sync`.
///
/// Each operation is a method taking the operation's request type from [`types`](crate::types)
/// and returning a [`Call`](crate::Call) to `.await`, or to [`customize`](crate::Call::customize)
/// first; list operations also have a `*_paginator` method returning a
/// [`Paginator`](crate::Paginator).
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: ServiceClient,
}

impl Client {
    /// A client with the settings of `config`.
    pub fn new(config: &Config) -> Self {
        Client {
            inner: ServiceClient::new(config, Service::Bedrock),
        }
    }

    /// The underlying service client: call any control-plane operation by type, or build its
    /// request without sending it.
    pub fn service_client(&self) -> &ServiceClient {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }
}
