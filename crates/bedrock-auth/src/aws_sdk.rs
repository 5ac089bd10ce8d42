//! Credential providers of the official AWS SDK for Rust, as our providers
//! (feature `aws-sdk-credentials`).
//!
//! For applications that already build `aws-config`'s default chain (or any
//! other provider of the SDK ecosystem) and want this SDK to use the same
//! credentials. The provider trait lives in `aws-credential-types`, which this
//! crate depends on anyway, so the adapter needs neither `aws-config` nor its
//! HTTP stack; the application brings its own provider.
//!
//! With `aws-config`, the provider is `aws_config::load_from_env().await.credentials_provider()`;
//! here, fixed credentials of `aws-credential-types` stand in for it:
//!
//! ```
//! use bedrock_auth::aws_sdk::AwsSdkCredentialsProvider;
//! use bedrock_auth::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sdk_provider = aws_credential_types::Credentials::new("AKIDEXAMPLE", "example-secret", None, None, "docs");
//! let provider = AwsSdkCredentialsProvider::new(sdk_provider);
//! let credentials = provider.provide_credentials().await?;
//! assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(credentials.provider_name(), "AwsSdk");
//! # Ok(()) }
//! ```

use aws_credential_types::provider::error::CredentialsError as SdkError;
use aws_credential_types::provider::ProvideCredentials as SdkProvideCredentials;

use crate::error::CredentialsError;
use crate::provider::{BoxFuture, ProvideCredentials};
use crate::secret::Credentials;

/// Wraps any `aws_credential_types::provider::ProvideCredentials` (an
/// `aws-config` chain, `SharedCredentialsProvider`, static `Credentials`, …).
///
/// Credentials are copied into our [`Credentials`] (named
/// [`AwsSdkCredentialsProvider::NAME`]), whose `Debug` shows only a prefix of
/// the access key id. Errors keep their kind: "not loaded" stays
/// [`CredentialsError::NotLoaded`] so a [`CredentialsChain`](crate::provider::CredentialsChain)
/// moves on, a timeout becomes [`CredentialsError::Timeout`], anything else
/// [`CredentialsError::Provider`] with the error's messages.
#[derive(Debug, Clone)]
pub struct AwsSdkCredentialsProvider<P> {
    inner: P,
}

impl<P> AwsSdkCredentialsProvider<P> {
    /// Name used in errors and in [`Credentials::provider_name`].
    pub const NAME: &'static str = "AwsSdk";

    /// Adapts `provider`.
    pub fn new(provider: P) -> Self {
        AwsSdkCredentialsProvider { inner: provider }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<P: SdkProvideCredentials> ProvideCredentials for AwsSdkCredentialsProvider<P> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            match self.inner.provide_credentials().await {
                Ok(c) => Ok(Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    c.session_token().map(str::to_owned),
                    c.expiry(),
                    Self::NAME,
                )),
                Err(e) => Err(convert_error(&e)),
            }
        })
    }
}

/// The error and its sources, joined.
fn messages(e: &SdkError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn convert_error(e: &SdkError) -> CredentialsError {
    let name = AwsSdkCredentialsProvider::<()>::NAME;
    match e {
        SdkError::CredentialsNotLoaded(_) => CredentialsError::not_loaded(name, messages(e)),
        SdkError::ProviderTimedOut(t) => CredentialsError::Timeout {
            provider: name,
            after: t.timeout_duration(),
        },
        _ => CredentialsError::Provider {
            provider: name,
            message: messages(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::CredentialsChain;
    use aws_credential_types::provider::future::ProvideCredentials as SdkFuture;
    use std::time::{Duration, UNIX_EPOCH};

    const SECRET: &str = "sdkSECRETvalue/0123456789";
    const TOKEN: &str = "sdkSESSIONtoken==";

    #[tokio::test]
    async fn static_sdk_credentials_are_adapted() {
        let expiry = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let sdk = aws_credential_types::Credentials::new(
            "AKIDSDKEXAMPLE",
            SECRET,
            Some(TOKEN.into()),
            Some(expiry),
            "Static",
        );
        let provider = AwsSdkCredentialsProvider::new(sdk);
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "AKIDSDKEXAMPLE");
        assert_eq!(creds.secret_access_key(), SECRET);
        assert_eq!(creds.session_token(), Some(TOKEN));
        assert_eq!(creds.expiry(), Some(expiry));
        assert_eq!(creds.provider_name(), "AwsSdk");
        let shown = format!("{creds:?} {creds}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN) && !shown.contains("AKIDSDKEXAMPLE"));

        // Through the SDK's own shared wrapper too.
        let shared = aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("AKIDSHARED", SECRET, None, None, "Static"),
        );
        let creds = AwsSdkCredentialsProvider::new(shared)
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "AKIDSHARED");
    }

    #[derive(Debug)]
    struct Failing(fn() -> SdkError);
    impl SdkProvideCredentials for Failing {
        fn provide_credentials<'a>(&'a self) -> SdkFuture<'a>
        where
            Self: 'a,
        {
            SdkFuture::ready(Err((self.0)()))
        }
    }

    #[tokio::test]
    async fn errors_keep_their_kind_and_chains_move_on() {
        let not_loaded = AwsSdkCredentialsProvider::new(Failing(|| SdkError::not_loaded("no profile")));
        let err = not_loaded.provide_credentials().await.unwrap_err();
        assert!(err.is_not_loaded(), "{err}");
        assert!(err.to_string().contains("no profile"), "{err}");

        let timed_out =
            AwsSdkCredentialsProvider::new(Failing(|| SdkError::provider_timed_out(Duration::from_secs(5))));
        assert!(matches!(
            timed_out.provide_credentials().await.unwrap_err(),
            CredentialsError::Timeout { after, .. } if after == Duration::from_secs(5)
        ));

        let broken = AwsSdkCredentialsProvider::new(Failing(|| SdkError::provider_error("STS said no")));
        let err = broken.provide_credentials().await.unwrap_err();
        assert!(!err.is_not_loaded());
        assert!(err.to_string().contains("STS said no"), "{err}");

        let fallback = Credentials::new("AKIDNEXT", "s", None, None, "Static");
        let chain = CredentialsChain::new()
            .or_else("AwsSdk", not_loaded)
            .or_else("Static", crate::provider::StaticProvider::new(fallback.clone()));
        assert_eq!(chain.provide_credentials().await.unwrap(), fallback);
    }
}
