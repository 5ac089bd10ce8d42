//! The provider trait, the clock, and the providers that need nothing but memory
//! and the environment: static credentials, environment variables, and a chain.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::env::{Env, OsContext};
use crate::error::CredentialsError;
use crate::secret::Credentials;

/// A boxed, `Send` future (the trait objects here cannot use `async fn`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of credentials.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Loads credentials. [`CredentialsError::NotLoaded`] means the source is not
    /// configured; any other error means it is configured but failed.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>>;
}

/// A shared, type-erased provider.
pub type SharedCredentialsProvider = Arc<dyn ProvideCredentials>;

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        (**self).provide_credentials()
    }
}

/// Wall-clock time, injectable for tests.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Credentials given in code. Always returns them, even when expired (the
/// caller chose them).
#[derive(Debug, Clone)]
pub struct StaticProvider(Credentials);

impl StaticProvider {
    /// A provider that always returns `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        StaticProvider(credentials)
    }
}

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let creds = self.0.clone();
        Box::pin(async move { Ok(creds) })
    }
}

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional
/// `AWS_SESSION_TOKEN` (with the legacy `AWS_ACCESS_KEY` / `AWS_SECRET_KEY`
/// spellings as fallbacks, as the AWS SDKs accept them).
#[derive(Debug, Clone)]
pub struct EnvironmentProvider {
    env: Arc<dyn Env>,
}

impl EnvironmentProvider {
    /// Name used in errors and in [`Credentials::provider_name`].
    pub const NAME: &'static str = "Environment";

    /// Reads the given environment.
    pub fn new(ctx: &OsContext) -> Self {
        EnvironmentProvider { env: ctx.env.clone() }
    }

    /// Reads the variables now, synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = &*self.env;
        let Some(access_key_id) = env
            .get_non_empty("AWS_ACCESS_KEY_ID")
            .or_else(|| env.get_non_empty("AWS_ACCESS_KEY"))
        else {
            return Err(CredentialsError::not_loaded(Self::NAME, "AWS_ACCESS_KEY_ID is not set"));
        };
        let Some(secret) = env
            .get_non_empty("AWS_SECRET_ACCESS_KEY")
            .or_else(|| env.get_non_empty("AWS_SECRET_KEY"))
        else {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            ));
        };
        let token = env.get_non_empty("AWS_SESSION_TOKEN");
        Ok(Credentials::new(
            access_key_id.trim(),
            secret.trim(),
            token,
            None,
            Self::NAME,
        ))
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

/// Tries providers in order; moves on only when a provider reports
/// [`CredentialsError::NotLoaded`], and stops at the first other error.
#[derive(Debug, Clone, Default)]
pub struct CredentialsChain {
    providers: Vec<(&'static str, SharedCredentialsProvider)>,
}

impl CredentialsChain {
    /// An empty chain (which yields `NotLoaded`).
    pub fn new() -> Self {
        CredentialsChain::default()
    }

    /// Appends a provider, named for logs.
    pub fn or_else(mut self, name: &'static str, provider: impl ProvideCredentials + 'static) -> Self {
        self.providers.push((name, Arc::new(provider)));
        self
    }

    /// The names of the providers, in order.
    pub fn provider_names(&self) -> Vec<&'static str> {
        self.providers.iter().map(|(n, _)| *n).collect()
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let mut reasons = Vec::new();
            for (name, provider) in &self.providers {
                match provider.provide_credentials().await {
                    Ok(creds) => {
                        tracing::debug!(provider = name, "loaded credentials");
                        return Ok(creds);
                    }
                    Err(e) if e.is_not_loaded() => {
                        tracing::debug!(provider = name, reason = %e, "provider has no credentials; trying the next");
                        reasons.push(e.to_string());
                    }
                    Err(e) => {
                        tracing::debug!(provider = name, error = %e, "provider failed");
                        return Err(e);
                    }
                }
            }
            Err(CredentialsError::not_loaded(
                "CredentialsChain",
                if reasons.is_empty() {
                    "no providers".to_owned()
                } else {
                    reasons.join("; ")
                },
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs};

    fn ctx(pairs: &[(&str, &str)]) -> OsContext {
        OsContext::new(MapEnv::from_pairs(pairs.iter().copied()), MapFs::default())
    }

    #[tokio::test]
    async fn environment_provider() {
        let p = EnvironmentProvider::new(&ctx(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ("AWS_SESSION_TOKEN", "envtoken"),
        ]));
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(
            (c.access_key_id(), c.secret_access_key(), c.session_token()),
            ("AKIDENV", "envsecret", Some("envtoken"))
        );
        assert_eq!(c.provider_name(), "Environment");

        let legacy = EnvironmentProvider::new(&ctx(&[("AWS_ACCESS_KEY", "A"), ("AWS_SECRET_KEY", "S")]));
        assert_eq!(legacy.load().unwrap().session_token(), None);

        assert!(EnvironmentProvider::new(&ctx(&[])).load().unwrap_err().is_not_loaded());
        let half = EnvironmentProvider::new(&ctx(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", " ")]));
        let err = half.load().unwrap_err();
        assert!(
            err.is_not_loaded() && err.to_string().contains("AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn chain_moves_on_only_after_not_loaded() {
        #[derive(Debug)]
        struct Failing;
        impl ProvideCredentials for Failing {
            fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
                Box::pin(async {
                    Err(CredentialsError::Provider {
                        provider: "Failing",
                        message: "boom".into(),
                    })
                })
            }
        }
        let static_creds = Credentials::new("AKIDSTATIC", "s", None, None, "Static");
        let chain = CredentialsChain::new()
            .or_else("Environment", EnvironmentProvider::new(&ctx(&[])))
            .or_else("Static", StaticProvider::new(static_creds.clone()));
        assert_eq!(chain.provide_credentials().await.unwrap(), static_creds);
        assert_eq!(chain.provider_names(), ["Environment", "Static"]);

        let chain = CredentialsChain::new()
            .or_else("Failing", Failing)
            .or_else("Static", StaticProvider::new(static_creds));
        assert!(chain
            .provide_credentials()
            .await
            .unwrap_err()
            .to_string()
            .contains("boom"));

        let empty = CredentialsChain::new().or_else("Environment", EnvironmentProvider::new(&ctx(&[])));
        let err = empty.provide_credentials().await.unwrap_err();
        assert!(
            err.is_not_loaded() && err.to_string().contains("AWS_ACCESS_KEY_ID"),
            "{err}"
        );
    }
}
